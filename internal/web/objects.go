package web

// Knowledge-base objects of every kind (groups, techniques, software,
// campaigns): lists, pages and /api/v1/{kind}, and the name lookups other
// pages use to link objects.

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/spoor/spoor/internal/geo"
	"github.com/spoor/spoor/internal/intel"
)

// objectStore reads and writes knowledge-base objects of every kind.
type objectStore interface {
	FindObjectByID(ctx context.Context, id int64) (*intel.Object, error)
	FindObjectsByIDs(ctx context.Context, ids []int64) (map[int64]*intel.Object, error)
	FindObjects(ctx context.Context, f intel.ObjectFilter) (intel.Page[*intel.Object], error)
	FindAllObjects(ctx context.Context, kind intel.ObjectKind) ([]*intel.Object, error)
	CreateObject(ctx context.Context, o *intel.Object) error
	UpdateObject(ctx context.Context, id int64, u intel.ObjectUpdate) (*intel.Object, error)
	DeleteObject(ctx context.Context, id int64) error
	FindProfile(ctx context.Context, id int64) (*intel.Profile, error)
	FindTechniqueTimeline(ctx context.Context, technique string) ([]intel.TechniqueUse, error)
	FindObjectByName(ctx context.Context, kind intel.ObjectKind, name string) (*intel.Object, error)
	FindSources(ctx context.Context) ([]*intel.Source, error)
}

// findObject returns the object id if it is of the kind, else CodeNotFound,
// so that /groups/{id} never shows or changes a technique.
func (s *Server) findObject(ctx context.Context, kind intel.ObjectKind, id int64) (*intel.Object, error) {
	o, err := s.store.FindObjectByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.Kind != kind {
		return nil, intel.Errorf(intel.CodeNotFound, "no %s %d", kind, id)
	}
	return o, nil
}

func (s *Server) apiObjectList(kind intel.ObjectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		limit, err := queryLimit(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		f, err := objectFilter(r, kind)
		if err != nil {
			s.error(w, r, err)
			return
		}
		f.Limit = limit
		page, err := s.store.FindObjects(r.Context(), f)
		if err != nil {
			s.error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, nonNil(page))
	}
}

func (s *Server) apiObjectGet(kind intel.ObjectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) (*intel.Profile, error) {
			return s.profileOf(ctx, kind, id)
		})
	}
}

// profileOf loads the profile of object id, which must be of kind.
func (s *Server) profileOf(ctx context.Context, kind intel.ObjectKind, id int64) (*intel.Profile, error) {
	p, err := s.store.FindProfile(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Object.Kind != kind {
		return nil, intel.Errorf(intel.CodeNotFound, "no %s %d", kind, id)
	}
	return p, nil
}

func (s *Server) createObject(ctx context.Context, o *intel.Object) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return s.store.CreateObject(ctx, o)
}

func (s *Server) updateObject(ctx context.Context, kind intel.ObjectKind, id int64, u intel.ObjectUpdate) (*intel.Object, error) {
	if _, err := s.findObject(ctx, kind, id); err != nil {
		return nil, err
	}
	if u.Name != nil && strings.TrimSpace(*u.Name) == "" {
		return nil, intel.Errorf(intel.CodeInvalid, "%s name is required", kind)
	}
	if u.TLP != nil && !u.TLP.Valid() {
		return nil, intel.Errorf(intel.CodeInvalid, "unknown TLP marking %q", *u.TLP)
	}
	return s.store.UpdateObject(ctx, id, u)
}

func (s *Server) deleteObject(r *http.Request, kind intel.ObjectKind) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.findObject(r.Context(), kind, id); err != nil {
		return err
	}
	return s.store.DeleteObject(r.Context(), id)
}

// objectFilter reads a list's filters: the name prefix for every kind,
// and for groups the country (code or name), sector (key or any of its
// names), motivation and source.
func objectFilter(r *http.Request, kind intel.ObjectKind) (intel.ObjectFilter, error) {
	q := r.URL.Query()
	f := intel.ObjectFilter{Kind: kind, NamePrefix: q.Get("prefix"), Sort: querySort(q), After: q.Get("after"), Limit: defaultLimit}
	if kind != intel.KindGroup {
		return f, nil
	}
	if v := strings.TrimSpace(q.Get("country")); v != "" {
		c, ok := geo.Find(v)
		if !ok {
			return f, intel.Errorf(intel.CodeInvalid, "country %q is not a country name or ISO 3166 code", v)
		}
		f.Country = c.Code
	}
	if v := strings.TrimSpace(q.Get("sector")); v != "" {
		if f.Sector = intel.FindSector(v); f.Sector == "" {
			return f, intel.Errorf(intel.CodeInvalid, "sector %q is not in the sector vocabulary", v)
		}
	}
	f.Motivation = strings.TrimSpace(q.Get("motivation"))
	var err error
	if f.SourceID, err = queryInt64(r, "source_id"); err != nil {
		return f, err
	}
	return f, nil
}

