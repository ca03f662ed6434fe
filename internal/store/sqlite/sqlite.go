// Package sqlite opens spoor's file-backed store: SQLite through the
// pure-Go modernc.org/sqlite driver (no cgo), in WAL mode, with one writer
// connection and a pool of readers, migrated on open.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"

	"github.com/spoor/spoor/internal/store"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
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

// pragmas apply to every connection:
//   - busy_timeout: wait up to 5 s for another process's lock instead of
//     failing at once (the CLI and a server may share the file);
//   - journal_mode WAL: readers do not block the writer nor it them;
//   - foreign_keys: SQLite leaves them off unless asked, and the schema
//     relies on ON DELETE CASCADE;
//   - synchronous NORMAL: safe with WAL (a crash loses at most the last
//     commits, never consistency) and much faster than FULL;
//   - temp_store MEMORY: statement journals (every INSERT that fires an
//     FTS trigger or checks a constraint opens one) stay off the disk,
//     which made imports several times faster;
//   - cache_size -32768: a 32 MiB page cache for the writer, imports
//     included (a larger one for them bought 4 % at a million IOC rows
//     for 200 MB; see BulkIndicators in store/dialect_sqlite.go).
const pragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32768)"

// Open opens (creating if needed) the SQLite database at path, applies
// pending migrations and returns the store. path ":memory:" gives a
// private in-memory database on one connection (for tests).
func Open(ctx context.Context, path string) (*store.Store, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: no database path")
	}
	if path == ":memory:" {
		// Every connection to :memory: is a new database: keep one.
		db, err := sql.Open("sqlite", "file::memory:?"+pragmas+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("sqlite: open: %w", err)
		}
		db.SetMaxOpenConns(1)
		db.SetConnMaxIdleTime(0)
		db.SetConnMaxLifetime(0)
		return finish(ctx, db, db)
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	name := fileName(path)
	// The writer begins IMMEDIATE transactions: it takes the write lock at
	// BEGIN, so two writers never deadlock upgrading read locks, and the
	// busy timeout applies. One connection serialises this process's
	// writes, which SQLite would serialise anyway.
	w, err := sql.Open("sqlite", name+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	// Readers run in parallel under WAL; query_only guards against a write
	// slipping onto a connection that would race the writer. Their page
	// caches are 8 MiB each, not the writer's 32: a reader never holds a
	// large transaction's pages, the operating system caches the file for
	// all of them, and four 32 MiB caches filled under load held the
	// server's memory above 300 MB.
	r, err := sql.Open("sqlite", name+"?"+pragmas+"&_pragma=query_only(1)&_pragma=cache_size(-8192)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	return finish(ctx, w, r)
}

// createPrivate creates the database file with mode 0600 before the
// driver opens it, whatever the umask: it holds password hashes and
// intelligence marked for a few eyes. SQLite gives the -wal and -shm files
// it creates beside it the database file's mode. An existing file keeps
// its mode (spoor doctor reports a loose one).
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	err = f.Chmod(0o600) // the umask may have taken bits the owner needs
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func finish(ctx context.Context, w, r *sql.DB) (*store.Store, error) {
	fail := func(err error) (*store.Store, error) {
		w.Close()
		if r != w {
			r.Close()
		}
		return nil, err
	}
	if err := w.PingContext(ctx); err != nil {
		return fail(fmt.Errorf("sqlite: %w", err))
	}
	if err := store.Migrate(ctx, w, Migrations(), store.SQLite()); err != nil {
		return fail(err)
	}
	return store.New(w, r, store.SQLite()).WithMigrations(Migrations()), nil
}
