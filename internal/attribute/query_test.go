package attribute_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/intel"
)

// TestQueryFromBundle: techniques, software, indicators and victims come
// out; groups, revoked objects and warninglisted indicators do not.
func TestQueryFromBundle(t *testing.T) {
	b := &intel.Bundle{
		Objects: []intel.Object{
			{Kind: intel.KindGroup, Name: "APT28"},
			{Kind: intel.KindTechnique, Name: "Spearphishing Attachment", ExternalID: "T1566.001"},
			{Kind: intel.KindTechnique, Name: "Old", ExternalID: "T1000", Revoked: true},
			{Kind: intel.KindSoftware, Name: "X-Agent"},
			{Kind: intel.KindSoftware, Name: "X-Agent"},
		},
		Indicators: []intel.Indicator{
			{Type: intel.IndicatorDomain, Value: "c2.example.net"},
			{Type: intel.IndicatorIPv4, Value: "8.8.8.8", Warninglist: "public-resolvers"},
		},
	}
	links := &intel.BundleLinks{Targets: []intel.Target{{Kind: intel.TargetCountry, Value: "GE"}, {Kind: intel.TargetSector, Value: "government"}}}
	got := attribute.QueryFromBundle(b, links)
	want := attribute.Query{Techniques: []string{"T1566.001"}, Software: []string{"X-Agent"}, Indicators: []string{"c2.example.net"},
		Sectors: []string{"government"}, VictimCountries: []string{"GE"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
}
