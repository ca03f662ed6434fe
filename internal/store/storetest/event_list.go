package storetest

import (
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// testEventList: events come newest first by first seen (undated last),
// page without repeats, and filter by technique, victim country and time.
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
	mustDiff(t, "technique", []string{"new", "middle"}, list(intel.EventFilter{Technique: "t1566"}))
	mustDiff(t, "sub-technique", []string{"old"}, list(intel.EventFilter{Technique: "T1566.001"}))
	mustDiff(t, "victim country", []string{"new", "old"}, list(intel.EventFilter{VictimCountry: "ua"}))
	mustDiff(t, "since", []string{"new", "same day as middle", "middle"}, list(intel.EventFilter{Since: d(2020, 1, 1)}))
	mustDiff(t, "between", []string{"same day as middle", "middle", "old"}, list(intel.EventFilter{Since: d(2019, 1, 15), Until: d(2022, 1, 1)}))
}
