package web_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

func basic(login, token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+token))
}

func TestFeeds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	red := &intel.Indicator{Type: intel.IndicatorDomain, Value: "red-only.spoor-tlp.net", Confidence: 0.9, TLP: intel.TLPRed}
	low := &intel.Indicator{Type: intel.IndicatorIPv4, Value: "203.0.113.7", Confidence: 0.3}
	for _, in := range []*intel.Indicator{red, low} {
		if err := e.Store.CreateIndicator(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	// A revoked token, and a reader's token under another user's name.
	revoked := e.account("gone", intel.RoleAnalyst)
	if err := e.Auth.RevokeToken(ctx, revoked.User, mustTokenID(t, e, revoked.User.ID)); err != nil {
		t.Fatal(err)
	}
	reader, analyst := e.As["reader"], e.As["analyst"]
	hdr := func(v string) map[string]string { return map[string]string{"Authorization": v} }
	runScenarios(t, e, []scenario{
		{Name: "bearer", URL: "/feeds/list?type=domain", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"evil.example.com\n"}, NotExpectedContent: []string{"203.0.113.7"},
			ExpectedHeader: map[string]string{"Content-Type": "text/plain; charset=utf-8"}},
		{Name: "basic", URL: "/feeds/csv", Header: hdr(basic("reader", reader.Token)), ExpectedStatus: 200,
			ExpectedContent: []string{"evil.example.com", "203.0.113.7"}},
		{Name: "readers get up to amber", URL: "/feeds/list", Bearer: "reader", ExpectedStatus: 200,
			NotExpectedContent: []string{"red-only.spoor-tlp.net"}},
		{Name: "a reader asking for red still gets amber", URL: "/feeds/list?tlp-max=red", Bearer: "reader", ExpectedStatus: 200,
			NotExpectedContent: []string{"red-only.spoor-tlp.net"}},
		{Name: "analysts get red", URL: "/feeds/list", Header: hdr(basic("analyst", analyst.Token)), ExpectedStatus: 200,
			ExpectedContent: []string{"red-only.spoor-tlp.net"}},
		{Name: "an analyst may ask for less", URL: "/feeds/list?tlp-max=amber", Bearer: "analyst", ExpectedStatus: 200,
			NotExpectedContent: []string{"red-only.spoor-tlp.net"}},
		{Name: "filters", URL: "/feeds/list?min-confidence=0.5&exclude-warninglisted=1", Bearer: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{"evil.example.com"}, NotExpectedContent: []string{"203.0.113.7"}},
		{Name: "stix", URL: "/feeds/stix", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"type":"bundle"`}, ExpectedHeader: map[string]string{"Content-Type": "application/stix+json;version=2.1"}},
		{Name: "no token", URL: "/feeds/list", ExpectedStatus: 401, ExpectedContent: []string{"send an API token"}},
		{Name: "bad token", URL: "/feeds/list", Header: hdr("Bearer spoor_nonsense"), ExpectedStatus: 401,
			NotExpectedContent: []string{"evil.example.com"}},
		{Name: "revoked token", URL: "/feeds/list", Header: hdr("Bearer " + revoked.Token), ExpectedStatus: 401,
			NotExpectedContent: []string{"evil.example.com"}},
		{Name: "revoked token over basic", URL: "/feeds/list", Header: hdr(basic("gone", revoked.Token)), ExpectedStatus: 401},
		{Name: "a token under another user's name", URL: "/feeds/list", Header: hdr(basic("analyst", reader.Token)), ExpectedStatus: 401},
		{Name: "a password is not a token", URL: "/feeds/list", Header: hdr(basic("reader", "reader-password-123")), ExpectedStatus: 401},
		{Name: "unknown format", URL: "/feeds/pdf", Bearer: "reader", ExpectedStatus: 400, ExpectedContent: []string{"unknown export format"}},
		{Name: "bad filter", URL: "/feeds/list?min-confidence=lots", Bearer: "reader", ExpectedStatus: 400},
		{Name: "unknown group", URL: "/feeds/list?group=Nobody", Bearer: "reader", ExpectedStatus: 404},
		{Name: "session cookie", URL: "/feeds/hosts", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{"0.0.0.0 evil.example.com"}},
		{Name: "no sign-in page for a feed", URL: "/feeds/list", Header: hdr("Bearer spoor_nonsense"), ExpectedStatus: 401,
			ExpectedHeader: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, NotExpectedContent: []string{"<html"}},

		// TAXII takes the same credentials and refuses in its own format.
		{Name: "taxii over basic", URL: "/taxii2/api/collections/", Header: hdr(basic("reader", reader.Token)), ExpectedStatus: 200,
			ExpectedContent: []string{`"can_read":true`}},
		{Name: "taxii with a revoked token", URL: "/taxii2/", Header: hdr(basic("gone", revoked.Token)), ExpectedStatus: 401,
			ExpectedContent: []string{`"http_status":"401"`}, ExpectedHeader: map[string]string{"Content-Type": "application/taxii+json;version=2.1"}},
		{Name: "taxii with another user's name", URL: "/taxii2/", Header: hdr(basic("admin", reader.Token)), ExpectedStatus: 401,
			ExpectedContent: []string{`"http_status":"401"`}},
	})
}

// TestFeedETag polls a feed the way a firewall does: the ETag comes back,
// If-None-Match with it gives 304 and no body, and a change in the store
// gives a new tag.
func TestFeedETag(t *testing.T) {
	e := newEnv(t)
	get := func(inm string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/feeds/list?type=domain", nil)
		r.Header.Set("Authorization", "Bearer "+e.As["reader"].Token)
		if inm != "" {
			r.Header.Set("If-None-Match", inm)
		}
		w := httptest.NewRecorder()
		e.Handler.ServeHTTP(w, r)
		return w
	}
	first := get("")
	tag := first.Header().Get("ETag")
	if first.Code != 200 || len(tag) < 10 || !strings.HasPrefix(tag, `"`) {
		t.Fatalf("first poll: %d, ETag %q", first.Code, tag)
	}
	if again := get(""); again.Header().Get("ETag") != tag || again.Body.String() != first.Body.String() {
		t.Errorf("same store, different answer: %q vs %q", again.Header().Get("ETag"), tag)
	}
	if w := get(tag); w.Code != http.StatusNotModified || w.Body.Len() != 0 || w.Header().Get("ETag") != tag {
		t.Errorf("If-None-Match %s: %d, %d bytes, ETag %q; want 304, empty", tag, w.Code, w.Body.Len(), w.Header().Get("ETag"))
	}
	if w := get(`"other", W/` + tag); w.Code != http.StatusNotModified {
		t.Errorf("tag in a list, weak: %d, want 304", w.Code)
	}
	if w := get(`"stale"`); w.Code != 200 {
		t.Errorf("stale tag: %d, want 200", w.Code)
	}
	if err := e.Store.CreateIndicator(context.Background(), &intel.Indicator{Type: intel.IndicatorDomain, Value: "new-c2.example.net", Confidence: 0.5}); err != nil {
		t.Fatal(err)
	}
	w := get(tag)
	if w.Code != 200 || w.Header().Get("ETag") == tag || !strings.Contains(w.Body.String(), "new-c2.example.net") {
		t.Errorf("after a change: %d, ETag %q (was %q)", w.Code, w.Header().Get("ETag"), tag)
	}
}

func TestExportsPage(t *testing.T) {
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{Name: "form", URL: "/exports", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`name="format"`, `value="suricata"`, `name="exclude-warninglisted"`, `formaction="/exports/download"`, "TLP:amber"}},
		{Name: "feed URL", URL: "/exports?format=rpz&type=domain&since=&exclude-warninglisted=1", As: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{`/feeds/rpz?exclude-warninglisted=1&amp;type=domain`}},
		{Name: "bad filter", URL: "/exports?format=csv&min-confidence=2", As: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{"outside 0..1"}},
		{Name: "download", URL: "/exports/download?format=csv&type=domain", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"evil.example.com"},
			ExpectedHeader:  map[string]string{"Content-Disposition": `attachment; filename="spoor.csv"`}},
		{Name: "anonymous", URL: "/exports", ExpectedStatus: 303},
	})
}

func mustTokenID(t *testing.T, e *testEnv, userID int64) int64 {
	t.Helper()
	tokens, err := e.Auth.ListTokens(context.Background(), userID)
	if err != nil || len(tokens) == 0 {
		t.Fatalf("tokens of %d: %v", userID, err)
	}
	return tokens[0].ID
}
