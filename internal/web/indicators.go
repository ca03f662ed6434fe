package web

// Indicators: list, page, form, delete and /api/v1/indicators, with the
// provenance view both show.

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/export"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/reputation"
)

// indicatorStore reads and writes indicators with their provenance.
type indicatorStore interface {
	FindIndicatorByID(ctx context.Context, id int64) (*intel.Indicator, error)
	FindIndicators(ctx context.Context, f intel.IndicatorFilter) (intel.Page[*intel.Indicator], error)
	CountIndicators(ctx context.Context, f intel.IndicatorFilter) (int, error)
	FindSources(ctx context.Context) ([]*intel.Source, error)
	FindObjectByName(ctx context.Context, kind intel.ObjectKind, name string) (*intel.Object, error)
	CreateIndicator(ctx context.Context, i *intel.Indicator) error
	UpdateIndicator(ctx context.Context, id int64, u intel.IndicatorUpdate) (*intel.Indicator, error)
	DeleteIndicator(ctx context.Context, id int64) error
	FindIndicatorSources(ctx context.Context, id int64) ([]intel.Provenance, error)
	FindSightings(ctx context.Context, indicatorID int64) ([]intel.Sighting, error)
	FindIndicatorRelations(ctx context.Context, objectID, indicatorID int64) ([]intel.IndicatorRelation, error)
}

// indicatorInput creates an indicator.
type indicatorInput struct {
	Type        intel.IndicatorType `json:"type"`
	Value       string              `json:"value"`
	Description string              `json:"description,omitempty"`
	Tags        []string            `json:"tags,omitempty"`
	FirstSeen   time.Time           `json:"first_seen,omitzero"`
	LastSeen    time.Time           `json:"last_seen,omitzero"`
	Confidence  *float64            `json:"confidence,omitempty"` // 1 when omitted
	TLP         intel.TLP           `json:"tlp,omitempty"`
}

func (s *Server) apiIndicatorList(w http.ResponseWriter, r *http.Request) {
	page, err := s.indicators(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

func (s *Server) indicators(r *http.Request) (intel.Page[*intel.Indicator], error) {
	f, err := s.indicatorFilter(r)
	if err != nil {
		return intel.Page[*intel.Indicator]{}, err
	}
	return s.store.FindIndicators(r.Context(), f)
}

// indicatorFilter reads the filters the list page and the API share: type,
// exact value or prefix, source, group (ID or name), minimum confidence,
// since (a time, a date or an age such as 30d) and the warninglist.
func (s *Server) indicatorFilter(r *http.Request) (intel.IndicatorFilter, error) {
	var f intel.IndicatorFilter
	var err error
	if f.Limit, err = queryLimit(r); err != nil {
		return f, err
	}
	q := r.URL.Query()
	f.Type, f.Value, f.Prefix, f.After = intel.IndicatorType(q.Get("type")), q.Get("value"), strings.TrimSpace(q.Get("prefix")), q.Get("after")
	f.Warninglisted, f.Sort = q.Get("warninglisted"), querySort(q)
	if f.SourceID, err = queryInt64(r, "source_id"); err != nil {
		return f, err
	}
	if f.GroupID, err = queryInt64(r, "group_id"); err != nil {
		return f, err
	}
	if name := strings.TrimSpace(q.Get("group")); name != "" && f.GroupID == 0 {
		g, err := s.store.FindObjectByName(r.Context(), intel.KindGroup, name)
		if err != nil {
			return f, err
		}
		f.GroupID = g.ID
	}
	if v := strings.TrimSpace(q.Get("min_confidence")); v != "" {
		if f.MinConfidence, err = strconv.ParseFloat(v, 64); err != nil {
			return f, intel.Errorf(intel.CodeInvalid, "min_confidence %q is not a number", v)
		}
	}
	if v := strings.TrimSpace(q.Get("since")); v != "" {
		if f.Since, err = export.ParseSince(v, time.Now()); err != nil {
			return f, err
		}
	}
	return f, f.Validate()
}

func (s *Server) apiIndicatorCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, func(ctx context.Context, in indicatorInput) (*intel.Indicator, error) {
		i := in.indicator()
		return i, s.createIndicator(ctx, i)
	})
}

func (in indicatorInput) indicator() *intel.Indicator {
	return &intel.Indicator{
		Type:        in.Type,
		Value:       strings.TrimSpace(in.Value),
		Description: in.Description,
		Tags:        cleanList(in.Tags),
		FirstSeen:   in.FirstSeen,
		LastSeen:    in.LastSeen,
		Confidence:  confidence(in.Confidence),
		TLP:         in.TLP,
	}
}

// createIndicator stores a new indicator in the canonical form the
// extractor gives its value, so that "hxxp://Evil[.]COM/x" typed in a
// form and http://evil.com/x found in a report are one indicator. A value
// that is not exactly one indicator of its type is refused. A value on a
// warninglist or in a special range is kept, and flagged.
func (s *Server) createIndicator(ctx context.Context, i *intel.Indicator) error {
	if err := i.Validate(); err != nil {
		return err
	}
	m, err := canonicalIndicator(s.checker(), i.Type, i.Value)
	if err != nil {
		return err
	}
	i.Value = m.Value
	if i.Warninglist == "" {
		i.Warninglist = m.Label()
	}
	return s.store.CreateIndicator(ctx, i)
}

func (s *Server) apiIndicatorGet(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, s.indicatorView)
}

func (s *Server) indicator(r *http.Request) (*intel.Indicator, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.store.FindIndicatorByID(r.Context(), id)
}

