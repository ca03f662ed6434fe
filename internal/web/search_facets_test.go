package web_test

import (
	"testing"
)

// TestSearchFacetsAndPages ("lure" is in a group's description and in a
// document): a search shows how many hits each kind has
// over every page, links each kind, and pages on and back.
func TestSearchFacetsAndPages(t *testing.T) {
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{Name: "facets", URL: "/search?q=APT28", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="search-facets"`, `href="/search?kind=group&amp;q=APT28"`, "group <span class=\"hint\">1</span>"}},
		{Name: "one kind", URL: "/search?q=APT28&kind=group", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"1 hit of kind group", "every kind"}},
		{Name: "first page of one", URL: "/search?q=lure&limit=1", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="search-next"`, `offset=1`}, NotExpectedContent: []string{`id="search-prev"`}},
		{Name: "second page", URL: "/search?q=lure&limit=1&offset=1", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="search-prev"`, `<ol class="hits" start="2">`}},
		{Name: "API offset", URL: "/api/v1/search?q=lure&offset=1&limit=1", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"items":[{`}},
		{Name: "bad offset", URL: "/api/v1/search?q=APT28&offset=-1", Bearer: "reader", ExpectedStatus: 400, ExpectedContent: []string{"offset"}},
	})
}
