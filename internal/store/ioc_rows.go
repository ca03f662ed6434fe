package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

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

// writeRun writes a run's aggregated values, sorted by type and value:
// the new ones first (insertRun), then, in statements of up to bulkRows
// values of one type, the merge of the others with their stored rows
// (mergeStored), then the run's provenance; its event links are queued
// (writeLinks).
func (im *iocImport) writeRun(ctx context.Context, aggs []*indAgg) error {
	start := time.Now()
	if err := im.insertRun(ctx, aggs); err != nil {
		return err
	}
	timed(&im.phases.Indicators, start)
	var provWrites []provRow
	err := eachStatement(aggs, func(part []*indAgg) error {
		var err error
		provWrites, err = im.mergeStored(ctx, part, provWrites)
		return err
	})
	if err != nil {
		return err
	}
	start = time.Now()
	if err := im.writeProvenance(ctx, provWrites); err != nil {
		return err
	}
	timed(&im.phases.Provenance, start)
	return nil
}

// eachStatement calls fn with the runs of up to bulkRows values of one
// type of the sorted aggs: each lookup is an index range scan of UNIQUE
// (type, value).
func eachStatement(aggs []*indAgg, fn func([]*indAgg) error) error {
	for start := 0; start < len(aggs); {
		end := min(start+bulkRows, len(aggs))
		for j := start + 1; j < end; j++ {
			if aggs[j].key.t != aggs[start].key.t {
				end = j
				break
			}
		}
		if err := fn(aggs[start:end]); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// insertRun inserts the run's values that are not stored yet and sets
// the id of each (created says it is new); values already stored get
// their ids from mergeStored. New values first: a first import of a list
// reads nothing back. With BulkHooks.Copy the whole run goes through a
// temporary table in one COPY and one INSERT … SELECT; elsewhere in
// multi-row statements (insertNew).
func (im *iocImport) insertRun(ctx context.Context, aggs []*indAgg) error {
	if im.bulk.Copy {
		return im.copyNew(ctx, aggs)
	}
	return eachStatement(aggs, func(part []*indAgg) error {
		created, err := im.insertNew(ctx, part)
		if err != nil {
			return err
		}
		for _, a := range part {
			a.id, a.created = created[a.key.v]
		}
		return nil
	})
}

// The temporary tables a run is copied into (BulkHooks.Copy). They live
// until the transaction ends.
var copyTables = []string{
	`CREATE TEMPORARY TABLE ioc_new_indicators (type TEXT, value TEXT, description TEXT, tags TEXT,
	first_seen BIGINT, last_seen BIGINT, confidence DOUBLE PRECISION, tlp TEXT, source_id BIGINT, warninglist TEXT,
	created_at BIGINT, updated_at BIGINT) ON COMMIT DROP`,
	`CREATE TEMPORARY TABLE ioc_provenance (indicator_id BIGINT, source_id BIGINT, first_seen BIGINT,
	last_seen BIGINT, confidence DOUBLE PRECISION) ON COMMIT DROP`,
	`CREATE TEMPORARY TABLE ioc_links (event_id BIGINT, indicator_id BIGINT) ON COMMIT DROP`,
}

// copyInto empties the temporary table and loads rows into it, creating
// the tables on first use.
func (im *iocImport) copyInto(ctx context.Context, table string, cols []string, rs *rowSet) error {
	if !im.copyReady {
		for _, q := range copyTables {
			if _, err := im.tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("bulk tables: %w", err)
			}
		}
		im.copyReady = true
	} else if err := im.execStmt(ctx, `TRUNCATE `+table); err != nil {
		return err
	}
	if err := im.s.d.copyRows(ctx, im.conn, table, cols, rs); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	return nil
}

// copyNew is insertRun through COPY: the new rows take identity values in
// value order, and RETURNING names those that went in.
func (im *iocImport) copyNew(ctx context.Context, aggs []*indAgg) error {
	rs := indicatorRows()
	for _, a := range aggs {
		im.addIndicator(rs, a, &storedInd{desc: a.desc, first: a.first, last: a.last, conf: a.conf, tlp: a.tlp,
			srcID: im.srcIDs[a.src], warn: a.warn}, jsonText(a.tags))
		a.id, a.created = 0, false
	}
	if err := im.copyInto(ctx, "ioc_new_indicators", bulkIndicatorColList, rs); err != nil {
		return err
	}
	rows, err := im.tx.QueryContext(ctx, `INSERT INTO indicators (`+bulkIndicatorCols+`)
SELECT `+bulkIndicatorCols+` FROM ioc_new_indicators ORDER BY type, value
ON CONFLICT (type, value) DO NOTHING
RETURNING id, type, value`)
	if err != nil {
		return err
	}
	defer rows.Close()
	ids := make(map[indKey]int64, len(aggs))
	for rows.Next() {
		var id int64
		var k indKey
		if err := rows.Scan(&id, &k.t, &k.v); err != nil {
			return err
		}
		ids[k] = id
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range aggs {
		a.id, a.created = ids[a.key]
	}
	return nil
}

// mergeStored merges up to bulkRows values of one type with what is
// stored: one query loads the stored rows of those insertRun did not
// create, one their provenance, one their event links, one upserts what
// changed. The provenance rows to write are added to provWrites, the
// event links queued.
func (im *iocImport) mergeStored(ctx context.Context, aggs []*indAgg, provWrites []provRow) ([]provRow, error) {
	start := time.Now()
	var rest []*indAgg
	for _, a := range aggs {
		if !a.created {
			rest = append(rest, a)
		}
	}
	stored := map[string]storedInd{}
	var oldProv map[provKey]prov
	var have map[[2]int64]bool
	if len(rest) > 0 {
		if err := im.hooks(ctx, im.bulk.Lookup); err != nil {
			return nil, err
		}
		var err error
		if stored, err = im.loadIndicators(ctx, rest); err != nil {
			return nil, err
		}
		ids := make([]int64, 0, len(rest))
		for _, a := range rest {
			old, ok := stored[a.key.v]
			if !ok { // deleted by another writer between the two statements
				return nil, fmt.Errorf("indicator %s %q: neither inserted nor found", a.key.t, a.key.v)
			}
			a.id = old.id
			ids = append(ids, old.id)
		}
		if oldProv, err = im.loadProvenance(ctx, ids); err != nil {
			return nil, err
		}
		if have, err = im.loadLinks(ctx, ids); err != nil {
			return nil, err
		}
		if err := im.hooks(ctx, im.bulk.Unlookup); err != nil {
			return nil, err
		}
	}
	start = timed(&im.phases.Indicators, start)
	type write struct {
		a      *indAgg
		merged *storedInd
	}
	var writes []write
	for _, a := range aggs {
		var m *storedInd
		m, provWrites = im.merge(a, stored[a.key.v], oldProv, provWrites)
		if m != nil {
			writes = append(writes, write{a, m})
		}
	}
	start = timed(&im.phases.Aggregate, start)
	if len(writes) > 0 {
		rs := indicatorRows()
		for _, w := range writes {
			im.addIndicator(rs, w.a, w.merged, w.merged.tags)
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
			return nil, err
		}
		byValue, err := im.returnedIDs(ctx, st, args, len(writes))
		if err != nil {
			return nil, err
		}
		for _, w := range writes {
			if _, ok := byValue[w.a.key.v]; !ok {
				return nil, fmt.Errorf("indicator %s %q: no id returned", w.a.key.t, w.a.key.v)
			}
		}
	}
	start = timed(&im.phases.Indicators, start)
	im.links(aggs, have)
	timed(&im.phases.Links, start)
	return provWrites, nil
}

// writeProvenance upserts a run's provenance rows (one per indicator and
// source), through COPY where the dialect has it.
func (im *iocImport) writeProvenance(ctx context.Context, provWrites []provRow) error {
	const cols = `indicator_id, source_id, first_seen, last_seen, confidence`
	const conflict = `
ON CONFLICT (indicator_id, source_id) DO UPDATE SET first_seen = excluded.first_seen,
	last_seen = excluded.last_seen, confidence = excluded.confidence`
	rowsOf := func(part []provRow) *rowSet {
		rs := newRowSet(colInt, colInt, colInt, colInt, colReal)
		for _, w := range part {
			rs.add(w.key.ind, w.key.src, w.p.first, w.p.last, w.p.conf)
		}
		return rs
	}
	if len(provWrites) == 0 {
		return nil
	}
	if im.bulk.Copy {
		if err := im.copyInto(ctx, "ioc_provenance", strings.Split(cols, ", "), rowsOf(provWrites)); err != nil {
			return err
		}
		return im.execStmt(ctx, `INSERT INTO indicator_sources (`+cols+`)
SELECT `+cols+` FROM ioc_provenance ORDER BY indicator_id, source_id`+conflict)
	}
	for start := 0; start < len(provWrites); start += bulkRows {
		src, args := im.s.d.rowsSource(rowsOf(provWrites[start:min(start+bulkRows, len(provWrites))]))
		if err := im.execStmt(ctx, `INSERT INTO indicator_sources (`+cols+`)
`+src+conflict, args...); err != nil {
			return err
		}
	}
	return nil
}

// bulkIndicatorCols are the columns an import writes, in the order of
// indicatorArgs.
const bulkIndicatorCols = `type, value, description, tags, first_seen, last_seen, confidence, tlp,
	source_id, warninglist, created_at, updated_at`

// indicatorRows returns an empty rowSet of bulkIndicatorCols.
var bulkIndicatorColList = strings.Fields(strings.ReplaceAll(bulkIndicatorCols, ",", " "))

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
	// conflict in the first run of rows (it holds each value once), and
	// SQLite inserts faster without the ON CONFLICT clause's checks.
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
		if i, ok := im.srcIdx[k.src]; ok {
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
