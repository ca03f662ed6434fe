package intel

import "time"

// GroupEvidence is everything the base holds about one group that its
// fingerprint is built from: what the group's records say of it, what its
// relationships say it uses, and the events attributed to it.
type GroupEvidence struct {
	GroupID     int64    `json:"group_id"`
	Name        string   `json:"name"`
	Aliases     []string `json:"aliases,omitempty"`
	Description string   `json:"description,omitempty"`
	// Techniques are ATT&CK IDs of the techniques the group uses (by a
	// "uses" relationship); Software the names of software it uses.
	Techniques      []string `json:"techniques,omitempty"`
	Software        []string `json:"software,omitempty"`
	Sectors         []string `json:"sectors,omitempty"`
	VictimCountries []string `json:"victim_countries,omitempty"`
	Motivations     []string `json:"motivations,omitempty"`
	// Events attributed to the group. Their Indicators hold type and
	// value only (enough to compare groups by shared indicators).
	Events []*Event `json:"events,omitempty"`
}

// RelatedPair is a pair of distinct groups that a source says are related
// without being the same group: a MISP galaxy link (similar, overlaps,
// linked-to) between records that were not merged, or a name one group
// gives as an alias and another as its own. The evaluation of group
// similarity uses them as known positives.
type RelatedPair struct {
	A, B int64
	Why  string
}

// Model is a trained model kept in the store: its kind ("attribution"),
// the version of the encoding it reads, what trained it, how well it did,
// and the model itself (JSON).
type Model struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	Params     string    `json:"params,omitempty"`     // JSON
	Summary    string    `json:"summary,omitempty"`    // JSON: training data
	Evaluation string    `json:"evaluation,omitempty"` // JSON
	Data       string    `json:"-"`
	// Pinned says the model is the one of its kind in use even when newer
	// ones are stored.
	Pinned bool `json:"pinned"`
	// Bytes is the size of Data (lists leave Data out).
	Bytes int64 `json:"bytes"`
}

// Fingerprint is one group's stored profile: the fingerprint package's
// Profile as JSON, with the count of events behind it. The store keeps the
// bytes it is given; the fingerprint package reads and writes them.
type Fingerprint struct {
	GroupID int64  `json:"group_id"`
	Events  int    `json:"events"`
	Profile []byte `json:"profile"`
}

// FingerprintBuild is one rebuild of every group's fingerprint. Pages
// compare its ID with the one they hold to know when to reload.
type FingerprintBuild struct {
	ID      int64     `json:"id"`
	BuiltAt time.Time `json:"built_at"`
	Groups  int       `json:"groups"`
	// Took is how long the rebuild took, in milliseconds.
	TookMS int64 `json:"took_ms"`
}

// DistinctPair is two groups an analyst said are not the same (A < B).
type DistinctPair struct {
	A         int64     `json:"a"`
	B         int64     `json:"b"`
	Reason    string    `json:"reason"`
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at"`
}

// DerivedEvents counts what one derivation of the cited-report events
// changed: Total is how many such events the base holds afterwards.
type DerivedEvents struct {
	Total   int `json:"total"`
	Created int `json:"created"`
	Updated int `json:"updated"`
	Deleted int `json:"deleted"`
}
