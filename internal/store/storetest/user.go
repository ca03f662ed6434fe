package storetest

import (
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
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

	role, hash, at := intel.RoleAdmin, "$argon2id$y", time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)
	upd, err := s.UpdateUser(ctx, u.ID, intel.UserUpdate{Role: &role, PasswordHash: &hash, LastLoginAt: &at})
	must(t, "update", err)
	want := *u
	want.Role, want.PasswordHash, want.LastLoginAt = role, hash, at
	mustDiff(t, "updated user", &want, upd)
	got, err = s.FindUserByID(ctx, u.ID)
	must(t, "find", err)
	mustDiff(t, "updated user read back", &want, got)
	bad := intel.Role("root")
	_, err = s.UpdateUser(ctx, u.ID, intel.UserUpdate{Role: &bad})
	wantCode(t, "bad role update", err, intel.CodeInvalid)
	_, err = s.UpdateUser(ctx, 999, intel.UserUpdate{Role: &role})
	wantCode(t, "update missing", err, intel.CodeNotFound)
}

func testSessions(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	u := &intel.User{Login: "carol", Role: intel.RoleAnalyst, Enabled: true}
	must(t, "user", s.CreateUser(ctx, u))
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	sess := &intel.Session{TokenHash: "h1", UserID: u.ID, CSRFToken: "c1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	must(t, "create", s.CreateSession(ctx, sess))
	got, gu, err := s.FindSession(ctx, "h1", now.Add(time.Minute))
	must(t, "find", err)
	mustDiff(t, "session", sess, got)
	mustDiff(t, "session user", u, gu)
	_, _, err = s.FindSession(ctx, "h1", now.Add(time.Hour))
	wantCode(t, "expired", err, intel.CodeUnauthorized)
	_, _, err = s.FindSession(ctx, "nope", now)
	wantCode(t, "missing", err, intel.CodeUnauthorized)
	wantCode(t, "session of a missing user", s.CreateSession(ctx, &intel.Session{TokenHash: "hx", UserID: 999, ExpiresAt: now}), intel.CodeInvalid)
	wantCode(t, "same token twice", s.CreateSession(ctx, &intel.Session{TokenHash: "h1", UserID: u.ID, ExpiresAt: now}), intel.CodeConflict)

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

func testTokens(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 9, "dave")
	u := &intel.User{Login: "dave", Role: intel.RoleAnalyst, Enabled: true}
	must(t, "user", s.CreateUser(ctx, u))
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tok := &intel.APIToken{UserID: u.ID, Name: "ci", Prefix: "spr_ab", Hash: "th1", CreatedAt: now}
	must(t, "create", s.CreateAPIToken(ctx, tok))
	tok2 := &intel.APIToken{UserID: u.ID, Name: "laptop", Prefix: "spr_cd", Hash: "th2", CreatedAt: now}
	must(t, "create", s.CreateAPIToken(ctx, tok2))
	wantCode(t, "same hash", s.CreateAPIToken(ctx, &intel.APIToken{UserID: u.ID, Hash: "th1"}), intel.CodeConflict)

	used := now.Add(time.Minute)
	got, gu, err := s.FindAPIToken(ctx, "th1", used)
	must(t, "find", err)
	want := *tok
	want.LastUsedAt = used
	mustDiff(t, "token", &want, got)
	mustDiff(t, "token user", u, gu)
	list, err := s.FindAPITokens(ctx, u.ID)
	must(t, "list", err)
	mustDiff(t, "tokens newest first", []*intel.APIToken{tok2, &want}, list)
	_, _, err = s.FindAPIToken(ctx, "nope", now)
	wantCode(t, "missing", err, intel.CodeUnauthorized)

	must(t, "revoke", s.RevokeAPIToken(ctx, tok.ID))
	_, _, err = s.FindAPIToken(ctx, "th1", now)
	wantCode(t, "revoked", err, intel.CodeUnauthorized)
	wantCode(t, "revoke missing", s.RevokeAPIToken(ctx, 9999), intel.CodeNotFound)
	list, err = s.FindAPITokens(ctx, u.ID)
	must(t, "list", err)
	if list[1].RevokedAt.IsZero() {
		t.Error("revoked token lists without RevokedAt")
	}

	off := false
	_, err = s.UpdateUser(ctx, u.ID, intel.UserUpdate{Enabled: &off})
	must(t, "disable", err)
	_, _, err = s.FindAPIToken(ctx, "th2", now)
	wantCode(t, "token of disabled user", err, intel.CodeUnauthorized)
}
