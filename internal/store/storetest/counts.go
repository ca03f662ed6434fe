package storetest

import (
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// testCountsKept reads the counts before and after every kind of write
// (a bundle import, a bulk IOC import, deletes, a merge, an event made by
// hand, a user): the store keeps them between writes, and each write must
// show in the next read. Each read is checked against the numbers the
// fixtures put there, and the data generation must move with every write.
func testCountsKept(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 3, "analyst")
	gen := func() int64 {
		t.Helper()
		n, err := s.Generation(ctx)
		must(t, "generation", err)
		return n
	}
	var last int64 = -1
	check := func(step string, want intel.Counts, wantEvents intel.Counts) {
		t.Helper()
		// Twice: the second read is the kept one.
		for range 2 {
			c, err := s.Counts(ctx)
			must(t, step+": counts", err)
			for k, n := range want {
				if c[k] != n {
					t.Errorf("%s: %s count = %d, want %d (all: %v)", step, k, c[k], n, c)
				}
			}
			ec, err := s.EventCounts(ctx)
			must(t, step+": event counts", err)
			mustDiff(t, step+": event counts", wantEvents, ec)
			// The caller owns the map: changing it changes nothing kept.
			c["group"] = -1
			ec["event"] = -1
		}
		if g := gen(); g == last {
			t.Errorf("%s: data generation still %d after a write", step, g)
		} else {
			last = g
		}
	}
	noEvents := intel.Counts{"event": 0, "event_attributed": 0, "event_indicator": 0}
	check("empty", intel.Counts{"group": 0, "indicator": 0, "document": 0, "user": 0, "relationship": 0}, noEvents)

	MustImport(t, s, FixtureBundle())
	check("bundle import", intel.Counts{"group": 3, "technique": 3, "software": 2, "campaign": 1,
		"document": 6, "indicator": 2, "source": 1, "relationship": 7}, noEvents)

	_, err := s.ImportIndicators(ctx, iocBatch(), nil)
	must(t, "IOC import", err)
	// iocBatch adds 3 values and 2 sources; its events are 3, 2 of them
	// attributed, with 4 indicator links.
	check("IOC import", intel.Counts{"group": 3, "indicator": 5, "source": 3},
		intel.Counts{"event": 3, "event_attributed": 2, "event_indicator": 4})

	in, err := s.FindIndicators(ctx, intel.IndicatorFilter{Type: intel.IndicatorIPv4, Value: "8.8.8.8"})
	must(t, "find indicator", err)
	if len(in.Items) != 1 {
		t.Fatalf("found %d indicators 8.8.8.8, want 1", len(in.Items))
	}
	// Its link to its event goes with it.
	must(t, "delete indicator", s.DeleteIndicator(ctx, in.Items[0].ID))
	check("indicator deleted", intel.Counts{"indicator": 4},
		intel.Counts{"event": 3, "event_attributed": 2, "event_indicator": 3})

	apt28 := MustFind(t, s, intel.KindGroup, "APT28")
	apt29 := MustFind(t, s, intel.KindGroup, "APT29")
	_, err = s.MergeObjects(ctx, apt28.ID, apt29.ID, "one actor for this test")
	must(t, "merge", err)
	check("groups merged", intel.Counts{"group": 2, "indicator": 4},
		intel.Counts{"event": 3, "event_attributed": 2, "event_indicator": 3})

	must(t, "event", s.CreateEvent(ctx, &intel.Event{Title: "by hand", GroupID: apt28.ID}))
	check("event made", intel.Counts{"group": 2},
		intel.Counts{"event": 4, "event_attributed": 3, "event_indicator": 3})

	lazarus := MustFind(t, s, intel.KindGroup, "Lazarus Group")
	must(t, "delete group", s.DeleteObject(ctx, lazarus.ID))
	check("group deleted", intel.Counts{"group": 1},
		intel.Counts{"event": 4, "event_attributed": 3, "event_indicator": 3})

	must(t, "user", s.CreateUser(ctx, &intel.User{Login: "u", Role: intel.RoleReader}))
	check("user added", intel.Counts{"user": 1, "group": 1}, intel.Counts{"event": 4, "event_attributed": 3, "event_indicator": 3})
}
