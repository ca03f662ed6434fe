package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/export"
	"github.com/spoor/spoor/internal/geo"
	"github.com/spoor/spoor/internal/intel"
)

// eventStore reads events.
type eventStore interface {
	FindEvents(ctx context.Context, f intel.EventFilter) (intel.Page[*intel.Event], error)
	FindEventByID(ctx context.Context, id int64) (*intel.Event, error)
	EventCounts(ctx context.Context) (intel.Counts, error)
	CreateEvent(ctx context.Context, e *intel.Event) error
	FindObjectByName(ctx context.Context, kind intel.ObjectKind, name string) (*intel.Object, error)
	FindObjectByID(ctx context.Context, id int64) (*intel.Object, error)
}

// eventInput creates an event by hand: what an analyst knows of one
// intrusion. Times are activity timestamps (RFC 3339) for the time
// dimension; techniques are ATT&CK IDs; countries alpha-2 codes or names.
type eventInput struct {
	Title           string      `json:"title"`
	GroupID         int64       `json:"group_id,omitempty"`
	FirstSeen       time.Time   `json:"first_seen,omitzero"`
	LastSeen        time.Time   `json:"last_seen,omitzero"`
	Times           []time.Time `json:"times,omitempty"`
	Techniques      []string    `json:"techniques,omitempty"`
	Software        []string    `json:"software,omitempty"`
	Sectors         []string    `json:"sectors,omitempty"`
	Purpose         string      `json:"purpose,omitempty"`
	VictimCountries []string    `json:"victim_countries,omitempty"`
	Confidence      *float64    `json:"confidence,omitempty"` // 1 when omitted
	TLP             intel.TLP   `json:"tlp,omitempty"`
}

func (s *Server) apiEventCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, s.createEvent)
}

// createEvent records an event entered by hand (the API and the form) and
// has the fingerprints rebuilt, so that the group's analysis shows it.
func (s *Server) createEvent(ctx context.Context, in eventInput) (*intel.Event, error) {
	e := &intel.Event{Title: in.Title, GroupID: in.GroupID, FirstSeen: in.FirstSeen, LastSeen: in.LastSeen,
		Times: in.Times, Techniques: in.Techniques, Software: cleanList(in.Software), Sectors: cleanList(in.Sectors),
		Purpose: in.Purpose, VictimCountries: cleanList(in.VictimCountries), Confidence: confidence(in.Confidence), TLP: in.TLP}
	if err := s.store.CreateEvent(ctx, e); err != nil {
		return nil, err
	}
	s.refreshFingerprints()
	return e, nil
}

// eventFormData is the form of an event entered by hand, as typed.
type eventFormData struct {
	formMessage
	Title, Group, FirstSeen, LastSeen, Times, Techniques, Software string
	GroupName                                                      string // the group Group names by "#ID"
	Sectors, Purpose, Countries, Confidence, TLP                   string
	TLPs                                                           []intel.TLP
}

func (s *Server) eventForm(w http.ResponseWriter, r *http.Request) {
	// The attribution page links here to record an event it attributed:
	// the group and the facts come filled in.
	q := r.URL.Query()
	data := &eventFormData{TLPs: tlps(), TLP: string(intel.TLPAmber), Confidence: "0.8", Group: q.Get("group"), Title: q.Get("title"),
		Techniques: q.Get("techniques"), Software: q.Get("software"), Sectors: q.Get("sectors"), Countries: q.Get("countries"), Times: q.Get("times")}
	// A group given by ID is named beside the field, so that the analyst
	// sees whom the event will be attributed to.
	if strings.HasPrefix(data.Group, "#") {
		if g, err := findGroupNamed(r.Context(), s.store, data.Group); err == nil {
			data.GroupName = g.Name
		}
	}
	s.render(w, r, http.StatusOK, "event_form", data)
}

