package store

import (
	"context"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// What spoor doctor reads of the schedule: the sources waiting for a
// scheduler, and the runs left "running" by a process that is gone.

// FindDueSources lists the enabled scheduled sources whose next run is
// at or before now, the longest waiting first.
func (s *Store) FindDueSources(ctx context.Context, now time.Time) ([]*intel.Source, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+sourceCols+` FROM sources
WHERE enabled = 1 AND interval_ms > 0 AND next_run_at <= ? ORDER BY next_run_at, id`, ms(now))
	if err != nil {
		return nil, s.wrap("find due sources", err)
	}
	defer rows.Close()
	var out []*intel.Source
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, s.wrap("find due sources", err)
		}
		out = append(out, src)
	}
	return out, s.wrap("find due sources", rows.Err())
}

// StuckRun is a run recorded as running that no live process holds.
type StuckRun struct {
	intel.CollectionRun
	Owner      string    `json:"owner"` // host:pid and PID namespace of the process that started it
	LeaseUntil time.Time `json:"lease_until,omitzero"`
}

// FindStuckRuns lists the runs marked running that are not alive by the
// rule StartRun applies (runAlive): their process is gone, or their lease
// expired. StartRun marks such a run interrupted when its source next
// starts; until then it is a sign that a collector died.
func (s *Store) FindStuckRuns(ctx context.Context) ([]StuckRun, error) {
	now := ms(s.now())
	rows, err := s.query(ctx, s.rdb, `SELECT `+runCols+`, r.owner, r.lease_until
FROM collection_runs r JOIN sources s ON s.id = r.source_id WHERE r.status = ? ORDER BY r.id`, intel.RunRunning)
	if err != nil {
		return nil, s.wrap("find stuck runs", err)
	}
	defer rows.Close()
	var out []StuckRun
	for rows.Next() {
		var (
			r     StuckRun
			lease int64
		)
		run, err := scanRun(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &r.Owner, &lease)...) }))
		if err != nil {
			return nil, s.wrap("find stuck runs", err)
		}
		r.CollectionRun = *run
		held := func() bool { _, ok := s.running.Load(r.ID); return ok }
		if runAlive(r.Owner, lease, now, held) {
			continue
		}
		r.LeaseUntil = fromMS(lease)
		out = append(out, r)
	}
	return out, s.wrap("find stuck runs", rows.Err())
}
