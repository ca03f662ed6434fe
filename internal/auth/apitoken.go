package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// MaxTokenNameLen bounds the name of an API token.
const MaxTokenNameLen = 100

// TokenRequest describes a token to create. A zero Scope is read; a zero
// TTL is DefaultTokenTTL.
type TokenRequest struct {
	Name  string
	Scope intel.TokenScope
	TTL   time.Duration
}

// errReauth asks for the password before a sensitive step.
func errReauth() error {
	return intel.Errorf(intel.CodeForbidden, "enter your password again: it is needed %s after signing in", ReauthWindow)
}

// IssueToken creates an API token for the user of a browser session. A
// token cannot mint tokens (sess nil is refused), so a leaked token dies
// with its revocation or expiry. The session must have entered the
// password within ReauthWindow; else password, when given, re-
// authenticates it (a wrong one is CodeUnauthorized). The scope may not
// exceed the user's role. The plain token (spoor_<base64url>) is returned
// once and never stored.
func (s *Service) IssueToken(ctx context.Context, sess *intel.Session, password string, req TokenRequest) (string, *intel.APIToken, error) {
	if sess == nil {
		return "", nil, intel.Errorf(intel.CodeForbidden, "creating an API token needs a signed-in browser session, not an API token")
	}
	u, err := s.store.FindUserByID(ctx, sess.UserID)
	if err != nil {
		return "", nil, err
	}
	return s.issue(ctx, u, req, func() error {
		if s.RecentlyAuthenticated(sess) {
			return nil
		}
		if password == "" {
			return errReauth()
		}
		return s.Reauthenticate(ctx, sess, password)
	})
}

