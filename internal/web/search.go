package web

// Full-text search: the page and /api/v1/search run the same query.

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/reputation"
)

// searchStore runs full-text search.
type searchStore interface {
	Search(ctx context.Context, q intel.SearchQuery) ([]intel.SearchHit, error)
	SearchCounts(ctx context.Context, text string) (map[string]int, error)
}

// ratedHit is a search hit as the API gives it: a domain indicator's hit
// carries its reputation, as the search page shows it beside the hit.
type ratedHit struct {
	intel.SearchHit
	Reputation *reputation.Result `json:"reputation,omitempty"`
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	hits, err := s.search(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	rep := s.hitReputation(r.Context(), hits)
	items := make([]ratedHit, len(hits))
	for i, h := range hits {
		items[i] = ratedHit{SearchHit: h, Reputation: rep[hitDomain(h)]}
	}
	writeJSON(w, http.StatusOK, intel.Page[ratedHit]{Items: items})
}

// search runs the q, kind, limit and offset of the request. Blank text
// finds nothing rather than everything.
func (s *Server) search(r *http.Request) ([]intel.SearchHit, error) {
	q, err := searchQuery(r)
	if err != nil || q.Text == "" {
		return nil, err
	}
	return s.store.Search(r.Context(), q)
}

// hitDomain is the domain a hit is, "" for any other hit.
func hitDomain(h intel.SearchHit) string {
	if h.Kind == "indicator" && h.ExternalID == string(intel.IndicatorDomain) {
		return h.Title
	}
	return ""
}

// hitReputation rates the domain indicators among the hits, by value, for
// the page and the API alike.
func (s *Server) hitReputation(ctx context.Context, hits []intel.SearchHit) map[string]*reputation.Result {
	var domains []string
	for _, h := range hits {
		if d := hitDomain(h); d != "" {
			domains = append(domains, d)
		}
	}
	return s.domainReputation(ctx, domains)
}

// searchQuery reads the request's search.
func searchQuery(r *http.Request) (intel.SearchQuery, error) {
	q := r.URL.Query()
	limit, err := queryLimit(r)
	if err != nil {
		return intel.SearchQuery{}, err
	}
	offset := 0
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 || offset > intel.MaxSearchOffset {
			return intel.SearchQuery{}, intel.Errorf(intel.CodeInvalid, "offset must be a number from 0 to %d", intel.MaxSearchOffset)
		}
	}
	var kinds []string
	for _, v := range q["kind"] {
		for k := range strings.SplitSeq(v, ",") {
			k = strings.TrimSpace(k)
			if k == "" {
				continue
			}
			if k != "document" && k != "indicator" && !intel.ObjectKind(k).Valid() {
				return intel.SearchQuery{}, intel.Errorf(intel.CodeInvalid, "unknown kind %q", k)
			}
			kinds = append(kinds, k)
		}
	}
	return intel.SearchQuery{Text: strings.TrimSpace(q.Get("q")), Kinds: kinds, Limit: limit, Offset: offset}, nil
}

// searchFacet is one kind of hit with its count, linked to the search
// limited to it.
type searchFacet struct {
	Kind  string
	Count int
	URL   string
}

type searchData struct {
	Query  string
	Kind   string
	Kinds  []string
	Hits   []intel.SearchHit
	Error  string
	Facets []searchFacet
	// Total counts the hits of the kind shown (every kind when none);
	// From is the rank of the first hit on this page; Prev and Next the
	// neighbouring pages.
	Total, From int
	Prev, Next  string
	// Reputation is the rating of the domain indicators among the hits,
	// by value.
	Reputation map[string]*reputation.Result
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	data := searchData{
		Query: r.URL.Query().Get("q"),
		Kind:  r.URL.Query().Get("kind"),
		Kinds: []string{"group", "technique", "software", "campaign", "document", "indicator"},
	}
	// One reading of the query serves the hits and the facets.
	q, err := searchQuery(r)
	var hits []intel.SearchHit
	if err == nil && q.Text != "" {
		hits, err = s.store.Search(r.Context(), q)
	}
	status := http.StatusOK
	if err != nil {
		if intel.ErrorCode(err) != intel.CodeInvalid {
			s.error(w, r, err)
			return
		}
		status, data.Error = http.StatusBadRequest, intel.ErrorMessage(err)
	}
	data.Hits = hits
	data.Reputation = s.hitReputation(r.Context(), hits)
	if err == nil && q.Text != "" {
		if err := s.searchFacets(r, q, &data); err != nil {
			s.error(w, r, err)
			return
		}
	}
	s.render(w, r, status, "search", data)
}

// searchFacets counts the hits per kind over every page and links the
// page's neighbours.
func (s *Server) searchFacets(r *http.Request, q intel.SearchQuery, data *searchData) error {
	counts, err := s.store.SearchCounts(r.Context(), q.Text)
	if err != nil {
		return err
	}
	for _, k := range data.Kinds {
		if counts[k] == 0 {
			continue
		}
		u := r.URL.Query()
		u.Set("kind", k)
		u.Del("offset")
		data.Facets = append(data.Facets, searchFacet{Kind: k, Count: counts[k], URL: "/search?" + u.Encode()})
		if len(q.Kinds) == 0 || slices.Contains(q.Kinds, k) {
			data.Total += counts[k]
		}
	}
	limit := q.Limit
	data.From = q.Offset + 1
	page := func(offset int) string {
		u := r.URL.Query()
		u.Set("offset", strconv.Itoa(offset))
		return "/search?" + u.Encode()
	}
	if q.Offset > 0 {
		data.Prev = page(max(0, q.Offset-limit))
	}
	if next := q.Offset + limit; len(data.Hits) == limit && next < data.Total && next <= intel.MaxSearchOffset {
		data.Next = page(next)
	}
	return nil
}
