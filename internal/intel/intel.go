// Package intel holds spoor's domain types: sources, documents, indicators,
// attack groups, techniques, software, campaigns, events, relationships,
// users and the audit trail, with the filters and errors that go with them.
//
// It imports only the standard library, golang.org/x/text (NFC) and geo
// (countries, for the input rules of validate.go). Every other package
// speaks in these types; storage-shaped interfaces live with the package
// that uses them.
package intel

import (
	"strings"
	"time"
)

// TLP is a Traffic Light Protocol 2.0 marking.
type TLP string

// The TLP 2.0 markings, from most to least shareable.
const (
	TLPClear       TLP = "clear"
	TLPGreen       TLP = "green"
	TLPAmber       TLP = "amber"
	TLPAmberStrict TLP = "amber+strict"
	TLPRed         TLP = "red"
)

// Valid reports whether t is one of the TLP 2.0 markings.
func (t TLP) Valid() bool {
	switch t {
	case TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed:
		return true
	}
	return false
}

// ParseTLP reads a marking as people write it ("TLP:AMBER", "white", "amber").
// TLP 1.0 "white" maps to clear. An empty string gives TLPClear.
func ParseTLP(s string) (TLP, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "tlp:")
	switch s {
	case "", "white":
		return TLPClear, nil
	}
	t := TLP(s)
	if !t.Valid() {
		return "", Errorf(CodeInvalid, "unknown TLP marking %q", s)
	}
	return t, nil
}

// Provenance says who said a fact and when: every stored fact carries one.
type Provenance struct {
	SourceID   int64     `json:"source_id,omitempty"`
	SourceName string    `json:"source_name,omitempty"`
	DocumentID int64     `json:"document_id,omitempty"`
	FirstSeen  time.Time `json:"first_seen,omitzero"`
	LastSeen   time.Time `json:"last_seen,omitzero"`
	Confidence float64   `json:"confidence"`
	TLP        TLP       `json:"tlp,omitempty"`
}

// NormalizeName folds a group, alias or software name for comparison:
// lower case, with spaces, hyphens, underscores and dots removed, so that
// "Fancy Bear", "fancy-bear" and "FANCYBEAR" compare equal.
func NormalizeName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case ' ', '-', '_', '.', '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
