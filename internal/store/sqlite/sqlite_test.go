package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/sqlite"
	"github.com/spoor/spoor/internal/store/storetest"
)

// MustOpen opens a fresh database file in a temporary directory.
func MustOpen(t testing.TB) *store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) *store.Store { return MustOpen(t) })
}

func storetestSource() *intel.Source {
	return &intel.Source{Name: "kept", Kind: intel.SourceManual}
}

func TestCopy(t *testing.T) {
	t.Parallel()
	open := func(t *testing.T) *store.Store { return MustOpen(t) }
	storetest.RunCopy(t, open, open)
}
