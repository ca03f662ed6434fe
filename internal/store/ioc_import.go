package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// bulkRows is how many rows one multi-row statement writes or looks up.
// 500 rows × 12 columns stays far below both engines' parameter limits
// (SQLite 32766, PostgreSQL 65535) while making per-statement overhead
// negligible.
const bulkRows = 500

// analyzeRows is how many new indicator and provenance rows make an
// import refresh the planner's statistics (BulkHooks.Analyze).
const analyzeRows = 20000

// indKey is an indicator's identity: one (type, value) is stored once.
type indKey struct {
	t intel.IndicatorType
	v string
}

// prov is what one source says about one indicator in this batch.
type prov struct {
	src         int // index into the batch's sources
	first, last int64
	conf        float64
}

// indAgg merges every row of the batch with the same (type, value).
type indAgg struct {
	key         indKey
	desc        string
	descConf    float64 // confidence of the row the description came from
	tags        []string
	first, last int64
	conf        float64
	tlp         intel.TLP
	src         int // most credible source (index)
	warn        string
	provs       []prov
	events      []int32 // batch event indexes
	id          int64
	created     bool // inserted by this import
}

// storedInd is an indicator row as loaded for merging.
type storedInd struct {
	id          int64
	desc, tags  string
	first, last int64
	conf        float64
	tlp         intel.TLP
	srcID       int64
	warn        string
}

// iocImport is the state of one ImportIndicators call.
type iocImport struct {
	s         *Store
	tx        *sql.Tx
	b         *intel.IndicatorBatch
	now       int64
	stats     *intel.ImportStats
	srcIDs    []int64
	evIDs     []int64    // batch event index → row id
	evCanon   []int      // batch event index → index of its first copy (-1: rejected)
	evLink    []bool     // the event gained indicators
	evPending []bool     // stored before and unchanged so far
	newLinks  [][2]int64 // (event, indicator) links to insert, see writeLinks
	nextID    int64      // the next indicator id to give (BulkHooks.OwnIDs)
	// emptyAtStart: no indicator was stored when the import began
	// (BulkHooks.OwnIDs only).
	emptyAtStart bool
	bulk         BulkHooks
	*stmtCache
}

func (im *iocImport) warn(format string, args ...any) { warn(im.stats, format, args...) }

// placeholders returns n groups of k '?' joined for a VALUES list. Bulk
// statements ask for full chunks (bulkRows) hundreds of times, so those
// texts are kept, one per column count.
func placeholders(n, k int) string {
	if n != bulkRows {
		return buildPlaceholders(n, k)
	}
	if s, ok := placeholderTexts.Load([2]int{n, k}); ok {
		return s.(string)
	}
	s := buildPlaceholders(n, k)
	placeholderTexts.Store([2]int{n, k}, s)
	return s
}

var placeholderTexts sync.Map // [2]int{n, k} → string

