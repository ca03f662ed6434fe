package intel

import "time"

// Event is the unit of analysis: one report, incident, MISP event or
// cluster of forum posts, with what it says about the attacker along time,
// space and content.
type Event struct {
	ID      int64  `json:"id"`
	Title   string `json:"title"`
	GroupID int64  `json:"group_id,omitempty"` // 0 when unattributed
	// GroupLabel is the actor name as the source wrote it ("gamaredon",
	// "APT-C-60"): kept whether or not it resolved to a stored group, so an
	// unattributed event still says who the source blamed.
	GroupLabel string `json:"group_label,omitempty"`
	// Key identifies the event within its source for idempotent imports
	// ("" for events made by hand).
	Key        string    `json:"key,omitempty"`
	DocumentID int64     `json:"document_id,omitempty"`
	SourceID   int64     `json:"source_id,omitempty"`
	FirstSeen  time.Time `json:"first_seen,omitzero"`
	LastSeen   time.Time `json:"last_seen,omitzero"`

	// Time dimension: timestamps of attacker activity.
	Times []time.Time `json:"times,omitempty"`
	// Content dimension.
	Techniques   []string `json:"techniques,omitempty"` // ATT&CK IDs
	Software     []string `json:"software,omitempty"`
	IndicatorIDs []int64  `json:"indicator_ids,omitempty"`
	Sectors      []string `json:"sectors,omitempty"`
	Purpose      string   `json:"purpose,omitempty"`
	// Space dimension: ISO 3166 alpha-2 codes. InfraCountries are where
	// the event's IP indicators are registered, derived when the event is
	// read for analysis (not stored).
	VictimCountries []string `json:"victim_countries,omitempty"`
	InfraCountries  []string `json:"infra_countries,omitempty"`
	// InfraASNs are the autonomous systems announcing those addresses
	// ("AS13335"), derived with them.
	InfraASNs []string `json:"infra_asns,omitempty"`

	Confidence float64   `json:"confidence"`
	TLP        TLP       `json:"tlp,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`

	// IndicatorCount is how many indicators the import linked to the event.
	IndicatorCount int `json:"indicator_count"`
	// Indicators are filled by FindEventByID (lists leave them nil).
	Indicators []*Indicator `json:"indicators,omitempty"`
}

// EventFilter selects events, newest first, paged by keyset.
type EventFilter struct {
	GroupID     int64  // events attributed to this stored group
	GroupLabel  string // events whose source label equals this (exact)
	SourceID    int64
	IndicatorID int64 // events that hold this indicator
	// Technique (an ATT&CK ID; a technique also finds its sub-techniques)
	// and VictimCountry (an alpha-2 code) are held by the event; Since and Until bound its time (an event counts
	// when it was active at some point between them).
	Technique     string
	VictimCountry string
	Since, Until  time.Time
	// Lists are ordered by first seen, newest first (undated events
	// last), then by ID, unless Sort names another of EventSorts.
	Sort  Sort
	After string
	Limit int
}

// TechniqueUse is one group's use of a technique as its events show it:
// how many events hold the technique and the dates of the dated ones, in
// order.
type TechniqueUse struct {
	GroupID int64       `json:"group_id"`
	Group   string      `json:"group"`
	Events  int         `json:"events"`
	Dates   []time.Time `json:"dates"`
}

// First is the date of the group's earliest dated event with the
// technique, zero when none is dated.
func (u TechniqueUse) First() time.Time {
	if len(u.Dates) == 0 {
		return time.Time{}
	}
	return u.Dates[0]
}

// Last is the date of its latest.
func (u TechniqueUse) Last() time.Time {
	if len(u.Dates) == 0 {
		return time.Time{}
	}
	return u.Dates[len(u.Dates)-1]
}
