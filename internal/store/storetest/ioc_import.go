package storetest

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// iocBatch is a hand-made IOC list from two sources of different
// credibility: a value both report (with different descriptions), a
// value reported twice by one source, a warninglisted resolver, an
// invalid row, and three events whose groups resolve by G-number, by
// alias, and not at all.
func iocBatch() *intel.IndicatorBatch {
	return &intel.IndicatorBatch{
		Sources: []intel.Source{
			{Name: "blog", Kind: intel.SourceIOCList, Credibility: 0.2},
			{Name: "vendor", Kind: intel.SourceIOCList, Credibility: 1, TLP: intel.TLPGreen},
		},
		Events: []intel.EventRow{
			{Key: "apt28\x1fop-a", Title: "Operation A", GroupLabel: "apt_28", GroupExternalID: "G0007", Source: 1,
				FirstSeen: day(2023, 1, 1), LastSeen: day(2023, 3, 1)},
			{Key: "cozy\x1fop-b", Title: "Operation B", GroupLabel: "Cozy Bear", Source: 0,
				FirstSeen: day(2022, 5, 1), LastSeen: day(2022, 5, 1)},
			{Key: "nobody\x1fop-c", Title: "Operation C", GroupLabel: "Unknown Panda", Source: 0},
		},
		Indicators: []intel.IndicatorRow{
			{Type: intel.IndicatorDomain, Value: "c2.evil.test", Description: "blog says phishing", Tags: []string{"blog"},
				FirstSeen: day(2022, 5, 1), LastSeen: day(2022, 5, 1), Confidence: 1, Source: 0, Event: 2},
			{Type: intel.IndicatorDomain, Value: "c2.evil.test", Description: "vendor says C2", Tags: []string{"apt28"},
				FirstSeen: day(2023, 1, 1), LastSeen: day(2023, 3, 1), Confidence: 0.5, Source: 1, Event: 1},
			{Type: intel.IndicatorIPv4, Value: "198.51.100.9", FirstSeen: day(2023, 2, 1), LastSeen: day(2023, 2, 1),
				Confidence: 1, Source: 1, Event: 1},
			{Type: intel.IndicatorIPv4, Value: "198.51.100.9", FirstSeen: day(2023, 1, 15), LastSeen: day(2023, 1, 15),
				Confidence: 1, Source: 1, Event: 1},
			{Type: intel.IndicatorIPv4, Value: "8.8.8.8", Warninglist: "public-resolvers", Confidence: 1, Source: 0, Event: 3},
			{Type: "bogus", Value: "x", Confidence: 1, Source: 0},
		},
		Rows: 7, Rejected: 1, RejectReasons: []string{"list:7: \"foo.bit\" is not an indicator"},
	}
}

