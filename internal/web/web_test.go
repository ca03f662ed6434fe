package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

func id(n int64) string { return fmt.Sprint(n) }

func TestAnonymous(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{URL: "/login", ExpectedStatus: 200, ExpectedContent: []string{`name="password"`}},
		{URL: "/", ExpectedStatus: 303, ExpectedHeader: map[string]string{"Location": "/login"}},
		{URL: "/groups?prefix=A", ExpectedStatus: 303, ExpectedHeader: map[string]string{"Location": "/login?next=%2Fgroups%3Fprefix%3DA"}},
		{URL: "/api/v1/groups", ExpectedStatus: 401, ExpectedContent: []string{`{"error":{"code":"unauthorized","message":"sign in first"}}`}},
		{Name: "bad bearer", URL: "/api/v1/groups", Header: map[string]string{"Authorization": "Bearer spoor_nope"}, ExpectedStatus: 401,
			ExpectedContent: []string{`"code":"unauthorized"`}},
		{Name: "basic auth", URL: "/api/v1/groups", Header: map[string]string{"Authorization": "Basic YTpi"}, ExpectedStatus: 401},
		{Method: "POST", URL: "/api/v1/documents", JSON: `{"title":"x"}`, ExpectedStatus: 401},
		{Method: "POST", URL: "/groups", Form: url.Values{"name": {"x"}}, ExpectedStatus: 401},
		{URL: "/healthz", ExpectedStatus: 200, ExpectedContent: []string{"ok"}},
		{URL: "/api/v1/openapi.json", ExpectedStatus: 200, ExpectedContent: []string{`"openapi":"3.1.0"`}},
		{URL: "/api/v1/nope", ExpectedStatus: 404, ExpectedContent: []string{`"code":"not_found"`}},
		{Method: "PUT", URL: "/api/v1/counts", ExpectedStatus: 405, ExpectedContent: []string{`"code":"method_not_allowed"`},
			ExpectedHeader: map[string]string{"Allow": "GET"}},
	})
}

func TestLoginFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	form := url.Values{"login": {"analyst"}, "password": {"analyst-password-123"}, "next": {"/groups"}}
	w := scenario{Method: "POST", URL: "/login", Form: form, ExpectedStatus: 303,
		ExpectedHeader: map[string]string{"Location": "/groups"}}.run(t, e)
	var c *http.Cookie
	for _, ck := range w.Result().Cookies() {
		if ck.Name == "spoor_session" {
			c = ck
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Value == "" || c.MaxAge < 3600 || c.Secure {
		t.Fatalf("session cookie = %+v", c)
	}

	// No open redirect after sign-in.
	for _, next := range []string{"//evil.example/", "https://evil.example/", `/\evil.example`} {
		form.Set("next", next)
		scenario{Method: "POST", URL: "/login", Form: form, ExpectedStatus: 303,
			ExpectedHeader: map[string]string{"Location": "/"}}.run(t, e)
	}

	form.Set("password", "wrong password!")
	scenario{Method: "POST", URL: "/login", Form: form, ExpectedStatus: 401,
		ExpectedContent: []string{"invalid login or password"}}.run(t, e)

	// Sign-out needs the CSRF token and ends the session.
	scenario{Method: "POST", URL: "/logout", As: "analyst", NoCSRF: true, ExpectedStatus: 403}.run(t, e)
	scenario{Method: "POST", URL: "/logout", As: "analyst", ExpectedStatus: 303}.run(t, e)
	scenario{URL: "/", As: "analyst", ExpectedStatus: 303, ExpectedHeader: map[string]string{"Location": "/login"}}.run(t, e)
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	form := url.Values{"login": {"reader"}, "password": {"not the password"}}
	for i := 0; i < 5; i++ {
		scenario{Method: "POST", URL: "/login", Form: form, ExpectedStatus: 401}.run(t, e)
	}
	scenario{Method: "POST", URL: "/login", Form: form, ExpectedStatus: 429,
		ExpectedHeader: map[string]string{"Retry-After": "10"}, ExpectedContent: []string{"too many sign-in attempts"}}.run(t, e)
	// Even the right password waits: guessing must not go on at speed.
	form.Set("password", "reader-password-123")
	scenario{Method: "POST", URL: "/login", Form: form, ExpectedStatus: 429}.run(t, e)
}

func TestDisabledUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	scenario{URL: "/", As: "analyst", ExpectedStatus: 200}.run(t, e)
	scenario{Method: "PATCH", URL: "/api/v1/users/" + id(e.As["analyst"].User.ID), Bearer: "admin", JSON: `{"enabled":false}`,
		ExpectedStatus: 200, ExpectedContent: []string{`"enabled":false`}}.run(t, e)
	runScenarios(t, e, []scenario{
		{Name: "session stops", URL: "/", As: "analyst", ExpectedStatus: 303},
		{Name: "session stops for the API", URL: "/api/v1/counts", As: "analyst", ExpectedStatus: 401},
		{Name: "token stops", URL: "/api/v1/counts", Bearer: "analyst", ExpectedStatus: 401},
		{Name: "no sign-in", Method: "POST", URL: "/login", Form: url.Values{"login": {"analyst"}, "password": {"analyst-password-123"}},
			ExpectedStatus: 401, ExpectedContent: []string{"invalid login or password"}},
	})
}

func TestRevokedToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := scenario{Method: "POST", URL: "/api/v1/tokens", As: "reader", JSON: `{"name":"ci"}`, ExpectedStatus: 201}.run(t, e)
	var created struct {
		Token    string `json:"token"`
		APIToken struct {
			ID     int64  `json:"id"`
			Prefix string `json:"prefix"`
		} `json:"api_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil || !strings.HasPrefix(created.Token, "spoor_") {
		t.Fatalf("created token: %s (%v)", w.Body, err)
	}
	e.As["ci"] = &account{Token: created.Token}
	scenario{URL: "/api/v1/counts", Bearer: "ci", ExpectedStatus: 200}.run(t, e)
	scenario{URL: "/api/v1/tokens", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{created.APIToken.Prefix},
		NotExpectedContent: []string{created.Token, `"hash"`}}.run(t, e)
	// Someone else's token looks absent.
	scenario{Method: "DELETE", URL: "/api/v1/tokens/" + id(created.APIToken.ID), Bearer: "analyst", ExpectedStatus: 404}.run(t, e)
	scenario{Method: "DELETE", URL: "/api/v1/tokens/" + id(created.APIToken.ID), Bearer: "reader", ExpectedStatus: 204}.run(t, e)
	scenario{URL: "/api/v1/counts", Bearer: "ci", ExpectedStatus: 401,
		ExpectedContent: []string{`{"error":{"code":"unauthorized","message":"invalid API token"}}`}}.run(t, e)
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	form := url.Values{"name": {"New Group"}}
	runScenarios(t, e, []scenario{
		{Name: "form without token", Method: "POST", URL: "/groups", As: "analyst", Form: form, NoCSRF: true, ExpectedStatus: 403,
			ExpectedContent: []string{"CSRF token"}},
		{Name: "form with a wrong token", Method: "POST", URL: "/groups", As: "analyst", Form: url.Values{"name": {"x"}, "csrf_token": {"nope"}},
			NoCSRF: true, ExpectedStatus: 403},
		{Name: "API with cookie, no token", Method: "POST", URL: "/api/v1/documents", As: "analyst", JSON: `{"title":"t"}`, NoCSRF: true,
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"forbidden"`}},
		{Name: "cross-site with a valid token", Method: "POST", URL: "/groups", As: "analyst", Form: form,
			Header: map[string]string{"Sec-Fetch-Site": "cross-site"}, ExpectedStatus: 403},
		{Name: "cross-origin", Method: "POST", URL: "/groups", As: "analyst", Form: form,
			Header: map[string]string{"Origin": "https://evil.example"}, ExpectedStatus: 403},
		{Name: "cross-site sign-in", Method: "POST", URL: "/login", Form: url.Values{"login": {"reader"}, "password": {"reader-password-123"}},
			Header: map[string]string{"Sec-Fetch-Site": "cross-site"}, ExpectedStatus: 403},
		{Name: "form with token", Method: "POST", URL: "/groups", As: "analyst", Form: form, ExpectedStatus: 303},
		{Name: "same origin", Method: "POST", URL: "/groups", As: "analyst", Form: url.Values{"name": {"Other Group"}},
			Header: map[string]string{"Sec-Fetch-Site": "same-origin"}, ExpectedStatus: 303},
		{Name: "API token needs no CSRF token", Method: "POST", URL: "/api/v1/documents", Bearer: "analyst", JSON: `{"title":"t"}`,
			ExpectedStatus: 201},
	})
}

