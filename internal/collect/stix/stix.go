// Package stix reads STIX 2.1 bundles (MITRE ATT&CK among them), or a
// file of one STIX object, into an intel.Bundle: intrusion sets become
// groups, attack patterns techniques, malware and tools software,
// campaigns campaigns, and relationships between them links with the
// citations that back them; indicators give the values their patterns
// name, reports documents, sightings and victims links. Every object
// (these too, but for the knowledge base) is also kept whole as an
// intel.STIXObject, so that nothing valid is lost: identities, locations,
// observables, notes, custom x- objects, relationships to any of them.
// An invalid value in an object flags it, with the reason, rather than
// refusing it. ParsePattern reads the whole STIX patterning language.
//
// The parser streams the bundle's objects array, so memory stays near the
// size of the result, and every error names where it happened: the JSON
// path, the object's STIX ID when known, and the line and column.
package stix

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
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
	// Types says, per STIX type, how many objects were read, modelled
	// (became spoor records), kept (stored whole as STIX objects) and
	// flagged, with the reasons. Every valid object is modelled or kept.
	Types map[string]*intel.TypeSummary
	// Ignored counts the comparisons of patterns that yield no indicator
	// value, by reason ("pattern: unsupported object path (process:name)");
	// their patterns are kept whole.
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
	// cyber-observable objects
	Value  json.RawMessage   `json:"value"`
	Hashes map[string]string `json:"hashes"`
	Number json.RawMessage   `json:"number"`
}

// head is what every STIX object has; it is read alone from an object of
// a type spoor keeps whole when a property spoor reads has an unexpected
// JSON type.
type head struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	SpecVersion string `json:"spec_version"`
	Created     string `json:"created"`
	Modified    string `json:"modified"`
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

