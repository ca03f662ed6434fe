package ioclist

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
)

// TestStreamCSV: a streamed list hands its rows on in runs of at most
// chunkRows, in input order, each run's sources and events already in the
// batch; the rows together are ReadCSV's, and the batch's counts and
// samples are complete when the stream returns. A second read fails.
func TestStreamCSV(t *testing.T) {
	src := intel.Source{Name: "fixture", Kind: intel.SourceIOCList, Credibility: 0.4}
	in := bigList(2*chunkRows+1234, -1)
	want, err := ReadCSV(strings.NewReader(in), "list.csv", bigMapping, "", Options{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	b, err := StreamCSV(strings.NewReader(in), "list.csv", bigMapping, "", Options{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if b.Indicators != nil || b.Rows != 0 {
		t.Fatalf("StreamCSV read rows before the stream ran: %d rows, %d indicators", b.Rows, len(b.Indicators))
	}
	var got []intel.IndicatorRow
	var sizes []int
	err = b.Stream(func(rows []intel.IndicatorRow) error {
		sizes = append(sizes, len(rows))
		for _, r := range rows {
			if r.Source >= len(b.Sources) || r.Event > len(b.Events) {
				t.Fatalf("row %q cites source %d, event %d; the batch has %d, %d so far", r.Value, r.Source, r.Event,
					len(b.Sources), len(b.Events))
			}
		}
		got = append(got, slices.Clone(rows)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 3 || sizes[0] != chunkRows || sizes[1] != chunkRows {
		t.Errorf("runs of %v rows, want two of %d and the rest", sizes, chunkRows)
	}
	if d := cmp.Diff(want.Indicators, got); d != "" {
		t.Errorf("streamed rows differ from ReadCSV's (-want +got):\n%s", d)
	}
	b.Stream, b.Indicators = nil, got
	if d := cmp.Diff(want, b); d != "" {
		t.Errorf("streamed batch differs from ReadCSV's (-want +got):\n%s", d)
	}
	b2, err := StreamCSV(strings.NewReader(in), "list.csv", bigMapping, "", Options{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	_ = b2.Stream(func([]intel.IndicatorRow) error { return nil })
	if err := b2.Stream(func([]intel.IndicatorRow) error { return nil }); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("second read of a stream: %v, want invalid", err)
	}
}
