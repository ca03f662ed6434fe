package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/taxii"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/sqlite"
)

const (
	taxiiRoot = "/taxii2/api/"
	taxiiColl = taxiiRoot + "collections/5c7fbf1e-6c8f-5a1d-9d3c-0f2b6d0a11a1/"
	taxiiType = "application/taxii+json;version=2.1"
)

func TestTAXIIEndpoints(t *testing.T) {
	e := newEnv(t)
	accept := map[string]string{"Accept": taxiiType}
	red := &intel.Indicator{Type: intel.IndicatorDomain, Value: "red-only.spoor-tlp.net", Confidence: 0.9, TLP: intel.TLPRed}
	if err := e.Store.CreateIndicator(context.Background(), red); err != nil {
		t.Fatal(err)
	}
	runScenarios(t, e, []scenario{
		{Name: "discovery", URL: "/taxii2/", Bearer: "reader", Header: accept, ExpectedStatus: 200,
			ExpectedContent: []string{`"api_roots":["/taxii2/api/"]`, `"default":"/taxii2/api/"`},
			ExpectedHeader:  map[string]string{"Content-Type": taxiiType}},
		{Name: "api root", URL: taxiiRoot, Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"versions":["` + taxiiType + `"]`}},
		{Name: "collections", URL: taxiiRoot + "collections/", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"can_read":true`, `"can_write":false`, `"media_types":["application/stix+json;version=2.1"]`}},
		{Name: "collection", URL: taxiiColl, Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"title":"all"`}},
		{Name: "objects", URL: taxiiColl + "objects/", Bearer: "reader", Header: accept, ExpectedStatus: 200,
			ExpectedContent: []string{`"more":false`, `"type":"indicator"`, "evil.example.com"}},
		{Name: "readers see up to amber", URL: taxiiColl + "objects/", Bearer: "reader", ExpectedStatus: 200,
			NotExpectedContent: []string{"red-only.spoor-tlp.net"}},
		{Name: "analysts see red", URL: taxiiColl + "objects/", Bearer: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{"red-only.spoor-tlp.net"}},
		{Name: "objects of a type", URL: taxiiColl + "objects/?match[type]=marking-definition", Bearer: "reader", ExpectedStatus: 200,
			NotExpectedContent: []string{`"type":"indicator"`}},
		{Name: "manifest", URL: taxiiColl + "manifest/?limit=1", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"more":true`, `"next":"`, `"media_type":"application/stix+json;version=2.1"`, `"date_added":"`}},
		{Name: "no token", URL: "/taxii2/", ExpectedStatus: 401, ExpectedContent: []string{`"http_status":"401"`, `"title":"Unauthorized"`},
			ExpectedHeader: map[string]string{"Content-Type": taxiiType, "WWW-Authenticate": `Bearer realm="spoor TAXII"`}},
		{Name: "wrong media type", URL: "/taxii2/", Bearer: "reader", Header: map[string]string{"Accept": "text/html"}, ExpectedStatus: 406,
			ExpectedContent: []string{`"http_status":"406"`}},
		{Name: "unknown collection", URL: taxiiRoot + "collections/nope/objects/", Bearer: "reader", ExpectedStatus: 404,
			ExpectedContent: []string{`"http_status":"404"`}},
		{Name: "unknown object", URL: taxiiColl + "objects/indicator--00000000-0000-4000-8000-000000000000/", Bearer: "reader", ExpectedStatus: 404},
		{Name: "bad limit", URL: taxiiColl + "objects/?limit=0", Bearer: "reader", ExpectedStatus: 400},
		{Name: "bad next", URL: taxiiColl + "objects/?next=zz", Bearer: "reader", ExpectedStatus: 400},
		{Name: "bad added_after", URL: taxiiColl + "objects/?added_after=yesterday", Bearer: "reader", ExpectedStatus: 400},
		{Name: "read-only", Method: "POST", URL: taxiiColl + "objects/", Bearer: "analyst", JSON: `{"objects":[]}`, ExpectedStatus: 405,
			ExpectedContent: []string{`"http_status":"405"`}},
	})

	// One object by ID, and its versions.
	w := scenario{URL: taxiiColl + "objects/?match[type]=indicator&limit=1", Bearer: "reader"}.run(t, e)
	var env struct {
		Objects []struct{ ID, Modified string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || len(env.Objects) != 1 {
		t.Fatalf("objects: %v %s", err, w.Body)
	}
	id := env.Objects[0].ID
	runScenarios(t, e, []scenario{
		{Name: "object", URL: taxiiColl + "objects/" + id + "/", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"id":"` + id + `"`}},
		{Name: "versions", URL: taxiiColl + "objects/" + id + "/versions/", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"versions":["`}},
	})
}