// tlpMarkings are the TLP marking-definition IDs.
var tlpMarkings = intel.STIXMarkings

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
		// fields are the top-level members as written: a file that holds
		// one STIX object rather than a bundle is read from them.
		fields  []member
		typeEnd int64
	)
	for p.dec.More() {
		keyTok, err := p.dec.Token()
		if err != nil {
			return p.jsonFail("$", err, -1)
		}
		key, _ := keyTok.(string)
		start := p.dec.InputOffset()
		switch {
		case key == "objects" && (p.envelope || sawType == "" || sawType == "bundle"):
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
			var v json.RawMessage
			if err := p.dec.Decode(&v); err != nil {
				return p.jsonFail("$."+key, err, start)
			}
			if key == "type" && !p.envelope {
				if err := json.Unmarshal(v, &sawType); err != nil {
					return p.fail("$.type", p.lines.SkipSpace(start), "type is %s, want a string", v)
				}
				typeEnd = p.dec.InputOffset()
			}
			if len(fields) < maxFields {
				fields = append(fields, member{key, v})
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
	if sawType == "" {
		if kind := otherFormat(fields); kind != "" {
			return p.fail("$", 0, "this is %s, not a STIX bundle", kind)
		}
		return p.fail("$", p.dec.InputOffset(), "not a STIX bundle: \"type\": \"bundle\" is missing")
	}
	if sawType != "bundle" {
		if sawObjects {
			return p.fail("$.type", typeEnd, "type is %q, want \"bundle\"", sawType)
		}
		// One object on its own: a bundle of one.
		return p.single(fields)
	}
	if !sawObjects {
		return p.fail("$", p.dec.InputOffset(), "the bundle has no \"objects\" array")
	}
	return nil
}

// maxFields bounds the top-level members kept for a single-object file.
const maxFields = 10000

type member struct {
	key   string
	value json.RawMessage
}

// single adds the one object a file holds instead of a bundle.
func (p *parser) single(fields []member) error {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(f.value)
	}
	b.WriteByte('}')
	o := parsedObject{path: "$", offset: 0}
	if err := p.decodeObject(b.Bytes(), &o, -1); err != nil {
		return err
	}
	if o.raw.ID != "" {
		o.path = "$ (" + o.raw.ID + ")"
	}
	if err := p.check(&o); err != nil {
		return err
	}
	p.c.add1(&o)
	return nil
}

// otherFormat says what a JSON object that is not STIX looks like, from
// its top-level members, or "".
func otherFormat(fields []member) string {
	has := map[string]bool{}
	for _, f := range fields {
		has[f.key] = true
	}
	switch {
	case has["Event"] || has["response"]:
		return "a MISP event (format misp-event)"
	case has["requiredOneOf"] || (has["attributes"] && has["meta-category"]):
		return "a MISP object template"
	case has["values"] && has["uuid"] && has["name"]:
		return "a MISP galaxy cluster (format misp-galaxy)"
	case has["Sighting"] || (has["date_sighting"] && has["attribute_id"]):
		return "a MISP sighting"
	case has["api_roots"] || has["collections"]:
		return "a TAXII discovery or collections answer (format taxii)"
	}
	return ""
}

// parsedObject is a raw object with where it was found, for errors.
type parsedObject struct {
	raw    rawObject
	json   json.RawMessage // the object as written, compacted
	path   string
	offset int64

	// What build made of the object.
	modelled string   // what spoor made of it; "" for none
	keep     bool     // stored whole as an intel.STIXObject
	flags    []string // why it needs a look, with values
	reasons  []string // the same without values, to count
	values   []string // what it is found by
	tree     string   // pattern tree JSON
}

func (o *parsedObject) flag(reason, detail string) {
	o.reasons = append(o.reasons, reason)
	o.flags = append(o.flags, detail)
}

// decodeObject reads an object of the objects array (raw) into o. An
// object of a type spoor keeps whole whose property has an unexpected
// JSON type is read by its head and flagged; of a type spoor models, the
// bundle is refused at that property. start is the input offset of raw,
// or -1 when raw is not a slice of the input.
func (p *parser) decodeObject(raw json.RawMessage, o *parsedObject, start int64) error {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err == nil {
		o.json = buf.Bytes()
	} else {
		o.json = slices.Clone(raw)
	}
	err := json.Unmarshal(raw, &o.raw)
	if err == nil {
		return nil
	}
	var h head
	if typ, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && json.Unmarshal(raw, &h) == nil && !modelledType(h.Type) {
		o.raw = rawObject{Type: h.Type, ID: h.ID, SpecVersion: h.SpecVersion, Created: h.Created, Modified: h.Modified}
		o.flag("property of an unexpected JSON type", fmt.Sprintf("%s: expected %s, found JSON %s", typ.Field, typ.Type, typ.Value))
		return nil
	}
	if start < 0 {
		return p.fail(o.path, o.offset, "%v", err)
	}
	at, msg := p.lines.Explain(p.dec, err, start, "the bundle")
	return p.fail(o.path, at, "%s", msg)
}

// modelledType reports whether spoor reads the properties of a STIX type
// into its own records, so that an object of it must be well formed.
func modelledType(t string) bool {
	if _, ok := kindOf(t); ok {
		return true
	}
	switch t {
	case "relationship", "indicator", "report", "sighting":
		return true
	}
	return false
}

// add1 adds a checked object; of several versions of one object the
// newest modified wins, as the specification says.
func (c *Collector) add1(o *parsedObject) {
	if j, dup := c.seen[o.raw.ID]; dup {
		if newer(o.raw.Modified, c.objs[j].raw.Modified) {
			c.objs[j] = o
		}
		return
	}
	c.seen[o.raw.ID] = len(c.objs)
	c.objs = append(c.objs, o)
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
	for i := 0; p.dec.More(); i++ {
		path := fmt.Sprintf("$.objects[%d]", i)
		start := p.dec.InputOffset()
		p.lines.Mark(start)
		var raw json.RawMessage
		if err := p.dec.Decode(&raw); err != nil {
			return p.jsonFail(path, err, start)
		}
		if p.env != nil {
			p.env.Objects++
		}
		o := &parsedObject{path: path, offset: p.lines.SkipSpace(start)}
		if err := p.decodeObject(raw, o, o.offset); err != nil {
			return err
		}
		if o.raw.ID != "" {
			o.path = path + " (" + o.raw.ID + ")"
		}
		if err := p.check(o); err != nil {
			return err
		}
		p.c.add1(o)
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
		// Kept whole whatever it holds; a missing or malformed common
		// property of a specified SDO flags it.
		if keptSDOs[r.Type] {
			for _, f := range []struct{ name, val string }{{"created", r.Created}, {"modified", r.Modified}} {
				if f.val == "" {
					o.flag("no "+f.name, fmt.Sprintf("%q is required", f.name))
				} else if _, err := parseTime(f.val); err != nil {
					o.flag(f.name+" is not a timestamp", fmt.Sprintf("%s: %v", f.name, err))
				}
			}
		}
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

// keptSDOs are the STIX 2.1 domain and meta objects spoor keeps whole
// that must have created and modified.
var keptSDOs = map[string]bool{
	"course-of-action": true, "grouping": true, "identity": true, "incident": true, "infrastructure": true,
	"location": true, "malware-analysis": true, "note": true, "observed-data": true, "opinion": true,
	"vulnerability": true, "language-content": true, "extension-definition": true,
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

// build turns validated raw objects into a bundle. Every object is
// modelled (a group, technique, software, campaign or relationship between
// them; an indicator value, a document, a sighting, a victim) or kept
// whole as an intel.STIXObject, or both; Result.Types counts which.
func build(objs []*parsedObject, source intel.Source) *Result {
	res := &Result{Ignored: map[string]int{}, Types: map[string]*intel.TypeSummary{}}
	x := newExtras(objs, res)
	if source.Name == "" && res.Author != "" {
		// Provenance: a bundle without a named source is the author's.
		source.Name, source.Kind = res.Author, intel.SourceSTIX
	}
	res.Bundle = &intel.Bundle{Source: source}
	res.Links = &intel.BundleLinks{Source: source}
	x.source = source
	kept := map[string]int{} // STIX ID → index in Bundle.Objects
	var rels []*parsedObject
	for _, po := range objs {
		r := &po.raw
		if r.Type == "relationship" {
			rels = append(rels, po)
			continue
		}
		if x.object(po) {
			continue
		}
		kind, ok := kindOf(r.Type)
		if !ok {
			// Everything else is kept whole; observables also give the
			// indicator values they hold.
			po.keep = true
			x.observable(po)
			continue
		}
		po.modelled = string(kind)
		kept[r.ID] = len(res.Bundle.Objects)
		res.Bundle.Objects = append(res.Bundle.Objects, object(r, kind, source))
	}
	for _, po := range rels {
		r := &po.raw
		if handled, modelled := x.relationship(r, kept); handled {
			// Links of indicators, victims and origins: modelled in their
			// own tables and kept whole.
			po.keep = true
			if modelled {
				po.modelled = "link"
			}
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
		_, okS := kept[r.SourceRef]
		_, okT := kept[r.TargetRef]
		if !okS || !okT {
			// An end spoor keeps as a STIX object, or one outside the
			// bundle: the relationship is kept, its ends resolved when read.
			po.keep = true
			if objectRef(r.SourceRef) && objectRef(r.TargetRef) && (!x.inBundle[r.SourceRef] || !x.inBundle[r.TargetRef]) {
				// Objects of an earlier import (another TAXII pull): the
				// store links them when it holds both ends.
				res.Bundle.Relationships = append(res.Bundle.Relationships, link)
			}
			continue
		}
		po.modelled = "relationship"
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
	for _, po := range objs {
		summarise(res, po)
	}
	return res
}

// summarise counts what build made of po and keeps it when it is kept.
func summarise(res *Result, po *parsedObject) {
	t := res.Types[po.raw.Type]
	if t == nil {
		t = &intel.TypeSummary{}
		res.Types[po.raw.Type] = t
	}
	t.Seen++
	if po.modelled != "" {
		t.Modelled++
	}
	if len(po.flags) > 0 {
		t.Flagged++
		if t.Reasons == nil {
			t.Reasons = map[string]int{}
		}
		for _, r := range po.reasons {
			t.Reasons[r]++
		}
		for _, f := range po.flags {
			res.note("%s: flagged: %s", po.raw.ID, f)
		}
	}
	if !po.keep {
		return
	}
	t.Kept++
	r := &po.raw
	created, _ := parseTime(r.Created)
	modified, _ := parseTime(r.Modified)
	so := intel.STIXObject{StixID: r.ID, Type: r.Type, SpecVersion: r.SpecVersion, Name: strings.TrimSpace(r.Name),
		Created: created, Modified: modified, Values: po.values, Flags: po.flags, Modelled: po.modelled,
		Raw: po.json, PatternTree: po.tree}
	switch r.Type {
	case "relationship":
		so.SourceRef, so.TargetRef = r.SourceRef, r.TargetRef
		if so.Name == "" {
			so.Name = r.RelationshipType
		}
	case "sighting":
		so.SourceRef = r.SightingOfRef
	case "indicator":
		so.Pattern, so.PatternType = r.Pattern, r.PatternType
		if so.PatternType == "" {
			so.PatternType = "stix"
		}
	}
	if so.Name == "" {
		if v := stringValue(r.Value); v != "" {
			so.Name = v
		}
	}
	res.Bundle.STIXObjects = append(res.Bundle.STIXObjects, so)
}

// stringValue is a JSON string's value, "" for anything else.
func stringValue(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
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
