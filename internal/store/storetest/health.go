package storetest

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/runowner"
)

// testSchemaStatus: a freshly opened store is ready; a schema behind or
// ahead of the binary is not, and the error says which way.
func testSchemaStatus(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	st, err := s.SchemaStatus(ctx)
	must(t, "schema status", err)
	if len(st.Known) == 0 || st.Current() != st.Newest() || len(st.Applied) != len(st.Known) {
		t.Errorf("fresh store: %+v, want every known migration applied", st)
	}
	must(t, "ready", s.Ready(ctx))
	if err := s.Check(ctx); err != nil {
		t.Errorf("check of a fresh store: %v", err)
	}

	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.DB().ExecContext(ctx, s.Dialect().Rebind(q), args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, st.Newest()+1)
	err = s.Ready(ctx)
	wantCode(t, "a schema newer than the binary", err, intel.CodeConflict)
	if !strings.Contains(intel.ErrorMessage(err), "upgrade spoor") {
		t.Errorf("newer schema: %q", intel.ErrorMessage(err))
	}
	exec(`DELETE FROM schema_migrations WHERE version >= ?`, st.Newest())
	err = s.Ready(ctx)
	wantCode(t, "a schema behind the binary", err, intel.CodeConflict)
	if msg := intel.ErrorMessage(err); !strings.Contains(msg, "lacks migration") {
		t.Errorf("older schema: %q", msg)
	}
}

// testStuckRuns: FindStuckRuns names the runs left running by a dead
// process or with an expired lease, not live ones; FindDueSources the
// scheduled sources waiting, not disabled or unscheduled ones.
func testStuckRuns(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 1, "admin")
	now := time.Now()
	var ids []int64
	for _, name := range []string{"alive", "dead-process", "lease-expired", "held"} {
		src := &intel.Source{Name: name, Kind: intel.SourceIOCList}
		must(t, "source", s.UpsertSource(ctx, src))
		run, err := s.StartRun(ctx, src.ID, "schedule")
		must(t, "start", err)
		ids = append(ids, run.ID)
	}
	set := func(id int64, owner string, lease time.Time) {
		t.Helper()
		if _, err := s.DB().ExecContext(ctx, s.Dialect().Rebind(`UPDATE collection_runs SET owner = ?, lease_until = ? WHERE id = ?`),
			owner, lease.UnixMilli(), id); err != nil {
			t.Fatal(err)
		}
	}
	set(ids[0], "elsewhere.example:1 1234abcd/4026531836", now.Add(time.Minute))
	set(ids[1], runowner.Of(4194305), now.Add(time.Hour)) // above Linux's pid_max: gone
	set(ids[2], "elsewhere.example:2 1234abcd/4026531836", now.Add(-time.Second))
	set(ids[3], runowner.Of(os.Getpid()), now.Add(-time.Minute)) // this store holds it
	stuck, err := s.FindStuckRuns(ctx)
	must(t, "stuck runs", err)
	var got []string
	for _, r := range stuck {
		got = append(got, r.SourceName)
		if r.Status != intel.RunRunning || r.Owner == "" {
			t.Errorf("stuck run %+v", r)
		}
	}
	want := []string{"dead-process", "lease-expired"}
	if runtime.GOOS != "linux" { // no PID check: the lease decides
		want = []string{"lease-expired"}
	}
	mustDiff(t, "stuck runs", want, got)

	for _, c := range []struct {
		name              string
		next              time.Time
		disabled, noSched bool
	}{
		{"due-first", now.Add(-time.Hour), false, false},
		{"due-later", now.Add(-time.Minute), false, false},
		{"not-yet", now.Add(time.Hour), false, false},
		{"disabled", now.Add(-time.Hour), true, false},
		{"unscheduled", now.Add(-time.Hour), false, true},
	} {
		src := &intel.Source{Name: c.name, Kind: intel.SourceIOCList, Format: "trail", Location: "https://example.org/" + c.name,
			Interval: intel.Duration(time.Hour), Enabled: !c.disabled}
		if c.noSched {
			src.Interval = 0
		}
		must(t, "source", s.UpsertSource(ctx, src))
		if _, err := s.DB().ExecContext(ctx, s.Dialect().Rebind(`UPDATE sources SET next_run_at = ? WHERE id = ?`),
			c.next.UnixMilli(), src.ID); err != nil {
			t.Fatal(err)
		}
	}
	due, err := s.FindDueSources(ctx, now)
	must(t, "due sources", err)
	got = nil
	for _, src := range due {
		got = append(got, src.Name)
	}
	mustDiff(t, "due sources", []string{"due-first", "due-later"}, got)
}