func (s *Server) eventSave(w http.ResponseWriter, r *http.Request) {
	saveForm(s, w, r, "event_form", "/events", func(f url.Values) *eventFormData {
		return &eventFormData{TLPs: tlps(), Title: f.Get("title"), Group: f.Get("group"), FirstSeen: f.Get("first_seen"),
			LastSeen: f.Get("last_seen"), Times: f.Get("times"), Techniques: f.Get("techniques"), Software: f.Get("software"),
			Sectors: f.Get("sectors"), Purpose: f.Get("purpose"), Countries: f.Get("countries"), Confidence: f.Get("confidence"), TLP: f.Get("tlp")}
	}, func(ctx context.Context, _ int64, d *eventFormData) (int64, error) {
		in, err := d.input(ctx, s.store)
		if err != nil {
			return 0, err
		}
		e, err := s.createEvent(ctx, in)
		if err != nil {
			return 0, err
		}
		return e.ID, nil
	})
}

// findGroupNamed finds a group by name or alias, or by "#ID" (names are
// not unique: the attribution page links its candidates by ID).
func findGroupNamed(ctx context.Context, st eventStore, name string) (*intel.Object, error) {
	if rest, ok := strings.CutPrefix(name, "#"); ok {
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil {
			g, err := st.FindObjectByID(ctx, id)
			if err == nil && g.Kind != intel.KindGroup {
				return nil, intel.Errorf(intel.CodeNotFound, "%s is a %s, not a group", name, g.Kind)
			}
			return g, err
		}
	}
	return st.FindObjectByName(ctx, intel.KindGroup, name)
}

// input reads the typed form as the API's input: the group by name or
// alias, dates and activity times in any form the time dimension reads
// (one per line), lists separated by commas or lines.
func (d *eventFormData) input(ctx context.Context, st eventStore) (eventInput, error) {
	in := eventInput{Title: d.Title, Techniques: splitList(strings.ToUpper(d.Techniques)), Software: splitList(d.Software),
		Sectors: splitList(d.Sectors), Purpose: strings.TrimSpace(d.Purpose), VictimCountries: splitList(d.Countries)}
	if name := strings.TrimSpace(d.Group); name != "" {
		g, err := findGroupNamed(ctx, st, name)
		if err != nil {
			if intel.ErrorCode(err) == intel.CodeNotFound {
				return in, intel.Errorf(intel.CodeInvalid, "group %q: no stored group has this name or alias", name)
			}
			return in, err
		}
		in.GroupID = g.ID
	}
	parse := func(field, v string, need analyze.Precision) (time.Time, error) {
		if v = strings.TrimSpace(v); v == "" {
			return time.Time{}, nil
		}
		ts, err := analyze.Parse(v)
		if err != nil {
			return time.Time{}, intel.Errorf(intel.CodeInvalid, "%s: %v", field, err)
		}
		if ts.Precision < need {
			return time.Time{}, intel.Errorf(intel.CodeInvalid, "%s: %q has no time of day, and an activity time needs one (a date says nothing of working hours)", field, v)
		}
		return ts.Time, nil
	}
	day := func(field, v string) (time.Time, error) { return parse(field, v, analyze.PrecisionDay) }
	var err error
	if in.FirstSeen, err = day("first seen", d.FirstSeen); err != nil {
		return in, err
	}
	if in.LastSeen, err = day("last seen", d.LastSeen); err != nil {
		return in, err
	}
	for i, line := range strings.Split(d.Times, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		t, err := parse(fmt.Sprintf("activity time on line %d", i+1), line, analyze.PrecisionHour)
		if err != nil {
			return in, err
		}
		in.Times = append(in.Times, t)
	}
	if c := strings.TrimSpace(d.Confidence); c != "" {
		v, err := strconv.ParseFloat(c, 64)
		if err != nil || v < 0 || v > 1 {
			return in, intel.Errorf(intel.CodeInvalid, "confidence must be a number from 0 to 1")
		}
		in.Confidence = &v
	}
	tlp, err := intel.ParseTLP(d.TLP)
	if err != nil {
		return in, err
	}
	in.TLP = tlp
	return in, nil
}

// Events: what an indicator list, a report or an incident says about an
// attacker, attributed to a stored group when the source's label resolves
// to one.

