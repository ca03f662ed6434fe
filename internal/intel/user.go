package intel

import (
	"context"
	"time"
)

// Role is what a user may do.
type Role string

// Roles, from most to least power.
const (
	RoleAdmin   Role = "admin"   // everything, including users
	RoleAnalyst Role = "analyst" // read and write intelligence
	RoleReader  Role = "reader"  // read only
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleAnalyst, RoleReader:
		return true
	}
	return false
}

// User is a person who signs in. PasswordHash is an encoded argon2id hash
// and never leaves the server.
type User struct {
	ID           int64     `json:"id"`
	Login        string    `json:"login"`
	Role         Role      `json:"role"`
	Enabled      bool      `json:"enabled"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"` // joined on
	LastLoginAt  time.Time `json:"last_login_at,omitzero"`
}

// UserUpdate changes the fields that are set on a user. A new password
// ends every session of the user but KeepSession; RevokeTokens revokes all
// the user's API tokens. Both happen in the update's transaction.
type UserUpdate struct {
	Role         *Role   `json:"role,omitempty"`
	Enabled      *bool   `json:"enabled,omitempty"`
	PasswordHash *string `json:"-"`
	// KeepSession is the token hash of the session that changes its own
	// user's password: it stays signed in.
	KeepSession  string `json:"-"`
	RevokeTokens bool   `json:"-"`
}

// Session is a signed-in browser. The cookie holds a random token; the
// store keeps only its hash.
type Session struct {
	TokenHash string    `json:"-"`
	UserID    int64     `json:"user_id"`
	CSRFToken string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// ReauthAt is when the user last entered their password in this
	// session (signing in, or again for a sensitive step).
	ReauthAt time.Time `json:"reauth_at"`
}

// TokenScope bounds what an API token may do. A token acts with the
// lesser of its scope and its owner's role.
type TokenScope string

// Token scopes, from least to most power.
const (
	ScopeRead  TokenScope = "read"  // read and search intelligence
	ScopeWrite TokenScope = "write" // read and write intelligence
	ScopeAdmin TokenScope = "admin" // all its owner may do, users included
)

// Valid reports whether s is a known scope.
func (s TokenScope) Valid() bool {
	switch s {
	case ScopeRead, ScopeWrite, ScopeAdmin:
		return true
	}
	return false
}

// APIToken lets a program use the JSON API as a user. The store keeps only
// the token's hash; Prefix (the first characters) identifies it in lists.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Hash       string     `json:"-"`
	Scope      TokenScope `json:"scope"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt time.Time  `json:"last_used_at,omitzero"`
	RevokedAt  time.Time  `json:"revoked_at,omitzero"`
}

// AuditEntry records one write: who did what to which object, and when.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	UserID     int64     `json:"user_id,omitempty"` // 0 for the system (CLI, collectors)
	Login      string    `json:"login"`
	Action     string    `json:"action"` // e.g. "document.create"
	ObjectKind string    `json:"object_kind,omitempty"`
	ObjectID   int64     `json:"object_id,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	Addr       string    `json:"addr,omitempty"` // the client's address, for web requests
}

// AuditFilter selects audit entries, newest first, paged by keyset.
type AuditFilter struct {
	UserID int64
	After  string
	Limit  int
}

// Actor is who performs a write, and from where; the store records it in
// the audit log in the same transaction as the write.
type Actor struct {
	UserID int64
	Login  string
	Addr   string // the client's address; "" outside web requests
}

// SystemActor is the actor for writes made by the CLI and collectors.
var SystemActor = Actor{Login: "system"}

type actorKey struct{}

// WithActor returns a context that carries the actor of the writes made
// with it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor carried by ctx, or SystemActor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return SystemActor
}
