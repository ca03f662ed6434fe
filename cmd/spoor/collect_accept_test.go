package main

import (
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/testenv"
)

// TestAcceptanceCollectAll is the collection acceptance: everything in
// the shared data through the catalogue and an offline mirror, twice, and
// APT28's names, techniques and indicators on one group.
func TestAcceptanceCollectAll(t *testing.T) {
	testenv.Acceptance(t)
	data := testenv.DataDir(t)
	c := newCLI(t)
	first := decode[[]intel.CollectionRun](t, c.ok("collect", "--format", "json", "--all", "--mirror", data))
	if len(first) < 8 {
		t.Fatalf("collected %d sources, want the 8 catalogue entries", len(first))
	}
	for _, r := range first {
		if r.Status != intel.RunOK || r.Totals().Created == 0 {
			t.Errorf("first run of %s: %s %q, created %d", r.SourceName, r.Status, r.Error, r.Totals().Created)
		}
	}
	second := decode[[]intel.CollectionRun](t, c.ok("collect", "--format", "json", "--all", "--mirror", data))
	for _, r := range second {
		if tot := r.Totals(); r.Status != intel.RunOK || tot.Created != 0 || tot.Updated != 0 {
			t.Errorf("second run of %s added or changed: %+v (%s)", r.SourceName, tot, r.Error)
		}
	}

	g := decode[groupView](t, c.ok("group", "--format", "json", "Sofacy"))
	if g.Object.Name != "APT28" || len(g.Techniques) < 50 || g.IndicatorTotal < 100 {
		t.Fatalf("Sofacy = %s with %d techniques and %d indicators; want APT28 with ATT&CK's techniques and the IOC list's indicators",
			g.Object.Name, len(g.Techniques), g.IndicatorTotal)
	}
	for _, name := range []string{"APT28", "Fancy Bear", "STRONTIUM", "Forest Blizzard"} {
		if other := decode[groupView](t, c.ok("group", "--format", "json", name)); other.Object.ID != g.Object.ID {
			t.Errorf("%s = group %d (%s), want %d", name, other.Object.ID, other.Object.Name, g.Object.ID)
		}
	}
}
