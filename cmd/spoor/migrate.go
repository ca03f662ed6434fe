package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

func migrateCmd() *command {
	return &command{
		name:  "migrate",
		usage: "[--from DB] --to DB [--replace]",
		short: "copy a store into another: SQLite into PostgreSQL, or back",
		long: `Migrate copies every table of the store --from (default: the configured
database) into the store --to: a laptop's spoor.db into a team's PostgreSQL
(--to postgres://…), or a team's PostgreSQL into a local SQLite file for
analysis (--from postgres://… --to copy.db). Rows keep their ids; the copy is
one transaction on the target, and the source is read in one snapshot while
it serves.

Running it again gives the same rows, not duplicates: rows already in the
target are updated. The row counts of every table are compared at the end
and printed; if the target then holds rows the source does not (it held
other data, or rows were deleted from the source since the last copy),
nothing is committed, unless --replace, which empties the target's tables
first so that it ends an exact copy.

The source is read as it is and must be at this spoor's schema (open it
once with this spoor to migrate it); the target is migrated if needed.`,
		flags: config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			from := fs.String("from", "", "the store to copy: SQLite file or postgres:// URL (default: SPOOR_DB, else spoor.db)")
			to := fs.String("to", "", "the store to copy into: SQLite file or postgres:// URL")
			replace := fs.Bool("replace", false, "empty the target's tables first, so it ends an exact copy")
			return func(ctx context.Context) error {
				if len(e.args) != 0 || *to == "" {
					return usagef("usage: spoor migrate [--from DB] --to DB [--replace]")
				}
				if *from == "" { // not the flag's default: help would print a URL's password
					*from = e.cfg.DB
				}
				if sameDB(*from, *to) {
					return intel.Errorf(intel.CodeInvalid, "--from and --to name the same store")
				}
				src, err := inspectDB(ctx, *from)
				if err != nil {
					return err
				}
				defer src.Close()
				if st, err := src.SchemaStatus(ctx); err != nil {
					return inContext("source "+config.RedactDB(*from), err)
				} else if err := st.Err(); err != nil {
					return inContext("source "+config.RedactDB(*from), err)
				}
				dst, err := openDB(ctx, *to)
				if err != nil {
					return err
				}
				defer dst.Close()
				counts, err := store.Copy(ctx, dst, src, store.CopyOptions{Replace: *replace})
				if counts != nil {
					if perr := printCopy(e, counts); perr != nil && err == nil {
						err = perr
					}
				}
				if intel.ErrorCode(err) == intel.CodeConflict {
					return &intel.Error{Code: intel.CodeConflict, Message: intel.ErrorMessage(err) + "; --replace makes the target an exact copy", Err: err}
				}
				return err
			}
		},
	}
}

// sameDB reports whether two database settings name one store, so far as
// can be told without connecting: the same text, or the same file.
func sameDB(a, b string) bool {
	if a == b {
		return true
	}
	ca, cb := config.Config{DB: a}, config.Config{DB: b}
	if ca.IsPostgres() || cb.IsPostgres() {
		return false
	}
	if same, err := sameFile(a, b); err == nil {
		return same
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

func printCopy(e *env, counts []store.TableCopy) error {
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, counts)
	}
	t := newTable(e.stdout, "TABLE", "SOURCE", "TARGET", "")
	var src, dst int64
	for _, c := range counts {
		mark := ""
		if c.Source != c.Target {
			mark = "differs"
		}
		t.row(c.Table, fmt.Sprint(c.Source), fmt.Sprint(c.Target), mark)
		src += c.Source
		dst += c.Target
	}
	t.row("total", fmt.Sprint(src), fmt.Sprint(dst), "")
	return t.flush()
}