func testIOCImport(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	MustImport(t, s, FixtureBundle()) // groups to link events to
	var calls [][2]int
	st, err := s.ImportIndicators(ctx, iocBatch(), func(done, total int) { calls = append(calls, [2]int{done, total}) })
	must(t, "import", err)
	mustDiff(t, "counts", map[string]*intel.ImportCount{
		// 3 distinct values + 2 rejected rows (the parser's and "bogus").
		"indicator":  counts(5, 3, 0, 0, 0, 2),
		"provenance": counts(4, 4, 0, 0, 0, 0),
		"event":      counts(3, 3, 0, 0, 0, 0),
	}, st.Counts)
	joined := strings.Join(st.Warnings, "\n")
	for _, w := range []string{"foo.bit", "bogus", "1 indicators are on a warninglist"} {
		if !strings.Contains(joined, w) {
			t.Errorf("warnings %q lack %q", st.Warnings, w)
		}
	}
	if len(calls) == 0 || calls[len(calls)-1] != [2]int{6, 6} {
		t.Errorf("progress = %v, want to end with [6 6]", calls)
	}

	blog, err := s.FindSourceByName(ctx, "blog")
	must(t, "find blog", err)
	vendor, err := s.FindSourceByName(ctx, "vendor")
	must(t, "find vendor", err)

	// One row for c2.evil.test whatever the source; the vendor's report
	// (1 × 0.5) beats the blog's (0.2 × 1): its description, TLP and
	// source win; dates and tags merge.
	c2 := findIndicator(t, s, intel.IndicatorDomain, "c2.evil.test")
	mustDiff(t, "merged indicator", &intel.Indicator{ID: c2.ID, Type: intel.IndicatorDomain, Value: "c2.evil.test",
		Description: "vendor says C2", Tags: []string{"blog", "apt28"}, FirstSeen: day(2022, 5, 1),
		LastSeen: day(2023, 3, 1), Confidence: 0.5, TLP: intel.TLPGreen, SourceID: vendor.ID}, c2)
	provs, err := s.FindIndicatorSources(ctx, c2.ID)
	must(t, "provenance", err)
	mustDiff(t, "provenance", []intel.Provenance{
		{SourceID: vendor.ID, SourceName: "vendor", FirstSeen: day(2023, 1, 1), LastSeen: day(2023, 3, 1), Confidence: 0.5, TLP: intel.TLPGreen},
		{SourceID: blog.ID, SourceName: "blog", FirstSeen: day(2022, 5, 1), LastSeen: day(2022, 5, 1), Confidence: 0.2},
	}, provs)

	ip := findIndicator(t, s, intel.IndicatorIPv4, "198.51.100.9")
	if !ip.FirstSeen.Equal(day(2023, 1, 15)) || !ip.LastSeen.Equal(day(2023, 2, 1)) {
		t.Errorf("dates of a value reported twice = %v..%v, want 2023-01-15..2023-02-01", ip.FirstSeen, ip.LastSeen)
	}
	if dns := findIndicator(t, s, intel.IndicatorIPv4, "8.8.8.8"); dns.Warninglist != "public-resolvers" {
		t.Errorf("8.8.8.8 warninglist = %q, want public-resolvers (flagged, kept)", dns.Warninglist)
	}

	// Events: G0007 → APT28, "Cozy Bear" (an alias) → APT29, the third
	// keeps its label only.
	apt28, apt29 := MustFind(t, s, intel.KindGroup, "APT28"), MustFind(t, s, intel.KindGroup, "APT29")
	page, err := s.FindEvents(ctx, intel.EventFilter{})
	must(t, "find events", err)
	got := map[string][2]any{}
	for _, e := range page.Items {
		got[e.Title] = [2]any{e.GroupID, e.GroupLabel}
	}
	mustDiff(t, "event groups", map[string][2]any{
		"Operation A": {apt28.ID, "apt_28"}, "Operation B": {apt29.ID, "Cozy Bear"}, "Operation C": {int64(0), "Unknown Panda"},
	}, got)
	byGroup, err := s.FindEvents(ctx, intel.EventFilter{GroupID: apt28.ID})
	must(t, "events of APT28", err)
	if len(byGroup.Items) != 1 {
		t.Fatalf("events of APT28 = %d, want 1", len(byGroup.Items))
	}
	ev, err := s.FindEventByID(ctx, byGroup.Items[0].ID)
	must(t, "find event", err)
	var vals []string
	for _, in := range ev.Indicators {
		vals = append(vals, in.Value)
	}
	mustDiff(t, "event indicators", []string{"c2.evil.test", "198.51.100.9"}, vals)
	if !ev.FirstSeen.Equal(day(2023, 1, 1)) || ev.SourceID != vendor.ID || ev.Key != "apt28\x1fop-a" {
		t.Errorf("event = %+v", ev)
	}
	_, err = s.FindEventByID(ctx, 1<<40)
	wantCode(t, "missing event", err, intel.CodeNotFound)

	ec, err := s.EventCounts(ctx)
	must(t, "event counts", err)
	mustDiff(t, "event counts", intel.Counts{"event": 3, "event_attributed": 2, "event_indicator": 4}, ec)

	// Search finds bulk-imported indicators by value and by the words of
	// the description that won the merge, and not by the one that lost.
	wantIndicatorHits(t, s, "c2.evil.test", "c2.evil.test")
	wantIndicatorHits(t, s, "vendor says C2", "c2.evil.test")
	wantIndicatorHits(t, s, "198.51.100.9", "198.51.100.9")
	wantIndicatorHits(t, s, "phishing")

	// Whatever the import switched off for its bulk write is back on:
	// the write pool still refuses a link to missing rows.
	if _, err := s.DB().ExecContext(ctx, s.Dialect().Rebind(`INSERT INTO event_indicators (event_id, indicator_id)
VALUES (?, ?)`), int64(1)<<40, int64(1)<<40); err == nil {
		t.Error("after an import, a link to a missing event and indicator was accepted: foreign keys are off")
	}
}

