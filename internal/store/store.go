// Package store keeps spoor's intelligence base in SQL. Every query is
// written once, in the SQL that SQLite and PostgreSQL share; a small
// Dialect names the differences. store/sqlite and store/postgres open a
// database and hand back a *Store.
package store

// Store is the intelligence base over one SQL database.
type Store struct{}

// Close releases the database.
func (s *Store) Close() error { return nil }
