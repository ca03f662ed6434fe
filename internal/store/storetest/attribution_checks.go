package storetest

import (
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// testAttributionChecks: the indicators an event shares with the ranked
// groups' events come back per group, with their event counts and
// sources, the same value of another type left out; the groups' events
// with content come back oldest first, an event with indicators only left
// out, another group's events too.
func testAttributionChecks(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 2, "analyst")
	MustImport(t, s, FixtureBundle())
	apt28, err := s.FindObjectByName(ctx, intel.KindGroup, "APT28")
	must(t, "find APT28", err)
	apt29, err := s.FindObjectByName(ctx, intel.KindGroup, "APT29")
	must(t, "find APT29", err)
	for _, src := range []string{"feed one", "feed two"} {
		_, err := s.ImportIndicators(ctx, &intel.IndicatorBatch{
			Sources: []intel.Source{{Name: src, Kind: intel.SourceIOCList, Credibility: 1}},
			Events:  []intel.EventRow{{Key: "apt28\x1f" + src, Title: "IOCs of " + src, GroupLabel: "APT28"}, {Key: "apt29\x1f" + src, Title: "other", GroupLabel: "APT29"}},
			Indicators: []intel.IndicatorRow{
				{Type: intel.IndicatorDomain, Value: "c2.shared.test", Confidence: 1, Event: 1},
				{Type: intel.IndicatorDomain, Value: "only29.test", Confidence: 1, Event: 2},
			}, Rows: 2}, nil)
		must(t, "import "+src, err)
	}
	early := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range []*intel.Event{
		{Title: "later phish", GroupID: apt28.ID, FirstSeen: early.AddDate(1, 0, 0), Techniques: []string{"T1566.001"}, Confidence: 0.5},
		{Title: "early phish", GroupID: apt28.ID, FirstSeen: early, Software: []string{"X-Agent"}, Confidence: 0.5},
		{Title: "other group", GroupID: apt29.ID, FirstSeen: early, Techniques: []string{"T1566.001"}, Confidence: 0.5},
	} {
		must(t, "create "+e.Title, s.CreateEvent(ctx, e))
	}
	got, err := s.FindAttributionChecks(ctx, []int64{apt28.ID}, []*intel.Indicator{
		{Type: intel.IndicatorDomain, Value: "c2.shared.test"}, {Type: intel.IndicatorURL, Value: "only29.test"},
		{Type: intel.IndicatorDomain, Value: "only29.test"}, {Type: intel.IndicatorDomain, Value: "c2.shared.test"}})
	must(t, "find checks", err)
	if len(got.Shared) != 1 {
		t.Fatalf("shared indicators %+v, want c2.shared.test alone (only29.test is APT29's)", got.Shared)
	}
	sh := got.Shared[0]
	if sh.GroupID != apt28.ID || sh.Value != "c2.shared.test" || sh.Events != 2 {
		t.Errorf("shared %+v, want c2.shared.test in 2 APT28 events", sh)
	}
	mustDiff(t, "sources of the shared indicator", []string{"feed one", "feed two"}, sh.Sources)
	var titles []string
	for _, e := range got.Events {
		if e.GroupID != apt28.ID {
			t.Errorf("event %q of group %d", e.Title, e.GroupID)
		}
		if e.Title == "early phish" || e.Title == "later phish" {
			titles = append(titles, e.Title)
		}
		if e.Title == "IOCs of feed one" {
			t.Errorf("an event with indicators only came back: %+v", e)
		}
	}
	mustDiff(t, "APT28's events with content, oldest first", []string{"early phish", "later phish"}, titles)
	none, err := s.FindAttributionChecks(ctx, nil, nil)
	must(t, "no groups", err)
	if len(none.Shared)+len(none.Events) != 0 {
		t.Errorf("no groups: %+v", none)
	}
}
