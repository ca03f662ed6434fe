package storetest

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/runowner"
	"github.com/spoor/spoor/internal/secret"
)

func testCollection(t *testing.T, open Opener) {
	s := open(t)
	s.UseSecrets(secret.NewBox(secret.NewKey()))
	ctx := ctxAs(t, 1, "admin")
	feed := &intel.Source{
		Name: "Example feed", Kind: intel.SourceIOCList, Credibility: 0.4, CredibilityReason: "example.org is not in the rank list",
		Format: "trail", Location: "https://example.org/trail.txt", Interval: intel.Duration(time.Hour), Enabled: true,
		Options: intel.SourceOptions{"tag": "c2", "password": "s3cret-for-the-collector"},
	}
	must(t, "define", s.UpsertSource(ctx, feed))
	got, err := s.FindSourceByID(ctx, feed.ID)
	must(t, "find by ID", err)
	mustDiff(t, "defined source", feed, got)
	// The store keeps secret options sealed (testSecrets); the collector
	// opens them where it uses them.
	if !secret.IsSealed(got.Options["password"]) || got.Options["tag"] != "c2" {
		t.Errorf("stored options = %q, want the password sealed and the tag as it is", got.Options)
	}

	// An admin fixes the credibility; a later import naming the same
	// source with its own score must not undo it, nor clear the schedule.
	cred := 0.9
	upd, err := s.UpdateSource(ctx, feed.ID, intel.SourceUpdate{Credibility: &cred})
	must(t, "update", err)
	if !upd.CredibilityManual || upd.Credibility != 0.9 || upd.CredibilityReason != "set by admin" {
		t.Errorf("after an admin's edit: %+v", upd)
	}
	imp := &intel.Source{Name: "Example feed", Kind: intel.SourceIOCList, Credibility: 0.4}
	must(t, "import upsert", s.UpsertSource(ctx, imp))
	if imp.Credibility != 0.9 || imp.Format != "trail" || imp.Interval != intel.Duration(time.Hour) || !imp.Enabled {
		t.Errorf("an import's upsert changed the collection settings: %+v", imp)
	}
	bad := -time.Minute
	_, err = s.UpdateSource(ctx, feed.ID, intel.SourceUpdate{Interval: (*intel.Duration)(&bad)})
	wantCode(t, "negative interval", err, intel.CodeInvalid)
	_, err = s.UpdateSource(ctx, 9999, intel.SourceUpdate{Credibility: &cred})
	wantCode(t, "update missing", err, intel.CodeNotFound)

	entries, err := s.FindAudit(ctx, intel.AuditFilter{})
	must(t, "audit", err)
	if len(entries.Items) == 0 || entries.Items[0].Action != "source.update" || entries.Items[0].Login != "admin" {
		t.Errorf("newest audit entry = %+v, want source.update by admin", entries.Items)
	}

	// Scheduling: a source with next_run_at 0 is due at once; a claim moves
	// it one interval on, so it is not due again until then.
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	manual := &intel.Source{Name: "On demand", Kind: intel.SourceSTIX, Format: "stix", Location: "x.json", Enabled: true}
	must(t, "define manual", s.UpsertSource(ctx, manual))
	claimed, err := s.ClaimDueSource(ctx, now)
	must(t, "claim", err)
	if claimed == nil || claimed.ID != feed.ID || !claimed.NextRunAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("claim = %+v, want the feed due again at %v", claimed, now.Add(time.Hour))
	}
	if again, err := s.ClaimDueSource(ctx, now.Add(59*time.Minute)); err != nil || again != nil {
		t.Errorf("claim before the interval passed = %+v, %v; want nothing", again, err)
	}
	// Two schedulers racing for one due run: exactly one wins.
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.ClaimDueSource(ctx, now.Add(2*time.Hour))
			if err != nil {
				t.Errorf("concurrent claim: %v", err)
			}
			if c != nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d schedulers claimed the same run, want 1", wins)
	}
	off := false
	_, err = s.UpdateSource(ctx, feed.ID, intel.SourceUpdate{Enabled: &off})
	must(t, "disable", err)
	if c, err := s.ClaimDueSource(ctx, now.Add(48*time.Hour)); err != nil || c != nil {
		t.Errorf("claimed a disabled source: %+v, %v", c, err)
	}

	// Runs.
	run, err := s.StartRun(ctx, feed.ID, "cli")
	must(t, "start run", err)
	run.Status = intel.RunOK
	run.Stats = &intel.ImportStats{}
	run.Stats.Count("indicator").Seen = 3
	run.Stats.Count("indicator").Created = 2
	run.Stats.Count("indicator").Rejected = 1
	must(t, "finish run", s.FinishRun(ctx, run))
	failed, err := s.StartRun(ctx, feed.ID, "schedule")
	must(t, "start second run", err)
	failed.Status, failed.Error = intel.RunFailed, "fetch https://example.org/trail.txt: 503 Service Unavailable"
	must(t, "finish second run", s.FinishRun(ctx, failed))
	runs, err := s.FindRuns(ctx, feed.ID, 10)
	must(t, "find runs", err)
	// A finished run moves the next scheduled one an interval past its end.
	if got, err := s.FindSourceByID(ctx, feed.ID); err != nil || got.NextRunAt.Before(failed.FinishedAt.Add(time.Hour)) {
		t.Errorf("next run after a finished run = %v (%v), want ≥ %v", got.NextRunAt, err, failed.FinishedAt.Add(time.Hour))
	}
	if len(runs) != 2 || runs[0].ID != failed.ID || runs[0].Error != failed.Error || runs[0].SourceName != "Example feed" {
		t.Fatalf("runs = %+v", runs)
	}
	if tot := runs[1].Totals(); tot.Created != 2 || tot.Rejected != 1 || runs[1].Trigger != "cli" || runs[1].FinishedAt.IsZero() {
		t.Errorf("first run read back as %+v (totals %+v)", runs[1], tot)
	}
	latest, err := s.FindLatestRuns(ctx)
	must(t, "latest runs", err)
	if len(latest) != 1 || latest[feed.ID].ID != failed.ID {
		t.Errorf("latest runs = %+v, want the failed run of the feed", latest)
	}
	_, err = s.StartRun(ctx, 9999, "cli")
	if err == nil {
		t.Error("started a run of a missing source")
	}
}

