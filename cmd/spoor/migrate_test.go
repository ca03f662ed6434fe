package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

func tableCountsOf(t *testing.T, db string) []store.TableRows {
	t.Helper()
	st, err := inspectDB(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.TableCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMigrateUpAndBack moves a laptop store into PostgreSQL twice (the
// second time changes nothing), uses it there, and takes a local copy
// back out.
func TestMigrateUpAndBack(t *testing.T) {
	pg := pgDatabase(t)
	laptop := newCLI(t)
	laptop.ok("import", "stix", "testdata/attack-small.json")
	if _, _, err := laptop.run("reader-password-123\n", "user", "add", "--role", "reader", "--password-stdin", "rita"); err != nil {
		t.Fatal(err)
	}
	want := laptop.tableCounts()

	out := laptop.ok("migrate", "--to", pg)
	total := regexp.MustCompile(`(?m)^total\s+(\d+)\s+(\d+)\s*$`).FindStringSubmatch(out)
	if total == nil || total[1] != total[2] || total[1] == "0" {
		t.Fatalf("migrate output lacks equal totals:\n%s", out)
	}
	if d := cmp.Diff(want, tableCountsOf(t, pg)); d != "" {
		t.Errorf("PostgreSQL after the copy (-laptop +team):\n%s", d)
	}
	again := decode[[]store.TableCopy](t, laptop.ok("migrate", "--format", "json", "--to", pg))
	for _, c := range again {
		if c.Source != c.Target {
			t.Errorf("second copy of %s: %+v", c.Table, c)
		}
	}
	if d := cmp.Diff(want, tableCountsOf(t, pg)); d != "" {
		t.Errorf("PostgreSQL after copying twice (-laptop +team):\n%s", d)
	}

	// The team store works: the same group, the same user.
	team := &cli{t: t, db: pg}
	hits := decode[[]intel.SearchHit](t, team.ok("search", "--format", "json", "APT28"))
	if len(hits) == 0 || hits[0].Title != "APT28" {
		t.Errorf("search of the team store: %+v", hits)
	}
	if users := team.ok("user", "list"); !strings.Contains(users, "rita") {
		t.Errorf("users of the team store:\n%s", users)
	}
	team.ok("import", "--source", "team", "stix", "testdata/attack-small.json") // new ids follow the copied ones

	// Back out: a local analysis copy of the team store.
	local := newCLI(t)
	local.ok("migrate", "--from", pg, "--to", local.db)
	if d := cmp.Diff(tableCountsOf(t, pg), local.tableCounts()); d != "" {
		t.Errorf("local copy (-team +local):\n%s", d)
	}
	hits = decode[[]intel.SearchHit](t, local.ok("search", "--format", "json", "APT28"))
	if len(hits) == 0 || hits[0].Title != "APT28" {
		t.Errorf("search of the local copy: %+v", hits)
	}

	// The team store now holds rows the laptop does not (the team's
	// import): a plain copy refuses and says what differs; --replace
	// makes the copy exact.
	_, _, err := laptop.run("", "migrate", "--to", pg)
	if intel.ErrorCode(err) != intel.CodeConflict || !strings.Contains(errorLine(err), "--replace") {
		t.Errorf("copy onto a target with more rows: %v", err)
	}
	laptop.ok("migrate", "--replace", "--to", pg)
	if d := cmp.Diff(laptop.tableCounts(), tableCountsOf(t, pg)); d != "" {
		t.Errorf("after --replace (-laptop +team):\n%s", d)
	}
}

func TestMigrateRefusals(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no target", []string{"migrate"}, "usage"},
		{"the same store", []string{"migrate", "--to", c.db}, "the same store"},
		{"a missing source", []string{"migrate", "--from", c.db + ".missing", "--to", c.db + ".copy"}, "no database at"},
	} {
		_, _, err := c.run("", tc.args...)
		if err == nil || !strings.Contains(errorLine(err), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
