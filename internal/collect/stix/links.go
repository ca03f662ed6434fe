package stix

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// This file maps the STIX objects beyond the ATT&CK knowledge base:
// indicators (their patterns become indicator values), reports (documents
// linked to what they cover), sightings, and the identities and locations
// that name authors, victims and origins.

// extras is the state of one build for the objects this file maps.
type extras struct {
	res        *Result
	source     intel.Source
	identities map[string]*rawObject
	locations  map[string]*rawObject
	locatedAt  map[string][]string             // identity STIX ID → location STIX IDs
	yielded    map[string][]intel.IndicatorKey // indicator STIX ID → what its pattern gave
	inBundle   map[string]bool                 // every STIX ID of the input
	reports    []*rawObject
	sightings  []*rawObject
}

func newExtras(objs []*parsedObject, res *Result) *extras {
	x := &extras{res: res, identities: map[string]*rawObject{}, locations: map[string]*rawObject{},
		locatedAt: map[string][]string{}, yielded: map[string][]intel.IndicatorKey{}, inBundle: map[string]bool{}}
	authored := map[string]int{}
	for _, po := range objs {
		r := &po.raw
		x.inBundle[r.ID] = true
		switch r.Type {
		case "identity":
			x.identities[r.ID] = r
		case "location":
			x.locations[r.ID] = r
		case "relationship":
			if r.RelationshipType == "located-at" && strings.HasPrefix(r.SourceRef, "identity--") {
				x.locatedAt[r.SourceRef] = append(x.locatedAt[r.SourceRef], r.TargetRef)
			}
		}
		if r.CreatedByRef != "" {
			authored[r.CreatedByRef]++
		}
	}
	// The author is the identity that created most objects; ties go to the
	// smaller STIX ID so that the result does not depend on map order.
	best := ""
	for id, n := range authored {
		if x.identities[id] == nil || strings.TrimSpace(x.identities[id].Name) == "" {
			continue
		}
		if best == "" || n > authored[best] || (n == authored[best] && id < best) {
			best = id
		}
	}
	if best != "" {
		res.Author = strings.TrimSpace(x.identities[best].Name)
	}
	return x
}

// object maps r if this file handles its type, and reports whether it did.
func (x *extras) object(r *rawObject, source intel.Source) bool {
	x.source = source
	switch r.Type {
	case "identity", "location":
		// Read through the relationships and refs that name them.
		return true
	case "indicator":
		x.indicator(r)
		return true
	case "report":
		x.reports = append(x.reports, r)
		x.report(r)
		return true
	case "sighting":
		x.sightings = append(x.sightings, r)
		return true
	}
	return false
}

// provenance is the confidence and TLP of a record: the source's
// credibility scaled by the record's own confidence, and its TLP marking.
func provenance(r *rawObject, source intel.Source) (float64, intel.TLP) {
	conf, tlp := source.Credibility, source.TLP
	if r.Confidence != nil {
		conf = float64(*r.Confidence) / 100 * source.Credibility
	}
	for _, m := range r.ObjectMarkingRefs {
		if t, ok := tlpMarkings[m]; ok {
			tlp = t
		}
	}
	return conf, tlp
}

func (x *extras) ignore(reason string) { x.res.Ignored[reason]++ }

