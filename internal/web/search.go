package web

// Full-text search: the page and /api/v1/search run the same query.

import (
	"context"
	"net/http"
	"strings"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/reputation"
)

// searchStore runs full-text search.
type searchStore interface {
	Search(ctx context.Context, q intel.SearchQuery) ([]intel.SearchHit, error)
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	hits, err := s.search(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(intel.Page[intel.SearchHit]{Items: hits}))
}

// search runs the q, kind and limit of the request. Blank text finds
// nothing rather than everything.
func (s *Server) search(r *http.Request) ([]intel.SearchHit, error) {
	q := r.URL.Query()
	limit, err := queryLimit(r)
	if err != nil {
		return nil, err
	}
	var kinds []string
	for _, v := range q["kind"] {
		for k := range strings.SplitSeq(v, ",") {
			k = strings.TrimSpace(k)
			if k == "" {
				continue
			}
			if k != "document" && k != "indicator" && !intel.ObjectKind(k).Valid() {
				return nil, intel.Errorf(intel.CodeInvalid, "unknown kind %q", k)
			}
			kinds = append(kinds, k)
		}
	}
	text := strings.TrimSpace(q.Get("q"))
	if text == "" {
		return nil, nil
	}
	return s.store.Search(r.Context(), intel.SearchQuery{Text: text, Kinds: kinds, Limit: limit})
}

type searchData struct {
	Query string
	Kind  string
	Kinds []string
	Hits  []intel.SearchHit
	Error string
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
	hits, err := s.search(r)
	status := http.StatusOK
	if err != nil {
		if intel.ErrorCode(err) != intel.CodeInvalid {
			s.error(w, r, err)
			return
		}
		status, data.Error = http.StatusBadRequest, intel.ErrorMessage(err)
	}
	data.Hits = hits
	var domains []string
	for _, h := range hits {
		if h.Kind == "indicator" && h.ExternalID == string(intel.IndicatorDomain) {
			domains = append(domains, h.Title)
		}
	}
	data.Reputation = s.domainReputation(r.Context(), domains)
	s.render(w, r, status, "search", data)
}
