package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret/keyfile"
	"github.com/spoor/spoor/internal/store"
)

func doctorCmd() *command {
	return &command{
		name:  "doctor",
		usage: "[--db DB]",
		short: "check the store, the import directories and the schedule, and say what is wrong",
		long: `Doctor checks what spoor needs and says what is wrong, one line per check:
  store              the database opens, passes integrity_check (SQLite) or
                     answers (PostgreSQL), and has this spoor's migrations
  import directories each configured directory exists and can be read
  secret key         the key that seals source credentials loads, its files are
                     readable by their owner only, and every sealed secret opens
  schedule           no source is overdue by more than ` + fmt.Sprint(int(overdue.Minutes())) + ` minutes (is
                     spoor serve or spoor worker running?) and no run is left
                     "running" by a process that is gone
It changes nothing (the database is opened as it is, not migrated). The exit
status is 1 when a check fails.`,
		flags: config.FlagDB | config.FlagFormat | config.FlagImportDirs,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			return func(ctx context.Context) error {
				if len(e.args) != 0 {
					return usagef("usage: spoor doctor [--db DB]")
				}
				d := &doctor{e: e, now: time.Now()}
				defer d.close()
				return d.report(ctx, d.checks())
			}
		},
	}
}

// check is one thing doctor looks at: run returns a short note when all
// is well, or what is wrong; a skipped error says it could not look
// because an earlier check failed.
type check struct {
	name string
	run  func(ctx context.Context) (string, error)
}

// skipped is the reason a check did not run.
type skipped string

func (s skipped) Error() string { return string(s) }

// overdue is how long past its next run a source may wait before doctor
// calls the schedule unattended: schedulers look every minute.
const overdue = 5 * time.Minute

// doctor holds what the checks share: the store, once the store check
// opened it.
type doctor struct {
	e   *env
	now time.Time
	st  *store.Store
}

// checks are doctor's checks, in order; add new ones here.
func (d *doctor) checks() []check {
	return []check{
		{"store", d.checkStore},
		{"import directories", func(context.Context) (string, error) { return checkDirs(doctorImportDirs(d.e)) }},
		{"secret key", d.checkKey},
		{"schedule", d.checkSchedule},
	}
}

// doctorImportDirs are the directories server paths are confined to,
// from the --import-dir setting (SPOOR_IMPORT_DIRS).
func doctorImportDirs(e *env) []string { return e.cfg.ImportDirs }

func (d *doctor) close() {
	if d.st != nil {
		d.st.Close()
	}
}

type checkResult struct {
	Check  string `json:"check"`
	Status string `json:"status"` // ok, fail or skipped
	Detail string `json:"detail"`
}

