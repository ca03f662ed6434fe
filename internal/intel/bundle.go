package intel

import "time"

// Bundle is what an importer hands to the store: everything one source
// says in one import. The store writes a bundle in one transaction, keyed
// by STIX ID, so a re-import of the same bundle changes nothing.
type Bundle struct {
	Source        Source
	Objects       []Object // active and inactive (Revoked/Deprecated set)
	Relationships []Link
	Indicators    []Indicator
	Documents     []Document
	// STIXObjects are the STIX objects kept whole (see STIXObject).
	STIXObjects []STIXObject
}

// Link is a relationship as an importer sees it: its ends are STIX IDs
// that the store resolves to objects of the same or an earlier import.
type Link struct {
	StixID      string
	Type        string
	SourceRef   string
	TargetRef   string
	Description string
	Refs        []ExternalRef
	Revoked     bool
	Deprecated  bool
	Created     time.Time
	Modified    time.Time
}

// ImportCount counts what an import did with one kind of record.
type ImportCount struct {
	Seen      int `json:"seen"`      // in the input
	Created   int `json:"created"`   // new rows
	Updated   int `json:"updated"`   // changed rows
	Unchanged int `json:"unchanged"` // same as stored
	Inactive  int `json:"inactive"`  // revoked or deprecated: kept hidden
	Rejected  int `json:"rejected"`  // invalid or dangling
}

// Add adds the counts of d to c.
func (c *ImportCount) Add(d ImportCount) {
	c.Seen += d.Seen
	c.Created += d.Created
	c.Updated += d.Updated
	c.Unchanged += d.Unchanged
	c.Inactive += d.Inactive
	c.Rejected += d.Rejected
}

// Active is how many active records the input had.
func (c ImportCount) Active() int { return c.Seen - c.Inactive - c.Rejected }

// ImportStats is the summary of an import, per record kind ("group",
// "technique", "software", "campaign", "relationship", "document",
// "indicator").
type ImportStats struct {
	Counts map[string]*ImportCount `json:"counts"`
	// Types says, per STIX type (or MISP record kind) of the input, what
	// the parser made of its objects.
	Types    map[string]*TypeSummary `json:"types,omitempty"`
	Warnings []string                `json:"warnings,omitempty"`
}

// Count returns the counter for kind, creating it.
func (s *ImportStats) Count(kind string) *ImportCount {
	if s.Counts == nil {
		s.Counts = map[string]*ImportCount{}
	}
	c, ok := s.Counts[kind]
	if !ok {
		c = &ImportCount{}
		s.Counts[kind] = c
	}
	return c
}