// writeRoutes are the HTML routes that change something or show a form
// for it; %d is an existing ID of the right kind.
func writeRoutes(e *testEnv) []scenario {
	g, d, i, u := id(e.Group.ID), id(e.Doc.ID), id(e.Indicator.ID), id(e.As["analyst"].User.ID)
	src := id(e.Source.ID)
	form := url.Values{"name": {"x"}, "title": {"x"}, "type": {"domain"}, "value": {"x.example"}, "role": {"admin"}, "enabled": {"false"},
		"login": {"mallory"}, "password": {"a long password"}}
	return []scenario{
		{URL: "/groups/new"}, {Method: "POST", URL: "/groups", Form: form},
		{URL: "/groups/" + g + "/edit"}, {Method: "POST", URL: "/groups/" + g, Form: form},
		{URL: "/groups/" + g + "/delete"}, {Method: "POST", URL: "/groups/" + g + "/delete"},
		{Method: "POST", URL: "/groups/" + g + "/merge", Form: url.Values{"other": {"Scripted Panda"}, "reason": {"x"}}},
		{Method: "POST", URL: "/groups/" + g + "/split", Form: url.Values{"key": {"x"}, "reason": {"x"}}},
		{URL: "/documents/new"}, {Method: "POST", URL: "/documents", Form: form},
		{URL: "/documents/" + d + "/edit"}, {Method: "POST", URL: "/documents/" + d, Form: form},
		{URL: "/documents/" + d + "/delete"}, {Method: "POST", URL: "/documents/" + d + "/delete"},
		{URL: "/indicators/new"}, {Method: "POST", URL: "/indicators", Form: form},
		{URL: "/indicators/" + i + "/edit"}, {Method: "POST", URL: "/indicators/" + i, Form: form},
		{URL: "/indicators/" + i + "/delete"}, {Method: "POST", URL: "/indicators/" + i + "/delete"},
		{Method: "POST", URL: "/extract/save", Form: url.Values{"pick": {"domain x-evil.com"}}},
		{Method: "POST", URL: "/sources", Form: url.Values{"name": {"x"}, "format": {"stix"}, "location": {"/x"}}},
		{Method: "POST", URL: "/sources/" + src, Form: url.Values{"interval": {"1h"}}},
		{Method: "POST", URL: "/sources/" + src, Form: url.Values{"credibility": {"1"}}},
		{Method: "POST", URL: "/sources/" + src + "/run"},
		{Method: "POST", URL: "/forums", Form: url.Values{"name": {"x"}, "engine": {"phpbb"}}},
		{URL: "/users"}, {Method: "POST", URL: "/users", Form: form}, {Method: "POST", URL: "/users/" + u, Form: form},
		{URL: "/audit"},
	}
}

func TestReaderCannotWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, sc := range writeRoutes(e) {
		sc.As, sc.ExpectedStatus = "reader", 403
		t.Run("form "+sc.Method+" "+sc.URL, func(t *testing.T) { sc.run(t, e) })
	}

	// Every API operation that needs more than reading, from the OpenAPI
	// document, so a new route cannot be forgotten here.
	var doc struct {
		Paths map[string]map[string]struct {
			Permission string `json:"x-permission"`
		} `json:"paths"`
	}
	w := scenario{URL: "/api/v1/openapi.json", ExpectedStatus: 200}.run(t, e)
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.Permission == "read intel" || op.Permission == "none" {
				continue
			}
			n++
			u := strings.ReplaceAll(path, "{id}", id(e.Group.ID))
			body := `{}`
			for _, bearer := range []bool{true, false} {
				sc := scenario{Method: strings.ToUpper(method), URL: u, ExpectedStatus: 403,
					ExpectedContent: []string{`"code":"forbidden"`}}
				if bearer {
					sc.Bearer = "reader"
				} else {
					sc.As = "reader"
				}
				if sc.Method == "POST" || sc.Method == "PATCH" {
					sc.JSON = body
				}
				t.Run(fmt.Sprintf("api %s %s bearer=%v", sc.Method, u, bearer), func(t *testing.T) { sc.run(t, e) })
			}
		}
	}
	if n < 12 {
		t.Errorf("only %d write operations in the OpenAPI document", n)
	}
	// The reader's data is untouched.
	scenario{URL: "/groups/" + id(e.Group.ID), As: "reader", ExpectedStatus: 200, ExpectedContent: []string{"APT28"}}.run(t, e)
}

func TestAnalystCannotManageUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{URL: "/users", As: "analyst", ExpectedStatus: 403},
		{URL: "/audit", As: "analyst", ExpectedStatus: 403},
		{URL: "/api/v1/users", Bearer: "analyst", ExpectedStatus: 403},
		{URL: "/api/v1/audit", Bearer: "analyst", ExpectedStatus: 403},
		{Method: "PATCH", URL: "/api/v1/users/" + id(e.As["analyst"].User.ID), Bearer: "analyst", JSON: `{"role":"admin"}`, ExpectedStatus: 403},
		{Name: "no admin link", URL: "/", As: "analyst", ExpectedStatus: 200, NotExpectedContent: []string{`href="/users"`}},
	})
}

func TestXSSIsEscaped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	escaped := "&lt;script&gt;alert(1)&lt;/script&gt;"
	pages := []string{
		"/documents",
		"/documents/" + id(e.Doc.ID),
		"/documents/" + id(e.Doc.ID) + "/edit",
		"/documents/" + id(e.Doc.ID) + "/delete",
		"/groups",
		"/groups/" + id(e.XSSGroup.ID),
		"/groups/" + id(e.XSSGroup.ID) + "/edit",
		"/indicators/" + id(e.Indicator.ID),
		"/search?q=lure",
		"/search?q=dropper",
		"/search?q=" + url.QueryEscape(xss),
		"/search?q=Scripted",
		"/audit",
	}
	for _, p := range pages {
		sc := scenario{URL: p, As: "admin", ExpectedStatus: 200, NotExpectedContent: []string{xss, "<script>alert"}}
		if !strings.HasPrefix(p, "/audit") {
			sc.ExpectedContent = []string{escaped}
		}
		t.Run(p, func(t *testing.T) { sc.run(t, e) })
	}
	// The search found the document and highlights inside the escaped snippet.
	scenario{URL: "/search?q=dropper", As: "admin", ExpectedStatus: 200,
		ExpectedContent: []string{"/documents/" + id(e.Doc.ID), "<mark>dropper</mark>"}}.run(t, e)
}

