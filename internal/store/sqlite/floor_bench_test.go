package sqlite_test

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/storetest"
)

// BenchmarkWriteFloorAPTIOCs measures what the engine itself needs to
// write the rows an apt-iocs import writes, with nothing of spoor's
// import around it: the list's distinct indicators (the same values, in
// (type, value) order, through 500-row VALUES statements without
// RETURNING), one provenance row and one event link per indicator (links
// in key order), the set-based FTS fill and the commit, in one
// transaction on the store's own schema. It is the lower bound the
// import (BenchmarkImportAPTIOCs) is compared with in docs/benchmarks.md;
// rows/s counts the list's input rows as the import does.
func BenchmarkWriteFloorAPTIOCs(b *testing.B) {
	ctx := context.Background()
	type key struct{ t, v string }
	var keys []key
	var inputRows int
	{
		s := MustOpen(b)
		batch, _, ok, err := storetest.ImportAPTIOCs(ctx, nopImporter{})
		if !ok {
			b.Skip("apt-iocs data absent: set SPOOR_DATA to the shared data directory")
		}
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		inputRows = batch.Rows
		seen := map[key]bool{}
		for _, r := range batch.Indicators {
			k := key{string(r.Type), r.Value}
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, func(x, y key) int { return cmp.Or(strings.Compare(x.t, y.t), strings.Compare(x.v, y.v)) })
	}
	const chunk = 500
	// One link per indicator, in (event, indicator) order, indicators
	// spread over the events as the list's are (each event's values are
	// far apart in value order).
	const events = 8046
	links := make([][2]int64, 0, len(keys))
	for e := range events {
		for id := e; id < len(keys); id += events {
			links = append(links, [2]int64{int64(e + 1), int64(id + 1)})
		}
	}
	phases := map[string]time.Duration{}
	for b.Loop() {
		b.StopTimer()
		s := MustOpen(b)
		db := s.DB()
		exec := func(q string, args ...any) {
			if _, err := db.ExecContext(ctx, q, args...); err != nil {
				b.Fatal(err)
			}
		}
		exec(`INSERT INTO sources (name, kind, created_at) VALUES ('floor', 'ioc-list', 0)`)
		// As in the import's connection (BulkIndicators).
		exec(`PRAGMA foreign_keys = OFF`)
		exec(`PRAGMA cache_size = -262144`)
		exec(`WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?)
INSERT INTO events (title, source_id, event_key, created_at) SELECT 'e' || x, 1, 'k' || x, 0 FROM n`, events)
		b.StartTimer()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		phase := func(name string, start time.Time) { phases[name] += time.Since(start) }
		many := func(q string, cols, n int, row func(i int, args []any) []any) {
			one := "(" + strings.Repeat("?, ", cols-1) + "?)"
			st, err := tx.PrepareContext(ctx, q+strings.TrimSuffix(strings.Repeat(one+", ", chunk), ", "))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			args := make([]any, 0, chunk*cols)
			for start := 0; start < n; start += chunk {
				args = args[:0]
				end := min(start+chunk, n)
				for i := start; i < end; i++ {
					args = row(i, args)
				}
				if end-start < chunk { // the last, short statement
					q := q + strings.TrimSuffix(strings.Repeat(one+", ", end-start), ", ")
					if _, err := tx.ExecContext(ctx, q, args...); err != nil {
						b.Fatal(err)
					}
					continue
				}
				if _, err := st.ExecContext(ctx, args...); err != nil {
					b.Fatal(err)
				}
			}
		}
		t := time.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO indicators_fts_pause (max_id) VALUES (0)`); err != nil {
			b.Fatal(err)
		}
		many(`INSERT INTO indicators (type, value, description, tags, first_seen, last_seen, confidence, tlp,
	source_id, warninglist, created_at, updated_at) VALUES `, 12, len(keys), func(i int, args []any) []any {
			return append(args, keys[i].t, keys[i].v, "", "[]", int64(1), int64(2), 0.5, "", int64(1), "", int64(3), int64(3))
		})
		phase("indicators", t)
		t = time.Now()
		many(`INSERT INTO indicator_sources (indicator_id, source_id, first_seen, last_seen, confidence) VALUES `, 5,
			len(keys), func(i int, args []any) []any { return append(args, int64(i+1), int64(1), int64(1), int64(2), 0.5) })
		phase("provenance", t)
		t = time.Now()
		many(`INSERT INTO event_indicators (event_id, indicator_id) VALUES `, 2, len(links), func(i int, args []any) []any {
			return append(args, links[i][0], links[i][1])
		})
		phase("links", t)
		t = time.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO indicators_fts (rowid, value, description, tags)
SELECT id, value, description, tags FROM indicators ORDER BY id`); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM indicators_fts_pause`); err != nil {
			b.Fatal(err)
		}
		phase("fts", t)
		t = time.Now()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		phase("commit", t)
		b.StopTimer()
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM indicators_fts WHERE indicators_fts MATCH 'com'`).Scan(&n); err != nil || n == 0 {
			b.Fatalf("the floor's FTS index finds %d rows for com (%v)", n, err)
		}
		s.Close()
		b.StartTimer()
	}
	for name, d := range phases {
		b.ReportMetric(d.Seconds()/float64(b.N), name+"-s/op")
	}
	b.ReportMetric(float64(inputRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// nopImporter lets storetest.ImportAPTIOCs parse the list without a
// store.
type nopImporter struct{}

func (nopImporter) ImportIndicators(context.Context, *intel.IndicatorBatch, func(int, int)) (*intel.ImportStats, error) {
	return &intel.ImportStats{}, nil
}
