package postgres_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/storetest"
)

// A large import leaves no entries in the GIN indexes' pending lists
// (store.compactSearch; an IOC import's ANALYZE empties them too), which
// every search would otherwise read through; and the search of indicators, planned generically as a prepared
// statement is after five runs, finds its matches through that index
// instead of walking the table backwards by id.
func TestLargeImportLeavesTheSearchIndexReady(t *testing.T) {
	t.Parallel()
	s := MustOpen(t)
	ctx := intel.WithActor(t.Context(), intel.Actor{Login: "importer"})
	if _, err := s.ImportIndicators(ctx, storetest.DomainBatch("bulk-", 25000), nil); err != nil {
		t.Fatal(err)
	}
	b := &intel.Bundle{Source: intel.Source{Name: "reports", Kind: intel.SourceManual}}
	for i := range 1200 {
		b.Documents = append(b.Documents, intel.Document{Title: fmt.Sprintf("Report %d", i),
			URL: fmt.Sprintf("https://example.com/r%d", i), Text: fmt.Sprintf("beacon seen %d times in a campaign", i)})
	}
	storetest.MustImport(t, s, b)
	for _, index := range []string{"indicators_search", "documents_search"} {
		var pending int64
		if err := s.DB().QueryRowContext(ctx, `SELECT gin_clean_pending_list(to_regclass($1))`, index).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending != 0 {
			t.Errorf("after a large import the pending list of %s held %d pages, want 0", index, pending)
		}
	}

	conn, err := s.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	d := s.Dialect()
	for _, q := range []string{"SET plan_cache_mode = force_generic_plan",
		"PREPARE ind_search AS " + d.Rebind(d.SearchIndicators())} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	rows, err := conn.QueryContext(ctx, `EXPLAIN EXECUTE ind_search('[', ']', 'nothing', 'nothing', 'nothing', 300, 20)`)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	rows.Close()
	text := strings.Join(plan, "\n")
	if strings.Contains(text, "Index Scan Backward") || !strings.Contains(text, "Bitmap Index Scan on indicators_search") {
		t.Errorf("the generic plan of the indicator search does not find its matches through indicators_search:\n%s", text)
	}
}
