package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// iocContent is what an indicator import stored, without row ids,
// timestamps of the write or row order: two stores that imported the same
// rows in different runs must hold the same content.
type iocContent struct {
	Indicators map[string]intel.Indicator // "type value" → row; SourceID as the source's name in Warninglist's place
	Sources    map[string]string          // "type value" → its most credible source's name
	Provenance map[string][]string        // "type value" → "source first..last conf" sorted
	Events     map[string]string          // key → title, group, dates, times, source, indicators
}

func takeIOCContent(t *testing.T, s *store.Store) iocContent {
	t.Helper()
	ctx := context.Background()
	srcs, err := s.FindSources(ctx)
	must(t, "sources", err)
	srcName := map[int64]string{}
	for _, src := range srcs {
		srcName[src.ID] = src.Name
	}
	c := iocContent{Indicators: map[string]intel.Indicator{}, Sources: map[string]string{},
		Provenance: map[string][]string{}, Events: map[string]string{}}
	inds, err := s.FindIndicators(ctx, intel.IndicatorFilter{Limit: 500})
	must(t, "indicators", err)
	if len(inds.Items) == 500 {
		t.Fatal("more than 500 indicators: the content would be cut")
	}
	val := map[int64]string{}
	for _, in := range inds.Items {
		k := string(in.Type) + " " + in.Value
		val[in.ID] = k
		c.Sources[k] = srcName[in.SourceID]
		provs, err := s.FindIndicatorSources(ctx, in.ID)
		must(t, "provenance", err)
		for _, p := range provs {
			c.Provenance[k] = append(c.Provenance[k], fmt.Sprintf("%s %s..%s %.3f %s", p.SourceName,
				p.FirstSeen.Format(time.DateOnly), p.LastSeen.Format(time.DateOnly), p.Confidence, p.TLP))
		}
		slices.Sort(c.Provenance[k])
		row := *in
		row.ID, row.SourceID, row.CreatedAt, row.UpdatedAt = 0, 0, time.Time{}, time.Time{}
		c.Indicators[k] = row
	}
	evs, err := s.FindEvents(ctx, intel.EventFilter{Limit: 500})
	must(t, "events", err)
	for _, e := range evs.Items {
		full, err := s.FindEventByID(ctx, e.ID)
		must(t, "event", err)
		var members []string
		for _, in := range full.Indicators {
			members = append(members, val[in.ID])
		}
		slices.Sort(members)
		c.Events[full.Key] = fmt.Sprintf("%q group %d %q %s..%s times %v source %s conf %.2f: %s", full.Title, full.GroupID,
			full.GroupLabel, full.FirstSeen.Format(time.DateOnly), full.LastSeen.Format(time.DateOnly), full.Times,
			srcName[full.SourceID], full.Confidence, strings.Join(members, ", "))
	}
	return c
}

