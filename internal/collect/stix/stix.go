// Package stix reads STIX 2.1 bundles (MITRE ATT&CK among them) into an
// intel.Bundle: intrusion sets become groups, attack patterns techniques,
// malware and tools software, campaigns campaigns, and relationships
// between them links with the citations that back them.
//
// The parser streams the bundle's objects array, so memory stays near the
// size of the result, and every error names where it happened: the JSON
// path, the object's STIX ID when known, and the line and column.
package stix

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/collect/jsonpos"
	"github.com/spoor/spoor/internal/intel"
)

// Result is a parsed bundle with a note of what the parser passed over.
type Result struct {
	Bundle *intel.Bundle
	// Links are the edges the store resolves after writing Bundle:
	// indicator → object, report → covered objects, victims, sightings.
	Links *intel.BundleLinks
	// Ignored counts objects of types spoor does not import (course-of-action,
	// x-mitre-data-component, …), relationships that touch them, and the
	// pattern comparisons and sightings that yield nothing, by reason
	// ("pattern: unsupported object path process:name").
	Ignored map[string]int
	// Author is the name of the identity that created most objects
	// (created_by_ref), "" when the bundle names none.
	Author string
	// Notes explain, with values, the first few things passed over.
	Notes []string
}

// maxNotes bounds Result.Notes: enough to see what is wrong with a feed.
const maxNotes = 50

func (r *Result) note(format string, args ...any) {
	if len(r.Notes) < maxNotes {
		r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
	}
}

// catalogueSources name external references that are IDs in a catalogue
// rather than citations of a report.
var catalogueSources = map[string]bool{
	"mitre-attack": true, "mitre-mobile-attack": true, "mitre-ics-attack": true,
	"mitre-pre-attack": true, "capec": true, "cve": true,
	"NIST Mobile Threat Catalogue": true, "ATTACK IDs": true,
}

// rawObject holds the STIX properties spoor reads; the rest are ignored.
type rawObject struct {
	Type               string     `json:"type"`
	ID                 string     `json:"id"`
	SpecVersion        string     `json:"spec_version"`
	Created            string     `json:"created"`
	Modified           string     `json:"modified"`
	Name               string     `json:"name"`
	Description        string     `json:"description"`
	Aliases            []string   `json:"aliases"`
	XMitreAliases      []string   `json:"x_mitre_aliases"`
	Revoked            bool       `json:"revoked"`
	XMitreDeprecated   bool       `json:"x_mitre_deprecated"`
	ExternalReferences []rawRef   `json:"external_references"`
	KillChainPhases    []rawPhase `json:"kill_chain_phases"`
	XMitrePlatforms    []string   `json:"x_mitre_platforms"`
	XMitreIsSub        bool       `json:"x_mitre_is_subtechnique"`
	FirstSeen          string     `json:"first_seen"`
	LastSeen           string     `json:"last_seen"`
	RelationshipType   string     `json:"relationship_type"`
	SourceRef          string     `json:"source_ref"`
	TargetRef          string     `json:"target_ref"`
	Confidence         *int       `json:"confidence"`
	ObjectMarkingRefs  []string   `json:"object_marking_refs"`
	CreatedByRef       string     `json:"created_by_ref"`
	Labels             []string   `json:"labels"`

	// indicator
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	ValidFrom      string   `json:"valid_from"`
	ValidUntil     string   `json:"valid_until"`
	IndicatorTypes []string `json:"indicator_types"`
	// report
	Published  string   `json:"published"`
	ObjectRefs []string `json:"object_refs"`
	// identity
	IdentityClass string   `json:"identity_class"`
	Sectors       []string `json:"sectors"`
	// location
	Country string `json:"country"`
	Region  string `json:"region"`
	// sighting
	SightingOfRef    string   `json:"sighting_of_ref"`
	Count            *int     `json:"count"`
	WhereSightedRefs []string `json:"where_sighted_refs"`
}

type rawRef struct {
	SourceName  string `json:"source_name"`
	ExternalID  string `json:"external_id"`
	URL         string `json:"url"`
	Description string `json:"description"`
}

type rawPhase struct {
	KillChainName string `json:"kill_chain_name"`
	PhaseName     string `json:"phase_name"`
}

