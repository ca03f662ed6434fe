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

// The IOC list import is split by what it writes: this file runs the
// transaction and feeds it runs of rows; ioc_aggregate.go merges the rows
// of a run by (type, value) and with what is stored; ioc_rows.go writes
// indicator and provenance rows; ioc_events.go writes events and their
// links to indicators.

// bulkRows is how many rows one multi-row statement writes or looks up.
// 500 rows × 12 columns stays far below both engines' parameter limits
// (SQLite 32766, PostgreSQL 65535) while making per-statement overhead
// negligible.
const bulkRows = 500

// analyzeRows is how many new indicator and provenance rows make an
// import refresh the planner's statistics (BulkHooks.Analyze).
const analyzeRows = 20000

// iocChunkRows is how many input rows an import aggregates and writes
// at a time: what it holds of a list, whatever the list's size. Values
// repeated across runs merge with the row an earlier run stored, as a
// re-import merges with an earlier import.
const iocChunkRows = 32768

// IOCPhases adds up where indicator imports spend their wall time
// (Store.TimeIOCImports), for benchmarks. Parse is the time the batch's
// Stream spent outside the store (reading and screening the list); FTS
// the dialect's closing bulk statements (SQLite fills the indicators'
// full-text index there); Indexes dropping and building again the
// indexes of an import into an empty table (see deferIndexes); Finish the
// statistics, audit and warnings.
type IOCPhases struct {
	Parse, Aggregate, Indicators, Provenance, Links, Events, FTS, Indexes, Finish, Commit time.Duration
	Chunks                                                                                int
}

// TimeIOCImports makes later ImportIndicators calls add their phases to
// p (nil stops). It returns s. Not safe with concurrent imports.
func (s *Store) TimeIOCImports(p *IOCPhases) *Store {
	s.iocPhases = p
	return s
}

// WithIOCChunkRows sets how many input rows an indicator import handles
// at a time (0: the default); tests use small runs to cross run
// boundaries. It returns s.
func (s *Store) WithIOCChunkRows(n int) *Store {
	s.lims.iocChunkRows = n
	return s
}

// iocImport is the state of one ImportIndicators call. What it keeps
// across runs of rows is per source and per event, plus bit sets over
// indicator ids: nothing per row.
type iocImport struct {
	s     *Store
	conn  *sql.Conn // the transaction's, for the dialect's bulk load
	tx    *sql.Tx
	b     *intel.IndicatorBatch
	now   int64
	stats *intel.ImportStats
	bulk  BulkHooks
	*stmtCache

	srcs   []intel.Source // the batch's sources as stored, as far as written
	srcIDs []int64
	srcIdx map[int64]int // source id → index in srcs

	rows int // input rows handed to the store so far

	// Indicators this run wrote or merged (by id), and those counted
	// unchanged: a value met again in a later run is not counted twice,
	// and turns from unchanged to updated when that run changes it.
	touched, unchanged idSet
	// The same per (indicator, batch source) for provenance rows.
	provTouched, provUnchanged []idSet
	warned                     int // distinct indicators on a warninglist

	ev       eventState
	newLinks [][2]int64 // (event, indicator) links of the current run, see writeLinks

	nextID int64 // the next indicator id to give (BulkHooks.OwnIDs)
	// emptyAtStart: no indicator was stored when the import began
	// (BulkHooks.OwnIDs only).
	emptyAtStart bool
	created      int // indicators this import inserted, for analyzed
	analyzed     bool
	copyReady    bool // the temporary tables of BulkHooks.Copy exist
	// deferred are the indexes of indicators dropped for the import, to
	// be built again at its end (deferIndexes).
	deferred []tableIndex

	phases IOCPhases
}

func (im *iocImport) warn(format string, args ...any) { warn(im.stats, format, args...) }

