package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/notify"
	"github.com/spoor/spoor/internal/secret"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/sqlite"
	"github.com/spoor/spoor/internal/web"
)

// xss is a payload that must come out escaped wherever it is shown.
const xss = "<script>alert(1)</script>"

// account is a seeded user with a browser session and an API token.
type account struct {
	User   *intel.User
	Cookie *http.Cookie
	CSRF   string
	Token  string
}

// testEnv is a server over a fresh SQLite store, seeded through the
// store and auth calls that production uses.
type testEnv struct {
	t       *testing.T
	Store   *store.Store
	Auth    *auth.Service
	Handler http.Handler
	Now     time.Time
	Secrets *secret.Box         // seals the store's secret options
	Log     *syncBuffer         // what the server logged
	As      map[string]*account // by role name: admin, analyst, reader

	Group, Technique *intel.Object // APT28 and a technique it uses
	XSSGroup         *intel.Object // a group whose alias is the payload
	Doc              *intel.Document
	Indicator        *intel.Indicator
	Source           *intel.Source // the source of the seed import
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with the server's dependencies adjusted by
// configure before it is built (allowed hosts, the collector's import
// directories).
func newEnvWith(t *testing.T, configure func(*web.Deps)) *testEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	e := &testEnv{t: t, Store: st, Now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), As: map[string]*account{}, Log: &syncBuffer{},
		Secrets: secret.NewBox(secret.NewKey())}
	st.UseSecrets(e.Secrets)
	now := func() time.Time { return e.Now }
	e.Auth = auth.NewService(st, auth.Options{Now: now, Hash: auth.HashParams{Memory: 256, Time: 1, Threads: 1}})
	// The collector reads server paths inside the fixture directory only,
	// as spoor serve reads them inside its --import-dir.
	c := collect.NewCollector(st, nil)
	dirs, err := collect.NewImportDirs([]string{filepath.Dir(fixtureBundle(t))})
	if err != nil {
		t.Fatal(err)
	}
	c.Files = dirs
	c.Secrets = e.Secrets
	deps := web.Deps{
		Store:     st,
		Auth:      e.Auth,
		Collector: c,
		Notifier:  notify.New(st, notify.Options{Now: now}),
		Logger:    slog.New(slog.NewTextHandler(e.Log, nil)),
		Now:       now,
		Version:   "test",
	}
	if configure != nil {
		configure(&deps)
	}
	e.Handler = web.NewServer(deps)
	for _, role := range []intel.Role{intel.RoleAdmin, intel.RoleAnalyst, intel.RoleReader} {
		e.As[string(role)] = e.account(string(role), role)
	}
	e.seed()
	return e
}

func (e *testEnv) account(login string, role intel.Role) *account {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.Auth.CreateUser(ctx, login, role, login+"-password-123")
	if err != nil {
		e.t.Fatalf("create %s: %v", login, err)
	}
	tok, sess, _, err := e.Auth.Login(ctx, login, login+"-password-123")
	if err != nil {
		e.t.Fatalf("login %s: %v", login, err)
	}
	// The token may do all its owner may.
	scopes := auth.Scopes(role)
	plain, _, err := e.Auth.IssueToken(ctx, sess, "", auth.TokenRequest{Name: "test", Scope: scopes[len(scopes)-1]})
	if err != nil {
		e.t.Fatalf("token %s: %v", login, err)
	}
	return &account{User: u, Cookie: &http.Cookie{Name: "spoor_session", Value: tok}, CSRF: sess.CSRFToken, Token: plain}
}

// signIn opens another session of a seeded user (a second browser) and
// returns it as an account without a token.
func (e *testEnv) signIn(login string) *account {
	e.t.Helper()
	tok, sess, u, err := e.Auth.Login(context.Background(), login, login+"-password-123")
	if err != nil {
		e.t.Fatalf("login %s: %v", login, err)
	}
	return &account{User: u, Cookie: &http.Cookie{Name: "spoor_session", Value: tok}, CSRF: sess.CSRFToken}
}

// bundle is a small hand-made import: APT28 with aliases, a technique it
// uses, and a cited report.
func bundle() *intel.Bundle {
	t0 := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	return &intel.Bundle{
		Source: intel.Source{Name: "test-attack", Kind: intel.SourceSTIX, Credibility: 1},
		Objects: []intel.Object{
			{Kind: intel.KindGroup, StixID: "intrusion-set--bef4c620-0787-42a8-a96d-b7eb6e85917c", ExternalID: "G0007",
				Name: "APT28", Aliases: []string{"APT28", "Sofacy", "Fancy Bear", "STRONTIUM"}, Country: "RU",
				Description: "APT28 is a threat group attributed to Russia's GRU.",
				Refs: []intel.ExternalRef{
					{SourceName: "mitre-attack", ExternalID: "G0007", URL: "https://attack.mitre.org/groups/G0007"},
					{SourceName: "Crowdstrike DNC June 2016", URL: "https://www.crowdstrike.com/blog/bears-midst-intrusion-democratic-national-committee/", Description: "Bears in the Midst"},
				},
				Confidence: 1, Created: t0, Modified: t0},
			{Kind: intel.KindTechnique, StixID: "attack-pattern--a62a8db3-f23a-4d8f-afd6-9dbc77e7813b", ExternalID: "T1566.001",
				Name: "Spearphishing Attachment", Tactics: []string{"initial-access"}, IsSubtechnique: true,
				Confidence: 1, Created: t0, Modified: t0},
		},
		Relationships: []intel.Link{
			{StixID: "relationship--0a5b1d36-2d3e-4bd0-8f35-4e1b3e1c2a11", Type: "uses",
				SourceRef:   "intrusion-set--bef4c620-0787-42a8-a96d-b7eb6e85917c",
				TargetRef:   "attack-pattern--a62a8db3-f23a-4d8f-afd6-9dbc77e7813b",
				Description: "APT28 sent spearphishing emails with malicious attachments.", Created: t0, Modified: t0},
		},
	}
}

