package intel

import "time"

// NameEntry is one thing the report linker looks for in text: an object
// of the base (group, software, campaign; techniques are linked by their
// ATT&CK ID), a country or a sector, with every name it goes by.
type NameEntry struct {
	Kind       string   `json:"kind"`                  // an ObjectKind, or "country" or "sector"
	ObjectID   int64    `json:"object_id,omitempty"`   // 0 for countries and sectors
	Key        string   `json:"key"`                   // canonical: object name, ISO 3166 alpha-2, sector name
	Names      []string `json:"names"`                 // name and aliases as written
	ExternalID string   `json:"external_id,omitempty"` // ATT&CK ID of a technique ("T1059.001")
}

// Entry kinds beyond the object kinds.
const (
	EntryCountry = "country"
	EntrySector  = "sector"
)

// Mention is an object named in a document: how often, where first, and
// the name as the document wrote it.
type Mention struct {
	DocumentID  int64  `json:"document_id,omitempty"`
	ObjectID    int64  `json:"object_id"`
	Name        string `json:"name,omitempty"` // as first written in the text
	Count       int    `json:"count"`
	FirstOffset int    `json:"first_offset"` // byte offset in the document text
}

// TermMention is a country or sector a document names: its vocabulary
// key (ISO 3166 alpha-2, or an intel.Sectors key), the name as first
// written, how often and where first.
type TermMention struct {
	DocumentID  int64  `json:"document_id,omitempty"`
	Kind        string `json:"kind"` // EntryCountry or EntrySector
	Key         string `json:"key"`
	Name        string `json:"name,omitempty"`
	Count       int    `json:"count"`
	FirstOffset int    `json:"first_offset"`
}

// ReportIndicator is an indicator found in a report's text, with where
// the report first gives it and how often.
type ReportIndicator struct {
	Indicator   Indicator `json:"indicator"`
	Count       int       `json:"count"`
	FirstOffset int       `json:"first_offset"`
}

// ReportImport is one report as the store writes it: the document, the
// indicators in its text and the objects it mentions. The store writes it
// in one transaction; a re-import of the same report changes nothing.
type ReportImport struct {
	// Source names who published the report; a zero Source (no Name)
	// leaves the document and indicators without one.
	Source     Source            `json:"source"`
	Document   Document          `json:"document"`
	Indicators []ReportIndicator `json:"indicators,omitempty"`
	Mentions   []Mention         `json:"mentions,omitempty"`
	// Terms are the countries and sectors the text names.
	Terms []TermMention `json:"terms,omitempty"`
	// Entities and Techniques are what the text-reading models found.
	Entities   []EntityMention    `json:"entities,omitempty"`
	Techniques []TechniqueMention `json:"techniques,omitempty"`
	// Notes say which values of the document broke the input rules and
	// were repaired (Document.Tidy).
	Notes []string `json:"notes,omitempty"`
}

// DocumentMention is a document that mentions an object, as the object's
// page lists it: the document without its text, and the mention.
type DocumentMention struct {
	Document Document `json:"document"`
	Mention  Mention  `json:"mention"`
}

// FetchState is what a crawler remembers about a URL between fetches: the
// validators for a conditional GET and the hash of the body it got.
type FetchState struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	ContentHash  string    `json:"content_hash,omitempty"`
	FetchedAt    time.Time `json:"fetched_at,omitzero"`
}
