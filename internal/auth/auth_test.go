package auth_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// testParams keep hashing fast in tests; production uses the defaults.
var testParams = auth.HashParams{Memory: 256, Time: 1, Threads: 1}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// newService opens a fresh SQLite store in a temporary directory.
func newService(t *testing.T) (*auth.Service, *clock) {
	t.Helper()
	s, c, _ := newServiceStore(t)
	return s, c
}

// newServiceStore is newService that also returns the store.
func newServiceStore(t *testing.T) (*auth.Service, *clock, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	return auth.NewService(st, auth.Options{Now: c.now, Hash: testParams}), c, st
}

func mustUser(t *testing.T, s *auth.Service, login string, role intel.Role) *intel.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), login, role, login+"-password-123")
	if err != nil {
		t.Fatalf("create user %s: %v", login, err)
	}
	return u
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := intel.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestHashPassword(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery", auth.DefaultHashParams)
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=1,p=4\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(h) {
		t.Fatalf("hash %q is not in PHC form", h)
	}
	h2, _ := auth.HashPassword("correct horse battery", auth.DefaultHashParams)
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}

	small, err := auth.HashPassword("correct horse battery", testParams)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, hash, password string
		ok, err              bool
	}{
		{"right", small, "correct horse battery", true, false},
		{"wrong", small, "correct horse battery!", false, false},
		{"empty", small, "", false, false},
		{"default params", h, "correct horse battery", true, false},
		{"not phc", "plain", "x", false, true},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuv", "x", false, true},
		{"bad params", "$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5", "x", false, true},
		{"bad version", strings.Replace(small, "v=19", "v=16", 1), "x", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := auth.VerifyPassword(tc.hash, tc.password)
			if ok != tc.ok || (err != nil) != tc.err {
				t.Errorf("VerifyPassword = %v, %v; want %v, error %v", ok, err, tc.ok, tc.err)
			}
		})
	}
}

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		password string
		ok       bool
	}{
		{"", false},
		{"            ", false},
		{"short", false},
		{"elevenchars", false},
		{"twelve chars", true},
		{"ünïcödé-12ch", true},
		{strings.Repeat("x", auth.MaxPasswordLen+1), false},
	} {
		err := auth.CheckPassword(tc.password)
		if tc.ok && err != nil {
			t.Errorf("CheckPassword(%q) = %v, want nil", tc.password, err)
		}
		if !tc.ok && intel.ErrorCode(err) != intel.CodeInvalid {
			t.Errorf("CheckPassword(%q) = %v, want CodeInvalid", tc.password, err)
		}
	}
}

func TestCan(t *testing.T) {
	for _, tc := range []struct {
		role                  intel.Role
		read, write, managers bool
	}{
		{intel.RoleAdmin, true, true, true},
		{intel.RoleAnalyst, true, true, false},
		{intel.RoleReader, true, false, false},
		{"", false, false, false},
		{"root", false, false, false},
	} {
		got := [3]bool{auth.Can(tc.role, auth.ReadIntel), auth.Can(tc.role, auth.WriteIntel), auth.Can(tc.role, auth.ManageUsers)}
		if want := [3]bool{tc.read, tc.write, tc.managers}; got != want {
			t.Errorf("role %q: read/write/manage = %v, want %v", tc.role, got, want)
		}
	}
}

func TestCreateUser(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, login string
		role        intel.Role
		password    string
		code        string
	}{
		{"ok", "alice", intel.RoleAnalyst, "a long password", ""},
		{"taken", "alice", intel.RoleReader, "a long password", intel.CodeConflict},
		{"taken other case", "ALICE", intel.RoleReader, "a long password", intel.CodeConflict},
		{"empty login", "", intel.RoleReader, "a long password", intel.CodeInvalid},
		{"numeric login", "1234", intel.RoleReader, "a long password", intel.CodeInvalid},
		{"space in login", "bob smith", intel.RoleReader, "a long password", intel.CodeInvalid},
		{"markup in login", "<b>", intel.RoleReader, "a long password", intel.CodeInvalid},
		{"bad role", "bob", "root", "a long password", intel.CodeInvalid},
		{"empty password", "bob", intel.RoleReader, "", intel.CodeInvalid},
		{"short password", "bob", intel.RoleReader, "short", intel.CodeInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := s.CreateUser(ctx, tc.login, tc.role, tc.password)
			wantCode(t, err, tc.code)
			if err == nil && (u.ID == 0 || !u.Enabled || u.Role != tc.role || !strings.HasPrefix(u.PasswordHash, "$argon2id$")) {
				t.Errorf("created user = %+v", u)
			}
		})
	}
}