// testSourceMarks: marks are replaced per (source, kind) as a whole,
// across several statements, and other kinds and sources keep theirs.
func testSourceMarks(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 1, "admin")
	a := &intel.Source{Name: "feed a", Kind: intel.SourceMISP}
	b := &intel.Source{Name: "feed b", Kind: intel.SourceMISP}
	must(t, "source a", s.UpsertSource(ctx, a))
	must(t, "source b", s.UpsertSource(ctx, b))
	big := map[string]int64{}
	for i := range 1234 {
		big["event-"+strconv.Itoa(i)] = int64(1700000000 + i)
	}
	must(t, "save big", s.SaveSourceMarks(ctx, a.ID, "misp-feed", big))
	must(t, "save other kind", s.SaveSourceMarks(ctx, a.ID, "other", map[string]int64{"x": 1}))
	must(t, "save other source", s.SaveSourceMarks(ctx, b.ID, "misp-feed", map[string]int64{"event-1": 5}))
	got, err := s.FindSourceMarks(ctx, a.ID, "misp-feed")
	must(t, "find big", err)
	mustDiff(t, "marks", big, got)

	must(t, "replace", s.SaveSourceMarks(ctx, a.ID, "misp-feed", map[string]int64{"event-1": 42}))
	got, err = s.FindSourceMarks(ctx, a.ID, "misp-feed")
	must(t, "find replaced", err)
	mustDiff(t, "replaced marks", map[string]int64{"event-1": 42}, got)
	for _, c := range []struct {
		id   int64
		kind string
		want map[string]int64
	}{{a.ID, "other", map[string]int64{"x": 1}}, {b.ID, "misp-feed", map[string]int64{"event-1": 5}}, {b.ID, "none", map[string]int64{}}} {
		got, err := s.FindSourceMarks(ctx, c.id, c.kind)
		must(t, "find "+c.kind, err)
		mustDiff(t, "untouched marks "+c.kind, c.want, got)
	}
	wantCode(t, "no source", s.SaveSourceMarks(ctx, 0, "misp-feed", nil), intel.CodeInvalid)

	// A reset forgets everything a source's runs kept, and only that.
	a.Location = "https://feeds.example.org/a/"
	must(t, "taxii state", s.SaveTAXIIState(ctx, &intel.TAXIIState{Source: a.Name, Collection: "c1", AddedAfter: time.Now()}))
	must(t, "fetch state", s.SaveFetchState(ctx, &intel.FetchState{URL: a.Location, ETag: `"v1"`, FetchedAt: time.Now()}))
	must(t, "reset", s.ResetCollectionState(ctx, a))
	for _, kind := range []string{"misp-feed", "other"} {
		got, err := s.FindSourceMarks(ctx, a.ID, kind)
		must(t, "marks after reset", err)
		if len(got) != 0 {
			t.Errorf("%s marks after a reset: %v", kind, got)
		}
	}
	if st, err := s.FindTAXIIState(ctx, a.Name, "c1"); err != nil || !st.AddedAfter.IsZero() {
		t.Errorf("TAXII state after a reset: %+v, %v", st, err)
	}
	_, err = s.FindFetchState(ctx, a.Location)
	wantCode(t, "fetch state after a reset", err, intel.CodeNotFound)
	got, err = s.FindSourceMarks(ctx, b.ID, "misp-feed")
	must(t, "other source after reset", err)
	mustDiff(t, "other source's marks after a reset", map[string]int64{"event-1": 5}, got)
	wantCode(t, "reset an unstored source", s.ResetCollectionState(ctx, &intel.Source{Name: "x"}), intel.CodeInvalid)
}

