package misp

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Cluster is the header of a parsed galaxy cluster.
type Cluster struct {
	Type    string `json:"type"`
	Name    string `json:"name"`
	UUID    string `json:"uuid"`
	Version int    `json:"version"`
}

// ClusterResult is a galaxy cluster as a bundle of groups or software.
type ClusterResult struct {
	Cluster Cluster
	Bundle  *intel.Bundle
	// Skipped counts values without a name or UUID.
	Skipped int
	// Notes say which values broke the input rules (intel.Bundle.Tidy)
	// and were repaired or dropped, naming their records.
	Notes []string
}

// groupClusters and softwareClusters are the cluster types imported, by
// the cluster's "type" (tidal-groups calls itself "groups").
var (
	groupClusters = map[string]bool{
		"threat-actor": true, "microsoft-activity-group": true, "360net-threat-actor": true,
		"groups": true, "mitre-intrusion-set": true, "tidal-groups": true,
	}
	softwareClusters = map[string]string{
		"tool": "tool", "mitre-tool": "tool", "malpedia": "malware", "mitre-malware": "malware",
		"tidal-software": "", "android": "malware", "backdoor": "malware", "ransomware": "malware",
		"rat": "malware", "banker": "malware", "botnet": "malware", "stealer": "malware",
	}
)

// identityLinks are the galaxy relation types that say two values name the
// same thing; "uses", "overlaps", "linked-to" and the rest do not.
var identityLinks = map[string]bool{"similar": true, "synonym-of": true, "same-as": true}

var attackGroupID = regexp.MustCompile(`^[GS]\d{4}$`)

// KeyPrefix starts the import key of a galaxy value: "misp-galaxy:<uuid>".
const KeyPrefix = "misp-galaxy:"

// ParseCluster reads a MISP galaxy cluster file (cluster-*.json, plain or
// gzip) into groups (threat-actor, microsoft-activity-group, 360net,
// tidal-groups, mitre-intrusion-set) or software (tool, malpedia, …).
// Each value becomes an object keyed "misp-galaxy:<uuid>" with its
// synonyms as aliases, its country normalised through countries, its refs
// as citations, victims, sectors and motivations, and XRefs for the
// identity evidence the store merges on: the value's UUID, an ATT&CK ID
// (tidal group_attack_id, or a G/S-number among the synonyms) and
// "similar"/"synonym-of" related links.
func ParseCluster(r io.Reader, name string, src intel.Source, countries Countries) (*ClusterResult, error) {
	c, err := parseCluster(r, name)
	if err != nil {
		return nil, err
	}
	kind := intel.KindGroup
	swType, isSoftware := softwareClusters[c.Type]
	switch {
	case groupClusters[c.Type]:
	case isSoftware:
		kind = intel.KindSoftware
	case c.Type == "country":
		return nil, intel.Errorf(intel.CodeInvalid, "%s: the country cluster is a lookup table: read it with ParseCountries", name)
	default:
		return nil, intel.Errorf(intel.CodeInvalid, "%s: galaxy cluster type %q is not imported (groups: threat-actor, microsoft-activity-group, 360net-threat-actor, groups; software: tool, malpedia)", name, c.Type)
	}
	res := &ClusterResult{Cluster: c.Cluster, Bundle: &intel.Bundle{Source: src}}
	for _, v := range c.Values {
		if strings.TrimSpace(v.Value) == "" || v.UUID == "" {
			res.Skipped++
			continue
		}
		res.Bundle.Objects = append(res.Bundle.Objects, clusterObject(v, kind, swType, src, countries))
	}
	res.Notes = res.Bundle.Tidy()
	return res, nil
}

// trackingID is a vendor's tracking ID: APT-C-29, TA-505, UNC-2452 — a
// letter prefix, hyphenated parts, digits at the end.
var trackingID = regexp.MustCompile(`^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+$`)

// splitTrackingID splits "name - ID" into the name and the ID.
func splitTrackingID(value string) (name, id string, ok bool) {
	i := strings.LastIndex(value, " - ")
	if i <= 0 {
		return "", "", false
	}
	name, id = strings.TrimSpace(value[:i]), strings.TrimSpace(value[i+3:])
	if name == "" || !trackingID.MatchString(id) {
		return "", "", false
	}
	return name, id, true
}

