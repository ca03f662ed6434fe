package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// testSearchBounded: a word in more documents and indicators than a
// search ranks (the newest 300 of each, store.searchRankCap) still finds
// the exact title and value first though they are the oldest rows, still
// highlights the page's snippets, and the facets count every match.
func testSearchBounded(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	const n = 1010
	b := &intel.Bundle{Source: intel.Source{Name: "bulk", Kind: intel.SourceManual}}
	b.Documents = append(b.Documents, intel.Document{Title: "Beacon", URL: "https://example.com/beacon", Text: "the oldest report"})
	b.Indicators = append(b.Indicators, intel.Indicator{Type: intel.IndicatorDomain, Value: "beacon.example", Confidence: 0.5})
	for i := range n {
		b.Documents = append(b.Documents, intel.Document{Title: fmt.Sprintf("Report %d", i),
			URL: fmt.Sprintf("https://example.com/r%d", i), Text: fmt.Sprintf("a beacon example seen %d times", i)})
		b.Indicators = append(b.Indicators, intel.Indicator{Type: intel.IndicatorDomain,
			Value: fmt.Sprintf("h%d.example.net", i), Description: "resolved beside beacon.example", Confidence: 0.5})
	}
	MustImport(t, s, b)

	docs, err := s.Search(ctx, intel.SearchQuery{Text: "Beacon", Kinds: []string{"document"}, Limit: 20})
	must(t, "search documents", err)
	if len(docs) != 20 || docs[0].Title != "Beacon" {
		t.Fatalf("document search gave %d hits, first %+v; want 20, the exact title first", len(docs), first(docs))
	}
	for _, h := range docs[1:] {
		if !strings.Contains(h.Snippet, intel.HighlightStart) {
			t.Errorf("hit %q has no highlight in %q", h.Title, h.Snippet)
		}
	}
	inds, err := s.Search(ctx, intel.SearchQuery{Text: "beacon.example", Kinds: []string{"indicator"}, Limit: 20})
	must(t, "search indicators", err)
	if len(inds) != 20 || inds[0].Title != "beacon.example" {
		t.Fatalf("indicator search gave %d hits, first %+v; want 20, the exact value first", len(inds), first(inds))
	}
	// A page deep in the results is still full: the cap is never below
	// what the page needs.
	deep, err := s.Search(ctx, intel.SearchQuery{Text: "beacon.example", Kinds: []string{"indicator"}, Offset: 1000, Limit: 20})
	must(t, "deep page", err)
	if len(deep) != 11 {
		t.Errorf("the page at 1000 holds %d hits, want the last 11 of %d", len(deep), n+1)
	}
	c, err := s.SearchCounts(ctx, "beacon.example")
	must(t, "search counts", err)
	if c["indicator"] != n+1 {
		t.Errorf("facet counts %v, want %d indicators", c, n+1)
	}
}

func first(hits []intel.SearchHit) *intel.SearchHit {
	if len(hits) == 0 {
		return nil
	}
	return &hits[0]
}
