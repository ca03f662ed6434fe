package report_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/collect/report"
	"github.com/spoor/spoor/internal/intel"
)

func testKnown() *report.Known {
	return report.NewKnown([]intel.NameEntry{
		{Kind: "group", ObjectID: 1, Key: "APT28", Names: []string{"APT28", "Sofacy", "Fancy Bear", "STRONTIUM", "Pawn Storm"}},
		{Kind: "group", ObjectID: 2, Key: "Lazarus Group", Names: []string{"Lazarus Group", "HIDDEN COBRA", "Lazarus"}},
		{Kind: "software", ObjectID: 10, Key: "X-Agent", Names: []string{"X-Agent", "CHOPSTICK", "Agent.btz"}},
		{Kind: "software", ObjectID: 11, Key: "Mimikatz", Names: []string{"Mimikatz"}},
		// Names that must be skipped: common words, short names.
		{Kind: "software", ObjectID: 12, Key: "Empire", Names: []string{"Empire", "PowerShell Empire"}},
		{Kind: "software", ObjectID: 13, Key: "Net", Names: []string{"Net", "at"}},
		{Kind: "group", ObjectID: 14, Key: "Page", Names: []string{"Page"}},
		{Kind: "technique", ObjectID: 20, Key: "PowerShell", ExternalID: "T1059.001", Names: []string{"PowerShell"}},
		{Kind: intel.EntryCountry, Key: "UA", Names: []string{"Ukraine", "Ukrainian"}},
		{Kind: intel.EntryCountry, Key: "PL", Names: []string{"Poland", "Polish"}},
		{Kind: intel.EntrySector, Key: "Energy", Names: []string{"energy", "energy sector"}},
		{Kind: intel.EntrySector, Key: "Government", Names: []string{"government"}},
	})
}

type hit struct {
	Kind  string
	ID    int64
	Key   string
	Name  string
	Count int
}

func hits(a *report.Analysis) []hit {
	var out []hit
	for _, m := range a.Mentions {
		out = append(out, hit{m.Kind, m.ObjectID, m.Key, m.Name, m.Count})
	}
	return out
}

func TestAnalyzeMentions(t *testing.T) {
	text := "APT28 (also Sofacy, fancy bear) hit government and energy targets in Ukraine.\n" +
		"The APT28-linked actor dropped X-Agent and Agent.btz, then ran Mimikatz via PowerShell (T1059.001).\n" +
		"On the empire of pages: the Page shows an Empire, at net speed. apt28 in a URL does not count; X Agent neither.\n" +
		"PowerShell Empire was used too. Sofacy's tooling. SOFACY."
	a := report.Analyze(text, testKnown())
	want := []hit{
		{"group", 1, "APT28", "APT28", 6},
		{"sector", 0, "Government", "government", 1},
		{"sector", 0, "Energy", "energy", 1},
		{"country", 0, "UA", "Ukraine", 1},
		{"software", 10, "X-Agent", "X-Agent", 2},
		{"software", 11, "Mimikatz", "Mimikatz", 1},
		{"technique", 20, "PowerShell", "T1059.001", 1},
		{"software", 12, "Empire", "PowerShell Empire", 1},
	}
	if d := cmp.Diff(want, hits(a)); d != "" {
		t.Errorf("mentions (-want +got):\n%s", d)
	}
	// The first offset points at the name as written.
	for _, m := range a.Mentions {
		if !strings.HasPrefix(text[m.Offsets[0]:], m.Name) {
			t.Errorf("%s: offset %d points at %q, not %q", m.Key, m.Offsets[0], text[m.Offsets[0]:], m.Name)
		}
	}
	apt28 := a.Mentions[0]
	if apt28.Offsets[0] != 0 || text[apt28.Offsets[1]:apt28.Offsets[1]+6] != "Sofacy" {
		t.Errorf("APT28 offsets = %v", apt28.Offsets)
	}
	if got := a.Countries(); !cmp.Equal(got, []string{"UA"}) {
		t.Errorf("countries = %v", got)
	}
	if got := a.Sectors(); !cmp.Equal(got, []string{"Government", "Energy"}) {
		t.Errorf("sectors = %v", got)
	}
}

func TestKnownSkipped(t *testing.T) {
	got := map[string]string{}
	for _, s := range testKnown().Skipped() {
		got[s.Name] = s.Reason
	}
	want := map[string]string{
		"Empire": "common English word",
		"Net":    "common English word",
		"at":     "shorter than 3 characters",
		"Page":   "common English word",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("skipped (-want +got):\n%s", d)
	}
}