// spreadBatch is a list of n rows whose values repeat far apart (value i
// recurs every 97 rows, so every run of a small chunk size meets values
// stored by an earlier run), from three sources that first appear at
// rows 0, 1 and n/2, with events that first appear along the list and
// whose dates widen with later rows, tags that grow, a warninglisted
// value and a few invalid rows.
func spreadBatch(n int) *intel.IndicatorBatch {
	b := &intel.IndicatorBatch{
		Sources: []intel.Source{
			{Name: "spread-a", Kind: intel.SourceIOCList, Credibility: 0.4},
			{Name: "spread-b", Kind: intel.SourceIOCList, Credibility: 1, TLP: intel.TLPGreen},
			{Name: "spread-c", Kind: intel.SourceIOCList, Credibility: 0.7},
		},
		Rows: n + 3, Rejected: 3, RejectReasons: []string{"list:1: parser sample"}, Notes: []string{"list:2: repaired"},
	}
	events := 0
	for i := range n {
		src := i % 2
		if i >= n/2 && i%5 == 0 {
			src = 2
		}
		v := i % 97
		r := intel.IndicatorRow{Confidence: 0.5 + float64(i%3)/4, Source: src,
			FirstSeen: day(2020, 1, 1).AddDate(0, 0, i%400), LastSeen: day(2020, 1, 1).AddDate(0, 0, i%400+i%7)}
		switch v % 3 {
		case 0:
			r.Type, r.Value = intel.IndicatorDomain, fmt.Sprintf("d%d.spread.test", v)
		case 1:
			r.Type, r.Value = intel.IndicatorIPv4, fmt.Sprintf("198.51.100.%d", v)
		default:
			r.Type, r.Value = intel.IndicatorSHA256, fmt.Sprintf("%064x", v*7919)
		}
		if i%11 == 0 {
			// Described by the most credible source at full confidence:
			// across runs a description follows the stored-row rule
			// (see ImportIndicators), which agrees with the one-run
			// rule when the described report is the most credible.
			r.Description, r.Source, r.Confidence = fmt.Sprintf("seen in wave %d", i/11), 1, 1
		}
		r.Tags = []string{fmt.Sprintf("t%d", i%4)}
		if v == 8 {
			r.Type, r.Value, r.Warninglist = intel.IndicatorIPv4, "8.8.8.8", "public-resolvers"
		}
		if i%250 == 249 {
			r.Type, r.Value = "bogus", fmt.Sprintf("x%d", i)
		}
		// Events: a new one every 150 rows; rows join any event seen so
		// far, so events span runs and widen as the list goes on.
		if i%150 == 0 {
			events++
			b.Events = append(b.Events, intel.EventRow{Key: fmt.Sprintf("g%d\x1fop", events), Title: fmt.Sprintf("Op %d", events),
				GroupLabel: fmt.Sprintf("Group %d", events%3), Source: src, Times: []time.Time{day(2021, 1, events)}})
		}
		if i%4 != 3 {
			r.Event = 1 + (i*7)%events
			ev := &b.Events[r.Event-1]
			if ev.FirstSeen.IsZero() || r.FirstSeen.Before(ev.FirstSeen) {
				ev.FirstSeen = r.FirstSeen
			}
			if r.LastSeen.After(ev.LastSeen) {
				ev.LastSeen = r.LastSeen
			}
		}
		b.Indicators = append(b.Indicators, r)
	}
	return b
}

// streamOf returns b as a stream that hands its rows on in pieces of
// piece rows and reveals sources and events only as rows cite them, with
// event dates as far as the rows emitted so far say (as ioclist builds
// its batches); failAt > 0 makes the stream fail after that many rows.
func streamOf(b *intel.IndicatorBatch, piece, failAt int) *intel.IndicatorBatch {
	s := &intel.IndicatorBatch{Rows: b.Rows, Rejected: b.Rejected, RejectReasons: b.RejectReasons, Notes: b.Notes, Strict: b.Strict}
	s.Stream = func(emit func([]intel.IndicatorRow) error) error {
		for start := 0; start < len(b.Indicators); start += piece {
			rows := b.Indicators[start:min(start+piece, len(b.Indicators))]
			for _, r := range rows {
				if r.Source >= len(s.Sources) && r.Source < len(b.Sources) {
					s.Sources = b.Sources[:r.Source+1]
				}
				if r.Event > len(s.Events) {
					for len(s.Events) < r.Event {
						e := b.Events[len(s.Events)]
						e.FirstSeen, e.LastSeen = time.Time{}, time.Time{}
						s.Events = append(s.Events, e)
					}
				}
				if r.Event > 0 {
					ev := &s.Events[r.Event-1]
					if ev.FirstSeen.IsZero() || r.FirstSeen.Before(ev.FirstSeen) {
						ev.FirstSeen = r.FirstSeen
					}
					if r.LastSeen.After(ev.LastSeen) {
						ev.LastSeen = r.LastSeen
					}
				}
			}
			if failAt > 0 && start+len(rows) >= failAt {
				return errors.New("list.csv:999: read: unexpected end of input")
			}
			// The stream's rows are its own after emit: hand on a copy
			// and spoil it afterwards.
			cp := slices.Clone(rows)
			if err := emit(cp); err != nil {
				return err
			}
			for i := range cp {
				cp[i] = intel.IndicatorRow{Type: "spoilt", Value: "spoilt"}
			}
		}
		// Events the last rows did not reach, and the final sources.
		s.Sources = b.Sources
		for len(s.Events) < len(b.Events) {
			s.Events = append(s.Events, b.Events[len(s.Events)])
		}
		return nil
	}
	return s
}