// wantIndicatorHits searches indicators for text and wants exactly the
// given values, in any order.
func wantIndicatorHits(t *testing.T, s *store.Store, text string, values ...string) {
	t.Helper()
	hits, err := s.Search(context.Background(), intel.SearchQuery{Text: text, Kinds: []string{"indicator"}, Limit: 100})
	must(t, "search "+text, err)
	got := []string{}
	for _, h := range hits {
		got = append(got, h.Title)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(values))
	if want == nil {
		want = []string{}
	}
	mustDiff(t, "indicators found by "+text, want, got)
}

// iocSnapshot is what an indicator import may change.
type iocSnapshot struct {
	Indicators []*intel.Indicator
	Provenance map[int64][]intel.Provenance
	Events     []*intel.Event
}

func takeIOCSnapshot(t *testing.T, s *store.Store) iocSnapshot {
	t.Helper()
	ctx := context.Background()
	var snap iocSnapshot
	snap.Provenance = map[int64][]intel.Provenance{}
	inds, err := s.FindIndicators(ctx, intel.IndicatorFilter{Limit: 500})
	must(t, "indicators", err)
	snap.Indicators = inds.Items
	for _, in := range inds.Items {
		p, err := s.FindIndicatorSources(ctx, in.ID)
		must(t, "provenance", err)
		snap.Provenance[in.ID] = p
	}
	evs, err := s.FindEvents(ctx, intel.EventFilter{Limit: 500})
	must(t, "events", err)
	for _, e := range evs.Items {
		full, err := s.FindEventByID(ctx, e.ID)
		must(t, "event", err)
		snap.Events = append(snap.Events, full)
	}
	return snap
}

func findIndicator(t *testing.T, s *store.Store, typ intel.IndicatorType, value string) *intel.Indicator {
	t.Helper()
	page, err := s.FindIndicators(context.Background(), intel.IndicatorFilter{Type: typ, Value: value})
	must(t, "find indicator", err)
	if len(page.Items) != 1 {
		t.Fatalf("indicator %s %q: found %d", typ, value, len(page.Items))
	}
	return page.Items[0]
}

