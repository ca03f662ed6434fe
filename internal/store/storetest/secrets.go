package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
	"github.com/spoor/spoor/internal/store"
)

// rawOptions is the options column as the database holds it: what a
// copied database file or dump shows.
func rawOptions(t *testing.T, s *store.Store, name string) string {
	t.Helper()
	var v string
	if err := s.DB().QueryRowContext(t.Context(), s.Dialect().Rebind(`SELECT options FROM sources WHERE name = ?`), name).Scan(&v); err != nil {
		t.Fatalf("raw options of %s: %v", name, err)
	}
	return v
}

// Secret source options are sealed before they reach the database, bound
// to their source and option; plain values from before sealing are
// sealed on request; a rotation re-seals all or nothing.
func testSecrets(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 1, "admin")
	taxii := func(opts intel.SourceOptions) *intel.Source {
		return &intel.Source{Name: "Partner TAXII", Kind: intel.SourceTAXII, Format: "taxii", Location: "https://taxii.example.com/taxii2/",
			Enabled: true, Options: opts}
	}
	place := secret.SourceOption("Partner TAXII", "password")

	// Without a key a secret is refused, not stored in plain text.
	err := s.UpsertSource(ctx, taxii(intel.SourceOptions{"collection": "c1", "password": "hunter2-secret"}))
	wantCode(t, "secret without a key", err, intel.CodeInvalid)
	if err == nil || !strings.Contains(err.Error(), `option password of source "Partner TAXII"`) {
		t.Errorf("error %v does not name the option and source", err)
	}
	if _, err := s.FindSourceByName(ctx, "Partner TAXII"); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("a refused source was stored: %v", err)
	}

	k1 := secret.NewKey()
	s.UseSecrets(secret.NewBox(k1))
	src := taxii(intel.SourceOptions{"collection": "c1", "username": "spoor", "password": "hunter2-secret", "token": ""})
	must(t, "define", s.UpsertSource(ctx, src))
	if raw := rawOptions(t, s, src.Name); strings.Contains(raw, "hunter2") || !strings.Contains(raw, `"collection":"c1"`) {
		t.Errorf("the database holds %s; want the password sealed and other options plain", raw)
	}
	got, err := s.FindSourceByID(ctx, src.ID)
	must(t, "find", err)
	sealed := got.Options["password"]
	if id, _ := secret.KeyID(sealed); id != k1.ID() || src.Options["password"] != sealed {
		t.Errorf("password stored as %q (key %q), src given back %q; want sealed under %s", sealed, id, src.Options["password"], k1.ID())
	}
	if plain, err := place.Reveal(secret.NewBox(k1), sealed); err != nil || plain != "hunter2-secret" {
		t.Errorf("the stored password opens to %q, %v", plain, err)
	}
	if got.Options["token"] != "" || got.Options["username"] != "spoor" {
		t.Errorf("options %q: an empty secret stays empty, a name plain", got.Options)
	}

	// Saving the same value again, plain (a form) or sealed (a source read
	// back, as the collector saves it), changes nothing: same ciphertext,
	// no audit entry.
	before := countAudit(t, s)
	for _, v := range []string{"hunter2-secret", sealed} {
		again := taxii(intel.SourceOptions{"collection": "c1", "username": "spoor", "password": v, "token": ""})
		must(t, "save again", s.UpsertSource(ctx, again))
		if again.Options["password"] != sealed {
			t.Errorf("saving %q again re-sealed the password", v)
		}
	}
	if n := countAudit(t, s); n != before {
		t.Errorf("unchanged saves wrote %d audit entries", n-before)
	}
	// A new value is sealed anew.
	changed := taxii(intel.SourceOptions{"collection": "c1", "password": "new-password"})
	must(t, "change", s.UpsertSource(ctx, changed))
	if plain, _ := place.Reveal(secret.NewBox(k1), changed.Options["password"]); plain != "new-password" {
		t.Errorf("the changed password opens to %q", plain)
	}

	// A ciphertext moved from another source or option does not open
	// there, and is refused.
	other := &intel.Source{Name: "Other", Kind: intel.SourceTAXII, Format: "taxii", Location: "https://other.example.com/",
		Options: intel.SourceOptions{"token": "other-token"}}
	must(t, "other", s.UpsertSource(ctx, other))
	moved := taxii(intel.SourceOptions{"password": other.Options["token"]})
	wantCode(t, "moved ciphertext", s.UpsertSource(ctx, moved), intel.CodeInvalid)
	if raw := rawOptions(t, s, "Partner TAXII"); strings.Contains(raw, other.Options["token"]) {
		t.Error("a moved ciphertext was stored")
	}

	// A database from before sealing: plain values are listed as plain and
	// sealed by SealPlainSecrets, and nothing else is touched.
	if _, err := s.DB().ExecContext(ctx, s.Dialect().Rebind(`UPDATE sources SET options = ? WHERE name = ?`),
		`{"collection":"c1","api_key":"legacy-plain-key"}`, "Other"); err != nil {
		t.Fatal(err)
	}
	keep := rawOptions(t, s, "Partner TAXII")
	stored, err := s.FindSecrets(ctx)
	must(t, "find secrets", err)
	if rep := secret.Inspect(secret.NewBox(k1), stored); rep.Total != 2 || rep.Plain != 1 || rep.ByKey[k1.ID()] != 1 || len(rep.Failed) != 0 {
		t.Errorf("before sealing: %+v", rep)
	}
	n, err := s.SealPlainSecrets(ctx)
	must(t, "seal plain", err)
	if raw := rawOptions(t, s, "Other"); n != 1 || strings.Contains(raw, "legacy-plain-key") || !strings.Contains(raw, `"collection":"c1"`) {
		t.Errorf("sealed %d; Other holds %s", n, raw)
	}
	if rawOptions(t, s, "Partner TAXII") != keep {
		t.Error("sealing plain values re-sealed a sealed one")
	}
	if n, err := s.SealPlainSecrets(ctx); n != 0 || err != nil {
		t.Errorf("second SealPlainSecrets = %d, %v; want nothing left", n, err)
	}

	// A rotation re-seals every secret under the new key, opening each
	// under the old; a box that cannot open one changes nothing.
	wrong := secret.NewBox(secret.NewKey())
	_, err = s.ResealSecrets(ctx, wrong)
	wantCode(t, "reseal with a wrong key", err, intel.CodeInvalid)
	if _, wk := errors.AsType[*secret.WrongKeyError](err); !wk || !strings.Contains(err.Error(), "cannot decrypt option") {
		t.Errorf("reseal with a wrong key: %v", err)
	}
	if rawOptions(t, s, "Partner TAXII") != keep {
		t.Error("a failed reseal changed a stored value")
	}
	k2 := secret.NewKey()
	n, err = s.ResealSecrets(ctx, secret.NewBox(k2, k1))
	must(t, "reseal", err)
	stored, err = s.FindSecrets(ctx)
	must(t, "find secrets", err)
	if rep := secret.Inspect(secret.NewBox(k2), stored); n != 2 || rep.Total != 2 || rep.ByKey[k2.ID()] != 2 || len(rep.Failed) != 0 {
		t.Errorf("after reseal (%d): %+v", n, rep)
	}
	want := map[string]string{`option password of source "Partner TAXII"`: "new-password", `option api_key of source "Other"`: "legacy-plain-key"}
	for _, st := range stored {
		if plain, err := st.Place.Reveal(secret.NewBox(k2), st.Value); err != nil || plain != want[st.Place.What] {
			t.Errorf("%s opens to %q, %v; want %q", st.Place.What, plain, err, want[st.Place.What])
		}
	}
	entries, err := s.FindAudit(ctx, intel.AuditFilter{Limit: 1})
	must(t, "audit", err)
	if len(entries.Items) != 1 || entries.Items[0].Action != "secrets.reseal" || !strings.Contains(entries.Items[0].Detail, k2.ID()) {
		t.Errorf("newest audit entry %+v, want secrets.reseal naming key %s", entries.Items, k2.ID())
	}

	// An import naming the source (no format) leaves its options alone,
	// even when the store's key cannot open them.
	s.UseSecrets(wrong)
	must(t, "import upsert", s.UpsertSource(ctx, &intel.Source{Name: "Partner TAXII", Kind: intel.SourceTAXII}))
	if raw := rawOptions(t, s, "Partner TAXII"); !strings.Contains(raw, "enc:v1:"+k2.ID()+":") {
		t.Errorf("an import under another key rewrote the options: %s", raw)
	}
}
