package intel

import "time"

// XRef is one identity statement of an imported record.
//
// Type XRefHolds says the record itself holds Key (an ATT&CK ID such as
// "attack:G0007", or "uuid:<uuid>" for the UUID of its STIX ID or MISP
// cluster value): two records holding the same key are the same thing.
// Any other Type ("similar", "synonym-of", as MISP galaxies write them)
// links the record to the record that holds Key.
type XRef struct {
	Key  string `json:"key"`
	Type string `json:"type"`
}

// XRefHolds is the XRef type of a key the record holds itself.
const XRefHolds = "holds"

// MergeRule says why a source's record belongs to a group.
type MergeRule string

// The merge rules, strongest first. The store merges a new record into an
// existing group only on explicit evidence; a single shared alias is never
// enough.
const (
	// RuleNew: the record started the group (no evidence matched).
	RuleNew MergeRule = "new"
	// RuleKey: the record holds a key a record of the group holds (an
	// ATT&CK ID, or a MISP cluster UUID equal to an ATT&CK STIX UUID).
	RuleKey MergeRule = "key"
	// RuleRelated: a MISP galaxy "similar"/"synonym-of" link joins the
	// record and a record of the group (in either direction).
	RuleRelated MergeRule = "related"
	// RuleSynonyms: at least two of the record's names are names of the
	// group and of no other group.
	RuleSynonyms MergeRule = "synonyms"
	// RuleManualMerge and RuleManualSplit are an analyst's decisions; the
	// automatic rules never undo them.
	RuleManualMerge MergeRule = "manual-merge"
	RuleManualSplit MergeRule = "manual-split"
)

// AliasInfo is one name of an object with the sources that give it.
type AliasInfo struct {
	Alias   string   `json:"alias"`
	Sources []string `json:"sources"`
}

// ObjectRecord is one source's record merged into an object: its import
// key, the source, the names it gives, and why it belongs here.
type ObjectRecord struct {
	Key        string    `json:"key"`
	ObjectID   int64     `json:"object_id"`
	SourceID   int64     `json:"source_id,omitempty"`
	SourceName string    `json:"source_name,omitempty"`
	Primary    bool      `json:"primary,omitempty"` // the record whose name and text the object shows
	Names      []string  `json:"names"`
	Rule       MergeRule `json:"rule"`
	Evidence   string    `json:"evidence,omitempty"`
	Manual     bool      `json:"manual,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
}

// MergeRecord is one entry of an object's merge log: a record joined,
// left (split) or was moved by hand, with the rule and its evidence.
type MergeRecord struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ObjectID   int64     `json:"object_id"`
	OtherID    int64     `json:"other_id,omitempty"` // the other group of a manual merge or split
	Key        string    `json:"key,omitempty"`      // the record concerned
	SourceID   int64     `json:"source_id,omitempty"`
	SourceName string    `json:"source_name,omitempty"`
	Rule       MergeRule `json:"rule"`
	Evidence   string    `json:"evidence,omitempty"` // e.g. "attack:G0007", "names apt28, fancybear"
	Login      string    `json:"login,omitempty"`    // the analyst, for manual rules
}
