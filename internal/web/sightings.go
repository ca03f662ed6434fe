package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// Sightings: where and when a stored indicator was seen (a log match, a
// partner's report), recorded by analysts through the API as spoor match
// --record does from the command line.

// sightingInput records one sighting: of the indicator with this ID, or
// with this type and value.
type sightingInput struct {
	IndicatorID int64               `json:"indicator_id,omitempty"`
	Type        intel.IndicatorType `json:"type,omitempty"`
	Value       string              `json:"value,omitempty"`
	// SeenAt is when it was seen; now when omitted.
	SeenAt    time.Time `json:"seen_at,omitzero"`
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	// Count is how many times; 1 when omitted.
	Count   int    `json:"count,omitempty"`
	Sensor  string `json:"sensor,omitempty"`
	LogFile string `json:"log_file,omitempty"`
	Note    string `json:"note,omitempty"`
}

// sightingIndicator resolves the indicator a sighting names.
func (s *Server) sightingIndicator(ctx context.Context, in sightingInput) (int64, error) {
	if in.IndicatorID > 0 {
		i, err := s.store.FindIndicatorByID(ctx, in.IndicatorID)
		if err != nil {
			return 0, err
		}
		return i.ID, nil
	}
	v := strings.TrimSpace(in.Value)
	if in.Type == "" || v == "" {
		return 0, intel.Errorf(intel.CodeInvalid, "a sighting needs indicator_id, or type and value")
	}
	if !in.Type.Valid() {
		return 0, intel.Errorf(intel.CodeInvalid, "unknown indicator type %q", in.Type)
	}
	page, err := s.store.FindIndicators(ctx, intel.IndicatorFilter{Type: in.Type, Value: v, Limit: 1})
	if err != nil {
		return 0, err
	}
	if len(page.Items) == 0 {
		return 0, intel.Errorf(intel.CodeNotFound, "no stored %s indicator %q (values are canonical: lower case, refanged)", in.Type, v)
	}
	return page.Items[0].ID, nil
}

func (s *Server) apiSightingCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, func(ctx context.Context, in sightingInput) (*intel.Sighting, error) {
		id, err := s.sightingIndicator(ctx, in)
		if err != nil {
			return nil, err
		}
		sg := &intel.Sighting{IndicatorID: id, SeenAt: in.SeenAt, FirstSeen: in.FirstSeen, LastSeen: in.LastSeen,
			Count: in.Count, Sensor: in.Sensor, LogFile: in.LogFile, Note: in.Note, Origin: intel.SightingAPI}
		if sg.SeenAt.IsZero() {
			sg.SeenAt = s.now()
			if !sg.LastSeen.IsZero() {
				sg.SeenAt = sg.LastSeen
			}
		}
		if sg.Count == 0 {
			sg.Count = 1
		}
		if err := s.store.RecordSightings(ctx, []*intel.Sighting{sg}); err != nil {
			return nil, err
		}
		if s.notifier != nil {
			s.notifier.Sighted(ctx, []*intel.Sighting{sg})
		}
		return sg, nil
	})
}

func (s *Server) apiIndicatorSightings(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) ([]intel.Sighting, error) {
		if _, err := s.store.FindIndicatorByID(ctx, id); err != nil {
			return nil, err
		}
		sgs, err := s.store.FindSightings(ctx, id)
		if sgs == nil {
			sgs = []intel.Sighting{}
		}
		return sgs, err
	})
}

// groupSightings is how many sightings the group page lists.
const groupSightings = 50

func (s *Server) apiGroupSightings(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) ([]intel.IndicatorSighting, error) {
		if _, err := s.findObject(ctx, intel.KindGroup, id); err != nil {
			return nil, err
		}
		sgs, err := s.store.FindGroupSightings(ctx, id)
		return orEmpty(sgs), err
	})
}
