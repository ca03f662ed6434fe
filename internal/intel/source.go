package intel

import "time"

// SourceKind says what a source is and how it is read.
type SourceKind string

// Source kinds.
const (
	SourceSTIX     SourceKind = "stix"
	SourceMISP     SourceKind = "misp"
	SourceTAXII    SourceKind = "taxii"
	SourceIOCList  SourceKind = "ioc-list"
	SourceReport   SourceKind = "report"
	SourceForum    SourceKind = "forum"
	SourceInternal SourceKind = "internal"
	SourceManual   SourceKind = "manual" // typed in by an analyst
)

// Source is where intelligence comes from. Credibility (0..1) flows into
// the confidence of every fact the source provides.
type Source struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Kind        SourceKind `json:"kind"`
	URL         string     `json:"url,omitempty"`
	Credibility float64    `json:"credibility"`
	TLP         TLP        `json:"tlp,omitempty"`
	CreatedAt   time.Time  `json:"created_at,omitzero"`
}

// Validate checks what every stored source needs.
func (s *Source) Validate() error {
	if s.Name == "" {
		return Errorf(CodeInvalid, "source name is required")
	}
	if s.Credibility < 0 || s.Credibility > 1 {
		return Errorf(CodeInvalid, "credibility %v is outside 0..1", s.Credibility)
	}
	if s.TLP != "" && !s.TLP.Valid() {
		return Errorf(CodeInvalid, "unknown TLP marking %q", s.TLP)
	}
	return nil
}
