package main

import (
	"context"
	"fmt"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/postgres"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// openStore opens (and migrates) the configured database.
func (e *env) openStore(ctx context.Context) (*store.Store, error) {
	return openDB(ctx, e.cfg.DB)
}

// openDB opens (and migrates) the database db names, a SQLite file or a
// postgres:// URL: this is the one place that chooses between the SQLite
// and PostgreSQL stores.
func openDB(ctx context.Context, db string) (*store.Store, error) {
	return chooseStore(ctx, db, sqlite.Open, postgres.Open)
}

// inspectDB opens the database db names as it is, without migrating it
// or creating it, for commands that must not change what they read
// (doctor, backup, the source of migrate).
func inspectDB(ctx context.Context, db string) (*store.Store, error) {
	return chooseStore(ctx, db, sqlite.Inspect, postgres.Inspect)
}

type opener func(ctx context.Context, db string) (*store.Store, error)

func chooseStore(ctx context.Context, db string, lite, pg opener) (*store.Store, error) {
	c := config.Config{DB: db}
	open := lite
	if c.IsPostgres() {
		open = pg
	}
	st, err := open(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", config.RedactDB(db), err)
	}
	return st, nil
}

// authService returns the user service over st; CLI, API and pages share it.
func authService(st *store.Store) *auth.Service {
	return auth.NewService(st, auth.Options{})
}
