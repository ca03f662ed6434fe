package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

func TestGroupMergeAndSplit(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json")
	other := filepath.Join(t.TempDir(), "other.json")
	os.WriteFile(other, []byte(`{"type":"bundle","id":"bundle--2","objects":[
{"type":"intrusion-set","id":"intrusion-set--99999999-0000-4000-8000-000000000001","created":"2021-01-01T00:00:00Z","modified":"2021-01-01T00:00:00Z","name":"Pawn Cluster","aliases":["Pawn Cluster","Sofacy"]}]}`), 0o600)
	c.ok("import", "--source", "vendor", "stix", other)

	// One shared alias ("Sofacy") is not enough to merge.
	separate := decode[groupView](t, c.ok("group", "--format", "json", "Pawn Cluster"))
	if separate.Object.Name != "Pawn Cluster" {
		t.Fatalf("Pawn Cluster resolved to %q: merged on one shared alias", separate.Object.Name)
	}

	merged := decode[groupView](t, c.ok("group", "merge", "--format", "json", "--reason", "same operator", "APT28", "Pawn Cluster"))
	if merged.Object.Name != "APT28" || !hasAlias(merged.AliasSources, "Pawn Cluster", "vendor") {
		t.Fatalf("after merge: %s with %+v", merged.Object.Name, merged.AliasSources)
	}
	manual := false
	for _, m := range merged.Merges {
		manual = manual || m.Rule == intel.RuleManualMerge && m.Evidence != ""
	}
	if !manual {
		t.Errorf("merge log = %+v, want a manual merge", merged.Merges)
	}
	again := decode[groupView](t, c.ok("group", "--format", "json", "Pawn Cluster"))
	if again.Object.ID != merged.Object.ID {
		t.Errorf("Pawn Cluster after merge = %d, want %d", again.Object.ID, merged.Object.ID)
	}

	split := decode[groupView](t, c.ok("group", "split", "--format", "json", "--names", "Pawn Cluster", "--reason", "different operator", "APT28"))
	if split.Object.ID == merged.Object.ID || split.Object.Name != "Pawn Cluster" {
		t.Errorf("split gave %d %q", split.Object.ID, split.Object.Name)
	}
	// A re-import respects the analyst's split.
	c.ok("import", "--source", "vendor", "stix", other)
	if g := decode[groupView](t, c.ok("group", "--format", "json", "Pawn Cluster")); g.Object.ID != split.Object.ID {
		t.Errorf("re-import undid the split: Pawn Cluster = %d, want %d", g.Object.ID, split.Object.ID)
	}
	if _, _, err := c.run("", "group", "merge", "APT28", "Pawn Cluster"); err == nil {
		t.Error("merge without --reason succeeded")
	}
}

func hasAlias(list []intel.AliasInfo, alias, source string) bool {
	for _, a := range list {
		if a.Alias == alias {
			for _, s := range a.Sources {
				if s == source {
					return true
				}
			}
		}
	}
	return false
}

// TestGroupFingerprint: an import builds the fingerprints, `spoor group
// --format json` shows the group's by dimension, and `spoor analyze
// fingerprints` rebuilds them on request.
func TestGroupFingerprint(t *testing.T) {
	c := newCLI(t)
	_, stderr, err := c.run("", "import", "stix", "testdata/attack-small.json")
	if err != nil || !strings.Contains(stderr, "group fingerprints rebuilt") {
		t.Fatalf("import: %v; stderr %q, want the rebuild reported", err, stderr)
	}
	g := decode[groupView](t, c.ok("group", "--format", "json", "APT28"))
	if g.Fingerprint == nil || len(g.Fingerprint.Content.Techniques) == 0 || len(g.Fingerprint.Time.HourOfWeek) != 168 {
		t.Fatalf("APT28's fingerprint: %+v", g.Fingerprint)
	}
	out := c.ok("analyze", "fingerprints", "--format", "json")
	b := decode[intel.FingerprintBuild](t, out)
	if b.ID < 2 || b.Groups == 0 {
		t.Errorf("rebuild: %+v, want a second build with groups", b)
	}
}

// TestDuplicatesAndDistinct: a second source's group of one name is a
// possible duplicate until `spoor group distinct` says it is not.
func TestDuplicatesAndDistinct(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json")
	other := filepath.Join(t.TempDir(), "other.json")
	os.WriteFile(other, []byte(`{"type":"bundle","id":"bundle--3","objects":[
{"type":"intrusion-set","id":"intrusion-set--99999999-0000-4000-8000-000000000002","created":"2021-01-01T00:00:00Z","modified":"2021-01-01T00:00:00Z","name":"APT28"}]}`), 0o600)
	c.ok("import", "--source", "vendor", "stix", other)
	type dups struct {
		Pairs []struct {
			A, B int64
			Why  string
		}
	}
	got := decode[dups](t, c.ok("duplicates", "--format", "json"))
	if len(got.Pairs) != 1 || got.Pairs[0].Why != "same name" {
		t.Fatalf("duplicates %+v, want the two APT28s", got.Pairs)
	}
	a, b := got.Pairs[0].A, got.Pairs[0].B
	c.ok("group", "distinct", fmt.Sprintf("#%d", a), fmt.Sprintf("#%d", b), "--reason", "a vendor's other cluster")
	if got := decode[dups](t, c.ok("duplicates", "--format", "json")); len(got.Pairs) != 0 {
		t.Errorf("after distinct: %+v", got.Pairs)
	}
	if _, _, err := c.run("", "group", "distinct", "APT28", "APT28"); err == nil {
		t.Error("distinct without --reason succeeded")
	}
}