type objectListData struct {
	Seg    string
	Prefix string
	Q      url.Values
	Sector string // the sector filter's key
	// Sectors and Sources are the choices of the groups' filters.
	Sectors []intel.Sector
	Sources []*intel.Source
	Items   []*intel.Object
	Next    string // URL of the next page, "" on the last
}

func (s *Server) objectListPage(kind intel.ObjectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := objectFilter(r, kind)
		if err != nil {
			s.error(w, r, err)
			return
		}
		page, err := s.store.FindObjects(r.Context(), f)
		if err != nil {
			s.error(w, r, err)
			return
		}
		data := objectListData{Seg: kindPath(string(kind)), Prefix: f.NamePrefix, Q: r.URL.Query(), Sector: f.Sector, Items: page.Items, Next: nextURL(r, page.Next)}
		if kind == intel.KindGroup {
			data.Sectors = intel.Sectors
			if data.Sources, err = s.store.FindSources(r.Context()); err != nil {
				s.error(w, r, err)
				return
			}
		}
		s.render(w, r, http.StatusOK, "objects", data)
	}
}

type objectData struct {
	*intel.Profile
	Seg string
	// Group and Forms are set on group pages only: the group's
	// provenance, and the merge and split forms shown again after a
	// mistake.
	Group *groupView
	Forms groupForms
	// Analysis is the group's fingerprint; AnalysisMissing says why there
	// is none.
	Analysis        *groupAnalysis
	AnalysisMissing string
	// Timeline is set on technique pages: the groups whose events hold
	// the technique, and when.
	Timeline []intel.TechniqueUse
}

func (s *Server) objectPage(kind intel.ObjectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if kind == intel.KindGroup {
			id, err := pathID(r)
			if err != nil {
				s.error(w, r, err)
				return
			}
			s.renderGroup(w, r, http.StatusOK, id, groupForms{})
			return
		}
		renderByID(s, w, r, "object", func(ctx context.Context, id int64) (objectData, error) {
			p, err := s.profileOf(ctx, kind, id)
			if err != nil {
				return objectData{}, err
			}
			data := objectData{Profile: p, Seg: kindPath(string(kind))}
			if kind == intel.KindTechnique && p.Object.ExternalID != "" {
				data.Timeline, err = s.store.FindTechniqueTimeline(ctx, p.Object.ExternalID)
			}
			return data, err
		})
	}
}

// maxObjectLookups bounds the objects one page resolves by ID to name its
// links (a few batched queries): a report naming more is rare, and the
// rest still show their IDs.
const maxObjectLookups = 1000

// objectName is what a page needs to link an object: its kind, name and
// ATT&CK ID. Zero when the object is gone or was not looked up.
type objectName struct {
	ObjectKind intel.ObjectKind `json:"object_kind,omitempty"`
	ObjectName string           `json:"object_name,omitempty"`
	ExternalID string           `json:"external_id,omitempty"`
}

// Seg is the URL segment of the object's kind, "" when unknown.
func (n objectName) Seg() string { return kindPath(string(n.ObjectKind)) }

// objectNames looks up the objects of ids (at most maxObjectLookups of
// them, in one store call); ID 0 (linked to nothing) and objects deleted
// since name nothing.
func (s *Server) objectNames(ctx context.Context, ids []int64) (map[int64]objectName, error) {
	want := make([]int64, 0, min(len(ids), maxObjectLookups))
	seen := map[int64]bool{}
	for _, id := range ids {
		if id == 0 || seen[id] {
			continue
		}
		if len(want) >= maxObjectLookups {
			break
		}
		seen[id] = true
		want = append(want, id)
	}
	objs, err := s.store.FindObjectsByIDs(ctx, want)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]objectName, len(objs))
	for id, o := range objs {
		out[id] = objectName{ObjectKind: o.Kind, ObjectName: o.Name, ExternalID: o.ExternalID}
	}
	return out, nil
}

// apiTechniqueTimeline is GET /api/v1/techniques/{id}/timeline.
func (s *Server) apiTechniqueTimeline(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) ([]intel.TechniqueUse, error) {
		o, err := s.findObject(ctx, intel.KindTechnique, id)
		if err != nil {
			return nil, err
		}
		if o.ExternalID == "" {
			return []intel.TechniqueUse{}, nil
		}
		uses, err := s.store.FindTechniqueTimeline(ctx, o.ExternalID)
		return orEmpty(uses), err
	})
}