// timed adds the time since start to *d and returns now.
func timed(d *time.Duration, start time.Time) time.Time {
	now := time.Now()
	*d += now.Sub(start)
	return now
}

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
// created or updated and writes no row.
//
// The rows come from b.Indicators or, when set, b.Stream; either way they
// are handled in runs of a bounded number of rows, so a streamed list of
// any size takes the same memory, and a failure in any run rolls back
// the whole import. A value met again in a later run merges with the row
// an earlier run stored, by the rule of a re-import: its description is
// replaced only by a report more credible than the stored row. progress, if not nil, is called with (done, total)
// input rows as the import goes; total is 0 for a stream, whose size is
// not known. A cancelled ctx rolls back.
func (s *Store) ImportIndicators(ctx context.Context, b *intel.IndicatorBatch, progress func(done, total int)) (*intel.ImportStats, error) {
	if len(b.Sources) == 0 && b.Stream == nil {
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
	var im *iocImport
	var end time.Time
	err := s.bulkTx(ctx, bulk, func(conn *sql.Conn, tx *sql.Tx) error {
		im = &iocImport{s: s, conn: conn, tx: tx, b: b, now: ms(s.now()), stats: stats, bulk: bulk, stmtCache: newStmtCache(s, tx),
			srcIdx: map[int64]int{}}
		defer im.close()
		err := im.run(ctx, progress)
		end = time.Now()
		return err
	})
	if err != nil {
		return nil, s.wrap("import indicators", err)
	}
	if p := s.iocPhases; p != nil {
		im.phases.Commit = time.Since(end)
		p.add(&im.phases)
	}
	return stats, nil
}

func (p *IOCPhases) add(q *IOCPhases) {
	p.Parse += q.Parse
	p.Aggregate += q.Aggregate
	p.Indicators += q.Indicators
	p.Provenance += q.Provenance
	p.Links += q.Links
	p.Events += q.Events
	p.FTS += q.FTS
	p.Indexes += q.Indexes
	p.Finish += q.Finish
	p.Commit += q.Commit
	p.Chunks += q.Chunks
}

func (im *iocImport) run(ctx context.Context, progress func(done, total int)) error {
	b := im.b
	if im.bulk.OwnIDs {
		if err := im.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM indicators`).Scan(&im.nextID); err != nil {
			return fmt.Errorf("largest indicator id: %w", err)
		}
		im.emptyAtStart = im.nextID == 1
	}
	if err := im.deferIndexes(ctx); err != nil {
		return err
	}
	size := im.s.lims.iocChunkRows
	if size <= 0 {
		size = iocChunkRows
	}
	total := 0
	stream := b.Stream
	if stream == nil {
		total = len(b.Indicators)
		stream = func(emit func([]intel.IndicatorRow) error) error { return emit(b.Indicators) }
	}
	// Rows are copied into buf: a stream's rows are its own once emit
	// returns.
	buf := make([]intel.IndicatorRow, 0, min(size, max(total, 1024)))
	flush := func() error {
		if err := im.chunk(ctx, buf); err != nil {
			return err
		}
		clear(buf)
		buf = buf[:0]
		if progress != nil {
			progress(im.rows, total)
		}
		// Checked per run: cheap, and a cancelled import still rolls
		// back completely.
		return ctx.Err()
	}
	mark := time.Now()
	err := stream(func(rows []intel.IndicatorRow) error {
		mark = timed(&im.phases.Parse, mark)
		defer func() { mark = time.Now() }()
		for len(rows) > 0 {
			n := min(size-len(buf), len(rows))
			buf = append(buf, rows[:n]...)
			rows = rows[n:]
			if len(buf) == size {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	timed(&im.phases.Parse, mark)
	if err != nil {
		return err
	}
	// The last run, and the sources and events that only the end of the
	// list completes (an empty list still records its source).
	if err := flush(); err != nil {
		return err
	}
	if len(im.srcs) == 0 {
		return intel.Errorf(intel.CodeInvalid, "the batch names no source")
	}
	return im.finish(ctx)
}

// chunk handles one run of rows: the sources and events they brought,
// then their indicators in statements of up to bulkRows values of one
// type, then their event links.
func (im *iocImport) chunk(ctx context.Context, rows []intel.IndicatorRow) error {
	im.phases.Chunks++
	start := time.Now()
	if err := im.syncSources(ctx); err != nil {
		return err
	}
	if err := im.syncEvents(ctx); err != nil {
		return err
	}
	start = timed(&im.phases.Events, start)
	aggs, err := im.aggregate(rows)
	if err != nil {
		return err
	}
	im.rows += len(rows)
	timed(&im.phases.Aggregate, start)
	if err := im.writeRun(ctx, aggs); err != nil {
		return err
	}
	start = time.Now()
	if err := im.writeLinks(ctx); err != nil {
		return err
	}
	start = timed(&im.phases.Links, start)
	im.emptyAtStart = false // later runs may repeat its values
	if err := im.hooks(ctx, im.bulk.Run); err != nil {
		return err
	}
	start = timed(&im.phases.FTS, start)
	// Lookups of later runs need statistics that know the table is no
	// longer empty (see BulkHooks.Analyze).
	if !im.analyzed && im.created >= analyzeRows {
		im.analyzed = true
		if err := im.hooks(ctx, im.bulk.Analyze); err != nil {
			return err
		}
	}
	timed(&im.phases.Finish, start)
	return nil
}

// syncSources stores the sources the batch gained since the last run.
func (im *iocImport) syncSources(ctx context.Context) error {
	from := len(im.srcs)
	for i := from; i < len(im.b.Sources); i++ {
		src := im.b.Sources[i]
		if err := src.Validate(); err != nil {
			return fmt.Errorf("source %q: %w", src.Name, err)
		}
		if _, err := im.s.upsertSource(ctx, im.tx, &src); err != nil {
			return fmt.Errorf("source %q: %w", src.Name, err)
		}
		im.srcs = append(im.srcs, src)
		im.srcIDs = append(im.srcIDs, src.ID)
		im.srcIdx[src.ID] = i
		im.provTouched = append(im.provTouched, idSet{})
		im.provUnchanged = append(im.provUnchanged, idSet{})
	}
	if from == len(im.srcs) {
		return nil
	}
	return im.loadEvents(ctx, im.srcIDs[from:])
}

// finish writes what the end of the list decides: the events' final
// fields, the statistics, the FTS fill, the warnings and the audit row.
func (im *iocImport) finish(ctx context.Context) error {
	start := time.Now()
	if err := im.finishEvents(ctx); err != nil {
		return err
	}
	start = timed(&im.phases.Events, start)
	b := im.b
	c := im.stats.Count("indicator")
	c.Seen += b.Rejected
	c.Rejected += b.Rejected
	// The parser's samples come first, as they describe the input.
	var head []string
	for _, r := range b.RejectReasons {
		head = append(head, r)
	}
	head = append(head, b.Notes...)
	if len(head) > 0 {
		rest := im.stats.Warnings
		im.stats.Warnings = nil
		for _, w := range head {
			im.warn("%s", w)
		}
		for _, w := range rest {
			im.warn("%s", w)
		}
	}
	start = timed(&im.phases.Finish, start)
	if err := im.rebuildIndexes(ctx); err != nil {
		return err
	}
	start = timed(&im.phases.Indexes, start)
	if n := im.stats.Count("indicator").Created + im.stats.Count("provenance").Created; n >= analyzeRows {
		if err := im.hooks(ctx, im.bulk.Analyze); err != nil {
			return err
		}
	}
	start = timed(&im.phases.Finish, start)
	if err := im.hooks(ctx, im.bulk.End); err != nil {
		return err
	}
	if c := im.stats.Count("indicator"); c.Created+c.Updated >= analyzeRows {
		if err := im.s.compactSearch(ctx, im.tx, "indicators"); err != nil {
			return err
		}
	}
	start = timed(&im.phases.FTS, start)
	if im.warned > 0 {
		im.warn("%d indicators are on a warninglist or in a special range (flagged, kept)", im.warned)
	}
	err := im.s.audit(ctx, im.tx, "import.create", "source", im.srcIDs[0], importSummary(im.stats)+", "+
		fmt.Sprintf("event %d new %d changed", im.stats.Count("event").Created, im.stats.Count("event").Updated))
	timed(&im.phases.Finish, start)
	return err
}

// deferIndexes drops the secondary indexes of indicators (those that
// enforce nothing) when the import begins on an empty table, and
// rebuildIndexes builds them at its end: building an index from the
// finished table is one sort, where keeping it current costs every row a
// descent to a random page of each index. The import's own lookups use
// the primary key and UNIQUE (type, value), which stay. It all happens
// in the import's transaction, so a failed import leaves the indexes as
// they were. On PostgreSQL the table is locked first (BulkHooks.DeferLock)
// and the lock held until the commit: readers of indicators wait for a
// first import, which only finishes sooner, and an import that cannot
// have the table at once (another import or a reader holds it) keeps
// the indexes rather than wait. An import into a table that holds rows keeps its
// indexes: rebuilding them would cost in proportion to what is stored,
// not to what is imported.
func (im *iocImport) deferIndexes(ctx context.Context) error {
	start := time.Now()
	defer timed(&im.phases.Indexes, start)
	empty := im.emptyAtStart
	if !im.bulk.OwnIDs {
		if err := im.tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM indicators)`).Scan(&empty); err != nil {
			return fmt.Errorf("indicators stored: %w", err)
		}
	}
	if !empty {
		return nil
	}
	if q := im.bulk.DeferLock; q != "" {
		locked, err := im.trySavepoint(ctx, q)
		if err != nil || !locked {
			return err
		}
	}
	ixs, err := im.s.d.secondaryIndexes(ctx, im.tx, "indicators")
	if err != nil {
		return fmt.Errorf("indexes of indicators: %w", err)
	}
	for _, ix := range ixs {
		if _, err := im.tx.ExecContext(ctx, "DROP INDEX "+quoteIdent(ix.name)); err != nil {
			return fmt.Errorf("defer index %s: %w", ix.name, err)
		}
		im.deferred = append(im.deferred, ix)
	}
	return nil
}

