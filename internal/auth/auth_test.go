package auth_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// testParams keep hashing fast in tests; production uses the defaults.
var testParams = auth.HashParams{Memory: 256, Time: 1, Threads: 1}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// newService opens a fresh SQLite store in a temporary directory.
func newService(t *testing.T) (*auth.Service, *clock) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	return auth.NewService(st, auth.Options{Now: c.now, Hash: testParams}), c
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

	_, err = s.SetPassword(ctx, "dave", "short")
	wantCode(t, err, intel.CodeInvalid)
	if _, err := s.SetPassword(ctx, "dave", "a brand new password"); err != nil {
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

func TestTokens(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	admin := mustUser(t, s, "admin", intel.RoleAdmin)
	erin := mustUser(t, s, "erin", intel.RoleAnalyst)
	frank := mustUser(t, s, "frank", intel.RoleReader)

	_, _, err := s.IssueToken(ctx, erin.ID, " ")
	wantCode(t, err, intel.CodeInvalid)

	plain, tok, err := s.IssueToken(ctx, erin.ID, "siem")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^spoor_[A-Za-z0-9_-]{43}$`).MatchString(plain) {
		t.Errorf("token %q has the wrong form", plain)
	}
	if tok.Prefix != plain[:12] || tok.Hash != auth.HashToken(plain) || strings.Contains(tok.Hash, plain) {
		t.Errorf("stored token = %+v", tok)
	}
	u, err := s.TokenUser(ctx, plain)
	if err != nil || u.ID != erin.ID {
		t.Fatalf("TokenUser = %+v, %v", u, err)
	}
	for _, bad := range []string{"", "spoor_", plain + "x", "Bearer " + plain, strings.TrimPrefix(plain, "spoor_")} {
		_, err := s.TokenUser(ctx, bad)
		wantCode(t, err, intel.CodeUnauthorized)
	}
	list, err := s.ListTokens(ctx, erin.ID)
	if err != nil || len(list) != 1 || list[0].Name != "siem" {
		t.Errorf("ListTokens = %+v, %v", list, err)
	}

	// Others' tokens look absent; admins may revoke any.
	err = s.RevokeToken(ctx, frank, tok.ID)
	wantCode(t, err, intel.CodeNotFound)
	if _, err := s.TokenUser(ctx, plain); err != nil {
		t.Fatalf("token revoked by a stranger: %v", err)
	}
	if err := s.RevokeToken(ctx, erin, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.TokenUser(ctx, plain)
	wantCode(t, err, intel.CodeUnauthorized)

	plain2, tok2, err := s.IssueToken(ctx, erin.ID, "second")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, admin, tok2.ID); err != nil {
		t.Fatalf("admin revoke: %v", err)
	}
	_, err = s.TokenUser(ctx, plain2)
	wantCode(t, err, intel.CodeUnauthorized)

	// A disabled user's tokens stop working.
	plain3, _, err := s.IssueToken(ctx, frank.ID, "third")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetEnabled(ctx, "frank", false); err != nil {
		t.Fatal(err)
	}
	_, err = s.TokenUser(ctx, plain3)
	wantCode(t, err, intel.CodeUnauthorized)
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
