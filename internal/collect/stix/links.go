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
	byID       map[string]*parsedObject // identities, locations, sightings
	indicators map[string][]int         // STIX ID → indexes in Bundle.Indicators of what it yielded
	infra      map[string]string        // infrastructure STIX ID → name
}

func newExtras(objs []*parsedObject, res *Result) *extras {
	x := &extras{res: res, identities: map[string]*rawObject{}, locations: map[string]*rawObject{},
		locatedAt: map[string][]string{}, yielded: map[string][]intel.IndicatorKey{}, inBundle: map[string]bool{},
		byID: map[string]*parsedObject{}, indicators: map[string][]int{}, infra: map[string]string{}}
	authored := map[string]int{}
	for _, po := range objs {
		r := &po.raw
		x.inBundle[r.ID] = true
		switch r.Type {
		case "identity":
			x.identities[r.ID] = r
		case "location":
			x.locations[r.ID] = r
		case "infrastructure":
			x.infra[r.ID] = strings.TrimSpace(r.Name)
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

// object maps po if this file handles its type, and reports whether it
// did. Every object it handles is kept whole too.
func (x *extras) object(po *parsedObject) bool {
	r := &po.raw
	switch r.Type {
	case "identity", "location":
		// Read through the relationships and refs that name them.
		po.keep = true
		x.byID[r.ID] = po
		return true
	case "indicator":
		po.keep = true
		x.indicator(po)
		return true
	case "report":
		po.keep, po.modelled = true, "document"
		x.reports = append(x.reports, r)
		x.report(r)
		return true
	case "sighting":
		po.keep = true
		x.byID[r.ID] = po
		x.sightings = append(x.sightings, r)
		return true
	case "vulnerability":
		po.keep = true
		x.vulnerability(po)
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

// valueReason reports whether a reason a comparison yields nothing says
// its value is invalid (the object is flagged) rather than that spoor has
// no indicator type for the path or operator (the pattern is kept).
func valueReason(reason string) bool {
	return strings.HasPrefix(reason, "value ") || strings.HasPrefix(reason, "AS number")
}

// indicator keeps an indicator with its pattern: the pattern text, its
// tree and the values it compares with. The values the pattern names
// exactly (Pattern.Observables) also become indicators; a value that is
// not what its path says flags the indicator.
func (x *extras) indicator(po *parsedObject) {
	r := &po.raw
	if r.Revoked {
		return
	}
	if pt := strings.ToLower(r.PatternType); pt != "" && pt != "stix" {
		// STIX 2.1 also carries Snort, YARA, Sigma… rules: kept as text.
		// (STIX 2.0 has no pattern_type: always STIX.)
		return
	}
	pat, err := ParsePattern(r.Pattern)
	if err != nil {
		po.flag("pattern syntax error", err.Error())
		return
	}
	po.tree = pat.TreeJSON()
	for _, v := range pat.Values() {
		if v.Value != "" && !slices.Contains(po.values, v.Value) {
			po.values = append(po.values, v.Value)
		}
	}
	found, skipped := pat.Observables()
	for _, s := range skipped {
		x.ignore(fmt.Sprintf("pattern: %s (%s)", s.Reason, s.Path))
		if valueReason(s.Reason) {
			po.flag(s.Path+": "+s.Reason, fmt.Sprintf("%s %q: %s", s.Path, s.Value, s.Reason))
		}
	}
	if len(found) == 0 {
		return
	}
	po.modelled = "indicator"
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
	x.addIndicators(r.ID, found, intel.Indicator{Description: desc, Tags: tags, FirstSeen: first, LastSeen: last,
		Confidence: conf, TLP: tlp})
}

// addIndicators adds one indicator per observable, with what base says
// about all of them, and records which the STIX object id yielded.
func (x *extras) addIndicators(id string, found []Observable, base intel.Indicator) {
	var keys []intel.IndicatorKey
	for _, o := range found {
		in := base
		in.Tags = slices.Clone(base.Tags)
		in.Type, in.Value, in.Warninglist = o.Type, o.Value, o.Warninglist
		x.indicators[id] = append(x.indicators[id], len(x.res.Bundle.Indicators))
		x.res.Bundle.Indicators = append(x.res.Bundle.Indicators, in)
		keys = append(keys, intel.IndicatorKey{Type: o.Type, Value: o.Value})
	}
	x.yielded[id] = keys
	x.res.Links.Indicators = append(x.res.Links.Indicators, intel.STIXIndicator{StixID: id, Keys: keys})
}

// scoValue maps the cyber-observable types whose value property is an
// indicator to the indicator types it may be.
var scoValue = map[string][]intel.IndicatorType{
	"ipv4-addr": refTypes["ipv4-addr"], "ipv6-addr": refTypes["ipv6-addr"], "domain-name": refTypes["domain-name"],
	"url": refTypes["url"], "email-addr": refTypes["email-addr"], "mac-addr": {intel.IndicatorMAC},
}

// scoLit is a value of an observable with the indicator types it may be.
type scoLit struct {
	path  string
	lit   Literal
	types []intel.IndicatorType
}

// observable reads the indicator values of a cyber-observable object
// (an IP address, a domain, a URL, a file's hashes, an AS number), which
// is kept whole too. A value that is not what its type says flags it.
func (x *extras) observable(po *parsedObject) {
	r := &po.raw
	var lits []scoLit
	if ts, ok := scoValue[r.Type]; ok {
		if v := stringValue(r.Value); v != "" {
			lits = append(lits, scoLit{r.Type + ":value", Literal{Kind: "string", Text: v}, ts})
		}
	}
	if r.Type == "file" || r.Type == "artifact" {
		algs := make([]string, 0, len(r.Hashes))
		for alg := range r.Hashes {
			algs = append(algs, alg)
		}
		slices.Sort(algs)
		for _, alg := range algs {
			if t, ok := hashTypes[strings.ReplaceAll(strings.ToUpper(alg), "-", "")]; ok {
				lits = append(lits, scoLit{r.Type + ":hashes." + alg, Literal{Kind: "string", Text: r.Hashes[alg]}, []intel.IndicatorType{t}})
			}
		}
	}
	if r.Type == "autonomous-system" && len(r.Number) > 0 {
		lits = append(lits, struct {
			path  string
			lit   Literal
			types []intel.IndicatorType
		}{"autonomous-system:number", Literal{Kind: "int", Text: string(r.Number)}, []intel.IndicatorType{intel.IndicatorASN}})
	}
	var found []Observable
	for _, l := range lits {
		po.values = append(po.values, l.lit.Text)
		t, canon, label, why := canonical(l.lit, l.types)
		if why != "" {
			po.flag(l.path+": "+why, fmt.Sprintf("%s %q: %s", l.path, l.lit.Text, why))
			continue
		}
		found = append(found, Observable{Type: t, Value: canon, Path: l.path, Warninglist: label})
	}
	if len(found) == 0 {
		return
	}
	po.modelled = "indicator"
	conf, tlp := provenance(r, x.source)
	x.addIndicators(r.ID, found, intel.Indicator{Description: "STIX " + r.Type + " object", Confidence: conf, TLP: tlp})
}

// vulnerability reads the CVE a vulnerability names in its external
// references as a cve indicator.
func (x *extras) vulnerability(po *parsedObject) {
	r := &po.raw
	var found []Observable
	for _, ref := range r.ExternalReferences {
		if !strings.EqualFold(ref.SourceName, "cve") || ref.ExternalID == "" {
			continue
		}
		po.values = append(po.values, ref.ExternalID)
		t, canon, label, why := canonical(Literal{Kind: "string", Text: ref.ExternalID}, []intel.IndicatorType{intel.IndicatorCVE})
		if why != "" {
			po.flag("cve: "+why, fmt.Sprintf("external_id %q: %s", ref.ExternalID, why))
			continue
		}
		found = append(found, Observable{Type: t, Value: canon, Path: "vulnerability:external_references", Warninglist: label})
	}
	if len(found) == 0 {
		return
	}
	po.modelled = "indicator"
	conf, tlp := provenance(r, x.source)
	desc := strings.TrimSpace(r.Description)
	if desc == "" {
		desc = strings.TrimSpace(r.Name)
	}
	x.addIndicators(r.ID, found, intel.Indicator{Description: desc, Confidence: conf, TLP: tlp})
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

// relationship maps the relationships this file handles: it reports
// whether it handled r and whether that made a link (modelled). A
// handled relationship that made no link is kept whole only.
func (x *extras) relationship(r *rawObject, kept map[string]int) (handled, modelled bool) {
	switch r.RelationshipType {
	case "indicates":
		if !strings.HasPrefix(r.SourceRef, "indicator--") {
			return false, false
		}
		// Ends outside the input may be stored already (an earlier TAXII
		// page or import): the store resolves them or rejects the link.
		_, yielded := x.yielded[r.SourceRef]
		if (x.inBundle[r.SourceRef] && !yielded) || !objectRef(r.TargetRef) || r.Revoked {
			return true, false
		}
		x.res.Links.Indicates = append(x.res.Links.Indicates, intel.IndicatorLink{StixID: r.ID, Type: r.RelationshipType,
			IndicatorRef: r.SourceRef, ObjectRef: r.TargetRef, Description: r.Description})
		return true, true
	case "targets":
		if x.identities[r.TargetRef] == nil && x.locations[r.TargetRef] == nil {
			return false, false
		}
		if !objectRef(r.SourceRef) || r.Revoked {
			return true, false
		}
		victims := x.victims(r.TargetRef)
		if len(victims) == 0 {
			return true, false
		}
		for _, v := range victims {
			v.ObjectRef, v.StixID = r.SourceRef, r.ID
			x.res.Links.Targets = append(x.res.Links.Targets, v)
		}
		return true, true
	case "originates-from":
		loc := x.locations[r.TargetRef]
		if loc == nil {
			return false, false
		}
		i, ok := kept[r.SourceRef]
		cc := countryCode(loc.Country)
		if !ok || cc == "" || x.res.Bundle.Objects[i].Kind != intel.KindGroup {
			return true, false
		}
		if o := &x.res.Bundle.Objects[i]; o.Country == "" {
			o.Country = cc
		}
		x.modelledAs(r.TargetRef, "origin")
		return true, true
	case "located-at":
		if x.identities[r.SourceRef] != nil {
			return true, true // read by victims
		}
	case "consists-of", "has", "communicates-with", "resolves-to", "uses":
		// An infrastructure's observables: their indicator values carry
		// its name as a tag.
		name, ok := x.infra[r.SourceRef]
		idx := x.indicators[r.TargetRef]
		if !ok || name == "" || len(idx) == 0 || r.Revoked {
			return false, false
		}
		for _, i := range idx {
			in := &x.res.Bundle.Indicators[i]
			if t := "infrastructure:" + name; !slices.Contains(in.Tags, t) {
				in.Tags = append(in.Tags, t)
			}
		}
		return true, true
	}
	return false, false
}

// modelledAs marks a kept identity, location or sighting as modelled.
func (x *extras) modelledAs(id, what string) {
	if po := x.byID[id]; po != nil && po.modelled == "" {
		po.modelled = what
	}
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
	x.modelledAs(ref, "victim")
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
			x.modelledAs(l, "victim")
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
		// Every ref is kept: to modelled objects, to indicators, and to
		// the objects kept whole, resolved when read.
		for _, ref := range r.ObjectRefs {
			if strings.HasPrefix(ref, "indicator--") {
				l.IndicatorRefs = append(l.IndicatorRefs, ref)
			} else {
				l.ObjectRefs = append(l.ObjectRefs, ref)
			}
		}
		x.res.Links.Reports = append(x.res.Links.Reports, l)
	}
	for _, r := range x.sightings {
		x.sighting(r)
	}
	for _, r := range x.identities {
		if x.res.Author != "" && strings.TrimSpace(r.Name) == x.res.Author {
			x.modelledAs(r.ID, "author")
		}
	}
	slices.SortFunc(x.res.Links.Targets, func(a, b intel.Target) int {
		return cmp.Or(cmp.Compare(a.ObjectRef, b.ObjectRef), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
}

func (x *extras) sighting(r *rawObject) {
	of := r.SightingOfRef
	if !strings.HasPrefix(of, "indicator--") {
		return // kept whole: a sighting of malware, of an observable, …
	}
	if _, ok := x.yielded[of]; x.inBundle[of] && !ok {
		return // kept whole: a sighting of a pattern indicator
	}
	x.modelledAs(r.ID, "sighting")
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