// kindOf maps the STIX types spoor imports to object kinds.
func kindOf(stixType string) (intel.ObjectKind, bool) {
	switch stixType {
	case "intrusion-set", "threat-actor":
		return intel.KindGroup, true
	case "attack-pattern":
		return intel.KindTechnique, true
	case "malware", "tool":
		return intel.KindSoftware, true
	case "campaign":
		return intel.KindCampaign, true
	}
	return "", false
}

// TLP 2.0 and 1.0 marking-definition IDs as the STIX 2.1 specification
// fixes them.
var tlpMarkings = map[string]intel.TLP{
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": intel.TLPClear, // TLP 2.0 CLEAR
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": intel.TLPClear, // TLP 1.0 WHITE
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": intel.TLPGreen,
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": intel.TLPGreen,
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": intel.TLPAmber,
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": intel.TLPAmber,
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": intel.TLPAmberStrict,
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": intel.TLPRed,
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": intel.TLPRed,
}

// Parse reads a STIX 2.1 bundle, plain or gzip-compressed, from r. name
// is how errors refer to the input (a file name). The source describes who
// provides the bundle; it becomes the bundle's source.
func Parse(r io.Reader, name string, source intel.Source) (*Result, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "%s: gzip: %v", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	c := NewCollector()
	if err := c.add(br, name, false, nil); err != nil {
		return nil, err
	}
	return c.Result(source), nil
}

// Collector gathers the objects of several inputs, such as the pages of a
// TAXII collection, and builds one Result from all of them, so that a
// relationship may point at an object of another page. Each input is
// streamed and checked as Parse checks a bundle.
type Collector struct {
	objs []*parsedObject
	seen map[string]int // STIX ID → index in objs
}

// NewCollector returns an empty collector.
func NewCollector() *Collector { return &Collector{seen: map[string]int{}} }

// Len is the number of distinct objects collected so far.
func (c *Collector) Len() int { return len(c.objs) }

// Envelope is the paging part of a TAXII 2.1 envelope.
type Envelope struct {
	More    bool
	Next    string
	Objects int // objects in this envelope
}

// AddEnvelope adds the objects of a TAXII 2.1 envelope
// ({"more": …, "next": …, "objects": […]}) read from r and returns its
// paging fields.
func (c *Collector) AddEnvelope(r io.Reader, name string) (Envelope, error) {
	var env Envelope
	err := c.add(bufio.NewReaderSize(r, 64<<10), name, true, &env)
	return env, err
}

// Result builds what the collected objects say, as from source.
func (c *Collector) Result(source intel.Source) *Result { return build(c.objs, source) }

func (c *Collector) add(br *bufio.Reader, name string, envelope bool, env *Envelope) error {
	p := &parser{name: name, lines: jsonpos.NewReader(br), c: c, envelope: envelope, env: env}
	p.dec = json.NewDecoder(p.lines)
	return p.parse()
}

type parser struct {
	name     string
	dec      *json.Decoder
	lines    *jsonpos.Reader
	c        *Collector
	envelope bool      // a TAXII envelope rather than a bundle
	env      *Envelope // filled when envelope
}

// fail builds the one error line a user sees: input, JSON path, line and
// column, and what is wrong.
func (p *parser) fail(path string, offset int64, format string, args ...any) error {
	line, col := p.lines.Position(offset)
	msg := fmt.Sprintf(format, args...)
	return intel.Errorf(intel.CodeInvalid, "%s:%d:%d: %s: %s", p.name, line, col, path, msg)
}

// jsonFail explains a decoder error at the path. valueStart is the input
// offset where Decode began, or -1 after Token.
func (p *parser) jsonFail(path string, err error, valueStart int64) error {
	at, msg := p.lines.Explain(p.dec, err, valueStart, "the bundle")
	return p.fail(path, at, "%s", msg)
}

