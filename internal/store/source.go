package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/runowner"
)

// Sources and collection runs.

const sourceCols = `id, name, kind, url, credibility, credibility_reason, credibility_manual, tlp,
format, location, interval_ms, enabled, allow_private, options, next_run_at, created_at`

func scanSource(r scanner) (*intel.Source, error) {
	var (
		src                           intel.Source
		manual, enabled, allowPrivate int
		interval, nextRun, created    int64
		options                       string
	)
	err := r.Scan(&src.ID, &src.Name, &src.Kind, &src.URL, &src.Credibility, &src.CredibilityReason, &manual, &src.TLP,
		&src.Format, &src.Location, &interval, &enabled, &allowPrivate, &options, &nextRun, &created)
	if err != nil {
		return nil, err
	}
	src.CredibilityManual, src.Enabled, src.AllowPrivate = manual == 1, enabled == 1, allowPrivate == 1
	src.Interval = intel.Duration(time.Duration(interval) * time.Millisecond)
	src.NextRunAt, src.CreatedAt = fromMS(nextRun), fromMS(created)
	if options != "" && options != "{}" {
		_ = json.Unmarshal([]byte(options), &src.Options) // written by this package
	}
	return &src, nil
}

func optionsText(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// UpsertSource creates the source named src.Name or updates it, and fills
// src with what is stored (ID, creation time, effective credibility).
//
// An import names its source with kind, URL, credibility and TLP only; its
// upsert leaves the collection settings (format, location, interval, …) as
// they are. A source defined for collection (Format set) writes them too.
// A credibility an admin fixed (CredibilityManual) is never overwritten.
// Secret options are stored sealed (UseSecrets), and src gets them so.
func (s *Store) UpsertSource(ctx context.Context, src *intel.Source) error {
	if err := src.Validate(); err != nil {
		return err
	}
	return s.wrap("upsert source", s.inTx(ctx, func(tx *sql.Tx) error {
		changed, err := s.upsertSource(ctx, tx, src)
		if err != nil || !changed {
			return err
		}
		return s.audit(ctx, tx, "source.upsert", "source", src.ID, src.Name)
	}))
}

// upsertSource writes src and reports whether anything changed, so that
// re-imports do not fill the audit trail with no-ops.
func (s *Store) upsertSource(ctx context.Context, q querier, src *intel.Source) (bool, error) {
	old, err := scanSource(s.queryRow(ctx, q, `SELECT `+sourceCols+` FROM sources WHERE name = ?`, src.Name))
	switch {
	case err == sql.ErrNoRows:
		src.CreatedAt = truncMS(s.now())
		if src.Format == "" {
			src.Enabled = true
		}
		if src.Options, err = s.sealOptions(src.Name, nil, src.Options); err != nil {
			return false, err
		}
		err := s.queryRow(ctx, q, `INSERT INTO sources (name, kind, url, credibility, credibility_reason, credibility_manual, tlp,
format, location, interval_ms, enabled, allow_private, options, next_run_at, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			src.Name, src.Kind, src.URL, src.Credibility, src.CredibilityReason, b2i(src.CredibilityManual), src.TLP,
			src.Format, src.Location, time.Duration(src.Interval).Milliseconds(), b2i(src.Enabled), b2i(src.AllowPrivate),
			optionsText(src.Options), ms(src.NextRunAt), ms(src.CreatedAt)).Scan(&src.ID)
		return true, err
	case err != nil:
		return false, err
	}
	next := *old
	next.Kind, next.URL, next.TLP = src.Kind, src.URL, src.TLP
	if !old.CredibilityManual {
		next.Credibility, next.CredibilityReason = src.Credibility, src.CredibilityReason
	}
	if src.Format != "" {
		next.Format, next.Location, next.Interval = src.Format, src.Location, src.Interval
		next.Enabled, next.AllowPrivate = src.Enabled, src.AllowPrivate
		if next.Options, err = s.sealOptions(src.Name, old.Options, src.Options); err != nil {
			return false, err
		}
	}
	*src = next
	if sameSource(old, &next) {
		return false, nil
	}
	_, err = s.exec(ctx, q, `UPDATE sources SET kind = ?, url = ?, credibility = ?, credibility_reason = ?, tlp = ?,
format = ?, location = ?, interval_ms = ?, enabled = ?, allow_private = ?, options = ? WHERE id = ?`,
		next.Kind, next.URL, next.Credibility, next.CredibilityReason, next.TLP,
		next.Format, next.Location, time.Duration(next.Interval).Milliseconds(), b2i(next.Enabled), b2i(next.AllowPrivate),
		optionsText(next.Options), next.ID)
	return true, err
}

func sameSource(a, b *intel.Source) bool {
	return a.Kind == b.Kind && a.URL == b.URL && a.Credibility == b.Credibility &&
		a.CredibilityReason == b.CredibilityReason && a.TLP == b.TLP && a.Format == b.Format &&
		a.Location == b.Location && a.Interval == b.Interval && a.Enabled == b.Enabled &&
		a.AllowPrivate == b.AllowPrivate && maps.Equal(a.Options, b.Options)
}

// UpdateSource changes a source's settings (an admin's edit) and returns
// it. Setting the credibility marks it manual, so collectors keep it.
func (s *Store) UpdateSource(ctx context.Context, id int64, u intel.SourceUpdate) (*intel.Source, error) {
	var out *intel.Source
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		src, err := scanSource(s.queryRow(ctx, tx, `SELECT `+sourceCols+` FROM sources WHERE id = ?`, id))
		if err == sql.ErrNoRows {
			return notFound("source", id)
		} else if err != nil {
			return err
		}
		if u.Credibility != nil {
			src.Credibility, src.CredibilityManual = *u.Credibility, true
			src.CredibilityReason = "set by " + intel.ActorFrom(ctx).Login
		}
		if u.TLP != nil {
			src.TLP = *u.TLP
		}
		if u.Location != nil {
			src.Location = *u.Location
		}
		if u.Interval != nil {
			src.Interval = *u.Interval
		}
		if u.Enabled != nil {
			src.Enabled = *u.Enabled
		}
		if u.AllowPrivate != nil {
			src.AllowPrivate = *u.AllowPrivate
		}
		if err := src.Validate(); err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, `UPDATE sources SET credibility = ?, credibility_reason = ?, credibility_manual = ?, tlp = ?,
location = ?, interval_ms = ?, enabled = ?, allow_private = ? WHERE id = ?`,
			src.Credibility, src.CredibilityReason, b2i(src.CredibilityManual), src.TLP, src.Location,
			time.Duration(src.Interval).Milliseconds(), b2i(src.Enabled), b2i(src.AllowPrivate), id)
		if err != nil {
			return err
		}
		out = src
		return s.audit(ctx, tx, "source.update", "source", id, src.Name)
	})
	return out, s.wrap("update source", err)
}

// FindSourceByID returns one source, or CodeNotFound.
func (s *Store) FindSourceByID(ctx context.Context, id int64) (*intel.Source, error) {
	src, err := scanSource(s.queryRow(ctx, s.rdb, `SELECT `+sourceCols+` FROM sources WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, s.wrap("find source", notFound("source", id))
	}
	return src, s.wrap("find source", err)
}

// FindSourceByName returns the source with that name, or CodeNotFound.
func (s *Store) FindSourceByName(ctx context.Context, name string) (*intel.Source, error) {
	src, err := scanSource(s.queryRow(ctx, s.rdb, `SELECT `+sourceCols+` FROM sources WHERE name = ?`, name))
	if err == sql.ErrNoRows {
		return nil, s.wrap("find source", notFound("source", fmt.Sprintf("%q", name)))
	}
	return src, s.wrap("find source", err)
}

// FindSources returns all sources ordered by name.
func (s *Store) FindSources(ctx context.Context) ([]*intel.Source, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+sourceCols+` FROM sources ORDER BY name, id`)
	if err != nil {
		return nil, s.wrap("find sources", err)
	}
	defer rows.Close()
	var out []*intel.Source
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, s.wrap("find sources", err)
		}
		out = append(out, src)
	}
	return out, s.wrap("find sources", rows.Err())
}

