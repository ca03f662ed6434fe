package web

import (
	"context"
	"net/http"

	"github.com/spoor/spoor/internal/intel"
)

// The STIX objects an import kept whole, as JSON: a list by type, value,
// reference or flag, and one object with its kept relationships and the
// reports that cover it (the same store calls as spoor stix).

type stixObjectStore interface {
	FindSTIXObjects(ctx context.Context, f intel.STIXObjectFilter) (intel.Page[*intel.STIXObject], error)
	FindSTIXObject(ctx context.Context, stixID string) (*intel.STIXObjectView, error)
}

func (s *Server) apiSTIXObjectList(w http.ResponseWriter, r *http.Request) {
	limit, err := queryLimit(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	q := r.URL.Query()
	page, err := s.store.FindSTIXObjects(r.Context(), intel.STIXObjectFilter{Type: q.Get("type"), Value: q.Get("value"),
		Ref: q.Get("ref"), Flagged: q.Get("flagged") == "true", After: q.Get("after"), Limit: limit})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

func (s *Server) apiSTIXObjectGet(w http.ResponseWriter, r *http.Request) {
	v, err := s.store.FindSTIXObject(r.Context(), r.PathValue("stix_id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
