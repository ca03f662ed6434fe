package main

import (
	"encoding/json"
	"testing"

	"github.com/spoor/spoor/internal/fingerprint"

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

	// The similarity of groups on the whole mirror: APT28's related groups
	// carry per-dimension parts and shared evidence, and the combined score
	// finds the galaxies' known relations better than technique Jaccard.
	var rel relatedResult
	if err := json.Unmarshal([]byte(c.ok("related", "APT28", "--min", "0.05", "--format", "json")), &rel); err != nil {
		t.Fatal(err)
	}
	withEvidence := 0
	for _, r := range rel.Related {
		if len(r.Dimensions) == 0 {
			t.Errorf("%s has a score without parts", r.Group)
		}
		if len(r.Shared[fingerprint.DimTechniques]) > 0 {
			withEvidence++
		}
	}
	if len(rel.Related) < 5 || withEvidence == 0 {
		t.Errorf("APT28: %d related groups, %d with shared techniques; want at least 5, and evidence", len(rel.Related), withEvidence)
	}
	ev := decode[fingerprint.Evaluation](t, c.ok("eval", "related", "--format", "json"))
	auc := map[string]float64{}
	for _, r := range ev.Rows {
		auc[r.Scorer] = r.AUC
	}
	if ev.Positives < 50 || auc["combined"] <= auc["technique jaccard (baseline)"] {
		t.Errorf("eval related: %d positives, combined AUC %.3f vs technique Jaccard %.3f", ev.Positives, auc["combined"], auc["technique jaccard (baseline)"])
	}
	t.Logf("eval related: %d positives; combined AUC %.3f, technique Jaccard %.3f", ev.Positives, auc["combined"], auc["technique jaccard (baseline)"])
}
