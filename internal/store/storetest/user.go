package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

func testUsers(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 1, "admin")
	n, err := s.CountUsers(ctx)
	must(t, "count", err)
	if n != 0 {
		t.Fatalf("fresh store has %d users", n)
	}
	u := &intel.User{Login: "Alice", Role: intel.RoleAnalyst, Enabled: true, PasswordHash: "$argon2id$x"}
	must(t, "create", s.CreateUser(ctx, u))
	got, err := s.FindUserByLogin(ctx, "alice")
	must(t, "find by login", err)
	mustDiff(t, "user", u, got)
	got, err = s.FindUserByID(ctx, u.ID)
	must(t, "find by ID", err)
	mustDiff(t, "user", u, got)
	wantCode(t, "taken login (other case)", s.CreateUser(ctx, &intel.User{Login: "ALICE", Role: intel.RoleReader}), intel.CodeConflict)
	wantCode(t, "bad role", s.CreateUser(ctx, &intel.User{Login: "x", Role: "root"}), intel.CodeInvalid)
	wantCode(t, "no login", s.CreateUser(ctx, &intel.User{Role: intel.RoleReader}), intel.CodeInvalid)
	_, err = s.FindUserByLogin(ctx, "nobody")
	wantCode(t, "missing login", err, intel.CodeNotFound)
	_, err = s.FindUserByID(ctx, 999)
	wantCode(t, "missing ID", err, intel.CodeNotFound)

	must(t, "create bob", s.CreateUser(ctx, &intel.User{Login: "bob", Role: intel.RoleReader}))
	all, err := s.FindUsers(ctx)
	must(t, "find users", err)
	if len(all) != 2 || all[0].Login != "Alice" || all[1].Login != "bob" {
		t.Errorf("users = %v", all)
	}
	n, err = s.CountUsers(ctx)
	must(t, "count", err)
	if n != 2 {
		t.Errorf("CountUsers = %d, want 2", n)
	}

	role, hash := intel.RoleAdmin, "$argon2id$y"
	upd, err := s.UpdateUser(ctx, u.ID, intel.UserUpdate{Role: &role, PasswordHash: &hash})
	must(t, "update", err)
	want := *u
	want.Role, want.PasswordHash = role, hash
	mustDiff(t, "updated user", &want, upd)
	got, err = s.FindUserByID(ctx, u.ID)
	must(t, "find", err)
	mustDiff(t, "updated user read back", &want, got)
	bad := intel.Role("root")
	_, err = s.UpdateUser(ctx, u.ID, intel.UserUpdate{Role: &bad})
	wantCode(t, "bad role update", err, intel.CodeInvalid)
	_, err = s.UpdateUser(ctx, 999, intel.UserUpdate{Role: &role})
	wantCode(t, "update missing", err, intel.CodeNotFound)

	// A sign-in (a new session) is the user's last sign-in.
	at := time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)
	must(t, "session", s.CreateSession(ctx, &intel.Session{TokenHash: "hu", UserID: u.ID, CreatedAt: at, ExpiresAt: at.Add(time.Hour)}))
	got, err = s.FindUserByID(ctx, u.ID)
	must(t, "find", err)
	if !got.LastLoginAt.Equal(at) {
		t.Errorf("last sign-in = %v, want %v", got.LastLoginAt, at)
	}
}

