package reputation

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// fired is a rule with its log-odds and reason, as storeRules gave it.
type fired struct {
	rule    string
	logOdds float64
	why     string
}

func storeFired(t *testing.T, domain string, sig *Signals) []fired {
	t.Helper()
	n, err := ParseName(domain)
	if err != nil {
		t.Fatal(err)
	}
	var out []fired
	for _, f := range storeRules(&n, sig) {
		out = append(out, fired{f.rule, f.logOdds, f.why})
	}
	return out
}

func TestStoreRules(t *testing.T) {
	eset := intel.FeedListing{SourceID: 1, Source: "eset/malware-ioc", Credibility: 1}
	trail := intel.FeedListing{SourceID: 2, Source: "stamparm/maltrail", Credibility: 0.2}
	unit42 := intel.FeedListing{SourceID: 3, Source: "pan-unit42", Credibility: 0.6}
	unknown := intel.FeedListing{SourceID: 4, Source: "pastebin dump", Credibility: 0}
	tests := []struct {
		name   string
		domain string
		sig    *Signals
		want   []fired // rule, log-odds (±0.01), a part of the reason
	}{
		{"one credible feed", "evil.example", &Signals{Evidence: &intel.DomainEvidence{Feeds: []intel.FeedListing{eset}}},
			[]fired{{"listed-by-feed", 3, "in 1 feed (credibility 1.0 max): eset/malware-ioc"}}},
		{"feeds believed together, never above one certain feed", "evil.example", &Signals{Evidence: &intel.DomainEvidence{
			Feeds: []intel.FeedListing{unit42, unit42, trail}}},
			[]fired{{"listed-by-feed", 3 * (1 - 0.4*0.4*0.8), "in 3 feeds (credibility 0.6 max)"}}},
		{"a feed of no credibility lists nothing", "evil.example", &Signals{Evidence: &intel.DomainEvidence{Feeds: []intel.FeedListing{unknown}}}, nil},
		{"warninglisted: noted, not counted", "cdn.example", &Signals{Evidence: &intel.DomainEvidence{
			Warninglist: "popular-domains", Feeds: []intel.FeedListing{trail}}},
			[]fired{{"listed-but-warninglisted", 0, "not counted: on the warninglist popular-domains"}}},
		{"the feed's own events repeat the feed", "evil.example", &Signals{Evidence: &intel.DomainEvidence{
			Feeds:  []intel.FeedListing{trail},
			Events: []intel.EvidenceItem{{ID: 7, SourceID: 2, Groups: []string{"emotet"}, BadIndicators: 400}}}},
			[]fired{{"listed-by-feed", 0.6, "in 1 feed"}, {"feed-groups", 0, "filed under emotet in 1 event by the feed that lists it"}}},
		{"events of other sources are company", "evil.example", &Signals{Evidence: &intel.DomainEvidence{
			Events: []intel.EvidenceItem{
				{ID: 1, SourceID: 9, Groups: []string{"APT28"}, BadIndicators: 3},
				{ID: 2, SourceID: 9, Groups: []string{"APT28"}},
				{ID: 3, SourceID: 8, Groups: []string{}, BadIndicators: 1}}}},
			[]fired{{"group-company", 2, "co-occurs with APT28 in 2 events"},
				{"bad-company", 1, "appears with 4 known-bad indicators in 2 events of other sources"}}},
		{"a report and its event count once", "evil.example", &Signals{Evidence: &intel.DomainEvidence{
			Events:  []intel.EvidenceItem{{ID: 5, SourceID: 6, DocumentID: 40, Groups: []string{"APT28"}, BadIndicators: 2}},
			Reports: []intel.EvidenceItem{{ID: 40, SourceID: 6, Groups: []string{"APT28", "Sandworm"}, BadIndicators: 2}}}},
			[]fired{{"group-company", 1, "co-occurs with APT28 in 1 report, Sandworm in 1 report"},
				{"bad-company", 0.5, "appears with 2 known-bad indicators in 1 report of other sources"}}},
		{"parent malicious", "cdn.evil.example", &Signals{ParentReputation: Malicious},
			[]fired{{"parent-malicious", 1.5, "parent evil.example is malicious"}}},
		{"parent suspicious", "cdn.evil.example", &Signals{ParentReputation: Suspicious},
			[]fired{{"parent-suspicious", 0.5, "parent evil.example is suspicious"}}},
		{"parent benign says nothing", "cdn.evil.example", &Signals{ParentReputation: Benign}, nil},
		{"bad siblings", "a.evil.example", &Signals{Siblings: 5, MaliciousSiblings: 3},
			[]fired{{"bad-siblings", 1, "3 of 5 other names under evil.example are listed as bad"}}},
		{"a minority of bad siblings", "a.evil.example", &Signals{Siblings: 7, MaliciousSiblings: 3}, nil},
		{"bad siblings under a popular domain: noted, not counted", "a.evil.example", &Signals{Siblings: 5, MaliciousSiblings: 4, ParentRank: 120},
			[]fired{{"siblings-under-popular", 0, "4 of 5 other names under evil.example are listed as bad, not counted: evil.example is on the popularity list (rank 120)"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := storeFired(t, tc.domain, tc.sig)
			if len(got) != len(tc.want) {
				t.Fatalf("fired %+v, want %+v", got, tc.want)
			}
			for i, w := range tc.want {
				g := got[i]
				if g.rule != w.rule || math.Abs(g.logOdds-w.logOdds) > 0.01 || !strings.Contains(g.why, w.why) {
					t.Errorf("fired %q %+.2f %q, want %q %+.2f containing %q", g.rule, g.logOdds, g.why, w.rule, w.logOdds, w.why)
				}
			}
		})
	}
}

// TestServiceEvidence rates names through a Service whose store holds
// evidence: a parent that a credible feed lists makes its new subdomain
// worse, siblings are counted without the name itself, what fired is
// among the reasons, and the bare-name path is unchanged.
func TestServiceEvidence(t *testing.T) {
	ctx := context.Background()
	eset := intel.FeedListing{SourceID: 1, Source: "eset/malware-ioc", Credibility: 1}
	st := &memStore{evidence: map[string]*intel.DomainEvidence{
		"evil-cdn.net":         {Domain: "evil-cdn.net", Listed: true, Feeds: []intel.FeedListing{eset}},
		"a.evil-cdn.net":       {Domain: "a.evil-cdn.net", Listed: true, Feeds: []intel.FeedListing{eset}},
		"b.evil-cdn.net":       {Domain: "b.evil-cdn.net", Listed: true, Feeds: []intel.FeedListing{eset}},
		"c.evil-cdn.net":       {Domain: "c.evil-cdn.net", Listed: true, Feeds: []intel.FeedListing{eset}},
		"kamiro-orchards.org":  {Domain: "kamiro-orchards.org", Listed: true, Feeds: []intel.FeedListing{eset}},
		"quiet-harbour.org":    {Domain: "quiet-harbour.org", Warninglist: "popular-domains", Feeds: []intel.FeedListing{eset}},
		"shared.apt-notes.org": {Domain: "shared.apt-notes.org", Reports: []intel.EvidenceItem{{ID: 3, SourceID: 5, Groups: []string{"APT28"}, BadIndicators: 4}}},
	}}
	m := testModel(t)
	svc := &Service{Store: st, Model: m}
	names := []string{"new.evil-cdn.net", "a.evil-cdn.net", "kamiro-orchards.org", "quiet-harbour.org", "shared.apt-notes.org", "nothing-known.org", "Not A Name"}
	got, err := svc.Score(ctx, names)
	if err != nil {
		t.Fatal(err)
	}
	bare := (&Scorer{Model: m}).ScoreBatch(names, nil)
	reasons := func(i int) string { return strings.Join(got[i].Reasons, "\n") }
	for i, want := range map[int][]string{
		0: {"rule parent-malicious (+1.5): parent evil-cdn.net is malicious", "rule bad-siblings (+1.0): 3 of 3 other names under evil-cdn.net"},
		1: {"rule listed-by-feed (+3.0): in 1 feed (credibility 1.0 max): eset/malware-ioc", "parent-malicious"},
		2: {"rule listed-by-feed (+3.0)"},
		3: {"rule listed-but-warninglisted (+0.0)"},
		4: {"rule group-company (+1.0): co-occurs with APT28 in 1 report", "rule bad-company (+0.5): appears with 4 known-bad indicators in 1 report"},
	} {
		for _, w := range want {
			if !strings.Contains(reasons(i), w) {
				t.Errorf("%s: reasons lack %q:\n%s", names[i], w, reasons(i))
			}
		}
	}
	// Without itself, a.evil-cdn.net has two listed siblings: too few.
	if strings.Contains(reasons(1), "bad-siblings") {
		t.Errorf("a.evil-cdn.net counted itself among its siblings:\n%s", reasons(1))
	}
	for _, i := range []int{0, 1, 2} {
		if got[i].Reputation != Malicious || got[i].Score <= bare[i].Score {
			t.Errorf("%s: %s %.3f with evidence, %s %.3f bare; want malicious and higher", names[i], got[i].Reputation, got[i].Score, bare[i].Reputation, bare[i].Score)
		}
	}
	for _, i := range []int{5, 6} { // nothing known, and no name: as bare
		if got[i].Reputation != bare[i].Reputation || got[i].Score != bare[i].Score || !slices.Equal(got[i].Reasons, bare[i].Reasons) {
			t.Errorf("%s: %+v with an empty store, %+v bare", names[i], got[i], bare[i])
		}
	}
	if st.evidenceCalls != 1 || st.familyCalls != 1 {
		t.Errorf("%d evidence and %d family look-ups for one batch, want one each", st.evidenceCalls, st.familyCalls)
	}

	// Listed names under a popular domain do not count against a new one.
	pop := firstPopular(m)
	for _, l := range []string{"a", "b", "c"} {
		st.evidence[l+"."+pop] = &intel.DomainEvidence{Domain: l + "." + pop, Listed: true, Feeds: []intel.FeedListing{eset}}
	}
	r, err := svc.Score(ctx, []string{"new-host." + pop})
	if err != nil {
		t.Fatal(err)
	}
	if all := strings.Join(r[0].Reasons, "\n"); !strings.Contains(all, "rule siblings-under-popular (+0.0): 3 of 3 other names under "+pop) ||
		strings.Contains(all, "rule bad-siblings") {
		t.Errorf("new-host.%s: reasons\n%s\nwant the siblings noted and not counted", pop, all)
	}
	st.evidenceCalls, st.familyCalls = 0, 0

	// A full batch is still one look-up of each kind.
	st.evidenceCalls, st.familyCalls = 0, 0
	big := make([]string, MaxBatch)
	for i := range big {
		big[i] = fmt.Sprintf("h%d.host%d.example.net", i, i%97)
	}
	if _, err := svc.Score(ctx, big); err != nil {
		t.Fatal(err)
	}
	if st.evidenceCalls != 1 || st.familyCalls != 1 {
		t.Errorf("%d names: %d evidence and %d family look-ups, want one each", len(big), st.evidenceCalls, st.familyCalls)
	}
}