// ClaimDueSource picks the enabled, scheduled source whose next run is
// longest overdue at now, moves its next run one interval on, and returns
// it; nil when none is due. The move is one conditional UPDATE, so two
// schedulers (replicas, workers) never claim the same run: the second one's
// WHERE no longer holds once the first has committed.
func (s *Store) ClaimDueSource(ctx context.Context, now time.Time) (*intel.Source, error) {
	var claimed *intel.Source
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var id, interval int64
		err := s.queryRow(ctx, tx, `SELECT id, interval_ms FROM sources
WHERE enabled = 1 AND interval_ms > 0 AND next_run_at <= ? ORDER BY next_run_at, id LIMIT 1`, ms(now)).Scan(&id, &interval)
		if err == sql.ErrNoRows {
			return nil
		} else if err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, `UPDATE sources SET next_run_at = ? WHERE id = ? AND next_run_at <= ?`,
			ms(now)+interval, id, ms(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another scheduler took it
		}
		claimed, err = scanSource(s.queryRow(ctx, tx, `SELECT `+sourceCols+` FROM sources WHERE id = ?`, id))
		return err
	})
	return claimed, s.wrap("claim due source", err)
}

// interruptedRun is the error of a run that ended without recording it.
const interruptedRun = "interrupted: the run ended without recording its end"

