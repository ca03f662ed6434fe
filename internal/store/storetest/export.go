package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// exportStore fills a store for export tests: the ATT&CK-like fixture
// (whose indicators come from a STIX import), the IOC list with its
// events (linked to APT28 and APT29 by G-number and alias), STIX
// "indicates" links to a group, to a revoked group and to malware, a red
// group and a red indicator.
func exportStore(t *testing.T, open Opener) *store.Store {
	t.Helper()
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	MustImport(t, s, FixtureBundle())
	_, err := s.ImportIndicators(ctx, iocBatch(), nil)
	must(t, "import IOC list", err)
	src := FixtureBundle().Source
	_, err = s.ImportLinks(ctx, &intel.BundleLinks{
		Source: src,
		Indicators: []intel.STIXIndicator{
			{StixID: "indicator--evil", Keys: []intel.IndicatorKey{{Type: intel.IndicatorDomain, Value: "evil.example.com"}}},
			{StixID: "indicator--staging", Keys: []intel.IndicatorKey{{Type: intel.IndicatorIPv4, Value: "203.0.113.7"}}},
		},
		Indicates: []intel.IndicatorLink{
			{StixID: "relationship--e1", Type: "indicates", IndicatorRef: "indicator--evil", ObjectRef: "intrusion-set--29"},
			{StixID: "relationship--e2", Type: "indicates", IndicatorRef: "indicator--evil", ObjectRef: "intrusion-set--32"},
			{StixID: "relationship--e3", Type: "indicates", IndicatorRef: "indicator--evil", ObjectRef: "intrusion-set--old"},
			{StixID: "relationship--e4", Type: "indicates", IndicatorRef: "indicator--evil", ObjectRef: "malware--xagent"},
			{StixID: "relationship--e5", Type: "indicates", IndicatorRef: "indicator--staging", ObjectRef: "intrusion-set--28"},
		},
	})
	must(t, "import links", err)
	red := intel.TLPRed
	lazarus := MustFind(t, s, intel.KindGroup, "Lazarus Group")
	_, err = s.UpdateObject(ctx, lazarus.ID, intel.ObjectUpdate{TLP: &red})
	must(t, "mark Lazarus red", err)
	staging := findIndicator(t, s, intel.IndicatorIPv4, "203.0.113.7")
	_, err = s.UpdateIndicator(ctx, staging.ID, intel.IndicatorUpdate{TLP: &red})
	must(t, "mark staging host red", err)
	return s
}

// exported is what a test compares of one exported indicator.
type exported struct {
	Type    intel.IndicatorType
	Value   string
	Sources []string
	Groups  []string
}

func exportAll(t *testing.T, s *store.Store, f intel.ExportFilter) []exported {
	t.Helper()
	var out []exported
	err := s.ExportIndicators(t.Context(), f, func(in *intel.ExportIndicator) error {
		e := exported{Type: in.Type, Value: in.Value, Sources: in.Sources}
		for _, g := range in.Groups {
			e.Groups = append(e.Groups, g.Name)
		}
		out = append(out, e)
		return nil
	})
	must(t, "export", err)
	return out
}