// testIOCImportChunks: a list imported in many small runs, as a stream
// that reveals its sources and events as it goes, stores the same as
// the same rows in one run, with the same counts; a value reported in
// two runs by two sources merges into one row with both provenance rows.
func testIOCImportChunks(t *testing.T, open Opener) {
	ctx := context.Background()
	const n = 1400
	one := open(t)
	MustImport(t, one, FixtureBundle())
	want, err := one.ImportIndicators(ctx, spreadBatch(n), nil)
	must(t, "import in one run", err)
	wantContent := takeIOCContent(t, one)

	for _, size := range []int{1, 64, 500} {
		t.Run(fmt.Sprint("chunk ", size), func(t *testing.T) {
			s := open(t).WithIOCChunkRows(size)
			MustImport(t, s, FixtureBundle())
			var calls [][2]int
			got, err := s.ImportIndicators(ctx, streamOf(spreadBatch(n), 37, 0), func(done, total int) {
				calls = append(calls, [2]int{done, total})
			})
			must(t, "import in runs", err)
			mustDiff(t, "counts", want.Counts, got.Counts)
			mustDiff(t, "warnings", want.Warnings, got.Warnings)
			mustDiff(t, "stored content", wantContent, takeIOCContent(t, s))
			if len(calls) < n/size || calls[len(calls)-1] != [2]int{n, 0} {
				t.Errorf("progress: %d calls ending %v, want ≥ %d ending with [%d 0] (size unknown)", len(calls), calls[len(calls)-1], n/size, n)
			}
			// A re-import in runs changes nothing and counts it so.
			again, err := s.ImportIndicators(ctx, streamOf(spreadBatch(n), 37, 0), nil)
			must(t, "re-import in runs", err)
			for k, c := range again.Counts {
				if c.Created != 0 || c.Updated != 0 || c.Seen != want.Counts[k].Seen {
					t.Errorf("re-import %s: %+v, want all %d unchanged or rejected", k, *c, want.Counts[k].Seen)
				}
			}
			mustDiff(t, "content after re-import", wantContent, takeIOCContent(t, s))
			wantIndicatorHits(t, s, "d3.spread.test", "d3.spread.test")
		})
	}

	// One value, reported by two sources in different runs (runs of two
	// rows): one indicator, one provenance row per source with the dates
	// of both of its reports, the more credible source's fields.
	s := open(t).WithIOCChunkRows(2)
	b := &intel.IndicatorBatch{
		Sources: []intel.Source{{Name: "low", Credibility: 0.3}, {Name: "high", Credibility: 0.9, TLP: intel.TLPGreen}},
		Indicators: []intel.IndicatorRow{
			{Type: intel.IndicatorDomain, Value: "twice.evil.test", Confidence: 1, Source: 0, Description: "low says",
				Tags: []string{"a"}, FirstSeen: day(2022, 3, 1), LastSeen: day(2022, 3, 1)},
			{Type: intel.IndicatorDomain, Value: "filler1.test", Confidence: 1},
			{Type: intel.IndicatorDomain, Value: "filler2.test", Confidence: 1},
			{Type: intel.IndicatorDomain, Value: "twice.evil.test", Confidence: 1, Source: 1, Description: "high says",
				Tags: []string{"b"}, FirstSeen: day(2022, 6, 1), LastSeen: day(2022, 7, 1)},
			{Type: intel.IndicatorDomain, Value: "filler3.test", Confidence: 1},
			{Type: intel.IndicatorDomain, Value: "twice.evil.test", Confidence: 1, Source: 0,
				FirstSeen: day(2021, 1, 1), LastSeen: day(2021, 1, 1)},
		},
	}
	st, err := s.ImportIndicators(ctx, b, nil)
	must(t, "import across runs", err)
	mustDiff(t, "indicator counts", counts(4, 4, 0, 0, 0, 0), st.Counts["indicator"])
	mustDiff(t, "provenance counts", counts(5, 5, 0, 0, 0, 0), st.Counts["provenance"])
	twice := findIndicator(t, s, intel.IndicatorDomain, "twice.evil.test")
	high, err := s.FindSourceByName(ctx, "high")
	must(t, "find high", err)
	mustDiff(t, "merged across runs", &intel.Indicator{ID: twice.ID, Type: intel.IndicatorDomain, Value: "twice.evil.test",
		Description: "high says", Tags: []string{"a", "b"}, FirstSeen: day(2021, 1, 1), LastSeen: day(2022, 7, 1),
		Confidence: 0.9, TLP: intel.TLPGreen, SourceID: high.ID}, twice)
	provs, err := s.FindIndicatorSources(ctx, twice.ID)
	must(t, "provenance", err)
	var got []string
	for _, p := range provs {
		got = append(got, fmt.Sprintf("%s %s..%s %.1f", p.SourceName, p.FirstSeen.Format(time.DateOnly),
			p.LastSeen.Format(time.DateOnly), p.Confidence))
	}
	mustDiff(t, "provenance across runs", []string{"high 2022-06-01..2022-07-01 0.9", "low 2021-01-01..2022-03-01 0.3"}, got)
}

