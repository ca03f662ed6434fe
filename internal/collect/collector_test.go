package collect_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
)

func TestSchedulerRunsDueSourcesOnce(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bundle, err := filepath.Abs(filepath.Join("stix", "testdata", "small-bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The store stamps runs with the real clock, so the scheduler's clock
	// starts there too.
	now := time.Now().UTC()
	c := collect.NewCollector(st, nil)
	c.Now = func() time.Time { return now }
	// The scheduler reads server paths only inside its import directories.
	gone := t.TempDir()
	if c.Files, err = collect.NewImportDirs([]string{filepath.Dir(bundle), gone}); err != nil {
		t.Fatal(err)
	}
	src := &intel.Source{Name: "bundle", Format: "stix", Location: bundle, Interval: intel.Duration(6 * time.Hour), Enabled: true}
	if err := c.Define(ctx, src); err != nil {
		t.Fatal(err)
	}
	if src.Credibility != 0 || src.CredibilityReason != "unknown: no site" {
		t.Errorf("a local file scored %v (%s), want 0 unknown", src.Credibility, src.CredibilityReason)
	}

	runs, err := c.RunDue(ctx)
	if err != nil || len(runs) != 1 || runs[0].Status != intel.RunOK || runs[0].Totals().Created == 0 {
		t.Fatalf("first RunDue = %+v, %v; want one run that created objects", runs, err)
	}
	if runs, err := c.RunDue(ctx); err != nil || len(runs) != 0 {
		t.Fatalf("RunDue right after = %d runs, %v; want none until the interval passes", len(runs), err)
	}
	now = now.Add(6*time.Hour + time.Minute)
	runs, err = c.RunDue(ctx)
	if err != nil || len(runs) != 1 {
		t.Fatalf("RunDue after the interval = %+v, %v", runs, err)
	}
	if tot := runs[0].Totals(); tot.Created != 0 || tot.Updated != 0 || tot.Unchanged == 0 {
		t.Errorf("a scheduled re-run changed the base: %+v", tot)
	}

	// A run that fails is recorded with its error and does not stop the
	// scheduler.
	broken := &intel.Source{Name: "broken", Format: "stix", Location: filepath.Join(gone, "gone.json"),
		Interval: intel.Duration(time.Hour), Enabled: true}
	if err := c.Define(ctx, broken); err != nil {
		t.Fatal(err)
	}
	runs, err = c.RunDue(ctx)
	if err != nil || len(runs) != 1 || runs[0].Status != intel.RunFailed || runs[0].Error == "" {
		t.Fatalf("RunDue of a broken source = %+v, %v", runs, err)
	}
	stored, err := st.FindRuns(ctx, broken.ID, 5)
	if err != nil || len(stored) != 1 || stored[0].Error != runs[0].Error {
		t.Errorf("stored runs of the broken source = %+v, %v", stored, err)
	}
}

// A collection whose run another process interrupted (its lease had
// expired) stops: the renewal finds the run gone and cancels the read.
func TestCollectStopsWhenItsLeaseIsLost(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := collect.NewCollector(st, nil)
	c.LeaseRenewal = 10 * time.Millisecond
	started := make(chan int64, 1)
	c.Formats["slow"] = collect.Format{Name: "slow", Kind: intel.SourceIOCList,
		Pull: func(ctx context.Context, _ collect.Store, src *intel.Source, _ string, _ func(int, int)) (*intel.ImportStats, error) {
			runs, err := st.FindRuns(ctx, src.ID, 1)
			if err != nil || len(runs) != 1 {
				return nil, fmt.Errorf("runs %v, %v", runs, err)
			}
			started <- runs[0].ID
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(10 * time.Second):
				return nil, fmt.Errorf("the read was not cancelled")
			}
		}}
	go func() {
		id := <-started
		// What another process's StartRun does to a run whose lease expired.
		if _, err := st.DB().ExecContext(ctx, `UPDATE collection_runs SET status = 'failed' WHERE id = ?`, id); err != nil {
			t.Error(err)
		}
	}()
	src := &intel.Source{Name: "slow source", Format: "slow", Location: "anywhere"}
	run, err := c.Collect(ctx, src, collect.Options{Trigger: "test"})
	if err == nil || !strings.Contains(err.Error(), "lease lost") || run == nil || run.Status != intel.RunFailed {
		t.Fatalf("Collect = %+v, %v; want a failed run, lease lost", run, err)
	}
}

// A parser that panics fails its run, recorded, and frees the source.
func TestCollectRecordsAPanickingRead(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := collect.NewCollector(st, nil)
	c.Formats["boom"] = collect.Format{Name: "boom", Kind: intel.SourceIOCList,
		Pull: func(context.Context, collect.Store, *intel.Source, string, func(int, int)) (*intel.ImportStats, error) {
			var m map[string]int
			m["x"]++ // a parser bug: nil map write
			return nil, nil
		}}
	src := &intel.Source{Name: "boom source", Format: "boom", Location: "anywhere"}
	run, err := c.Collect(ctx, src, collect.Options{Trigger: "test"})
	if err == nil || run == nil || run.Status != intel.RunFailed || !strings.Contains(run.Error, "assignment to entry in nil map") {
		t.Fatalf("Collect = %+v, %v; want a failed run naming the panic", run, err)
	}
	if _, err := c.Collect(ctx, src, collect.Options{Trigger: "test"}); err == nil || strings.Contains(err.Error(), "being collected") {
		t.Errorf("second run after a panic: %v; want it to start (and fail the same way)", err)
	}
}