func testIOCImportIdempotent(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	MustImport(t, s, FixtureBundle())
	_, err := s.ImportIndicators(ctx, iocBatch(), nil)
	must(t, "first import", err)
	before := takeIOCSnapshot(t, s)
	st, err := s.ImportIndicators(ctx, iocBatch(), nil)
	must(t, "second import", err)
	mustDiff(t, "re-import counts", map[string]*intel.ImportCount{
		"indicator":  counts(5, 0, 0, 3, 0, 2),
		"provenance": counts(4, 0, 0, 4, 0, 0),
		"event":      counts(3, 0, 0, 3, 0, 0),
	}, st.Counts)
	mustDiff(t, "base after re-import", before, takeIOCSnapshot(t, s))

	// A third source reporting a known value adds provenance and updates
	// the indicator, but creates nothing.
	more := &intel.IndicatorBatch{Sources: []intel.Source{{Name: "partner", Credibility: 0.8}},
		Indicators: []intel.IndicatorRow{{Type: intel.IndicatorDomain, Value: "c2.evil.test", Confidence: 1}}}
	st, err = s.ImportIndicators(ctx, more, nil)
	must(t, "third source", err)
	mustDiff(t, "third source counts", counts(1, 0, 1, 0, 0, 0), st.Counts["indicator"])
	c2 := findIndicator(t, s, intel.IndicatorDomain, "c2.evil.test")
	if c2.Confidence != 0.8 || c2.Description != "vendor says C2" {
		t.Errorf("after a more credible source without description: confidence %v, description %q; want 0.8 and the vendor's",
			c2.Confidence, c2.Description)
	}
	provs, err := s.FindIndicatorSources(ctx, c2.ID)
	must(t, "provenance", err)
	if len(provs) != 3 || provs[0].SourceName != "partner" {
		t.Errorf("provenance = %+v, want partner first of 3", provs)
	}

	// A more credible source with a description replaces the stored one:
	// search follows the update, in the same batch as new values, and
	// over several chunks.
	upd := &intel.IndicatorBatch{Sources: []intel.Source{{Name: "oracle", Credibility: 1}},
		Indicators: []intel.IndicatorRow{{Type: intel.IndicatorDomain, Value: "c2.evil.test", Description: "beacon relay",
			Confidence: 1}}}
	for i := range 1100 {
		upd.Indicators = append(upd.Indicators, intel.IndicatorRow{Type: intel.IndicatorDomain,
			Value: "n" + strconv.Itoa(i) + ".bulk.test", Description: "bulkword " + strconv.Itoa(i%3), Confidence: 1})
	}
	st, err = s.ImportIndicators(ctx, upd, nil)
	must(t, "more credible source", err)
	mustDiff(t, "more credible source counts", counts(1101, 1100, 1, 0, 0, 0), st.Counts["indicator"])
	wantIndicatorHits(t, s, "beacon", "c2.evil.test")
	wantIndicatorHits(t, s, "vendor says")
	wantIndicatorHits(t, s, "c2.evil.test", "c2.evil.test")
	wantIndicatorHits(t, s, "n1099.bulk.test", "n1099.bulk.test")
	wantIndicatorHits(t, s, "n0.bulk.test", "n0.bulk.test")
	// New values that shared a chunk with a stored one got their own ids:
	// their provenance is theirs, and the stored value kept its id.
	for _, v := range []string{"n0.bulk.test", "n1099.bulk.test"} {
		provs, err := s.FindIndicatorSources(ctx, findIndicator(t, s, intel.IndicatorDomain, v).ID)
		must(t, "provenance of "+v, err)
		if len(provs) != 1 || provs[0].SourceName != "oracle" {
			t.Errorf("provenance of %s = %+v, want oracle alone", v, provs)
		}
	}
	if id := findIndicator(t, s, intel.IndicatorDomain, "c2.evil.test").ID; id != c2.ID {
		t.Errorf("c2.evil.test has id %d after a later import, was %d", id, c2.ID)
	}
	hits, err := s.Search(ctx, intel.SearchQuery{Text: "bulkword 2", Kinds: []string{"indicator"}, Limit: 1000})
	must(t, "search bulkword", err)
	if len(hits) != 366 {
		t.Errorf("search bulkword 2: %d hits, want 366", len(hits))
	}
	// A second import of the same rows changes nothing, search included.
	st, err = s.ImportIndicators(ctx, upd, nil)
	must(t, "re-import", err)
	mustDiff(t, "re-import counts", counts(1101, 0, 0, 1101, 0, 0), st.Counts["indicator"])
	wantIndicatorHits(t, s, "n1099.bulk.test", "n1099.bulk.test")
	wantIndicatorHits(t, s, "beacon", "c2.evil.test")
}

