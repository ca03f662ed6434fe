// Package auth decides who may use spoor and what they may do: argon2id
// password hashes, browser sessions, API tokens and roles.
//
// Service is the one code path for user management; the web pages, the
// JSON API and the CLI all call it. The package speaks neither HTTP nor
// SQL: it declares the narrow Store it needs, and cmd/spoor wires in the
// real store.
package auth

import (
	"context"
	"sync"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// Store is what auth needs from storage. Writes carry the actor in their
// context (intel.WithActor) so the store can audit them.
type Store interface {
	CreateUser(ctx context.Context, u *intel.User) error
	CountUsers(ctx context.Context) (int, error)
	FindUserByID(ctx context.Context, id int64) (*intel.User, error)
	FindUserByLogin(ctx context.Context, login string) (*intel.User, error)
	FindUsers(ctx context.Context) ([]*intel.User, error)
	// UpdateUser keeps one enabled admin, ends sessions on a new password
	// and revokes tokens, in its own transaction (see intel.UserUpdate).
	UpdateUser(ctx context.Context, id int64, u intel.UserUpdate) (*intel.User, error)

	CreateSession(ctx context.Context, sess *intel.Session) error
	FindSession(ctx context.Context, tokenHash string, now time.Time) (*intel.Session, *intel.User, error)
	ReauthSession(ctx context.Context, tokenHash string, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	CreateAPIToken(ctx context.Context, t *intel.APIToken) error
	FindAPIToken(ctx context.Context, hash string) (*intel.APIToken, *intel.User, error)
	FindAPITokens(ctx context.Context, userID int64) ([]*intel.APIToken, error)
	RevokeAPIToken(ctx context.Context, id int64) error
	RecordTokenUse(ctx context.Context, uses map[int64]time.Time) error

	RecordAudit(ctx context.Context, e *intel.AuditEntry) error
}

// Lifetimes.
const (
	// DefaultSessionTTL is how long a browser session lasts when Options
	// leaves it unset.
	DefaultSessionTTL = 7 * 24 * time.Hour
	// ReauthWindow is how long after entering their password a user may
	// create API tokens without entering it again.
	ReauthWindow = 10 * time.Minute
	// DefaultTokenTTL and MaxTokenTTL bound the life of an API token.
	DefaultTokenTTL = 90 * 24 * time.Hour
	MaxTokenTTL     = 366 * 24 * time.Hour
	// TokenUseEvery is how often at most a token's last-used time is
	// written, and a refused token's use audited.
	TokenUseEvery = time.Minute
)

// Options tunes a Service. The zero value is ready for production.
type Options struct {
	// Now is the clock; time.Now when nil. Tests inject a fixed clock.
	Now func() time.Time
	// Hash are the argon2id parameters for new hashes; DefaultHashParams
	// when zero. Tests use little memory to stay fast.
	Hash HashParams
	// SessionTTL is the lifetime of a session; DefaultSessionTTL when zero.
	SessionTTL time.Duration
}

// Service manages users, sessions and API tokens.
type Service struct {
	store      Store
	now        func() time.Time
	hash       HashParams
	sessionTTL time.Duration

	// dummy is a hash verified when a login is unknown, so that an
	// attacker cannot tell unknown logins from wrong passwords by timing.
	dummyOnce sync.Once
	dummy     string

	// Token use is kept in memory and written by FlushTokenUse, so that
	// an API request costs no write: seen is the last use noted per
	// token ID, pending the uses not yet written, refused the last audit
	// of a refused (revoked, expired) token.
	mu      sync.Mutex
	seen    map[int64]time.Time
	pending map[int64]time.Time
	refused map[int64]time.Time
}

// NewService returns a Service over store.
func NewService(store Store, opts Options) *Service {
	s := &Service{store: store, now: opts.Now, hash: opts.Hash, sessionTTL: opts.SessionTTL,
		seen: map[int64]time.Time{}, pending: map[int64]time.Time{}, refused: map[int64]time.Time{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.hash == (HashParams{}) {
		s.hash = DefaultHashParams
	}
	if s.sessionTTL <= 0 {
		s.sessionTTL = DefaultSessionTTL
	}
	return s
}

// Permission is something a role may be allowed to do.
type Permission int

// Permissions.
const (
	ReadIntel   Permission = iota + 1 // read the intelligence base and search it
	WriteIntel                        // create, change and delete intelligence
	ManageUsers                       // manage users and read the audit log
)

func (p Permission) String() string {
	switch p {
	case ReadIntel:
		return "read intel"
	case WriteIntel:
		return "write intel"
	case ManageUsers:
		return "manage users"
	}
	return "unknown permission"
}

// Can reports whether role has permission p: an admin may do everything,
// an analyst may read and write intelligence, a reader may only read.
// Unknown roles may do nothing.
func Can(role intel.Role, p Permission) bool {
	switch role {
	case intel.RoleAdmin:
		return p == ReadIntel || p == WriteIntel || p == ManageUsers
	case intel.RoleAnalyst:
		return p == ReadIntel || p == WriteIntel
	case intel.RoleReader:
		return p == ReadIntel
	}
	return false
}

// scopeRole is the role whose permissions a token scope allows at most:
// read as a reader, write as an analyst, admin as an admin.
func scopeRole(sc intel.TokenScope) intel.Role {
	switch sc {
	case intel.ScopeRead:
		return intel.RoleReader
	case intel.ScopeWrite:
		return intel.RoleAnalyst
	case intel.ScopeAdmin:
		return intel.RoleAdmin
	}
	return ""
}

// rank orders roles by power; unknown roles rank lowest.
func rank(r intel.Role) int {
	switch r {
	case intel.RoleReader:
		return 1
	case intel.RoleAnalyst:
		return 2
	case intel.RoleAdmin:
		return 3
	}
	return 0
}

// ScopeCan reports whether a token of scope sc may be used for p (its
// owner's role must allow p too).
func ScopeCan(sc intel.TokenScope, p Permission) bool { return Can(scopeRole(sc), p) }

// ScopeFits reports whether a user of the role may hold a token of scope
// sc: never more than the role.
func ScopeFits(role intel.Role, sc intel.TokenScope) bool {
	return sc.Valid() && rank(role) > 0 && rank(scopeRole(sc)) <= rank(role)
}

// Scopes returns the scopes a user of the role may give a token, least
// first.
func Scopes(role intel.Role) []intel.TokenScope {
	var out []intel.TokenScope
	for _, sc := range []intel.TokenScope{intel.ScopeRead, intel.ScopeWrite, intel.ScopeAdmin} {
		if ScopeFits(role, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// tokenRole is the role a token acts with: the lesser of its owner's role
// and its scope's.
func tokenRole(role intel.Role, sc intel.TokenScope) intel.Role {
	if r := scopeRole(sc); rank(r) < rank(role) {
		return r
	}
	return role
}
