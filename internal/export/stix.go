package export

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/intel"
)

// The STIX bundle is written one object a line: the producer's identity,
// then each indicator followed by its "indicates" relationships, then the
// kept STIX objects as they were imported (by STIX ID, relationships
// last), then the modelled objects they point at (intrusion sets, attack
// patterns, malware and tools, campaigns; by kind and name) and the TLP
// marking definitions used (by ID). Every ID spoor makes is a UUIDv5 of a
// stored key (a modelled object keeps the STIX ID it was imported with),
// every time a stored time, so the same store gives the same bundle.

// stixTime writes a STIX timestamp: UTC with milliseconds, as STIX 2.1
// requires of created and modified.
func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// producerCreated is the creation time of the producer identity: fixed, so
// that the identity object never changes.
var producerCreated = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// tlpMarking is a marking definition as the specifications publish it.
type tlpMarking struct {
	id  string
	obj map[string]any
}

// tlpMarkings are the TLP marking definitions: the four TLP 1.0 objects
// the STIX 2.1 specification predefines (clear written as TLP:WHITE, its
// TLP 1.0 name), and for amber+strict, which TLP 1.0 lacks, the TLP 2.0
// object of the OASIS extension. spoor's STIX import reads both.
var tlpMarkings = map[intel.TLP]tlpMarking{
	intel.TLPClear:       tlp1("613f2e26-407d-48c7-9eca-b8e91df99dc9", "white"),
	intel.TLPGreen:       tlp1("34098fce-860f-48ae-8e50-ebd3cc5e41da", "green"),
	intel.TLPAmber:       tlp1("f88d31f6-486f-44da-b317-01333bde0b82", "amber"),
	intel.TLPRed:         tlp1("5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red"),
	intel.TLPAmberStrict: tlp2("939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict"),
}

func tlp1(uuid, name string) tlpMarking {
	id := "marking-definition--" + uuid
	return tlpMarking{id: id, obj: map[string]any{
		"type": "marking-definition", "spec_version": "2.1", "id": id, "created": "2017-01-20T00:00:00.000Z",
		"definition_type": "tlp", "name": "TLP:" + strings.ToUpper(name), "definition": map[string]string{"tlp": name},
	}}
}

func tlp2(uuid, name string) tlpMarking {
	id := "marking-definition--" + uuid
	return tlpMarking{id: id, obj: map[string]any{
		"type": "marking-definition", "spec_version": "2.1", "id": id, "created": "2022-10-01T00:00:00.000Z",
		"name": "TLP:" + strings.ToUpper(name),
		"extensions": map[string]any{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": map[string]string{
			"extension_type": "property-extension", "tlp_2_0": name,
		}},
	}}
}

type stixIdentity struct {
	Type          string `json:"type"`
	SpecVersion   string `json:"spec_version"`
	ID            string `json:"id"`
	Created       string `json:"created"`
	Modified      string `json:"modified"`
	Name          string `json:"name"`
	IdentityClass string `json:"identity_class"`
}

type stixIndicator struct {
	Type              string   `json:"type"`
	SpecVersion       string   `json:"spec_version"`
	ID                string   `json:"id"`
	CreatedByRef      string   `json:"created_by_ref"`
	Created           string   `json:"created"`
	Modified          string   `json:"modified"`
	Description       string   `json:"description,omitempty"`
	Pattern           string   `json:"pattern"`
	PatternType       string   `json:"pattern_type"`
	PatternVersion    string   `json:"pattern_version"`
	ValidFrom         string   `json:"valid_from"`
	Labels            []string `json:"labels,omitempty"`
	Confidence        int      `json:"confidence"`
	ObjectMarkingRefs []string `json:"object_marking_refs,omitempty"`
}

type stixRelationship struct {
	Type              string   `json:"type"`
	SpecVersion       string   `json:"spec_version"`
	ID                string   `json:"id"`
	CreatedByRef      string   `json:"created_by_ref"`
	Created           string   `json:"created"`
	Modified          string   `json:"modified"`
	RelationshipType  string   `json:"relationship_type"`
	SourceRef         string   `json:"source_ref"`
	TargetRef         string   `json:"target_ref"`
	ObjectMarkingRefs []string `json:"object_marking_refs,omitempty"`
}