func testIOCImportRollback(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	_, err := s.ImportIndicators(ctx, iocBatch(), nil)
	must(t, "first import", err)
	before := takeIOCSnapshot(t, s)

	// Strict: the bad row is the last one, after every write but the
	// audit; nothing of the batch may remain.
	b := iocBatch()
	b.Sources[0].Name = "blog2"
	b.Indicators[0].Value = "new.evil.test"
	b.Strict = true
	_, err = s.ImportIndicators(ctx, b, nil)
	wantCode(t, "strict import with a bad row", err, intel.CodeInvalid)
	mustDiff(t, "base after failed strict import", before, takeIOCSnapshot(t, s))
	if _, err := s.FindSourceByName(ctx, "blog2"); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("source of a failed import: %v, want not found", err)
	}

	// Cancelled halfway: progress cancels after the events are written.
	big := &intel.IndicatorBatch{Sources: []intel.Source{{Name: "bulk", Credibility: 0.5}},
		Events: []intel.EventRow{{Key: "k", Title: "Bulk"}}}
	for i := range 1200 {
		big.Indicators = append(big.Indicators, intel.IndicatorRow{Type: intel.IndicatorDomain,
			Value: "h" + strings.Repeat("x", i%7) + strconv.Itoa(i) + ".evil.test", Confidence: 1, Event: 1})
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	_, err = s.ImportIndicators(cctx, big, func(done, total int) {
		if done > 600 {
			cancel()
		}
	})
	if err == nil {
		t.Fatal("cancelled import succeeded")
	}
	mustDiff(t, "base after cancelled import", before, takeIOCSnapshot(t, s))
	wantIndicatorHits(t, s, "h0.evil.test")

	// After a rollback the next bulk import indexes its rows as usual.
	_, err = s.ImportIndicators(ctx, big, nil)
	must(t, "import after rollback", err)
	wantIndicatorHits(t, s, "h0.evil.test", "h0.evil.test")
	wantIndicatorHits(t, s, "hxxxx1199.evil.test")
	wantIndicatorHits(t, s, "hxx1199.evil.test", "hxx1199.evil.test")
}

