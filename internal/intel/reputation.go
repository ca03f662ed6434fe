package intel

import "time"

// WhitelistEntry is a domain an analyst vouches for: domain reputation
// calls it (and every name under it) benign before any model runs, and
// screening flags it when a feed lists it. Who added it and why are kept;
// additions and removals are audited.
type WhitelistEntry struct {
	ID      int64     `json:"id"`
	Domain  string    `json:"domain"`
	Reason  string    `json:"reason"`
	AddedBy string    `json:"added_by,omitempty"`
	AddedAt time.Time `json:"added_at"`
}

// DomainReport is what a VirusTotal v3 domain report says about a domain,
// as spoor keeps it: the time of the report's last analysis, the feature
// vector reputation reads from it (reputation.VTFeatureNames order), the
// threat tags its verdicts and categories give, and
// the report's attributes as imported (JSON), so the features can be
// recomputed when their definition changes.
type DomainReport struct {
	Domain     string    `json:"domain"`
	AnalysedAt time.Time `json:"analysed_at"`
	ImportedAt time.Time `json:"imported_at"`
	Features   []float64 `json:"features"`
	Tags       []string  `json:"tags"`
	Report     string    `json:"-"`
}
