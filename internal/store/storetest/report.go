package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/report"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// reportText is a small vendor report: APT28 under its name and an alias,
// software, a technique ID, two public indicators and an example address.
const reportText = `Operation Paper Kite
APT28, also tracked as Sofacy, targeted the energy sector in Ukraine.
The actor ran PowerShell (T1059.001) and contacted 185.220.101[.]7 and evil-kite[.]com;
the example address 203.0.113.7 is documentation.`

func testImportReport(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 3, "bob")
	if _, err := s.ImportBundle(ctx, FixtureBundle(), nil); err != nil {
		t.Fatal(err)
	}
	dict, err := s.MentionDictionary(ctx)
	must(t, "dictionary", err)
	known := report.NewKnown(append(dict, report.Vocabulary()...))
	apt28, err := s.FindObjectByName(ctx, intel.KindGroup, "APT28")
	must(t, "find APT28", err)
	ps, err := s.FindObjectByName(ctx, intel.KindTechnique, "PowerShell")
	must(t, "find PowerShell", err)
	for _, e := range dict {
		if e.Key == "Old Bear" {
			t.Error("dictionary holds a revoked object")
		}
	}

	published := time.Date(2023, 5, 17, 0, 0, 0, 0, time.UTC)
	build := func(url, text string) *intel.ReportImport {
		doc, err := report.Text([]byte(text), "r.txt", url, report.Options{})
		must(t, "read", err)
		doc.Published = published
		return report.BuildImport(doc, report.Analyze(doc.Text, known), report.ImportOptions{
			Source: intel.Source{Name: "paper-kite-labs", Kind: intel.SourceReport, Credibility: 0.6, TLP: intel.TLPGreen},
		})
	}
	imp := build("https://labs.example.com/paper-kite", reportText)
	if len(imp.Mentions) != 2 {
		t.Fatalf("import carries mentions %+v, want APT28 and PowerShell", imp.Mentions)
	}
	st, err := s.ImportReport(ctx, imp)
	must(t, "import", err)
	wantCounts(t, "first import", st, map[string]intel.ImportCount{
		"document":  {Seen: 1, Created: 1},
		"event":     {Seen: 1, Created: 1},
		"indicator": {Seen: 2, Created: 2},
		"mention":   {Seen: 2, Created: 2},
		"term":      {Seen: 2, Created: 2},
	})
	docID := imp.Document.ID
	if docID == 0 {
		t.Fatal("document ID not set")
	}
	doc, err := s.FindDocumentByID(ctx, docID)
	must(t, "find document", err)
	if doc.Text != imp.Document.Text || doc.URL != "https://labs.example.com/paper-kite" || doc.SourceID == 0 ||
		!doc.Published.Equal(published) || doc.TLP != intel.TLPGreen || len(doc.ContentHash) != 64 {
		t.Errorf("stored document = %+v", doc)
	}

	// The group page: reports that mention APT28, with the alias counted.
	ms, err := s.FindMentions(ctx, apt28.ID)
	must(t, "find mentions", err)
	if len(ms) != 1 {
		t.Fatalf("mentions of APT28 = %+v", ms)
	}
	want := intel.Mention{DocumentID: docID, ObjectID: apt28.ID, Name: "APT28", Count: 2,
		FirstOffset: strings.Index(reportText, "APT28")}
	mustDiff(t, "mention", want, ms[0].Mention)
	if ms[0].Document.Text != "" || ms[0].Document.Title != "Operation Paper Kite" {
		t.Errorf("listed document = %+v", ms[0].Document)
	}
	dms, err := s.FindDocumentMentions(ctx, docID)
	must(t, "document mentions", err)
	if len(dms) != 2 || dms[0].ObjectID != apt28.ID || dms[1].ObjectID != ps.ID {
		t.Errorf("document mentions = %+v", dms)
	}
	// The countries and sectors it names, keyed by the vocabulary.
	terms, err := s.FindDocumentTerms(ctx, docID)
	must(t, "document terms", err)
	mustDiff(t, "document terms", []intel.TermMention{
		{DocumentID: docID, Kind: intel.EntryCountry, Key: "UA", Name: "Ukraine", Count: 1,
			FirstOffset: strings.Index(reportText, "Ukraine")},
		{DocumentID: docID, Kind: intel.EntrySector, Key: "energy", Name: "energy", Count: 1,
			FirstOffset: strings.Index(reportText, "energy")},
	}, terms)
	lazarus, err := s.FindObjectByName(ctx, intel.KindGroup, "Lazarus Group")
	must(t, "find Lazarus", err)
	none, err := s.FindMentions(ctx, lazarus.ID)
	must(t, "find no mentions", err)
	if len(none) != 0 {
		t.Errorf("Lazarus mentioned by %+v", none)
	}

	inds, err := s.FindDocumentIndicators(ctx, docID)
	must(t, "document indicators", err)
	var got []string
	for _, ri := range inds {
		got = append(got, fmt.Sprintf("%s %s %d %v %v", ri.Indicator.Type, ri.Indicator.Value, ri.Count,
			ri.Indicator.Confidence, ri.Indicator.FirstSeen.Equal(published)))
	}
	mustDiff(t, "document indicators", []string{"ipv4 185.220.101.7 1 0.6 true", "domain evil-kite.com 1 0.6 true"}, got)

	// The text is searchable through the documents' full-text index.
	hits, err := s.Search(ctx, intel.SearchQuery{Text: "Sofacy energy", Kinds: []string{"document"}})
	must(t, "search", err)
	if len(hits) != 1 || hits[0].ID != docID {
		t.Errorf("search hits = %+v", hits)
	}

	// Re-import, and import from another URL: nothing changes.
	audit := countAudit(t, s)
	for _, url := range []string{"https://labs.example.com/paper-kite", "https://mirror.example.net/copy"} {
		again := build(url, reportText)
		st, err = s.ImportReport(ctx, again)
		must(t, "re-import", err)
		wantCounts(t, "re-import "+url, st, map[string]intel.ImportCount{
			"document":  {Seen: 1, Unchanged: 1},
			"event":     {Seen: 1, Unchanged: 1},
			"indicator": {Seen: 2, Unchanged: 2},
			"mention":   {Seen: 2, Unchanged: 2},
			"term":      {Seen: 2, Unchanged: 2},
		})
		if again.Document.ID != docID {
			t.Errorf("re-import from %s made document %d, want %d", url, again.Document.ID, docID)
		}
	}
	if n := countAudit(t, s); n != audit {
		t.Errorf("re-imports wrote %d audit entries", n-audit)
	}
	page, err := s.FindDocuments(ctx, intel.DocumentFilter{})
	must(t, "documents", err)
	reports := 0
	for _, d := range page.Items {
		if d.Title == "Operation Paper Kite" {
			reports++
		}
	}
	if reports != 1 {
		t.Errorf("%d copies of the report stored", reports)
	}

	// A revised report at the same URL updates the document and replaces
	// its mentions; the indicator seen later moves its last-seen date.
	revised := build("https://labs.example.com/paper-kite", "Operation Paper Kite\nUpdate: the C2 185.220.101[.]7 is now offline. Lazarus Group was not involved.")
	revised.Indicators[0].Indicator.LastSeen = published.AddDate(0, 1, 0)
	st, err = s.ImportReport(ctx, revised)
	must(t, "revised", err)
	wantCounts(t, "revised", st, map[string]intel.ImportCount{
		"document":  {Seen: 1, Updated: 1},
		"event":     {Seen: 1, Updated: 1},
		"indicator": {Seen: 1, Updated: 1},
		"mention":   {Seen: 1, Created: 1},
	})
	if revised.Document.ID != docID {
		t.Errorf("revised report made document %d, want %d", revised.Document.ID, docID)
	}
	ms, err = s.FindMentions(ctx, apt28.ID)
	must(t, "mentions after revision", err)
	if len(ms) != 0 {
		t.Errorf("APT28 still mentioned after the revision: %+v", ms)
	}
	ms, err = s.FindMentions(ctx, lazarus.ID)
	must(t, "Lazarus mentions", err)
	if len(ms) != 1 || ms[0].Mention.Name != "Lazarus Group" {
		t.Errorf("Lazarus mentions = %+v", ms)
	}
	inds, err = s.FindDocumentIndicators(ctx, docID)
	must(t, "indicators after revision", err)
	if len(inds) != 1 || !inds[0].Indicator.LastSeen.Equal(published.AddDate(0, 1, 0)) || !inds[0].Indicator.FirstSeen.Equal(published) {
		t.Errorf("indicators after revision = %+v", inds)
	}

	// A mention of an object that does not exist is a warning, not a
	// failure; an invalid indicator fails the whole import and leaves the
	// base as it was.
	ghost := build("https://labs.example.com/ghost", "Ghost report naming nobody, with 185.220.101.9 in it.")
	ghost.Mentions = append(ghost.Mentions, intel.Mention{ObjectID: 987654, Name: "Nobody", Count: 1})
	st, err = s.ImportReport(ctx, ghost)
	must(t, "ghost", err)
	if c := st.Counts["mention"]; c == nil || c.Rejected != 1 || len(st.Warnings) != 1 {
		t.Errorf("ghost mention stats = %+v %v", c, st.Warnings)
	}
	bad := build("https://labs.example.com/bad", "Bad report with 185.220.101.10 in it.")
	bad.Indicators = append(bad.Indicators, intel.ReportIndicator{Indicator: intel.Indicator{Type: "nonsense", Value: "x"}})
	_, err = s.ImportReport(ctx, bad)
	wantCode(t, "bad indicator", err, intel.CodeInvalid)
	_, err = s.ImportReport(ctx, &intel.ReportImport{Document: intel.Document{Title: "Empty"}})
	wantCode(t, "no text", err, intel.CodeInvalid)
	page, err = s.FindDocuments(ctx, intel.DocumentFilter{})
	must(t, "documents", err)
	for _, d := range page.Items {
		if d.URL == "https://labs.example.com/bad" || d.Title == "Empty" {
			t.Errorf("failed import left document %+v", d)
		}
	}

	// A citation imported from STIX (URL, no text) gets the text.
	cite := &intel.Document{Title: "FireEye APT28", URL: "https://example.com/fireeye-apt28"}
	if err := s.CreateDocument(ctx, cite); err != nil {
		// The fixture bundle may already hold this citation.
		wantCode(t, "citation", err, intel.CodeConflict)
	}
	full := build("https://example.com/fireeye-apt28", "APT28: A Window into Russia's Cyber Espionage Operations?")
	st, err = s.ImportReport(ctx, full)
	must(t, "citation text", err)
	if c := st.Counts["document"]; c.Updated != 1 {
		t.Errorf("citation import: document counts %+v", c)
	}
}

