package main

import (
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/testenv"
)

// TestAcceptanceATTACKDemo is the acceptance of the one-command start: the counts
// printed equal the bundle's active objects, a second import changes
// nothing, and search and group agree on APT28.
func TestAcceptanceATTACKDemo(t *testing.T) {
	testenv.Acceptance(t)
	bundle := testenv.DataFile(t, "mitre-attack", "enterprise-attack-13.1.json.gz")
	c := newCLI(t)
	out := c.ok("demo", "--no-serve", bundle)
	t.Logf("demo output:\n%s", out)

	// The same bundle through "import" as the same source (the catalogue's
	// ATT&CK, which the demo used) changes nothing.
	second := decode[intel.CollectionRun](t, c.ok("import", "--format", "json", "--source", "MITRE ATT&CK Enterprise", "stix", bundle))
	want := map[string]int{"group": 136, "technique": 196 + 411, "software": 553 + 82, "campaign": 20}
	for kind, n := range want {
		got := second.Stats.Counts[kind]
		if got == nil || got.Active() != n {
			t.Errorf("%s: %+v, want %d active", kind, got, n)
			continue
		}
		if got.Created != 0 || got.Updated != 0 {
			t.Errorf("second import changed %s: %+v", kind, got)
		}
	}
	counts := c.counts()
	for kind, n := range want {
		if counts[kind] != n {
			t.Errorf("stored %s = %d, want %d", kind, counts[kind], n)
		}
	}

	hits := decode[[]intel.SearchHit](t, c.ok("search", "--format", "json", "APT28"))
	p := decode[intel.Profile](t, c.ok("group", "--format", "json", "Fancy Bear"))
	if len(hits) == 0 || hits[0].ID != p.Object.ID || p.Object.Name != "APT28" {
		t.Fatalf("search APT28 first hit %+v; group Fancy Bear = %s", hits, p.Object.Name)
	}
	if len(p.Techniques) < 50 || len(p.Software) < 10 || len(p.Documents) < 40 {
		t.Errorf("APT28 profile: %d techniques, %d software, %d documents; want ATT&CK's (≥50, ≥10, ≥40)",
			len(p.Techniques), len(p.Software), len(p.Documents))
	}
}

// TestDemoNeedsOneInput: demo takes a mirror or a bundle, not both or none.
func TestDemoNeedsOneInput(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{
		{"demo", "--no-serve"},
		{"demo", "--no-serve", "--mirror", t.TempDir(), "testdata/attack-small.json"},
	} {
		if _, _, err := c.run("", args...); err == nil || !strings.Contains(err.Error(), "--mirror DIR | BUNDLE") {
			t.Errorf("%v: %v, want the usage", args, err)
		}
	}
}