// ListTokens returns the user's tokens, newest first, with the last uses
// not yet written.
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]*intel.APIToken, error) {
	tokens, err := s.store.FindAPITokens(ctx, userID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range tokens {
		if at := s.seen[t.ID]; at.After(t.LastUsedAt) {
			t.LastUsedAt = at
		}
	}
	return tokens, nil
}

// TokenUser returns the API token and the user it acts as, or
// CodeUnauthorized when the token is unknown, revoked or expired or its
// user disabled. The user's Role is the lesser of their role and the
// token's scope, so every role check applies the scope. The lookup only
// reads; the use is noted in memory (see FlushTokenUse). Use of a revoked
// or expired token is audited, at most once per TokenUseEvery per token.
func (s *Service) TokenUser(ctx context.Context, plain string) (*intel.APIToken, *intel.User, error) {
	if !IsAPIToken(plain) {
		return nil, nil, intel.Errorf(intel.CodeUnauthorized, "invalid API token")
	}
	t, u, err := s.store.FindAPIToken(ctx, HashToken(plain))
	if err != nil {
		return nil, nil, unauthorized(err, "invalid API token")
	}
	now := s.now().UTC()
	refuse := func(why, msg string) (*intel.APIToken, *intel.User, error) {
		if err := s.auditRefused(ctx, t, u, why, now); err != nil {
			return nil, nil, err
		}
		return nil, nil, intel.Errorf(intel.CodeUnauthorized, "%s", msg)
	}
	switch {
	case !t.RevokedAt.IsZero():
		return refuse("revoked", "invalid API token")
	case !now.Before(t.ExpiresAt):
		return refuse("expired", "API token expired; create a new one")
	case !u.Enabled:
		return refuse("user disabled", "invalid API token")
	}
	s.noteUse(t, now)
	acting := *u
	acting.Role = tokenRole(u.Role, t.Scope)
	return t, &acting, nil
}

// noteUse records a use of t at now in memory, unless one was noted (or
// stored) less than TokenUseEvery before.
func (s *Service) noteUse(t *intel.APIToken, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	last := t.LastUsedAt
	if at := s.seen[t.ID]; at.After(last) {
		last = at
	}
	if now.Sub(last) < TokenUseEvery {
		return
	}
	s.seen[t.ID] = now
	s.pending[t.ID] = now
	t.LastUsedAt = now
}

// auditRefused audits a refused use of t, unless one was audited less
// than TokenUseEvery before: a client retrying a dead token in a loop
// must not flood the log.
func (s *Service) auditRefused(ctx context.Context, t *intel.APIToken, u *intel.User, why string, now time.Time) error {
	s.mu.Lock()
	if now.Sub(s.refused[t.ID]) < TokenUseEvery {
		s.mu.Unlock()
		return nil
	}
	s.refused[t.ID] = now
	s.mu.Unlock()
	err := s.store.RecordAudit(ctx, &intel.AuditEntry{UserID: u.ID, Login: u.Login, Action: "token.refused",
		ObjectKind: "token", ObjectID: t.ID, Detail: fmt.Sprintf("%s (%s): %s", t.Name, t.Prefix, why)})
	if err != nil {
		return fmt.Errorf("audit refused token: %w", err)
	}
	return nil
}

// FlushTokenUse writes the token uses noted since the last flush, in one
// transaction. spoor serve calls it every minute and when it stops; uses
// that fail to be written are kept for the next flush.
func (s *Service) FlushTokenUse(ctx context.Context) error {
	s.mu.Lock()
	uses := s.pending
	s.pending = map[int64]time.Time{}
	s.mu.Unlock()
	if len(uses) == 0 {
		return nil
	}
	err := s.store.RecordTokenUse(ctx, uses)
	if err != nil {
		s.mu.Lock()
		for id, at := range uses {
			if at.After(s.pending[id]) {
				s.pending[id] = at
			}
		}
		s.mu.Unlock()
	}
	return err
}

// Maintain does the periodic work of the service: it writes noted token
// uses and deletes expired sessions, returning how many it deleted.
func (s *Service) Maintain(ctx context.Context) (int64, error) {
	flushErr := s.FlushTokenUse(ctx)
	now := s.now().UTC()
	s.mu.Lock()
	for id, at := range s.refused {
		if now.Sub(at) >= TokenUseEvery {
			delete(s.refused, id)
		}
	}
	s.mu.Unlock()
	n, err := s.store.DeleteExpiredSessions(ctx, now)
	return n, errors.Join(flushErr, err)
}

// RevokeToken revokes a token. Users may revoke their own tokens; admins
// may revoke anyone's. Someone else's token is reported as not found, so
// token IDs reveal nothing.
func (s *Service) RevokeToken(ctx context.Context, acting *intel.User, tokenID int64) error {
	if acting == nil {
		return intel.Errorf(intel.CodeUnauthorized, "not signed in")
	}
	if !Can(acting.Role, ManageUsers) {
		tokens, err := s.store.FindAPITokens(ctx, acting.ID)
		if err != nil {
			return err
		}
		own := false
		for _, t := range tokens {
			own = own || t.ID == tokenID
		}
		if !own {
			return intel.Errorf(intel.CodeNotFound, "no API token %d", tokenID)
		}
	}
	return s.store.RevokeAPIToken(ctx, tokenID)
}

// RevokeAllTokens revokes every API token of the user.
func (s *Service) RevokeAllTokens(ctx context.Context, userID int64) error {
	_, err := s.store.UpdateUser(ctx, userID, intel.UserUpdate{RevokeTokens: true})
	return err
}

// IssueHostToken creates an API token for the user called login, for an
// operator at the server host (spoor token add): whoever can run spoor
// there holds the database already, so no session or password is asked.
// The rules of IssueToken hold otherwise: a name, a scope no more than the
// role, a life of 1 hour to MaxTokenTTL, an enabled user. The creation is
// audited as the ctx actor. The plain token is returned once.
func (s *Service) IssueHostToken(ctx context.Context, login string, req TokenRequest) (string, *intel.APIToken, error) {
	u, err := s.store.FindUserByLogin(ctx, login)
	if err != nil {
		return "", nil, err
	}
	if strings.TrimSpace(req.Name) == "" {
		req.Name = "spoor token add"
	}
	return s.issue(ctx, u, req, nil)
}

// issue checks req for u, then runs check (the session's password, when
// not nil), and stores the new token.
func (s *Service) issue(ctx context.Context, u *intel.User, req TokenRequest, check func() error) (string, *intel.APIToken, error) {
	name := strings.TrimSpace(req.Name)
	if name == "" {
		return "", nil, intel.Errorf(intel.CodeInvalid, "token name is required")
	}
	if len(name) > MaxTokenNameLen {
		return "", nil, intel.Errorf(intel.CodeInvalid, "token name must have at most %d characters", MaxTokenNameLen)
	}
	scope, ttl := req.Scope, req.TTL
	if scope == "" {
		scope = intel.ScopeRead
	}
	if !scope.Valid() {
		return "", nil, intel.Errorf(intel.CodeInvalid, "unknown token scope %q (read, write or admin)", scope)
	}
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	if ttl < time.Hour || ttl > MaxTokenTTL {
		return "", nil, intel.Errorf(intel.CodeInvalid, "a token lives from 1 hour to %d days", MaxTokenTTL/(24*time.Hour))
	}
	if !u.Enabled {
		return "", nil, intel.Errorf(intel.CodeInvalid, "user %q is disabled", u.Login)
	}
	if !ScopeFits(u.Role, scope) {
		return "", nil, intel.Errorf(intel.CodeForbidden, "role %s may not hold a token of scope %s", u.Role, scope)
	}
	if check != nil {
		if err := check(); err != nil {
			return "", nil, err
		}
	}
	now := s.now().UTC()
	plain := TokenPrefix + randomToken()
	t := &intel.APIToken{
		UserID:    u.ID,
		Name:      name,
		Prefix:    plain[:tokenPrefixLen],
		Hash:      HashToken(plain),
		Scope:     scope,
		CreatedAt: now,
		ExpiresAt: now.Add(ttl),
	}
	if err := s.store.CreateAPIToken(ctx, t); err != nil {
		return "", nil, fmt.Errorf("issue token: %w", err)
	}
	return plain, t, nil
}

// HostToken is a token as the server host lists it: with its owner and
// its state.
type HostToken struct {
	*intel.APIToken
	Login  string `json:"login"`
	Status string `json:"status"` // active, expired or revoked
}

// TokenStatus says whether t is active, expired or revoked at now.
func TokenStatus(t *intel.APIToken, now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "revoked"
	case !now.Before(t.ExpiresAt):
		return "expired"
	}
	return "active"
}

// ListHostTokens returns the tokens of the user called login, or of every
// user when login is empty, by user then newest first (spoor token list).
func (s *Service) ListHostTokens(ctx context.Context, login string) ([]HostToken, error) {
	var users []*intel.User
	if login != "" {
		u, err := s.store.FindUserByLogin(ctx, login)
		if err != nil {
			return nil, err
		}
		users = []*intel.User{u}
	} else {
		var err error
		if users, err = s.store.FindUsers(ctx); err != nil {
			return nil, err
		}
	}
	now := s.now().UTC()
	var out []HostToken
	for _, u := range users {
		tokens, err := s.ListTokens(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range tokens {
			out = append(out, HostToken{APIToken: t, Login: u.Login, Status: TokenStatus(t, now)})
		}
	}
	return out, nil
}

// RevokeHostToken revokes any token by its ID, for an operator at the
// server host (spoor token revoke), or gives CodeNotFound.
func (s *Service) RevokeHostToken(ctx context.Context, tokenID int64) error {
	return s.store.RevokeAPIToken(ctx, tokenID)
}