func TestAnalyzeLinesAndCase(t *testing.T) {
	k := testKnown()
	for _, tc := range []struct {
		text string
		want []hit
	}{
		// A name never spans lines: "Fancy" ends a heading here.
		{"Threat actor Fancy\nBear markets", nil},
		{"strontium levels", nil},
		{"STRONTIUM operators", []hit{{"group", 1, "APT28", "STRONTIUM", 1}}},
		{"HIDDEN COBRA and Lazarus Group and lazarus", []hit{{"group", 2, "Lazarus Group", "HIDDEN COBRA", 3}}},
		{"chopstick", nil},
		{"agent.btz.example.com", nil},
		{"Pawn  Storm", []hit{{"group", 1, "APT28", "Pawn  Storm", 1}}},
	} {
		if d := cmp.Diff(tc.want, hits(report.Analyze(tc.text, k))); d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.text, d)
		}
	}
}

func TestAnalyzeIndicators(t *testing.T) {
	text := "C2 at 203.0.113[.]7 and 203.0.113.7, hxxps://paper-kite[.]net/a, 10.0.0.1, T1059 and TA0001."
	a := report.Analyze(text, nil)
	var got []string
	for _, h := range a.Indicators {
		got = append(got, fmt.Sprintf("%s %s %d %v", h.Type, h.Value, h.Count, h.Offsets))
	}
	at := func(s string) int { return strings.Index(text, s) }
	want := []string{
		fmt.Sprintf("ipv4 203.0.113.7 2 [%d %d]", at("203.0.113["), at("203.0.113.7")),
		fmt.Sprintf("url https://paper-kite.net/a 1 [%d]", at("hxxps")),
		fmt.Sprintf("domain paper-kite.net 1 [%d]", at("paper-kite")),
		fmt.Sprintf("ipv4 10.0.0.1 1 [%d]", at("10.0.0.1")),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("indicators (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]hit{{"technique", 0, "T1059", "T1059", 1}}, hits(a)); d != "" {
		t.Errorf("techniques (-want +got):\n%s", d)
	}
}

func TestBuildImport(t *testing.T) {
	text := "APT28 used 203.0.113.7, 10.0.0.1 and 185.220.101.7 with Mimikatz in Ukraine; see evil-kite.com (T1059.001)."
	doc := &report.Document{Title: "T", URL: "https://example.com/r", Text: text, ContentHash: "h",
		Published: time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC)}
	a := report.Analyze(text, testKnown())
	src := intel.Source{Name: "labs", Credibility: 0.6, TLP: intel.TLPGreen}
	imp := report.BuildImport(doc, a, report.ImportOptions{Source: src})
	var inds []string
	for _, ri := range imp.Indicators {
		inds = append(inds, fmt.Sprintf("%s %s %d@%d %v %s", ri.Indicator.Type, ri.Indicator.Value, ri.Count, ri.FirstOffset,
			ri.Indicator.Confidence, ri.Indicator.TLP))
		if !ri.Indicator.FirstSeen.Equal(doc.Published) {
			t.Errorf("first seen = %v", ri.Indicator.FirstSeen)
		}
	}
	at := func(s string) int { return strings.Index(text, s) }
	wantInds := []string{
		fmt.Sprintf("ipv4 185.220.101.7 1@%d 0.6 green", at("185.")),
		fmt.Sprintf("domain evil-kite.com 1@%d 0.6 green", at("evil-kite")),
	}
	if d := cmp.Diff(wantInds, inds); d != "" {
		t.Errorf("indicators (-want +got):\n%s", d)
	}
	wantMentions := []intel.Mention{
		{ObjectID: 1, Name: "APT28", Count: 1, FirstOffset: 0},
		{ObjectID: 11, Name: "Mimikatz", Count: 1, FirstOffset: at("Mimikatz")},
		{ObjectID: 20, Name: "T1059.001", Count: 1, FirstOffset: at("T1059")},
	}
	if d := cmp.Diff(wantMentions, imp.Mentions); d != "" {
		t.Errorf("mentions (-want +got):\n%s", d)
	}
	if imp.Document.TLP != intel.TLPGreen || imp.Document.URL != doc.URL {
		t.Errorf("document = %+v", imp.Document)
	}
	keep := report.BuildImport(doc, a, report.ImportOptions{KeepSpecial: true})
	if len(keep.Indicators) != 4 {
		t.Errorf("KeepSpecial: %d indicators, want 4", len(keep.Indicators))
	}
}