func (p *parser) parse() error {
	what := "a STIX bundle"
	if p.envelope {
		what = "a TAXII envelope"
	}
	tok, err := p.dec.Token()
	if err != nil {
		return p.jsonFail("$", err, -1)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		// InputOffset is past the token; the token is one byte or more.
		return p.fail("$", p.dec.InputOffset()-1, "%s is a JSON object, found %v", what, tok)
	}
	var (
		sawType    string
		sawObjects bool
	)
	for p.dec.More() {
		keyTok, err := p.dec.Token()
		if err != nil {
			return p.jsonFail("$", err, -1)
		}
		key, _ := keyTok.(string)
		start := p.dec.InputOffset()
		switch {
		case key == "type" && !p.envelope:
			if err := p.dec.Decode(&sawType); err != nil {
				return p.jsonFail("$.type", err, start)
			}
			if sawType != "bundle" {
				return p.fail("$.type", p.dec.InputOffset(), "type is %q, want \"bundle\"", sawType)
			}
		case key == "objects":
			sawObjects = true
			if err := p.objects(); err != nil {
				return err
			}
		case key == "more" && p.envelope:
			if err := p.dec.Decode(&p.env.More); err != nil {
				return p.jsonFail("$.more", err, start)
			}
		case key == "next" && p.envelope:
			if err := p.dec.Decode(&p.env.Next); err != nil {
				return p.jsonFail("$.next", err, start)
			}
		default:
			var skip json.RawMessage
			if err := p.dec.Decode(&skip); err != nil {
				return p.jsonFail("$."+key, err, start)
			}
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return p.jsonFail("$", err, -1)
	}
	if _, err := p.dec.Token(); err != io.EOF {
		noun := "bundle"
		if p.envelope {
			noun = "envelope"
		}
		return p.fail("$", p.dec.InputOffset(), "unexpected data after the %s", noun)
	}
	if p.envelope {
		// An envelope without objects is an empty page, which TAXII allows.
		return nil
	}
	if sawType != "bundle" {
		return p.fail("$", p.dec.InputOffset(), "not a STIX bundle: \"type\": \"bundle\" is missing")
	}
	if !sawObjects {
		return p.fail("$", p.dec.InputOffset(), "the bundle has no \"objects\" array")
	}
	return nil
}

// parsedObject is a raw object with where it was found, for errors.
type parsedObject struct {
	raw    rawObject
	path   string
	offset int64
}

func (p *parser) objects() error {
	tok, err := p.dec.Token()
	if err != nil {
		return p.jsonFail("$.objects", err, -1)
	}
	if tok == nil && p.envelope {
		return nil // "objects": null, as some servers write an empty page
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return p.fail("$.objects", p.dec.InputOffset()-1, "objects must be an array")
	}
	out, seen := p.c.objs, p.c.seen
	defer func() { p.c.objs = out }()
	for i := 0; p.dec.More(); i++ {
		path := fmt.Sprintf("$.objects[%d]", i)
		start := p.dec.InputOffset()
		p.lines.Mark(start)
		var o parsedObject
		if err := p.dec.Decode(&o.raw); err != nil {
			return p.jsonFail(path, err, start)
		}
		if p.env != nil {
			p.env.Objects++
		}
		o.path, o.offset = path, p.lines.SkipSpace(start)
		if o.raw.ID != "" {
			path += " (" + o.raw.ID + ")"
			o.path = path
		}
		if err := p.check(&o); err != nil {
			return err
		}
		if j, dup := seen[o.raw.ID]; dup {
			// STIX allows several versions of one object in a bundle; the
			// newest modified wins, as the specification says.
			if newer(o.raw.Modified, out[j].raw.Modified) {
				out[j] = &o
			}
			continue
		}
		seen[o.raw.ID] = len(out)
		out = append(out, &o)
	}
	if _, err := p.dec.Token(); err != nil {
		return p.jsonFail("$.objects", err, -1)
	}
	return nil
}

// check validates the common properties of an object spoor imports.
func (p *parser) check(o *parsedObject) error {
	r := &o.raw
	if r.Type == "" {
		return p.fail(o.path, o.offset, "object has no \"type\"")
	}
	if r.ID == "" {
		return p.fail(o.path, o.offset, "%s object has no \"id\"", r.Type)
	}
	prefix, uuid, ok := strings.Cut(r.ID, "--")
	if !ok || prefix != r.Type || len(uuid) != 36 {
		return p.fail(o.path, o.offset, "id %q is not of the form %s--<uuid>", r.ID, r.Type)
	}
	_, imported := kindOf(r.Type)
	switch r.Type {
	case "relationship", "indicator", "report", "sighting":
		imported = true
	}
	if !imported {
		return nil
	}
	for _, f := range []struct{ name, val string }{{"created", r.Created}, {"modified", r.Modified}} {
		if f.val == "" {
			return p.fail(o.path, o.offset, "%q is required", f.name)
		}
		if _, err := parseTime(f.val); err != nil {
			return p.fail(o.path, o.offset, "%s: %v", f.name, err)
		}
	}
	for _, f := range []struct{ name, val string }{{"first_seen", r.FirstSeen}, {"last_seen", r.LastSeen},
		{"valid_from", r.ValidFrom}, {"valid_until", r.ValidUntil}, {"published", r.Published}} {
		if f.val == "" {
			continue
		}
		if _, err := parseTime(f.val); err != nil {
			return p.fail(o.path, o.offset, "%s: %v", f.name, err)
		}
	}
	if r.Confidence != nil && (*r.Confidence < 0 || *r.Confidence > 100) {
		return p.fail(o.path, o.offset, "confidence %d is outside 0..100", *r.Confidence)
	}
	switch r.Type {
	case "relationship":
		if r.RelationshipType == "" || r.SourceRef == "" || r.TargetRef == "" {
			return p.fail(o.path, o.offset, "relationship needs relationship_type, source_ref and target_ref")
		}
		return nil
	case "indicator":
		// A pattern that does not parse is passed over with a note, not an
		// error: one bad indicator must not stop a feed of thousands.
		if strings.TrimSpace(r.Pattern) == "" {
			return p.fail(o.path, o.offset, "indicator has no pattern")
		}
		return nil
	case "sighting":
		if r.SightingOfRef == "" {
			return p.fail(o.path, o.offset, "sighting has no sighting_of_ref")
		}
		if r.Count != nil && (*r.Count < 0 || *r.Count > 999999999) {
			return p.fail(o.path, o.offset, "count %d is outside 0..999999999", *r.Count)
		}
		return nil
	}
	if strings.TrimSpace(r.Name) == "" {
		return p.fail(o.path, o.offset, "%s has no name", r.Type)
	}
	return nil
}

// parseTime reads a STIX timestamp (RFC 3339, UTC, optional fraction).
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp", s)
	}
	return t.UTC(), nil
}

