package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/spoor/spoor/internal/testenv"
)

// pgDatabase creates a database of its own for one test on the server of
// SPOOR_TEST_PG_DSN and returns its URL; it is dropped when the test
// ends. Without the DSN the test is skipped, or fails under CI=true.
func pgDatabase(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("SPOOR_TEST_PG_DSN")
	if dsn == "" {
		if testenv.CI() {
			t.Fatal("SPOOR_TEST_PG_DSN is not set, and CI=true requires the PostgreSQL tests")
		}
		t.Skip("SPOOR_TEST_PG_DSN is not set: skipping a PostgreSQL test")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("SPOOR_TEST_PG_DSN: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	name := "spoor_cmd_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("SPOOR_TEST_PG_DSN: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
