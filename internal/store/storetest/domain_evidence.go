package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/collect/report"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/reputation"
	"github.com/spoor/spoor/internal/store"
)

// evidenceReport names APT28 beside three domains: one a credible feed
// lists, one only a weak feed lists, one no feed lists.
const evidenceReport = `Paper Relay
APT28 staged its tools on kite-relay[.]net and paper-drop[.]org,
and collected from report-only[.]info.`

// evidenceBase builds a base for the domain-evidence tests: two feeds of
// different credibility and one of none, each listing names (and filing
// them in events), a warninglisted name, the names under kite-relay.net,
// and a report that gives three of the domains with APT28. It returns the
// report's document ID.
func evidenceBase(t *testing.T, s *store.Store) int64 {
	t.Helper()
	ctx := ctxAs(t, 3, "bob")
	if _, err := s.ImportBundle(ctx, FixtureBundle(), nil); err != nil {
		t.Fatal(err)
	}
	b := &intel.IndicatorBatch{
		Sources: []intel.Source{
			{Name: "eset-iocs", Kind: intel.SourceIOCList, Credibility: 1},
			{Name: "trails", Kind: intel.SourceIOCList, Credibility: 0.2},
			{Name: "unrated", Kind: intel.SourceIOCList, Credibility: 0},
		},
		Events: []intel.EventRow{
			{Key: "agrius", Title: "Agrius IOCs", GroupLabel: "Agrius", Source: 0},
			{Key: "malware/relay", Title: "relay trail", GroupLabel: "relay", Source: 1},
		},
	}
	row := func(v string, src, event int, wl string) {
		b.Indicators = append(b.Indicators, intel.IndicatorRow{Type: intel.IndicatorDomain, Value: v, Confidence: 1,
			Source: src, Event: event, Warninglist: wl})
	}
	row("kite-relay.net", 0, 1, "")
	row("kite-relay.net", 1, 2, "")
	row("paper-drop.org", 1, 2, "")
	row("cdn.kite-relay.net", 1, 2, "")
	row("mail.kite-relay.net", 1, 2, "")
	row("www.kite-relay.net", 1, 2, "")
	row("deep.www.kite-relay.net", 2, 0, "")
	row("popular-cdn.com", 1, 2, "popular-domains")
	row("unrated.biz", 2, 0, "")
	if _, err := s.ImportIndicators(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	dict, err := s.MentionDictionary(ctx)
	must(t, "dictionary", err)
	doc, err := report.Text([]byte(evidenceReport), "relay.txt", "https://labs.example.com/relay", report.Options{})
	must(t, "read report", err)
	known := report.NewKnown(append(dict, report.Vocabulary()...))
	imp := report.BuildImport(doc, report.Analyze(doc.Text, known), report.ImportOptions{
		Source: intel.Source{Name: "relay-labs", Kind: intel.SourceReport, Credibility: 0.6},
	})
	if _, err := s.ImportReport(ctx, imp); err != nil {
		t.Fatal(err)
	}
	docs, err := s.FindDocuments(ctx, intel.DocumentFilter{Limit: 10})
	must(t, "documents", err)
	for _, d := range docs.Items {
		if d.Title == "Paper Relay" {
			return d.ID
		}
	}
	t.Fatalf("the report is not stored: %+v", docs.Items)
	return 0
}

// testDomainEvidence checks what the base tells domain reputation: the
// feeds that list a name (reports left out), its events with their group,
// its reports with the groups they name, the known-bad indicators beside
// it (not itself; not warninglisted; not listed by a feed of no
// credibility), and the names under a registered domain.
func testDomainEvidence(t *testing.T, open Opener) {
	s := open(t)
	docID := evidenceBase(t, s)
	ctx := context.Background()
	got, err := s.FindDomainEvidence(ctx, []string{"kite-relay.net", "report-only.info", "popular-cdn.com", "unrated.biz", "not-stored.org", "kite-relay.net"})
	must(t, "evidence", err)
	if len(got) != 4 || got["not-stored.org"] != nil {
		t.Fatalf("evidence for %d names, want the 4 stored ones: %v", len(got), got)
	}
	kite := got["kite-relay.net"]
	if len(kite.Feeds) != 2 || kite.Feeds[0].Source != "eset-iocs" || kite.Feeds[0].Credibility != 1 ||
		kite.Feeds[1].Source != "trails" || kite.Feeds[1].Credibility != 0.2 {
		t.Errorf("kite-relay.net feeds %+v, want eset-iocs 1 then trails 0.2 (the report is no feed)", kite.Feeds)
	}
	var labels []string
	var fromReport int
	for _, e := range kite.Events {
		labels = append(labels, strings.Join(e.Groups, "+"))
		if e.DocumentID == docID {
			fromReport++
		}
	}
	if len(kite.Events) != 3 || fromReport != 1 || !strings.Contains(strings.Join(labels, ","), "Agrius") || !strings.Contains(strings.Join(labels, ","), "relay") {
		t.Errorf("kite-relay.net events %+v, want the two feeds' (Agrius, relay) and the report's", kite.Events)
	}
	if len(kite.Reports) != 1 || kite.Reports[0].ID != docID || len(kite.Reports[0].Groups) != 1 || kite.Reports[0].Groups[0] != "APT28" ||
		kite.Reports[0].BadIndicators != 1 {
		t.Errorf("kite-relay.net reports %+v, want the report naming APT28 with 1 known-bad other (paper-drop.org)", kite.Reports)
	}
	only := got["report-only.info"]
	if len(only.Feeds) != 0 || len(only.Reports) != 1 || only.Reports[0].BadIndicators != 2 {
		t.Errorf("report-only.info %+v, want no feed and the report with 2 known-bad others", only)
	}
	// Listed is the families' rule: a credible feed, no warninglist.
	for name, want := range map[string]bool{"kite-relay.net": true, "report-only.info": false, "popular-cdn.com": false, "unrated.biz": false} {
		if got[name].Listed != want {
			t.Errorf("%s listed = %v, want %v", name, got[name].Listed, want)
		}
	}
	if pop := got["popular-cdn.com"]; pop.Warninglist != "popular-domains" || len(pop.Feeds) != 1 {
		t.Errorf("popular-cdn.com %+v, want its warninglist and its feed", pop)
	}
	for _, e := range kite.Events {
		if e.DocumentID == 0 && e.BadIndicators != 0 {
			t.Errorf("a listing feed's own event counts known-bad others (it would repeat the listing): %+v", e)
		}
		if e.DocumentID == docID && e.BadIndicators != 1 {
			t.Errorf("the report's event (not a feed's) counts %d known-bad others, want 1: %+v", e.BadIndicators, e)
		}
	}

	fams, err := s.FindDomainFamilies(ctx, []string{"kite-relay.net", "paper-drop.org", "www.kite-relay.net"})
	must(t, "families", err)
	// Each stored name counts under the nearest domain asked about.
	if f := fams["kite-relay.net"]; f.Names != 3 || f.Listed != 3 {
		t.Errorf("under kite-relay.net %+v, want 3 names (cdn, mail, www), all listed", f)
	}
	if f := fams["www.kite-relay.net"]; f.Names != 1 || f.Listed != 0 {
		t.Errorf("under www.kite-relay.net %+v, want 1 name listed only by a feed of no credibility", f)
	}
	if _, ok := fams["paper-drop.org"]; ok {
		t.Errorf("paper-drop.org has nothing under it: %+v", fams)
	}
}

// testDomainReputationStore rates names through reputation.Service over
// the base: the rules on stored evidence fire and say so in the reasons.
func testDomainReputationStore(t *testing.T, open Opener) {
	s := open(t)
	evidenceBase(t, s)
	svc := &reputation.Service{Store: s}
	names := []string{"kite-relay.net", "new.kite-relay.net", "report-only.info", "popular-cdn.com", "unrated.biz"}
	res, err := svc.Score(context.Background(), names)
	must(t, "score", err)
	want := map[string][]string{
		"kite-relay.net": {"rule listed-by-feed (+3.0): in 2 feeds (credibility 1.0 max): eset-iocs, trails",
			"rule feed-groups (+0.0): filed under Agrius in 1 event, relay in 1 event by the feed that lists it",
			"rule group-company (+1.0): co-occurs with APT28 in 1 report",
			"rule bad-company (+0.5): appears with 1 known-bad indicator in 1 report of other sources"},
		"new.kite-relay.net": {"rule parent-malicious (+1.5): parent kite-relay.net is malicious",
			"rule bad-siblings (+1.0): 3 of 4 other names under kite-relay.net are listed as bad"}, // deep.www. too
		"report-only.info": {"rule group-company (+1.0): co-occurs with APT28 in 1 report",
			"rule bad-company (+0.5): appears with 2 known-bad indicators in 1 report"},
		"unrated.biz": {},
	}
	for i, r := range res {
		all := strings.Join(r.Reasons, "\n")
		for _, w := range want[names[i]] {
			if !strings.Contains(all, w) {
				t.Errorf("%s: reasons lack %q:\n%s", names[i], w, all)
			}
		}
	}
	if res[0].Reputation != reputation.Malicious || res[1].Reputation != reputation.Malicious {
		t.Errorf("a name a credible feed lists and its new subdomain: %s, %s; want malicious", res[0].Reputation, res[1].Reputation)
	}
	if strings.Contains(strings.Join(res[4].Reasons, "\n"), "listed-by-feed") {
		t.Errorf("a feed of no credibility counted: %v", res[4].Reasons)
	}
	if all := strings.Join(res[3].Reasons, "\n"); !strings.Contains(all, "listed-but-warninglisted") && !strings.Contains(all, "popularity") {
		t.Errorf("popular-cdn.com: the warninglist is not among the reasons: %s", all)
	}
}
