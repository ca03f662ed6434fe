package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// testIndicatorList: the indicator list's filters select what exports
// select for the same group, time and confidence, and add a value prefix,
// a source (own or by provenance) and the warninglist; the count agrees
// with the pages, and a bad filter is refused by name.
func testIndicatorList(t *testing.T, open Opener) {
	s := exportStore(t, open)
	ctx := t.Context()
	apt28 := MustFind(t, s, intel.KindGroup, "APT28")
	vendor, err := s.FindSourceByName(ctx, "vendor")
	must(t, "vendor source", err)
	tests := []struct {
		name string
		f    intel.IndicatorFilter
		want []string
	}{
		{"everything", intel.IndicatorFilter{}, []string{"198.51.100.9", "203.0.113.7", "8.8.8.8", "c2.evil.test", "evil.example.com"}},
		{"group", intel.IndicatorFilter{GroupID: apt28.ID}, []string{"198.51.100.9", "203.0.113.7", "c2.evil.test"}},
		{"prefix as typed or in lower case", intel.IndicatorFilter{Prefix: "C2.Evil"}, []string{"c2.evil.test"}},
		{"prefix and type", intel.IndicatorFilter{Prefix: "19", Type: intel.IndicatorIPv4}, []string{"198.51.100.9"}},
		{"source, own or by provenance", intel.IndicatorFilter{SourceID: vendor.ID}, []string{"198.51.100.9", "c2.evil.test"}},
		{"warninglisted only", intel.IndicatorFilter{Warninglisted: "only"}, []string{"8.8.8.8"}},
		{"warninglisted left out", intel.IndicatorFilter{Warninglisted: "exclude", Type: intel.IndicatorIPv4}, []string{"198.51.100.9", "203.0.113.7"}},
		{"confidence", intel.IndicatorFilter{MinConfidence: 0.6}, []string{"198.51.100.9", "evil.example.com"}},
		{"since the future", intel.IndicatorFilter{Since: time.Now().Add(time.Hour)}, nil},
	}
	for _, tt := range tests {
		var got []string
		f := tt.f
		f.Limit = 2
		for {
			page, err := s.FindIndicators(ctx, f)
			must(t, tt.name, err)
			for _, in := range page.Items {
				got = append(got, in.Value)
			}
			if page.Next == "" {
				break
			}
			f.After = page.Next
		}
		slices.Sort(got)
		mustDiff(t, tt.name, tt.want, got)
		n, err := s.CountIndicators(ctx, tt.f)
		must(t, tt.name+": count", err)
		if n != len(tt.want) {
			t.Errorf("%s: count %d, want %d", tt.name, n, len(tt.want))
		}
	}
	for _, f := range []intel.IndicatorFilter{{Type: "colour"}, {MinConfidence: 2}, {Warninglisted: "maybe"}} {
		if _, err := s.FindIndicators(ctx, f); intel.ErrorCode(err) != intel.CodeInvalid {
			t.Errorf("filter %+v: %v, want invalid", f, err)
		}
	}
}