// stixSighting says how often an exported indicator was seen, and when
// last; spoor writes one per sighted indicator (the counts added up).
type stixSighting struct {
	Type              string   `json:"type"`
	SpecVersion       string   `json:"spec_version"`
	ID                string   `json:"id"`
	CreatedByRef      string   `json:"created_by_ref"`
	Created           string   `json:"created"`
	Modified          string   `json:"modified"`
	Count             int      `json:"count"`
	LastSeen          string   `json:"last_seen"`
	SightingOfRef     string   `json:"sighting_of_ref"`
	ObjectMarkingRefs []string `json:"object_marking_refs,omitempty"`
}

type stixExternalRef struct {
	SourceName string `json:"source_name"`
	ExternalID string `json:"external_id,omitempty"`
	URL        string `json:"url,omitempty"`
}

type stixPhase struct {
	KillChainName string `json:"kill_chain_name"`
	PhaseName     string `json:"phase_name"`
}

// stixModelled is an object of spoor's knowledge base: an intrusion set,
// an attack pattern, malware or a tool, a campaign.
type stixModelled struct {
	Type               string            `json:"type"`
	SpecVersion        string            `json:"spec_version"`
	ID                 string            `json:"id"`
	CreatedByRef       string            `json:"created_by_ref"`
	Created            string            `json:"created"`
	Modified           string            `json:"modified"`
	Name               string            `json:"name"`
	Description        string            `json:"description,omitempty"`
	Aliases            []string          `json:"aliases,omitempty"`
	IsFamily           *bool             `json:"is_family,omitempty"`
	KillChainPhases    []stixPhase       `json:"kill_chain_phases,omitempty"`
	FirstSeen          string            `json:"first_seen,omitempty"`
	LastSeen           string            `json:"last_seen,omitempty"`
	Confidence         int               `json:"confidence"`
	ExternalReferences []stixExternalRef `json:"external_references,omitempty"`
	ObjectMarkingRefs  []string          `json:"object_marking_refs,omitempty"`
}

type stixWriter struct {
	*base
	producer string
	objects  int
	// named are the modelled objects the bundle names: the groups of its
	// indicators and the ends of its kept relationships.
	named map[int64]*intel.Object
	tlps  map[intel.TLP]bool
	buf   bytes.Buffer
	enc   *json.Encoder
}

func newSTIX(b *base) writer {
	w := &stixWriter{base: b, named: map[int64]*intel.Object{}, tlps: map[intel.TLP]bool{}}
	w.enc = json.NewEncoder(&w.buf)
	w.enc.SetEscapeHTML(false)
	w.producer = "identity--" + uuid5("identity|"+b.opts.Producer)
	return w
}

// object writes one object of the objects array.
func (w *stixWriter) object(v any) error {
	w.buf.Reset()
	if err := w.enc.Encode(v); err != nil {
		return fmt.Errorf("export: stix: %w", err)
	}
	if w.objects > 0 {
		w.print(",\n")
	}
	w.objects++
	w.print(strings.TrimSuffix(w.buf.String(), "\n"))
	return nil
}

// marking returns the object_marking_refs of a TLP and notes that the
// bundle needs its definition.
func (w *stixWriter) marking(t intel.TLP) []string {
	m, ok := tlpMarkings[t]
	if !ok {
		return nil
	}
	w.tlps[t] = true
	return []string{m.id}
}

func (w *stixWriter) begin() error {
	// The bundle's ID names what it holds: the filter and the state of
	// the store it was read from.
	name := fmt.Sprintf("bundle|%s|%d|%d", w.describe(), w.sum.Count, w.sum.LastChange.UnixMilli())
	if w.sum.STIXObjects > 0 {
		name += fmt.Sprintf("|%d|%d", w.sum.STIXObjects, w.sum.STIXChange.UnixMilli())
	}
	id := uuid5(name)
	w.print(`{"type":"bundle","id":"bundle--`, id, `","objects":[`, "\n")
	t := stixTime(producerCreated)
	return w.object(stixIdentity{Type: "identity", SpecVersion: "2.1", ID: w.producer, Created: t, Modified: t,
		Name: w.opts.Producer, IdentityClass: "system"})
}

