package auth

import (
	"context"
	"fmt"
	"strings"
	"unicode"

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
// and all cost one password hash. Every failure is audited
// (user.login_failed, with the login tried; the address comes from the
// ctx actor), and so is the sign-in (user.login, by the store).
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
		return "", nil, nil, s.loginFailed(ctx, nil, login, "unknown login")
	}
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return "", nil, nil, fmt.Errorf("login %q: %w", u.Login, err)
	}
	switch {
	case !ok:
		return "", nil, nil, s.loginFailed(ctx, u, login, "wrong password")
	case !u.Enabled:
		return "", nil, nil, s.loginFailed(ctx, u, login, "user disabled")
	}

	now := s.now().UTC()
	token := randomToken()
	sess := &intel.Session{
		TokenHash: HashToken(token),
		UserID:    u.ID,
		CSRFToken: randomToken(),
		CreatedAt: now,
		ExpiresAt: now.Add(s.sessionTTL),
		ReauthAt:  now,
	}
	actor := intel.ActorFrom(ctx)
	actor.UserID, actor.Login = u.ID, u.Login
	if err := s.store.CreateSession(intel.WithActor(ctx, actor), sess); err != nil {
		return "", nil, nil, fmt.Errorf("login %q: %w", u.Login, err)
	}
	u.LastLoginAt = now
	return token, sess, u, nil
}

// loginFailed audits a failed password check and returns errBadLogin.
// The entry names the login tried (printable, at most MaxLoginLen
// characters) and, when it exists, the user as the object: the actor is
// whoever tried, not the user.
func (s *Service) loginFailed(ctx context.Context, u *intel.User, tried, why string) error {
	e := &intel.AuditEntry{Action: "user.login_failed", Login: printable(tried, MaxLoginLen), ObjectKind: "user", Detail: why}
	if e.Login == "" {
		e.Login = "-" // an empty login would be taken for the actor's
	}
	if u != nil {
		e.ObjectID = u.ID
	}
	if err := s.store.RecordAudit(ctx, e); err != nil {
		return fmt.Errorf("audit failed login: %w", err)
	}
	return errBadLogin()
}

// printable keeps the first n printable runes of s.
func printable(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if n == 0 {
			break
		}
		if unicode.IsPrint(r) {
			b.WriteRune(r)
			n--
		}
	}
	return b.String()
}

// RecentlyAuthenticated reports whether the session's user entered their
// password within ReauthWindow.
func (s *Service) RecentlyAuthenticated(sess *intel.Session) bool {
	return sess != nil && s.now().Sub(sess.ReauthAt) <= ReauthWindow
}

// Reauthenticate checks the password of the session's user and records
// the time on the session (and in sess). A wrong password is
// CodeUnauthorized and audited as a failed sign-in.
func (s *Service) Reauthenticate(ctx context.Context, sess *intel.Session, password string) error {
	if sess == nil {
		return intel.Errorf(intel.CodeForbidden, "this needs a signed-in browser session")
	}
	u, err := s.store.FindUserByID(ctx, sess.UserID)
	if err != nil {
		return err
	}
	if err := s.checkPassword(ctx, u, password, "wrong password (re-authentication)"); err != nil {
		return err
	}
	now := s.now().UTC()
	if err := s.store.ReauthSession(ctx, sess.TokenHash, now); err != nil {
		return err
	}
	sess.ReauthAt = now
	return nil
}

// checkPassword verifies the password of a signed-in user; a wrong one is
// audited and CodeUnauthorized.
func (s *Service) checkPassword(ctx context.Context, u *intel.User, password, why string) error {
	ok := false
	if len(password) <= MaxPasswordLen {
		var err error
		if ok, err = VerifyPassword(u.PasswordHash, password); err != nil {
			return fmt.Errorf("check password of %q: %w", u.Login, err)
		}
	}
	if !ok {
		e := &intel.AuditEntry{Action: "user.login_failed", UserID: u.ID, Login: u.Login, ObjectKind: "user", ObjectID: u.ID, Detail: why}
		if err := s.store.RecordAudit(ctx, e); err != nil {
			return fmt.Errorf("audit failed password check: %w", err)
		}
		return intel.Errorf(intel.CodeUnauthorized, "wrong password")
	}
	return nil
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

// Logout ends the session with that plain token; the store audits it. An
// unknown token is not an error: the outcome is the same.
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
