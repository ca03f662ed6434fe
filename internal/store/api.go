package store

// This file fixes the store's method set: the contract the web layer, the
// CLI and the importers are written against. Bodies live in the files per
// aggregate; the stubs here panic until implemented.

import (
	"context"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// Sources.

// UpsertSource creates the source named s.Name or updates its kind, URL,
// credibility and TLP; it sets s.ID.
func (s *Store) UpsertSource(ctx context.Context, src *intel.Source) error { panic("todo") }

// FindSourceByName returns the source with that name, or CodeNotFound.
func (s *Store) FindSourceByName(ctx context.Context, name string) (*intel.Source, error) {
	panic("todo")
}

// FindSources returns all sources ordered by name.
func (s *Store) FindSources(ctx context.Context) ([]*intel.Source, error) { panic("todo") }

// Imports.

// ImportBundle writes a bundle in one transaction (upsert of its source,
// objects by StixID, relationships by StixID, documents, indicators) and
// reports what changed. progress, if not nil, is called with (done, total)
// records as the import goes.
func (s *Store) ImportBundle(ctx context.Context, b *intel.Bundle, progress func(done, total int)) (*intel.ImportStats, error) {
	panic("todo")
}

// Objects (groups, techniques, software, campaigns).

// FindObjectByID returns one object, or CodeNotFound.
func (s *Store) FindObjectByID(ctx context.Context, id int64) (*intel.Object, error) { panic("todo") }

// FindObjectByName returns the active object of that kind whose name,
// alias or external ID equals name (compared with intel.NormalizeName;
// exact name first, then external ID, then alias), or CodeNotFound.
func (s *Store) FindObjectByName(ctx context.Context, kind intel.ObjectKind, name string) (*intel.Object, error) {
	panic("todo")
}

// FindObjects lists objects by name with keyset paging.
func (s *Store) FindObjects(ctx context.Context, f intel.ObjectFilter) (intel.Page[*intel.Object], error) {
	panic("todo")
}

// CreateObject stores a new object and sets o.ID.
func (s *Store) CreateObject(ctx context.Context, o *intel.Object) error { panic("todo") }

// UpdateObject changes an object and returns it.
func (s *Store) UpdateObject(ctx context.Context, id int64, u intel.ObjectUpdate) (*intel.Object, error) {
	panic("todo")
}

// DeleteObject removes an object with its relationships.
func (s *Store) DeleteObject(ctx context.Context, id int64) error { panic("todo") }

// FindProfile returns an object with its related objects grouped by kind
// and the documents cited by it and its relationships.
func (s *Store) FindProfile(ctx context.Context, id int64) (*intel.Profile, error) { panic("todo") }

// Documents.

// FindDocumentByID returns one document with its text, or CodeNotFound.
func (s *Store) FindDocumentByID(ctx context.Context, id int64) (*intel.Document, error) {
	panic("todo")
}

// FindDocuments lists documents newest first (by ID) without their text.
func (s *Store) FindDocuments(ctx context.Context, f intel.DocumentFilter) (intel.Page[*intel.Document], error) {
	panic("todo")
}

// CreateDocument stores a document, computes its content hash and sets d.ID.
func (s *Store) CreateDocument(ctx context.Context, d *intel.Document) error { panic("todo") }

// UpdateDocument changes a document and returns it.
func (s *Store) UpdateDocument(ctx context.Context, id int64, u intel.DocumentUpdate) (*intel.Document, error) {
	panic("todo")
}

// DeleteDocument removes a document.
func (s *Store) DeleteDocument(ctx context.Context, id int64) error { panic("todo") }

// Indicators.

// FindIndicatorByID returns one indicator, or CodeNotFound.
func (s *Store) FindIndicatorByID(ctx context.Context, id int64) (*intel.Indicator, error) {
	panic("todo")
}

// FindIndicators lists indicators newest first with keyset paging.
func (s *Store) FindIndicators(ctx context.Context, f intel.IndicatorFilter) (intel.Page[*intel.Indicator], error) {
	panic("todo")
}

// CreateIndicator stores an indicator and sets i.ID; an existing (type,
// value) gives CodeConflict.
func (s *Store) CreateIndicator(ctx context.Context, i *intel.Indicator) error { panic("todo") }

// UpdateIndicator changes an indicator and returns it.
func (s *Store) UpdateIndicator(ctx context.Context, id int64, u intel.IndicatorUpdate) (*intel.Indicator, error) {
	panic("todo")
}

// DeleteIndicator removes an indicator.
func (s *Store) DeleteIndicator(ctx context.Context, id int64) error { panic("todo") }

// Search and counts.

// Search runs a ranked full-text query over documents, objects and
// indicators, best first, with highlighted snippets.
func (s *Store) Search(ctx context.Context, q intel.SearchQuery) ([]intel.SearchHit, error) {
	panic("todo")
}

// Counts returns how many active objects of each kind, documents,
// indicators, sources and users the base holds.
func (s *Store) Counts(ctx context.Context) (intel.Counts, error) { panic("todo") }

// Users, sessions, tokens, audit.

// CreateUser stores a user and sets u.ID; a taken login gives CodeConflict.
func (s *Store) CreateUser(ctx context.Context, u *intel.User) error { panic("todo") }

// CountUsers returns the number of users.
func (s *Store) CountUsers(ctx context.Context) (int, error) { panic("todo") }

// FindUserByID returns one user, or CodeNotFound.
func (s *Store) FindUserByID(ctx context.Context, id int64) (*intel.User, error) { panic("todo") }

// FindUserByLogin returns one user (login compared case-insensitively), or CodeNotFound.
func (s *Store) FindUserByLogin(ctx context.Context, login string) (*intel.User, error) {
	panic("todo")
}

// FindUsers returns all users ordered by login.
func (s *Store) FindUsers(ctx context.Context) ([]*intel.User, error) { panic("todo") }

// UpdateUser changes a user and returns it. Disabling a user also deletes
// their sessions.
func (s *Store) UpdateUser(ctx context.Context, id int64, u intel.UserUpdate) (*intel.User, error) {
	panic("todo")
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, sess *intel.Session) error { panic("todo") }

// FindSession returns the unexpired session with that token hash and its
// user, or CodeUnauthorized.
func (s *Store) FindSession(ctx context.Context, tokenHash string, now time.Time) (*intel.Session, *intel.User, error) {
	panic("todo")
}

// DeleteSession removes a session (sign-out).
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error { panic("todo") }

// CreateAPIToken stores a token and sets t.ID.
func (s *Store) CreateAPIToken(ctx context.Context, t *intel.APIToken) error { panic("todo") }

// FindAPIToken returns the unrevoked token with that hash and its user,
// and records its use, or CodeUnauthorized.
func (s *Store) FindAPIToken(ctx context.Context, hash string, now time.Time) (*intel.APIToken, *intel.User, error) {
	panic("todo")
}

// FindAPITokens returns a user's tokens, newest first.
func (s *Store) FindAPITokens(ctx context.Context, userID int64) ([]*intel.APIToken, error) {
	panic("todo")
}

// RevokeAPIToken marks a token revoked.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64) error { panic("todo") }

// FindAudit lists audit entries newest first with keyset paging.
func (s *Store) FindAudit(ctx context.Context, f intel.AuditFilter) (intel.Page[*intel.AuditEntry], error) {
	panic("todo")
}
