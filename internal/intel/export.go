package intel

import (
	"encoding/json"
	"slices"
	"strings"
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
	// NoSTIXObjects leaves the kept STIX objects out of a STIX export
	// and the kept MISP events out of a MISP export.
	NoSTIXObjects bool `json:"no_stix_objects,omitempty"`
	// Flagged also writes the kept STIX objects flagged at import (a
	// property that is not what STIX says, a value that is not what its
	// path says, a pattern that does not parse): without it they are left
	// out, so that a bundle holds no object known to be invalid.
	Flagged bool `json:"flagged,omitempty"`
}

// STIXObjects reports whether an export of f holds the kept STIX
// objects (of a STIX export) or the kept MISP events (of a MISP export):
// they are of no indicator type and no group, and most carry no
// confidence, so a filter by type, group, confidence or warninglist
// selects indicators only. Since and the TLP ceiling apply to them.
func (f *ExportFilter) STIXObjects() bool {
	return !f.NoSTIXObjects && len(f.Types) == 0 && f.GroupID == 0 && f.MinConfidence == 0 && !f.ExcludeWarninglisted
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
	// STIXObjects counts the kept STIX objects of the filter (before the
	// TLP ceiling) and STIXChange is when the latest changed: they name
	// a STIX bundle's state with the indicators'.
	STIXObjects int       `json:"stix_objects,omitempty"`
	STIXChange  time.Time `json:"stix_change,omitzero"`
}

// ExportSTIXObject is a kept STIX object as an export reads it: its TLP
// (its TLP marking, else its source's; unmarked is clear), who created
// it, and for a relationship what each end stands for.
type ExportSTIXObject struct {
	Object    STIXObject
	TLP       TLP
	CreatedBy string
	// Markings are the object's object_marking_refs, as its JSON gives
	// them.
	Markings []string
	// Ends are a relationship's source_ref and target_ref, by STIX ID.
	Ends map[string]STIXEnd
}

// STIXEnd is what a relationship's end is in the store: a kept object
// (with its TLP and creator), a modelled object (a group, technique,
// software or campaign: the object the record of that ID belongs to,
// active and within the ceiling), or neither.
type STIXEnd struct {
	Kept bool
	// Flagged says the kept object was flagged at import.
	Flagged   bool
	TLP       TLP
	CreatedBy string
	Object    *Object
}

// STIXMarkings are the TLP marking-definition IDs of TLP 2.0 and 1.0, as
// the STIX 2.1 specification and the OASIS TLP 2.0 extension fix them.
var STIXMarkings = map[string]TLP{
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": TLPClear, // TLP 2.0 CLEAR
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLPClear, // TLP 1.0 WHITE
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": TLPGreen,
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLPGreen,
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": TLPAmber,
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLPAmber,
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": TLPAmberStrict,
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": TLPRed,
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLPRed,
}

// MISPEventTLP is the TLP of a kept MISP event's JSON ({"Event": {…}} or
// the bare event): the TLP tag of the event, else def; raised to the
// least shareable TLP tag of its attributes and its objects' attributes,
// since the event goes out whole. A tag that is no TLP is not read.
func MISPEventTLP(raw []byte, def TLP) TLP {
	type tags struct {
		Tag []struct {
			Name string `json:"name"`
		} `json:"Tag"`
	}
	type attrs struct {
		tags
		Attribute []tags `json:"Attribute"`
	}
	var ev struct {
		attrs
		Object []attrs `json:"Object"`
	}
	var w struct {
		Event *json.RawMessage `json:"Event"`
	}
	if json.Unmarshal(raw, &w) == nil && w.Event != nil {
		raw = *w.Event
	}
	// A kept event is valid JSON; a member of another JSON type is read
	// as absent.
	_ = json.Unmarshal(raw, &ev)
	tlpOf := func(t tags) (TLP, bool) {
		out, marked := TLP(""), false
		for _, tg := range t.Tag {
			n := strings.ToLower(strings.TrimSpace(tg.Name))
			if len(n) <= len("tlp:") || !strings.HasPrefix(n, "tlp:") {
				continue
			}
			if m, err := ParseTLP(n); err == nil && (!marked || m.Rank() > out.Rank()) {
				out, marked = m, true
			}
		}
		return out, marked
	}
	out := def
	if t, ok := tlpOf(ev.tags); ok {
		out = t
	}
	all := slices.Clone(ev.Attribute)
	for _, o := range ev.Object {
		all = append(all, o.Attribute...)
	}
	for _, a := range all {
		if t, ok := tlpOf(a); ok && t.Rank() > out.Rank() {
			out = t
		}
	}
	return out
}

// STIXTLP is the TLP of a STIX object's object_marking_refs: the least
// shareable TLP marking among them, else def.
func STIXTLP(refs []string, def TLP) TLP {
	out, marked := TLP(""), false
	for _, r := range refs {
		if t, ok := STIXMarkings[r]; ok && (!marked || t.Rank() > out.Rank()) {
			out, marked = t, true
		}
	}
	if !marked {
		return def
	}
	return out
}
