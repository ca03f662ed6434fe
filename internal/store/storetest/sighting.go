package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

func testSightings(t *testing.T, open Opener) {
	s := open(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: 7, Login: "ana"})
	ind := &intel.Indicator{Type: intel.IndicatorDomain, Value: "sighted.evil.test", Confidence: 0.5}
	must(t, "create indicator", s.CreateIndicator(ctx, ind))
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 123_456_789, time.UTC)

	sgs := []*intel.Sighting{
		{IndicatorID: ind.ID, SeenAt: t0, FirstSeen: t0.Add(-time.Hour), LastSeen: t0, Count: 3,
			Sensor: "  proxy-1 ", LogFile: "/var/log/squid/access.log", Origin: intel.SightingMatch},
		{IndicatorID: ind.ID, SeenAt: t0.Add(time.Hour), Count: 1, Note: "seen by hand"},
	}
	must(t, "record", s.RecordSightings(ctx, sgs))
	if sgs[0].ID == 0 || sgs[1].ID == 0 || sgs[0].RecordedBy != "ana" || sgs[0].RecordedAt.IsZero() {
		t.Fatalf("recorded sightings lack ID, recorder or time: %+v", sgs)
	}
	got, err := s.FindSightings(ctx, ind.ID)
	must(t, "find", err)
	ms := time.Millisecond
	mustDiff(t, "sightings, latest first", []intel.Sighting{
		{ID: sgs[1].ID, IndicatorID: ind.ID, SeenAt: t0.Add(time.Hour).Truncate(ms), Count: 1, Note: "seen by hand",
			Origin: intel.SightingAPI, RecordedBy: "ana", RecordedAt: sgs[1].RecordedAt},
		{ID: sgs[0].ID, IndicatorID: ind.ID, SeenAt: t0.Truncate(ms), FirstSeen: t0.Add(-time.Hour).Truncate(ms),
			LastSeen: t0.Truncate(ms), Count: 3, Sensor: "proxy-1", LogFile: "/var/log/squid/access.log",
			Origin: intel.SightingMatch, RecordedBy: "ana", RecordedAt: sgs[0].RecordedAt},
	}, got)

	audit, err := s.FindAudit(ctx, intel.AuditFilter{})
	must(t, "audit", err)
	if len(audit.Items) == 0 || audit.Items[0].Action != "record sightings" || audit.Items[0].Login != "ana" ||
		!strings.Contains(audit.Items[0].Detail, "2 sightings") {
		t.Errorf("latest audit entry %+v, want ana's record sightings of 2", audit.Items)
	}

	bad := []struct {
		name string
		sg   intel.Sighting
		code string
	}{
		{"no indicator", intel.Sighting{SeenAt: t0, Count: 1}, intel.CodeInvalid},
		{"unknown indicator", intel.Sighting{IndicatorID: ind.ID + 1000, SeenAt: t0, Count: 1}, intel.CodeNotFound},
		{"zero count", intel.Sighting{IndicatorID: ind.ID, SeenAt: t0}, intel.CodeInvalid},
		{"no time", intel.Sighting{IndicatorID: ind.ID, Count: 1}, intel.CodeInvalid},
		{"last before first", intel.Sighting{IndicatorID: ind.ID, SeenAt: t0, Count: 1, FirstSeen: t0, LastSeen: t0.Add(-time.Hour)}, intel.CodeInvalid},
		{"control characters", intel.Sighting{IndicatorID: ind.ID, SeenAt: t0, Count: 1, Sensor: "a\x1b[31m"}, intel.CodeInvalid},
	}
	for _, tt := range bad {
		sg := tt.sg
		// A bad sighting among good ones: nothing is recorded.
		err := s.RecordSightings(ctx, []*intel.Sighting{{IndicatorID: ind.ID, SeenAt: t0, Count: 1}, &sg})
		wantCode(t, tt.name, err, tt.code)
	}
	got, err = s.FindSightings(ctx, ind.ID)
	must(t, "find after refusals", err)
	if len(got) != 2 {
		t.Errorf("refused batches left sightings: %d, want 2", len(got))
	}
	// Deleting the indicator deletes its sightings.
	must(t, "delete", s.DeleteIndicator(ctx, ind.ID))
	got, err = s.FindSightings(ctx, ind.ID)
	must(t, "find after delete", err)
	if len(got) != 0 {
		t.Errorf("sightings of a deleted indicator: %+v", got)
	}
}

// A sighted indicator stands higher in search than an alike one only
// reported.
func testSightedSearch(t *testing.T, open Opener) {
	s := open(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: 7, Login: "ana"})
	var ids []int64
	for _, v := range []string{"alpha.kitecloud.test", "beta.kitecloud.test"} {
		ind := &intel.Indicator{Type: intel.IndicatorDomain, Value: v, Description: "kitecloud relay", Confidence: 0.5}
		must(t, "create indicator", s.CreateIndicator(ctx, ind))
		ids = append(ids, ind.ID)
	}
	first := func() string {
		hits, err := s.Search(ctx, intel.SearchQuery{Text: "kitecloud relay", Kinds: []string{"indicator"}})
		must(t, "search", err)
		if len(hits) != 2 {
			t.Fatalf("hits %+v, want both", hits)
		}
		return hits[0].Title
	}
	before := first()
	other := ids[0]
	if before == "alpha.kitecloud.test" {
		other = ids[1]
	}
	must(t, "sight", s.RecordSightings(ctx, []*intel.Sighting{{IndicatorID: other, SeenAt: time.Now(), Count: 1}}))
	if after := first(); after == before {
		t.Errorf("after sighting the other indicator, %s still ranks first", after)
	}
}

// Exports carry how often an indicator was seen and when last.
func testSightedExport(t *testing.T, open Opener) {
	s := open(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: 7, Login: "ana"})
	seen, plain := &intel.Indicator{Type: intel.IndicatorDomain, Value: "seen.kite.test", Confidence: 0.5},
		&intel.Indicator{Type: intel.IndicatorDomain, Value: "unseen.kite.test", Confidence: 0.5}
	must(t, "create", s.CreateIndicator(ctx, seen))
	must(t, "create", s.CreateIndicator(ctx, plain))
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	must(t, "sight", s.RecordSightings(ctx, []*intel.Sighting{
		{IndicatorID: seen.ID, SeenAt: t0, Count: 3}, {IndicatorID: seen.ID, SeenAt: t0.Add(time.Hour), Count: 2}}))
	got := map[string][2]any{}
	must(t, "export", s.ExportIndicators(ctx, intel.ExportFilter{}, func(in *intel.ExportIndicator) error {
		got[in.Value] = [2]any{in.Sightings, in.LastSighted}
		return nil
	}))
	mustDiff(t, "sightings in the export", map[string][2]any{
		"seen.kite.test":   {5, t0.Add(time.Hour)},
		"unseen.kite.test": {0, time.Time{}},
	}, got)
}