// eventFilter reads the filters of the event lists.
func eventFilter(r *http.Request) (intel.EventFilter, error) {
	limit, err := queryLimit(r)
	if err != nil {
		return intel.EventFilter{}, err
	}
	group, err := queryInt64(r, "group_id")
	if err != nil {
		return intel.EventFilter{}, err
	}
	src, err := queryInt64(r, "source_id")
	if err != nil {
		return intel.EventFilter{}, err
	}
	q := r.URL.Query()
	f := intel.EventFilter{GroupID: group, SourceID: src, GroupLabel: q.Get("label"), Sort: querySort(q), After: q.Get("after"), Limit: limit}
	if v := strings.ToUpper(strings.TrimSpace(q.Get("technique"))); v != "" {
		if !intel.IsAttackID(v) || !strings.HasPrefix(v, "T") || strings.HasPrefix(v, "TA") {
			return f, intel.Errorf(intel.CodeInvalid, "technique %q is not an ATT&CK technique ID (T1566 or T1566.001)", v)
		}
		f.Technique = v
	}
	if v := strings.TrimSpace(q.Get("country")); v != "" {
		c, ok := geo.Find(v)
		if !ok {
			return f, intel.Errorf(intel.CodeInvalid, "country %q is not a country name or ISO 3166 code", v)
		}
		f.VictimCountry = c.Code
	}
	for _, b := range []struct {
		name string
		t    *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := strings.TrimSpace(q.Get(b.name)); v != "" {
			t, err := export.ParseSince(v, time.Now())
			if err != nil {
				return f, intel.Errorf(intel.CodeInvalid, "%s: %v", b.name, intel.ErrorMessage(err))
			}
			*b.t = t
		}
	}
	return f, nil
}

func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request) {
	f, err := eventFilter(r)
	var page intel.Page[*intel.Event]
	if err == nil {
		page, err = s.store.FindEvents(r.Context(), f)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

func (s *Server) apiEventGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var e *intel.Event
	if err == nil {
		e, err = s.store.FindEventByID(r.Context(), id)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	if e.Indicators == nil {
		e.Indicators = []*intel.Indicator{}
	}
	writeJSON(w, http.StatusOK, e)
}

// eventsData is the events list page.
type eventsData struct {
	Group *intel.Object // the group the list is limited to, if any
	Q     url.Values    // the filters as typed
	Items []eventRow
	Next  string
}

func (s *Server) eventsPage(w http.ResponseWriter, r *http.Request) {
	f, err := eventFilter(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := eventsData{Q: r.URL.Query()}
	if f.GroupID != 0 {
		if data.Group, err = s.findObject(r.Context(), intel.KindGroup, f.GroupID); err != nil {
			s.error(w, r, err)
			return
		}
	}
	page, err := s.store.FindEvents(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// A list page may hold 500 events: no per-event indicator counts.
	if data.Items, err = s.eventRows(r.Context(), page.Items); err != nil {
		s.error(w, r, err)
		return
	}
	data.Next = nextURL(r, page.Next)
	s.render(w, r, http.StatusOK, "events", data)
}

// eventData is one event's page.
type eventData struct {
	Event      *intel.Event
	SourceName string
	Group      *intel.Object   // nil when unattributed (or the group is gone)
	Document   *intel.Document // the report the event comes from, if stored
}

// AttributeLink opens the Attribute page with the event's facts.
func (d *eventData) AttributeLink() string { return attributeLink(d.Event) }

func (s *Server) eventPage(w http.ResponseWriter, r *http.Request) {
	renderByID(s, w, r, "event", s.eventData)
}

func (s *Server) eventData(ctx context.Context, id int64) (*eventData, error) {
	e, err := s.store.FindEventByID(ctx, id)
	if err != nil {
		return nil, err
	}
	data := &eventData{Event: e}
	if e.SourceID != 0 {
		src, err := s.store.FindSourceByID(ctx, e.SourceID)
		if err != nil && intel.ErrorCode(err) != intel.CodeNotFound {
			return nil, err
		}
		if src != nil {
			data.SourceName = src.Name
		}
	}
	if e.GroupID != 0 {
		if data.Group, err = s.findObject(ctx, intel.KindGroup, e.GroupID); err != nil && intel.ErrorCode(err) != intel.CodeNotFound {
			return nil, err
		}
	}
	if e.DocumentID != 0 {
		if data.Document, err = s.store.FindDocumentByID(ctx, e.DocumentID); err != nil && intel.ErrorCode(err) != intel.CodeNotFound {
			return nil, err
		}
	}
	return data, nil
}
