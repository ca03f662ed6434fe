package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/postgres"
	"github.com/spoor/spoor/internal/store/sqlite"
	"github.com/spoor/spoor/internal/store/storetest"
)

// dsn returns the test server's URL from SPOOR_TEST_PG_DSN. Without it the
// tests skip, except in CI (CI=true), where a missing database is a failure.
func dsn(t testing.TB) string {
	t.Helper()
	v := os.Getenv("SPOOR_TEST_PG_DSN")
	if v == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SPOOR_TEST_PG_DSN is not set, and CI=true requires the PostgreSQL tests")
		}
		t.Skip("SPOOR_TEST_PG_DSN is not set: skipping PostgreSQL tests (see DEPENDENCIES.md, CI-ready commands)")
	}
	return v
}

// MustOpen opens a store in a fresh schema of the test database, dropped
// when the test ends, so tests run in parallel without seeing each other.
func MustOpen(t testing.TB) *store.Store {
	t.Helper()
	base := dsn(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open admin: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	schema := "spoor_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("SPOOR_TEST_PG_DSN: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	dsn(t)
	storetest.Run(t, func(t *testing.T) *store.Store { return MustOpen(t) })
}

func openSQLite(t *testing.T) *store.Store {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestCopyFromSQLite moves a laptop store up into PostgreSQL.
func TestCopyFromSQLite(t *testing.T) {
	dsn(t)
	storetest.RunCopy(t, openSQLite, func(t *testing.T) *store.Store { return MustOpen(t) })
}

// TestCopyToSQLite takes a local analysis copy of a team's store.
func TestCopyToSQLite(t *testing.T) {
	dsn(t)
	storetest.RunCopy(t, func(t *testing.T) *store.Store { return MustOpen(t) }, openSQLite)
}

// TestBackupSaysPgDump: PostgreSQL is backed up with its own tools.
func TestBackupSaysPgDump(t *testing.T) {
	s := MustOpen(t)
	file := filepath.Join(t.TempDir(), "backup.db")
	err := s.Backup(context.Background(), file, false)
	if intel.ErrorCode(err) != intel.CodeInvalid || !strings.Contains(intel.ErrorMessage(err), "pg_dump") {
		t.Errorf("backup of PostgreSQL: %v, want an error pointing at pg_dump", err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a refused backup left %s", file)
	}
}
