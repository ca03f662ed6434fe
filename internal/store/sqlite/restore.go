package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"

	msqlite "modernc.org/sqlite"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// fileName is the URI of a database file for the driver.
func fileName(path string) string { return "file:" + (&url.URL{Path: path}).EscapedPath() }

// Inspect opens the existing database at path read-only and as it is,
// without migrating it, for checks that must not change what they look
// at: spoor doctor, and restore's check of a backup. A missing file is a
// CodeNotFound error, not a new database.
func Inspect(ctx context.Context, path string) (*store.Store, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, intel.Errorf(intel.CodeNotFound, "no database at %s", path)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, intel.Errorf(intel.CodeInvalid, "%s is not a database file", path)
	}
	db, err := sql.Open("sqlite", fileName(path)+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return store.New(db, db, store.SQLite()).WithMigrations(Migrations()), nil
}

// Restore replaces the contents of the database at path (created, mode
// 0600, when missing) with those of the backup file from, through
// SQLite's online backup API: page by page under the database's write
// lock, in one step, so that a process with the database open sees the
// old contents or the new, never a mix. The caller checks the backup
// first (Inspect, Check, SchemaStatus) and migrates the result (Open).
func Restore(ctx context.Context, from, path string) error {
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("sqlite: restore: %w", err)
	}
	db, err := sql.Open("sqlite", fileName(path)+"?"+pragmas)
	if err != nil {
		return fmt.Errorf("sqlite: restore: %w", err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: restore into %s: %w", path, err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		r, ok := dc.(interface {
			NewRestore(string) (*msqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("the driver has no backup API")
		}
		b, err := r.NewRestore(fileName(from) + "?mode=ro")
		if err != nil {
			return err
		}
		_, err = b.Step(-1)
		return errors.Join(err, b.Finish())
	})
	if err != nil {
		return fmt.Errorf("sqlite: restore %s into %s: %w", from, path, err)
	}
	return nil
}