func TestLogin(t *testing.T) {
	s, c := newService(t)
	ctx := context.Background()
	mustUser(t, s, "alice", intel.RoleAnalyst)
	mustUser(t, s, "bob", intel.RoleReader)
	if _, err := s.SetEnabled(ctx, "bob", false); err != nil {
		t.Fatal(err)
	}

	token, sess, u, err := s.Login(ctx, "alice", "alice-password-123")
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if len(token) < 40 || sess.CSRFToken == "" || sess.TokenHash == token || u.Login != "alice" {
		t.Errorf("login gave token %q, session %+v, user %+v", token, sess, u)
	}
	if !sess.ExpiresAt.Equal(c.t.Add(auth.DefaultSessionTTL)) {
		t.Errorf("session expires %v, want %v", sess.ExpiresAt, c.t.Add(auth.DefaultSessionTTL))
	}
	again, err := s.FindUser(ctx, "alice")
	if err != nil || !again.LastLoginAt.Equal(c.t) {
		t.Errorf("last login = %v (%v), want %v", again.LastLoginAt, err, c.t)
	}

	// Every failure reads the same, so none tells which logins exist.
	for _, tc := range []struct{ name, login, password string }{
		{"wrong password", "alice", "alice-password-124"},
		{"unknown login", "mallory", "alice-password-123"},
		{"disabled", "bob", "bob-password-123"},
		{"empty", "", ""},
		{"bad login syntax", "' OR 1=1 --", "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := s.Login(ctx, tc.login, tc.password)
			wantCode(t, err, intel.CodeUnauthorized)
			if msg := intel.ErrorMessage(err); msg != "invalid login or password" {
				t.Errorf("message = %q", msg)
			}
		})
	}

	// The session works until logout, and the CSRF token comes with it.
	gotSess, gotUser, err := s.SessionUser(ctx, token)
	if err != nil || gotUser.Login != "alice" || gotSess.CSRFToken != sess.CSRFToken {
		t.Fatalf("SessionUser = %+v, %+v, %v", gotSess, gotUser, err)
	}
	if _, _, err := s.SessionUser(ctx, token+"x"); intel.ErrorCode(err) != intel.CodeUnauthorized {
		t.Errorf("wrong token: %v, want unauthorized", err)
	}
	if err := s.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.SessionUser(ctx, token)
	wantCode(t, err, intel.CodeUnauthorized)

	// Sessions expire.
	token, _, _, err = s.Login(ctx, "alice", "alice-password-123")
	if err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(auth.DefaultSessionTTL + time.Minute)
	_, _, err = s.SessionUser(ctx, token)
	wantCode(t, err, intel.CodeUnauthorized)
}

func TestDisableEndsSessions(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	mustUser(t, s, "admin", intel.RoleAdmin)
	mustUser(t, s, "carol", intel.RoleAnalyst)
	token, _, _, err := s.Login(ctx, "carol", "carol-password-123")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetEnabled(ctx, "carol", false); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.SessionUser(ctx, token)
	wantCode(t, err, intel.CodeUnauthorized)
	if _, err := s.SetEnabled(ctx, "carol", true); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.Login(ctx, "carol", "carol-password-123"); err != nil {
		t.Errorf("login after enable: %v", err)
	}
}