func BenchmarkAnalyze(b *testing.B) {
	var entries []intel.NameEntry
	for i := range 100000 {
		entries = append(entries, intel.NameEntry{Kind: "software", ObjectID: int64(i + 1), Key: fmt.Sprint(i),
			Names: []string{fmt.Sprintf("Malware%dX", i), fmt.Sprintf("Kitty Loader %d", i)}})
	}
	k := report.NewKnown(entries)
	text := strings.Repeat("The actor APT28 deployed Malware512X and Kitty Loader 77 against the energy sector in Poland. ", 2000)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		report.Analyze(text, k)
	}
}

// A report's title and URL go through the input rules: repaired or
// dropped, with a note naming the document.
func TestBuildImportAppliesTheInputRules(t *testing.T) {
	doc := &report.Document{Title: "Quarterly\x1b[2J report", URL: "javascript:alert(1)", Text: "APT28 again."}
	imp := report.BuildImport(doc, report.Analyze(doc.Text, testKnown()), report.ImportOptions{})
	if imp.Document.Title != "Quarterly[2J report" || imp.Document.URL != "" {
		t.Errorf("document = %q %q", imp.Document.Title, imp.Document.URL)
	}
	notes := strings.Join(imp.Notes, "\n")
	for _, w := range []string{"title:", `url: URL scheme "javascript" is not allowed`} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q: %q", w, imp.Notes)
		}
	}
	if err := imp.Document.Validate(); err != nil {
		t.Errorf("the document does not validate: %v", err)
	}
}

// TestKnownLookup: a whole name finds the objects that have it as name or
// alias (any case, canonical names first), of the kinds asked for only; a
// common English word, a short name or a part of a name finds nothing.
func TestKnownLookup(t *testing.T) {
	k := report.NewKnown([]intel.NameEntry{
		{Kind: "group", ObjectID: 1, Key: "APT28", Names: []string{"APT28", "Sofacy", "Fancy Bear"}},
		{Kind: "software", ObjectID: 10, Key: "X-Agent", Names: []string{"X-Agent", "CHOPSTICK", "Sofacy"}},
		{Kind: "software", ObjectID: 11, Key: "Sofacy", Names: []string{"Sofacy"}},
		{Kind: "software", ObjectID: 12, Key: "Empire", Names: []string{"Empire", "PowerShell Empire"}},
		{Kind: "software", ObjectID: 13, Key: "Net", Names: []string{"Net", "at"}},
		{Kind: "technique", ObjectID: 20, Key: "PowerShell", ExternalID: "T1059.001", Names: []string{"PowerShell"}},
	})
	ids := func(es []intel.NameEntry) []int64 {
		var out []int64
		for _, e := range es {
			out = append(out, e.ObjectID)
		}
		return out
	}
	for _, tt := range []struct {
		name  string
		kinds []string
		want  []int64
	}{
		{"fancy bear", []string{"group"}, []int64{1}},
		{"Fancy  Bear", []string{"group", "software"}, []int64{1}},
		{"Fancy Bear", []string{"software"}, nil},
		{"Sofacy", []string{"software"}, []int64{11, 10}}, // the name before the alias
		{"Sofacy", []string{"group", "software"}, []int64{11, 1, 10}},
		{"CHOPSTICK", []string{"software"}, []int64{10}},
		{"chopstick", []string{"software"}, nil}, // a short all-caps name matches as written
		{"Empire", []string{"software"}, nil},    // common word
		{"PowerShell Empire", []string{"software"}, []int64{12}},
		{"Net", []string{"software"}, nil},
		{"Fancy", []string{"group"}, nil},
		{"PowerShell", []string{"technique"}, nil}, // techniques go by ID
		{"", []string{"group"}, nil},
	} {
		if got := ids(k.Lookup(tt.name, tt.kinds...)); !cmp.Equal(got, tt.want) {
			t.Errorf("Lookup(%q, %v) = %v, want %v", tt.name, tt.kinds, got, tt.want)
		}
	}
	if e, ok := k.Technique("t1059.001"); !ok || e.ObjectID != 20 {
		t.Errorf("Technique(t1059.001) = %+v, %v", e, ok)
	}
	if _, ok := k.Technique("T1003"); ok {
		t.Error("Technique(T1003) found an unknown ID")
	}
}
