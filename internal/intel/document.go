package intel

import (
	"strings"
	"time"
)

// Document is a report, article, post or citation that intelligence comes
// from. Citations imported from STIX external references are documents
// with a title and URL but no text until a collector fetches them.
type Document struct {
	ID          int64     `json:"id"`
	SourceID    int64     `json:"source_id,omitempty"`
	Title       string    `json:"title"`
	URL         string    `json:"url,omitempty"`
	Published   time.Time `json:"published,omitzero"`
	Text        string    `json:"text,omitempty"`
	Citation    string    `json:"citation,omitempty"`     // bibliographic line as the source gives it
	ContentHash string    `json:"content_hash,omitempty"` // SHA-256 of Text, hex
	TLP         TLP       `json:"tlp,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

// Validate checks what every stored document needs, by the input rules
// (validate.go).
func (d *Document) Validate() error {
	if strings.TrimSpace(d.Title) == "" {
		return Errorf(CodeInvalid, "document title is required")
	}
	if _, err := d.check(false); err != nil {
		return err
	}
	if d.TLP != "" && !d.TLP.Valid() {
		return Errorf(CodeInvalid, "unknown TLP marking %q", d.TLP)
	}
	return nil
}

// DocumentUpdate changes the fields that are set on a document.
type DocumentUpdate struct {
	Title     *string    `json:"title,omitempty"`
	URL       *string    `json:"url,omitempty"`
	Published *time.Time `json:"published,omitempty"`
	Text      *string    `json:"text,omitempty"`
	TLP       *TLP       `json:"tlp,omitempty"`
}

// DocumentFilter selects documents, newest first, paged by keyset.
type DocumentFilter struct {
	SourceID int64
	Country  string // ISO 3166 alpha-2: only documents that name it
	Sector   string // a key of Sectors: only documents that name it
	Sort     Sort   // one of DocumentSorts (newest first by default)
	After    string
	Limit    int
}
