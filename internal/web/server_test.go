package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/web"
)

func TestInternalErrorsAreLoggedNotShown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.Store.Close() // every query now fails inside the store
	w := scenario{URL: "/api/v1/counts", Bearer: "reader", ExpectedStatus: 500,
		ExpectedContent: []string{`{"error":{"code":"internal","message":"internal error"}}`}}.run(t, e)
	if strings.Contains(w.Body.String(), "sql") || strings.Contains(w.Body.String(), "closed") {
		t.Errorf("internal detail leaked: %s", w.Body)
	}
	scenario{URL: "/groups", As: "reader", ExpectedStatus: 500, ExpectedContent: []string{"internal error"},
		NotExpectedContent: []string{"sql"}}.run(t, e)
	log := e.Log.String()
	for _, want := range []string{"request failed", "path=/api/v1/counts", "path=/groups", "err="} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestUserErrorsAreNotLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	scenario{URL: "/api/v1/documents/9999", Bearer: "reader", ExpectedStatus: 404}.run(t, e)
	scenario{URL: "/users", As: "reader", ExpectedStatus: 403}.run(t, e)
	// Only the access log's info lines.
	for line := range strings.Lines(e.Log.String()) {
		if !strings.Contains(line, "level=INFO msg=request ") {
			t.Errorf("user errors were logged: %s", line)
		}
	}
}

func TestLoginRateLimitRefills(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	form := url.Values{"login": {"reader"}, "password": {"not the password"}}
	for i := 0; i < 5; i++ {
		scenario{Method: "POST", URL: "/login", Form: form, ExpectedStatus: 401}.run(t, e)
	}
	scenario{Method: "POST", URL: "/login", Form: form, ExpectedStatus: 429}.run(t, e)
	e.Now = e.Now.Add(11 * time.Second)
	form.Set("password", "reader-password-123")
	scenario{Method: "POST", URL: "/login", Form: form, ExpectedStatus: 303}.run(t, e)
	// The success forgave this address's failures for the account.
	form.Set("password", "not the password")
	for i := 0; i < 5; i++ {
		scenario{Method: "POST", URL: "/login", Form: form, ExpectedStatus: 401}.run(t, e)
	}
	scenario{Method: "POST", URL: "/login", Form: form, ExpectedStatus: 429}.run(t, e)
	// Another login from another address has its own budget.
	r := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"login": {"analyst"}, "password": {"analyst-password-123"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "198.51.100.9:4711"
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Errorf("other client: status %d", w.Code)
	}
}

func TestSecureCookies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := web.NewServer(web.Deps{Store: e.Store, Auth: e.Auth, SecureCookies: true, Logger: slog.New(slog.DiscardHandler)})
	r := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"login": {"reader"}, "password": {"reader-password-123"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	cookies := w.Result().Cookies()
	if w.Code != http.StatusSeeOther || len(cookies) != 1 || !cookies[0].Secure || !cookies[0].HttpOnly {
		t.Errorf("status %d, cookies %+v", w.Code, cookies)
	}
}

func TestDevTemplatesFromDisk(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h, err := web.New(web.Deps{Store: e.Store, Auth: e.Auth, Dev: os.DirFS("."), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/login", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Sign in to spoor") {
		t.Errorf("dev login page: %d %.300s", w.Code, w.Body)
	}
}

func TestBrokenTemplatesFailAtStart(t *testing.T) {
	t.Parallel()
	st := newEnv(t).Store
	svc := auth.NewService(st, auth.Options{})
	for name, fsys := range map[string]fstest.MapFS{
		"syntax": {
			"templates/layout.html":       {Data: []byte(`{{define "layout"}}{{template "content" .}}{{end}}`)},
			"templates/partials/x.html":   {Data: []byte(``)},
			"templates/pages/broken.html": {Data: []byte(`{{define "title"}}x{{end}}{{define "content"}}{{if}}{{end}}`)},
			"static/app.css":              {Data: []byte(`body{}`)},
		},
		"no content block": {
			"templates/layout.html":       {Data: []byte(`{{define "layout"}}{{template "content" .}}{{end}}`)},
			"templates/partials/x.html":   {Data: []byte(``)},
			"templates/pages/broken.html": {Data: []byte(`{{define "title"}}x{{end}}`)},
			"static/app.css":              {Data: []byte(`body{}`)},
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := web.New(web.Deps{Store: st, Auth: svc, Dev: fsys})
			if err == nil || !strings.Contains(err.Error(), "pages/broken.html") {
				t.Errorf("New = %v, want an error naming pages/broken.html", err)
			}
		})
	}
}
