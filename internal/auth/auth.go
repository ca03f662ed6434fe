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
	UpdateUser(ctx context.Context, id int64, u intel.UserUpdate) (*intel.User, error)

	CreateSession(ctx context.Context, sess *intel.Session) error
	FindSession(ctx context.Context, tokenHash string, now time.Time) (*intel.Session, *intel.User, error)
	DeleteSession(ctx context.Context, tokenHash string) error

	CreateAPIToken(ctx context.Context, t *intel.APIToken) error
	FindAPIToken(ctx context.Context, hash string, now time.Time) (*intel.APIToken, *intel.User, error)
	FindAPITokens(ctx context.Context, userID int64) ([]*intel.APIToken, error)
	RevokeAPIToken(ctx context.Context, id int64) error
}

// DefaultSessionTTL is how long a browser session lasts when Options
// leaves it unset.
const DefaultSessionTTL = 7 * 24 * time.Hour

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
}

// NewService returns a Service over store.
func NewService(store Store, opts Options) *Service {
	s := &Service{store: store, now: opts.Now, hash: opts.Hash, sessionTTL: opts.SessionTTL}
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