func newer(a, b string) bool {
	ta, _ := parseTime(a)
	tb, _ := parseTime(b)
	return ta.After(tb)
}

// build turns validated raw objects into a bundle.
func build(objs []*parsedObject, source intel.Source) *Result {
	res := &Result{Ignored: map[string]int{}}
	x := newExtras(objs, res)
	if source.Name == "" && res.Author != "" {
		// Provenance: a bundle without a named source is the author's.
		source.Name, source.Kind = res.Author, intel.SourceSTIX
	}
	res.Bundle = &intel.Bundle{Source: source}
	res.Links = &intel.BundleLinks{Source: source}
	kept := map[string]int{} // STIX ID → index in Bundle.Objects
	var rels []*rawObject
	for _, po := range objs {
		r := &po.raw
		if r.Type == "relationship" {
			rels = append(rels, r)
			continue
		}
		if x.object(r, source) {
			continue
		}
		kind, ok := kindOf(r.Type)
		if !ok {
			res.Ignored[r.Type]++
			continue
		}
		kept[r.ID] = len(res.Bundle.Objects)
		res.Bundle.Objects = append(res.Bundle.Objects, object(r, kind, source))
	}
	for _, r := range rels {
		if x.relationship(r, kept) {
			continue
		}
		if _, ok := kept[r.SourceRef]; !ok {
			res.Ignored["relationship"]++
			continue
		}
		if _, ok := kept[r.TargetRef]; !ok {
			res.Ignored["relationship"]++
			continue
		}
		created, _ := parseTime(r.Created)
		modified, _ := parseTime(r.Modified)
		link := intel.Link{
			StixID: r.ID, Type: r.RelationshipType,
			SourceRef: r.SourceRef, TargetRef: r.TargetRef,
			Description: r.Description, Refs: citations(r.ExternalReferences, nil),
			Revoked: r.Revoked, Deprecated: r.XMitreDeprecated,
			Created: created, Modified: modified,
		}
		res.Bundle.Relationships = append(res.Bundle.Relationships, link)
		// ATT&CK replaces a revoked object by the target of its revoked-by
		// relationship; the old name stays findable as an alias of the new.
		if r.RelationshipType == "revoked-by" {
			old := &res.Bundle.Objects[kept[r.SourceRef]]
			repl := &res.Bundle.Objects[kept[r.TargetRef]]
			if old.Revoked && repl.Kind == old.Kind {
				repl.Aliases = addAlias(repl.Aliases, repl.Name, old.Name)
			}
		}
	}
	x.finish(kept)
	// The input rules, per object: a bad value is repaired or dropped
	// with a note naming its object, rather than the whole bundle refused.
	for _, n := range res.Bundle.Tidy() {
		res.note("%s", n)
	}
	for _, n := range res.Links.Tidy() {
		res.note("%s", n)
	}
	return res
}