// testIOCImportChunkRollback: a failure in the last run of a list, after
// earlier runs wrote their rows, leaves nothing of the list and what was
// stored before intact: a strict batch's invalid last row, and a stream
// whose input breaks off at its end.
func testIOCImportChunkRollback(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t).WithIOCChunkRows(100)
	_, err := s.ImportIndicators(ctx, iocBatch(), nil)
	must(t, "first import", err)
	before := takeIOCSnapshot(t, s)
	sourcesBefore, err := s.FindSources(ctx)
	must(t, "sources", err)

	strict := spreadBatch(450)
	for i := range strict.Indicators {
		if strict.Indicators[i].Type == "bogus" {
			strict.Indicators[i].Type, strict.Indicators[i].Value = intel.IndicatorDomain, fmt.Sprintf("fixed%d.spread.test", i)
		}
	}
	strict.Indicators = append(strict.Indicators, intel.IndicatorRow{Type: "bogus", Value: "last", Confidence: 1})
	strict.Strict, strict.Rejected, strict.RejectReasons = true, 0, nil
	_, err = s.ImportIndicators(ctx, strict, nil)
	wantCode(t, "strict list with a bad last row", err, intel.CodeInvalid)
	if err == nil || !strings.Contains(err.Error(), "indicator 450") {
		t.Errorf("error %v does not name row 450", err)
	}
	mustDiff(t, "store after a failed last run", before, takeIOCSnapshot(t, s))

	_, err = s.ImportIndicators(ctx, streamOf(spreadBatch(450), 50, 440), nil)
	if err == nil || !strings.Contains(err.Error(), "list.csv:999") {
		t.Fatalf("stream broken at its end: %v, want its error", err)
	}
	mustDiff(t, "store after a broken stream", before, takeIOCSnapshot(t, s))
	sourcesAfter, err := s.FindSources(ctx)
	must(t, "sources", err)
	if len(sourcesAfter) != len(sourcesBefore) {
		t.Errorf("sources after failed imports: %d, want %d", len(sourcesAfter), len(sourcesBefore))
	}
	wantIndicatorHits(t, s, "d3.spread.test")
}

// testIOCImportDefersIndexes: an import into an empty indicators table,
// which builds the table's secondary indexes at its end instead of row by
// row, leaves the same indexes as the migrations made, and entries for
// every row (the engine's integrity check where it has one, and lists
// sorted through each index); a failed one leaves them too.
func testIOCImportDefersIndexes(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t).WithIOCChunkRows(100)
	want, err := s.SecondaryIndexes(ctx, "indicators")
	must(t, "indexes of a new store", err)
	// The list pages sort by these; the migrations give them (0028, 0033).
	if len(want) < 4 {
		t.Fatalf("indexes of a new store: %v, want the list sorts' four at least", want)
	}

	strict := spreadBatch(450)
	strict.Indicators = append(strict.Indicators, intel.IndicatorRow{Type: "bogus", Value: "last", Confidence: 1})
	strict.Strict, strict.Rejected, strict.RejectReasons = true, 0, nil
	_, err = s.ImportIndicators(ctx, strict, nil)
	wantCode(t, "strict list with a bad last row", err, intel.CodeInvalid)
	got, err := s.SecondaryIndexes(ctx, "indicators")
	must(t, "indexes after a failed import", err)
	mustDiff(t, "indexes after a failed import", want, got)

	_, err = s.ImportIndicators(ctx, spreadBatch(150), nil)
	must(t, "import into an empty table", err)
	got, err = s.SecondaryIndexes(ctx, "indicators")
	must(t, "indexes after the import", err)
	mustDiff(t, "indexes after the import", want, got)
	must(t, "integrity after the import", s.Check(ctx))

	// Every stored row is found through the rebuilt indexes: in each
	// list order, and by type (type, id).
	checkSorts(t, "indicators", indicatorSorts(s))
	all, err := s.FindIndicators(ctx, intel.IndicatorFilter{Limit: 500})
	must(t, "indicators", err)
	byType := map[intel.IndicatorType]int{}
	for _, in := range all.Items {
		byType[in.Type]++
	}
	for typ, n := range byType {
		page, err := s.FindIndicators(ctx, intel.IndicatorFilter{Type: typ, Limit: 500})
		must(t, "indicators of a type", err)
		if len(page.Items) != n {
			t.Errorf("%s indicators listed by type: %d, want %d", typ, len(page.Items), n)
		}
	}
}
