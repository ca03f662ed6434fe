package main

import (
	"context"
	"fmt"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/secret"
	"github.com/spoor/spoor/internal/secret/keyfile"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/postgres"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// openStore opens (and migrates) the configured database with the keys
// of its secrets, and seals the secrets an older spoor stored in plain
// text.
func (e *env) openStore(ctx context.Context) (*store.Store, error) {
	st, err := e.openStoreWithKeys(ctx)
	if err != nil {
		return nil, err
	}
	// Sealing needs a key: a store without one (PostgreSQL before
	// SPOOR_SECRET_KEY is set) still opens, and says so each time.
	if n, err := st.SealPlainSecrets(ctx); err != nil {
		e.logger().Warn("secrets stay in plain text: they cannot be sealed", "err", err)
	} else if n > 0 {
		e.logger().Info("sealed secrets stored in plain text", "count", n, "key", e.keys.Source())
	}
	return st, nil
}

// openStoreWithKeys opens the configured database and gives it its keys,
// changing nothing (spoor secrets status reports what it finds).
func (e *env) openStoreWithKeys(ctx context.Context) (*store.Store, error) {
	st, err := openDB(ctx, e.cfg.DB)
	if err != nil {
		return nil, err
	}
	keys, err := e.secretKeys(ctx, st, true)
	if err != nil {
		st.Close()
		return nil, err
	}
	e.keys = keys
	st.UseSecrets(e.keys)
	return st, nil
}

// secretKeys returns the keys of st's secrets as the configuration names
// them. With create, the key file beside a SQLite database may be made
// when the first secret is sealed; once one is, a missing file is an
// error to report, not a reason for a new key.
func (e *env) secretKeys(ctx context.Context, st *store.Store, create bool) (*keyfile.Keys, error) {
	kc := keyfile.Config{Env: e.cfg.SecretKey, File: e.cfg.SecretKeyFile}
	if kc.File == "" && !e.cfg.IsPostgres() && e.cfg.DB != ":memory:" {
		stored, err := st.FindSecrets(ctx)
		if err != nil {
			return nil, err
		}
		kc.File, kc.Create = keyfile.Beside(e.cfg.DB), create && !anySealed(stored)
	}
	return keyfile.New(kc), nil
}

func anySealed(stored []secret.Stored) bool {
	for _, s := range stored {
		if secret.IsSealed(s.Value) {
			return true
		}
	}
	return false
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
