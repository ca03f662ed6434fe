package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/spoor/spoor/internal/intel"
)

func testCounts(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	c, err := s.Counts(ctx)
	must(t, "counts", err)
	mustDiff(t, "empty counts", intel.Counts{"group": 0, "technique": 0, "software": 0, "campaign": 0,
		"document": 0, "indicator": 0, "source": 0, "user": 0, "relationship": 0}, c)
	MustImport(t, s, FixtureBundle())
	must(t, "user", s.CreateUser(ctx, &intel.User{Login: "u", Role: intel.RoleReader}))
	c, err = s.Counts(ctx)
	must(t, "counts", err)
	// Revoked group and relationship left out; the edge to the revoked
	// group is itself active and counted.
	mustDiff(t, "counts", intel.Counts{"group": 3, "technique": 3, "software": 2, "campaign": 1,
		"document": 6, "indicator": 2, "source": 1, "user": 1, "relationship": 7}, c)
}

func testAudit(t *testing.T, open Opener) {
	s := open(t)
	ctx := intel.WithActor(t.Context(), intel.Actor{UserID: 42, Login: "erin", Addr: "192.0.2.7"})
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	u := &intel.User{Login: "frank", Role: intel.RoleReader, Enabled: true}
	must(t, "user", s.CreateUser(ctx, u))
	role := intel.RoleAnalyst
	_, err := s.UpdateUser(ctx, u.ID, intel.UserUpdate{Role: &role})
	must(t, "update user", err)
	_, err = s.UpdateUser(ctx, u.ID, intel.UserUpdate{Role: &role}) // no change, no entry
	must(t, "same role", err)
	hash := "$argon2id$z"
	_, err = s.UpdateUser(ctx, u.ID, intel.UserUpdate{PasswordHash: &hash})
	must(t, "password", err)
	src := &intel.Source{Name: "manual", Kind: intel.SourceManual}
	must(t, "source", s.UpsertSource(ctx, src))
	o := &intel.Object{Kind: intel.KindSoftware, Name: "Cobalt Strike"}
	must(t, "object", s.CreateObject(ctx, o))
	desc := "d"
	_, err = s.UpdateObject(ctx, o.ID, intel.ObjectUpdate{Description: &desc})
	must(t, "update object", err)
	must(t, "delete object", s.DeleteObject(ctx, o.ID))
	d := &intel.Document{Title: "Doc"}
	must(t, "document", s.CreateDocument(ctx, d))
	_, err = s.UpdateDocument(ctx, d.ID, intel.DocumentUpdate{Text: &desc})
	must(t, "update document", err)
	must(t, "delete document", s.DeleteDocument(ctx, d.ID))
	in := &intel.Indicator{Type: intel.IndicatorDomain, Value: "a.example"}
	must(t, "indicator", s.CreateIndicator(ctx, in))
	_, err = s.UpdateIndicator(ctx, in.ID, intel.IndicatorUpdate{Description: &desc})
	must(t, "update indicator", err)
	must(t, "delete indicator", s.DeleteIndicator(ctx, in.ID))
	tok := &intel.APIToken{UserID: u.ID, Name: "t", Hash: "h", Scope: intel.ScopeRead}
	must(t, "token", s.CreateAPIToken(ctx, tok))
	must(t, "revoke", s.RevokeAPIToken(ctx, tok.ID))
	st, err := s.ImportBundle(ctx, FixtureBundle(), nil)
	must(t, "import", err)
	_ = st
	// Failed writes leave no trail.
	_ = s.CreateUser(ctx, &intel.User{Login: "FRANK", Role: intel.RoleReader})
	// A session is a sign-in; deleting it, a sign-out.
	must(t, "session", s.CreateSession(ctx, &intel.Session{TokenHash: "s", UserID: u.ID, ExpiresAt: now}))
	must(t, "sign out", s.DeleteSession(ctx, "s"))
	must(t, "sign out again", s.DeleteSession(ctx, "s")) // nothing ended, nothing recorded
	failed := &intel.AuditEntry{Action: "user.login_failed", Login: "frank", ObjectKind: "user", ObjectID: u.ID, Addr: "198.51.100.1"}
	must(t, "record", s.RecordAudit(ctx, failed))

	type entry struct {
		UserID        int64
		Login, Action string
		Kind          string
		ID            int64
		Addr          string
	}
	const addr = "192.0.2.7"
	want := []entry{
		{0, "frank", "user.login_failed", "user", u.ID, "198.51.100.1"},
		{42, "erin", "user.logout", "user", u.ID, addr},
		{42, "erin", "user.login", "user", u.ID, addr},
		{42, "erin", "import.create", "source", 0, addr}, // the import's source is created by it
		{42, "erin", "token.revoke", "token", tok.ID, addr},
		{42, "erin", "token.create", "token", tok.ID, addr},
		{42, "erin", "indicator.delete", "indicator", in.ID, addr},
		{42, "erin", "indicator.update", "indicator", in.ID, addr},
		{42, "erin", "indicator.create", "indicator", in.ID, addr},
		{42, "erin", "document.delete", "document", d.ID, addr},
		{42, "erin", "document.update", "document", d.ID, addr},
		{42, "erin", "document.create", "document", d.ID, addr},
		{42, "erin", "software.delete", "software", o.ID, addr},
		{42, "erin", "software.update", "software", o.ID, addr},
		{42, "erin", "software.create", "software", o.ID, addr},
		{42, "erin", "source.upsert", "source", src.ID, addr},
		{42, "erin", "user.password", "user", u.ID, addr},
		{42, "erin", "user.role", "user", u.ID, addr},
		{42, "erin", "user.create", "user", u.ID, addr},
	}
	var got []entry
	after := ""
	for {
		page, err := s.FindAudit(ctx, intel.AuditFilter{After: after, Limit: 4})
		must(t, "audit", err)
		for _, e := range page.Items {
			got = append(got, entry{e.UserID, e.Login, e.Action, e.ObjectKind, e.ObjectID, e.Addr})
			if e.At.IsZero() {
				t.Errorf("audit %s has no time", e.Action)
			}
		}
		if after = page.Next; after == "" {
			break
		}
	}
	mitre, err := s.FindSourceByName(ctx, "MITRE ATT&CK")
	must(t, "source", err)
	want[3].ID = mitre.ID
	mustDiff(t, "audit trail", want, got, cmpopts.EquateEmpty())

	// System writes (no actor in ctx) are recorded as "system".
	must(t, "system write", s.CreateDocument(t.Context(), &intel.Document{Title: "by system"}))
	page, err := s.FindAudit(ctx, intel.AuditFilter{Limit: 1})
	must(t, "audit", err)
	if e := page.Items[0]; e.Login != "system" || e.UserID != 0 || e.Action != "document.create" {
		t.Errorf("system audit entry = %+v", e)
	}
	page, err = s.FindAudit(ctx, intel.AuditFilter{UserID: 42, Limit: 500})
	must(t, "audit by user", err)
	if len(page.Items) != len(want)-1 { // all but the failed sign-in

		t.Errorf("audit of user 42 has %d entries, want %d", len(page.Items), len(want))
	}
}
