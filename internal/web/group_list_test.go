package web_test

import (
	"context"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// TestGroupListFilters: the groups list and API filter by country (code
// or name), sector (key or name), motivation and source; a bad country or
// sector is refused by name.
func TestGroupListFilters(t *testing.T) {
	e := newEnv(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	b := &intel.Bundle{Source: intel.Source{Name: "galaxy", Kind: intel.SourceMISP, Credibility: 0.8}, Objects: []intel.Object{
		{Kind: intel.KindGroup, StixID: "misp-galaxy:1", Name: "Energy Bear", Country: "RU", Sectors: []string{"Energy"}, Motivations: []string{"Espionage"}},
		{Kind: intel.KindGroup, StixID: "misp-galaxy:2", Name: "Money Spider", Country: "KP", Sectors: []string{"Banks"}, Motivations: []string{"Financial Gain"}},
	}}
	if _, err := e.Store.ImportBundle(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	runScenarios(t, e, []scenario{
		{Name: "country by name", URL: "/groups?country=North+Korea", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"Money Spider", "Financial Gain"}, NotExpectedContent: []string{"Energy Bear"}},
		{Name: "sector by name", URL: "/groups?sector=Energy", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"Energy Bear", `<option value="energy" selected>`}, NotExpectedContent: []string{"Money Spider"}},
		{Name: "motivation", URL: "/api/v1/groups?motivation=espionage", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"name":"Energy Bear"`}, NotExpectedContent: []string{"Money Spider"}},
		{Name: "nothing matches", URL: "/groups?country=FR", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{"None match."}},
		{Name: "bad country", URL: "/api/v1/groups?country=Atlantis", Bearer: "reader", ExpectedStatus: 400, ExpectedContent: []string{"Atlantis"}},
		{Name: "bad sector", URL: "/groups?sector=knitting", As: "reader", ExpectedStatus: 400},
	})
}
