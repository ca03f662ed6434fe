package storetest

import (
	"slices"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// testObjectFilters: groups are found by country, by sector under any of
// its names and any case, by motivation, and by a source that holds a
// record of them.
func testObjectFilters(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	src := intel.Source{Name: "galaxy", Kind: intel.SourceMISP, Credibility: 0.8}
	b := &intel.Bundle{Source: src, Objects: []intel.Object{
		{Kind: intel.KindGroup, StixID: "misp-galaxy:1", Name: "Energy Bear", Country: "RU", Sectors: []string{"Energy", "Ministries"}, Motivations: []string{"Espionage"}},
		{Kind: intel.KindGroup, StixID: "misp-galaxy:2", Name: "Money Spider", Country: "KP", Sectors: []string{"Financial"}, Motivations: []string{"Financial Gain"}},
		{Kind: intel.KindGroup, StixID: "misp-galaxy:3", Name: "Quiet Owl", Sectors: []string{"government"}},
	}}
	_, err := s.ImportBundle(ctx, b, nil)
	must(t, "import", err)
	other := &intel.Object{Kind: intel.KindGroup, Name: "Typed Hawk", Country: "RU"}
	must(t, "create", s.CreateObject(ctx, other))
	galaxy, err := s.FindSourceByName(ctx, "galaxy")
	must(t, "source", err)
	for _, tt := range []struct {
		name string
		f    intel.ObjectFilter
		want []string
	}{
		{"country", intel.ObjectFilter{Country: "ru"}, []string{"Energy Bear", "Typed Hawk"}},
		{"sector by key matches its names", intel.ObjectFilter{Sector: "government"}, []string{"Energy Bear", "Quiet Owl"}},
		{"sector", intel.ObjectFilter{Sector: "energy"}, []string{"Energy Bear"}},
		{"motivation in any case", intel.ObjectFilter{Motivation: "financial gain"}, []string{"Money Spider"}},
		{"source", intel.ObjectFilter{SourceID: galaxy.ID}, []string{"Energy Bear", "Money Spider", "Quiet Owl"}},
		{"together", intel.ObjectFilter{SourceID: galaxy.ID, Country: "RU", Sector: "energy"}, []string{"Energy Bear"}},
		{"a pattern character is a character", intel.ObjectFilter{Motivation: "%"}, nil},
	} {
		tt.f.Kind = intel.KindGroup
		page, err := s.FindObjects(ctx, tt.f)
		must(t, tt.name, err)
		var got []string
		for _, o := range page.Items {
			got = append(got, o.Name)
		}
		slices.Sort(got)
		mustDiff(t, tt.name, tt.want, got)
	}
}
