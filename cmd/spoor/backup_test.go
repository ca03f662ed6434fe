package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// bigIOCList is an IOC list of n domains, long enough that importing it
// takes many chunks.
func bigIOCList(n int) *intel.IndicatorBatch {
	b := &intel.IndicatorBatch{Sources: []intel.Source{{Name: "bulk-list", Kind: intel.SourceIOCList, Credibility: 0.5}}}
	for i := range n {
		b.Indicators = append(b.Indicators, intel.IndicatorRow{Type: intel.IndicatorDomain,
			Value: fmt.Sprintf("host-%06d.bulk-example.net", i), Confidence: 1, Tags: []string{"bulk"}})
	}
	b.Rows = n
	return b
}

func (c *cli) tableCounts() []store.TableRows {
	c.t.Helper()
	st, err := sqlite.Inspect(context.Background(), c.db)
	if err != nil {
		c.t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(context.Background()); err != nil {
		c.t.Errorf("%s: %v", c.db, err)
	}
	n, err := st.TableCounts(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

// TestBackupDuringImport takes a backup with spoor backup while another
// store (a server) is in the middle of a large import's transaction, and
// another once it committed, and restores both with spoor restore: each
// restored store passes integrity_check and holds exactly what was
// committed when its backup began, all before the import or all after,
// never part of it.
func TestBackupDuringImport(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "--source", "bulk", "stix", "testdata/attack-small.json")
	ctx := context.Background()
	server, err := sqlite.Open(ctx, c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	before := c.tableCounts()

	midway, resume := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		paused := false
		_, err := server.ImportIndicators(ctx, bigIOCList(3000), func(done, total int) {
			// Inside the import's transaction, with half of the list
			// written: hold it here while the backup runs.
			if !paused && done > 0 && done >= total/2 {
				paused = true
				close(midway)
				<-resume
			}
		})
		errc <- err
	}()
	<-midway
	dir := t.TempDir()
	during := filepath.Join(dir, "during.db")
	out := c.ok("backup", during)
	close(resume)
	if err := <-errc; err != nil {
		t.Fatalf("import: %v", err)
	}
	if !strings.Contains(out, "integrity ok") {
		t.Errorf("backup output %q", out)
	}
	after := c.tableCounts()
	if cmp.Equal(before, after) {
		t.Fatal("the import changed no table: the test shows nothing")
	}
	afterFile := filepath.Join(dir, "after.db")
	c.ok("backup", afterFile)

	for _, b := range []struct {
		name, file string
		want       []store.TableRows
	}{
		{"taken during the import", during, before},
		{"taken after the import", afterFile, after},
	} {
		r := newCLI(t)
		if out := r.ok("restore", b.file); !strings.Contains(out, "restored") {
			t.Errorf("restore output %q", out)
		}
		if d := cmp.Diff(b.want, r.tableCounts()); d != "" {
			t.Errorf("restored backup %s (-committed then +restored):\n%s", b.name, d)
		}
	}
}

func TestBackupRefusals(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json")
	dir := t.TempDir()
	file := filepath.Join(dir, "b.db")
	if err := os.WriteFile(file, []byte("an older backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.run("", "backup", file)
	if intel.ErrorCode(err) != intel.CodeConflict || !strings.Contains(errorLine(err), "--force") {
		t.Errorf("backup onto an existing file: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "an older backup" {
		t.Error("a refused backup changed the file")
	}
	c.ok("backup", "--force", file)
	if fi, err := os.Stat(file); err != nil || fi.Size() < 4096 {
		t.Errorf("backup --force: %v, %v", fi, err)
	}

	pg := &cli{t: t, db: "postgres://spoor@db.invalid/spoor"}
	for _, verb := range []string{"backup", "restore"} {
		_, _, err := pg.run("", verb, file)
		if intel.ErrorCode(err) != intel.CodeInvalid || !strings.Contains(errorLine(err), "pg_dump") {
			t.Errorf("%s of PostgreSQL: %v, want one line pointing at pg_dump", verb, err)
		}
	}
	if _, _, err := c.run("", "backup"); exitCode(err) != 2 {
		t.Errorf("backup without FILE: %v, want a usage error", err)
	}
}

func TestRestoreChecksFirst(t *testing.T) {
	src := newCLI(t)
	src.ok("import", "stix", "testdata/attack-small.json")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	src.ok("backup", good)

	target := newCLI(t)
	target.ok("import", "--source", "other", "stix", "testdata/attack-small.json")
	target.ok("user", "add", "--role", "reader", "keeper")
	mine := target.tableCounts()
	_, _, err := target.run("", "restore", good)
	if intel.ErrorCode(err) != intel.CodeConflict || !strings.Contains(errorLine(err), "--force") {
		t.Errorf("restore over a store with data: %v", err)
	}

	damaged := filepath.Join(dir, "damaged.db")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for i := 8192; i < len(b) && i < 8192+4096; i++ {
		b[i] ^= 0x5a // scramble the third page
	}
	if err := os.WriteFile(damaged, b, 0o600); err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(dir, "newer.db")
	src.ok("backup", newer)
	db, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	notSpoor := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notSpoor, []byte("not a database at all, just some notes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, file, want string
	}{
		{"a damaged backup", damaged, ""},
		{"a backup newer than this spoor", newer, "newer than this spoor"},
		{"a file that is not a database", notSpoor, ""},
		{"a missing file", filepath.Join(dir, "missing.db"), "no database at"},
	} {
		_, _, err := target.run("", "restore", "--force", c.file)
		if err == nil || !strings.Contains(errorLine(err), c.want) {
			t.Errorf("restore %s: %v, want an error %q", c.name, err, c.want)
		}
	}
	if d := cmp.Diff(mine, target.tableCounts()); d != "" {
		t.Errorf("refused restores changed the store:\n%s", d)
	}
	target.ok("restore", "--force", good)
	if d := cmp.Diff(src.tableCounts(), target.tableCounts()); d != "" {
		t.Errorf("restore --force (-backup +restored):\n%s", d)
	}
}
