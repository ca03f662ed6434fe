package storetest

import (
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

func testSearch(t *testing.T, open Opener) {
	s := open(t)
	MustImport(t, s, FixtureBundle())
	// Prose that repeats a word scores high; a name starting with the
	// word must still come first.
	must(t, "document", s.CreateDocument(t.Context(), &intel.Document{Title: "Lazarus Lazarus report", Text: "Lazarus, Lazarus and Lazarus."}))
	type first struct {
		Kind, Title string
	}
	tests := []struct {
		query string
		kinds []string
		want  first
	}{
		{"APT28", nil, first{"group", "APT28"}},
		{"apt28", nil, first{"group", "APT28"}},
		{"Fancy Bear", nil, first{"group", "APT28"}}, // by alias, above the report that names it
		{"G0032", nil, first{"group", "Lazarus Group"}},
		{"Lazarus", nil, first{"group", "Lazarus Group"}}, // name prefix, above prose
		{"CHOPSTICK", nil, first{"software", "XAgentOSX"}},
		{"PowerShell", []string{"technique"}, first{"technique", "PowerShell"}},
		{"ministries", nil, first{"document", "Spearphishing by Fancy Bear"}},
		{"evil.example.com", nil, first{"indicator", "evil.example.com"}},
		{"spearphishing", []string{"document"}, first{"document", "Spearphishing by Fancy Bear"}},
	}
	for _, tt := range tests {
		hits, err := s.Search(t.Context(), intel.SearchQuery{Text: tt.query, Kinds: tt.kinds})
		if err != nil {
			t.Errorf("search %q: %v", tt.query, err)
			continue
		}
		if len(hits) == 0 {
			t.Errorf("search %q: no hits", tt.query)
			continue
		}
		mustDiff(t, "first hit for "+tt.query, tt.want, first{hits[0].Kind, hits[0].Title})
		for i := 1; i < len(hits); i++ {
			if hits[i].Rank > hits[i-1].Rank {
				t.Errorf("search %q: hits not ordered by rank: %v", tt.query, hits)
			}
		}
		for _, h := range hits {
			if len(tt.kinds) > 0 && h.Kind != tt.kinds[0] {
				t.Errorf("search %q kinds %v returned a %s", tt.query, tt.kinds, h.Kind)
			}
		}
	}

	// Snippets mark the matched words with the highlight markers.
	hits, err := s.Search(t.Context(), intel.SearchQuery{Text: "ministries", Kinds: []string{"document"}})
	must(t, "search", err)
	if len(hits) != 1 || !strings.Contains(hits[0].Snippet, intel.HighlightStart+"ministries"+intel.HighlightEnd) {
		t.Errorf("snippet hits = %+v, want ministries highlighted", hits)
	}
	// The limit holds across kinds.
	hits, err = s.Search(t.Context(), intel.SearchQuery{Text: "described", Limit: 2})
	must(t, "search", err)
	if len(hits) != 2 {
		t.Errorf("limit 2 gave %d hits", len(hits))
	}
	// Pages by offset join up to the whole ranking, without repeats, and
	// the counts per kind add up to it.
	all, err := s.Search(t.Context(), intel.SearchQuery{Text: "described", Limit: 500})
	must(t, "search", err)
	var paged []intel.SearchHit
	for off := 0; off < len(all)+2; off += 2 {
		p, err := s.Search(t.Context(), intel.SearchQuery{Text: "described", Limit: 2, Offset: off})
		must(t, "search page", err)
		paged = append(paged, p...)
	}
	mustDiff(t, "pages by offset", all, paged)
	counts, err := s.SearchCounts(t.Context(), "described")
	must(t, "search counts", err)
	perKind := map[string]int{}
	for _, h := range all {
		perKind[h.Kind]++
	}
	mustDiff(t, "counts per kind", perKind, counts)
	if len(all) < 3 {
		t.Errorf("search described: %d hits, want several kinds' worth", len(all))
	}
	if _, err := s.Search(t.Context(), intel.SearchQuery{Text: "described", Offset: intel.MaxSearchOffset + 1}); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("offset past the bound: %v", err)
	}
	if _, err := s.SearchCounts(t.Context(), `' OR 1=1 -- NEAR( "`); err != nil {
		t.Errorf("hostile counts: %v", err)
	}
	// Nothing matches: no error, no hits.
	hits, err = s.Search(t.Context(), intel.SearchQuery{Text: "zzyzx"})
	must(t, "search", err)
	if len(hits) != 0 {
		t.Errorf("search zzyzx = %v", hits)
	}
}

func testSearchHostile(t *testing.T, open Opener) {
	s := open(t)
	MustImport(t, s, FixtureBundle())
	all, err := s.Counts(t.Context())
	must(t, "counts", err)
	total := all["group"] + all["technique"] + all["software"] + all["campaign"] + all["document"] + all["indicator"]
	for _, q := range []string{
		`' OR 1=1 --`, `"`, `*`, `NEAR(`, `)`, `APT28"`, `"APT28`, `APT28 OR *`, `a:b`, `-APT28`, `''; DROP TABLE objects; --`,
		`title:APT28`, `APT28 AND`, `(APT28`, `^APT28`, `{APT28}`, `\`, `%`, `_`, `NOT`, `!`, `&|`, "\x00", "<->", "apt28:*",
	} {
		hits, err := s.Search(t.Context(), intel.SearchQuery{Text: q})
		if err != nil {
			t.Errorf("search %q: %v", q, err)
			continue
		}
		if len(hits) >= total {
			t.Errorf("search %q matched everything (%d hits)", q, len(hits))
		}
	}
	// A stray quote cannot open an FTS phrase: `APT28"` still finds
	// APT28 first.
	hits, err := s.Search(t.Context(), intel.SearchQuery{Text: `APT28"`})
	must(t, "search", err)
	if len(hits) == 0 || hits[0].Title != "APT28" {
		t.Errorf(`search APT28" = %v, want APT28 first`, hits)
	}
	if _, err := s.FindObjectByName(t.Context(), intel.KindGroup, "APT28"); err != nil {
		t.Errorf("objects table damaged: %v", err)
	}
}