func TestSearchMetacharacters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, q := range []string{`' OR 1=1 --`, `"`, `*`, `NEAR(`, `)`, `APT28"`, `a AND`, `-x`, `^`, `{}`, `:`, `%`, `\`, `'; DROP TABLE users; --`} {
		scenario{URL: "/search?q=" + url.QueryEscape(q), As: "reader", ExpectedStatus: 200,
			NotExpectedContent: []string{"internal error"}}.run(t, e)
		scenario{URL: "/api/v1/search?q=" + url.QueryEscape(q), Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"items":`}}.run(t, e)
	}
	scenario{URL: "/api/v1/search?q=Sofacy", Bearer: "reader", ExpectedStatus: 200,
		ExpectedContent: []string{`"title":"APT28"`}}.run(t, e)
	scenario{URL: "/api/v1/search?q=x&kind=bogus", Bearer: "reader", ExpectedStatus: 400,
		ExpectedContent: []string{`"message":"unknown kind \"bogus\""`}}.run(t, e)
}

func TestAPIErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{Name: "unknown field", Method: "POST", URL: "/api/v1/documents", Bearer: "analyst", JSON: `{"title":"x","bogus":1}`,
			ExpectedStatus: 400, ExpectedContent: []string{`{"error":{"code":"invalid","message":"unknown field \"bogus\""}}`}},
		{Name: "unknown field in patch", Method: "PATCH", URL: "/api/v1/groups/" + id(e.Group.ID), Bearer: "analyst", JSON: `{"stix_id":"x"}`,
			ExpectedStatus: 400, ExpectedContent: []string{`unknown field \"stix_id\"`}},
		{Name: "wrong type", Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst", JSON: `{"type":"domain","value":"a.example","confidence":"high"}`,
			ExpectedStatus: 400, ExpectedContent: []string{`field \"confidence\"`}},
		{Name: "malformed", Method: "POST", URL: "/api/v1/documents", Bearer: "analyst", JSON: `{"title":`,
			ExpectedStatus: 400, ExpectedContent: []string{`"code":"invalid"`}},
		{Name: "two values", Method: "POST", URL: "/api/v1/documents", Bearer: "analyst", JSON: `{"title":"a"}{"title":"b"}`,
			ExpectedStatus: 400, ExpectedContent: []string{"single JSON value"}},
		{Name: "too large", Method: "POST", URL: "/api/v1/documents", Bearer: "analyst",
			JSON:           `{"title":"big","text":"` + strings.Repeat("a", 1<<20) + `"}`,
			ExpectedStatus: 413, ExpectedContent: []string{`"code":"too_large"`}},
		{Name: "invalid value", Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst", JSON: `{"type":"nonsense","value":"x"}`,
			ExpectedStatus: 400, ExpectedContent: []string{`{"error":{"code":"invalid","message":"unknown indicator type \"nonsense\""}}`}},
		{Name: "not found", URL: "/api/v1/documents/99999", Bearer: "reader", ExpectedStatus: 404,
			ExpectedContent: []string{`{"error":{"code":"not_found","message":`}},
		{Name: "bad id", URL: "/api/v1/groups/abc", Bearer: "reader", ExpectedStatus: 404},
		{Name: "wrong kind", URL: "/api/v1/groups/" + id(e.Technique.ID), Bearer: "reader", ExpectedStatus: 404},
		{Name: "bad limit", URL: "/api/v1/groups?limit=0", Bearer: "reader", ExpectedStatus: 400,
			ExpectedContent: []string{`"message":"limit must be a number from 1 to 500"`}},
		{Name: "conflict", Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst", JSON: `{"type":"domain","value":"evil[.]example[.]com"}`,
			ExpectedStatus: 409, ExpectedContent: []string{`"code":"conflict"`}},
		{Name: "short password", Method: "POST", URL: "/api/v1/users", Bearer: "admin", JSON: `{"login":"zed","role":"reader","password":"short"}`,
			ExpectedStatus: 400, ExpectedContent: []string{"at least 12"}},
	})
}

func TestAPIWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var doc intel.Document
	w := scenario{Method: "POST", URL: "/api/v1/documents", Bearer: "analyst",
		JSON:           `{"title":"Sofacy report","url":"https://example.org/sofacy","text":"Sofacy used X-Agent.","tlp":"green"}`,
		ExpectedStatus: 201}.run(t, e)
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc.ID == 0 {
		t.Fatalf("created: %s", w.Body)
	}
	d := "/api/v1/documents/" + id(doc.ID)
	var grp intel.Object
	w = scenario{Method: "POST", URL: "/api/v1/groups", Bearer: "analyst",
		JSON: `{"name":"Test Group","aliases":["TG-1"," "],"country":"kp"}`, ExpectedStatus: 201}.run(t, e)
	if err := json.Unmarshal(w.Body.Bytes(), &grp); err != nil || grp.ID == 0 || grp.Country != "KP" || len(grp.Aliases) != 1 {
		t.Fatalf("created: %s", w.Body)
	}
	g := "/api/v1/groups/" + id(grp.ID)
	var ind intel.Indicator
	w = scenario{Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst",
		JSON: `{"type":"ipv4","value":"203.0.113.7","tags":["c2"]}`, ExpectedStatus: 201}.run(t, e)
	if err := json.Unmarshal(w.Body.Bytes(), &ind); err != nil || ind.ID == 0 {
		t.Fatalf("created: %s", w.Body)
	}
	in := "/api/v1/indicators/" + id(ind.ID)
	runScenarios(t, e, []scenario{
		{Method: "PATCH", URL: d, Bearer: "analyst", JSON: `{"title":"Sofacy report, revised"}`, ExpectedStatus: 200,
			ExpectedContent: []string{`"title":"Sofacy report, revised"`}},
		{URL: d, Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{"X-Agent"}},
		{URL: "/api/v1/documents?limit=1", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"items":[`, `"next":`}},
		{Method: "PATCH", URL: g, Bearer: "analyst", JSON: `{"description":"made up"}`, ExpectedStatus: 200,
			ExpectedContent: []string{`"description":"made up"`}},
		{Method: "PATCH", URL: g, Bearer: "analyst", JSON: `{"name":""}`, ExpectedStatus: 400},
		{URL: g, Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"object":{`, `"name":"Test Group"`}},
		{URL: "/api/v1/groups/" + id(e.Group.ID), Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"techniques":[`, `"Spearphishing Attachment"`}},
		{URL: "/api/v1/techniques/" + id(e.Technique.ID), Bearer: "reader", ExpectedStatus: 200},
		{URL: "/api/v1/techniques?prefix=spear", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{"T1566.001"}},
		{URL: "/api/v1/software", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`{"items":[]}`}},
		{Method: "PATCH", URL: in, Bearer: "analyst", JSON: `{"confidence":0.5}`, ExpectedStatus: 200, ExpectedContent: []string{`"confidence":0.5`}},
		{Method: "PATCH", URL: in, Bearer: "analyst", JSON: `{"confidence":5}`, ExpectedStatus: 400},
		{URL: "/api/v1/indicators?type=ipv4", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{"203.0.113.7"}},
		{URL: "/api/v1/counts", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"group":`}},
		{Method: "DELETE", URL: d, Bearer: "analyst", ExpectedStatus: 204},
		{URL: d, Bearer: "reader", ExpectedStatus: 404},
		{Method: "DELETE", URL: g, Bearer: "analyst", ExpectedStatus: 204},
		{Method: "DELETE", URL: "/api/v1/groups/" + id(e.Technique.ID), Bearer: "analyst", ExpectedStatus: 404},
		{Method: "DELETE", URL: in, Bearer: "analyst", ExpectedStatus: 204},
		{Method: "POST", URL: "/api/v1/users", Bearer: "admin", JSON: `{"login":"zed","role":"reader","password":"a long password"}`,
			ExpectedStatus: 201, NotExpectedContent: []string{"argon2", "password"}},
		{URL: "/api/v1/users", Bearer: "admin", ExpectedStatus: 200, ExpectedContent: []string{`"login":"zed"`}, NotExpectedContent: []string{"argon2"}},
		{Name: "last admin", Method: "PATCH", URL: "/api/v1/users/" + id(e.As["admin"].User.ID), Bearer: "admin", JSON: `{"role":"reader"}`,
			ExpectedStatus: 409},
		{Name: "audit names the actor", URL: "/api/v1/audit", Bearer: "admin", ExpectedStatus: 200, ExpectedContent: []string{`"login":"analyst"`}},
	})
}

func TestPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{URL: "/", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{"Intelligence base", `href="/groups"`, ">reader<"}},
		{URL: "/groups/" + id(e.Group.ID), As: "reader", ExpectedStatus: 200, ExpectedContent: []string{
			"APT28", "G0007", "Sofacy", "Fancy Bear", "STRONTIUM", "RU", "Spearphishing Attachment", "initial-access",
			`rel="noopener noreferrer"`, "https://attack.mitre.org/groups/G0007"},
			NotExpectedContent: []string{"/edit"}},
		{Name: "analyst sees edit", URL: "/groups/" + id(e.Group.ID), As: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{"/groups/" + id(e.Group.ID) + "/edit"}},
		{URL: "/techniques/" + id(e.Technique.ID), As: "reader", ExpectedStatus: 200, ExpectedContent: []string{"T1566.001", "APT28"}},
		{URL: "/techniques/" + id(e.Group.ID), As: "reader", ExpectedStatus: 404},
		{URL: "/search?q=APT28", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`href="/groups/` + id(e.Group.ID) + `"`}},
		{URL: "/search?q=x&kind=bogus", As: "reader", ExpectedStatus: 400, ExpectedContent: []string{"unknown kind"}},
		{URL: "/indicators", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{"evil.example"}},
		{URL: "/nope", As: "reader", ExpectedStatus: 404, ExpectedContent: []string{"page not found"}},
		{Name: "htmx partial", URL: "/groups", As: "reader", Header: map[string]string{"HX-Request": "true"}, ExpectedStatus: 200,
			ExpectedContent: []string{"<title>groups · spoor</title>", "APT28"}, NotExpectedContent: []string{"<html", "<nav"}},
		{Name: "htmx history restore", URL: "/groups", As: "reader",
			Header: map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"}, ExpectedStatus: 200,
			ExpectedContent: []string{"<html"}},
		{Name: "csrf for htmx", URL: "/", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`hx-headers="{&#34;X-CSRF-Token&#34;:&#34;` + e.As["reader"].CSRF + `&#34;}"`}},
		{URL: "/tokens", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{"API tokens", "spoor_"}},
		{Method: "POST", URL: "/tokens", As: "reader", Form: url.Values{"name": {"laptop"}}, ExpectedStatus: 201,
			ExpectedContent: []string{`<code id="new-token">spoor_`}},
		{URL: "/users", As: "admin", ExpectedStatus: 200, ExpectedContent: []string{"analyst", "Add a user"}},
		{Method: "POST", URL: "/users", As: "admin", Form: url.Values{"login": {"newbie"}, "role": {"reader"}, "password": {"short"}},
			ExpectedStatus: 400, ExpectedContent: []string{"at least 12", `value="newbie"`}},
		{Method: "POST", URL: "/users", As: "admin", Form: url.Values{"login": {"newbie"}, "role": {"reader"}, "password": {"a long password"}},
			ExpectedStatus: 303},
		{Method: "POST", URL: "/groups", As: "analyst", Form: url.Values{"name": {""}}, ExpectedStatus: 400,
			ExpectedContent: []string{"name is required"}},
		{Method: "POST", URL: "/documents", As: "analyst", Form: url.Values{"title": {"Form doc"}, "published": {"2024-13-01"}}, ExpectedStatus: 400,
			ExpectedContent: []string{"published must be a date"}},
		{Method: "POST", URL: "/documents", As: "analyst", Form: url.Values{"title": {"Form doc"}, "published": {"2024-05-31"}, "tlp": {"amber"}},
			ExpectedStatus: 303},
		{Method: "POST", URL: "/indicators", As: "analyst", Form: url.Values{"type": {"domain"}, "value": {"new-c2.net"}, "tags": {"a, b"}},
			ExpectedStatus: 303},
		{Method: "POST", URL: "/groups/" + id(e.XSSGroup.ID), As: "analyst",
			Form: url.Values{"name": {"Scripted Panda"}, "aliases": {"One\nTwo"}, "tlp": {"green"}}, ExpectedStatus: 303},
		{URL: "/groups/" + id(e.XSSGroup.ID), As: "analyst", ExpectedStatus: 200, ExpectedContent: []string{"<li>One</li><li>Two</li>"}},
		{Method: "POST", URL: "/groups/" + id(e.XSSGroup.ID) + "/delete", As: "analyst", ExpectedStatus: 303,
			ExpectedHeader: map[string]string{"Location": "/groups"}},
		{URL: "/groups/" + id(e.XSSGroup.ID), As: "analyst", ExpectedStatus: 404},
	})
}

var (
	scriptTagRE = regexp.MustCompile(`(?i)<script\b[^>]*>`)
	onAttrRE    = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
	styleRE     = regexp.MustCompile(`(?i)<style\b|\sstyle\s*=`)
	staticRE    = regexp.MustCompile(`/static/[^"]+`)
)

const wantCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// TestNoInlineCode renders every page and checks the security headers
// and that nothing inline could need a CSP exception.
func TestNoInlineCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g, d, i := id(e.Group.ID), id(e.Doc.ID), id(e.Indicator.ID)
	// Every page must render: a template failure answers a plain-text 500
	// with no inline code at all, and would pass the checks below.
	pages := []scenario{{URL: "/login", ExpectedStatus: 200}, {URL: "/nope", ExpectedStatus: 404},
		{URL: "/api/v1/counts", Bearer: "admin", ExpectedStatus: 200}}
	for _, p := range []string{"/", "/search", "/search?q=APT28", "/search?q=lure", "/groups", "/groups/" + g, "/groups/new",
		"/groups/" + g + "/edit", "/groups/" + g + "/delete", "/techniques", "/techniques/" + id(e.Technique.ID), "/software", "/campaigns",
		"/documents", "/documents/" + d, "/documents/new", "/documents/" + d + "/edit", "/documents/" + d + "/delete",
		"/indicators", "/indicators/" + i, "/indicators/new", "/events", "/indicators/" + i + "/edit", "/indicators/" + i + "/delete",
		"/tokens", "/users", "/audit", "/extract", "/sources", "/sources/" + id(e.Source.ID)} {
		pages = append(pages, scenario{URL: p, As: "admin", ExpectedStatus: 200})
	}
	pages = append(pages, scenario{URL: "/nope", As: "admin", ExpectedStatus: 404},
		scenario{Method: "POST", URL: "/tokens", As: "admin", Form: url.Values{"name": {"x"}}, ExpectedStatus: 201})
	// Extraction results, their save, and a source page after a failed run.
	pages = append(pages,
		scenario{Method: "POST", URL: "/extract", As: "admin", Form: url.Values{"text": {"C2 hxxp://evil-c2[.]com/" + xss + " 8.8.8.8 TA0001"}},
			ExpectedStatus: 200},
		scenario{Method: "POST", URL: "/extract/save", As: "admin", Form: url.Values{"pick": {"domain evil-c2.com"}}, ExpectedStatus: 200})
	broken := scenario{Method: "POST", URL: "/api/v1/sources", Bearer: "admin", JSON: `{"name":"Broken","format":"stix","location":` + jsonString(missingPath(t)+"x.json") + `}`,
		ExpectedStatus: 201}.run(t, e)
	var bs struct{ ID int64 }
	if err := json.Unmarshal(broken.Body.Bytes(), &bs); err != nil {
		t.Fatal(err)
	}
	scenario{Method: "POST", URL: "/api/v1/sources/" + id(bs.ID) + "/run", Bearer: "analyst", ExpectedStatus: 200}.run(t, e)
	pages = append(pages, scenario{URL: "/sources/" + id(bs.ID), As: "admin", ExpectedStatus: 200},
		scenario{URL: "/sources", As: "admin", ExpectedStatus: 200})
	var css string
	for _, sc := range pages {
		w := sc.run(t, e)
		body := w.Body.String()
		h := w.Header()
		if got := h.Get("Content-Security-Policy"); got != wantCSP {
			t.Errorf("%s: CSP = %q", sc.URL, got)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", sc.URL, k, h.Get(k), v)
			}
		}
		for _, tag := range scriptTagRE.FindAllString(body, -1) {
			if !strings.Contains(tag, " src=") {
				t.Errorf("%s: inline script %s", sc.URL, tag)
			}
		}
		if m := onAttrRE.FindString(body); m != "" {
			t.Errorf("%s: event handler attribute in %q", sc.URL, m)
		}
		if m := styleRE.FindString(body); m != "" {
			t.Errorf("%s: inline style %q", sc.URL, m)
		}
		if strings.Contains(h.Get("Content-Type"), "html") {
			for _, u := range staticRE.FindAllString(body, -1) {
				if strings.HasSuffix(u, ".css") {
					css = u
				}
			}
		}
	}
	if !regexp.MustCompile(`^/static/app\.[0-9a-f]{10}\.css$`).MatchString(css) {
		t.Fatalf("stylesheet URL %q has no content hash", css)
	}
	scenario{URL: css, ExpectedStatus: 200, ExpectedHeader: map[string]string{
		"Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=31536000, immutable"}}.run(t, e)
	scenario{URL: "/static/app.css", ExpectedStatus: 404}.run(t, e)
}
