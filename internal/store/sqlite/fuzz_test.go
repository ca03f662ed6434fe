package sqlite_test

import (
	"context"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/storetest"
)

// FuzzSearch checks that no user text makes a search fail: every query is
// quoted before it reaches FTS5.
func FuzzSearch(f *testing.F) {
	s := MustOpen(f)
	storetest.MustImport(f, s, storetest.FixtureBundle())
	for _, q := range []string{"APT28", `' OR 1=1 --`, `"`, `*`, `NEAR(a b)`, `)`, `a:b`, `-x`, `^x`, `x AND NOT y`, "\x00", "é\u200b"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := s.Search(context.Background(), intel.SearchQuery{Text: q}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	})
}
