package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// MaxTokenNameLen bounds the name of an API token.
const MaxTokenNameLen = 100

// IssueToken creates an API token for the user. The plain token
// (spoor_<base64url>) is returned once and never stored.
func (s *Service) IssueToken(ctx context.Context, userID int64, name string) (string, *intel.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, intel.Errorf(intel.CodeInvalid, "token name is required")
	}
	if len(name) > MaxTokenNameLen {
		return "", nil, intel.Errorf(intel.CodeInvalid, "token name must have at most %d characters", MaxTokenNameLen)
	}
	u, err := s.store.FindUserByID(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	if !u.Enabled {
		return "", nil, intel.Errorf(intel.CodeInvalid, "user %q is disabled", u.Login)
	}
	plain := TokenPrefix + randomToken()
	t := &intel.APIToken{
		UserID:    u.ID,
		Name:      name,
		Prefix:    plain[:tokenPrefixLen],
		Hash:      HashToken(plain),
		CreatedAt: s.now().UTC(),
	}
	if err := s.store.CreateAPIToken(ctx, t); err != nil {
		return "", nil, fmt.Errorf("issue token: %w", err)
	}
	return plain, t, nil
}

// ListTokens returns the user's tokens, newest first.
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]*intel.APIToken, error) {
	return s.store.FindAPITokens(ctx, userID)
}

// TokenUser returns the user of an unrevoked API token, or
// CodeUnauthorized when the token is unknown, revoked, or its user is
// disabled.
func (s *Service) TokenUser(ctx context.Context, plain string) (*intel.User, error) {
	if !IsAPIToken(plain) {
		return nil, intel.Errorf(intel.CodeUnauthorized, "invalid API token")
	}
	t, u, err := s.store.FindAPIToken(ctx, HashToken(plain), s.now().UTC())
	if err != nil {
		return nil, unauthorized(err, "invalid API token")
	}
	if !t.RevokedAt.IsZero() || !u.Enabled {
		return nil, intel.Errorf(intel.CodeUnauthorized, "invalid API token")
	}
	return u, nil
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