func clusterObject(v *rawValue, kind intel.ObjectKind, swType string, src intel.Source, countries Countries) intel.Object {
	uuid := strings.ToLower(v.UUID)
	o := intel.Object{
		Kind: kind, StixID: KeyPrefix + uuid, Name: strings.TrimSpace(v.Value),
		Description: v.Description, SoftwareType: swType,
		Confidence: src.Credibility, TLP: src.TLP,
		XRefs: []intel.XRef{{Key: "uuid:" + uuid, Type: intel.XRefHolds}},
	}
	// "Turla - APT-C-29": a name and the vendor's tracking ID in one
	// value. The name is the group's, so that it meets its namesakes; the
	// ID and the whole value stay as aliases.
	if name, id, ok := splitTrackingID(o.Name); ok && kind == intel.KindGroup {
		o.Name = name
		o.Aliases = addName(addName(o.Aliases, id), strings.TrimSpace(v.Value))
	}
	m := v.Meta
	if id := strings.ToUpper(strings.TrimSpace(m.str("group_attack_id"))); attackGroupID.MatchString(id) {
		o.ExternalID = id
	}
	for _, s := range m.strs("synonyms") {
		s = strings.TrimSpace(s)
		// ATT&CK IDs among the synonyms are catalogue references, not names.
		if attackGroupID.MatchString(strings.ToUpper(s)) {
			if o.ExternalID == "" {
				o.ExternalID = strings.ToUpper(s)
			}
			continue
		}
		if intel.NormalizeName(s) != intel.NormalizeName(o.Name) {
			o.Aliases = addName(o.Aliases, s)
		}
	}
	if o.ExternalID != "" {
		o.XRefs = append(o.XRefs, intel.XRef{Key: "attack:" + o.ExternalID, Type: intel.XRefHolds})
	}
	for _, rel := range v.Related {
		if identityLinks[rel.Type] && rel.DestUUID != "" {
			o.XRefs = append(o.XRefs, intel.XRef{Key: "uuid:" + strings.ToLower(rel.DestUUID), Type: rel.Type})
		}
	}
	if kind == intel.KindGroup {
		o.Country = countries.Code(m.str("country"))
		if o.Country == "" {
			o.Country = countries.Code(m.str("cfr-suspected-state-sponsor"))
		}
		for _, k := range []string{"cfr-suspected-victims", "suspected-victims", "observed_countries"} {
			for _, s := range m.strs(k) {
				o.VictimCountries = addUnique(o.VictimCountries, countries.Code(s))
			}
		}
		for _, k := range []string{"cfr-target-category", "targeted-sector", "target_categories", "target-category"} {
			for _, s := range m.strs(k) {
				o.Sectors = addUnique(o.Sectors, strings.TrimSpace(s))
			}
		}
		for _, k := range []string{"cfr-type-of-incident", "observed_motivations", "motive"} {
			for _, s := range m.strs(k) {
				o.Motivations = addUnique(o.Motivations, strings.TrimSpace(s))
			}
		}
	}
	for _, u := range m.strs("refs") {
		if u = strings.TrimSpace(u); u != "" {
			o.Refs = append(o.Refs, intel.ExternalRef{URL: u})
		}
	}
	return o
}

// rawCluster is a cluster file as read, before mapping.
type rawCluster struct {
	Cluster
	Values []*rawValue
}

type rawValue struct {
	Value       string       `json:"value"`
	UUID        string       `json:"uuid"`
	Description string       `json:"description"`
	Meta        meta         `json:"meta"`
	Related     []rawRelated `json:"related"`
}

type rawRelated struct {
	DestUUID string `json:"dest-uuid"`
	Type     string `json:"type"`
}

// meta is a value's free-form meta object: each field a string or a list
// of strings; other shapes are ignored by str and strs.
type meta map[string]json.RawMessage

func (m meta) str(k string) string {
	var s string
	if json.Unmarshal(m[k], &s) == nil {
		return s
	}
	return ""
}

func (m meta) strs(k string) []string {
	raw, ok := m[k]
	if !ok {
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return []string{s}
	}
	return nil
}

// stringMeta are the meta fields whose shape is checked: a string or a
// list of strings. Other fields may hold anything.
var stringMeta = []string{"synonyms", "country", "refs", "group_attack_id", "cfr-suspected-victims",
	"cfr-target-category", "targeted-sector", "observed_countries", "target_categories"}

func parseCluster(r io.Reader, name string) (*rawCluster, error) {
	d, closeFn, err := newDecoder(r, name)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	if err := d.delim("$", '{', "a galaxy cluster is a JSON object"); err != nil {
		return nil, err
	}
	c := &rawCluster{}
	sawValues := false
	for d.dec.More() {
		k, err := d.key("$")
		if err != nil {
			return nil, err
		}
		switch k {
		case "type", "name", "uuid":
			var s string
			if err := d.value("$."+k, &s); err != nil {
				return nil, err
			}
			switch k {
			case "type":
				c.Type = s
			case "name":
				c.Name = s
			default:
				c.UUID = s
			}
		case "version":
			if err := d.value("$.version", &c.Version); err != nil {
				return nil, err
			}
		case "values":
			sawValues = true
			if c.Values, err = parseValues(d); err != nil {
				return nil, err
			}
		default:
			var skip json.RawMessage
			if err := d.value("$."+k, &skip); err != nil {
				return nil, err
			}
		}
	}
	if err := d.delim("$", '}', "expected the end of the cluster object"); err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	if c.Type == "" {
		return nil, d.fail("$", d.start(), "not a galaxy cluster: \"type\" is missing")
	}
	if !sawValues {
		return nil, d.fail("$", d.start(), "the cluster has no \"values\" array")
	}
	return c, nil
}

func parseValues(d *decoder) ([]*rawValue, error) {
	if err := d.delim("$.values", '[', "values must be an array"); err != nil {
		return nil, err
	}
	var out []*rawValue
	for i := 0; d.dec.More(); i++ {
		path := fmt.Sprintf("$.values[%d]", i)
		at := d.start()
		v := &rawValue{}
		if err := d.value(path, v); err != nil {
			return nil, err
		}
		for _, k := range stringMeta {
			raw, ok := v.Meta[k]
			if !ok || string(raw) == "null" {
				continue
			}
			if v.Meta.strs(k) == nil && string(raw) != "[]" && string(raw) != `""` {
				return nil, d.fail(fmt.Sprintf("%s.meta.%s", path, k), at, "expected a string or a list of strings, found %s", shape(raw))
			}
		}
		out = append(out, v)
	}
	if err := d.delim("$.values", ']', "expected the end of the values array"); err != nil {
		return nil, err
	}
	return out, nil
}

// shape names the JSON type of a raw value for error messages.
func shape(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "":
		return "nothing"
	case s[0] == '{':
		return "an object"
	case s[0] == '[':
		return "a list with a non-string item"
	case s[0] == '"':
		return "a string"
	case s == "true" || s == "false":
		return "a boolean"
	}
	return "a number"
}
