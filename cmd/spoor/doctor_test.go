package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/runowner"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/sqlite"
)

func (c *cli) doctor() ([]checkResult, error) {
	c.t.Helper()
	out, _, err := c.run("", "doctor", "--format", "json")
	return decode[[]checkResult](c.t, out), err
}

func statuses(rs []checkResult) map[string]string {
	m := map[string]string{}
	for _, r := range rs {
		m[r.Check] = r.Status
	}
	return m
}

func detail(rs []checkResult, name string) string {
	for _, r := range rs {
		if r.Check == name {
			return r.Detail
		}
	}
	return ""
}

func TestDoctor(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json")
	rs, err := c.doctor()
	if err != nil {
		t.Fatalf("doctor on a healthy store: %v\n%+v", err, rs)
	}
	want := map[string]string{"store": "ok", "import directories": "ok", "secret key": "ok", "schedule": "ok"}
	if d := cmp.Diff(want, statuses(rs)); d != "" {
		t.Errorf("healthy store (-want +got):\n%s", d)
	}
	if d := detail(rs, "store"); !strings.Contains(d, "integrity ok") || !strings.Contains(d, "(current)") {
		t.Errorf("store detail %q", d)
	}
	if out := c.ok("doctor"); !strings.Contains(out, "schedule") {
		t.Errorf("doctor table:\n%s", out)
	}

	// A source nobody collects, and a run whose process died.
	ctx := context.Background()
	st, err := sqlite.Open(ctx, c.db)
	if err != nil {
		t.Fatal(err)
	}
	late := &intel.Source{Name: "late-feed", Kind: intel.SourceIOCList, Format: "trail", Location: "https://example.org/late.txt",
		Interval: intel.Duration(time.Hour), Enabled: true}
	if err := st.UpsertSource(ctx, late); err != nil {
		t.Fatal(err)
	}
	// Added just now and never collected: due, not overdue.
	fresh := &intel.Source{Name: "fresh-feed", Kind: intel.SourceIOCList, Format: "trail", Location: "https://example.org/fresh.txt",
		Interval: intel.Duration(time.Hour), Enabled: true}
	if err := st.UpsertSource(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	run, err := st.StartRun(ctx, late.ID, "schedule")
	if err != nil {
		t.Fatal(err)
	}
	execSQL(t, st, `UPDATE sources SET next_run_at = ? WHERE id = ?`, time.Now().Add(-time.Hour).UnixMilli(), late.ID)
	execSQL(t, st, `UPDATE collection_runs SET owner = ? WHERE id = ?`, runowner.Of(4194305), run.ID) // gone
	st.Close()
	rs, err = c.doctor()
	if intel.ErrorCode(err) != intel.CodeInvalid || !strings.Contains(errorLine(err), "schedule") {
		t.Errorf("doctor with a broken schedule: %v", err)
	}
	d := detail(rs, "schedule")
	if strings.Contains(d, "fresh-feed") {
		t.Errorf("a source added just now is called overdue: %s", d)
	}
	for _, want := range []string{"1 sources are overdue: late-feed (due 1h0m0s ago)", "is a spoor serve or spoor worker running",
		"is marked running but its process is gone"} {
		if !strings.Contains(d, want) {
			t.Errorf("schedule detail lacks %q:\n%s", want, d)
		}
	}
	if statuses(rs)["store"] != "ok" {
		t.Errorf("store check with a broken schedule: %+v", rs)
	}
}

// TestDoctorChecksTheSecretKey: a key file others can read, and one that
// is gone while a secret is sealed under it, fail the secret key check.
func TestDoctorChecksTheSecretKey(t *testing.T) {
	c := newCLI(t)
	c.ok("source", "add", "Partner", "--input-format", "taxii", "--location", "https://taxii.example/api",
		"--option", "collection=c1", "--option", "token=s3cret")
	key := strings.TrimSuffix(c.db, ".db") + ".key"
	if rs, err := c.doctor(); err != nil || statuses(rs)["secret key"] != "ok" {
		t.Fatalf("a sealed secret under a private key file: %v %+v", err, rs)
	}
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := c.doctor()
	if err == nil || statuses(rs)["secret key"] != "fail" || !strings.Contains(detail(rs, "secret key"), "chmod 600") {
		t.Errorf("a world-readable key file: %v %+v", err, rs)
	}
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	rs, err = c.doctor()
	if err == nil || statuses(rs)["secret key"] != "fail" {
		t.Errorf("a lost key file with a sealed secret: %v %+v", err, rs)
	}
	if _, err := os.Stat(key); !os.IsNotExist(err) {
		t.Error("doctor made a new key file")
	}
}

func TestDoctorFindsABadStore(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json")
	db, err := sql.Open("sqlite", c.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	rs, err := c.doctor()
	if err == nil || statuses(rs)["store"] != "fail" || !strings.Contains(detail(rs, "store"), "upgrade spoor") {
		t.Errorf("doctor on a store newer than spoor: %v %+v", err, rs)
	}
	// Doctor changed nothing: the schema is still the one it found.
	if out, _, _ := c.run("", "doctor"); !strings.Contains(out, "9999") {
		t.Errorf("second doctor run:\n%s", out)
	}

	missing := &cli{t: t, db: filepath.Join(t.TempDir(), "none.db")}
	rs, err = missing.doctor()
	if err == nil || !strings.Contains(detail(rs, "store"), "no database at") || statuses(rs)["schedule"] != "skipped" {
		t.Errorf("doctor without a store: %v %+v", err, rs)
	}
	if _, err := os.Stat(missing.db); !os.IsNotExist(err) {
		t.Error("doctor created the database it was checking")
	}
}

func TestCheckDirs(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		dirs    []string
		wantErr string
	}{
		{"none", nil, ""},
		{"readable", []string{dir, empty}, ""},
		{"missing", []string{dir, filepath.Join(dir, "gone")}, "gone does not exist"},
		{"a file", []string{file}, "file.txt is not a directory"},
	} {
		note, err := checkDirs(c.dirs)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: %v (%q), want %q", c.name, err, note, c.wantErr)
		}
	}
	if os.Geteuid() != 0 { // root reads anything
		locked := filepath.Join(dir, "locked")
		if err := os.Mkdir(locked, 0o000); err != nil {
			t.Fatal(err)
		}
		if _, err := checkDirs([]string{locked}); err == nil || !strings.Contains(err.Error(), "cannot be read") {
			t.Errorf("unreadable directory: %v", err)
		}
	}
}

func execSQL(t *testing.T, st *store.Store, q string, args ...any) {
	t.Helper()
	if _, err := st.DB().Exec(st.Dialect().Rebind(q), args...); err != nil {
		t.Fatal(err)
	}
}
