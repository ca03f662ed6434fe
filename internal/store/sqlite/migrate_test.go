package sqlite_test

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/postgres"
	"github.com/spoor/spoor/internal/store/sqlite"
)

func versions(t *testing.T, ms []store.Migration) []int64 {
	t.Helper()
	var vs []int64
	for _, m := range ms {
		vs = append(vs, m.Version)
	}
	return vs
}

// Both engines must know the same schema versions, so a database can be
// moved between them and `spoor migrate status` means the same on both.
func TestMigrationsMatchPostgres(t *testing.T) {
	t.Parallel()
	lite, err := store.Migrations(sqlite.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations(postgres.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 {
		t.Fatal("no SQLite migrations embedded")
	}
	if d := cmp.Diff(versions(t, lite), versions(t, pg)); d != "" {
		t.Errorf("migration versions differ (-sqlite +postgres):\n%s", d)
	}
}

func TestReopenAndRefuseNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "spoor.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	applied, err := store.AppliedVersions(ctx, s.DB())
	if err != nil {
		t.Fatal(err)
	}
	known, _ := store.Migrations(sqlite.Migrations())
	if d := cmp.Diff(versions(t, known), applied); d != "" {
		t.Errorf("applied versions (-embedded +applied):\n%s", d)
	}
	// A later binary migrated this file further.
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = sqlite.Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "newer than this spoor knows") {
		t.Fatalf("open of a newer schema: err = %v, want a refusal", err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "spoor.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertSource(ctx, storetestSource()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if _, err := s.FindSourceByName(ctx, "kept"); err != nil {
		t.Errorf("source lost on reopen: %v", err)
	}
}

func TestOpenMemory(t *testing.T) {
	t.Parallel()
	s, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.UpsertSource(context.Background(), storetestSource()); err != nil {
		t.Fatal(err)
	}
}

// Migration 0008 recreates the indicator FTS index (without its docsize
// table): indicators stored before it must still be found after it, and
// the triggers must keep the new index in step.
func TestIndicatorSearchAcrossMigration8(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "spoor.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	upTo7 := fstest.MapFS{}
	all, err := fs.Glob(sqlite.Migrations(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range all {
		if name < "0008" {
			body, err := fs.ReadFile(sqlite.Migrations(), name)
			if err != nil {
				t.Fatal(err)
			}
			upTo7[name] = &fstest.MapFile{Data: body}
		}
	}
	if err := store.Migrate(ctx, db, upTo7, store.SQLite()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO indicators (type, value, description, created_at, updated_at)
VALUES ('domain', 'before.example-migration.com', 'stored under schema 7', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO indicators (type, value, description, created_at, updated_at)
VALUES ('domain', 'after.example-migration.com', '', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `UPDATE indicators SET description = 'edited after the migration'
WHERE value = 'before.example-migration.com'`); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]string{
		"example-migration":           {"after.example-migration.com", "before.example-migration.com"},
		"edited":                      {"before.example-migration.com"},
		"schema":                      nil, // the old description left the index with the update
		"after.example-migration.com": {"after.example-migration.com"},
	} {
		hits, err := s.Search(ctx, intel.SearchQuery{Text: q, Kinds: []string{"indicator"}})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.Title)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("search %q found %q, want %q", q, got, want)
		}
	}
}

// Migration 0012 gives tokens made before it the scope of their owner's
// role and an expiry 90 days on, and sessions a re-authentication time.
func TestTokensAcrossMigration12(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "spoor.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	upTo11 := fstest.MapFS{}
	all, err := fs.Glob(sqlite.Migrations(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range all {
		if name < "0012" {
			body, err := fs.ReadFile(sqlite.Migrations(), name)
			if err != nil {
				t.Fatal(err)
			}
			upTo11[name] = &fstest.MapFile{Data: body}
		}
	}
	if err := store.Migrate(ctx, db, upTo11, store.SQLite()); err != nil {
		t.Fatal(err)
	}
	for i, role := range []string{"admin", "analyst", "reader"} {
		if _, err := db.ExecContext(ctx, `INSERT INTO users (id, login, login_norm, role, enabled, created_at) VALUES (?, ?, ?, ?, 1, 0)`,
			i+1, role, role, role); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO api_tokens (user_id, name, hash, created_at) VALUES (?, 'old', ?, 0)`,
			i+1, "hash-"+role); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('s', 1, 5000, 9999999999999)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	before := time.Now().Add(-time.Second)
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after := time.Now().Add(time.Second)
	for role, scope := range map[string]intel.TokenScope{"admin": intel.ScopeAdmin, "analyst": intel.ScopeWrite, "reader": intel.ScopeRead} {
		tok, _, err := s.FindAPIToken(ctx, "hash-"+role)
		if err != nil {
			t.Fatal(err)
		}
		ttl := 90 * 24 * time.Hour
		if tok.Scope != scope || tok.ExpiresAt.Before(before.Add(ttl)) || tok.ExpiresAt.After(after.Add(ttl)) {
			t.Errorf("%s's old token: scope %s, expires %v; want %s, 90 days from now", role, tok.Scope, tok.ExpiresAt, scope)
		}
	}
	sess, _, err := s.FindSession(ctx, "s", time.Now())
	if err != nil || sess.ReauthAt.UnixMilli() != 5000 {
		t.Errorf("old session = %+v (%v), want re-authenticated at its creation", sess, err)
	}
}