// trySavepoint runs q in a savepoint of the import's transaction and says
// whether it succeeded; when q fails, the savepoint is rolled back and the
// transaction goes on as before it.
func (im *iocImport) trySavepoint(ctx context.Context, q string) (bool, error) {
	if _, err := im.tx.ExecContext(ctx, "SAVEPOINT try_statement"); err != nil {
		return false, fmt.Errorf("savepoint: %w", err)
	}
	if _, err := im.tx.ExecContext(ctx, q); err != nil {
		if _, err := im.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT try_statement"); err != nil {
			return false, fmt.Errorf("roll back to savepoint: %w", err)
		}
		return false, nil
	}
	if _, err := im.tx.ExecContext(ctx, "RELEASE SAVEPOINT try_statement"); err != nil {
		return false, fmt.Errorf("release savepoint: %w", err)
	}
	return true, nil
}

// rebuildIndexes builds the indexes deferIndexes dropped.
func (im *iocImport) rebuildIndexes(ctx context.Context) error {
	for _, ix := range im.deferred {
		if _, err := im.tx.ExecContext(ctx, ix.create); err != nil {
			return fmt.Errorf("build index %s: %w", ix.name, err)
		}
	}
	im.deferred = nil
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

// idSet is a set of row ids as bits: 1M indicators take 125 kB.
type idSet []uint64

func (s *idSet) add(id int64) {
	w := int(id >> 6)
	if w >= len(*s) {
		*s = slices.Grow(*s, w+1-len(*s))[:w+1]
	}
	(*s)[w] |= 1 << (id & 63)
}

func (s idSet) has(id int64) bool {
	w := int(id >> 6)
	return w < len(s) && s[w]&(1<<(id&63)) != 0
}

func (s idSet) del(id int64) {
	if w := int(id >> 6); w < len(s) {
		s[w] &^= 1 << (id & 63)
	}
}

// sortAggs orders a run's values by type and value, so that statements
// are index ranges.
func sortAggs(aggs []*indAgg) {
	slices.SortFunc(aggs, func(x, y *indAgg) int {
		return cmp.Or(cmp.Compare(x.key.t, y.key.t), cmp.Compare(x.key.v, y.key.v))
	})
}