// testRunLeases: one running collection per source. A live run (this
// process, lease held) refuses a second start; a run whose process on
// this host is gone, or whose lease expired on another host, is
// interrupted by the next start; RenewRun keeps a lease and fails for a
// run that no longer runs.
func testRunLeases(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 1, "admin")
	src := &intel.Source{Name: "leased", Kind: intel.SourceIOCList}
	must(t, "source", s.UpsertSource(ctx, src))
	other := &intel.Source{Name: "other", Kind: intel.SourceIOCList}
	must(t, "other source", s.UpsertSource(ctx, other))

	first, err := s.StartRun(ctx, src.ID, "schedule")
	must(t, "start", err)
	_, err = s.StartRun(ctx, src.ID, "ui")
	wantCode(t, "a second start while the first runs", err, intel.CodeConflict)
	if err != nil && !strings.Contains(err.Error(), "being collected") {
		t.Errorf("conflict message %q", err)
	}
	o, err := s.StartRun(ctx, other.ID, "ui")
	must(t, "another source runs meanwhile", err)
	must(t, "finish other", s.FinishRun(ctx, &intel.CollectionRun{ID: o.ID, SourceID: other.ID, Status: intel.RunOK}))
	must(t, "renew", s.RenewRun(ctx, first.ID))

	set := func(id int64, owner string, lease time.Time) {
		t.Helper()
		if _, err := s.DB().ExecContext(ctx, s.Dialect().Rebind(`UPDATE collection_runs SET owner = ?, lease_until = ? WHERE id = ?`),
			owner, lease.UnixMilli(), id); err != nil {
			t.Fatal(err)
		}
	}
	lease := func(id int64) int64 {
		t.Helper()
		var ms int64
		if err := s.DB().QueryRowContext(ctx, s.Dialect().Rebind(`SELECT lease_until FROM collection_runs WHERE id = ?`), id).Scan(&ms); err != nil {
			t.Fatal(err)
		}
		return ms
	}
	set(first.ID, runowner.Of(os.Getpid()), time.Now().Add(time.Second))
	before := lease(first.ID)
	must(t, "renew", s.RenewRun(ctx, first.ID))
	if after := lease(first.ID); after < before+int64(intel.RunLease/time.Millisecond)/2 {
		t.Errorf("RenewRun moved the lease from %d to %d, want about %v later", before, after, intel.RunLease)
	}
	// A run this store holds keeps its source even when its lease lapsed
	// (on SQLite a long import delays its renewals); other processes'
	// runs are the table below.
	set(first.ID, runowner.Of(os.Getpid()), time.Now().Add(-time.Minute))
	_, err = s.StartRun(ctx, src.ID, "ui")
	wantCode(t, "a held run with a lapsed lease", err, intel.CodeConflict)
	// Another host's run with a live lease blocks; an expired one does not.
	set(first.ID, "elsewhere.example:4242 1234abcd/4026531836", time.Now().Add(time.Minute))
	_, err = s.StartRun(ctx, src.ID, "ui")
	wantCode(t, "another host's live run", err, intel.CodeConflict)
	set(first.ID, "elsewhere.example:4242 1234abcd/4026531836", time.Now().Add(-time.Second))
	second, err := s.StartRun(ctx, src.ID, "ui")
	must(t, "start after the lease expired", err)
	// A run of a process of this host that is gone is interrupted at once,
	// lease or not (pid 2^22+1 is above Linux's pid_max); elsewhere the
	// lease decides.
	set(second.ID, runowner.Of(4194305), time.Now().Add(time.Hour))
	if runtime.GOOS != "linux" {
		set(second.ID, runowner.Of(4194305), time.Now().Add(-time.Second))
	}
	third, err := s.StartRun(ctx, src.ID, "cli")
	must(t, "start after the owner died", err)

	runs, err := s.FindRuns(ctx, src.ID, 10)
	must(t, "runs", err)
	if len(runs) != 3 || runs[0].ID != third.ID || runs[0].Status != intel.RunRunning {
		t.Fatalf("runs = %+v", runs)
	}
	for _, r := range runs[1:] {
		if r.Status != intel.RunFailed || r.Error != "interrupted: the run ended without recording its end" {
			t.Errorf("run %d = %s %q, want interrupted", r.ID, r.Status, r.Error)
		}
	}
	wantCode(t, "renew an interrupted run", s.RenewRun(ctx, first.ID), intel.CodeNotFound)
	must(t, "finish", s.FinishRun(ctx, &intel.CollectionRun{ID: third.ID, SourceID: src.ID, Status: intel.RunOK}))
	fourth, err := s.StartRun(ctx, src.ID, "cli")
	must(t, "start after a finished run", err)
	must(t, "finish fourth", s.FinishRun(ctx, &intel.CollectionRun{ID: fourth.ID, SourceID: src.ID, Status: intel.RunOK}))

	// Starts at the same moment: one wins, the others are told it runs.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.StartRun(ctx, src.ID, "race")
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case intel.ErrorCode(err) != intel.CodeConflict:
			t.Errorf("a concurrent start failed with %v, want a conflict", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of 4 concurrent starts won, want 1 (%v)", won, errs)
	}
	runs, err = s.FindRuns(ctx, src.ID, 1)
	must(t, "the race winner", err)
	must(t, "finish the race winner", s.FinishRun(ctx, &intel.CollectionRun{ID: runs[0].ID, SourceID: src.ID, Status: intel.RunOK}))

	// Runs this store did not start: a row left running by this process
	// (its end could not be recorded) holds the source only while its
	// lease does; a live process of this host that stopped renewing long
	// ago (stuck, or its PID reused) does not hold it.
	for _, c := range []struct {
		name     string
		owner    string
		lease    time.Duration
		conflict bool
	}{
		{"this process, lease held", runowner.Of(os.Getpid()), time.Minute, true},
		{"this process, lease expired", runowner.Of(os.Getpid()), -time.Second, false},
		{"live process, renewed lately", runowner.Of(os.Getppid()), -time.Minute, runtime.GOOS == "linux"},
		{"live process, silent for an hour", runowner.Of(os.Getppid()), -time.Hour, false},
	} {
		var id int64
		if err := s.DB().QueryRowContext(ctx, s.Dialect().Rebind(`INSERT INTO collection_runs
	(source_id, started_at, status, started_by, owner, lease_until) VALUES (?, ?, 'running', 'test', ?, ?) RETURNING id`),
			src.ID, time.Now().UnixMilli(), c.owner, time.Now().Add(c.lease).UnixMilli()).Scan(&id); err != nil {
			t.Fatal(err)
		}
		run, err := s.StartRun(ctx, src.ID, "cli")
		if c.conflict {
			wantCode(t, c.name, err, intel.CodeConflict)
			if _, err := s.DB().ExecContext(ctx, s.Dialect().Rebind(`UPDATE collection_runs SET status = 'failed' WHERE id = ?`), id); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v, want the run interrupted and a new one started", c.name, err)
			continue
		}
		must(t, "finish "+c.name, s.FinishRun(ctx, &intel.CollectionRun{ID: run.ID, SourceID: src.ID, Status: intel.RunOK}))
	}
}