// StartRun records the start of a collection run of a source. A source
// has one running collection at a time: while another run of it is alive
// StartRun fails with CodeConflict naming it. Alive means, for a process
// of this PID table, that the process exists; for any other, that its
// lease holds. A run whose process is gone (killed, crashed) or whose
// lease expired is marked interrupted first.
func (s *Store) StartRun(ctx context.Context, sourceID int64, startedBy string) (*intel.CollectionRun, error) {
	now := truncMS(s.now())
	run := &intel.CollectionRun{SourceID: sourceID, StartedAt: now, Status: intel.RunRunning, Trigger: startedBy}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := s.query(ctx, tx, `SELECT id, owner, lease_until, started_at, started_by FROM collection_runs
WHERE source_id = ? AND status = ?`, sourceID, intel.RunRunning)
		if err != nil {
			return err
		}
		type running struct {
			id, lease, started int64
			owner, by          string
		}
		var others []running
		for rows.Next() {
			var r running
			if err := rows.Scan(&r.id, &r.owner, &r.lease, &r.started, &r.by); err != nil {
				rows.Close()
				return err
			}
			others = append(others, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range others {
			if runAlive(r.owner, r.lease, ms(now), func() bool { _, ok := s.running.Load(r.id); return ok }) {
				return intel.Errorf(intel.CodeConflict, "source %d is being collected: run %d, started %s by %s (%s)",
					sourceID, r.id, fromMS(r.started).UTC().Format(time.RFC3339), orDash(r.by), r.owner)
			}
			if _, err := s.exec(ctx, tx, `UPDATE collection_runs SET status = ?, error = ?, finished_at = started_at
WHERE id = ? AND status = ?`, intel.RunFailed, interruptedRun, r.id, intel.RunRunning); err != nil {
				return err
			}
		}
		err = s.queryRow(ctx, tx, `INSERT INTO collection_runs (source_id, started_at, status, started_by, owner, lease_until)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, sourceID, ms(now), run.Status, startedBy, runowner.Self,
			ms(now.Add(intel.RunLease))).Scan(&run.ID)
		if intel.ErrorCode(s.d.MapError(err)) == intel.CodeConflict {
			// collection_runs_one_running: another start won the race.
			return intel.Errorf(intel.CodeConflict, "source %d is being collected: another run started just now", sourceID)
		}
		return err
	})
	if err != nil {
		return nil, s.wrap("start run", err)
	}
	s.running.Store(run.ID, struct{}{})
	return run, nil
}

// maxLeaseLapse is how long a checkable process that is alive may go
// without renewing its run's lease before the run counts as stuck (or its
// PID as reused).
const maxLeaseLapse = 10 * intel.RunLease

// runAlive decides whether a running run still holds its source. A run
// this store started and has not finished (held) is alive, however long
// its import keeps the lease from being renewed; another run of this
// process (another store over the same database, or one whose end could
// not be recorded) is alive while its lease holds. A run of another
// process of this PID table is alive while that process exists and
// renewed its lease within maxLeaseLapse: on SQLite a long import holds
// the one writer connection and its renewals wait. A run whose process
// cannot be checked is alive while its lease holds.
func runAlive(owner string, lease, now int64, held func() bool) bool {
	if owner == runowner.Self {
		return held() || lease >= now
	}
	alive, known := runowner.State(owner)
	if known {
		return alive && lease >= now-int64(maxLeaseLapse/time.Millisecond)
	}
	return lease >= now
}

// RenewRun extends a running collection's lease by intel.RunLease from now.
// It fails with CodeNotFound when the run is no longer running (another
// process found it dead and interrupted it).
func (s *Store) RenewRun(ctx context.Context, runID int64) error {
	res, err := s.exec(ctx, s.db, `UPDATE collection_runs SET lease_until = ? WHERE id = ? AND status = ?`,
		ms(truncMS(s.now()).Add(intel.RunLease)), runID, intel.RunRunning)
	if err != nil {
		return s.wrap("renew run", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return s.wrap("renew run", notFound("running collection", fmt.Sprint(runID)))
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// FinishRun records the end of a run: its status, stats and error.
func (s *Store) FinishRun(ctx context.Context, run *intel.CollectionRun) error {
	// Whatever happens to the record below, this process no longer runs
	// it: a failed write must not keep the source blocked.
	defer s.running.Delete(run.ID)
	run.FinishedAt = truncMS(s.now())
	stats := "{}"
	if run.Stats != nil {
		b, err := json.Marshal(run.Stats)
		if err != nil {
			return s.wrap("finish run", err)
		}
		stats = string(b)
	}
	// A run may finish after its context was cancelled (SIGTERM); the
	// record of how it ended must still be written.
	ctx = context.WithoutCancel(ctx)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `UPDATE collection_runs SET finished_at = ?, status = ?, stats = ?, error = ? WHERE id = ?`,
			ms(run.FinishedAt), run.Status, stats, run.Error, run.ID)
		if err != nil {
			return err
		}
		// A run started by hand also counts for the schedule: the next
		// scheduled run comes one interval after it, not at once.
		end := ms(run.FinishedAt)
		_, err = s.exec(ctx, tx, `UPDATE sources SET next_run_at = ? + interval_ms
WHERE id = ? AND interval_ms > 0 AND next_run_at < ? + interval_ms`, end, run.SourceID, end)
		return err
	})
	return s.wrap("finish run", err)
}

// ReportRunProgress records how far a running collection has got, for
// the Sources page of every replica; a run that is no longer running is
// left as it ended.
func (s *Store) ReportRunProgress(ctx context.Context, runID int64, done, total int) error {
	_, err := s.exec(ctx, s.db, `UPDATE collection_runs SET progress_done = ?, progress_total = ?, progress_at = ?
WHERE id = ? AND status = ?`, done, total, ms(truncMS(s.now())), runID, intel.RunRunning)
	return s.wrap("report run progress", err)
}

const runCols = `r.id, r.source_id, s.name, r.started_at, r.finished_at, r.status, r.started_by, r.stats, r.error,
	r.progress_done, r.progress_total, r.progress_at`

func scanRun(r scanner) (*intel.CollectionRun, error) {
	var (
		run               intel.CollectionRun
		started, finished int64
		stats             string
		done, total, at   int64
	)
	if err := r.Scan(&run.ID, &run.SourceID, &run.SourceName, &started, &finished, &run.Status, &run.Trigger, &stats, &run.Error,
		&done, &total, &at); err != nil {
		return nil, err
	}
	if at != 0 {
		run.Progress = &intel.RunProgress{Done: int(done), Total: int(total), At: fromMS(at)}
	}
	run.StartedAt, run.FinishedAt = fromMS(started), fromMS(finished)
	if stats != "" && stats != "{}" {
		run.Stats = &intel.ImportStats{}
		_ = json.Unmarshal([]byte(stats), run.Stats) // written by FinishRun
	}
	return &run, nil
}

// FindRuns returns the newest runs, of one source when sourceID is not 0.
func (s *Store) FindRuns(ctx context.Context, sourceID int64, limit int) ([]*intel.CollectionRun, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.query(ctx, s.rdb, `SELECT `+runCols+` FROM collection_runs r JOIN sources s ON s.id = r.source_id
WHERE ? = 0 OR r.source_id = ? ORDER BY r.id DESC LIMIT ?`, sourceID, sourceID, limit)
	if err != nil {
		return nil, s.wrap("find runs", err)
	}
	defer rows.Close()
	var out []*intel.CollectionRun
	for rows.Next() {
		run, err := scanRun(rows)
		if err != nil {
			return nil, s.wrap("find runs", err)
		}
		out = append(out, run)
	}
	return out, s.wrap("find runs", rows.Err())
}

// FindLatestRuns returns the newest run of each source that has one.
func (s *Store) FindLatestRuns(ctx context.Context) (map[int64]*intel.CollectionRun, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+runCols+` FROM collection_runs r JOIN sources s ON s.id = r.source_id
WHERE r.id IN (SELECT MAX(id) FROM collection_runs GROUP BY source_id)`)
	if err != nil {
		return nil, s.wrap("find latest runs", err)
	}
	defer rows.Close()
	out := map[int64]*intel.CollectionRun{}
	for rows.Next() {
		run, err := scanRun(rows)
		if err != nil {
			return nil, s.wrap("find latest runs", err)
		}
		out[run.SourceID] = run
	}
	return out, s.wrap("find latest runs", rows.Err())
}

// DeleteFailedSource deletes a source none of whose runs succeeded and
// that nothing stored names (no object record, document, indicator, event
// or kept STIX object): what a first import that failed leaves behind.
// It reports whether it deleted; a source with data or a good run stays.
func (s *Store) DeleteFailedSource(ctx context.Context, id int64) (bool, error) {
	var deleted bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var used int
		if err := s.queryRow(ctx, tx, `SELECT
	(SELECT COUNT(*) FROM collection_runs WHERE source_id = ? AND status <> ?) +
	(SELECT COUNT(*) FROM object_records WHERE source_id = ?) +
	(SELECT COUNT(*) FROM documents WHERE source_id = ?) +
	(SELECT COUNT(*) FROM indicators WHERE source_id = ?) +
	(SELECT COUNT(*) FROM indicator_sources WHERE source_id = ?) +
	(SELECT COUNT(*) FROM events WHERE source_id = ?) +
	(SELECT COUNT(*) FROM stix_objects WHERE source_id = ?)`,
			id, intel.RunFailed, id, id, id, id, id, id).Scan(&used); err != nil {
			return err
		}
		if used > 0 {
			return nil
		}
		res, err := s.exec(ctx, tx, `DELETE FROM sources WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if deleted = n > 0; deleted {
			return s.audit(ctx, tx, "source.delete", "source", id, "a first import that failed")
		}
		return nil
	})
	return deleted, s.wrap("delete failed source", err)
}
