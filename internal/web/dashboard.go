package web

// The dashboard and /api/v1/counts.

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"time"

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
	data := dashboardData{Counts: items}
	data.Overview, err = s.overviewOf(r.Context())
	if intel.ErrorCode(err) == intel.CodeNotFound {
		data.Missing = intel.ErrorMessage(err)
	} else if err != nil {
		s.error(w, r, err)
		return
	}
	if data.Sources, err = s.freshness(r.Context()); err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", data)
}

// dashboardData is the dashboard: counts, the charts' data (Missing says
// why there is none) and how fresh each source is.
type dashboardData struct {
	Counts   []countItem
	Overview *overview
	Missing  string
	Sources  []sourceFreshness
}

// sourceFreshness is a source with its last run.
type sourceFreshness struct {
	ID     int64
	Name   string
	Status string
	Last   time.Time // when the last run finished (or started, if running)
	Error  string
}

// freshness lists the sources, the least recently collected first.
func (s *Server) freshness(ctx context.Context) ([]sourceFreshness, error) {
	srcs, err := s.store.FindSources(ctx)
	if err != nil {
		return nil, err
	}
	runs, err := s.store.FindLatestRuns(ctx)
	if err != nil {
		return nil, err
	}
	var out []sourceFreshness
	for _, src := range srcs {
		f := sourceFreshness{ID: src.ID, Name: src.Name, Status: "never collected"}
		if run := runs[src.ID]; run != nil {
			f.Status, f.Error, f.Last = run.Status, run.Error, run.FinishedAt
			if f.Last.IsZero() {
				f.Last = run.StartedAt
			}
		}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b sourceFreshness) int { return a.Last.Compare(b.Last) })
	return out, nil
}
