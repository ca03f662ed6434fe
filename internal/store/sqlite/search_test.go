package sqlite_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/storetest"
)

// ftsSegments counts the segments of a full-text index: each is read and
// merged by every query.
func ftsSegments(t *testing.T, s *store.Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(fmt.Sprintf(`SELECT COUNT(DISTINCT segid) FROM %s_fts_idx`, table)).Scan(&n); err != nil {
		t.Fatalf("segments of %s_fts: %v", table, err)
	}
	return n
}

// A large import leaves each full-text index it wrote in one segment
// (store.compactSearch), whatever earlier small writes left there; a small
// one leaves the merging to FTS5.
func TestLargeImportsCompactTheSearchIndex(t *testing.T) {
	t.Parallel()
	s := MustOpen(t).WithIOCChunkRows(4096)
	ctx := intel.WithActor(t.Context(), intel.Actor{Login: "importer"})
	for i := range 2 {
		if _, err := s.ImportIndicators(ctx, storetest.DomainBatch(fmt.Sprintf("small%d-", i), 50), nil); err != nil {
			t.Fatal(err)
		}
		storetest.MustImport(t, s, &intel.Bundle{Source: intel.Source{Name: fmt.Sprintf("notes %d", i), Kind: intel.SourceManual},
			Documents: []intel.Document{{Title: fmt.Sprintf("Note %d", i), URL: fmt.Sprintf("https://example.com/n%d", i), Text: "small"}}})
	}
	if n := ftsSegments(t, s, "indicators"); n < 2 {
		t.Fatalf("two small imports left %d segment(s) in indicators_fts; the test needs several", n)
	}
	if n := ftsSegments(t, s, "documents"); n < 2 {
		t.Fatalf("two small imports left %d segment(s) in documents_fts; the test needs several", n)
	}

	// 25,000 rows in runs of 4,096: every run's index fill is a segment.
	if _, err := s.ImportIndicators(ctx, storetest.DomainBatch("bulk-", 25000), nil); err != nil {
		t.Fatal(err)
	}
	if n := ftsSegments(t, s, "indicators"); n != 1 {
		t.Errorf("after a 25,000-row import indicators_fts has %d segments, want 1", n)
	}
	b := &intel.Bundle{Source: intel.Source{Name: "reports", Kind: intel.SourceManual}}
	for i := range 1200 {
		b.Documents = append(b.Documents, intel.Document{Title: fmt.Sprintf("Report %d", i),
			URL: fmt.Sprintf("https://example.com/r%d", i), Text: fmt.Sprintf("beacon seen %d times", i)})
	}
	storetest.MustImport(t, s, b)
	if n := ftsSegments(t, s, "documents"); n != 1 {
		t.Errorf("after a 1,200-document import documents_fts has %d segments, want 1", n)
	}
	// What the small imports indexed is still found.
	for _, q := range []struct{ text, kind, want string }{
		{"small1-7.example.net", "indicator", "small1-7.example.net"},
		{"bulk-24999.example.net", "indicator", "bulk-24999.example.net"},
		{"Note 0", "document", "Note 0"},
	} {
		hits, err := s.Search(ctx, intel.SearchQuery{Text: q.text, Kinds: []string{q.kind}, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Title != q.want {
			t.Errorf("search %q: first hit %v, want %q", q.text, hits, q.want)
		}
	}

	// A small import after the large one does not rewrite the index.
	if _, err := s.ImportIndicators(ctx, storetest.DomainBatch("late-", 50), nil); err != nil {
		t.Fatal(err)
	}
	if n := ftsSegments(t, s, "indicators"); n != 2 {
		t.Errorf("a 50-row import after the compaction left %d segments, want 2 (the compacted one and its own)", n)
	}
}

// The exact title and value of a search are looked up in their indexes.
// Two forms of the lookup made SQLite 3.54 scan the whole index instead,
// 8 ms a search on the mirror's indicators: joining the parameters' row,
// and comparing lower(title) with a value of TEXT affinity.
func TestSearchLooksUpExactMatchesByIndex(t *testing.T) {
	t.Parallel()
	s := MustOpen(t)
	d := s.Dialect()
	args := []any{intel.HighlightStart, intel.HighlightEnd, "beacon", "beacon", d.MatchArg([]string{"beacon"}), 300, 20}
	scan := regexp.MustCompile(`SCAN \w+ USING (COVERING )?INDEX (documents_title_lower|indicators_value)`)
	for _, c := range []struct {
		name, query, want string
	}{
		{"documents", d.SearchDocuments(), "SEARCH d USING COVERING INDEX documents_title_lower"},
		{"indicators", d.SearchIndicators(), "SEARCH i USING COVERING INDEX indicators_value"},
	} {
		rows, err := s.DB().QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+c.query, args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		if scan.MatchString(text) || !strings.Contains(text, c.want) {
			t.Errorf("%s search plan does not search the exact-match index (%q):\n%s", c.name, c.want, text)
		}
	}
}
