package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// TestImportReportLinksEntities: a report naming a stored group by an
// alias ("Fancy Bear group") and stored software by name comes out with
// its entities linked to those objects and its technique to the stored
// technique, common words ("Page", "Play") linked to nothing, and one
// event of the report with the group, software, technique, country and
// indicators; importing it again changes nothing.
func TestImportReportLinksEntities(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json")
	url := "https://research.example.org/fancy-tooling"
	c.ok("import", "--url", url, "report", "testdata/report-linked.html")
	st, err := sqlite.Open(t.Context(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	find := func(kind intel.ObjectKind, name string) int64 {
		o, err := st.FindObjectByName(t.Context(), kind, name)
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	apt28, chopstick, mimikatz := find(intel.KindGroup, "APT28"), find(intel.KindSoftware, "CHOPSTICK"), find(intel.KindSoftware, "Mimikatz")
	powershell := find(intel.KindTechnique, "T1059.001")
	docs, err := st.FindDocuments(t.Context(), intel.DocumentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(docs.Items, func(d *intel.Document) bool { return d.Title == "Fancy Bear tooling update" })
	if i < 0 {
		t.Fatalf("the report is not among the documents %+v", docs.Items)
	}
	doc := docs.Items[i]
	ents, err := st.FindDocumentEntities(t.Context(), doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]int64{}
	for _, e := range ents {
		links[e.Text] = e.ObjectID
	}
	for text, want := range map[string]int64{"Fancy Bear": apt28, "Fancy Bear group": apt28, "Mimikatz tool": mimikatz,
		"CHOPSTICK backdoor": chopstick, "Ukraine": 0, "Page": 0, "Play": 0} {
		if got, ok := links[text]; !ok || got != want {
			t.Errorf("entity %q: linked to %d (found: %v), want %d; all %v", text, got, ok, want, links)
		}
	}
	techs, err := st.FindDocumentTechniques(t.Context(), doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(techs, func(tm intel.TechniqueMention) bool { return tm.Technique == "T1059.001" }); i < 0 || techs[i].ObjectID != powershell {
		t.Errorf("T1059.001 not linked to the stored PowerShell (%d): %+v", powershell, techs)
	}
	page, err := st.FindEvents(t.Context(), intel.EventFilter{SourceID: doc.SourceID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Fatalf("events of the report's source: %+v, want one", page.Items)
	}
	e := page.Items[0]
	if e.DocumentID != doc.ID || e.GroupID != apt28 || strings.Join(e.Software, ",") != "CHOPSTICK,Mimikatz" ||
		!slices.Contains(e.Techniques, "T1059.001") || !slices.Contains(e.VictimCountries, "UA") || e.IndicatorCount != 1 ||
		!e.FirstSeen.Equal(doc.Published) {
		t.Errorf("report event = %+v", e)
	}
	again := decode[intel.CollectionRun](t, c.ok("import", "--format", "json", "--url", url, "report", "testdata/report-linked.html"))
	if tot := again.Totals(); tot.Created != 0 || tot.Updated != 0 {
		t.Errorf("re-import changed the base: %+v", tot)
	}
}
