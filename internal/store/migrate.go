package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Migration is one forward-only schema step read from NNNN_slug.sql.
type Migration struct {
	Version int64
	Name    string
	SQL     string
}

// Migrations reads the *.sql files at the top of fsys, in version order.
// File names start with their version number ("0001_init.sql").
func Migrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	var migs []Migration
	seen := map[int64]string{}
	for _, name := range names {
		num, _, ok := strings.Cut(path.Base(name), "_")
		if !ok {
			return nil, fmt.Errorf("store: migration %s: name must be NNNN_slug.sql", name)
		}
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration %s: name must start with a positive version", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("store: migrations %s and %s share version %d", prev, name, v)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: %w", name, err)
		}
		migs = append(migs, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(migs, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	return migs, nil
}

// Migrate applies the migrations of fsys that db lacks, in order, each in
// its own transaction recorded in schema_migrations. It refuses a database
// whose newest migration is newer than the binary knows: an older binary
// must not write to a schema it does not understand.
func Migrate(ctx context.Context, db *sql.DB, fsys fs.FS, d Dialect) error {
	migs, err := Migrations(fsys)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version BIGINT PRIMARY KEY,
	applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	var newest int64
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	var known int64
	if len(migs) > 0 {
		known = migs[len(migs)-1].Version
	}
	if newest > known {
		return fmt.Errorf("store: database schema version %d is newer than this spoor knows (%d): upgrade spoor", newest, known)
	}
	for _, m := range migs {
		if err := applyMigration(ctx, db, m, d); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, m Migration, d Dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migration %s: %w", m.Name, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if lock := d.MigrationLock(); lock != "" {
		if _, err := tx.ExecContext(ctx, lock); err != nil {
			return fmt.Errorf("store: migration %s: lock: %w", m.Name, err)
		}
	}
	// Checked again under the lock: another replica may have applied it.
	var n int
	if err := tx.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.Version).Scan(&n); err != nil {
		return fmt.Errorf("store: migration %s: %w", m.Name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("store: migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
		m.Version, ms(time.Now())); err != nil {
		return fmt.Errorf("store: migration %s: %w", m.Name, err)
	}
	// A migration may change data: replicas still serving keep figures
	// by the data generation (generation.go), which exists from 0033 on.
	if m.Version >= generationVersion {
		if _, err := tx.ExecContext(ctx, bumpGenerationSQL); err != nil {
			return fmt.Errorf("store: migration %s: data generation: %w", m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migration %s: commit: %w", m.Name, err)
	}
	return nil
}

// AppliedVersions lists the migration versions recorded in db, oldest first.
func AppliedVersions(ctx context.Context, db *sql.DB) ([]int64, error) {
	vs, err := appliedVersions(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return vs, nil
}
