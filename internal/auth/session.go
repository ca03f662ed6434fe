package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// errBadLogin is the one answer to a failed login, whatever failed, so
// that it tells an attacker nothing about which logins exist.
func errBadLogin() error {
	return intel.Errorf(intel.CodeUnauthorized, "invalid login or password")
}

// Login checks a login and password and opens a session. It returns the
// plain session token (for the cookie; only its hash is stored), the
// session with its CSRF token, and the user. Unknown logins, wrong
// passwords and disabled users all give the same CodeUnauthorized error,
// and all cost one password hash.
func (s *Service) Login(ctx context.Context, login, password string) (string, *intel.Session, *intel.User, error) {
	login = strings.TrimSpace(login)
	var u *intel.User
	if CheckLogin(login) == nil && len(password) <= MaxPasswordLen {
		found, err := s.store.FindUserByLogin(ctx, login)
		switch {
		case err == nil:
			u = found
		case intel.ErrorCode(err) != intel.CodeNotFound:
			return "", nil, nil, err
		}
	}
	if u == nil {
		// Spend the time a real check takes.
		_, _ = VerifyPassword(s.dummyHash(), password)
		return "", nil, nil, errBadLogin()
	}
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return "", nil, nil, fmt.Errorf("login %q: %w", u.Login, err)
	}
	if !ok || !u.Enabled {
		return "", nil, nil, errBadLogin()
	}

	now := s.now().UTC()
	token := randomToken()
	sess := &intel.Session{
		TokenHash: HashToken(token),
		UserID:    u.ID,
		CSRFToken: randomToken(),
		CreatedAt: now,
		ExpiresAt: now.Add(s.sessionTTL),
	}
	actx := intel.WithActor(ctx, intel.Actor{UserID: u.ID, Login: u.Login})
	if err := s.store.CreateSession(actx, sess); err != nil {
		return "", nil, nil, fmt.Errorf("login %q: %w", u.Login, err)
	}
	if _, err := s.store.UpdateUser(actx, u.ID, intel.UserUpdate{LastLoginAt: &now}); err != nil {
		return "", nil, nil, fmt.Errorf("login %q: %w", u.Login, err)
	}
	u.LastLoginAt = now
	return token, sess, u, nil
}

func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		h, err := HashPassword(randomToken(), s.hash)
		if err != nil {
			panic(err) // crypto/rand does not fail
		}
		s.dummy = h
	})
	return s.dummy
}

// Logout ends the session with that plain token. An unknown token is not
// an error: the outcome is the same.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	err := s.store.DeleteSession(ctx, HashToken(token))
	if intel.ErrorCode(err) == intel.CodeNotFound {
		return nil
	}
	return err
}

// SessionUser returns the live session with that plain token and its
// user, or CodeUnauthorized when the session is unknown or expired or the
// user is disabled.
func (s *Service) SessionUser(ctx context.Context, token string) (*intel.Session, *intel.User, error) {
	if token == "" {
		return nil, nil, intel.Errorf(intel.CodeUnauthorized, "not signed in")
	}
	sess, u, err := s.store.FindSession(ctx, HashToken(token), s.now().UTC())
	if err != nil {
		return nil, nil, unauthorized(err, "session expired; sign in again")
	}
	if !u.Enabled {
		return nil, nil, intel.Errorf(intel.CodeUnauthorized, "session expired; sign in again")
	}
	return sess, u, nil
}

// unauthorized turns a not-found or unauthorized store answer into
// CodeUnauthorized with msg, and passes other errors on.
func unauthorized(err error, msg string) error {
	switch intel.ErrorCode(err) {
	case intel.CodeNotFound, intel.CodeUnauthorized:
		return &intel.Error{Code: intel.CodeUnauthorized, Message: msg}
	}
	return fmt.Errorf("auth: %w", err)
}
