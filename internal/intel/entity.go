package intel

import (
	"strings"
	"time"
)

// EntityMention is an entity a labeller recognised in a document's text:
// its type (the model's, such as HackOrg or MALWARE), the text, its byte
// offsets in Document.Text, the confidence and the model that found it.
type EntityMention struct {
	DocumentID int64   `json:"document_id,omitempty"`
	Type       string  `json:"type"`
	Text       string  `json:"text"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Confidence float64 `json:"confidence"`
	Model      string  `json:"model"`
	// ObjectID is the stored group or software the entity names (by name
	// or alias), 0 when none or more than one.
	ObjectID int64 `json:"object_id,omitempty"`
	// Decision is an analyst's verdict on the link (ReviewConfirmed,
	// ReviewRejected, "" for none), filled when read.
	Decision string `json:"decision,omitempty"`
}

// TechniqueMention is an ATT&CK technique mapped from a document's text,
// with its score, how it was found (id, name or classifier), the sentence
// that supports it and that sentence's byte offsets, and the model.
type TechniqueMention struct {
	DocumentID int64   `json:"document_id,omitempty"`
	Technique  string  `json:"technique"` // ATT&CK ID, T1059 or T1059.001
	Score      float64 `json:"score"`
	Method     string  `json:"method"`
	Sentence   string  `json:"sentence"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Model      string  `json:"model"`
	// ObjectID is the stored technique of that ATT&CK ID, 0 when none.
	ObjectID int64 `json:"object_id,omitempty"`
	// Decision is an analyst's verdict on the mapping, filled when read.
	Decision string `json:"decision,omitempty"`
}

// Review kinds and decisions: an analyst confirms or rejects a report's
// entity link or technique mapping, and may withdraw that decision (the
// item is undecided again: the model's score rules).
const (
	ReviewEntity    = "entity"
	ReviewTechnique = "technique"
	ReviewConfirmed = "confirmed"
	ReviewRejected  = "rejected"
	ReviewWithdrawn = "withdrawn"
)

// MappingReview is an analyst's decision on one link of a report: an
// entity (Type and Text; kept for every entity of that type whose text
// normalises alike) or a technique (Technique, an ATT&CK ID). It is kept
// by document and item, so a re-import of the report keeps it.
type MappingReview struct {
	DocumentID int64     `json:"document_id"`
	Kind       string    `json:"kind"` // ReviewEntity or ReviewTechnique
	Type       string    `json:"type,omitempty"`
	Text       string    `json:"text,omitempty"`
	Technique  string    `json:"technique,omitempty"`
	Decision   string    `json:"decision"` // ReviewConfirmed or ReviewRejected
	ObjectID   int64     `json:"object_id,omitempty"`
	DecidedBy  string    `json:"decided_by,omitempty"`
	DecidedAt  time.Time `json:"decided_at,omitzero"`
}

// ReviewKey is the key a review is stored under: the entity type and
// normalised text, or the ATT&CK ID.
func (r MappingReview) ReviewKey() string {
	if r.Kind == ReviewTechnique {
		return strings.ToUpper(strings.TrimSpace(r.Technique))
	}
	return r.Type + "\t" + NormalizeName(r.Text)
}
