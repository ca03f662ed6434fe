package auth

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// MaxLoginLen bounds the length of a login.
const MaxLoginLen = 64

// CheckLogin enforces the login syntax: 1 to 64 characters from letters,
// digits and ". _ - @", starting with a letter. Starting with a letter
// keeps logins apart from numeric user IDs, so one argument can name a
// user either way.
func CheckLogin(login string) error {
	if login == "" {
		return intel.Errorf(intel.CodeInvalid, "login is required")
	}
	if len(login) > MaxLoginLen {
		return intel.Errorf(intel.CodeInvalid, "login must have at most %d characters", MaxLoginLen)
	}
	for i, r := range login {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if i == 0 && !letter {
			return intel.Errorf(intel.CodeInvalid, "login must start with a letter")
		}
		if !letter && !(r >= '0' && r <= '9') && !strings.ContainsRune("._-@", r) {
			return intel.Errorf(intel.CodeInvalid, "login may hold only letters, digits and . _ - @")
		}
	}
	return nil
}

// CreateUser adds an enabled user with the role and password.
func (s *Service) CreateUser(ctx context.Context, login string, role intel.Role, password string) (*intel.User, error) {
	login = strings.TrimSpace(login)
	if err := CheckLogin(login); err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, intel.Errorf(intel.CodeInvalid, "unknown role %q (admin, analyst or reader)", role)
	}
	if err := CheckPassword(password); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password, s.hash)
	if err != nil {
		return nil, err
	}
	u := &intel.User{Login: login, Role: role, Enabled: true, PasswordHash: hash, CreatedAt: s.now().UTC()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("create user %q: %w", login, err)
	}
	return u, nil
}

// ListUsers returns all users ordered by login.
func (s *Service) ListUsers(ctx context.Context) ([]*intel.User, error) {
	return s.store.FindUsers(ctx)
}

// FindUser returns the user named by ref: a numeric user ID or a login.
func (s *Service) FindUser(ctx context.Context, ref string) (*intel.User, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.store.FindUserByID(ctx, id)
	}
	if ref == "" {
		return nil, intel.Errorf(intel.CodeInvalid, "user login or ID is required")
	}
	return s.store.FindUserByLogin(ctx, ref)
}

// SetEnabled enables or disables the user named by ref (login or ID).
// Disabling ends the user's sessions, and the last enabled admin cannot
// be disabled, so the instance stays manageable (the store enforces both
// in its transaction).
func (s *Service) SetEnabled(ctx context.Context, ref string, enabled bool) (*intel.User, error) {
	u, err := s.FindUser(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.store.UpdateUser(ctx, u.ID, intel.UserUpdate{Enabled: &enabled})
}

// SetRole changes the role of the user named by ref (login or ID). The
// last enabled admin keeps the admin role (the store enforces it).
func (s *Service) SetRole(ctx context.Context, ref string, role intel.Role) (*intel.User, error) {
	if !role.Valid() {
		return nil, intel.Errorf(intel.CodeInvalid, "unknown role %q (admin, analyst or reader)", role)
	}
	u, err := s.FindUser(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.store.UpdateUser(ctx, u.ID, intel.UserUpdate{Role: &role})
}

// PasswordOptions say what a password change does besides the password.
type PasswordOptions struct {
	// KeepSession is the session (its token hash) that stays signed in:
	// the one a user changes their own password from. Every other
	// session of the user ends.
	KeepSession string
	// RevokeTokens revokes all the user's API tokens too.
	RevokeTokens bool
}

// SetPassword sets a new password for the user named by ref (login or
// ID), as an admin or the CLI does: it ends every session of the user but
// opts.KeepSession, in the same transaction.
func (s *Service) SetPassword(ctx context.Context, ref string, password string, opts PasswordOptions) (*intel.User, error) {
	if err := CheckPassword(password); err != nil {
		return nil, err
	}
	u, err := s.FindUser(ctx, ref)
	if err != nil {
		return nil, err
	}
	hash, err := HashPassword(password, s.hash)
	if err != nil {
		return nil, err
	}
	return s.store.UpdateUser(ctx, u.ID, intel.UserUpdate{PasswordHash: &hash,
		KeepSession: opts.KeepSession, RevokeTokens: opts.RevokeTokens})
}

// ChangePassword lets the user of a browser session change their own
// password, given the current one (a wrong one is CodeUnauthorized and
// audited). The session stays signed in, and counts as re-authenticated;
// every other session of the user ends; revokeTokens revokes all their
// API tokens too.
func (s *Service) ChangePassword(ctx context.Context, sess *intel.Session, current, password string, revokeTokens bool) (*intel.User, error) {
	if sess == nil {
		return nil, intel.Errorf(intel.CodeForbidden, "changing your password needs a signed-in browser session, not an API token")
	}
	if err := CheckPassword(password); err != nil {
		return nil, err
	}
	u, err := s.store.FindUserByID(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	if err := s.checkPassword(ctx, u, current, "wrong current password"); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password, s.hash)
	if err != nil {
		return nil, err
	}
	if u, err = s.store.UpdateUser(ctx, u.ID, intel.UserUpdate{PasswordHash: &hash, KeepSession: sess.TokenHash, RevokeTokens: revokeTokens}); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if err := s.store.ReauthSession(ctx, sess.TokenHash, now); err != nil {
		return nil, err
	}
	sess.ReauthAt = now
	return u, nil
}

// AdminPasswordLen is the length of generated passwords (the first
// admin's, GeneratePassword's).
const AdminPasswordLen = 20

// EnsureAdmin creates an admin with a random password when there is no
// user at all, so a fresh instance can be entered. It returns the
// password (to be shown once) and created=true, or created=false when
// users exist already.
func (s *Service) EnsureAdmin(ctx context.Context, login string) (password string, created bool, err error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return "", false, err
	}
	if n > 0 {
		return "", false, nil
	}
	password = randomPassword(AdminPasswordLen)
	if _, err := s.CreateUser(ctx, login, intel.RoleAdmin, password); err != nil {
		return "", false, err
	}
	return password, true, nil
}
