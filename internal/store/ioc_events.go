package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// eventState is what an import keeps of the batch's events, by batch
// event index: a few fields each, whatever the number of rows.
type eventState struct {
	ids     []int64 // row id
	canon   []int   // index of its first copy (-1: rejected)
	linked  []bool  // the event gained indicators
	pending []bool  // stored before and unchanged so far
	stored  []bool  // stored before the import (orig holds the row)
	orig    []storedEvent
	written []storedEvent             // the row as stored now
	seen    map[[2]string]int         // (source id, key) → first index
	old     map[[2]string]storedEvent // stored events of the batch's sources
	groups  *groupIndex
}

// storedEvent is an event row as loaded for merging.
type storedEvent struct {
	id          int64
	title       string
	groupID     int64
	label       string
	first, last int64
	conf        float64
	tlp         intel.TLP
	times       string // JSON: activity times in unix ms, sorted
}

// loadEvents reads the stored events of sources, to merge with.
func (im *iocImport) loadEvents(ctx context.Context, srcIDs []int64) error {
	if im.ev.old == nil {
		im.ev.old, im.ev.seen = map[[2]string]storedEvent{}, map[[2]string]int{}
	}
	rows, err := im.inQuery(ctx, `SELECT id, source_id, event_key, title, COALESCE(group_id, 0), group_label, first_seen,
	last_seen, confidence, tlp, times FROM events WHERE event_key IS NOT NULL AND source_id %s`, srcIDs)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e storedEvent
		var src int64
		var key string
		if err := rows.Scan(&e.id, &src, &key, &e.title, &e.groupID, &e.label, &e.first, &e.last, &e.conf, &e.tlp, &e.times); err != nil {
			return err
		}
		im.ev.old[[2]string{fmt.Sprint(src), key}] = e
	}
	return rows.Err()
}

// eventRow is the row batch event i makes now: its fields merged with the
// stored row it had before the import, if any. A list's later rows widen
// an event's times, so the row is computed again at the end (finishEvents).
func (im *iocImport) eventRow(i int) storedEvent {
	e := &im.b.Events[i]
	src := &im.srcs[e.Source]
	title := e.Title
	if title == "" {
		title = e.GroupLabel
	}
	n := storedEvent{id: im.ev.ids[i], title: title, groupID: im.ev.groups.resolve(e.GroupExternalID, e.GroupLabel),
		label: e.GroupLabel, first: ms(e.FirstSeen), last: ms(e.LastSeen), conf: src.Credibility, tlp: src.TLP,
		times: mergeTimes("[]", e.Times)}
	if !im.ev.stored[i] {
		return n
	}
	o := im.ev.orig[i]
	n.first, n.last = minSeen(o.first, n.first), max(o.last, n.last)
	n.times = mergeTimes(o.times, e.Times) // a later list adds times, never takes them away
	if n.groupID == 0 {
		n.groupID = o.groupID // a group linked earlier (or by hand) stays
	}
	return n
}

// updateEvent writes an event's merged row.
func (im *iocImport) updateEvent(ctx context.Context, i int, n storedEvent) error {
	if err := im.execStmt(ctx, `UPDATE events SET title = ?, group_id = ?, group_label = ?, first_seen = ?,
	last_seen = ?, confidence = ?, tlp = ?, times = ?, updated_at = ? WHERE id = ?`, n.title, nullID(n.groupID), n.label,
		n.first, n.last, n.conf, n.tlp, n.times, im.now, n.id); err != nil {
		return fmt.Errorf("event %q: %w", im.b.Events[i].Title, err)
	}
	im.ev.written[i] = n
	return nil
}

