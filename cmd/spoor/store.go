package main

import (
	"context"
	"fmt"

	"github.com/spoor/spoor/internal/auth"
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
// changing nothing (spoor secrets status reports what it finds). This is
// the one place that chooses between the SQLite and PostgreSQL stores.
func (e *env) openStoreWithKeys(ctx context.Context) (*store.Store, error) {
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
	kc := keyfile.Config{Env: e.cfg.SecretKey, File: e.cfg.SecretKeyFile}
	if kc.File == "" && !e.cfg.IsPostgres() && e.cfg.DB != ":memory:" {
		stored, err := st.FindSecrets(ctx)
		if err != nil {
			st.Close()
			return nil, err
		}
		// The key file beside the database is made when the first secret
		// is sealed; once one is, a missing file is an error to report,
		// not a reason for a new key.
		kc.File, kc.Create = keyfile.Beside(e.cfg.DB), !anySealed(stored)
	}
	e.keys = keyfile.New(kc)
	st.UseSecrets(e.keys)
	return st, nil
}

func anySealed(stored []secret.Stored) bool {
	for _, s := range stored {
		if secret.IsSealed(s.Value) {
			return true
		}
	}
	return false
}

// authService returns the user service over st; CLI, API and pages share it.
func authService(st *store.Store) *auth.Service {
	return auth.NewService(st, auth.Options{})
}
