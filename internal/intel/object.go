package intel

import (
	"strings"
	"time"
)

// ObjectKind names a kind of knowledge-base object.
type ObjectKind string

// The knowledge-base object kinds. They share one shape (Object) because
// STIX and MISP describe them alike: a named thing with aliases, external
// IDs, references and relationships to other things.
const (
	KindGroup     ObjectKind = "group"     // an intrusion set / threat actor
	KindTechnique ObjectKind = "technique" // an ATT&CK technique or sub-technique
	KindSoftware  ObjectKind = "software"  // malware or tool
	KindCampaign  ObjectKind = "campaign"
)

// ObjectKinds lists the object kinds in display order.
var ObjectKinds = []ObjectKind{KindGroup, KindTechnique, KindSoftware, KindCampaign}

// Valid reports whether k is a known object kind.
func (k ObjectKind) Valid() bool {
	switch k {
	case KindGroup, KindTechnique, KindSoftware, KindCampaign:
		return true
	}
	return false
}

// ExternalRef is a reference from STIX external_references or a MISP ref:
// a citation of a report, or an ID in an outside catalogue (ATT&CK, CAPEC).
type ExternalRef struct {
	SourceName  string `json:"source_name"`
	ExternalID  string `json:"external_id,omitempty"`
	URL         string `json:"url,omitempty"`
	Description string `json:"description,omitempty"`
}

// Object is a group, technique, software or campaign.
//
// StixID is the import key (idempotent upsert): a STIX ID, or for other
// sources a namespaced key such as "misp-galaxy:<uuid>"; ExternalID is the
// catalogue ID people use (G0007, T1059.001, S0002, C0010). Revoked and
// deprecated objects are kept for provenance but hidden from lists.
type Object struct {
	ID          int64         `json:"id"`
	Kind        ObjectKind    `json:"kind"`
	StixID      string        `json:"stix_id,omitempty"`
	ExternalID  string        `json:"external_id,omitempty"`
	Name        string        `json:"name"`
	Aliases     []string      `json:"aliases,omitempty"`
	Description string        `json:"description,omitempty"`
	URL         string        `json:"url,omitempty"`
	Refs        []ExternalRef `json:"refs,omitempty"`

	// Group fields.
	Country string `json:"country,omitempty"` // ISO 3166 alpha-2 of the suspected sponsor
	// Sectors the group targets, as the sources name them ("Government").
	Sectors []string `json:"sectors,omitempty"`
	// VictimCountries are ISO 3166 alpha-2 codes of countries it targets.
	VictimCountries []string `json:"victim_countries,omitempty"`
	// Motivations as the sources name them ("Espionage", "Financial Gain").
	Motivations []string `json:"motivations,omitempty"`

	// XRefs are what the source says about this record's identity: keys
	// it holds ("attack:G0007", "uuid:<uuid>") and links to records of
	// other sources that describe the same thing. The store merges groups
	// and software from several sources on them (see MergeRule); they are
	// import input and are not read back.
	XRefs []XRef `json:"xrefs,omitempty"`

	// Technique fields.
	Tactics        []string `json:"tactics,omitempty"`
	IsSubtechnique bool     `json:"is_subtechnique,omitempty"`

	// Technique and software fields.
	Platforms []string `json:"platforms,omitempty"`

	// Software: "malware" or "tool".
	SoftwareType string `json:"software_type,omitempty"`

	// Campaign: when it was active.
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`

	Revoked    bool `json:"revoked,omitempty"`
	Deprecated bool `json:"deprecated,omitempty"`

	// Created and Modified are the object's own times as the source gives
	// them; Modified decides whether a re-import changes anything.
	Created  time.Time `json:"created,omitzero"`
	Modified time.Time `json:"modified,omitzero"`

	SourceID   int64     `json:"source_id,omitempty"`
	Confidence float64   `json:"confidence"`
	TLP        TLP       `json:"tlp,omitempty"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"` // when spoor last wrote it
}

// Active reports whether the object is neither revoked nor deprecated.
func (o *Object) Active() bool { return !o.Revoked && !o.Deprecated }

// Validate checks what every stored object needs, by the input rules
// (validate.go): it trims and NFC-normalises names, resolves countries to
// ISO codes and refuses a value that breaks a rule, naming the field.
func (o *Object) Validate() error {
	if !o.Kind.Valid() {
		return Errorf(CodeInvalid, "unknown object kind %q", o.Kind)
	}
	if strings.TrimSpace(o.Name) == "" {
		return Errorf(CodeInvalid, "%s name is required", o.Kind)
	}
	if _, err := o.check(false); err != nil {
		return err
	}
	if o.Confidence < 0 || o.Confidence > 1 {
		return Errorf(CodeInvalid, "confidence %v is outside 0..1", o.Confidence)
	}
	if o.TLP != "" && !o.TLP.Valid() {
		return Errorf(CodeInvalid, "unknown TLP marking %q", o.TLP)
	}
	return nil
}

// ObjectUpdate changes the fields that are set (non-nil) on an object.
type ObjectUpdate struct {
	Name        *string   `json:"name,omitempty"`
	Aliases     *[]string `json:"aliases,omitempty"`
	Description *string   `json:"description,omitempty"`
	Country     *string   `json:"country,omitempty"`
	TLP         *TLP      `json:"tlp,omitempty"`
}

// ObjectFilter selects objects for a list. Lists are ordered by name, then
// ID, and paged by keyset: After is the Next cursor of the previous page.
type ObjectFilter struct {
	Kind            ObjectKind
	NamePrefix      string // case-insensitive prefix of the name
	IncludeInactive bool   // also revoked and deprecated objects
	// Country (an ISO 3166 alpha-2 code), Sector (a key of Sectors: any of
	// its names matches), Motivation (as sources name it, any case) and
	// SourceID (a source that holds a record of the object) narrow the
	// list.
	Country    string
	Sector     string
	Motivation string
	SourceID   int64
	// Sort orders the list by one of ObjectSorts (by name by default).
	Sort  Sort
	After string
	Limit int
}

// Relationship is a typed edge between two objects ("uses",
// "attributed-to", "subtechnique-of", "revoked-by"), with the citations
// that back it.
type Relationship struct {
	ID          int64         `json:"id"`
	StixID      string        `json:"stix_id,omitempty"`
	Type        string        `json:"type"`
	SourceRef   int64         `json:"source_ref"`
	TargetRef   int64         `json:"target_ref"`
	Description string        `json:"description,omitempty"`
	Refs        []ExternalRef `json:"refs,omitempty"`
	Revoked     bool          `json:"revoked,omitempty"`
	Deprecated  bool          `json:"deprecated,omitempty"`
	Created     time.Time     `json:"created,omitzero"`
	Modified    time.Time     `json:"modified,omitzero"`
	SourceID    int64         `json:"source_id,omitempty"`
	Confidence  float64       `json:"confidence"`
}

// Related is one edge of an object seen from that object: the relationship
// and the object at the other end.
type Related struct {
	Relationship Relationship `json:"relationship"`
	Other        Object       `json:"other"`
	// Outgoing is true when the profiled object is the relationship's source.
	Outgoing bool `json:"outgoing"`
}

// Profile is an object with everything around it: the group page.
type Profile struct {
	Object     Object     `json:"object"`
	Techniques []Related  `json:"techniques"`
	Software   []Related  `json:"software"`
	Groups     []Related  `json:"groups"`
	Campaigns  []Related  `json:"campaigns"`
	Documents  []Document `json:"documents"` // reports cited by the object or its relationships (no text)
}