func (x *extras) indicator(r *rawObject) {
	if r.Revoked {
		x.ignore("indicator: revoked")
		return
	}
	if pt := strings.ToLower(r.PatternType); pt != "" && pt != "stix" {
		// STIX 2.1 also carries Snort, YARA, Sigma… rules; spoor reads
		// only STIX patterns. (STIX 2.0 has no pattern_type: always STIX.)
		x.ignore("pattern: pattern_type " + pt)
		return
	}
	pat, err := ParsePattern(r.Pattern)
	if err != nil {
		x.ignore("pattern: syntax error")
		x.res.note("%s: %v", r.ID, err)
		return
	}
	found, skipped := pat.Observables()
	for _, s := range skipped {
		x.ignore(fmt.Sprintf("pattern: %s (%s)", s.Reason, s.Path))
		x.res.note("%s: %s %q: %s", r.ID, s.Path, s.Value, s.Reason)
	}
	if len(found) == 0 {
		return
	}
	conf, tlp := provenance(r, x.source)
	first, _ := parseTime(r.ValidFrom)
	last, _ := parseTime(r.ValidUntil)
	desc := strings.TrimSpace(r.Description)
	if desc == "" {
		desc = strings.TrimSpace(r.Name)
	}
	var tags []string
	for _, t := range slices.Concat(r.Labels, r.IndicatorTypes) {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	var keys []intel.IndicatorKey
	for _, o := range found {
		x.res.Bundle.Indicators = append(x.res.Bundle.Indicators, intel.Indicator{
			Type: o.Type, Value: o.Value, Description: desc, Tags: tags,
			FirstSeen: first, LastSeen: last, Confidence: conf, TLP: tlp, Warninglist: o.Warninglist,
		})
		keys = append(keys, intel.IndicatorKey{Type: o.Type, Value: o.Value})
	}
	x.yielded[r.ID] = keys
	x.res.Links.Indicators = append(x.res.Links.Indicators, intel.STIXIndicator{StixID: r.ID, Keys: keys})
}

func (x *extras) report(r *rawObject) {
	_, tlp := provenance(r, x.source)
	published, _ := parseTime(r.Published)
	d := intel.Document{Title: strings.TrimSpace(r.Name), Published: published,
		Text: strings.TrimSpace(r.Description), TLP: tlp}
	for _, ref := range r.ExternalReferences {
		if ref.URL != "" && !catalogueSources[ref.SourceName] {
			d.URL = strings.TrimSpace(ref.URL)
			break
		}
	}
	if a := x.author(r); a != "" {
		d.Citation = a + "."
		if !published.IsZero() {
			d.Citation = fmt.Sprintf("%s (%s).", a, published.Format("2006-01-02"))
		}
		d.Citation += " " + d.Title + "."
	}
	x.res.Bundle.Documents = append(x.res.Bundle.Documents, d)
}

// author is the name of the identity that created r, if the input has it.
func (x *extras) author(r *rawObject) string {
	if id := x.identities[r.CreatedByRef]; id != nil {
		return strings.TrimSpace(id.Name)
	}
	return ""
}

// objectRef reports whether a STIX ID names a type stored as an object.
func objectRef(id string) bool {
	t, _, _ := strings.Cut(id, "--")
	_, ok := kindOf(t)
	return ok
}

// relationship maps the relationships this file handles and reports
// whether it did.
func (x *extras) relationship(r *rawObject, kept map[string]int) bool {
	switch r.RelationshipType {
	case "indicates":
		if !strings.HasPrefix(r.SourceRef, "indicator--") {
			return false
		}
		// Ends outside the input may be stored already (an earlier TAXII
		// page or import): the store resolves them or rejects the link.
		_, yielded := x.yielded[r.SourceRef]
		if (x.inBundle[r.SourceRef] && !yielded) || !objectRef(r.TargetRef) || r.Revoked {
			x.ignore("relationship")
			return true
		}
		x.res.Links.Indicates = append(x.res.Links.Indicates, intel.IndicatorLink{StixID: r.ID, Type: r.RelationshipType,
			IndicatorRef: r.SourceRef, ObjectRef: r.TargetRef, Description: r.Description})
		return true
	case "targets":
		if x.identities[r.TargetRef] == nil && x.locations[r.TargetRef] == nil {
			return false
		}
		if !objectRef(r.SourceRef) || r.Revoked {
			x.ignore("relationship")
			return true
		}
		victims := x.victims(r.TargetRef)
		if len(victims) == 0 {
			x.ignore("relationship")
			return true
		}
		for _, v := range victims {
			v.ObjectRef, v.StixID = r.SourceRef, r.ID
			x.res.Links.Targets = append(x.res.Links.Targets, v)
		}
		return true
	case "originates-from":
		loc := x.locations[r.TargetRef]
		if loc == nil {
			return false
		}
		i, ok := kept[r.SourceRef]
		cc := countryCode(loc.Country)
		if !ok || cc == "" || x.res.Bundle.Objects[i].Kind != intel.KindGroup {
			x.ignore("relationship")
			return true
		}
		if o := &x.res.Bundle.Objects[i]; o.Country == "" {
			o.Country = cc
		}
		return true
	case "located-at":
		if x.identities[r.SourceRef] != nil {
			return true // read by victims
		}
	}
	return false
}

// victims are what a targeted identity or location says about a victim:
// sectors, the organisation's name, countries, regions.
func (x *extras) victims(ref string) []intel.Target {
	var out []intel.Target
	add := func(kind, v string) {
		v = strings.TrimSpace(v)
		t := intel.Target{Kind: kind, Value: v}
		if v != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	addLoc := func(loc *rawObject) {
		if cc := countryCode(loc.Country); cc != "" {
			add(intel.TargetCountry, cc)
		} else if loc.Region != "" {
			add(intel.TargetRegion, strings.ToLower(loc.Region))
		}
	}
	if loc := x.locations[ref]; loc != nil {
		addLoc(loc)
		return out
	}
	id := x.identities[ref]
	for _, s := range id.Sectors {
		add(intel.TargetSector, strings.ToLower(s))
	}
	switch {
	case strings.EqualFold(id.IdentityClass, "class") && len(id.Sectors) == 0:
		// A class of victims ("Banks") is a sector in all but name.
		add(intel.TargetSector, strings.ToLower(id.Name))
	case strings.EqualFold(id.IdentityClass, "organization"):
		add(intel.TargetOrganization, id.Name)
	}
	for _, l := range x.locatedAt[ref] {
		if loc := x.locations[l]; loc != nil {
			addLoc(loc)
		}
	}
	return out
}

// countryCode returns an ISO 3166 alpha-2 code in upper case, or "".
func countryCode(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return ""
	}
	return s
}

// finish maps what needs every object read first: report refs and
// sightings.
func (x *extras) finish(kept map[string]int) {
	for _, r := range x.reports {
		l := intel.ReportLink{StixID: r.ID, Title: strings.TrimSpace(r.Name)}
		for _, ref := range r.ExternalReferences {
			if ref.URL != "" && !catalogueSources[ref.SourceName] {
				l.URL = strings.TrimSpace(ref.URL)
				break
			}
		}
		for _, ref := range r.ObjectRefs {
			switch {
			case objectRef(ref):
				if _, ok := kept[ref]; ok || !x.inBundle[ref] {
					l.ObjectRefs = append(l.ObjectRefs, ref)
				}
			case strings.HasPrefix(ref, "indicator--"):
				if _, ok := x.yielded[ref]; ok || !x.inBundle[ref] {
					l.IndicatorRefs = append(l.IndicatorRefs, ref)
				}
			default:
				t, _, _ := strings.Cut(ref, "--")
				x.ignore("report: object_ref to " + t)
			}
		}
		x.res.Links.Reports = append(x.res.Links.Reports, l)
	}
	for _, r := range x.sightings {
		x.sighting(r)
	}
	slices.SortFunc(x.res.Links.Targets, func(a, b intel.Target) int {
		return cmp.Or(cmp.Compare(a.ObjectRef, b.ObjectRef), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
}

func (x *extras) sighting(r *rawObject) {
	of := r.SightingOfRef
	if !strings.HasPrefix(of, "indicator--") {
		t, _, _ := strings.Cut(of, "--")
		x.ignore("sighting: of " + t)
		return
	}
	if _, ok := x.yielded[of]; x.inBundle[of] && !ok {
		x.ignore("sighting: indicator yielded no value")
		return
	}
	first, _ := parseTime(r.FirstSeen)
	last, _ := parseTime(r.LastSeen)
	created, _ := parseTime(r.Created)
	s := intel.Sighting{StixID: r.ID, IndicatorRef: of, FirstSeen: first, LastSeen: last, Count: 1}
	if r.Count != nil {
		s.Count = *r.Count
	}
	// SeenAt is the latest moment the sighting speaks of.
	s.SeenAt = cmp.Or(last, first, created)
	for _, w := range r.WhereSightedRefs {
		for _, v := range x.whereName(w) {
			if !slices.Contains(s.Where, v) {
				s.Where = append(s.Where, v)
			}
		}
	}
	if a := x.author(r); a != "" {
		s.Note = "reported by " + a
	}
	if d := strings.TrimSpace(r.Description); d != "" {
		s.Note = strings.TrimSpace(s.Note + "; " + d)
		s.Note = strings.TrimPrefix(s.Note, "; ")
	}
	x.res.Links.Sightings = append(x.res.Links.Sightings, s)
}

// whereName names a where_sighted_ref: an identity by name, a location by
// country code or region.
func (x *extras) whereName(ref string) []string {
	if loc := x.locations[ref]; loc != nil {
		if cc := countryCode(loc.Country); cc != "" {
			return []string{cc}
		}
		if loc.Region != "" {
			return []string{strings.ToLower(loc.Region)}
		}
		return nil
	}
	if id := x.identities[ref]; id != nil && strings.TrimSpace(id.Name) != "" {
		return []string{strings.TrimSpace(id.Name)}
	}
	return nil
}