func buildPlaceholders(n, k int) string {
	one := "(" + strings.Repeat("?, ", k-1) + "?)"
	var b strings.Builder
	b.Grow(n * (len(one) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

// ImportIndicators writes an indicator batch (an IOC list) in one
// transaction: its sources, its events (keyed by source and Key, linked to
// stored groups), and its indicators, each (type, value) once, with one
// provenance row per source that reported it. Merging keeps the earliest
// first-seen, the latest last-seen, the union of tags, the highest
// confidence (source credibility × row confidence) and the description,
// TLP and source of the most credible report. Invalid rows are counted as
// rejected with sample reasons in Warnings, or fail the whole import when
// the batch is Strict. A re-import of the same batch reports nothing
// created or updated and writes no row. progress, if not nil, is called
// with (done, total) as the import goes; a cancelled ctx rolls back.
func (s *Store) ImportIndicators(ctx context.Context, b *intel.IndicatorBatch, progress func(done, total int)) (*intel.ImportStats, error) {
	if len(b.Sources) == 0 {
		return nil, s.wrap("import indicators", intel.Errorf(intel.CodeInvalid, "the batch names no source"))
	}
	for i := range b.Sources {
		if err := b.Sources[i].Validate(); err != nil {
			return nil, s.wrap("import indicators", err)
		}
	}
	stats := &intel.ImportStats{Counts: map[string]*intel.ImportCount{}}
	for _, k := range []string{"indicator", "provenance", "event"} {
		stats.Count(k)
	}
	bulk := s.d.BulkIndicators()
	err := s.bulkTx(ctx, bulk, func(tx *sql.Tx) error {
		im := &iocImport{s: s, tx: tx, b: b, now: ms(s.now()), stats: stats, bulk: bulk, stmtCache: newStmtCache(s, tx)}
		defer im.close()
		return im.run(ctx, progress)
	})
	if err != nil {
		return nil, s.wrap("import indicators", err)
	}
	return stats, nil
}

func (im *iocImport) run(ctx context.Context, progress func(done, total int)) error {
	b := im.b
	srcs := make([]intel.Source, len(b.Sources))
	copy(srcs, b.Sources)
	im.srcIDs = make([]int64, len(srcs))
	for i := range srcs {
		if _, err := im.s.upsertSource(ctx, im.tx, &srcs[i]); err != nil {
			return fmt.Errorf("source %q: %w", srcs[i].Name, err)
		}
		im.srcIDs[i] = srcs[i].ID
	}
	aggs, err := im.aggregate(srcs)
	if err != nil {
		return err
	}
	if im.bulk.OwnIDs {
		if err := im.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM indicators`).Scan(&im.nextID); err != nil {
			return fmt.Errorf("largest indicator id: %w", err)
		}
		im.emptyAtStart = im.nextID == 1
	}
	total := len(aggs) + len(b.Events)
	if err := im.events(ctx, srcs); err != nil {
		return err
	}
	if progress != nil {
		progress(len(b.Events), total)
	}
	// Chunks hold one type each, so each lookup is an index range scan
	// of UNIQUE (type, value).
	for start := 0; start < len(aggs); {
		end := min(start+bulkRows, len(aggs))
		for j := start + 1; j < end; j++ {
			if aggs[j].key.t != aggs[start].key.t {
				end = j
				break
			}
		}
		if err := im.chunk(ctx, aggs[start:end]); err != nil {
			return err
		}
		start = end
		if progress != nil {
			progress(len(b.Events)+start, total)
		}
		// Checked per chunk: cheap, and a cancelled import still rolls
		// back completely.
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := im.writeLinks(ctx); err != nil {
		return err
	}
	if err := im.touchEvents(ctx); err != nil {
		return err
	}
	if n := im.stats.Count("indicator").Created + im.stats.Count("provenance").Created; n >= analyzeRows {
		if err := im.hooks(ctx, im.bulk.Analyze); err != nil {
			return err
		}
	}
	if err := im.hooks(ctx, im.bulk.End); err != nil {
		return err
	}
	if n := countWarned(aggs); n > 0 {
		im.warn("%d indicators are on a warninglist or in a special range (flagged, kept)", n)
	}
	return im.s.audit(ctx, im.tx, "import.create", "source", im.srcIDs[0], importSummary(im.stats)+", "+
		fmt.Sprintf("event %d new %d changed", im.stats.Count("event").Created, im.stats.Count("event").Updated))
}

func countWarned(aggs []*indAgg) int {
	n := 0
	for _, a := range aggs {
		if a.warn != "" {
			n++
		}
	}
	return n
}

// reject counts an invalid row, or fails a strict batch.
func (im *iocImport) reject(i int, r *intel.IndicatorRow, err error) error {
	if im.b.Strict {
		return fmt.Errorf("indicator %d (%s %q): %w", i, r.Type, r.Value, err)
	}
	im.stats.Count("indicator").Rejected++
	im.warn("indicator %d (%s %q): %s", i, r.Type, r.Value, intel.ErrorMessage(err))
	return nil
}

// aggregate validates the rows and merges those with the same (type,
// value), sorted by type and value so that chunks are index ranges.
func (im *iocImport) aggregate(srcs []intel.Source) ([]*indAgg, error) {
	b := im.b
	c := im.stats.Count("indicator")
	c.Seen, c.Rejected = b.Rejected, b.Rejected
	for _, r := range b.RejectReasons {
		im.warn("%s", r)
	}
	for _, n := range b.Notes {
		im.warn("%s", n)
	}
	byKey := make(map[indKey]*indAgg, len(b.Indicators))
	aggs := make([]*indAgg, 0, len(b.Indicators))
	for i := range b.Indicators {
		r := &b.Indicators[i]
		in := intel.Indicator{Type: r.Type, Value: r.Value, Confidence: r.Confidence, TLP: r.TLP,
			Description: r.Description, Tags: r.Tags}
		err := in.Validate()
		r.Tags = in.Tags // trimmed and NFC-normalised
		switch {
		case err != nil:
		case r.Source < 0 || r.Source >= len(srcs):
			err = intel.Errorf(intel.CodeInvalid, "source %d is not in the batch", r.Source)
		case r.Event < 0 || r.Event > len(b.Events):
			err = intel.Errorf(intel.CodeInvalid, "event %d is not in the batch", r.Event)
		case len(r.Value) > 8192:
			err = intel.Errorf(intel.CodeInvalid, "value of %d bytes is too long", len(r.Value))
		}
		if err != nil {
			if err := im.reject(i, r, err); err != nil {
				return nil, err
			}
			c.Seen++
			continue
		}
		src := &srcs[r.Source]
		conf := src.Credibility * r.Confidence
		tlp := r.TLP
		if tlp == "" {
			tlp = src.TLP
		}
		first, last := ms(r.FirstSeen), ms(r.LastSeen)
		k := indKey{r.Type, r.Value}
		a := byKey[k]
		if a == nil {
			a = &indAgg{key: k, desc: r.Description, descConf: conf, tags: slices.Clone(r.Tags), first: first,
				last: last, conf: conf, tlp: tlp, src: r.Source, warn: r.Warninglist,
				provs: []prov{{src: r.Source, first: first, last: last, conf: conf}}}
			byKey[k] = a
			aggs = append(aggs, a)
			c.Seen++
		} else {
			if r.Description != "" && (a.desc == "" || conf > a.descConf) {
				a.desc, a.descConf = r.Description, conf
			}
			a.tags = unionTags(a.tags, r.Tags)
			a.first, a.last = minSeen(a.first, first), max(a.last, last)
			if conf > a.conf {
				a.conf, a.tlp, a.src = conf, tlp, r.Source
			}
			if a.warn == "" {
				a.warn = r.Warninglist
			}
			found := false
			for j := range a.provs {
				p := &a.provs[j]
				if p.src == r.Source {
					p.first, p.last, p.conf = minSeen(p.first, first), max(p.last, last), max(p.conf, conf)
					found = true
					break
				}
			}
			if !found {
				a.provs = append(a.provs, prov{src: r.Source, first: first, last: last, conf: conf})
			}
		}
		if r.Event > 0 && !slices.Contains(a.events, int32(r.Event-1)) {
			a.events = append(a.events, int32(r.Event-1))
		}
	}
	slices.SortFunc(aggs, func(x, y *indAgg) int {
		return cmp.Or(cmp.Compare(x.key.t, y.key.t), cmp.Compare(x.key.v, y.key.v))
	})
	return aggs, nil
}

// minSeen is the earlier of two times where 0 means unknown.
func minSeen(a, b int64) int64 {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

// unionTags adds the tags of more that tags lacks, keeping order.
func unionTags(tags, more []string) []string {
	for _, t := range more {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// chunk writes up to bulkRows indicators of one type: one query loads
// the stored rows, one their provenance, one upserts what changed, one
// upserts the provenance; its event links are queued (writeLinks).
func (im *iocImport) chunk(ctx context.Context, aggs []*indAgg) error {
	c := im.stats.Count("indicator")
	pc := im.stats.Count("provenance")
	// New values first: one INSERT … ON CONFLICT DO NOTHING creates them
	// and returns their ids; only the values already stored are loaded
	// and merged. A first import of a list thus reads nothing back.
	created, err := im.insertNew(ctx, aggs)
	if err != nil {
		return err
	}
	var rest []*indAgg
	for _, a := range aggs {
		if id, ok := created[a.key.v]; ok {
			a.id, a.created = id, true
		} else {
			rest = append(rest, a)
		}
	}
	if err := im.hooks(ctx, im.bulk.Lookup); err != nil {
		return err
	}
	stored := map[string]storedInd{}
	if len(rest) > 0 {
		if stored, err = im.loadIndicators(ctx, rest); err != nil {
			return err
		}
	}
	var ids []int64
	for _, a := range rest {
		old, ok := stored[a.key.v]
		if !ok { // deleted by another writer between the two statements
			return fmt.Errorf("indicator %s %q: neither inserted nor found", a.key.t, a.key.v)
		}
		a.id = old.id
		ids = append(ids, old.id)
	}
	oldProv, err := im.loadProvenance(ctx, ids)
	if err != nil {
		return err
	}
	have, err := im.loadLinks(ctx, ids)
	if err != nil {
		return err
	}
	if err := im.hooks(ctx, im.bulk.Unlookup); err != nil {
		return err
	}
	type write struct {
		a      *indAgg
		tags   string
		merged storedInd
	}
	var writes []write
	type provRow struct {
		key provKey
		p   prov
	}
	var provWrites []provRow
	for _, a := range aggs {
		old := stored[a.key.v]
		provChanged := false
		// An indicator written another way (a STIX import, a report, a
		// form) has no provenance row: its own fields are its source's
		// report (FindIndicatorSources lists them). Before a list adds
		// rows, and may make itself the indicator's source, that report
		// becomes a row of its own, with the values from before the merge.
		own := provKey{a.id, old.srcID}
		_, ownRow := oldProv[own]
		implicit := !a.created && old.srcID != 0 && !ownRow
		for _, p := range a.provs {
			pc.Seen++
			key := provKey{a.id, im.srcIDs[p.src]}
			op, had := oldProv[key]
			forced := false
			if implicit && key == own {
				op, had = prov{src: p.src, first: old.first, last: old.last, conf: old.conf}, true
				implicit, forced = false, true
			}
			if had {
				p.first, p.last, p.conf = minSeen(op.first, p.first), max(op.last, p.last), max(op.conf, p.conf)
				switch {
				case p == op && !forced:
					pc.Unchanged++
					continue
				case p == op:
					pc.Unchanged++
				default:
					pc.Updated++
				}
			} else {
				pc.Created++
			}
			provChanged = true
			provWrites = append(provWrites, provRow{key, p})
		}
		if implicit && provChanged {
			provWrites = append(provWrites, provRow{own, prov{first: old.first, last: old.last, conf: old.conf}})
		}
		if a.created {
			c.Created++
			continue
		}
		m := old
		oldTags := fromJSON[string](old.tags)
		tags := unionTags(slices.Clone(oldTags), a.tags)
		if a.conf > old.conf {
			m.conf, m.tlp, m.srcID = a.conf, a.tlp, im.srcIDs[a.src]
			if a.desc != "" {
				m.desc = a.desc
			}
		} else if m.desc == "" {
			m.desc = a.desc
		}
		if m.srcID == 0 {
			m.srcID = im.srcIDs[a.src]
		}
		m.first, m.last = minSeen(old.first, a.first), max(old.last, a.last)
		if m.warn == "" {
			m.warn = a.warn
		}
		tagText := old.tags
		if len(tags) != len(oldTags) {
			tagText = jsonText(tags)
		}
		m.tags = tagText
		if m == old && !provChanged {
			c.Unchanged++
			continue
		}
		c.Updated++
		writes = append(writes, write{a: a, tags: tagText, merged: m})
	}
	if len(writes) > 0 {
		rs := indicatorRows()
		for _, w := range writes {
			im.addIndicator(rs, w.a, &w.merged, w.tags)
		}
		src, args := im.s.d.rowsSource(rs)
		q := `INSERT INTO indicators (` + bulkIndicatorCols + `)
` + src + `
ON CONFLICT (type, value) DO UPDATE SET description = excluded.description, tags = excluded.tags,
	first_seen = excluded.first_seen, last_seen = excluded.last_seen, confidence = excluded.confidence,
	tlp = excluded.tlp, source_id = excluded.source_id, warninglist = excluded.warninglist,
	updated_at = excluded.updated_at
RETURNING id, value`
		st, err := im.stmt(ctx, q)
		if err != nil {
			return err
		}
		byValue, err := im.returnedIDs(ctx, st, args, len(writes))
		if err != nil {
			return err
		}
		for _, w := range writes {
			id, ok := byValue[w.a.key.v]
			if !ok {
				return fmt.Errorf("indicator %s %q: no id returned", w.a.key.t, w.a.key.v)
			}
			w.a.id = id
		}
	}
	if len(provWrites) > 0 {
		rs := newRowSet(colInt, colInt, colInt, colInt, colReal)
		for _, w := range provWrites {
			rs.add(w.key.ind, w.key.src, w.p.first, w.p.last, w.p.conf)
		}
		src, args := im.s.d.rowsSource(rs)
		q := `INSERT INTO indicator_sources (indicator_id, source_id, first_seen, last_seen, confidence)
` + src + `
ON CONFLICT (indicator_id, source_id) DO UPDATE SET first_seen = excluded.first_seen,
	last_seen = excluded.last_seen, confidence = excluded.confidence`
		if err := im.execStmt(ctx, q, args...); err != nil {
			return err
		}
	}
	im.links(aggs, have)
	return nil
}

// hooks runs the dialect's bulk statements qs in the transaction.
func (im *iocImport) hooks(ctx context.Context, qs []string) error {
	for _, q := range qs {
		if _, err := im.tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bulk write: %w", err)
		}
	}
	return nil
}

type provKey struct{ ind, src int64 }

// bulkIndicatorCols are the columns an import writes, in the order of
// indicatorArgs.
const bulkIndicatorCols = `type, value, description, tags, first_seen, last_seen, confidence, tlp,
	source_id, warninglist, created_at, updated_at`

// indicatorRows returns an empty rowSet of bulkIndicatorCols.
func indicatorRows() *rowSet {
	return newRowSet(colText, colText, colText, colText, colInt, colInt, colReal, colText, colRef, colText, colInt, colInt)
}

func (im *iocImport) addIndicator(rs *rowSet, a *indAgg, m *storedInd, tags string) {
	rs.add(string(a.key.t), a.key.v, m.desc, tags, m.first, m.last, m.conf, string(m.tlp), m.srcID, m.warn, im.now, im.now)
}

// insertNew inserts the chunk's values that are not stored yet and
// returns their ids by value; stored values are left as they are.
//
// Where the engine lets the import number rows (BulkHooks.OwnIDs), each
// row is given the next id and the statement returns nothing: when every
// row went in, which is the whole of a first import, the ids are known
// without reading anything back; otherwise one range scan of the
// primary key finds which ones did. Values that were already stored
// leave their ids unused. Elsewhere RETURNING gives the ids (on
// PostgreSQL each conflicting row still draws an identity value). Either
// way a re-import leaves gaps in the ids of later indicators.
func (im *iocImport) insertNew(ctx context.Context, aggs []*indAgg) (map[string]int64, error) {
	rs := indicatorRows()
	if im.bulk.OwnIDs {
		rs = newRowSet(append([]colKind{colInt}, rs.kinds...)...)
	}
	for i, a := range aggs {
		m := &storedInd{desc: a.desc, first: a.first, last: a.last, conf: a.conf, tlp: a.tlp,
			srcID: im.srcIDs[a.src], warn: a.warn}
		if im.bulk.OwnIDs {
			rs.add(im.nextID+int64(i), string(a.key.t), a.key.v, m.desc, jsonText(a.tags), m.first, m.last, m.conf,
				string(m.tlp), m.srcID, m.warn, im.now, im.now)
			continue
		}
		im.addIndicator(rs, a, m, jsonText(a.tags))
	}
	src, args := im.s.d.rowsSource(rs)
	if !im.bulk.OwnIDs {
		st, err := im.stmt(ctx, `INSERT INTO indicators (`+bulkIndicatorCols+`)
`+src+`
ON CONFLICT (type, value) DO NOTHING
RETURNING id, value`)
		if err != nil {
			return nil, err
		}
		return im.returnedIDs(ctx, st, args, len(aggs))
	}
	first := im.nextID
	im.nextID += int64(len(aggs))
	// Into a table that was empty when the import began nothing can
	// conflict (the batch holds each value once), and SQLite inserts
	// faster without the ON CONFLICT clause's checks.
	conflict := "\nON CONFLICT DO NOTHING"
	if im.emptyAtStart {
		conflict = ""
	}
	st, err := im.stmt(ctx, `INSERT INTO indicators (id, `+bulkIndicatorCols+`)
`+src+conflict)
	if err != nil {
		return nil, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, err
	}
	ids := make(map[string]int64, n)
	if int(n) == len(aggs) {
		for i, a := range aggs {
			ids[a.key.v] = first + int64(i)
		}
		return ids, nil
	}
	if n == 0 {
		return ids, nil
	}
	st, err = im.stmt(ctx, `SELECT id, value FROM indicators WHERE id BETWEEN ? AND ?`)
	if err != nil {
		return nil, err
	}
	return im.returnedIDs(ctx, st, []any{first, im.nextID - 1}, int(n))
}

// returnedIDs runs st and collects the (id, value) rows it returns.
func (im *iocImport) returnedIDs(ctx context.Context, st *sql.Stmt, args []any, n int) (map[string]int64, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byValue := make(map[string]int64, n)
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		byValue[v] = id
	}
	return byValue, rows.Err()
}

// loadIndicators returns the stored rows of the chunk by value.
func (im *iocImport) loadIndicators(ctx context.Context, aggs []*indAgg) (map[string]storedInd, error) {
	values := make([]string, len(aggs))
	for i, a := range aggs {
		values[i] = a.key.v
	}
	in, inArgs := im.s.d.inText(values)
	q := `SELECT id, value, description, tags, first_seen, last_seen, confidence, tlp, COALESCE(source_id, 0),
	warninglist FROM indicators WHERE type = ? AND value ` + in
	st, err := im.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	args := append([]any{string(aggs[0].key.t)}, inArgs...)
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]storedInd{}
	for rows.Next() {
		var r storedInd
		var v string
		if err := rows.Scan(&r.id, &v, &r.desc, &r.tags, &r.first, &r.last, &r.conf, &r.tlp, &r.srcID, &r.warn); err != nil {
			return nil, err
		}
		out[v] = r
	}
	return out, rows.Err()
}

// loadProvenance returns the stored provenance of the given indicators;
// prov.src is the batch's index of the source, or -1 for another source.
func (im *iocImport) loadProvenance(ctx context.Context, ids []int64) (map[provKey]prov, error) {
	out := map[provKey]prov{}
	if len(ids) == 0 {
		return out, nil
	}
	srcIdx := make(map[int64]int, len(im.srcIDs))
	for i, id := range im.srcIDs {
		srcIdx[id] = i
	}
	rows, err := im.inQuery(ctx, `SELECT indicator_id, source_id, first_seen, last_seen, confidence
FROM indicator_sources WHERE indicator_id %s`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k provKey
		var p prov
		if err := rows.Scan(&k.ind, &k.src, &p.first, &p.last, &p.conf); err != nil {
			return nil, err
		}
		p.src = -1 // a source this batch does not name
		if i, ok := srcIdx[k.src]; ok {
			p.src = i
		}
		out[k] = p
	}
	return out, rows.Err()
}

// inQuery runs a prepared query with one list of ids: %s in q is
// "column %s", which the dialect's inInt completes (IN (?, …) or
// = ANY(?)).
func (im *iocImport) inQuery(ctx context.Context, q string, ids []int64) (*sql.Rows, error) {
	in, args := im.s.d.inInt(ids)
	st, err := im.stmt(ctx, fmt.Sprintf(q, in))
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
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

// links queues the event links of the chunk's indicators; have holds the
// stored links of indicators that were stored before, to count what is
// new. writeLinks inserts the queue once every chunk is written.
func (im *iocImport) links(aggs []*indAgg, have map[[2]int64]bool) {
	for _, a := range aggs {
		for _, e := range a.events {
			ci := im.evCanon[e]
			if ci < 0 {
				continue
			}
			k := [2]int64{im.evIDs[ci], a.id}
			if have[k] {
				continue
			}
			have[k] = true
			im.evLink[ci] = true
			im.newLinks = append(im.newLinks, k)
		}
	}
}

// writeLinks inserts the queued event links in (event, indicator) order:
// chunks run in value order, which scatters links across every event,
// and sorted inserts go to the right end of the primary key's B-tree
// instead of to random pages (a third less time on SQLite).
func (im *iocImport) writeLinks(ctx context.Context) error {
	slices.SortFunc(im.newLinks, func(x, y [2]int64) int {
		return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1]))
	})
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
	return nil
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

// events upserts the batch's events by (source, key), resolving groups.
func (im *iocImport) events(ctx context.Context, srcs []intel.Source) error {
	b := im.b
	im.evIDs = make([]int64, len(b.Events))
	im.evCanon = make([]int, len(b.Events))
	im.evLink = make([]bool, len(b.Events))
	im.evPending = make([]bool, len(b.Events))
	if len(b.Events) == 0 {
		return nil
	}
	c := im.stats.Count("event")
	groups, err := im.s.loadGroupIndex(ctx, im.tx)
	if err != nil {
		return fmt.Errorf("load groups: %w", err)
	}
	old := map[[2]string]storedEvent{}
	rows, err := im.inQuery(ctx, `SELECT id, source_id, event_key, title, COALESCE(group_id, 0), group_label, first_seen,
	last_seen, confidence, tlp, times FROM events WHERE event_key IS NOT NULL AND source_id %s`, im.srcIDs)
	if err != nil {
		return err
	}
	for rows.Next() {
		var e storedEvent
		var src int64
		var key string
		if err := rows.Scan(&e.id, &src, &key, &e.title, &e.groupID, &e.label, &e.first, &e.last, &e.conf, &e.tlp, &e.times); err != nil {
			rows.Close()
			return err
		}
		old[[2]string{fmt.Sprint(src), key}] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
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
			if im.evIDs[i] = ids[k]; im.evIDs[i] == 0 {
				return fmt.Errorf("event %q: no id returned", b.Events[i].Title)
			}
		}
		inserts, args = inserts[:0], args[:0]
		return nil
	}
	seen := map[[2]string]int{}
	for i := range b.Events {
		e := &b.Events[i]
		im.evCanon[i] = i
		c.Seen++
		if e.Source < 0 || e.Source >= len(srcs) || e.Key == "" {
			err := intel.Errorf(intel.CodeInvalid, "event %d (%s): no key or unknown source", i, e.Title)
			if b.Strict {
				return err
			}
			c.Rejected++
			im.evCanon[i] = -1
			im.warn("%s", err.Message)
			continue
		}
		srcID := im.srcIDs[e.Source]
		k := [2]string{fmt.Sprint(srcID), e.Key}
		if j, dup := seen[k]; dup {
			// The same event twice in one batch: one row, counted once.
			im.evCanon[i] = j
			c.Seen--
			continue
		}
		seen[k] = i
		title := e.Title
		if title == "" {
			title = e.GroupLabel
		}
		n := storedEvent{title: title, groupID: groups.resolve(e.GroupExternalID, e.GroupLabel), label: e.GroupLabel,
			first: ms(e.FirstSeen), last: ms(e.LastSeen), conf: srcs[e.Source].Credibility, tlp: srcs[e.Source].TLP,
			times: mergeTimes("[]", e.Times)}
		o, exists := old[k]
		if !exists {
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
		im.evIDs[i] = o.id
		n.id = o.id
		n.first, n.last = minSeen(o.first, n.first), max(o.last, n.last)
		n.times = mergeTimes(o.times, e.Times) // a later list adds times, never takes them away
		if n.groupID == 0 {
			n.groupID = o.groupID // a group linked earlier (or by hand) stays
		}
		if n == o {
			im.evPending[i] = true // counted once its links are known (touchEvents)
			continue
		}
		if err := im.execStmt(ctx, `UPDATE events SET title = ?, group_id = ?, group_label = ?, first_seen = ?,
	last_seen = ?, confidence = ?, tlp = ?, times = ?, updated_at = ? WHERE id = ?`, n.title, nullID(n.groupID), n.label,
			n.first, n.last, n.conf, n.tlp, n.times, im.now, o.id); err != nil {
			return fmt.Errorf("event %q: %w", e.Title, err)
		}
		c.Updated++
	}
	return flush()
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
	for i, p := range im.evPending {
		if !p {
			continue
		}
		if im.evLink[i] {
			c.Updated++
			ids = append(ids, im.evIDs[i])
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
