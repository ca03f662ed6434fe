// Package store keeps spoor's intelligence base in SQL. Every query is
// written once, in the SQL that SQLite and PostgreSQL share; a small
// Dialect names the differences. store/sqlite and store/postgres open a
// database and hand back a *Store.
//
// Conventions shared by every table: times are UTC unix milliseconds in
// BIGINT columns (0 = unknown), IDs are int64 returned by RETURNING,
// booleans are 0/1 integers and lists are JSON text, so one query text
// serves both engines.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"
)

// Store is the intelligence base over one SQL database.
type Store struct {
	db   *sql.DB // writes (and reads that must see them inside a tx)
	rdb  *sql.DB // reads; the same pool as db unless the engine has one writer
	d    Dialect
	now  func() time.Time
	lims limits
	// migrations are the schema migrations this binary knows, for
	// SchemaStatus (set by the opener through WithMigrations).
	migrations fs.FS
	// running are the collection runs this process started through this
	// store and has not finished: StartRun asks it, not the PID, whether
	// a run of its own process is still going.
	running sync.Map // run ID → struct{}
	// iocPhases, when set, adds up the phases of indicator imports
	// (TimeIOCImports, benchmarks).
	iocPhases *IOCPhases
	// secrets seals secret source options (UseSecrets); nil refuses them.
	secrets Secrets
	// cache holds figures kept until the data generation moves
	// (generation.go).
	cache *caches
}

type limits struct {
	progressEvery int
	iocChunkRows  int // input rows per run of ImportIndicators; 0: iocChunkRows
}

// New returns a Store over write and read pools. read may be nil or the
// same pool as write; SQLite passes a separate read pool so that readers
// never queue behind its single writer connection.
func New(write, read *sql.DB, d Dialect) *Store {
	if read == nil {
		read = write
	}
	return &Store{db: write, rdb: read, d: d, now: time.Now, lims: limits{progressEvery: 500}, cache: &caches{}}
}

// WithMigrations records the migrations the binary knows (those the
// opener applied), so that SchemaStatus and Ready can compare them with
// the database's. It returns s.
func (s *Store) WithMigrations(fsys fs.FS) *Store {
	s.migrations = fsys
	return s
}

// Dialect returns the dialect the store speaks.
func (s *Store) Dialect() Dialect { return s.d }

// ReadPoolSize is how many connections the read pool opens at most: the
// web server runs as many read requests at once.
func (s *Store) ReadPoolSize() int { return s.rdb.Stats().MaxOpenConnections }

// DB returns the write pool, for tools such as migration status.
func (s *Store) DB() *sql.DB { return s.db }

// Close releases the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.rdb != s.db {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// querier is what the unexported helpers need: a *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func (s *Store) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, s.d.Rebind(query), args...)
}

func (s *Store) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	return q.QueryContext(ctx, s.d.Rebind(query), args...)
}

func (s *Store) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	return q.QueryRowContext(ctx, s.d.Rebind(query), args...)
}

func (s *Store) prepare(ctx context.Context, q querier, query string) (*sql.Stmt, error) {
	return q.PrepareContext(ctx, s.d.Rebind(query))
}

// inTx runs fn in a write transaction, committing when it returns nil and
// rolling back otherwise, so a failed write leaves the base as it was.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", s.d.MapError(err))
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the error from fn is the one that matters
		return err
	}
	if err := s.bumpGeneration(ctx, tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", s.d.MapError(err))
	}
	return nil
}

// wrap adds the store's context to err and maps engine errors (unique
// violations) to intel codes.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: %s: %w", op, s.d.MapError(err))
}
