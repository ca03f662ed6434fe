package web

import (
	"context"
	"net/http"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// eventStore reads events.
type eventStore interface {
	FindEvents(ctx context.Context, f intel.EventFilter) (intel.Page[*intel.Event], error)
	FindEventByID(ctx context.Context, id int64) (*intel.Event, error)
	EventCounts(ctx context.Context) (intel.Counts, error)
	CreateEvent(ctx context.Context, e *intel.Event) error
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
	withBody(s, w, r, http.StatusCreated, func(ctx context.Context, in eventInput) (*intel.Event, error) {
		e := &intel.Event{Title: in.Title, GroupID: in.GroupID, FirstSeen: in.FirstSeen, LastSeen: in.LastSeen,
			Times: in.Times, Techniques: in.Techniques, Software: cleanList(in.Software), Sectors: cleanList(in.Sectors),
			Purpose: in.Purpose, VictimCountries: cleanList(in.VictimCountries), Confidence: confidence(in.Confidence), TLP: in.TLP}
		if err := s.store.CreateEvent(ctx, e); err != nil {
			return nil, err
		}
		s.refreshFingerprints()
		return e, nil
	})
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
	return intel.EventFilter{GroupID: group, SourceID: src, GroupLabel: q.Get("label"), After: q.Get("after"), Limit: limit}, nil
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
	Items []eventRow
	Next  string
}

func (s *Server) eventsPage(w http.ResponseWriter, r *http.Request) {
	f, err := eventFilter(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := eventsData{}
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
