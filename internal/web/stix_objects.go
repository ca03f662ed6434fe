package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/spoor/spoor/internal/intel"
)

// The STIX objects an import kept whole, as JSON: a list by type, value,
// reference or flag, and one object with its kept relationships and the
// reports that cover it (the same store calls as spoor stix).

type stixObjectStore interface {
	FindSTIXObjects(ctx context.Context, f intel.STIXObjectFilter) (intel.Page[*intel.STIXObject], error)
	FindSTIXObject(ctx context.Context, stixID string) (*intel.STIXObjectView, error)
	STIXObjectTypes(ctx context.Context) ([]intel.STIXTypeCount, error)
	FindBySTIXID(ctx context.Context, stixID string) (intel.STIXRef, error)
}

// stixObjectFilter reads the list's filters, the same for the page and
// the API.
func stixObjectFilter(r *http.Request) (intel.STIXObjectFilter, error) {
	limit, err := queryLimit(r)
	if err != nil {
		return intel.STIXObjectFilter{}, err
	}
	q := r.URL.Query()
	return intel.STIXObjectFilter{Type: q.Get("type"), Value: q.Get("value"), Ref: q.Get("ref"),
		Flagged: q.Get("flagged") == "true", After: q.Get("after"), Limit: limit}, nil
}

func (s *Server) apiSTIXObjectList(w http.ResponseWriter, r *http.Request) {
	f, err := stixObjectFilter(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	page, err := s.store.FindSTIXObjects(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

// stixObjectsData is the list page: the filters, the type facets, a page.
type stixObjectsData struct {
	Filter intel.STIXObjectFilter
	Types  []intel.STIXTypeCount
	Items  []*intel.STIXObject
	Next   string
}

func (s *Server) stixObjectsPage(w http.ResponseWriter, r *http.Request) {
	f, err := stixObjectFilter(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := stixObjectsData{Filter: f}
	if data.Types, err = s.store.STIXObjectTypes(r.Context()); err != nil {
		s.error(w, r, err)
		return
	}
	page, err := s.store.FindSTIXObjects(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data.Items, data.Next = page.Items, nextURL(r, page.Next)
	s.render(w, r, http.StatusOK, "stix_objects", data)
}

// stixObjectData is one kept object's page: the view, and its JSON
// indented for reading (the stored bytes stay as the source wrote them).
type stixObjectData struct {
	*intel.STIXObjectView
	Pretty string
	// Description and Refs are the object's own, when it has them, for
	// the Markdown rendering every description gets.
	Description string
	Refs        []intel.ExternalRef
}

func (s *Server) stixObjectPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("stix_id")
	v, err := s.store.FindSTIXObject(r.Context(), id)
	if intel.ErrorCode(err) == intel.CodeNotFound {
		// A relationship's end is often an object spoor models (a group,
		// an indicator): its page is the object's own.
		ref, rerr := s.store.FindBySTIXID(r.Context(), id)
		switch {
		case rerr == nil && ref.ObjectID != 0:
			http.Redirect(w, r, fmt.Sprintf("/%s/%d", kindPath(string(ref.Kind)), ref.ObjectID), http.StatusFound)
			return
		case rerr == nil && ref.IndicatorID != 0:
			http.Redirect(w, r, fmt.Sprintf("/indicators/%d", ref.IndicatorID), http.StatusFound)
			return
		case intel.ErrorCode(rerr) != intel.CodeNotFound:
			err = rerr
		}
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := stixObjectData{STIXObjectView: v, Pretty: string(v.Object.Raw)}
	var b bytes.Buffer
	if json.Indent(&b, v.Object.Raw, "", "  ") == nil {
		data.Pretty = b.String()
	}
	var own struct {
		Description string              `json:"description"`
		Refs        []intel.ExternalRef `json:"external_references"`
	}
	if json.Unmarshal(v.Object.Raw, &own) == nil {
		data.Description, data.Refs = own.Description, own.Refs
	}
	s.render(w, r, http.StatusOK, "stix_object", data)
}

func (s *Server) apiSTIXObjectGet(w http.ResponseWriter, r *http.Request) {
	v, err := s.store.FindSTIXObject(r.Context(), r.PathValue("stix_id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