func (d *doctor) report(ctx context.Context, checks []check) error {
	var results []checkResult
	var failed []string
	for _, c := range checks {
		note, err := c.run(ctx)
		r := checkResult{Check: c.name, Status: "ok", Detail: note}
		var skip skipped
		switch {
		case errors.As(err, &skip):
			r.Status, r.Detail = "skipped", skip.Error()
		case err != nil:
			r.Status, r.Detail = "fail", errorLine(err)
			failed = append(failed, c.name)
		}
		results = append(results, r)
	}
	if d.e.cfg.Format == "json" {
		if err := printJSON(d.e.stdout, results); err != nil {
			return err
		}
	} else {
		t := newTable(d.e.stdout, "CHECK", "STATUS", "DETAIL")
		for _, r := range results {
			t.row(r.Check, r.Status, r.Detail)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return intel.Errorf(intel.CodeInvalid, "%d of %d checks failed: %s", len(failed), len(checks), strings.Join(failed, ", "))
	}
	return nil
}

// checkStore opens the database as it is and checks its file and its
// schema.
func (d *doctor) checkStore(ctx context.Context) (string, error) {
	st, err := inspectDB(ctx, d.e.cfg.DB)
	if err != nil {
		return "", err
	}
	d.st = st
	if err := st.Check(ctx); err != nil {
		return "", err
	}
	schema, err := st.SchemaStatus(ctx)
	if err != nil {
		return "", err
	}
	if err := schema.Err(); err != nil {
		return "", err
	}
	counts, err := st.TableCounts(ctx)
	if err != nil {
		return "", err
	}
	what := "integrity ok"
	if st.Dialect().Name() == "postgres" {
		what = "answers"
	}
	return fmt.Sprintf("%s %s: %s, schema %04d (current), %d rows in %d tables",
		st.Dialect().Name(), config.RedactDB(d.e.cfg.DB), what, schema.Current(), rowTotal(counts), len(counts)), nil
}

// checkKey checks the key that seals the secrets of sources (SPOOR_SECRET_KEY
// or the key file): it loads, its files are readable by their owner only,
// every sealed secret opens and none is left plain.
func (d *doctor) checkKey(ctx context.Context) (string, error) {
	if d.st == nil {
		return "", skipped("the store did not open")
	}
	keys, err := d.e.secretKeys(ctx, d.st, false)
	if err != nil {
		return "", err
	}
	if err := keyfile.CheckKey(ctx, keys, d.st.FindSecrets); err != nil {
		return "", err
	}
	stored, err := d.st.FindSecrets(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d secrets sealed (%s)", len(stored), keys.Source()), nil
}

// checkDirs checks directories that spoor reads from: each exists, is a
// directory and can be listed.
func checkDirs(dirs []string) (string, error) {
	if len(dirs) == 0 {
		return "none configured", nil
	}
	var bad []string
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		switch {
		case errors.Is(err, os.ErrNotExist):
			bad = append(bad, dir+" does not exist")
			continue
		case err != nil:
			bad = append(bad, fmt.Sprintf("%s: %v", dir, err))
			continue
		case !fi.IsDir():
			bad = append(bad, dir+" is not a directory")
			continue
		}
		f, err := os.Open(dir)
		if err == nil {
			_, err = f.Readdirnames(1)
			f.Close()
		}
		if err != nil && !errors.Is(err, io.EOF) {
			bad = append(bad, dir+" cannot be read")
		}
	}
	if len(bad) > 0 {
		return "", intel.Errorf(intel.CodeInvalid, "%s", strings.Join(bad, "; "))
	}
	return fmt.Sprintf("%d readable: %s", len(dirs), strings.Join(dirs, ", ")), nil
}

// checkSchedule looks for sources that no scheduler is running and for
// runs a dead process left "running".
func (d *doctor) checkSchedule(ctx context.Context) (string, error) {
	if d.st == nil {
		return "", skipped("the store did not open")
	}
	sources, err := d.st.FindSources(ctx)
	if err != nil {
		return "", err
	}
	scheduled := 0
	for _, s := range sources {
		if s.Enabled && s.Interval > 0 {
			scheduled++
		}
	}
	due, err := d.st.FindDueSources(ctx, d.now)
	if err != nil {
		return "", err
	}
	stuck, err := d.st.FindStuckRuns(ctx)
	if err != nil {
		return "", err
	}
	var problems []string
	var late []string
	for _, s := range due {
		dueAt := s.NextRunAt
		if dueAt.IsZero() { // never collected: due since it was added
			dueAt = s.CreatedAt
		}
		if wait := d.now.Sub(dueAt); wait > overdue {
			late = append(late, fmt.Sprintf("%s (due %s ago)", s.Name, wait.Round(time.Minute)))
		}
	}
	if len(late) > 0 {
		problems = append(problems, fmt.Sprintf("%d sources are overdue: %s; is a spoor serve or spoor worker running on this database?",
			len(late), strings.Join(clipList(late, 5), ", ")))
	}
	for _, r := range stuck {
		why := "its process is gone"
		if !r.LeaseUntil.IsZero() && r.LeaseUntil.Before(d.now) {
			why = "its lease expired " + d.now.Sub(r.LeaseUntil).Round(time.Second).String() + " ago"
		}
		problems = append(problems, fmt.Sprintf("run %d of %s, started %s by %s (%s), is marked running but %s; it is marked interrupted when %s next starts",
			r.ID, r.SourceName, r.StartedAt.UTC().Format(time.RFC3339), orDash(r.Trigger), orDash(r.Owner), why, r.SourceName))
	}
	if len(problems) > 0 {
		return "", intel.Errorf(intel.CodeInvalid, "%s", strings.Join(problems, "; "))
	}
	return fmt.Sprintf("%d scheduled sources, %d due now, none overdue; no stuck runs", scheduled, len(due)), nil
}

func clipList(items []string, n int) []string {
	if len(items) <= n {
		return items
	}
	return append(items[:n:n], fmt.Sprintf("and %d more", len(items)-n))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