// testIndicatorOwnSource: an indicator written without provenance rows
// (by hand, by a STIX import) lists its own source as its provenance, and
// once an IOC list reports it too both sources are listed.
func testIndicatorOwnSource(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	src := &intel.Source{Name: "stix vendor", Kind: intel.SourceSTIX, Credibility: 0.9, TLP: intel.TLPGreen}
	must(t, "source", s.UpsertSource(ctx, src))
	seen := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	in := &intel.Indicator{Type: intel.IndicatorDomain, Value: "own-source.example.net", Confidence: 0.9, SourceID: src.ID,
		FirstSeen: seen, LastSeen: seen}
	must(t, "create", s.CreateIndicator(ctx, in))
	provs, err := s.FindIndicatorSources(ctx, in.ID)
	must(t, "provenance", err)
	if len(provs) != 1 || provs[0].SourceName != "stix vendor" || provs[0].Confidence != 0.9 || !provs[0].FirstSeen.Equal(seen) ||
		provs[0].TLP != intel.TLPGreen {
		t.Fatalf("provenance of an indicator made by hand = %+v, want its own source", provs)
	}
	none := &intel.Indicator{Type: intel.IndicatorDomain, Value: "no-source.example.net", Confidence: 0.5}
	must(t, "create without source", s.CreateIndicator(ctx, none))
	if provs, err := s.FindIndicatorSources(ctx, none.ID); err != nil || len(provs) != 0 {
		t.Errorf("provenance of an indicator without source = %+v, %v", provs, err)
	}
	list := &intel.IndicatorBatch{Sources: []intel.Source{{Name: "a list", Credibility: 0.4}},
		Indicators: []intel.IndicatorRow{{Type: intel.IndicatorDomain, Value: "own-source.example.net", Confidence: 1}}}
	_, err = s.ImportIndicators(ctx, list, nil)
	must(t, "import", err)
	provs, err = s.FindIndicatorSources(ctx, in.ID)
	must(t, "provenance after a list", err)
	if len(provs) != 2 || provs[0].SourceName != "stix vendor" || provs[1].SourceName != "a list" {
		t.Errorf("provenance after a list reported it = %+v, want the vendor then the list", provs)
	}

	// A more credible list takes the indicator over: the vendor that
	// reported it first keeps its own line, with its own values.
	low := &intel.Source{Name: "low vendor", Kind: intel.SourceSTIX, Credibility: 0.3}
	must(t, "low source", s.UpsertSource(ctx, low))
	early := time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC)
	taken := &intel.Indicator{Type: intel.IndicatorDomain, Value: "taken-over.example.net", Confidence: 0.3, SourceID: low.ID,
		FirstSeen: early, LastSeen: early}
	must(t, "create low", s.CreateIndicator(ctx, taken))
	late := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	strong := &intel.IndicatorBatch{Sources: []intel.Source{{Name: "strong list", Credibility: 0.9}},
		Indicators: []intel.IndicatorRow{{Type: intel.IndicatorDomain, Value: "taken-over.example.net", Confidence: 1,
			FirstSeen: late, LastSeen: late}}}
	_, err = s.ImportIndicators(ctx, strong, nil)
	must(t, "strong import", err)
	provs, err = s.FindIndicatorSources(ctx, taken.ID)
	must(t, "provenance after a takeover", err)
	if len(provs) != 2 || provs[0].SourceName != "strong list" || provs[0].Confidence != 0.9 || !provs[0].FirstSeen.Equal(late) ||
		provs[1].SourceName != "low vendor" || provs[1].Confidence != 0.3 || !provs[1].FirstSeen.Equal(early) || !provs[1].LastSeen.Equal(early) {
		t.Errorf("provenance after a more credible list = %+v, want the list (0.9, 2024) then the vendor (0.3, 2020)", provs)
	}
	if got := findIndicator(t, s, intel.IndicatorDomain, "taken-over.example.net"); got.Confidence != 0.9 || !got.FirstSeen.Equal(early) {
		t.Errorf("merged indicator = %+v, want confidence 0.9 and the vendor's first sighting", got)
	}
	st, err := s.ImportIndicators(ctx, strong, nil)
	must(t, "strong re-import", err)
	for k, c := range st.Counts {
		if c.Created != 0 || c.Updated != 0 {
			t.Errorf("re-import after a takeover changed %s: %+v", k, *c)
		}
	}
}

// testIOCEventTimes: an indicator list's events carry activity times;
// importing the list again with more adds them, repeats and all, once.
func testIOCEventTimes(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 2, "analyst")
	at := time.Date(2024, 3, 4, 7, 15, 0, 0, time.UTC)
	batch := func(times ...time.Time) *intel.IndicatorBatch {
		return &intel.IndicatorBatch{Sources: []intel.Source{{Name: "samples", Kind: intel.SourceInternal, Credibility: 1}},
			Events:     []intel.EventRow{{Key: "sample:abc", Title: "sample a.exe", GroupLabel: "APT28", Times: times}},
			Indicators: []intel.IndicatorRow{{Type: intel.IndicatorSHA256, Value: strings.Repeat("ab", 32), Confidence: 1, Event: 1}}, Rows: 1}
	}
	_, err := s.ImportIndicators(ctx, batch(at), nil)
	must(t, "import", err)
	_, err = s.ImportIndicators(ctx, batch(at, at.Add(time.Hour)), nil)
	must(t, "import again with a second time", err)
	_, err = s.ImportIndicators(ctx, batch(), nil)
	must(t, "import again without times", err)
	page, err := s.FindEvents(ctx, intel.EventFilter{})
	must(t, "find events", err)
	var times []time.Time
	for _, e := range page.Items {
		if e.Title == "sample a.exe" {
			full, err := s.FindEventByID(ctx, e.ID)
			must(t, "find event", err)
			times = full.Times
		}
	}
	if len(times) != 2 || !times[0].Equal(at) || !times[1].Equal(at.Add(time.Hour)) {
		t.Errorf("event times %v, want %v and an hour later", times, at)
	}
}
