package storetest

import (
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// testEventList: events come newest first by first seen (undated last),
// page without repeats, and filter by technique (with its sub-techniques),
// victim country and time.
func testEventList(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "analyst")
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	for _, e := range []*intel.Event{
		{Title: "old", FirstSeen: d(2019, 1, 1), LastSeen: d(2019, 2, 1), Techniques: []string{"T1566.001"}, VictimCountries: []string{"UA"}},
		{Title: "undated", Techniques: []string{"T1059"}},
		{Title: "new", FirstSeen: d(2024, 5, 1), LastSeen: d(2024, 6, 1), Techniques: []string{"T1059", "T1566"}, VictimCountries: []string{"GE", "UA"}},
		{Title: "middle", FirstSeen: d(2021, 3, 1), Techniques: []string{"T1566"}},
		{Title: "same day as middle", FirstSeen: d(2021, 3, 1)},
	} {
		e.Confidence = 1
		must(t, "create "+e.Title, s.CreateEvent(ctx, e))
	}
	list := func(f intel.EventFilter) []string {
		t.Helper()
		var out []string
		f.Limit = 2
		for {
			page, err := s.FindEvents(ctx, f)
			must(t, "find events", err)
			for _, e := range page.Items {
				out = append(out, e.Title)
			}
			if page.Next == "" {
				return out
			}
			f.After = page.Next
		}
	}
	mustDiff(t, "by date", []string{"new", "same day as middle", "middle", "old", "undated"}, list(intel.EventFilter{}))
	mustDiff(t, "technique with its sub-techniques", []string{"new", "middle", "old"}, list(intel.EventFilter{Technique: "t1566"}))
	mustDiff(t, "sub-technique", []string{"old"}, list(intel.EventFilter{Technique: "T1566.001"}))
	mustDiff(t, "victim country", []string{"new", "old"}, list(intel.EventFilter{VictimCountry: "ua"}))
	mustDiff(t, "since", []string{"new", "same day as middle", "middle"}, list(intel.EventFilter{Since: d(2020, 1, 1)}))
	mustDiff(t, "between", []string{"same day as middle", "middle", "old"}, list(intel.EventFilter{Since: d(2019, 1, 15), Until: d(2022, 1, 1)}))
}

// testSourceEvents: events a source derives are keyed by (source, key):
// deriving them again adds nothing; a keyless one is refused.
func testSourceEvents(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "deriver")
	src := &intel.Source{Name: "forum: Bazaar", Kind: intel.SourceForum, Credibility: 0.2}
	must(t, "source", s.UpsertSource(ctx, src))
	evs := func() []*intel.Event {
		return []*intel.Event{
			{Title: "Selling crypter", Key: "Bazaar:t1", Purpose: "trade", Confidence: 0.6, Techniques: []string{"T1027"}},
			{Title: "Tutorial", Key: "Bazaar:t2", Purpose: "tutorial", Confidence: 0.5},
		}
	}
	n, err := s.SaveSourceEvents(ctx, src.ID, evs())
	must(t, "derive", err)
	if n != 2 {
		t.Errorf("first derivation: %d new, want 2", n)
	}
	if n, err = s.SaveSourceEvents(ctx, src.ID, evs()); err != nil || n != 0 {
		t.Errorf("second derivation: %d new (%v), want 0", n, err)
	}
	page, err := s.FindEvents(ctx, intel.EventFilter{SourceID: src.ID, Technique: "T1027"})
	must(t, "find", err)
	if len(page.Items) != 1 || page.Items[0].Title != "Selling crypter" {
		t.Errorf("derived events by technique: %+v", page.Items)
	}
	if _, err := s.SaveSourceEvents(ctx, src.ID, []*intel.Event{{Title: "no key", Confidence: 1}}); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("a keyless derived event: %v", err)
	}
}