func testFetchState(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	_, err := s.FindFetchState(ctx, "https://example.com/a")
	wantCode(t, "missing", err, intel.CodeNotFound)
	at := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	st := &intel.FetchState{URL: "https://example.com/a", ETag: `"v1"`, LastModified: "Sat, 03 Feb 2024 04:05:06 GMT", ContentHash: "abc", FetchedAt: at}
	must(t, "save", s.SaveFetchState(ctx, st))
	got, err := s.FindFetchState(ctx, st.URL)
	must(t, "find", err)
	mustDiff(t, "state", st, got)
	st.ETag = `"v2"`
	must(t, "save again", s.SaveFetchState(ctx, st))
	got, err = s.FindFetchState(ctx, st.URL)
	must(t, "find again", err)
	mustDiff(t, "state", st, got)
	wantCode(t, "no URL", s.SaveFetchState(ctx, &intel.FetchState{}), intel.CodeInvalid)
}

func wantCounts(t *testing.T, what string, st *intel.ImportStats, want map[string]intel.ImportCount) {
	t.Helper()
	got := map[string]intel.ImportCount{}
	for k, c := range st.Counts {
		got[k] = *c
	}
	mustDiff(t, what+" counts", want, got)
}

func countAudit(t *testing.T, s *store.Store) int {
	t.Helper()
	n, after := 0, ""
	for {
		page, err := s.FindAudit(t.Context(), intel.AuditFilter{After: after, Limit: 500})
		must(t, "audit", err)
		n += len(page.Items)
		if after = page.Next; after == "" {
			return n
		}
	}
}