func (s *Server) apiIndicatorUpdate(w http.ResponseWriter, r *http.Request) {
	withIDBody(s, w, r, http.StatusOK, s.updateIndicator)
}

func (s *Server) updateIndicator(ctx context.Context, id int64, u intel.IndicatorUpdate) (*intel.Indicator, error) {
	if u.Confidence != nil && (*u.Confidence < 0 || *u.Confidence > 1) {
		return nil, intel.Errorf(intel.CodeInvalid, "confidence %v is outside 0..1", *u.Confidence)
	}
	if u.TLP != nil && !u.TLP.Valid() {
		return nil, intel.Errorf(intel.CodeInvalid, "unknown TLP marking %q", *u.TLP)
	}
	if u.Tags != nil {
		tags := cleanList(*u.Tags)
		u.Tags = &tags
	}
	return s.store.UpdateIndicator(ctx, id, u)
}

func (s *Server) apiIndicatorDelete(w http.ResponseWriter, r *http.Request) {
	deleteByID(s, w, r, s.store.DeleteIndicator)
}

// indicatorListData is the list page: the filters as typed, the choices
// of the selects, one page and the count over all pages.
type indicatorListData struct {
	Q       url.Values
	Types   []intel.IndicatorType
	Sources []*intel.Source
	Items   []*intel.Indicator
	Total   int
	Next    string
	First   string // the first page's URL when this is a later one
	// OrderText says how the list is ordered ("newest first").
	OrderText string
}

func (s *Server) indicatorListPage(w http.ResponseWriter, r *http.Request) {
	f, err := s.indicatorFilter(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	page, err := s.store.FindIndicators(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := indicatorListData{Q: r.URL.Query(), Types: intel.IndicatorTypes, Items: page.Items, Next: nextURL(r, page.Next),
		OrderText: orderText(f.Sort, intel.IndicatorSorts, "newest first")}
	if data.Total, err = s.store.CountIndicators(r.Context(), f); err != nil {
		s.error(w, r, err)
		return
	}
	if data.Sources, err = s.store.FindSources(r.Context()); err != nil {
		s.error(w, r, err)
		return
	}
	if f.After != "" {
		q := r.URL.Query()
		q.Del("after")
		data.First = r.URL.Path + "?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "indicators", data)
}

func (s *Server) indicatorPage(w http.ResponseWriter, r *http.Request) {
	renderByID(s, w, r, "indicator", s.indicatorView)
}

type indicatorFormData struct {
	formMessage
	ID         int64
	Type       string
	Value      string
	Desc       string
	Tags       string
	Confidence string
	TLP        string
	Types      []intel.IndicatorType
	TLPs       []intel.TLP
}

func (s *Server) indicatorForm(w http.ResponseWriter, r *http.Request) {
	data := &indicatorFormData{Types: intel.IndicatorTypes, TLPs: tlps(), TLP: string(intel.TLPClear), Confidence: "1"}
	if r.PathValue("id") != "" {
		i, err := s.indicator(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		data.ID, data.Type, data.Value, data.Desc, data.TLP = i.ID, string(i.Type), i.Value, i.Description, string(i.TLP)
		data.Tags = strings.Join(i.Tags, ", ")
		data.Confidence = strconv.FormatFloat(i.Confidence, 'f', -1, 64)
	}
	s.render(w, r, http.StatusOK, "indicator_form", data)
}

func (s *Server) indicatorSave(w http.ResponseWriter, r *http.Request) {
	saveForm(s, w, r, "indicator_form", "/indicators", func(f url.Values) *indicatorFormData {
		return &indicatorFormData{Types: intel.IndicatorTypes, TLPs: tlps(), Type: f.Get("type"), Value: f.Get("value"),
			Desc: f.Get("description"), Tags: f.Get("tags"), Confidence: f.Get("confidence"), TLP: f.Get("tlp")}
	}, func(ctx context.Context, id int64, data *indicatorFormData) (int64, error) {
		data.ID = id
		tlp, err := intel.ParseTLP(data.TLP)
		if err != nil {
			return 0, err
		}
		conf := 1.0
		if c := strings.TrimSpace(data.Confidence); c != "" {
			if conf, err = strconv.ParseFloat(c, 64); err != nil || conf < 0 || conf > 1 {
				return 0, intel.Errorf(intel.CodeInvalid, "confidence must be a number from 0 to 1")
			}
		}
		tags := splitList(data.Tags)
		if id == 0 {
			i := indicatorInput{Type: intel.IndicatorType(data.Type), Value: data.Value, Description: data.Desc,
				Tags: tags, Confidence: &conf, TLP: tlp}.indicator()
			err := s.createIndicator(ctx, i)
			return i.ID, err
		}
		// An indicator's type and value are its identity: the form edits the rest.
		cur, err := s.store.FindIndicatorByID(ctx, id)
		if err != nil {
			return 0, err
		}
		data.Type, data.Value = string(cur.Type), cur.Value
		_, err = s.updateIndicator(ctx, id, intel.IndicatorUpdate{
			Description: &data.Desc, Tags: &tags, Confidence: &conf, TLP: &tlp})
		return id, err
	})
}

func (s *Server) indicatorDelete(w http.ResponseWriter, r *http.Request) {
	s.deleteThenList(w, r, s.store.DeleteIndicator, "/indicators")
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
	// Reputation is a domain's, rated when asked for.
	Reputation *reputation.Result `json:"reputation,omitempty"`
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
	if i.Type == intel.IndicatorDomain {
		v.Reputation = s.domainReputation(ctx, []string{i.Value})[i.Value]
	}
	return v, nil
}
