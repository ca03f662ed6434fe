package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/sqlite"
	"github.com/spoor/spoor/internal/store/storetest"
)

func tableCounts(t *testing.T, s *store.Store) []store.TableRows {
	t.Helper()
	n, err := s.TableCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBackupAndRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := MustOpen(t)
	storetest.FillEveryTable(t, s)
	want := tableCounts(t, s)

	file := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, file, false); err != nil {
		t.Fatalf("backup: %v", err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600: it holds password hashes", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".backup.db.partial-*")); len(left) != 0 {
		t.Errorf("partial files left behind: %v", left)
	}
	b, err := sqlite.Inspect(ctx, file)
	if err != nil {
		t.Fatalf("inspect the backup: %v", err)
	}
	if err := b.Check(ctx); err != nil {
		t.Errorf("check the backup: %v", err)
	}
	if err := b.Ready(ctx); err != nil {
		t.Errorf("the backup's schema: %v", err)
	}
	if d := cmp.Diff(want, tableCounts(t, b)); d != "" {
		t.Errorf("backup counts (-store +backup):\n%s", d)
	}
	b.Close()

	// An existing file is kept unless overwriting is asked for.
	if err := os.WriteFile(file, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, file, false); intel.ErrorCode(err) != intel.CodeConflict {
		t.Errorf("backup onto an existing file: %v, want a conflict", err)
	}
	if got, _ := os.ReadFile(file); string(got) != "keep me" {
		t.Errorf("refused backup changed the file to %d bytes", len(got))
	}
	if err := s.Backup(ctx, file, true); err != nil {
		t.Fatalf("backup with overwrite: %v", err)
	}

	// Restore into a store that another process has open, as a server
	// would: it sees the restored contents, whole.
	live := filepath.Join(dir, "live.db")
	other, err := sqlite.Open(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.CreateDocument(ctx, &intel.Document{Title: "replaced by the restore"}); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.Restore(ctx, file, live); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if d := cmp.Diff(want, tableCounts(t, other)); d != "" {
		t.Errorf("restored counts seen by the open store (-backup +restored):\n%s", d)
	}
	if err := other.Check(ctx); err != nil {
		t.Errorf("check after the restore: %v", err)
	}
	hits, err := other.Search(ctx, intel.SearchQuery{Text: "Fancy Bear"})
	if err != nil || len(hits) == 0 || hits[0].Title != "APT28" {
		t.Errorf("search after the restore: %+v, %v", hits, err)
	}
	// The restored file is a WAL database like any other spoor.db.
	if _, err := os.Stat(live + "-wal"); err != nil {
		t.Errorf("restored database is not in WAL mode: %v", err)
	}
}

func TestBackupRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "spoor.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other := filepath.Join(dir, "other.db")
	o, err := sqlite.Open(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for _, c := range []struct {
		name, file, want string
	}{
		{"the database itself", path, "is the database itself"},
		{"a live database", other, "in use as a database"},
		{"a directory", dir, "not a regular file"},
		{"a missing directory", filepath.Join(dir, "no", "such.db"), "no such file"},
	} {
		err := s.Backup(ctx, c.file, true)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("backup onto %s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestInspectDoesNotCreateOrMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if _, err := sqlite.Inspect(ctx, missing); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("inspect a missing file: %v, want not found", err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("inspect created %s", missing)
	}
	// A file that is not spoor's: inspected, and said to be not spoor's.
	plain := filepath.Join(dir, "plain.db")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Inspect(ctx, plain)
	if err != nil {
		t.Fatalf("inspect an empty file: %v", err)
	}
	defer s.Close()
	if _, err := s.SchemaStatus(ctx); err == nil || !strings.Contains(intel.ErrorMessage(err), "not a spoor database") {
		t.Errorf("schema status of an empty file: %v", err)
	}
	if fi, _ := os.Stat(plain); fi.Size() != 0 {
		t.Errorf("inspect wrote %d bytes into the file", fi.Size())
	}
}