// testRunProgress: a running run's progress is stored in its row, read
// back by the run lists (another replica reads the same row), and left
// as it was once the run has finished.
func testRunProgress(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 1, "admin")
	src := &intel.Source{Name: "slow feed", Kind: intel.SourceIOCList, Credibility: 0.5, Format: "trail", Location: "https://example.org/t.txt"}
	must(t, "define", s.UpsertSource(ctx, src))
	run, err := s.StartRun(ctx, src.ID, "ui")
	must(t, "start", err)
	latest, err := s.FindLatestRuns(ctx)
	must(t, "latest before a report", err)
	if p := latest[src.ID].Progress; p != nil {
		t.Errorf("progress before the first report: %+v, want none", p)
	}
	must(t, "report", s.ReportRunProgress(ctx, run.ID, 1200, 5000))
	must(t, "report again", s.ReportRunProgress(ctx, run.ID, 2500, 5000))
	latest, err = s.FindLatestRuns(ctx)
	must(t, "latest", err)
	p := latest[src.ID].Progress
	if p == nil || p.Done != 2500 || p.Total != 5000 || p.At.IsZero() {
		t.Fatalf("progress of the running run: %+v, want 2500 of 5000 with a time", p)
	}
	run.Status = intel.RunOK
	must(t, "finish", s.FinishRun(ctx, run))
	must(t, "report after the end", s.ReportRunProgress(ctx, run.ID, 9, 9))
	runs, err := s.FindRuns(ctx, src.ID, 1)
	must(t, "runs", err)
	if got := runs[0].Progress; got == nil || got.Done != 2500 || runs[0].Status != intel.RunOK {
		t.Errorf("finished run: %s, progress %+v; want ok with the last report (2500) kept", runs[0].Status, got)
	}
}