// syncEvents upserts the events the batch gained since the last run by
// (source, key), resolving groups.
func (im *iocImport) syncEvents(ctx context.Context) error {
	b := im.b
	ev := &im.ev
	from := len(ev.ids)
	if from == len(b.Events) {
		return nil
	}
	if ev.groups == nil {
		groups, err := im.s.loadGroupIndex(ctx, im.tx)
		if err != nil {
			return fmt.Errorf("load groups: %w", err)
		}
		ev.groups = groups
	}
	grow := len(b.Events) - from
	ev.ids = append(ev.ids, make([]int64, grow)...)
	ev.canon = append(ev.canon, make([]int, grow)...)
	ev.linked = append(ev.linked, make([]bool, grow)...)
	ev.pending = append(ev.pending, make([]bool, grow)...)
	ev.stored = append(ev.stored, make([]bool, grow)...)
	ev.orig = append(ev.orig, make([]storedEvent, grow)...)
	ev.written = append(ev.written, make([]storedEvent, grow)...)
	c := im.stats.Count("event")
	// New events go in multi-row inserts; RETURNING gives each id back
	// with its (source, key), since row order is not guaranteed.
	var inserts []int
	var args []any
	flush := func() error {
		if len(inserts) == 0 {
			return nil
		}
		st, err := im.stmt(ctx, `INSERT INTO events (title, group_id, source_id, first_seen, last_seen, confidence, tlp,
	group_label, event_key, times, created_at, updated_at)
VALUES `+placeholders(len(inserts), 12)+` RETURNING id, source_id, event_key`)
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		ids := map[[2]string]int64{}
		for rows.Next() {
			var id, src int64
			var key string
			if err := rows.Scan(&id, &src, &key); err != nil {
				return err
			}
			ids[[2]string{fmt.Sprint(src), key}] = id
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, i := range inserts {
			k := [2]string{fmt.Sprint(im.srcIDs[b.Events[i].Source]), b.Events[i].Key}
			if ev.ids[i] = ids[k]; ev.ids[i] == 0 {
				return fmt.Errorf("event %q: no id returned", b.Events[i].Title)
			}
			ev.written[i].id = ev.ids[i]
		}
		inserts, args = inserts[:0], args[:0]
		return nil
	}
	for i := from; i < len(b.Events); i++ {
		e := &b.Events[i]
		ev.canon[i] = i
		c.Seen++
		if e.Source < 0 || e.Source >= len(im.srcs) || e.Key == "" {
			err := intel.Errorf(intel.CodeInvalid, "event %d (%s): no key or unknown source", i, e.Title)
			if b.Strict {
				return err
			}
			c.Rejected++
			ev.canon[i] = -1
			im.warn("%s", err.Message)
			continue
		}
		srcID := im.srcIDs[e.Source]
		k := [2]string{fmt.Sprint(srcID), e.Key}
		if j, dup := ev.seen[k]; dup {
			// The same event twice in one batch: one row, counted once.
			ev.canon[i] = j
			c.Seen--
			continue
		}
		ev.seen[k] = i
		o, exists := ev.old[k]
		if exists {
			ev.stored[i], ev.orig[i], ev.ids[i] = true, o, o.id
		}
		n := im.eventRow(i)
		if !exists {
			ev.written[i] = n
			inserts = append(inserts, i)
			args = append(args, n.title, nullID(n.groupID), srcID, n.first, n.last, n.conf, n.tlp, n.label, e.Key,
				n.times, im.now, im.now)
			if len(inserts) == bulkRows {
				if err := flush(); err != nil {
					return err
				}
			}
			c.Created++
			continue
		}
		ev.written[i] = o
		if n == o {
			ev.pending[i] = true // counted once its links are known (touchEvents)
			continue
		}
		if err := im.updateEvent(ctx, i, n); err != nil {
			return err
		}
		c.Updated++
	}
	return flush()
}

// finishEvents writes what rows after an event's first run changed in it
// (times, group), then counts and stamps the events stored before.
func (im *iocImport) finishEvents(ctx context.Context) error {
	if err := im.syncEvents(ctx); err != nil {
		return err
	}
	ev := &im.ev
	for i := range ev.ids {
		if ev.canon[i] != i {
			continue
		}
		n := im.eventRow(i)
		if n == ev.written[i] {
			continue
		}
		if err := im.updateEvent(ctx, i, n); err != nil {
			return err
		}
		if ev.pending[i] {
			ev.pending[i] = false
			im.stats.Count("event").Updated++
		}
	}
	return im.touchEvents(ctx)
}

// mergeTimes adds activity times to a stored JSON list of unix ms,
// sorted and without repeats, at most intel.MaxEventTimes of them (the
// earliest kept).
func mergeTimes(stored string, add []time.Time) string {
	if len(add) == 0 {
		return stored
	}
	all := fromJSON[int64](stored)
	for _, t := range add {
		if !t.IsZero() {
			all = append(all, ms(t))
		}
	}
	slices.Sort(all)
	all = slices.Compact(all)
	return jsonText(all[:min(len(all), intel.MaxEventTimes)])
}

// touchEvents counts the stored events the batch left as they were, and
// stamps those that only gained indicators as updated.
func (im *iocImport) touchEvents(ctx context.Context) error {
	c := im.stats.Count("event")
	var ids []int64
	for i, p := range im.ev.pending {
		if !p {
			continue
		}
		if im.ev.linked[i] {
			c.Updated++
			ids = append(ids, im.ev.ids[i])
		} else {
			c.Unchanged++
		}
	}
	for start := 0; start < len(ids); start += bulkRows {
		part := ids[start:min(start+bulkRows, len(ids))]
		args := make([]any, 0, len(part)+1)
		args = append(args, im.now)
		for _, id := range part {
			args = append(args, id)
		}
		if err := im.execStmt(ctx, `UPDATE events SET updated_at = ? WHERE id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// loadLinks returns the stored event links of the given indicators.
func (im *iocImport) loadLinks(ctx context.Context, existing []int64) (map[[2]int64]bool, error) {
	have := map[[2]int64]bool{}
	if len(existing) == 0 {
		return have, nil
	}
	rows, err := im.inQuery(ctx, `SELECT event_id, indicator_id FROM event_indicators WHERE indicator_id %s`, existing)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k [2]int64
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			return nil, err
		}
		have[k] = true
	}
	return have, rows.Err()
}

// links queues the event links of a statement's indicators; have holds
// the stored links of indicators that were stored before, to count what
// is new. writeLinks inserts the queue once the run is written.
func (im *iocImport) links(aggs []*indAgg, have map[[2]int64]bool) {
	if have == nil {
		have = map[[2]int64]bool{}
	}
	for _, a := range aggs {
		for _, e := range a.events {
			ci := im.ev.canon[e]
			if ci < 0 {
				continue
			}
			k := [2]int64{im.ev.ids[ci], a.id}
			if have[k] {
				continue
			}
			have[k] = true
			im.ev.linked[ci] = true
			im.newLinks = append(im.newLinks, k)
		}
	}
}

// writeLinks inserts the run's queued event links in (event, indicator)
// order, and empties the queue: statements run in value order, which
// scatters links across every event,
// and sorted inserts go to the right end of the primary key's B-tree
// instead of to random pages (a third less time on SQLite).
func (im *iocImport) writeLinks(ctx context.Context) error {
	slices.SortFunc(im.newLinks, func(x, y [2]int64) int {
		return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1]))
	})
	if im.bulk.Copy && len(im.newLinks) > 0 {
		rs := newRowSet(colInt, colInt)
		for _, k := range im.newLinks {
			rs.add(k[0], k[1])
		}
		if err := im.copyInto(ctx, "ioc_links", []string{"event_id", "indicator_id"}, rs); err != nil {
			return err
		}
		im.newLinks = im.newLinks[:0]
		return im.execStmt(ctx, `INSERT INTO event_indicators (event_id, indicator_id)
SELECT event_id, indicator_id FROM ioc_links ORDER BY event_id, indicator_id ON CONFLICT DO NOTHING`)
	}
	for start := 0; start < len(im.newLinks); start += bulkRows {
		rs := newRowSet(colInt, colInt)
		for _, k := range im.newLinks[start:min(start+bulkRows, len(im.newLinks))] {
			rs.add(k[0], k[1])
		}
		src, args := im.s.d.rowsSource(rs)
		if err := im.execStmt(ctx, `INSERT INTO event_indicators (event_id, indicator_id) `+src+` ON CONFLICT DO NOTHING`,
			args...); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	im.newLinks = im.newLinks[:0]
	return nil
}
