package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Backup writes a consistent copy of the database to path while the
// store serves: SQLite's VACUUM INTO reads one snapshot (writers go on)
// into a new file beside path, which is synced, made readable by its
// owner only, and then moved to path, so path is never half-written.
// An existing path is refused (CodeConflict) unless overwrite is set;
// the database's own file, or a file that is in use as a database (it
// has a -wal beside it), always is. PostgreSQL has no such statement:
// pg_dump is its backup, and Backup says so.
func (s *Store) Backup(ctx context.Context, path string, overwrite bool) error {
	stmt := s.d.backupInto()
	if stmt == "" {
		return intel.Errorf(intel.CodeInvalid, "spoor backup copies SQLite stores; back up PostgreSQL with pg_dump (see the README, Operations)")
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return s.wrap("backup", err)
	}
	if err := s.checkBackupTarget(ctx, path, overwrite); err != nil {
		return err
	}
	// VACUUM INTO writes into an empty file; CreateTemp makes it 0600.
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return s.wrap("backup", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpName)
		}
	}()
	if err := s.vacuumInto(ctx, stmt, tmpName); err != nil {
		return s.wrap("backup", err)
	}
	if err := syncFile(tmpName); err != nil {
		return s.wrap("backup", err)
	}
	if overwrite {
		err = os.Rename(tmpName, path)
	} else {
		// Link fails if path appeared meanwhile: never clobbered.
		if err = os.Link(tmpName, path); err == nil {
			os.Remove(tmpName)
		} else if errors.Is(err, os.ErrExist) {
			return intel.Errorf(intel.CodeConflict, "backup file %s exists", path)
		}
	}
	if err != nil {
		return s.wrap("backup", err)
	}
	done = true
	_ = syncFile(filepath.Dir(path)) // the rename is durable once the directory is; best effort
	return nil
}

func (s *Store) checkBackupTarget(ctx context.Context, path string, overwrite bool) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return s.wrap("backup", err)
	}
	if main, err := s.databaseFile(ctx); err == nil && main != "" {
		if mfi, err := os.Stat(main); err == nil && os.SameFile(fi, mfi) {
			return intel.Errorf(intel.CodeInvalid, "backup file %s is the database itself", path)
		}
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		return intel.Errorf(intel.CodeInvalid, "backup file %s is in use as a database (%s-wal exists)", path, filepath.Base(path))
	}
	if !fi.Mode().IsRegular() {
		return intel.Errorf(intel.CodeInvalid, "backup file %s is not a regular file", path)
	}
	if !overwrite {
		return intel.Errorf(intel.CodeConflict, "backup file %s exists", path)
	}
	return nil
}

// databaseFile is the file of SQLite's main database ("" in memory).
func (s *Store) databaseFile(ctx context.Context) (string, error) {
	var seq int
	var name, file string
	if err := s.db.QueryRowContext(ctx, `PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
		return "", err
	}
	return file, nil
}

// vacuumInto runs the backup statement on a reader, so that a serving
// store's one writer connection stays free for writes. Readers are
// query_only; the connection is made writable for the statement and then
// discarded, never returned to the pool writable.
func (s *Store) vacuumInto(ctx context.Context, stmt, file string) error {
	if s.rdb == s.db { // one connection (in memory): it is the writer
		_, err := s.db.ExecContext(ctx, stmt, file)
		return err
	}
	conn, err := s.rdb.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discards the connection
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, stmt, file)
	return err
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Check reports whether the database file is sound: SQLite's
// integrity_check (which reads every page: seconds on a large base), a
// round trip on PostgreSQL. A damaged file is a CodeInvalid error naming
// the first problems found.
func (s *Store) Check(ctx context.Context) error {
	q := s.d.integrityCheck()
	if q == "" {
		if err := s.rdb.PingContext(ctx); err != nil {
			return s.wrap("check", err)
		}
		return nil
	}
	problems, err := queryStrings(ctx, s.rdb, q)
	if err != nil {
		return &intel.Error{Code: intel.CodeInvalid, Message: "the database cannot be checked: " + err.Error(), Err: err}
	}
	if len(problems) == 1 && problems[0] == "ok" {
		return nil
	}
	if len(problems) > 3 {
		problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
	}
	return intel.Errorf(intel.CodeInvalid, "the database is damaged: %s", strings.Join(problems, "; "))
}

// SchemaStatus compares the migrations a database has applied with those
// this binary knows.
type SchemaStatus struct {
	Applied []int64 `json:"applied"`
	Known   []int64 `json:"known"`
}

// Current is the newest applied migration (0 for none).
func (st SchemaStatus) Current() int64 { return last(st.Applied) }

// Newest is the newest migration this binary knows.
func (st SchemaStatus) Newest() int64 { return last(st.Known) }

// Err is nil when the database has applied exactly the known
// migrations; else a CodeConflict error saying which are missing or
// which are newer than this binary.
func (st SchemaStatus) Err() error {
	var pending, unknown []string
	for _, v := range st.Known {
		if !slices.Contains(st.Applied, v) {
			pending = append(pending, fmt.Sprintf("%04d", v))
		}
	}
	for _, v := range st.Applied {
		if !slices.Contains(st.Known, v) {
			unknown = append(unknown, fmt.Sprintf("%04d", v))
		}
	}
	switch {
	case len(unknown) > 0:
		return intel.Errorf(intel.CodeConflict, "the database has migration %s, which this spoor (newest %04d) does not know: upgrade spoor",
			strings.Join(unknown, ", "), st.Newest())
	case len(pending) > 0:
		return intel.Errorf(intel.CodeConflict, "the database lacks migration %s (it is at %04d, this spoor at %04d): open it with spoor to migrate it",
			strings.Join(pending, ", "), st.Current(), st.Newest())
	}
	return nil
}

// SchemaStatus reads the database's applied migrations (on a reader, so
// it answers while an import holds SQLite's writer) next to the known
// ones. A database without spoor's schema is a CodeInvalid error.
func (s *Store) SchemaStatus(ctx context.Context) (SchemaStatus, error) {
	var st SchemaStatus
	if s.migrations == nil {
		return st, fmt.Errorf("store: schema status: the store was opened without its migrations")
	}
	known, err := Migrations(s.migrations)
	if err != nil {
		return st, err
	}
	for _, m := range known {
		st.Known = append(st.Known, m.Version)
	}
	applied, err := appliedVersions(ctx, s.rdb)
	if err != nil {
		if pingErr := s.rdb.PingContext(ctx); pingErr != nil {
			return st, s.wrap("schema status", pingErr)
		}
		return st, &intel.Error{Code: intel.CodeInvalid, Message: "not a spoor database: its migrations cannot be read", Err: err}
	}
	st.Applied = applied
	return st, nil
}

// Ready reports whether the store can serve: the database answers and
// has applied exactly the migrations this binary knows. An unreachable
// database is an internal error; a schema out of step is CodeConflict.
func (s *Store) Ready(ctx context.Context) error {
	st, err := s.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	return st.Err()
}
