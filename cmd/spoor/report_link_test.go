package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
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

// TestAnalyzeReportsLinksOldImports: reports stored before their names
// were (or before linking and reading existed) get their links from the
// stored names — on their own after the collection that adds the names,
// and by `spoor analyze reports`, which also reads a report never read —
// and their events follow; an analyst's rejection stays in force, and a
// second run changes nothing.
func TestAnalyzeReportsLinksOldImports(t *testing.T) {
	c := newCLI(t)
	ctx := t.Context()
	// Imported before the ATT&CK objects: nothing to link to.
	c.ok("import", "--url", "https://research.example.org/fancy-tooling", "report", "testdata/report-linked.html")
	st, err := sqlite.Open(ctx, c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	docs, err := st.FindDocuments(ctx, intel.DocumentFilter{})
	if err != nil || len(docs.Items) != 1 {
		t.Fatalf("documents %+v, %v: want the one report", docs.Items, err)
	}
	first := docs.Items[0].ID
	entities := func(id int64) map[string]intel.EntityMention {
		t.Helper()
		ents, err := st.FindDocumentEntities(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]intel.EntityMention{}
		for _, e := range ents {
			m[e.Text] = e
		}
		return m
	}
	before := entities(first)
	mimi, ok := before["Mimikatz tool"]
	if !ok || mimi.ObjectID != 0 || before["Fancy Bear group"].ObjectID != 0 {
		t.Fatalf("before the ATT&CK import: %+v", before)
	}
	if err := st.ReviewMapping(ctx, &intel.MappingReview{DocumentID: first, Kind: intel.ReviewEntity, Type: mimi.Type,
		Text: mimi.Text, Decision: intel.ReviewRejected}); err != nil {
		t.Fatal(err)
	}

	// The collection that stores the names links the report already stored.
	c.ok("import", "stix", "testdata/attack-small.json")
	find := func(kind intel.ObjectKind, name string) int64 {
		t.Helper()
		o, err := st.FindObjectByName(ctx, kind, name)
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	apt28, chopstick, mimikatz := find(intel.KindGroup, "APT28"), find(intel.KindSoftware, "CHOPSTICK"), find(intel.KindSoftware, "Mimikatz")
	after := entities(first)
	for text, want := range map[string]int64{"Fancy Bear group": apt28, "CHOPSTICK backdoor": chopstick, "Mimikatz tool": mimikatz, "Page": 0} {
		if got := after[text].ObjectID; got != want {
			t.Errorf("after the ATT&CK import, %q links %d, want %d", text, got, want)
		}
	}
	if d := after["Mimikatz tool"].Decision; d != intel.ReviewRejected {
		t.Errorf("the analyst's rejection became %q", d)
	}
	event := func(id int64) *intel.Event {
		t.Helper()
		page, err := st.FindEvents(ctx, intel.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			if e.DocumentID == id && e.Key == store.ReportEventKey(id) {
				return e
			}
		}
		t.Fatalf("no event of document %d among %+v", id, page.Items)
		return nil
	}
	if e := event(first); e.GroupID != apt28 || strings.Join(e.Software, ",") != "CHOPSTICK" {
		t.Errorf("event after linking = group %d software %v, want %d [CHOPSTICK] (Mimikatz rejected)", e.GroupID, e.Software, apt28)
	}

	// Stored the old ways: entities without links, and text never read.
	text := "The Fancy Bear group deployed the CHOPSTICK backdoor against ministries."
	old := &intel.ReportImport{Document: intel.Document{Title: "Old import", URL: "https://example.org/old", Text: text},
		Entities: []intel.EntityMention{{Type: "HackOrg", Text: "Fancy Bear group", Start: 4, End: 20, Confidence: 0.9, Model: "dnrti v1 old"}}}
	if _, err := st.ImportReport(ctx, old); err != nil {
		t.Fatal(err)
	}
	unread := &intel.ReportImport{Document: intel.Document{Title: "Never read", URL: "https://example.org/unread", Text: text + " "}}
	if _, err := st.ImportReport(ctx, unread); err != nil {
		t.Fatal(err)
	}
	got := decode[intel.ImportStats](t, c.ok("analyze", "reports", "--format", "json"))
	if d := got.Counts["document"]; d == nil || d.Seen != 3 || d.Updated != 2 || got.Counts["read"] == nil || got.Counts["read"].Seen != 1 {
		t.Errorf("analyze reports counts %+v, want 3 reports, 2 changed, 1 read", got.Counts)
	}
	if e := entities(old.Document.ID)["Fancy Bear group"]; e.ObjectID != apt28 || e.Model != "dnrti v1 old" {
		t.Errorf("old import's entity after analyze reports: %+v, want linked to %d with its model kept", e, apt28)
	}
	if e := event(old.Document.ID); e.GroupID != apt28 {
		t.Errorf("old import's event group %d, want %d", e.GroupID, apt28)
	}
	if e := entities(unread.Document.ID); len(e) == 0 || e["CHOPSTICK backdoor"].ObjectID != chopstick {
		t.Errorf("unread report after analyze reports: %+v, want read and CHOPSTICK linked to %d", e, chopstick)
	}
	if d := entities(first)["Mimikatz tool"].Decision; d != intel.ReviewRejected {
		t.Errorf("analyze reports changed the analyst's rejection to %q", d)
	}
	again := decode[intel.ImportStats](t, c.ok("analyze", "reports", "--format", "json"))
	for kind, n := range again.Counts {
		if n.Created+n.Updated != 0 {
			t.Errorf("second analyze reports changed %s: %+v", kind, n)
		}
	}
	if out := c.ok("analyze", "reports"); !strings.Contains(out, "reports: 3, 0 changed") {
		t.Errorf("analyze reports output %q", out)
	}
}
