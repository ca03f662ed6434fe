package web

// The dashboard and /api/v1/counts.

import (
	"context"
	"maps"
	"net/http"

	"github.com/spoor/spoor/internal/intel"
)

// countStore counts what the base holds.
type countStore interface {
	Counts(ctx context.Context) (intel.Counts, error)
}

func (s *Server) apiCounts(w http.ResponseWriter, r *http.Request) {
	c, err := s.counts(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// counts is what the dashboard and /api/v1/counts show: the base's counts
// with the event counts beside them.
func (s *Server) counts(ctx context.Context) (intel.Counts, error) {
	c, err := s.store.Counts(ctx)
	if err != nil {
		return nil, err
	}
	ec, err := s.store.EventCounts(ctx)
	if err != nil {
		return nil, err
	}
	maps.Copy(c, ec)
	return c, nil
}

type countItem struct {
	Label string
	N     int
	Href  string
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	c, err := s.counts(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	items := []countItem{
		{"Groups", c["group"], "/groups"},
		{"Techniques", c["technique"], "/techniques"},
		{"Software", c["software"], "/software"},
		{"Campaigns", c["campaign"], "/campaigns"},
		{"Documents", c["document"], "/documents"},
		{"Indicators", c["indicator"], "/indicators"},
		{"Events", c["event"], "/events"},
		{"Attributed events", c["event_attributed"], "/events"},
		{"Sources", c["source"], "/sources"},
		{"Users", c["user"], ""},
	}
	s.render(w, r, http.StatusOK, "dashboard", items)
}