// confidence is STIX's 0..100 of spoor's 0..1.
func confidence(c float64) int { return int(math.Round(min(max(c, 0), 1) * 100)) }

// createdModified returns a stored created and updated time as STIX's:
// the first known of created, updated and the fallbacks, and modified
// never before created.
func createdModified(created, updated time.Time, fallbacks ...time.Time) (string, string) {
	for _, t := range append([]time.Time{updated}, fallbacks...) {
		if created.IsZero() {
			created = t
		}
	}
	if updated.Before(created) {
		updated = created
	}
	return stixTime(created), stixTime(updated)
}

func (w *stixWriter) add(in *intel.ExportIndicator) error {
	pattern, reason := stixPattern(in)
	if reason != "" {
		w.skip(reason)
		return nil
	}
	created, modified := createdModified(in.CreatedAt, in.UpdatedAt, w.lastChange())
	validFrom := created
	if !in.FirstSeen.IsZero() {
		validFrom = stixTime(in.FirstSeen)
	}
	var labels []string
	for _, t := range in.Tags {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(labels, t) {
			labels = append(labels, t)
		}
	}
	id := "indicator--" + uuid5("indicator|"+indicatorKey(in))
	marks := w.marking(in.TLP)
	if err := w.object(stixIndicator{Type: "indicator", SpecVersion: "2.1", ID: id, CreatedByRef: w.producer,
		Created: created, Modified: modified, Description: in.Description, Pattern: pattern, PatternType: "stix",
		PatternVersion: "2.1", ValidFrom: validFrom, Labels: labels, Confidence: confidence(in.Confidence),
		ObjectMarkingRefs: marks}); err != nil {
		return err
	}
	w.wrote()
	if in.Sightings > 0 && !in.LastSighted.IsZero() {
		seen := stixTime(in.LastSighted)
		if err := w.object(stixSighting{Type: "sighting", SpecVersion: "2.1", ID: "sighting--" + uuid5("sighting|"+indicatorKey(in)),
			CreatedByRef: w.producer, Created: seen, Modified: seen, Count: min(in.Sightings, 999_999_999), LastSeen: seen,
			SightingOfRef: id, ObjectMarkingRefs: marks}); err != nil {
			return err
		}
	}
	for _, g := range in.Groups {
		w.named[g.ID] = g
		gid := modelledID(g)
		// The edge is as shareable as the less shareable of its ends.
		tlp := in.TLP
		if g.TLP.Rank() > tlp.Rank() {
			tlp = g.TLP
		}
		if err := w.object(stixRelationship{Type: "relationship", SpecVersion: "2.1",
			ID:           "relationship--" + uuid5("indicates|"+indicatorKey(in)+"|"+groupKey(g)),
			CreatedByRef: w.producer, Created: created, Modified: modified, RelationshipType: "indicates",
			SourceRef: id, TargetRef: gid, ObjectMarkingRefs: w.marking(tlp)}); err != nil {
			return err
		}
	}
	return nil
}

// attackIDs match the ATT&CK IDs of each kind, the catalogue ID a
// modelled object carries as an external reference.
var attackIDs = map[intel.ObjectKind]*regexp.Regexp{
	intel.KindGroup:     regexp.MustCompile(`^G\d{4}$`),
	intel.KindTechnique: regexp.MustCompile(`^T\d{4}(\.\d{3})?$`),
	intel.KindSoftware:  regexp.MustCompile(`^S\d{4}$`),
	intel.KindCampaign:  regexp.MustCompile(`^C\d{4}$`),
}

// stixType is the STIX type a modelled object is written as.
func stixType(o *intel.Object) string {
	switch o.Kind {
	case intel.KindTechnique:
		return "attack-pattern"
	case intel.KindSoftware:
		if o.SoftwareType == "tool" {
			return "tool"
		}
		return "malware"
	case intel.KindCampaign:
		return "campaign"
	}
	return "intrusion-set"
}

// modelledID is the ID an export gives a modelled object: the STIX ID of
// its primary record when that is of the type it is written as, so that
// a round trip and the kept objects that point at it keep it, else a
// UUIDv5 of its stored key (a threat actor, a MISP galaxy cluster, an
// object made here).
func modelledID(o *intel.Object) string {
	typ := stixType(o)
	if t, _, ok := strings.Cut(o.StixID, "--"); ok && t == typ {
		return o.StixID
	}
	return typ + "--" + uuid5(string(o.Kind)+"|"+groupKey(o))
}

