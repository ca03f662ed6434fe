package main

import (
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
)

func TestImportReportLinksToGroup(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json")
	run := decode[intel.CollectionRun](t, c.ok("import", "--format", "json", "--url", "https://research.example.org/pawn-storm", "report", "testdata/report.html"))
	if run.Status != intel.RunOK || run.Stats.Counts["document"] == nil || run.Stats.Counts["document"].Created != 1 {
		t.Fatalf("report import: %+v", run)
	}
	if got := run.Stats.Counts["indicator"]; got == nil || got.Created < 3 {
		t.Errorf("indicators from the report: %+v, want the URL, the domain, the IPv4 and the hash", got)
	}
	g := decode[groupView](t, c.ok("group", "--format", "json", "Sofacy"))
	if len(g.Mentions) != 1 || g.Mentions[0].Document.Title != "Pawn Storm returns with new lures" {
		t.Fatalf("mentions of APT28: %+v", g.Mentions)
	}
	text := c.ok("group", "APT28")
	if !strings.Contains(text, "reports that mention it (1)") {
		t.Errorf("group output lacks the mention:\n%s", text)
	}
	hits := decode[[]intel.SearchHit](t, c.ok("search", "--format", "json", "--kind", "document", "spear-phishing"))
	if len(hits) == 0 || hits[0].Title != "Pawn Storm returns with new lures" {
		t.Errorf("the report text is not searchable: %+v", hits)
	}
	again := decode[intel.CollectionRun](t, c.ok("import", "--format", "json", "--url", "https://research.example.org/pawn-storm", "report", "testdata/report.html"))
	if tot := again.Totals(); tot.Created != 0 || tot.Updated != 0 {
		t.Errorf("re-import of the report changed the base: %+v", tot)
	}
}

// TestImportReportStoresEntities: an imported report keeps what the
// built-in models read in it, with offsets into its text, and a re-import
// changes nothing.
func TestImportReportStoresEntities(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json")
	run := decode[intel.CollectionRun](t, c.ok("import", "--format", "json", "--url", "https://research.example.org/pawn-storm", "report", "testdata/report.html"))
	if got := run.Stats.Counts["entity"]; got == nil || got.Created < 2 || got.Rejected != 0 {
		t.Fatalf("entities: %+v", got)
	}
	if got := run.Stats.Counts["technique mapping"]; got == nil || got.Created < 1 || got.Rejected != 0 {
		t.Fatalf("techniques: %+v", got)
	}
	st, err := sqlite.Open(t.Context(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	page, err := st.FindDocuments(t.Context(), intel.DocumentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var doc *intel.Document
	for _, d := range page.Items {
		if d.Title == "Pawn Storm returns with new lures" {
			if doc, err = st.FindDocumentByID(t.Context(), d.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if doc == nil {
		t.Fatalf("the report is not among the documents %+v", page.Items)
	}
	ents, err := st.FindDocumentEntities(t.Context(), doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, e := range ents {
		if doc.Text[e.Start:e.End] != e.Text || !strings.HasPrefix(e.Model, "dnrti v1 ") {
			t.Errorf("entity %+v: not the text at its offsets, or no model", e)
		}
		found[e.Text] = e.Type
	}
	if found["APT28"] != "HackOrg" {
		t.Errorf("APT28 not stored as a group: %v", found)
	}
	techs, err := st.FindDocumentTechniques(t.Context(), doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]intel.TechniqueMention{}
	for _, tm := range techs {
		byID[tm.Technique] = tm
	}
	if tm := byID["T1059.001"]; tm.Method != "id" || !strings.Contains(tm.Sentence, "PowerShell (T1059.001)") {
		t.Errorf("T1059.001: %+v (all %+v)", tm, techs)
	}
	again := decode[intel.CollectionRun](t, c.ok("import", "--format", "json", "--url", "https://research.example.org/pawn-storm", "report", "testdata/report.html"))
	if tot := again.Totals(); tot.Created != 0 || tot.Updated != 0 {
		t.Errorf("re-import changed the base: %+v", tot)
	}
}