func (e *testEnv) seed() {
	e.t.Helper()
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	if _, err := e.Store.ImportBundle(ctx, bundle(), nil); err != nil {
		e.t.Fatalf("import: %v", err)
	}
	var err error
	if e.Group, err = e.Store.FindObjectByName(ctx, intel.KindGroup, "APT28"); err != nil {
		e.t.Fatal(err)
	}
	if e.Technique, err = e.Store.FindObjectByName(ctx, intel.KindTechnique, "T1566.001"); err != nil {
		e.t.Fatal(err)
	}
	if e.Source, err = e.Store.FindSourceByName(ctx, "test-attack"); err != nil {
		e.t.Fatal(err)
	}
	e.XSSGroup = &intel.Object{Kind: intel.KindGroup, Name: "Scripted Panda", Aliases: []string{xss, "Panda Scripter"},
		Description: "Known for the " + xss + " lure.", Confidence: 1}
	if err := e.Store.CreateObject(ctx, e.XSSGroup); err != nil {
		e.t.Fatal(err)
	}
	e.Doc = &intel.Document{Title: xss, Text: "The lure loads " + xss + " through a macro dropper.", URL: "https://example.org/report"}
	if err := e.Store.CreateDocument(ctx, e.Doc); err != nil {
		e.t.Fatal(err)
	}
	e.Indicator = &intel.Indicator{Type: intel.IndicatorDomain, Value: "evil.example.com", Description: xss, Confidence: 0.8}
	if err := e.Store.CreateIndicator(ctx, e.Indicator); err != nil {
		e.t.Fatal(err)
	}
}

// syncBuffer is a log sink that the race detector accepts.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// scenario is one HTTP exchange and what must come back (after
// pocketbase's ApiScenario).
type scenario struct {
	Name   string
	Method string
	URL    string
	As     string // "admin", "analyst", "reader" or "" (anonymous): via the session cookie
	Bearer string // use this account's API token instead of the cookie
	JSON   string // a JSON body
	// Body is any other body, sent with ContentType (multipart forms
	// carry their own CSRF field; see multipartBody).
	Body        string
	ContentType string
	Form        url.Values // a form body; the CSRF token is added unless NoCSRF
	NoCSRF      bool
	Header      map[string]string
	RemoteAddr  string // the peer address, when not httptest's 192.0.2.1:1234

	ExpectedStatus     int
	ExpectedContent    []string
	NotExpectedContent []string
	ExpectedHeader     map[string]string
}

func (sc scenario) run(t *testing.T, e *testEnv) *httptest.ResponseRecorder {
	t.Helper()
	method := sc.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	var ctype string
	switch {
	case sc.ContentType != "":
		body, ctype = strings.NewReader(sc.Body), sc.ContentType
	case sc.JSON != "":
		body, ctype = strings.NewReader(sc.JSON), "application/json"
	case sc.Form != nil || (method == http.MethodPost && sc.JSON == ""):
		f := url.Values{}
		for k, v := range sc.Form {
			f[k] = v
		}
		if a := e.As[sc.As]; a != nil && !sc.NoCSRF {
			f.Set("csrf_token", a.CSRF)
		}
		body, ctype = strings.NewReader(f.Encode()), "application/x-www-form-urlencoded"
	}
	r := httptest.NewRequest(method, sc.URL, body)
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if a := e.As[sc.As]; a != nil {
		r.AddCookie(a.Cookie)
		if (sc.JSON != "" || strings.HasPrefix(sc.ContentType, "text/")) && !sc.NoCSRF {
			r.Header.Set("X-CSRF-Token", a.CSRF)
		}
	}
	if a := e.As[sc.Bearer]; a != nil {
		r.Header.Set("Authorization", "Bearer "+a.Token)
	}
	for k, v := range sc.Header {
		r.Header.Set(k, v)
	}
	if sc.RemoteAddr != "" {
		r.RemoteAddr = sc.RemoteAddr
	}
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, r)
	got := w.Body.String()
	if sc.ExpectedStatus != 0 && w.Code != sc.ExpectedStatus {
		t.Errorf("%s %s: status %d, want %d; body:\n%.600s", method, sc.URL, w.Code, sc.ExpectedStatus, got)
	}
	for _, want := range sc.ExpectedContent {
		if !strings.Contains(got, want) {
			t.Errorf("%s %s: body lacks %q; body:\n%.600s", method, sc.URL, want, got)
		}
	}
	for _, bad := range sc.NotExpectedContent {
		if strings.Contains(got, bad) {
			t.Errorf("%s %s: body holds %q", method, sc.URL, bad)
		}
	}
	for k, v := range sc.ExpectedHeader {
		if h := w.Header().Get(k); h != v {
			t.Errorf("%s %s: header %s = %q, want %q", method, sc.URL, k, h, v)
		}
	}
	return w
}

func runScenarios(t *testing.T, e *testEnv, scs []scenario) {
	t.Helper()
	for _, sc := range scs {
		name := sc.Name
		if name == "" {
			name = sc.Method + " " + sc.URL
		}
		t.Run(name, func(t *testing.T) { sc.run(t, e) })
	}
}