func TestSetRoleAndPassword(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := mustUser(t, s, "admin", intel.RoleAdmin)
	mustUser(t, s, "dave", intel.RoleReader)

	u, err := s.SetRole(ctx, "dave", intel.RoleAnalyst)
	if err != nil || u.Role != intel.RoleAnalyst {
		t.Fatalf("SetRole = %+v, %v", u, err)
	}
	_, err = s.SetRole(ctx, "dave", "root")
	wantCode(t, err, intel.CodeInvalid)
	_, err = s.SetRole(ctx, "nobody", intel.RoleReader)
	wantCode(t, err, intel.CodeNotFound)

	// The last enabled admin stays an enabled admin.
	_, err = s.SetRole(ctx, "admin", intel.RoleReader)
	wantCode(t, err, intel.CodeConflict)
	_, err = s.SetEnabled(ctx, "admin", false)
	wantCode(t, err, intel.CodeConflict)
	if _, err := s.SetRole(ctx, "dave", intel.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetEnabled(ctx, "admin", false); err != nil {
		t.Errorf("disable one of two admins: %v", err)
	}

	// Users can be named by ID as well as login.
	if _, err := s.SetEnabled(ctx, itoa(admin.ID), true); err != nil {
		t.Errorf("enable by ID: %v", err)
	}

	_, err = s.SetPassword(ctx, "dave", "short", auth.PasswordOptions{})
	wantCode(t, err, intel.CodeInvalid)
	if _, err := s.SetPassword(ctx, "dave", "a brand new password", auth.PasswordOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.Login(ctx, "dave", "dave-password-123"); intel.ErrorCode(err) != intel.CodeUnauthorized {
		t.Errorf("old password still works: %v", err)
	}
	if _, _, _, err := s.Login(ctx, "dave", "a brand new password"); err != nil {
		t.Errorf("new password: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// login signs a user in (their password is login+"-password-123") and
// returns the plain session token and the session.
func login(t *testing.T, s *auth.Service, login string) (string, *intel.Session) {
	t.Helper()
	token, sess, _, err := s.Login(context.Background(), login, login+"-password-123")
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	return token, sess
}

func TestTokens(t *testing.T) {
	s, c := newService(t)
	ctx := context.Background()
	admin := mustUser(t, s, "admin", intel.RoleAdmin)
	erin := mustUser(t, s, "erin", intel.RoleAnalyst)
	frank := mustUser(t, s, "frank", intel.RoleReader)
	_, erinSess := login(t, s, "erin")
	_, frankSess := login(t, s, "frank")

	_, _, err := s.IssueToken(ctx, erinSess, "", auth.TokenRequest{Name: " "})
	wantCode(t, err, intel.CodeInvalid)

	plain, tok, err := s.IssueToken(ctx, erinSess, "", auth.TokenRequest{Name: "siem", Scope: intel.ScopeWrite})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^spoor_[A-Za-z0-9_-]{43}$`).MatchString(plain) {
		t.Errorf("token %q has the wrong form", plain)
	}
	if tok.Prefix != plain[:12] || tok.Hash != auth.HashToken(plain) || strings.Contains(tok.Hash, plain) {
		t.Errorf("stored token = %+v", tok)
	}
	if !tok.ExpiresAt.Equal(c.t.Add(auth.DefaultTokenTTL)) || tok.Scope != intel.ScopeWrite {
		t.Errorf("token expires %v with scope %s, want %v and write", tok.ExpiresAt, tok.Scope, c.t.Add(auth.DefaultTokenTTL))
	}
	gotTok, u, err := s.TokenUser(ctx, plain)
	if err != nil || u.ID != erin.ID || gotTok.ID != tok.ID || u.Role != intel.RoleAnalyst {
		t.Fatalf("TokenUser = %+v, %+v, %v", gotTok, u, err)
	}
	for _, bad := range []string{"", "spoor_", plain + "x", "Bearer " + plain, strings.TrimPrefix(plain, "spoor_")} {
		_, _, err := s.TokenUser(ctx, bad)
		wantCode(t, err, intel.CodeUnauthorized)
	}
	list, err := s.ListTokens(ctx, erin.ID)
	if err != nil || len(list) != 1 || list[0].Name != "siem" {
		t.Errorf("ListTokens = %+v, %v", list, err)
	}

	// Others' tokens look absent; admins may revoke any.
	err = s.RevokeToken(ctx, frank, tok.ID)
	wantCode(t, err, intel.CodeNotFound)
	if _, _, err := s.TokenUser(ctx, plain); err != nil {
		t.Fatalf("token revoked by a stranger: %v", err)
	}
	if err := s.RevokeToken(ctx, erin, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.TokenUser(ctx, plain)
	wantCode(t, err, intel.CodeUnauthorized)

	plain2, tok2, err := s.IssueToken(ctx, erinSess, "", auth.TokenRequest{Name: "second"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, admin, tok2.ID); err != nil {
		t.Fatalf("admin revoke: %v", err)
	}
	_, _, err = s.TokenUser(ctx, plain2)
	wantCode(t, err, intel.CodeUnauthorized)

	// A disabled user's tokens stop working.
	plain3, _, err := s.IssueToken(ctx, frankSess, "", auth.TokenRequest{Name: "third"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetEnabled(ctx, "frank", false); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.TokenUser(ctx, plain3)
	wantCode(t, err, intel.CodeUnauthorized)
}

// TestTokenNeedsRecentSession: a token cannot mint tokens, and a session
// must have entered its password within the last ten minutes.
func TestTokenNeedsRecentSession(t *testing.T) {
	s, c := newService(t)
	ctx := context.Background()
	mustUser(t, s, "ivy", intel.RoleAnalyst)
	token, sess := login(t, s, "ivy")
	req := auth.TokenRequest{Name: "ci"}

	_, _, err := s.IssueToken(ctx, nil, "ivy-password-123", req)
	wantCode(t, err, intel.CodeForbidden)

	c.t = c.t.Add(auth.ReauthWindow - time.Second)
	if _, _, err := s.IssueToken(ctx, sess, "", req); err != nil {
		t.Fatalf("token within the window of the sign-in: %v", err)
	}
	c.t = c.t.Add(2 * time.Second)
	_, _, err = s.IssueToken(ctx, sess, "", req)
	wantCode(t, err, intel.CodeForbidden)
	_, _, err = s.IssueToken(ctx, sess, "not my password", req)
	wantCode(t, err, intel.CodeUnauthorized)
	if _, _, err := s.IssueToken(ctx, sess, "ivy-password-123", req); err != nil {
		t.Fatalf("token with the password: %v", err)
	}
	if !sess.ReauthAt.Equal(c.t) {
		t.Errorf("session re-authenticated at %v, want %v", sess.ReauthAt, c.t)
	}
	// The re-authentication is stored with the session.
	stored, _, err := s.SessionUser(ctx, token)
	if err != nil || !stored.ReauthAt.Equal(c.t) {
		t.Errorf("stored session = %+v (%v), want it re-authenticated at %v", stored, err, c.t)
	}
	c.t = c.t.Add(time.Minute)
	if _, _, err := s.IssueToken(ctx, sess, "", req); err != nil {
		t.Errorf("token a minute after re-authenticating: %v", err)
	}
}

func TestTokenScopesAndExpiry(t *testing.T) {
	s, c, st := newServiceStore(t)
	ctx := context.Background()
	mustUser(t, s, "admin", intel.RoleAdmin)
	mustUser(t, s, "jo", intel.RoleAnalyst)
	mustUser(t, s, "kim", intel.RoleReader)
	_, adminSess := login(t, s, "admin")
	_, joSess := login(t, s, "jo")
	_, kimSess := login(t, s, "kim")

	for _, tc := range []struct {
		name  string
		sess  *intel.Session
		scope intel.TokenScope
		ttl   time.Duration
		code  string
		role  intel.Role // the role the token acts with
	}{
		{"reader read", kimSess, intel.ScopeRead, 0, "", intel.RoleReader},
		{"reader write", kimSess, intel.ScopeWrite, 0, intel.CodeForbidden, ""},
		{"analyst default", joSess, "", 0, "", intel.RoleReader},
		{"analyst write", joSess, intel.ScopeWrite, 0, "", intel.RoleAnalyst},
		{"analyst admin", joSess, intel.ScopeAdmin, 0, intel.CodeForbidden, ""},
		{"admin read", adminSess, intel.ScopeRead, 0, "", intel.RoleReader},
		{"admin write", adminSess, intel.ScopeWrite, 0, "", intel.RoleAnalyst},
		{"admin admin", adminSess, intel.ScopeAdmin, 0, "", intel.RoleAdmin},
		{"unknown scope", joSess, "root", 0, intel.CodeInvalid, ""},
		{"too long", joSess, intel.ScopeRead, auth.MaxTokenTTL + time.Hour, intel.CodeInvalid, ""},
		{"too short", joSess, intel.ScopeRead, time.Minute, intel.CodeInvalid, ""},
		{"a week", joSess, intel.ScopeRead, 7 * 24 * time.Hour, "", intel.RoleReader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain, tok, err := s.IssueToken(ctx, tc.sess, "", auth.TokenRequest{Name: tc.name, Scope: tc.scope, TTL: tc.ttl})
			wantCode(t, err, tc.code)
			if err != nil {
				return
			}
			ttl := tc.ttl
			if ttl == 0 {
				ttl = auth.DefaultTokenTTL
			}
			if !tok.ExpiresAt.Equal(c.t.Add(ttl)) {
				t.Errorf("expires %v, want %v", tok.ExpiresAt, c.t.Add(ttl))
			}
			_, u, err := s.TokenUser(ctx, plain)
			if err != nil || u.Role != tc.role {
				t.Errorf("token acts as %+v (%v), want role %s", u, err, tc.role)
			}
		})
	}

	// Expired tokens are refused, and the attempt is audited once a
	// minute at most.
	plain, tok, err := s.IssueToken(ctx, joSess, "", auth.TokenRequest{Name: "short-lived", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(time.Hour)
	for range 3 {
		_, _, err = s.TokenUser(ctx, plain)
		wantCode(t, err, intel.CodeUnauthorized)
	}
	if msg := intel.ErrorMessage(err); !strings.Contains(msg, "expired") {
		t.Errorf("message = %q, want it to say the token expired", msg)
	}
	if err := s.RevokeToken(ctx, mustFind(t, s, "jo"), tok.ID); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(auth.TokenUseEvery)
	_, _, err = s.TokenUser(ctx, plain)
	wantCode(t, err, intel.CodeUnauthorized)
	var refused []string
	page, err := st.FindAudit(ctx, intel.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Items {
		if e.Action == "token.refused" {
			if e.ObjectID != tok.ID || e.Login != "jo" {
				t.Errorf("refusal entry = %+v", e)
			}
			refused = append(refused, e.Detail)
		}
	}
	if want := []string{"short-lived (" + tok.Prefix + "): revoked", "short-lived (" + tok.Prefix + "): expired"}; !slices.Equal(refused, want) {
		t.Errorf("audited refusals = %q, want %q", refused, want)
	}
}

func mustFind(t *testing.T, s *auth.Service, ref string) *intel.User {
	t.Helper()
	u, err := s.FindUser(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// countingStore counts the writes that reach the store.
type countingStore struct {
	auth.Store
	mu     sync.Mutex
	writes map[string]int
	uses   []map[int64]time.Time
}

func (c *countingStore) count(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes[name]++
}

func (c *countingStore) RecordTokenUse(ctx context.Context, uses map[int64]time.Time) error {
	c.count("RecordTokenUse")
	c.mu.Lock()
	c.uses = append(c.uses, maps.Clone(uses))
	c.mu.Unlock()
	return c.Store.RecordTokenUse(ctx, uses)
}

func (c *countingStore) RecordAudit(ctx context.Context, e *intel.AuditEntry) error {
	c.count("RecordAudit")
	return c.Store.RecordAudit(ctx, e)
}

func (c *countingStore) UpdateUser(ctx context.Context, id int64, u intel.UserUpdate) (*intel.User, error) {
	c.count("UpdateUser")
	return c.Store.UpdateUser(ctx, id, u)
}

func (c *countingStore) ReauthSession(ctx context.Context, hash string, at time.Time) error {
	c.count("ReauthSession")
	return c.Store.ReauthSession(ctx, hash, at)
}

func (c *countingStore) RevokeAPIToken(ctx context.Context, id int64) error {
	c.count("RevokeAPIToken")
	return c.Store.RevokeAPIToken(ctx, id)
}

// TestTokenUseIsWrittenOnceAMinute: using a token writes nothing; the
// uses are flushed at most once a minute per token.
func TestTokenUseIsWrittenOnceAMinute(t *testing.T) {
	_, c, st := newServiceStore(t)
	cs := &countingStore{Store: st, writes: map[string]int{}}
	s := auth.NewService(cs, auth.Options{Now: c.now, Hash: testParams})
	ctx := context.Background()
	u := mustUser(t, s, "lee", intel.RoleAnalyst)
	_, sess := login(t, s, "lee")
	plain, tok, err := s.IssueToken(ctx, sess, "", auth.TokenRequest{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	plain2, tok2, err := s.IssueToken(ctx, sess, "", auth.TokenRequest{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	clear(cs.writes)

	start := c.t
	for i := range 100 {
		c.t = start.Add(time.Duration(i) * 500 * time.Millisecond) // 50 s of requests
		if _, _, err := s.TokenUser(ctx, plain); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.TokenUser(ctx, plain2); err != nil {
		t.Fatal(err)
	}
	if len(cs.writes) != 0 {
		t.Fatalf("using tokens wrote to the store: %v", cs.writes)
	}
	// The list shows the use before it is written.
	list, err := s.ListTokens(ctx, u.ID)
	if err != nil || len(list) != 2 || !list[1].LastUsedAt.Equal(start) {
		t.Errorf("listed tokens = %+v (%v), want %s last used at %v", list, err, tok.Name, start)
	}

	if err := s.FlushTokenUse(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.FlushTokenUse(ctx); err != nil { // nothing new: no write
		t.Fatal(err)
	}
	want := []map[int64]time.Time{{tok.ID: start, tok2.ID: c.t}}
	if !slices.EqualFunc(cs.uses, want, maps.Equal) {
		t.Errorf("written uses = %v, want %v", cs.uses, want)
	}

	// Within the minute after the first use, more uses write nothing;
	// a minute after it, one more write.
	c.t = start.Add(auth.TokenUseEvery - time.Second)
	if _, _, err := s.TokenUser(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if err := s.FlushTokenUse(ctx); err != nil {
		t.Fatal(err)
	}
	c.t = start.Add(auth.TokenUseEvery)
	if _, _, err := s.TokenUser(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if err := s.FlushTokenUse(ctx); err != nil {
		t.Fatal(err)
	}
	want = append(want, map[int64]time.Time{tok.ID: c.t})
	if !slices.EqualFunc(cs.uses, want, maps.Equal) {
		t.Errorf("written uses = %v, want %v", cs.uses, want)
	}
	stored, err := st.FindAPITokens(ctx, u.ID)
	if err != nil || !stored[1].LastUsedAt.Equal(c.t) {
		t.Errorf("stored last use = %+v (%v), want %v", stored, err, c.t)
	}
	if cs.writes["RecordTokenUse"] != 2 || len(cs.writes) != 1 {
		t.Errorf("writes = %v, want RecordTokenUse twice and nothing else", cs.writes)
	}
}

// TestPasswordChangeEndsOtherSessions: through the admin path (API, users
// page, CLI) and the user's own, a new password ends every other session.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	s, _, st := newServiceStore(t)
	ctx := context.Background()
	mustUser(t, s, "admin", intel.RoleAdmin)
	mallory := mustUser(t, s, "mo", intel.RoleAnalyst)
	live := func(token string) bool {
		_, _, err := s.SessionUser(ctx, token)
		return err == nil
	}

	// An admin (or the CLI) resets the password: every session ends.
	laptop, _ := login(t, s, "mo")
	phone, _ := login(t, s, "mo")
	adminTok, _ := login(t, s, "admin")
	if _, err := s.SetPassword(ctx, "mo", "mo-password-123", auth.PasswordOptions{}); err != nil {
		t.Fatal(err)
	}
	if live(laptop) || live(phone) || !live(adminTok) {
		t.Errorf("after a reset: laptop %v, phone %v, admin %v; want false, false, true", live(laptop), live(phone), live(adminTok))
	}

	// The user changes their own: the changing session stays.
	laptop, laptopSess := login(t, s, "mo")
	phone, _ = login(t, s, "mo")
	_, tokSess := login(t, s, "mo")
	plain, _, err := s.IssueToken(ctx, tokSess, "", auth.TokenRequest{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.ChangePassword(ctx, nil, "mo-password-123", "a new long password", false)
	wantCode(t, err, intel.CodeForbidden)
	_, err = s.ChangePassword(ctx, laptopSess, "not the password", "a new long password", false)
	wantCode(t, err, intel.CodeUnauthorized)
	_, err = s.ChangePassword(ctx, laptopSess, "mo-password-123", "short", false)
	wantCode(t, err, intel.CodeInvalid)
	if !live(phone) {
		t.Fatal("a refused change ended a session")
	}
	if _, err := s.ChangePassword(ctx, laptopSess, "mo-password-123", "a new long password", false); err != nil {
		t.Fatal(err)
	}
	if !live(laptop) || live(phone) {
		t.Errorf("after a change: laptop %v, phone %v; want true, false", live(laptop), live(phone))
	}
	if _, _, err := s.TokenUser(ctx, plain); err != nil {
		t.Errorf("a change without revoking tokens stopped a token: %v", err)
	}
	// ... and may revoke every token too.
	if _, err := s.ChangePassword(ctx, laptopSess, "a new long password", "another long password", true); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.TokenUser(ctx, plain)
	wantCode(t, err, intel.CodeUnauthorized)
	if !live(laptop) {
		t.Error("the changing session ended")
	}

	// Each change is audited, and so is the wrong current password.
	page, err := st.FindAudit(ctx, intel.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range page.Items {
		if e.ObjectKind == "user" && e.ObjectID == mallory.ID && e.Action != "user.login" {
			got = append(got, e.Action+" "+e.Detail)
		}
	}
	want := []string{
		"token.revoke_all mo: 1 tokens",
		"user.password mo: 0 other sessions ended",
		"user.password mo: 2 other sessions ended",
		"user.login_failed wrong current password",
		"user.password mo: 2 other sessions ended",
		"user.create mo (analyst)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit of mo:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoginIsAudited(t *testing.T) {
	s, _, st := newServiceStore(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{Addr: "203.0.113.9"})
	nia := mustUser(t, s, "nia", intel.RoleReader)
	mustUser(t, s, "oz", intel.RoleReader)
	if _, err := s.SetEnabled(ctx, "oz", false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ login, password string }{
		{"nia", "wrong password"}, {"nobody", "x"}, {"oz", "oz-password-123"}, {"bad\x00name<b>", "x"}, {"", ""},
	} {
		_, _, _, err := s.Login(ctx, tc.login, tc.password)
		wantCode(t, err, intel.CodeUnauthorized)
	}
	token, _, _, err := s.Login(ctx, "nia", "nia-password-123")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Logout(intel.WithActor(ctx, intel.Actor{UserID: nia.ID, Login: "nia", Addr: "203.0.113.9"}), token); err != nil {
		t.Fatal(err)
	}
	page, err := st.FindAudit(ctx, intel.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range page.Items {
		if strings.HasPrefix(e.Action, "user.log") {
			got = append(got, fmt.Sprintf("%s %s %d %q %s", e.Action, e.Login, e.ObjectID, e.Detail, e.Addr))
		}
	}
	oz := mustFind(t, s, "oz")
	want := []string{
		fmt.Sprintf(`user.logout nia %d "" 203.0.113.9`, nia.ID),
		fmt.Sprintf(`user.login nia %d "nia" 203.0.113.9`, nia.ID),
		`user.login_failed - 0 "unknown login" 203.0.113.9`,
		`user.login_failed badname<b> 0 "unknown login" 203.0.113.9`,
		fmt.Sprintf(`user.login_failed oz %d "user disabled" 203.0.113.9`, oz.ID),
		`user.login_failed nobody 0 "unknown login" 203.0.113.9`,
		fmt.Sprintf(`user.login_failed nia %d "wrong password" 203.0.113.9`, nia.ID),
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMaintainPrunesSessions(t *testing.T) {
	s, c, st := newServiceStore(t)
	ctx := context.Background()
	mustUser(t, s, "pat", intel.RoleReader)
	old, oldSess := login(t, s, "pat")
	c.t = c.t.Add(auth.DefaultSessionTTL / 2)
	fresh, _ := login(t, s, "pat")
	c.t = c.t.Add(auth.DefaultSessionTTL/2 + time.Second)
	n, err := s.Maintain(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Maintain = %d, %v; want 1 session pruned", n, err)
	}
	if _, _, err := st.FindSession(ctx, oldSess.TokenHash, oldSess.CreatedAt); intel.ErrorCode(err) != intel.CodeUnauthorized {
		t.Errorf("expired session %s still stored: %v", old[:4], err)
	}
	if _, _, err := s.SessionUser(ctx, fresh); err != nil {
		t.Errorf("live session pruned: %v", err)
	}
}

func TestEnsureAdmin(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	password, created, err := s.EnsureAdmin(ctx, "admin")
	if err != nil || !created || len(password) != auth.AdminPasswordLen {
		t.Fatalf("EnsureAdmin = %q, %v, %v", password, created, err)
	}
	if _, _, u, err := s.Login(ctx, "admin", password); err != nil || u.Role != intel.RoleAdmin {
		t.Fatalf("first admin login: %+v, %v", u, err)
	}
	password, created, err = s.EnsureAdmin(ctx, "admin")
	if err != nil || created || password != "" {
		t.Errorf("second EnsureAdmin = %q, %v, %v; want nothing created", password, created, err)
	}
}
