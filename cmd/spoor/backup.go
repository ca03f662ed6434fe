package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/sqlite"
)

const pgBackupHint = "back up PostgreSQL with pg_dump and restore it with pg_restore (see the README, Operations)"

func backupCmd() *command {
	return &command{
		name:  "backup",
		usage: "[--db DB] [--force] FILE",
		short: "copy a SQLite store to FILE, consistently, while it serves",
		long: `Backup writes a consistent copy of the SQLite store to FILE while spoor
serves it: the copy is one snapshot (writes go on meanwhile and are not in
it), written beside FILE and moved into place when complete, readable by its
owner only, and checked (integrity_check) before the command ends. FILE must
not exist unless --force. The store is read as it is, never migrated.
"spoor restore FILE" puts it back.

PostgreSQL stores are backed up with pg_dump (see the README).`,
		flags: config.FlagDB,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			force := fs.Bool("force", false, "overwrite FILE if it exists")
			return func(ctx context.Context) error {
				if len(e.args) != 1 {
					return usagef("usage: spoor backup [--db DB] [--force] FILE")
				}
				file := e.args[0]
				if e.cfg.IsPostgres() {
					return intel.Errorf(intel.CodeInvalid, "spoor backup copies SQLite stores; %s", pgBackupHint)
				}
				if _, err := os.Stat(file); err == nil && !*force {
					return intel.Errorf(intel.CodeConflict, "%s exists: choose another file, or use --force to overwrite it", file)
				}
				st, err := inspectDB(ctx, e.cfg.DB)
				if err != nil {
					return err
				}
				defer st.Close()
				if err := st.Backup(ctx, file, *force); err != nil {
					if intel.ErrorCode(err) == intel.CodeConflict {
						return intel.Errorf(intel.CodeConflict, "%s exists: choose another file, or use --force to overwrite it", file)
					}
					return err
				}
				sum, err := checkBackup(ctx, file)
				if err != nil {
					return inContext("the backup was written but does not check out", err)
				}
				fmt.Fprintf(e.stdout, "backed up %s to %s: %s\n", e.cfg.DB, file, sum)
				return nil
			}
		},
	}
}

func restoreCmd() *command {
	return &command{
		name:  "restore",
		usage: "[--db DB] [--force] FILE",
		short: "replace a SQLite store with a backup made by spoor backup",
		long: `Restore puts the backup FILE (made by "spoor backup") into the SQLite store
--db. It checks the backup first: integrity_check must pass, and its schema
must not be newer than this spoor. A store that holds data is replaced only
with --force. The store's contents change in one step, under its write lock;
stop "spoor serve" and workers first all the same, so that nothing they were
doing is lost. A backup older than this spoor is migrated after the restore.

PostgreSQL stores are restored with pg_restore (see the README).`,
		flags: config.FlagDB,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			force := fs.Bool("force", false, "replace a store that holds data")
			return func(ctx context.Context) error {
				if len(e.args) != 1 {
					return usagef("usage: spoor restore [--db DB] [--force] FILE")
				}
				file := e.args[0]
				if e.cfg.IsPostgres() {
					return intel.Errorf(intel.CodeInvalid, "spoor restore writes SQLite stores; %s", pgBackupHint)
				}
				if same, _ := sameFile(file, e.cfg.DB); same {
					return intel.Errorf(intel.CodeInvalid, "%s is the store itself", file)
				}
				want, err := backupContents(ctx, file)
				if err != nil {
					return err
				}
				if err := refuseNonEmpty(ctx, e.cfg.DB, *force); err != nil {
					return err
				}
				if err := sqlite.Restore(ctx, file, e.cfg.DB); err != nil {
					return err
				}
				st, err := e.openStore(ctx) // migrates an older backup
				if err != nil {
					return err
				}
				defer st.Close()
				if err := st.Check(ctx); err != nil {
					return inContext("the restored store does not check out", err)
				}
				got, err := st.TableCounts(ctx)
				if err != nil {
					return err
				}
				if now, err := st.SchemaStatus(ctx); err == nil && now.Current() == want.version && rowTotal(got) != rowTotal(want.counts) {
					return fmt.Errorf("restore: the store holds %d rows, the backup %d", rowTotal(got), rowTotal(want.counts))
				}
				fmt.Fprintf(e.stdout, "restored %s into %s: %d rows in %d tables\n", file, e.cfg.DB, rowTotal(got), len(got))
				return nil
			}
		},
	}
}

// backup is what a backup file holds.
type backup struct {
	version int64
	counts  []store.TableRows
}

// backupContents checks a backup before it replaces anything: it is a
// database that passes integrity_check, it has spoor's schema, and one this
// spoor knows (older is fine: it is migrated once restored).
func backupContents(ctx context.Context, file string) (*backup, error) {
	b, err := sqlite.Inspect(ctx, file)
	if err != nil {
		return nil, inContext("backup "+file, err)
	}
	defer b.Close()
	if err := b.Check(ctx); err != nil {
		return nil, inContext("backup "+file, err)
	}
	st, err := b.SchemaStatus(ctx)
	if err != nil {
		return nil, inContext("backup "+file, err)
	}
	for _, v := range st.Applied {
		if v > st.Newest() {
			return nil, intel.Errorf(intel.CodeInvalid, "backup %s has schema %04d, newer than this spoor knows (%04d): restore it with a newer spoor",
				file, st.Current(), st.Newest())
		}
	}
	counts, err := b.TableCounts(ctx)
	if err != nil {
		return nil, inContext("backup "+file, err)
	}
	return &backup{version: st.Current(), counts: counts}, nil
}

// checkBackup is backupContents as one line for the user.
func checkBackup(ctx context.Context, file string) (string, error) {
	b, err := backupContents(ctx, file)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d rows in %d tables, schema %04d, integrity ok", rowTotal(b.counts), len(b.counts), b.version), nil
}

// refuseNonEmpty refuses to replace a store that holds data unless force:
// a missing or empty file, or a store with no rows, may be replaced.
func refuseNonEmpty(ctx context.Context, db string, force bool) error {
	if force {
		return nil
	}
	fi, err := os.Stat(db)
	if errors.Is(err, os.ErrNotExist) || err == nil && fi.Size() == 0 {
		return nil
	} else if err != nil {
		return err
	}
	st, err := sqlite.Inspect(ctx, db)
	if err != nil {
		return inContext(db+" (use --force to replace it)", err)
	}
	defer st.Close()
	counts, err := st.TableCounts(ctx)
	if err != nil {
		return intel.Errorf(intel.CodeConflict, "%s is not an empty spoor store: use --force to replace it", db)
	}
	if n := rowTotal(counts); n > 0 {
		return intel.Errorf(intel.CodeConflict, "%s holds %d rows: use --force to replace them with the backup", db, n)
	}
	return nil
}

func rowTotal(counts []store.TableRows) int64 {
	var n int64
	for _, c := range counts {
		n += c.Rows
	}
	return n
}

// sameFile reports whether two paths name one existing file.
func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}

// inContext puts what in front of err's one line, keeping the code of a
// user-facing error (whose message alone is what the user sees).
func inContext(what string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*intel.Error](err); ok {
		return &intel.Error{Code: e.Code, Message: what + ": " + intel.ErrorMessage(e), Err: err}
	}
	return fmt.Errorf("%s: %w", what, err)
}
