package intel

import "time"

// Event is the unit of analysis: one report, incident, MISP event or
// cluster of forum posts, with what it says about the attacker along time,
// space and content.
type Event struct {
	ID         int64     `json:"id"`
	Title      string    `json:"title"`
	GroupID    int64     `json:"group_id,omitempty"` // 0 when unattributed
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
	// Space dimension: ISO 3166 alpha-2 codes.
	VictimCountries []string `json:"victim_countries,omitempty"`

	Confidence float64   `json:"confidence"`
	TLP        TLP       `json:"tlp,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
}
