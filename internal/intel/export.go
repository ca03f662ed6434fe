package intel

import (
	"slices"
	"time"
)

// Rank orders TLP markings from most to least shareable: clear (and an
// unmarked value, which spoor reads as clear) 0, green 1, amber 2,
// amber+strict 3, red 4; an unknown marking ranks above red.
func (t TLP) Rank() int {
	switch t {
	case "", TLPClear:
		return 0
	case TLPGreen:
		return 1
	case TLPAmber:
		return 2
	case TLPAmberStrict:
		return 3
	case TLPRed:
		return 4
	}
	return 5
}

// AtMost reports whether t may be shared under the ceiling max ("" is
// no ceiling).
func (t TLP) AtMost(max TLP) bool { return max == "" || t.Rank() <= max.Rank() }

// ExportFilter selects the indicators an export writes. Every field
// that is set narrows the selection.
type ExportFilter struct {
	// GroupID keeps indicators linked to this group: by an event
	// attributed to it, or by a STIX "indicates" relationship.
	GroupID int64 `json:"group_id,omitempty"`
	// Types keeps these indicator types.
	Types []IndicatorType `json:"types,omitempty"`
	// Since keeps indicators seen (first or last) or changed in spoor at
	// or after this time.
	Since time.Time `json:"since,omitzero"`
	// MinConfidence keeps indicators of at least this confidence (0..1).
	MinConfidence float64 `json:"min_confidence,omitempty"`
	// TLPMax keeps indicators marked at most this TLP (unmarked ones count
	// as clear), and names only groups within it; "" is no ceiling.
	TLPMax TLP `json:"tlp_max,omitempty"`
	// ExcludeWarninglisted drops indicators on a warninglist or in a
	// special range.
	ExcludeWarninglisted bool `json:"exclude_warninglisted,omitempty"`
}

// Validate checks the filter's values.
func (f *ExportFilter) Validate() error {
	for _, t := range f.Types {
		if !t.Valid() {
			return Errorf(CodeInvalid, "unknown indicator type %q", t)
		}
	}
	if f.MinConfidence < 0 || f.MinConfidence > 1 {
		return Errorf(CodeInvalid, "minimum confidence %v is outside 0..1", f.MinConfidence)
	}
	if f.TLPMax != "" && !f.TLPMax.Valid() {
		return Errorf(CodeInvalid, "unknown TLP marking %q", f.TLPMax)
	}
	return nil
}

// ExportTypes returns the types the filter selects, sorted by name: the
// order exports write them in.
func (f *ExportFilter) ExportTypes() []IndicatorType {
	ts := slices.Clone(f.Types)
	if len(ts) == 0 {
		ts = slices.Clone(IndicatorTypes)
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}

// ExportIndicator is one indicator as an export writes it, with who
// reported it and the groups it points at.
type ExportIndicator struct {
	Indicator
	// Sources are the names of the sources that reported the indicator,
	// sorted.
	Sources []string `json:"sources,omitempty"`
	// Groups are the active groups the indicator is linked to, within the
	// filter's TLP ceiling, sorted by name. Indicators of one export share
	// the *Object of a group.
	Groups []*Object `json:"groups,omitempty"`
	// Sightings is how many times the indicator was seen (the counts of
	// its sightings added up), LastSighted the latest of them: what was
	// seen in one's own logs stands higher than what was only reported.
	Sightings   int       `json:"sightings,omitempty"`
	LastSighted time.Time `json:"last_sighted,omitzero"`
}

// ExportSummary describes what a filter selects without reading it: how
// many indicators, and the latest time one of them changed in spoor.
// Exports derive version stamps from it (a DNS zone's serial).
type ExportSummary struct {
	Count      int       `json:"count"`
	LastChange time.Time `json:"last_change,omitzero"`
}