func testExport(t *testing.T, open Opener) {
	s := exportStore(t, open)
	ctx := t.Context()
	apt28 := MustFind(t, s, intel.KindGroup, "APT28")
	apt29 := MustFind(t, s, intel.KindGroup, "APT29")
	lazarus := MustFind(t, s, intel.KindGroup, "Lazarus Group")
	const attack = "MITRE ATT&CK"

	all := []exported{
		{Type: intel.IndicatorDomain, Value: "c2.evil.test", Sources: []string{"blog", "vendor"}, Groups: []string{"APT28", "APT29"}},
		{Type: intel.IndicatorDomain, Value: "evil.example.com", Sources: []string{attack}, Groups: []string{"APT29", "Lazarus Group"}},
		{Type: intel.IndicatorIPv4, Value: "198.51.100.9", Sources: []string{"vendor"}, Groups: []string{"APT28"}},
		{Type: intel.IndicatorIPv4, Value: "203.0.113.7", Sources: []string{attack}, Groups: []string{"APT28"}},
		{Type: intel.IndicatorIPv4, Value: "8.8.8.8", Sources: []string{"blog"}},
	}
	tests := []struct {
		name string
		f    intel.ExportFilter
		want []exported
	}{
		{"everything, by type then value", intel.ExportFilter{}, all},
		{"one type", intel.ExportFilter{Types: []intel.IndicatorType{intel.IndicatorIPv4}}, all[2:]},
		{"group by event", intel.ExportFilter{GroupID: apt28.ID}, []exported{all[0], all[2], all[3]}},
		{"group by event and by STIX link", intel.ExportFilter{GroupID: apt29.ID}, all[:2]},
		{"red group", intel.ExportFilter{GroupID: lazarus.ID}, all[1:2]},
		{"TLP ceiling drops the red indicator and names no red group", intel.ExportFilter{TLPMax: intel.TLPAmber}, []exported{
			all[0],
			{Type: intel.IndicatorDomain, Value: "evil.example.com", Sources: []string{attack}, Groups: []string{"APT29"}},
			all[2], all[4],
		}},
		{"red ceiling keeps everything", intel.ExportFilter{TLPMax: intel.TLPRed}, all},
		{"warninglisted", intel.ExportFilter{ExcludeWarninglisted: true}, all[:4]},
		// c2.evil.test: vendor 1 × 0.5; 198.51.100.9: vendor 1 × 1;
		// 8.8.8.8: blog 0.2 × 1; the STIX ones 0.7 and 0.5.
		{"confidence", intel.ExportFilter{MinConfidence: 0.6}, []exported{all[1], all[2]}},
		{"since the future", intel.ExportFilter{Since: time.Now().Add(time.Hour)}, nil},
		{"all filters", intel.ExportFilter{GroupID: apt28.ID, Types: []intel.IndicatorType{intel.IndicatorIPv4},
			MinConfidence: 0.9, TLPMax: intel.TLPGreen, ExcludeWarninglisted: true, Since: day(2020, 1, 1)}, all[2:3]},
	}
	for _, tt := range tests {
		mustDiff(t, tt.name, tt.want, exportAll(t, s, tt.f))
		sum, err := s.ExportSummary(ctx, tt.f)
		must(t, tt.name+": summary", err)
		if sum.Count != len(tt.want) {
			t.Errorf("%s: summary count = %d, want %d", tt.name, sum.Count, len(tt.want))
		}
		if (sum.Count > 0) == sum.LastChange.IsZero() {
			t.Errorf("%s: summary last change = %v with %d indicators", tt.name, sum.LastChange, sum.Count)
		}
	}

	// The fields of an indicator are those the store holds; groups are
	// whole objects, shared between indicators.
	var got []*intel.ExportIndicator
	must(t, "export", s.ExportIndicators(ctx, intel.ExportFilter{GroupID: apt28.ID}, func(in *intel.ExportIndicator) error {
		got = append(got, in)
		return nil
	}))
	stored := findIndicator(t, s, intel.IndicatorIPv4, "198.51.100.9")
	mustDiff(t, "exported indicator", *stored, got[1].Indicator)
	if got[0].Groups[0] != got[1].Groups[0] || got[0].Groups[0].ExternalID != "G0007" {
		t.Errorf("APT28 is not one shared object with its fields: %+v, %+v", got[0].Groups[0], got[1].Groups[0])
	}

	// fn's error stops the export and comes back unchanged.
	stop := errors.New("stop")
	n := 0
	err := s.ExportIndicators(ctx, intel.ExportFilter{}, func(*intel.ExportIndicator) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("export with a failing fn: err = %v after %d calls, want stop after 1", err, n)
	}
	for _, f := range []intel.ExportFilter{{Types: []intel.IndicatorType{"bogus"}}, {MinConfidence: 2}, {TLPMax: "purple"}} {
		wantCode(t, fmt.Sprintf("filter %+v", f), s.ExportIndicators(ctx, f, func(*intel.ExportIndicator) error { return nil }), intel.CodeInvalid)
		_, err := s.ExportSummary(ctx, f)
		wantCode(t, fmt.Sprintf("summary of %+v", f), err, intel.CodeInvalid)
	}
}

// testExportPaging exports more indicators than one page holds, with a
// value whose last activity is far ahead, and checks that none is lost,
// repeated or out of order.
func testExportPaging(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	const n = 1234
	b := &intel.IndicatorBatch{Sources: []intel.Source{{Name: "bulk", Kind: intel.SourceIOCList, Credibility: 1}}}
	var want []exported
	for i := range n {
		v := fmt.Sprintf("h%04d.example.net", i)
		b.Indicators = append(b.Indicators, intel.IndicatorRow{Type: intel.IndicatorDomain, Value: v, Confidence: 1})
		want = append(want, exported{Type: intel.IndicatorDomain, Value: v, Sources: []string{"bulk"}})
	}
	b.Indicators[n-1].LastSeen = day(2100, 1, 1)
	_, err := s.ImportIndicators(ctx, b, nil)
	must(t, "import", err)
	mustDiff(t, "all pages", want, exportAll(t, s, intel.ExportFilter{}))
	mustDiff(t, "since", want[n-1:], exportAll(t, s, intel.ExportFilter{Since: day(2099, 1, 1)}))

	ctx, cancel := context.WithCancel(ctx)
	seen := 0
	err = s.ExportIndicators(ctx, intel.ExportFilter{}, func(*intel.ExportIndicator) error {
		if seen++; seen == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || seen >= n {
		t.Errorf("cancelled export: err = %v after %d of %d, want context.Canceled before the end", err, seen, n)
	}
}