func object(r *rawObject, kind intel.ObjectKind, source intel.Source) intel.Object {
	created, _ := parseTime(r.Created)
	modified, _ := parseTime(r.Modified)
	o := intel.Object{
		Kind: kind, StixID: r.ID, Name: strings.TrimSpace(r.Name),
		Description: r.Description,
		Revoked:     r.Revoked, Deprecated: r.XMitreDeprecated,
		Created: created, Modified: modified,
		Platforms:  r.XMitrePlatforms,
		Confidence: source.Credibility,
		TLP:        source.TLP,
	}
	if r.Confidence != nil {
		// STIX confidence is 0..100; scaled by the source's credibility.
		o.Confidence = float64(*r.Confidence) / 100 * source.Credibility
	}
	for _, m := range r.ObjectMarkingRefs {
		if t, ok := tlpMarkings[m]; ok {
			o.TLP = t
		}
	}
	var aliases []string
	for _, a := range slices.Concat(r.Aliases, r.XMitreAliases) {
		aliases = addAlias(aliases, o.Name, a)
	}
	o.Aliases = aliases
	for _, ref := range r.ExternalReferences {
		if catalogueSources[ref.SourceName] && ref.ExternalID != "" && o.ExternalID == "" {
			o.ExternalID, o.URL = ref.ExternalID, ref.URL
		}
	}
	switch kind {
	case intel.KindTechnique:
		o.IsSubtechnique = r.XMitreIsSub
		for _, ph := range r.KillChainPhases {
			if !slices.Contains(o.Tactics, ph.PhaseName) {
				o.Tactics = append(o.Tactics, ph.PhaseName)
			}
		}
	case intel.KindSoftware:
		o.SoftwareType = r.Type
	case intel.KindCampaign:
		o.FirstSeen, _ = parseTime(r.FirstSeen)
		o.LastSeen, _ = parseTime(r.LastSeen)
	}
	names := append([]string{o.Name}, o.Aliases...)
	o.Refs = citations(r.ExternalReferences, names)
	return o
}

// citations keeps the references that cite a report: not catalogue IDs,
// and not ATT&CK's alias notes (a reference named after one of the
// object's own names whose description only points at other citations).
func citations(refs []rawRef, names []string) []intel.ExternalRef {
	var out []intel.ExternalRef
	for _, ref := range refs {
		if catalogueSources[ref.SourceName] {
			continue
		}
		if ref.URL == "" && slices.Contains(names, ref.SourceName) {
			continue
		}
		if ref.URL == "" && strings.HasPrefix(strings.TrimSpace(ref.Description), "(Citation:") {
			continue
		}
		if ref.SourceName == "" && ref.URL == "" {
			continue
		}
		out = append(out, intel.ExternalRef{
			SourceName: ref.SourceName, ExternalID: ref.ExternalID,
			URL: ref.URL, Description: ref.Description,
		})
	}
	return out
}

// addAlias appends alias unless it is empty or equals (after name
// normalisation) the object's name or an alias already there.
func addAlias(aliases []string, name, alias string) []string {
	alias = strings.TrimSpace(alias)
	n := intel.NormalizeName(alias)
	if n == "" || n == intel.NormalizeName(name) {
		return aliases
	}
	for _, a := range aliases {
		if intel.NormalizeName(a) == n {
			return aliases
		}
	}
	return append(aliases, alias)
}