// modelled is the STIX object of a modelled object.
func (w *stixWriter) modelled(o *intel.Object) stixModelled {
	created, modified := createdModified(o.Created, o.Modified, o.UpdatedAt, w.lastChange())
	m := stixModelled{Type: stixType(o), SpecVersion: "2.1", ID: modelledID(o), CreatedByRef: w.producer,
		Created: created, Modified: modified, Name: o.Name, Description: o.Description, Aliases: o.Aliases,
		Confidence: confidence(o.Confidence), ObjectMarkingRefs: w.marking(o.TLP)}
	switch m.Type {
	case "malware":
		family := true // spoor's software is a family, not one sample
		m.IsFamily = &family
	case "attack-pattern":
		for _, t := range o.Tactics {
			m.KillChainPhases = append(m.KillChainPhases, stixPhase{KillChainName: "mitre-attack", PhaseName: t})
		}
	case "campaign":
		if !o.FirstSeen.IsZero() {
			m.FirstSeen = stixTime(o.FirstSeen)
		}
		if !o.LastSeen.IsZero() {
			m.LastSeen = stixTime(o.LastSeen)
		}
	}
	if re := attackIDs[o.Kind]; re != nil && re.MatchString(o.ExternalID) {
		ref := stixExternalRef{SourceName: "mitre-attack", ExternalID: o.ExternalID}
		if u, err := url.Parse(o.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			ref.URL = o.URL
		}
		m.ExternalReferences = []stixExternalRef{ref}
	}
	return m
}

