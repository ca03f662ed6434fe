// Package postgres opens spoor's scale-out store: PostgreSQL through the
// pgx driver's database/sql adapter, migrated on open. Several spoor
// replicas may share one database; migrations take an advisory lock.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/spoor/spoor/internal/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded schema migrations.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil { // the directory is embedded at build time
		panic(err)
	}
	return sub
}

// Open connects to the database at url (postgres://user@host/db?...),
// applies pending migrations and returns the store.
func Open(ctx context.Context, url string) (*store.Store, error) {
	db, err := connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, db, Migrations(), store.Postgres()); err != nil {
		db.Close()
		return nil, err
	}
	return store.New(db, db, store.Postgres()).WithMigrations(Migrations()), nil
}

// Inspect connects to the database at url as it is, without migrating
// it, for checks that must not change what they look at (spoor doctor).
func Inspect(ctx context.Context, url string) (*store.Store, error) {
	db, err := connect(ctx, url)
	if err != nil {
		return nil, err
	}
	return store.New(db, db, store.Postgres()).WithMigrations(Migrations()), nil
}

func connect(ctx context.Context, url string) (*sql.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	// A replica holds few connections: the server's max_connections is
	// shared by every replica and worker.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return db, nil
}
