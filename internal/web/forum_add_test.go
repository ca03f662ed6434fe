package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/intel"
)

// Admins add a forum from the Forums page or the API with the store call
// spoor forum add makes: the session cookie sealed and never shown, the
// change audited under their name; readers and analysts are refused, as
// is a form without its CSRF token, and bad input re-renders the form.
func TestForumAdd(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"name": {"Exploit Board"}, "engine": {"xenforo"}, "start_urls": {"https://board.example/forums/\n\n https://board.example/forums/market/ "},
		"rate_limit": {"3s"}, "proxy": {"socks5h://127.0.0.1:9050"}, "cookie": {"xf_session=hunter2"}}
	runScenarios(t, e, []scenario{
		{Name: "reader sees no form", URL: "/forums", As: "reader", ExpectedStatus: 200, NotExpectedContent: []string{`id="forum-add"`}},
		{Name: "analyst sees no form", URL: "/forums", As: "analyst", ExpectedStatus: 200, NotExpectedContent: []string{`id="forum-add"`}},
		{Name: "admin sees the form", URL: "/forums", As: "admin", ExpectedStatus: 200,
			ExpectedContent: []string{`id="forum-add"`, `<option value="phpbb" selected>`, `<option value="discourse">`, `value="2s"`}},
		{Name: "reader", Method: "POST", URL: "/forums", As: "reader", Form: form, ExpectedStatus: http.StatusForbidden},
		{Name: "analyst", Method: "POST", URL: "/forums", As: "analyst", Form: form, ExpectedStatus: http.StatusForbidden},
		{Name: "no CSRF token", Method: "POST", URL: "/forums", As: "admin", Form: form, NoCSRF: true, ExpectedStatus: http.StatusForbidden},
		{Name: "reader API", Method: "POST", URL: "/api/v1/forums", Bearer: "reader", JSON: `{"name":"x"}`, ExpectedStatus: http.StatusForbidden},
		{Name: "bad start URL", Method: "POST", URL: "/forums", As: "admin", ExpectedStatus: http.StatusBadRequest,
			Form:            url.Values{"name": {"Bad <b>Board</b>"}, "engine": {"phpbb"}, "start_urls": {"javascript:alert(1)"}, "cookie": {"secret-cookie"}},
			ExpectedContent: []string{"start URL", `value="Bad &lt;b&gt;Board&lt;/b&gt;"`}, NotExpectedContent: []string{"secret-cookie", "<b>Board"}},
		{Name: "bad rate", Method: "POST", URL: "/forums", As: "admin", Form: url.Values{"name": {"x"}, "rate_limit": {"soon"}},
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{"rate limit"}},
	})
	w := scenario{Method: "POST", URL: "/forums", As: "admin", Form: form, ExpectedStatus: http.StatusSeeOther}.run(t, e)
	f, err := e.Store.FindForum(t.Context(), "Exploit Board")
	if err != nil {
		t.Fatal(err)
	}
	if loc := w.Header().Get("Location"); loc != fmt.Sprintf("/forums/%d", f.ID) {
		t.Errorf("added, sent to %q", loc)
	}
	if f.Engine != "xenforo" || strings.Join(f.StartURLs, " ") != "https://board.example/forums/ https://board.example/forums/market/" ||
		f.RateLimit.String() != "3s" || f.Proxy != "socks5h://127.0.0.1:9050" || !f.HasCookie || strings.Contains(f.Cookie, "hunter2") {
		t.Errorf("stored forum %+v", f)
	}
	if c, err := e.Store.ForumCookie(t.Context(), f.Name); err != nil || c != "xf_session=hunter2" {
		t.Errorf("cookie opens to %q (%v)", c, err)
	}
	audit, err := e.Store.FindAudit(t.Context(), intel.AuditFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range audit.Items {
		found = found || a.Action == "forum.create" && a.Login == "admin" && a.ObjectID == f.ID
	}
	if !found {
		t.Errorf("no forum.create audit entry by admin for forum %d", f.ID)
	}
	// The API: created (201), the cookie only as "has_cookie".
	w = scenario{Method: "POST", URL: "/api/v1/forums", Bearer: "admin", ExpectedStatus: http.StatusCreated,
		JSON: `{"name":"Onion Market","engine":"phpbb","start_urls":["http://market.example/index.php"],"rate_limit":"5s","cookie":"sid=topsecret"}`}.run(t, e)
	var got forum.Forum
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.ID == 0 || !got.HasCookie || got.RateLimit.String() != "5s" {
		t.Errorf("API add: %v %+v", err, got)
	}
	if strings.Contains(w.Body.String(), "topsecret") || strings.Contains(w.Body.String(), "enc:v1") {
		t.Errorf("the API answer shows the cookie: %s", w.Body.String())
	}
	runScenarios(t, e, []scenario{
		{Name: "the list shows no cookie", URL: "/forums", As: "admin", ExpectedStatus: 200, ExpectedContent: []string{"Onion Market", "Exploit Board"},
			NotExpectedContent: []string{"topsecret", "hunter2", "enc:v1"}},
		{Name: "API bad engine", Method: "POST", URL: "/api/v1/forums", Bearer: "admin", JSON: `{"name":"x","engine":"wordpress"}`,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{"engine"}},
	})
}
