package main

import (
	"context"
	"fmt"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/postgres"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// openStore opens (and migrates) the configured database: this is the one
// place that chooses between the SQLite and PostgreSQL stores.
func (e *env) openStore(ctx context.Context) (*store.Store, error) {
	var (
		st  *store.Store
		err error
	)
	if e.cfg.IsPostgres() {
		st, err = postgres.Open(ctx, e.cfg.DB)
	} else {
		st, err = sqlite.Open(ctx, e.cfg.DB)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", e.cfg, err)
	}
	return st, nil
}

// authService returns the user service over st; CLI, API and pages share it.
func authService(st *store.Store) *auth.Service {
	return auth.NewService(st, auth.Options{})
}
