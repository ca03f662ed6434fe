package web_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/web"
)

// signedIn reports whether the account's session still works.
func signedIn(t *testing.T, e *testEnv, as string) bool {
	t.Helper()
	w := scenario{URL: "/api/v1/counts", As: as}.run(t, e)
	return w.Code == http.StatusOK
}

// tokenWorks reports whether the account's API token still works.
func tokenWorks(t *testing.T, e *testEnv, as string) bool {
	t.Helper()
	w := scenario{URL: "/api/v1/counts", Bearer: as}.run(t, e)
	return w.Code == http.StatusOK
}

// auditActions lists the audit log's entries, newest first, as
// "action login detail addr" for the actions with one of the prefixes.
func auditActions(t *testing.T, e *testEnv, prefixes ...string) []string {
	t.Helper()
	page, err := e.Store.FindAudit(t.Context(), intel.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range page.Items {
		for _, p := range prefixes {
			if strings.HasPrefix(a.Action, p) {
				out = append(out, strings.TrimSpace(fmt.Sprintf("%s %s %s %s", a.Action, a.Login, a.Detail, a.Addr)))
				break
			}
		}
	}
	return out
}

// TestPasswordChangeEndsOtherSessions covers every way to set a password:
// the users API, the users page, and a user's own account page and API.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	analyst := id(e.As["analyst"].User.ID)
	e.As["analyst2"] = e.signIn("analyst")

	// An admin sets the analyst's password through the API: both of the
	// analyst's sessions end; the token lives unless revoke_tokens.
	scenario{Method: "PATCH", URL: "/api/v1/users/" + analyst, As: "admin", JSON: `{"password":"a fresh long password"}`,
		ExpectedStatus: 200}.run(t, e)
	if signedIn(t, e, "analyst") || signedIn(t, e, "analyst2") || !signedIn(t, e, "admin") {
		t.Errorf("after an admin reset: analyst %v, analyst2 %v, admin %v; want false, false, true",
			signedIn(t, e, "analyst"), signedIn(t, e, "analyst2"), signedIn(t, e, "admin"))
	}
	if !tokenWorks(t, e, "analyst") {
		t.Error("a reset without revoke_tokens stopped the token")
	}
	scenario{Method: "PATCH", URL: "/api/v1/users/" + analyst, As: "admin", JSON: `{"revoke_tokens":true}`, ExpectedStatus: 200}.run(t, e)
	if tokenWorks(t, e, "analyst") {
		t.Error("revoke_tokens left the token working")
	}

	// An admin setting their own password keeps the session they do it
	// from, and ends their others.
	e.As["admin2"] = e.signIn("admin")
	scenario{Method: "PATCH", URL: "/api/v1/users/" + id(e.As["admin"].User.ID), As: "admin",
		JSON: `{"password":"admin-password-123"}`, ExpectedStatus: 200}.run(t, e)
	if !signedIn(t, e, "admin") || signedIn(t, e, "admin2") {
		t.Errorf("own reset: this session %v, the other %v; want true, false", signedIn(t, e, "admin"), signedIn(t, e, "admin2"))
	}

	// The users page does the same.
	e.As["reader2"] = e.signIn("reader")
	scenario{Method: "POST", URL: "/users/" + id(e.As["reader"].User.ID), As: "admin",
		Form: url.Values{"password": {"reader-password-123"}, "revoke_tokens": {"true"}}, ExpectedStatus: 303}.run(t, e)
	if signedIn(t, e, "reader2") || tokenWorks(t, e, "reader") {
		t.Error("the users page's password left a session or the token working")
	}
	scenario{URL: "/users", As: "admin", ExpectedStatus: 200, ExpectedContent: []string{`name="password"`, `name="revoke_tokens"`}}.run(t, e)
}

func TestChangeOwnPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.As["other"] = e.signIn("analyst")
	scenario{URL: "/account", As: "analyst", ExpectedStatus: 200,
		ExpectedContent: []string{`name="current_password"`, `name="new_password"`, `name="revoke_tokens"`}}.run(t, e)
	form := url.Values{"current_password": {"wrong password!"}, "new_password": {"a new long password"}, "confirm_password": {"a new long password"}}
	runScenarios(t, e, []scenario{
		{Name: "wrong current password", Method: "POST", URL: "/account/password", As: "analyst", Form: form,
			ExpectedStatus: 401, ExpectedContent: []string{"wrong password"}},
		{Name: "confirmation differs", Method: "POST", URL: "/account/password", As: "analyst",
			Form:           url.Values{"current_password": {"analyst-password-123"}, "new_password": {"a new long password"}, "confirm_password": {"another"}},
			ExpectedStatus: 400, ExpectedContent: []string{"differ"}},
		{Name: "API by token", Method: "POST", URL: "/api/v1/account/password", Bearer: "analyst",
			JSON:           `{"current_password":"analyst-password-123","new_password":"a new long password"}`,
			ExpectedStatus: 403, ExpectedContent: []string{"browser session"}},
	})
	if !signedIn(t, e, "other") {
		t.Fatal("a refused change ended a session")
	}
	form.Set("current_password", "analyst-password-123")
	scenario{Method: "POST", URL: "/account/password", As: "analyst", Form: form, ExpectedStatus: 303,
		ExpectedHeader: map[string]string{"Location": "/account?changed=password"}}.run(t, e)
	if !signedIn(t, e, "analyst") || signedIn(t, e, "other") || !tokenWorks(t, e, "analyst") {
		t.Errorf("after the change: this session %v, the other %v, the token %v; want true, false, true",
			signedIn(t, e, "analyst"), signedIn(t, e, "other"), tokenWorks(t, e, "analyst"))
	}
	scenario{URL: "/account?changed=password", As: "analyst", ExpectedStatus: 200, ExpectedContent: []string{"other sessions are signed out"}}.run(t, e)

	// The API, from the session, can revoke the tokens too.
	scenario{Method: "POST", URL: "/api/v1/account/password", As: "analyst",
		JSON:           `{"current_password":"a new long password","new_password":"a third long password","revoke_tokens":true}`,
		ExpectedStatus: 204}.run(t, e)
	if !signedIn(t, e, "analyst") || tokenWorks(t, e, "analyst") {
		t.Error("the API change ended its session or kept the token")
	}
	if got := auditActions(t, e, "user.password", "token.revoke_all"); !slices.Equal(got, []string{
		"token.revoke_all analyst analyst: 1 tokens 192.0.2.1",
		"user.password analyst analyst: 0 other sessions ended 192.0.2.1",
		"user.password analyst analyst: 1 other sessions ended 192.0.2.1",
	}) {
		t.Errorf("audit = %q", got)
	}
}

func TestRevokeAllTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	scenario{Method: "POST", URL: "/tokens/revoke-all", As: "analyst", ExpectedStatus: 303}.run(t, e)
	if tokenWorks(t, e, "analyst") || !tokenWorks(t, e, "reader") {
		t.Error("revoke all: the analyst's token works, or the reader's does not")
	}
	scenario{Method: "DELETE", URL: "/api/v1/tokens", Bearer: "reader", ExpectedStatus: 204}.run(t, e)
	if tokenWorks(t, e, "reader") {
		t.Error("DELETE /api/v1/tokens left the token working")
	}
}

// TestTokenCannotMintTokens: creating a token needs a browser session
// that entered its password within ten minutes.
func TestTokenCannotMintTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{Name: "API by token", Method: "POST", URL: "/api/v1/tokens", Bearer: "admin", JSON: `{"name":"minted"}`,
			ExpectedStatus: 403, ExpectedContent: []string{"browser session"}},
		{Name: "page by token", Method: "POST", URL: "/tokens", Bearer: "admin", Form: url.Values{"name": {"minted"}},
			ExpectedStatus: 403},
		{Name: "fresh session", Method: "POST", URL: "/api/v1/tokens", As: "analyst", JSON: `{"name":"ci","scope":"write","expires_in_days":30}`,
			ExpectedStatus: 201, ExpectedContent: []string{`"scope":"write"`, `"expires_at":"2025-03-31T12:00:00Z"`}},
		{Name: "page, fresh session", Method: "POST", URL: "/tokens", As: "analyst", Form: url.Values{"name": {"page"}},
			ExpectedStatus: 201, ExpectedContent: []string{"Copy it now"}},
	})
	page, err := e.Store.FindAPITokens(t.Context(), e.As["admin"].User.ID)
	if err != nil || len(page) != 1 {
		t.Errorf("admin has tokens %+v (%v), want the seeded one only", page, err)
	}

	// Eleven minutes after signing in, the password is needed again.
	e.Now = e.Now.Add(auth.ReauthWindow + time.Minute)
	runScenarios(t, e, []scenario{
		{Name: "stale session", Method: "POST", URL: "/api/v1/tokens", As: "analyst", JSON: `{"name":"late"}`,
			ExpectedStatus: 403, ExpectedContent: []string{"enter your password again"}},
		{Name: "the form asks for it", URL: "/tokens", As: "analyst", ExpectedStatus: 200, ExpectedContent: []string{`name="password"`}},
		{Name: "wrong password", Method: "POST", URL: "/api/v1/tokens", As: "analyst", JSON: `{"name":"late","password":"guess"}`,
			ExpectedStatus: 401},
		{Name: "with the password", Method: "POST", URL: "/tokens", As: "analyst",
			Form: url.Values{"name": {"late"}, "password": {"analyst-password-123"}}, ExpectedStatus: 201},
		{Name: "re-authenticated", Method: "POST", URL: "/api/v1/tokens", As: "analyst", JSON: `{"name":"later"}`, ExpectedStatus: 201},
		{Name: "bad lifetime", Method: "POST", URL: "/api/v1/tokens", As: "analyst", JSON: `{"name":"x","expires_in_days":1000}`,
			ExpectedStatus: 400},
	})
}

func TestTokenScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	create := func(as, body string) string {
		t.Helper()
		w := scenario{Method: "POST", URL: "/api/v1/tokens", As: as, JSON: body, ExpectedStatus: 201}.run(t, e)
		var c struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		return c.Token
	}
	e.As["analyst-read"] = &account{Token: create("analyst", `{"name":"r"}`)}
	e.As["admin-write"] = &account{Token: create("admin", `{"name":"w","scope":"write"}`)}
	e.As["admin-admin"] = &account{Token: create("admin", `{"name":"a","scope":"admin"}`)}
	runScenarios(t, e, []scenario{
		{Name: "reader may not hold write", Method: "POST", URL: "/api/v1/tokens", As: "reader", JSON: `{"name":"x","scope":"write"}`,
			ExpectedStatus: 403},
		{Name: "analyst may not hold admin", Method: "POST", URL: "/api/v1/tokens", As: "analyst", JSON: `{"name":"x","scope":"admin"}`,
			ExpectedStatus: 403},
		{Name: "read token reads", URL: "/api/v1/groups", Bearer: "analyst-read", ExpectedStatus: 200},
		{Name: "read token may not write", Method: "POST", URL: "/api/v1/documents", Bearer: "analyst-read", JSON: `{"title":"t"}`,
			ExpectedStatus: 403, ExpectedContent: []string{"scope read may not write intel"}},
		{Name: "read token may not write through a page", Method: "POST", URL: "/groups", Bearer: "analyst-read",
			Form: url.Values{"name": {"x"}}, ExpectedStatus: 403},
		{Name: "write token writes", Method: "POST", URL: "/api/v1/documents", Bearer: "admin-write", JSON: `{"title":"t"}`,
			ExpectedStatus: 201},
		{Name: "write token may not manage users", URL: "/api/v1/users", Bearer: "admin-write", ExpectedStatus: 403,
			ExpectedContent: []string{"scope write may not manage users"}},
		{Name: "write token gets no admin-only source", Method: "POST", URL: "/api/v1/sources", Bearer: "admin-write",
			JSON: `{"name":"x","format":"stix","location":"/etc/passwd"}`, ExpectedStatus: 403},
		{Name: "admin token manages users", URL: "/api/v1/users", Bearer: "admin-admin", ExpectedStatus: 200},
	})
}

func TestExpiredToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := scenario{Method: "POST", URL: "/api/v1/tokens", As: "reader", JSON: `{"name":"day","expires_in_days":1}`, ExpectedStatus: 201}.run(t, e)
	var c struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	e.As["day"] = &account{Token: c.Token}
	scenario{URL: "/api/v1/counts", Bearer: "day", ExpectedStatus: 200}.run(t, e)
	e.Now = e.Now.Add(24 * time.Hour)
	scenario{URL: "/api/v1/counts", Bearer: "day", ExpectedStatus: 401, ExpectedContent: []string{"expired"}}.run(t, e)
	scenario{URL: "/tokens", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{"<td>expired</td>"}}.run(t, e)
	if got := auditActions(t, e, "token.refused"); len(got) != 1 || !strings.HasSuffix(got[0], ": expired 192.0.2.1") {
		t.Errorf("audit of the refusal = %q", got)
	}
}