func (w *stixWriter) end() error {
	if w.filter.STIXObjects() {
		if err := w.r.ExportSTIXObjects(w.ctx, w.filter, w.kept); err != nil {
			return err
		}
	}
	named := make([]*intel.Object, 0, len(w.named))
	for _, o := range w.named {
		named = append(named, o)
	}
	slices.SortFunc(named, func(a, b *intel.Object) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	for _, o := range named {
		if err := w.object(w.modelled(o)); err != nil {
			return err
		}
	}
	var ids []string
	byID := map[string]tlpMarking{}
	for t := range w.tlps {
		m := tlpMarkings[t]
		ids = append(ids, m.id)
		byID[m.id] = m
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := w.object(byID[id].obj); err != nil {
			return err
		}
	}
	w.print("\n]}\n")
	return nil
}

// flaggedReason counts the kept objects left out for their import flags.
const flaggedReason = "flagged at import"

// kept writes a kept STIX object as it was imported. What the export
// makes itself is not written twice: the producer's identity, the
// objects it created (a spoor export imported back) and the TLP marking
// definitions the export writes. An object flagged at import (a property
// that is not what STIX says, a value not what its path says, a pattern
// that does not parse) is left out and counted unless the filter asks for
// the flagged ones, and so is a relationship to it. A relationship keeps its ends when they
// are in the bundle: a kept object, or a modelled object (written at the
// end) under the ID the export gives it; otherwise it is left out and
// counted.
func (w *stixWriter) kept(o *intel.ExportSTIXObject) error {
	so := &o.Object
	if t, ok := w.ownMarking(so.StixID); ok {
		// The definition the specification fixes, written once at the end.
		w.tlps[t] = true
		return nil
	}
	if why := w.leftOut(so.StixID, o.CreatedBy, len(so.Flags) > 0); why != "" {
		w.stats.ObjectsSkipped[why]++
		return nil
	}
	raw := []byte(so.Raw)
	if so.Type == "relationship" {
		moved := map[string]string{}
		for _, end := range []string{so.SourceRef, so.TargetRef} {
			e := o.Ends[end]
			switch {
			case e.Kept && w.leftOut(end, e.CreatedBy, e.Flagged) == "":
			case e.Object != nil:
				w.named[e.Object.ID] = e.Object
				if id := modelledID(e.Object); id != end {
					moved[end] = id
				}
			default:
				w.stats.ObjectsSkipped["relationship whose end is not in the bundle"]++
				return nil
			}
		}
		if len(moved) > 0 {
			var err error
			if raw, err = moveEnds(raw, moved); err != nil {
				return fmt.Errorf("export: stix: %s: %w", so.StixID, err)
			}
		}
	}
	for _, m := range o.Markings {
		if t, ok := w.ownMarking(m); ok {
			w.tlps[t] = true
		}
	}
	if w.objects > 0 {
		w.print(",\n")
	}
	w.objects++
	w.print(string(raw))
	w.stats.Objects++
	if w.stored != nil {
		w.stored(so.StixID, so.UpdatedAt)
	}
	return nil
}

// leftOut says why a kept object (stixID, made by createdBy, flagged at
// import or not) is not written, or "" when it is: the identity this
// export writes as its producer, what an earlier export of it wrote, and
// flagged objects unless asked for. A relationship keeps an end only
// when that end is written.
func (w *stixWriter) leftOut(stixID, createdBy string, flagged bool) string {
	switch {
	case stixID == w.producer || createdBy == w.producer:
		return "made by this export"
	case flagged && !w.filter.Flagged:
		// Kept so that an analyst sees it, not passed on as valid STIX.
		return flaggedReason
	}
	return ""
}

// ownMarking returns the TLP whose marking definition id is, when the
// export writes that definition itself.
func (w *stixWriter) ownMarking(id string) (intel.TLP, bool) {
	for t, m := range tlpMarkings {
		if m.id == id {
			return t, true
		}
	}
	return "", false
}

// moveEnds rewrites a relationship's source_ref and target_ref by moved;
// every other property stays as it was.
func moveEnds(raw []byte, moved map[string]string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	for _, k := range []string{"source_ref", "target_ref"} {
		var ref string
		if json.Unmarshal(m[k], &ref) != nil {
			continue
		}
		if id, ok := moved[ref]; ok {
			m[k], _ = json.Marshal(id)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// stixPattern returns the STIX 2.1 pattern of an indicator, or why it
// has none.
func stixPattern(in *intel.ExportIndicator) (string, string) {
	v := in.Value
	if v == "" {
		return "", string(in.Type) + " empty"
	}
	if !utf8.ValidString(v) {
		return "", string(in.Type) + " value not UTF-8" // JSON would change it
	}
	var path string
	switch in.Type {
	case intel.IndicatorIPv4:
		path = "ipv4-addr:value"
	case intel.IndicatorIPv6:
		path = "ipv6-addr:value"
	case intel.IndicatorCIDR:
		p, reason := prefixOf(in)
		if reason != "" {
			return "", reason
		}
		path = "ipv4-addr:value"
		if p.Addr().Is6() {
			path = "ipv6-addr:value"
		}
	case intel.IndicatorDomain:
		path = "domain-name:value"
	case intel.IndicatorURL:
		path = "url:value"
	case intel.IndicatorEmail:
		path = "email-addr:value"
	case intel.IndicatorMD5:
		path = "file:hashes.MD5"
	case intel.IndicatorSHA1:
		path = "file:hashes.'SHA-1'"
	case intel.IndicatorSHA256:
		path = "file:hashes.'SHA-256'"
	case intel.IndicatorSHA512:
		path = "file:hashes.'SHA-512'"
	case intel.IndicatorASN:
		n, ok := asNumber(v)
		if !ok {
			return "", "asn not an AS number"
		}
		return fmt.Sprintf("[autonomous-system:number = %d]", n), ""
	default:
		// CVEs are vulnerabilities and techniques attack patterns in STIX,
		// not observables a pattern can name.
		return "", string(in.Type) + " (not in this format)"
	}
	return "[" + path + " = " + stixString(v) + "]", ""
}

// stixString writes a pattern string literal: quoted with ', with \ and '
// escaped by a backslash, the only escapes the patterning grammar has.
func stixString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, `'`, `\'`) + "'"
}

// asNumber reads "AS64500" (or "64500") as an AS number.
func asNumber(v string) (uint32, bool) {
	v = strings.TrimPrefix(strings.ToUpper(v), "AS")
	var n uint64
	if v == "" || len(v) > 10 {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
		n = n*10 + uint64(v[i]-'0')
	}
	return uint32(n), n <= math.MaxUint32
}
