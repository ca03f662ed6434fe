package main

import (
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
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