// TestLockoutIsPerAddress: failures from one address lock out that
// address only; successes never count.
func TestLockoutIsPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const attacker, user = "203.0.113.66:5000", "198.51.100.7:6000"
	wrong := url.Values{"login": {"reader"}, "password": {"not the password"}}
	right := url.Values{"login": {"reader"}, "password": {"reader-password-123"}}
	for i := range 5 {
		scenario{Name: fmt.Sprint("guess ", i), Method: "POST", URL: "/login", Form: wrong, RemoteAddr: attacker, ExpectedStatus: 401}.run(t, e)
	}
	scenario{Method: "POST", URL: "/login", Form: wrong, RemoteAddr: attacker, ExpectedStatus: 429,
		ExpectedHeader: map[string]string{"Retry-After": "10"}}.run(t, e)
	scenario{Name: "the locked address waits, right password or not", Method: "POST", URL: "/login", Form: right,
		RemoteAddr: attacker, ExpectedStatus: 429}.run(t, e)
	// The real user, elsewhere, signs in at once, again and again.
	for i := range 10 {
		scenario{Name: fmt.Sprint("user ", i), Method: "POST", URL: "/login", Form: right, RemoteAddr: user, ExpectedStatus: 303}.run(t, e)
	}
	// The same port-less address is one address.
	scenario{Method: "POST", URL: "/login", Form: right, RemoteAddr: "203.0.113.66:5001", ExpectedStatus: 429}.run(t, e)

	// One address spraying many accounts is stopped too.
	const sprayer = "[2001:db8:1:2::10]:443"
	for i := range 20 {
		f := url.Values{"login": {fmt.Sprintf("user%d", i)}, "password": {"Winter2025!"}}
		scenario{Name: fmt.Sprint("spray ", i), Method: "POST", URL: "/login", Form: f, RemoteAddr: sprayer, ExpectedStatus: 401}.run(t, e)
	}
	f := url.Values{"login": {"user99"}, "password": {"Winter2025!"}}
	scenario{Method: "POST", URL: "/login", Form: f, RemoteAddr: sprayer, ExpectedStatus: 429}.run(t, e)
	// The other hosts of that /64 share its count.
	scenario{Method: "POST", URL: "/login", Form: f, RemoteAddr: "[2001:db8:1:2::99]:443", ExpectedStatus: 429}.run(t, e)
	scenario{Method: "POST", URL: "/login", Form: right, RemoteAddr: "[2001:db8:1:3::10]:443", ExpectedStatus: 303}.run(t, e)
}