func testSessions(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	u := &intel.User{Login: "carol", Role: intel.RoleAnalyst, Enabled: true}
	must(t, "user", s.CreateUser(ctx, u))
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	sess := &intel.Session{TokenHash: "h1", UserID: u.ID, CSRFToken: "c1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	must(t, "create", s.CreateSession(ctx, sess))
	if !sess.ReauthAt.Equal(now) {
		t.Errorf("a new session's re-authentication = %v, want its creation %v", sess.ReauthAt, now)
	}
	got, gu, err := s.FindSession(ctx, "h1", now.Add(time.Minute))
	must(t, "find", err)
	mustDiff(t, "session", sess, got)
	u.LastLoginAt = now
	mustDiff(t, "session user", u, gu)
	_, _, err = s.FindSession(ctx, "h1", now.Add(time.Hour))
	wantCode(t, "expired", err, intel.CodeUnauthorized)
	_, _, err = s.FindSession(ctx, "nope", now)
	wantCode(t, "missing", err, intel.CodeUnauthorized)
	wantCode(t, "session of a missing user", s.CreateSession(ctx, &intel.Session{TokenHash: "hx", UserID: 999, ExpiresAt: now}), intel.CodeInvalid)
	wantCode(t, "same token twice", s.CreateSession(ctx, &intel.Session{TokenHash: "h1", UserID: u.ID, ExpiresAt: now}), intel.CodeConflict)

	// Re-authentication is kept on the session.
	again := now.Add(20 * time.Minute)
	must(t, "reauth", s.ReauthSession(ctx, "h1", again))
	got, _, err = s.FindSession(ctx, "h1", now.Add(21*time.Minute))
	must(t, "find", err)
	if !got.ReauthAt.Equal(again) {
		t.Errorf("re-authenticated at %v, want %v", got.ReauthAt, again)
	}
	wantCode(t, "reauth of a missing session", s.ReauthSession(ctx, "nope", again), intel.CodeUnauthorized)

	must(t, "delete", s.DeleteSession(ctx, "h1"))
	_, _, err = s.FindSession(ctx, "h1", now)
	wantCode(t, "deleted", err, intel.CodeUnauthorized)
	must(t, "delete again", s.DeleteSession(ctx, "h1"))

	// Disabling a user ends their sessions.
	must(t, "create", s.CreateSession(ctx, &intel.Session{TokenHash: "h2", UserID: u.ID, ExpiresAt: now.Add(time.Hour)}))
	off := false
	_, err = s.UpdateUser(ctx, u.ID, intel.UserUpdate{Enabled: &off})
	must(t, "disable", err)
	_, _, err = s.FindSession(ctx, "h2", now)
	wantCode(t, "session of disabled user", err, intel.CodeUnauthorized)
	on := true
	_, err = s.UpdateUser(ctx, u.ID, intel.UserUpdate{Enabled: &on})
	must(t, "enable", err)
	_, _, err = s.FindSession(ctx, "h2", now)
	wantCode(t, "session deleted on disable stays gone", err, intel.CodeUnauthorized)

	// A session created for a disabled user is refused too.
	must(t, "disable", func() error { _, err := s.UpdateUser(ctx, u.ID, intel.UserUpdate{Enabled: &off}); return err }())
	must(t, "create", s.CreateSession(ctx, &intel.Session{TokenHash: "h3", UserID: u.ID, ExpiresAt: now.Add(time.Hour)}))
	_, _, err = s.FindSession(ctx, "h3", now)
	wantCode(t, "disabled user", err, intel.CodeUnauthorized)

	n, err := s.DeleteExpiredSessions(ctx, now.Add(2*time.Hour))
	must(t, "delete expired", err)
	if n != 1 {
		t.Errorf("deleted %d expired sessions, want 1", n)
	}
}

// testPasswordEndsSessions: a new password ends every other session of
// the user, in the same transaction, and may revoke all their tokens.
func testPasswordEndsSessions(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	u := &intel.User{Login: "gina", Role: intel.RoleAnalyst, Enabled: true, PasswordHash: "$argon2id$old"}
	other := &intel.User{Login: "hank", Role: intel.RoleAnalyst, Enabled: true}
	must(t, "user", s.CreateUser(ctx, u))
	must(t, "other user", s.CreateUser(ctx, other))
	for _, sess := range []*intel.Session{
		{TokenHash: "laptop", UserID: u.ID, ExpiresAt: now.Add(time.Hour)},
		{TokenHash: "phone", UserID: u.ID, ExpiresAt: now.Add(time.Hour)},
		{TokenHash: "stolen", UserID: u.ID, ExpiresAt: now.Add(time.Hour)},
		{TokenHash: "hank's", UserID: other.ID, ExpiresAt: now.Add(time.Hour)},
	} {
		must(t, "session", s.CreateSession(ctx, sess))
	}
	tok := &intel.APIToken{UserID: u.ID, Name: "ci", Hash: "tg1", Scope: intel.ScopeWrite, ExpiresAt: now.Add(time.Hour)}
	must(t, "token", s.CreateAPIToken(ctx, tok))
	hankTok := &intel.APIToken{UserID: other.ID, Name: "ci", Hash: "th1", Scope: intel.ScopeWrite, ExpiresAt: now.Add(time.Hour)}
	must(t, "token", s.CreateAPIToken(ctx, hankTok))

	live := func(hash string) bool {
		_, _, err := s.FindSession(ctx, hash, now)
		return err == nil
	}
	hash := "$argon2id$new"
	_, err := s.UpdateUser(ctx, u.ID, intel.UserUpdate{PasswordHash: &hash, KeepSession: "laptop"})
	must(t, "change password", err)
	for hash, want := range map[string]bool{"laptop": true, "phone": false, "stolen": false, "hank's": true} {
		if got := live(hash); got != want {
			t.Errorf("after the password change, session %s live = %v, want %v", hash, got, want)
		}
	}
	got, _, err := s.FindAPIToken(ctx, "tg1")
	must(t, "find token", err)
	if !got.RevokedAt.IsZero() {
		t.Error("a password change without RevokeTokens revoked a token")
	}

	// Without a session to keep, all end; RevokeTokens revokes the
	// user's tokens and no one else's.
	_, err = s.UpdateUser(ctx, u.ID, intel.UserUpdate{PasswordHash: &hash, RevokeTokens: true})
	must(t, "reset password", err)
	if live("laptop") {
		t.Error("a reset without KeepSession left a session alive")
	}
	for _, tc := range []struct {
		hash    string
		revoked bool
	}{{"tg1", true}, {"th1", false}} {
		got, _, err := s.FindAPIToken(ctx, tc.hash)
		must(t, "find token", err)
		if got.RevokedAt.IsZero() == tc.revoked {
			t.Errorf("token %s revoked = %v, want %v", tc.hash, !got.RevokedAt.IsZero(), tc.revoked)
		}
	}
}

// testLastAdmin: the store keeps one enabled admin, even against two
// concurrent demotions or disablings of the last two.
func testLastAdmin(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	reader, off := intel.RoleReader, false
	a := &intel.User{Login: "root1", Role: intel.RoleAdmin, Enabled: true}
	must(t, "admin", s.CreateUser(ctx, a))
	_, err := s.UpdateUser(ctx, a.ID, intel.UserUpdate{Role: &reader})
	wantCode(t, "demote the only admin", err, intel.CodeConflict)
	_, err = s.UpdateUser(ctx, a.ID, intel.UserUpdate{Enabled: &off})
	wantCode(t, "disable the only admin", err, intel.CodeConflict)
	got, err := s.FindUserByID(ctx, a.ID)
	must(t, "find", err)
	if got.Role != intel.RoleAdmin || !got.Enabled {
		t.Errorf("refused change was written: %+v", got)
	}

	changes := []struct {
		name string
		upd  intel.UserUpdate
	}{
		{"demote", intel.UserUpdate{Role: &reader}},
		{"disable", intel.UserUpdate{Enabled: &off}},
	}
	for round := range 6 {
		// Two admins; both lose the role (or are disabled) at once.
		first, second := changes[round%2], changes[(round/2)%2]
		x := &intel.User{Login: fmt.Sprintf("x%d", round), Role: intel.RoleAdmin, Enabled: true}
		y := &intel.User{Login: fmt.Sprintf("y%d", round), Role: intel.RoleAdmin, Enabled: true}
		must(t, "admin x", s.CreateUser(ctx, x))
		must(t, "admin y", s.CreateUser(ctx, y))
		// Leave x and y as the only enabled admins.
		for _, u := range mustAdmins(t, s) {
			if u.ID != x.ID && u.ID != y.ID {
				_, err := s.UpdateUser(ctx, u.ID, intel.UserUpdate{Role: &reader})
				must(t, "demote an earlier admin", err)
			}
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for i, c := range []struct {
			id  int64
			upd intel.UserUpdate
		}{{x.ID, first.upd}, {y.ID, second.upd}} {
			wg.Go(func() {
				<-start
				_, errs[i] = s.UpdateUser(ctx, c.id, c.upd)
			})
		}
		close(start)
		wg.Wait()
		ok, conflicts := 0, 0
		for _, err := range errs {
			switch intel.ErrorCode(err) {
			case "":
				ok++
			case intel.CodeConflict:
				conflicts++
			default:
				t.Errorf("round %d (%s, %s): %v", round, first.name, second.name, err)
			}
		}
		if ok != 1 || conflicts != 1 {
			t.Errorf("round %d (%s, %s): %d changes passed and %d were refused, want 1 and 1", round, first.name, second.name, ok, conflicts)
		}
		if n := len(mustAdmins(t, s)); n != 1 {
			t.Fatalf("round %d (%s, %s): %d enabled admins left, want 1", round, first.name, second.name, n)
		}
	}
}

func mustAdmins(t *testing.T, s *store.Store) []*intel.User {
	t.Helper()
	users, err := s.FindUsers(t.Context())
	must(t, "find users", err)
	var admins []*intel.User
	for _, u := range users {
		if u.Enabled && u.Role == intel.RoleAdmin {
			admins = append(admins, u)
		}
	}
	return admins
}

func testTokens(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 9, "dave")
	u := &intel.User{Login: "dave", Role: intel.RoleAnalyst, Enabled: true}
	must(t, "user", s.CreateUser(ctx, u))
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tok := &intel.APIToken{UserID: u.ID, Name: "ci", Prefix: "spr_ab", Hash: "th1", Scope: intel.ScopeRead, CreatedAt: now, ExpiresAt: now.Add(90 * 24 * time.Hour)}
	must(t, "create", s.CreateAPIToken(ctx, tok))
	tok2 := &intel.APIToken{UserID: u.ID, Name: "laptop", Prefix: "spr_cd", Hash: "th2", Scope: intel.ScopeWrite, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	must(t, "create", s.CreateAPIToken(ctx, tok2))
	wantCode(t, "same hash", s.CreateAPIToken(ctx, &intel.APIToken{UserID: u.ID, Hash: "th1", Scope: intel.ScopeRead}), intel.CodeConflict)
	wantCode(t, "no scope", s.CreateAPIToken(ctx, &intel.APIToken{UserID: u.ID, Hash: "th9"}), intel.CodeInvalid)
	wantCode(t, "unknown scope", s.CreateAPIToken(ctx, &intel.APIToken{UserID: u.ID, Hash: "th9", Scope: "root"}), intel.CodeInvalid)

	// Finding a token only reads: its use is recorded apart.
	got, gu, err := s.FindAPIToken(ctx, "th1")
	must(t, "find", err)
	mustDiff(t, "token", tok, got)
	mustDiff(t, "token user", u, gu)
	got, _, err = s.FindAPIToken(ctx, "th1")
	must(t, "find again", err)
	if !got.LastUsedAt.IsZero() {
		t.Errorf("finding a token recorded its use at %v", got.LastUsedAt)
	}
	used := now.Add(time.Minute)
	must(t, "record use", s.RecordTokenUse(ctx, map[int64]time.Time{tok.ID: used}))
	must(t, "record an older use", s.RecordTokenUse(ctx, map[int64]time.Time{tok.ID: now}))
	must(t, "record nothing", s.RecordTokenUse(ctx, nil))
	want := *tok
	want.LastUsedAt = used
	list, err := s.FindAPITokens(ctx, u.ID)
	must(t, "list", err)
	mustDiff(t, "tokens newest first", []*intel.APIToken{tok2, &want}, list)
	_, _, err = s.FindAPIToken(ctx, "nope")
	wantCode(t, "missing", err, intel.CodeUnauthorized)

	// A revoked token is still found, with its revocation: refusing it
	// (and auditing the attempt) is the caller's decision.
	must(t, "revoke", s.RevokeAPIToken(ctx, tok.ID))
	got, _, err = s.FindAPIToken(ctx, "th1")
	must(t, "find revoked", err)
	if got.RevokedAt.IsZero() {
		t.Error("revoked token found without RevokedAt")
	}
	wantCode(t, "revoke missing", s.RevokeAPIToken(ctx, 9999), intel.CodeNotFound)
	list, err = s.FindAPITokens(ctx, u.ID)
	must(t, "list", err)
	if list[1].RevokedAt.IsZero() {
		t.Error("revoked token lists without RevokedAt")
	}

	off := false
	_, err = s.UpdateUser(ctx, u.ID, intel.UserUpdate{Enabled: &off})
	must(t, "disable", err)
	_, gu, err = s.FindAPIToken(ctx, "th2")
	must(t, "find token of a disabled user", err)
	if gu.Enabled {
		t.Error("token of a disabled user comes with an enabled user")
	}
}
