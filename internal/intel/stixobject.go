package intel

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// STIXObject is a STIX object as the source wrote it, kept whole: every
// object of a bundle that spoor does not hold in its own model (identities,
// locations, vulnerabilities, infrastructure, observed data, notes,
// opinions, groupings, cyber-observables, marking and extension
// definitions, custom x- objects, relationships to any of them), and the
// objects it models only in part (indicators with their patterns, reports,
// sightings). Raw is the object's JSON, compacted; exports write it again
// unchanged.
//
// StixID is the import key; the newest Modified wins, as STIX versioning
// says.
type STIXObject struct {
	ID          int64     `json:"id"`
	StixID      string    `json:"stix_id"`
	Type        string    `json:"type"`
	SpecVersion string    `json:"spec_version,omitempty"`
	Name        string    `json:"name,omitempty"`
	Created     time.Time `json:"created,omitzero"`
	Modified    time.Time `json:"modified,omitzero"`
	// SourceRef and TargetRef are a relationship's ends, or a sighting's
	// sighting_of_ref (SourceRef), as STIX IDs resolved when read.
	SourceRef string `json:"source_ref,omitempty"`
	TargetRef string `json:"target_ref,omitempty"`
	// Pattern is an indicator's pattern text, PatternType its language
	// ("stix", "sigma", …) and PatternTree the JSON tree of a STIX
	// pattern that parsed.
	Pattern     string `json:"pattern,omitempty"`
	PatternType string `json:"pattern_type,omitempty"`
	PatternTree string `json:"pattern_tree,omitempty"`
	// Values are what the object is found by: the literals of a pattern,
	// an observable's value or hashes, a vulnerability's CVE.
	Values []string `json:"values,omitempty"`
	// Flags are why the object needs a look: a value in it that is not
	// valid (an indicator's pattern compares domain-name:value with
	// 'domain autuo.xicp.net'), a pattern that does not parse.
	Flags []string `json:"flags,omitempty"`
	// Modelled names what spoor also made of the object ("indicator",
	// "document", "sighting", "victim"); "" when it is kept only.
	Modelled string `json:"modelled,omitempty"`
	// Raw is the object's JSON as the source wrote it (compacted).
	Raw       json.RawMessage `json:"raw"`
	SourceID  int64           `json:"source_id,omitempty"`
	UpdatedAt time.Time       `json:"updated_at,omitzero"`
}

// MaxSTIXObject bounds the JSON of one kept object.
const MaxSTIXObject = 4 << 20

// Validate checks what every kept STIX object needs: an ID of the form
// <type>--<36 characters>, a type, and JSON of bounded size.
func (o *STIXObject) Validate() error {
	prefix, uuid, ok := strings.Cut(o.StixID, "--")
	if !ok || prefix != o.Type || len(uuid) != 36 || o.Type == "" {
		return Errorf(CodeInvalid, "STIX object id %q is not of the form %s--<uuid>", o.StixID, o.Type)
	}
	if len(o.Raw) > MaxSTIXObject {
		return Errorf(CodeInvalid, "STIX object %s is %d bytes, more than %d", o.StixID, len(o.Raw), MaxSTIXObject)
	}
	if !json.Valid(o.Raw) {
		return Errorf(CodeInvalid, "STIX object %s is not valid JSON", o.StixID)
	}
	for _, s := range []struct{ name, v string }{{"name", o.Name}, {"source_ref", o.SourceRef}, {"target_ref", o.TargetRef}} {
		if len(s.v) > maxTextLen {
			return Errorf(CodeInvalid, "STIX object %s: %s is longer than %d bytes", o.StixID, s.name, maxTextLen)
		}
	}
	return nil
}

// maxTextLen bounds the short text columns of a kept STIX object.
const maxTextLen = 64 << 10

// STIXObjectFilter selects kept STIX objects, by type and STIX ID, paged
// by keyset (After is the Next cursor of the previous page).
type STIXObjectFilter struct {
	Type    string // STIX type, "" for all
	Value   string // a value the object contains (exact, case-insensitive)
	Ref     string // a STIX ID the object refers to as source_ref or target_ref
	Flagged bool   // only flagged objects
	After   string
	Limit   int
}

// STIXRef is what a STIX ID stands for in spoor's model: an object (its
// ID and kind) or an indicator.
type STIXRef struct {
	ObjectID    int64      `json:"object_id,omitempty"`
	Kind        ObjectKind `json:"kind,omitempty"`
	IndicatorID int64      `json:"indicator_id,omitempty"`
}

// STIXTypeCount is how many kept STIX objects one type has, and how many
// of them are flagged.
type STIXTypeCount struct {
	Type    string `json:"type"`
	Count   int    `json:"count"`
	Flagged int    `json:"flagged"`
}

// STIXObjectView is a kept object with what touches it: the kept
// relationships and sightings that name it, and the reports (documents)
// whose object_refs list it.
type STIXObjectView struct {
	Object        STIXObject   `json:"object"`
	Relationships []STIXObject `json:"relationships"`
	Reports       []Document   `json:"reports"`
}

// TypeSummary is what an import made of the objects of one STIX type:
// how many it read, how many became spoor records (Modelled), how many it
// stored as STIX objects (Kept; an object can be both, as an indicator
// whose pattern gives a value is), and how many were flagged, by reason.
type TypeSummary struct {
	Seen     int            `json:"seen"`
	Modelled int            `json:"modelled"`
	Kept     int            `json:"kept"`
	Flagged  int            `json:"flagged"`
	Reasons  map[string]int `json:"reasons,omitempty"`
}

// String writes the summary as one line: "3 seen, 2 modelled, 3 kept,
// 1 flagged (reason 1)".
func (t TypeSummary) String() string {
	s := fmt.Sprintf("%d seen, %d modelled, %d kept", t.Seen, t.Modelled, t.Kept)
	if t.Flagged > 0 {
		reasons := make([]string, 0, len(t.Reasons))
		for r := range t.Reasons {
			reasons = append(reasons, r)
		}
		slices.Sort(reasons)
		for i, r := range reasons {
			reasons[i] = fmt.Sprintf("%s %d", r, t.Reasons[r])
		}
		s += fmt.Sprintf(", %d flagged (%s)", t.Flagged, strings.Join(reasons, "; "))
	}
	return s
}