// TestLockoutBehindProxy: forwarded addresses count only from trusted
// proxies.
func TestLockoutBehindProxy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.Handler = web.NewServer(web.Deps{Store: e.Store, Auth: e.Auth, Collector: collect.NewCollector(e.Store, nil),
		Logger: slog.New(slog.NewTextHandler(e.Log, nil)), Now: func() time.Time { return e.Now },
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	const proxy = "10.1.2.3:40000"
	wrong := url.Values{"login": {"analyst"}, "password": {"not the password"}}
	right := url.Values{"login": {"analyst"}, "password": {"analyst-password-123"}}
	xff := func(v string) map[string]string { return map[string]string{"X-Forwarded-For": v} }
	for i := range 5 {
		// A client-supplied first hop is not believed: the proxy's hop is.
		scenario{Name: fmt.Sprint("guess ", i), Method: "POST", URL: "/login", Form: wrong, RemoteAddr: proxy,
			Header: xff(fmt.Sprintf("192.0.2.%d, 203.0.113.5, 10.9.9.9", i)), ExpectedStatus: 401}.run(t, e)
	}
	runScenarios(t, e, []scenario{
		{Name: "the forwarded client is locked", Method: "POST", URL: "/login", Form: right, RemoteAddr: proxy,
			Header: xff("203.0.113.5"), ExpectedStatus: 429},
		{Name: "another client of the proxy is not", Method: "POST", URL: "/login", Form: right, RemoteAddr: proxy,
			Header: xff("198.51.100.8"), ExpectedStatus: 303},
		{Name: "Forwarded names it too", Method: "POST", URL: "/login", Form: right, RemoteAddr: proxy,
			Header: map[string]string{"Forwarded": `for=203.0.113.5;proto=https, for="10.9.9.9:80"`}, ExpectedStatus: 429},
	})
	// From an untrusted peer the header is ignored: rotating it gains
	// nothing.
	for i := range 5 {
		scenario{Name: fmt.Sprint("direct ", i), Method: "POST", URL: "/login", Form: wrong, RemoteAddr: "192.0.2.50:1",
			Header: xff(fmt.Sprintf("198.51.100.%d", i)), ExpectedStatus: 401}.run(t, e)
	}
	scenario{Method: "POST", URL: "/login", Form: wrong, RemoteAddr: "192.0.2.50:1", Header: xff("198.51.100.200"), ExpectedStatus: 429}.run(t, e)

	if got := auditActions(t, e, "user.login_failed"); len(got) != 10 || got[0] != "user.login_failed analyst wrong password 192.0.2.50" ||
		got[9] != "user.login_failed analyst wrong password 203.0.113.5" {
		t.Errorf("failed sign-ins audited as %q", got)
	}
}

// TestAuditAndAccessLog: sign-ins, failures, sign-outs, role changes and
// token creation reach the audit log; every request gets an access log
// line and a request ID.
func TestAuditAndAccessLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const addr = "198.51.100.23:7000"
	runScenarios(t, e, []scenario{
		{Method: "POST", URL: "/login", Form: url.Values{"login": {"analyst"}, "password": {"wrong"}}, RemoteAddr: addr, ExpectedStatus: 401},
		{Method: "POST", URL: "/login", Form: url.Values{"login": {"nobody"}, "password": {"x"}}, RemoteAddr: addr, ExpectedStatus: 401},
		{Method: "POST", URL: "/login", Form: url.Values{"login": {"analyst"}, "password": {"analyst-password-123"}}, RemoteAddr: addr, ExpectedStatus: 303},
		{Method: "PATCH", URL: "/api/v1/users/" + id(e.As["reader"].User.ID), As: "admin", JSON: `{"role":"analyst"}`, RemoteAddr: addr, ExpectedStatus: 200},
		{Method: "POST", URL: "/api/v1/tokens", As: "analyst", JSON: `{"name":"siem"}`, RemoteAddr: addr, ExpectedStatus: 201},
		{Method: "POST", URL: "/logout", As: "reader", RemoteAddr: addr, ExpectedStatus: 303},
	})
	got := auditActions(t, e, "user.log", "user.role", "token.create")
	want := []string{
		"user.logout reader  " + "198.51.100.23",
		"token.create analyst siem (spoor_", // the prefix and expiry follow
		"user.role admin reader: reader → analyst 198.51.100.23",
		"user.login analyst analyst 198.51.100.23",
		"user.login_failed nobody unknown login 198.51.100.23",
		"user.login_failed analyst wrong password 198.51.100.23",
	}
	if len(got) < len(want) {
		t.Fatalf("audit = %q", got)
	}
	got = got[:len(want)] // older: the seeded sign-ins
	for i := range want {
		if !strings.HasPrefix(strings.ReplaceAll(got[i], "  ", " "), strings.ReplaceAll(want[i], "  ", " ")) {
			t.Errorf("audit[%d] = %q, want %q…", i, got[i], want[i])
		}
	}

	// The access log.
	w := scenario{URL: "/api/v1/counts?secret=1", Bearer: "reader", RemoteAddr: addr, ExpectedStatus: 200}.run(t, e)
	rid := w.Header().Get("X-Request-Id")
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(rid) {
		t.Fatalf("X-Request-Id = %q", rid)
	}
	const line = "level=INFO msg=request method=GET path=/api/v1/counts status=200 duration="
	var found string
	for l := range strings.Lines(e.Log.String()) {
		if strings.Contains(l, "request_id="+rid) {
			found = l
		}
	}
	if !strings.Contains(found, line) || !strings.Contains(found, "user=reader request_id="+rid+" addr=198.51.100.23") ||
		strings.Contains(found, "secret") {
		t.Errorf("access log line = %q", found)
	}
	// A client cannot choose its request ID (only a trusted proxy can).
	w = scenario{URL: "/login", Header: map[string]string{"X-Request-Id": "forged"}, ExpectedStatus: 200}.run(t, e)
	if got := w.Header().Get("X-Request-Id"); got == "forged" || got == "" {
		t.Errorf("X-Request-Id = %q", got)
	}
}
