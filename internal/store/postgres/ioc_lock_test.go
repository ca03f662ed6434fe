package postgres_test

import (
	"maps"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/storetest"
)

// A first import into an empty indicators table beside a transaction that
// holds a lock on the table (a reader, or a second import that found the
// table empty too and will drop its indexes) neither waits for it nor
// deadlocks with it when that transaction asks for the table: the import
// keeps the indexes up as it goes (BulkHooks.DeferLock). Before, both
// asked for the whole table while holding a share of it, and PostgreSQL
// ended the deadlock by failing one (seen in TestTeamDeployment).
func TestFirstImportBesideAHolderOfTheTable(t *testing.T) {
	t.Parallel()
	s := MustOpen(t)
	ctx := intel.WithActor(t.Context(), intel.Actor{Login: "importer"})
	before, err := s.SecondaryIndexes(ctx, "indicators")
	if err != nil {
		t.Fatal(err)
	}
	holder, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback() //nolint:errcheck // committed below when all goes well
	var n int
	if err := holder.QueryRowContext(ctx, `SELECT COUNT(*) FROM indicators`).Scan(&n); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := s.ImportIndicators(ctx, storetest.DomainBatch("first-", 3000), nil)
		done <- err
	}()
	// Until the import has finished or waits for a lock on the table.
	var importErr error
	finished := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !finished; {
		select {
		case importErr = <-done:
			finished = true
			continue
		case <-time.After(20 * time.Millisecond):
		}
		var waiting int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_locks
WHERE relation = to_regclass('indicators') AND NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
	}
	// The holder now wants the whole table, as an import dropping the
	// indexes does.
	if _, err := holder.ExecContext(ctx, `LOCK TABLE indicators IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Errorf("the table's other holder could not lock it: %v", err)
	}
	if err := holder.Commit(); err != nil {
		t.Errorf("commit the holder: %v", err)
	}
	if !finished {
		importErr = <-done
	}
	if importErr != nil {
		t.Fatalf("the import beside the holder failed: %v", importErr)
	}
	after, err := s.SecondaryIndexes(ctx, "indicators")
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(before, after) {
		t.Errorf("indexes of indicators after the import %v, want %v", after, before)
	}
	hits, err := s.Search(ctx, intel.SearchQuery{Text: "first-2999.example.net", Kinds: []string{"indicator"}, Limit: 1})
	if err != nil || len(hits) != 1 {
		t.Errorf("search for an imported value: %v, %v", hits, err)
	}
}