// TestTAXIIPull walks the server with spoor's own TAXII client: discovery,
// collections, 10,000 indicators in pages of 700, into an empty store that
// then holds every one of them, none twice.
func TestTAXIIPull(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := &intel.IndicatorBatch{Sources: []intel.Source{{Name: "bulk", Kind: intel.SourceIOCList, Credibility: 0.5}}}
	for i := range 10_000 {
		b.Indicators = append(b.Indicators, intel.IndicatorRow{Type: intel.IndicatorDomain,
			Value: fmt.Sprintf("host%05d.spoor-paging.net", i), Confidence: 0.5})
	}
	if _, err := e.Store.ImportIndicators(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	want := domains(t, e.Store)

	srv := httptest.NewServer(e.Handler)
	defer srv.Close()
	dst, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "pulled.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	cfg := taxii.Config{Source: intel.Source{Name: "spoor peer", Kind: intel.SourceTAXII, Credibility: 0.8},
		URL: srv.URL + "/taxii2/", Token: e.As["reader"].Token, PageSize: 700}
	stats, err := taxii.Pull(ctx, srv.Client(), cfg, dst, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Pages < 15 {
		t.Errorf("pulled %d pages, want at least 15 of 700", stats.Pages)
	}
	if len(stats.Ignored) > 0 {
		t.Errorf("the client passed over objects: %v %.300v", stats.Ignored, stats.Notes)
	}
	got := domains(t, dst)
	if len(got) != len(want) || len(got) < 10_000 {
		t.Fatalf("pulled %d domains, the server has %d", len(got), len(want))
	}
	for v := range want {
		if !got[v] {
			t.Fatalf("domain %s was not pulled", v)
		}
	}
	// A second pull starts after the newest object: nothing new.
	stats, err = taxii.Pull(ctx, srv.Client(), cfg, dst, dst, nil)
	if err != nil || stats.Objects != 0 {
		t.Errorf("second pull: %+v, %v; want no objects", stats, err)
	}
	// An unknown token is refused before any TAXII handler runs. The
	// authentication middleware answers it as it answers every path
	// outside /api/ (a redirect to the sign-in page), not yet with a
	// TAXII 401.
	cfg.Token = "spoor_revoked"
	if _, err := taxii.Pull(ctx, srv.Client(), cfg, dst, dst, nil); err == nil {
		t.Errorf("pull with an unknown token succeeded")
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/taxii2/", nil)
	req.Header.Set("Authorization", "Bearer spoor_revoked")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 300 || resp.StatusCode == http.StatusOK {
		t.Errorf("unknown token: status %d, want a refusal", resp.StatusCode)
	}
}

// domains returns the stored domain values.
func domains(t *testing.T, st *store.Store) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	f := intel.IndicatorFilter{Type: intel.IndicatorDomain, Limit: 1000}
	for {
		page, err := st.FindIndicators(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range page.Items {
			if out[in.Value] {
				t.Fatalf("domain %s stored twice", in.Value)
			}
			out[in.Value] = true
		}
		if page.Next == "" {
			return out
		}
		f.After = page.Next
	}
}

// TestTAXIIServesKeptObjects: the collection is the STIX export, so the
// STIX objects kept whole are served as imported, within the caller's
// TLP, and an observable without times is dated by when it was stored.
func TestTAXIIServesKeptObjects(t *testing.T) {
	e := newEnv(t)
	const (
		sco   = "ipv4-addr--60000000-0000-4000-8000-000000000001"
		note  = "note--60000000-0000-4000-8000-000000000002"
		infra = "infrastructure--60000000-0000-4000-8000-000000000003"
	)
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	b := &intel.Bundle{Source: intel.Source{Name: "kept feed", Kind: intel.SourceSTIX, Credibility: 0.5},
		STIXObjects: []intel.STIXObject{
			{StixID: sco, Type: "ipv4-addr", Raw: json.RawMessage(`{"type":"ipv4-addr","spec_version":"2.1","id":"` + sco + `","value":"198.51.100.77","x_seen_by":"sensor 4"}`)},
			{StixID: note, Type: "note", Created: t0, Modified: t0, Raw: json.RawMessage(`{"type":"note","spec_version":"2.1","id":"` + note +
				`","created":"2024-03-01T00:00:00.000Z","modified":"2024-03-01T00:00:00.000Z","content":"kept <b>note</b>","object_refs":["` + sco + `"]}`)},
			{StixID: infra, Type: "infrastructure", Created: t0, Modified: t0, Raw: json.RawMessage(`{"type":"infrastructure","spec_version":"2.1","id":"` + infra +
				`","created":"2024-03-01T00:00:00.000Z","modified":"2024-03-01T00:00:00.000Z","name":"red-only infra","object_marking_refs":["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]}`)},
		}}
	if _, err := e.Store.ImportBundle(intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"}), b, nil); err != nil {
		t.Fatal(err)
	}
	runScenarios(t, e, []scenario{
		{Name: "an observable as imported", URL: taxiiColl + "objects/" + sco + "/", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"value":"198.51.100.77","x_seen_by":"sensor 4"`}},
		{Name: "dated by when it was stored", URL: taxiiColl + "manifest/?match[type]=ipv4-addr", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"id":"` + sco + `"`, `"date_added":"`}},
		{Name: "a note", URL: taxiiColl + "objects/?match[type]=note", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"content":"kept \u003cb\u003enote\u003c/b\u003e"`}},
		{Name: "readers see up to amber", URL: taxiiColl + "objects/?match[type]=infrastructure", Bearer: "reader", ExpectedStatus: 200,
			NotExpectedContent: []string{"red-only infra"}},
		{Name: "analysts see red", URL: taxiiColl + "objects/?match[type]=infrastructure", Bearer: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{"red-only infra"}},
	})
}
