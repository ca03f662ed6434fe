package web

import (
	"context"

	"github.com/spoor/spoor/internal/geo"
	"github.com/spoor/spoor/internal/intel"
)

// Provenance of indicators and documents, as their pages and their JSON
// show it.

// maxObjectLookups bounds the objects one page resolves by ID to name its
// links: a report naming more is rare, and the rest still show their IDs.
const maxObjectLookups = 200

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
// them); objects deleted since are left out.
func (s *Server) objectNames(ctx context.Context, ids []int64) (map[int64]objectName, error) {
	out := map[int64]objectName{}
	for _, id := range ids {
		if _, ok := out[id]; ok {
			continue
		}
		if len(out) >= maxObjectLookups {
			break
		}
		o, err := s.store.FindObjectByID(ctx, id)
		if intel.ErrorCode(err) == intel.CodeNotFound {
			out[id] = objectName{}
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = objectName{ObjectKind: o.Kind, ObjectName: o.Name, ExternalID: o.ExternalID}
	}
	return out, nil
}

// indicatorView is an indicator with every source that reported it, its
// sightings and the objects it is linked to.
type indicatorView struct {
	*intel.Indicator
	Sources   []intel.Provenance `json:"sources"`
	Sightings []intel.Sighting   `json:"sightings"`
	Related   []relatedObject    `json:"related"`
	// Events are the newest events that hold the indicator.
	Events []eventRow `json:"events"`
}

// relatedObject is a link between the indicator and an object (an
// indicator "indicates" malware, a group "uses" infrastructure).
type relatedObject struct {
	intel.IndicatorRelation
	objectName
}

func (s *Server) indicatorView(ctx context.Context, id int64) (*indicatorView, error) {
	i, err := s.store.FindIndicatorByID(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &indicatorView{Indicator: i}
	if v.Sources, err = s.store.FindIndicatorSources(ctx, id); err != nil {
		return nil, err
	}
	if v.Sightings, err = s.store.FindSightings(ctx, id); err != nil {
		return nil, err
	}
	rels, err := s.store.FindIndicatorRelations(ctx, 0, id)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(rels))
	for _, rel := range rels {
		ids = append(ids, rel.ObjectID)
	}
	names, err := s.objectNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, rel := range rels {
		v.Related = append(v.Related, relatedObject{IndicatorRelation: rel, objectName: names[rel.ObjectID]})
	}
	events, err := s.store.FindEvents(ctx, intel.EventFilter{IndicatorID: id, Limit: 20})
	if err != nil {
		return nil, err
	}
	if v.Events, err = s.eventRows(ctx, events.Items); err != nil {
		return nil, err
	}
	v.Sources, v.Sightings, v.Related = orEmpty(v.Sources), orEmpty(v.Sightings), orEmpty(v.Related)
	v.Events = orEmpty(v.Events)
	return v, nil
}

// documentView is a document with the objects, countries and sectors its
// text names and the indicators found in it.
type documentView struct {
	*intel.Document
	Mentions   []mentionedObject       `json:"mentions"`
	Countries  []namedTerm             `json:"countries"`
	Sectors    []namedTerm             `json:"sectors"`
	Indicators []intel.ReportIndicator `json:"indicators"`
}

// namedTerm is a country or sector a document names, with the display
// name of its key ("Ukraine" for UA) beside the name as written.
type namedTerm struct {
	intel.TermMention
	Label string `json:"label"`
}

// mentionedObject is an object a document names, with the name as the
// document wrote it (Name) and the object's own (ObjectName).
type mentionedObject struct {
	intel.Mention
	objectName
}

func (s *Server) documentView(ctx context.Context, id int64) (*documentView, error) {
	d, err := s.store.FindDocumentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &documentView{Document: d}
	ms, err := s.store.FindDocumentMentions(ctx, id)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.ObjectID)
	}
	names, err := s.objectNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		v.Mentions = append(v.Mentions, mentionedObject{Mention: m, objectName: names[m.ObjectID]})
	}
	terms, err := s.store.FindDocumentTerms(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, t := range terms {
		if t.Kind == intel.EntryCountry {
			v.Countries = append(v.Countries, namedTerm{TermMention: t, Label: geo.Name(t.Key)})
		} else {
			v.Sectors = append(v.Sectors, namedTerm{TermMention: t, Label: t.Key})
		}
	}
	if v.Indicators, err = s.store.FindDocumentIndicators(ctx, id); err != nil {
		return nil, err
	}
	v.Mentions, v.Indicators = orEmpty(v.Mentions), orEmpty(v.Indicators)
	v.Countries, v.Sectors = orEmpty(v.Countries), orEmpty(v.Sectors)
	return v, nil
}