// testReportTerms: countries and sectors outside the vocabulary are
// rejected with a reason; a new version of a report replaces its terms.
func testReportTerms(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 3, "bob")
	imp := func(text string, terms ...intel.TermMention) *intel.ReportImport {
		return &intel.ReportImport{Document: intel.Document{Title: "Terms", URL: "https://example.com/terms", Text: text},
			Terms: terms}
	}
	first := imp("first version",
		intel.TermMention{Kind: intel.EntryCountry, Key: "UA", Name: "Ukrainian", Count: 2},
		intel.TermMention{Kind: intel.EntryCountry, Key: "XX", Name: "Atlantis", Count: 1},
		intel.TermMention{Kind: intel.EntryCountry, Key: "ua", Name: "ukraine", Count: 1},
		intel.TermMention{Kind: intel.EntrySector, Key: "piracy", Name: "Piracy", Count: 1},
		intel.TermMention{Kind: "planet", Key: "mars", Count: 1},
		intel.TermMention{Kind: intel.EntrySector, Key: "government", Name: "Ministry", Count: 3, FirstOffset: 7})
	st, err := s.ImportReport(ctx, first)
	must(t, "import", err)
	if c := st.Counts["term"]; c == nil || c.Seen != 6 || c.Created != 2 || c.Rejected != 4 {
		t.Errorf("term counts = %+v, want 6 seen, 2 created, 4 rejected", c)
	}
	if len(st.Warnings) != 4 || !strings.Contains(strings.Join(st.Warnings, "\n"), `country "XX": not an ISO 3166 alpha-2 code`) {
		t.Errorf("warnings = %q", st.Warnings)
	}
	docID := first.Document.ID
	if docID == 0 {
		t.Fatal("ImportReport did not set the document ID")
	}
	terms, err := s.FindDocumentTerms(ctx, docID)
	must(t, "terms", err)
	mustDiff(t, "terms", []intel.TermMention{
		{DocumentID: docID, Kind: intel.EntrySector, Key: "government", Name: "Ministry", Count: 3, FirstOffset: 7},
		{DocumentID: docID, Kind: intel.EntryCountry, Key: "UA", Name: "Ukrainian", Count: 2},
	}, terms)

	// Documents are found by the countries and sectors they name.
	for _, f := range []struct {
		filter intel.DocumentFilter
		want   int
	}{
		{intel.DocumentFilter{Country: "UA"}, 1}, {intel.DocumentFilter{Sector: "government"}, 1},
		{intel.DocumentFilter{Country: "UA", Sector: "government"}, 1}, {intel.DocumentFilter{Country: "FR"}, 0},
		{intel.DocumentFilter{Country: "UA", Sector: "energy"}, 0},
	} {
		page, err := s.FindDocuments(ctx, f.filter)
		must(t, "documents by term", err)
		if len(page.Items) != f.want || f.want == 1 && page.Items[0].ID != docID {
			t.Errorf("FindDocuments(%+v) = %d documents, want %d", f.filter, len(page.Items), f.want)
		}
	}

	_, err = s.ImportReport(ctx, imp("second version", intel.TermMention{Kind: intel.EntryCountry, Key: "PL", Name: "Poland", Count: 1}))
	must(t, "new version", err)
	terms, err = s.FindDocumentTerms(ctx, docID)
	must(t, "terms after the new version", err)
	mustDiff(t, "terms after the new version", []intel.TermMention{
		{DocumentID: docID, Kind: intel.EntryCountry, Key: "PL", Name: "Poland", Count: 1},
	}, terms)
}
