package misp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
)

// EventResult is one or more MISP events as a bundle.
//
// The bundle holds the indicators, one document per event (title = info,
// published = date, URL = urn:uuid:<event uuid>, text = the attributes
// with their comments) and, per group cluster attached to an event, a
// group record keyed "misp-event:<event uuid>/<cluster uuid>" that holds
// the cluster's UUID (so the store merges it into the group that galaxy
// cluster became) and cites the event's document (so the group's profile
// lists the event). Indicators carry the event's tags, galaxy tags
// (misp-galaxy:threat-actor="APT28") included.
type EventResult struct {
	Bundle *intel.Bundle
	Events []Event
	// Rejected lists attributes of indicator types whose value is not a
	// valid indicator; AddTo counts them in an import's stats.
	Rejected []Rejection
	// Ignored counts attributes of types that are not indicators
	// (comment, text, filename, regkey, …), by MISP type.
	Ignored map[string]int
	// Notes say which values broke the input rules (intel.Bundle.Tidy)
	// and were repaired or dropped, naming their records, and which events
	// had no uuid and got one derived from their content.
	Notes []string
	// Links are the sightings of the events' attributes, keyed by the
	// attributes' UUIDs as MISP's STIX export keys its indicators
	// ("indicator--<attribute uuid>"); the importer writes them after
	// Bundle.
	Links *intel.BundleLinks
	// Types says, per kind of MISP record (misp-event, misp-attribute,
	// misp-object, misp-sighting, misp-proposal, misp-galaxy-cluster,
	// misp-event-report), how many were read, modelled as spoor records,
	// kept (every event is kept whole, with all it holds) and flagged.
	Types map[string]*intel.TypeSummary
}

func (r *EventResult) count(kind string) *intel.TypeSummary {
	if r.Types == nil {
		r.Types = map[string]*intel.TypeSummary{}
	}
	t := r.Types[kind]
	if t == nil {
		t = &intel.TypeSummary{}
		r.Types[kind] = t
	}
	return t
}

// flag counts a flagged record with its reason.
func flag(t *intel.TypeSummary, reason string) {
	t.Flagged++
	if t.Reasons == nil {
		t.Reasons = map[string]int{}
	}
	t.Reasons[reason]++
}

// Event is what a MISP event says beyond its bundle records: the unit of
// analysis the event store keeps, with its group and indicators.
type Event struct {
	UUID      string
	Info      string
	Date      time.Time
	Timestamp time.Time
	Org       string
	TLP       intel.TLP
	Tags      []string
	// Groups are the group clusters attached to the event: GroupKeys are
	// the import keys of their records in the bundle, GroupNames their
	// values.
	GroupKeys  []string
	GroupNames []string
	// Indicators are indexes into the bundle's Indicators.
	Indicators []int
	// DocumentURL finds the event's document in the bundle.
	DocumentURL string
}

// Rejection is an attribute that was not imported, with the reason.
type Rejection struct {
	Path   string // input name and JSON path
	Type   string // MISP attribute type
	Value  string
	Reason string
}

// AddTo counts the rejected attributes as seen and rejected indicators.
func (r *EventResult) AddTo(st *intel.ImportStats) {
	c := st.Count("indicator")
	c.Seen += len(r.Rejected)
	c.Rejected += len(r.Rejected)
}

// groupGalaxies are the galaxy types whose clusters name an attack group.
var groupGalaxies = map[string]bool{
	"threat-actor": true, "mitre-intrusion-set": true, "microsoft-activity-group": true,
	"360net-threat-actor": true, "groups": true, "tidal-groups": true,
	"mitre-enterprise-attack-intrusion-set": true,
}

// attributeTypes maps MISP attribute types to indicator types; the part
// of a composite value ("filename|md5") that holds the indicator is the
// one at index part.
var attributeTypes = map[string]struct {
	types []intel.IndicatorType
	part  int
}{
	"ip-src": {ipTypes, 0}, "ip-dst": {ipTypes, 0}, "ip-src|port": {ipTypes, 0}, "ip-dst|port": {ipTypes, 0},
	"domain": {[]intel.IndicatorType{intel.IndicatorDomain}, 0}, "hostname": {[]intel.IndicatorType{intel.IndicatorDomain}, 0},
	"domain|ip": {[]intel.IndicatorType{intel.IndicatorDomain}, 0}, "hostname|port": {[]intel.IndicatorType{intel.IndicatorDomain}, 0},
	"url": {[]intel.IndicatorType{intel.IndicatorURL}, 0}, "uri": {[]intel.IndicatorType{intel.IndicatorURL}, 0},
	"email": {emailType, 0}, "email-src": {emailType, 0}, "email-dst": {emailType, 0}, "email-reply-to": {emailType, 0},
	"md5": {md5Type, 0}, "sha1": {sha1Type, 0}, "sha256": {sha256Type, 0}, "sha512": {sha512Type, 0},
	"filename|md5": {md5Type, 1}, "filename|sha1": {sha1Type, 1}, "filename|sha256": {sha256Type, 1}, "filename|sha512": {sha512Type, 1},
	"malware-sample":      {md5Type, 1},
	"vulnerability":       {[]intel.IndicatorType{intel.IndicatorCVE}, 0},
	"AS":                  {[]intel.IndicatorType{intel.IndicatorASN}, 0},
	"mac-address":         {[]intel.IndicatorType{intel.IndicatorMAC}, 0},
	"btc":                 {[]intel.IndicatorType{intel.IndicatorBTC}, 0},
	"xmr":                 {[]intel.IndicatorType{intel.IndicatorXMR}, 0},
	"regkey":              {[]intel.IndicatorType{intel.IndicatorRegKey}, 0},
	"regkey|value":        {[]intel.IndicatorType{intel.IndicatorRegKey}, 0},
	"filename":            {[]intel.IndicatorType{intel.IndicatorFileName, intel.IndicatorFilePath}, 0},
	"ja3-fingerprint-md5": {[]intel.IndicatorType{intel.IndicatorJA3}, 0},
}

var (
	ipTypes    = []intel.IndicatorType{intel.IndicatorIPv4, intel.IndicatorIPv6, intel.IndicatorCIDR}
	emailType  = []intel.IndicatorType{intel.IndicatorEmail}
	md5Type    = []intel.IndicatorType{intel.IndicatorMD5}
	sha1Type   = []intel.IndicatorType{intel.IndicatorSHA1}
	sha256Type = []intel.IndicatorType{intel.IndicatorSHA256}
	sha512Type = []intel.IndicatorType{intel.IndicatorSHA512}
)

// ParseEvent reads MISP events, plain or gzip: one event, {"Event": {…}}
// or the bare event object, or a list of them (a JSON array, or MISP's
// search answer {"response": […]}). An event without a uuid (as PyMISP
// writes one before upload) is keyed by a UUID derived from its content,
// with a note. A file that is another MISP record (an object template, a
// sighting, a galaxy cluster, a feed manifest) or a STIX bundle is refused
// with an error that says what it is.
func ParseEvent(r io.Reader, name string, src intel.Source) (*EventResult, error) {
	res := newEventResult(src)
	if err := parseEventInto(res, r, name, src, nil); err != nil {
		return nil, err
	}
	res.finish()
	return res, nil
}

// finish tidies the bundle by the input rules and drops the record kinds
// the input did not have from Types.
func (r *EventResult) finish() {
	r.Notes = append(r.Notes, r.Bundle.Tidy()...)
	for k, t := range r.Types {
		if t.Seen == 0 {
			delete(r.Types, k)
		}
	}
}

func newEventResult(src intel.Source) *EventResult {
	return &EventResult{Bundle: &intel.Bundle{Source: src}, Ignored: map[string]int{},
		Links: &intel.BundleLinks{Source: src}}
}

func parseEventInto(res *EventResult, r io.Reader, name string, src intel.Source, fallback *rawEvent) error {
	d, closeFn, err := newDecoder(r, name)
	if err != nil {
		return err
	}
	defer closeFn()
	at := d.start()
	var raw json.RawMessage
	if err := d.value("$", &raw); err != nil {
		return err
	}
	if err := d.end(); err != nil {
		return err
	}
	switch raw[0] {
	case '[':
		return eachElement(d, raw, at, "$", func(el json.RawMessage, path string, elAt int64) error {
			return parseOne(res, d, el, path, elAt, src, nil)
		})
	case '{':
		keys := topKeys(raw)
		if keys["response"] && !keys["Event"] && !keys["info"] {
			var resp struct {
				Response json.RawMessage `json:"response"`
			}
			if err := json.Unmarshal(raw, &resp); err != nil {
				return d.jsonFail("$", err, at)
			}
			resp.Response = bytes.TrimSpace(resp.Response)
			if len(resp.Response) == 0 || resp.Response[0] != '[' {
				return d.fail("$.response", at, "response must be a list of events")
			}
			off := int64(bytes.Index(raw, resp.Response))
			return eachElement(d, resp.Response, at+off, "$.response", func(el json.RawMessage, path string, elAt int64) error {
				return parseOne(res, d, el, path, elAt, src, nil)
			})
		}
		return parseOne(res, d, raw, "$", at, src, fallback)
	}
	return d.fail("$", at, "a MISP event is a JSON object or a list of events, found %s", describeRaw(raw))
}

// eachElement calls fn with every element of the JSON array list, which
// starts at input offset at, and the element's own offset.
func eachElement(d *decoder, list json.RawMessage, at int64, path string, fn func(json.RawMessage, string, int64) error) error {
	dec := json.NewDecoder(bytes.NewReader(list))
	if _, err := dec.Token(); err != nil { // '[': checked by the caller
		return d.jsonFail(path, err, at)
	}
	for i := 0; dec.More(); i++ {
		off := dec.InputOffset()
		for off < int64(len(list)) && strings.IndexByte(" \t\r\n,", list[off]) >= 0 {
			off++
		}
		var el json.RawMessage
		if err := dec.Decode(&el); err != nil {
			return d.jsonFail(path, err, at+off)
		}
		elPath := fmt.Sprintf("%s[%d]", path, i)
		if len(el) == 0 || el[0] != '{' {
			return d.fail(elPath, at+off, "an event is a JSON object, found %s", describeRaw(el))
		}
		if err := fn(el, elPath, at+off); err != nil {
			return err
		}
	}
	return nil
}

func describeRaw(raw json.RawMessage) string {
	switch raw[0] {
	case '[':
		return "a list"
	case '{':
		return "an object"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// topKeys lists the members of a JSON object.
func topKeys(raw json.RawMessage) map[string]bool {
	var m map[string]json.RawMessage
	keys := map[string]bool{}
	if json.Unmarshal(raw, &m) == nil {
		for k := range m {
			keys[k] = true
		}
	}
	return keys
}

// notAnEvent says what a JSON object that is not a MISP event looks
// like, from its members, or "" when it may be an event.
func notAnEvent(keys map[string]bool) string {
	if keys["Event"] || keys["info"] {
		return ""
	}
	manifest := len(keys) > 0
	for k := range keys {
		if len(k) != 36 || strings.Count(k, "-") != 4 {
			manifest = false
			break
		}
	}
	switch {
	case keys["requiredOneOf"] || keys["required"] || (keys["attributes"] && (keys["meta-category"] || keys["version"])):
		return "a MISP object template, not an event (it defines the attributes of an object; import the events that use it)"
	case keys["Sighting"] || keys["date_sighting"]:
		return "a MISP sighting, not an event (sightings are read inside the events whose attributes they sight)"
	case keys["template_uuid"] || (keys["meta-category"] && keys["Attribute"]):
		return "a MISP object, not an event (objects are read inside an event's Object list)"
	case keys["values"] && keys["type"]:
		return "a MISP galaxy cluster, not an event (format misp-galaxy)"
	case keys["namespace"] && keys["type"] && keys["uuid"]:
		return "a MISP galaxy descriptor, not an event (format misp-galaxy reads its clusters)"
	case keys["objects"] && keys["type"]:
		return "a STIX bundle, not a MISP event (format stix)"
	case manifest:
		return "a MISP feed manifest, not an event (format misp-feed reads the feed's directory)"
	case keys["value"] && keys["type"] && (keys["category"] || keys["to_ids"]):
		return "a MISP attribute, not an event (attributes are read inside an event)"
	}
	return ""
}

// parseOne reads one event object (wrapped in "Event" or bare) that
// starts at input offset at.
func parseOne(res *EventResult, d *decoder, raw json.RawMessage, path string, at int64, src intel.Source, fallback *rawEvent) error {
	keys := topKeys(raw)
	if kind := notAnEvent(keys); kind != "" {
		return d.fail(path, at, "this is %s", kind)
	}
	ev, evPath := &rawEvent{}, path
	var err error
	if keys["Event"] {
		var f struct {
			Event *rawEvent `json:"Event"`
		}
		err = json.Unmarshal(raw, &f)
		if f.Event != nil {
			ev, evPath = f.Event, path+".Event"
		}
	} else {
		err = json.Unmarshal(raw, ev)
	}
	if err != nil {
		return d.jsonFail(path, err, at)
	}
	if strings.TrimSpace(ev.Info) == "" && fallback != nil {
		ev.Info = fallback.Info
	}
	if strings.TrimSpace(ev.Info) == "" {
		who := ev.UUID
		if who == "" {
			who = "without uuid"
		}
		return d.fail(evPath, at, "event %s has no \"info\"", who)
	}
	date, err := parseDate(ev.Date)
	if err != nil {
		return d.fail(evPath+".date", at, "%v", err)
	}
	if ev.UUID == "" && fallback != nil {
		ev.UUID = fallback.UUID
	}
	var flags []string
	if ev.UUID == "" {
		// PyMISP writes events without a uuid before upload, and so do
		// people: a key derived from what the event says keeps a
		// re-import of the same file from making a second event.
		ev.UUID = contentUUID(ev)
		flags = append(flags, "no uuid: keyed by its content as "+ev.UUID)
		res.Notes = append(res.Notes, fmt.Sprintf("%s: %s: event %q has no uuid; keyed by its content as %s "+
			"(a changed info, date or attribute makes it another event)", d.name, evPath, strings.TrimSpace(ev.Info), ev.UUID))
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		buf.Reset()
		buf.Write(raw)
	}
	return addEvent(res, ev, date, d.name+": "+evPath, src, buf.Bytes(), flags)
}

// contentUUID derives a stable UUID (version 5 layout) from what an event
// says: its info, date, organisation and attributes (type and value,
// sorted), objects' attributes included.
func contentUUID(ev *rawEvent) string {
	var parts []string
	add := func(a []rawAttribute) {
		for _, x := range a {
			parts = append(parts, x.Type+"\x00"+x.Value)
		}
	}
	add(ev.Attribute)
	for _, o := range ev.Object {
		add(o.Attribute)
	}
	slices.Sort(parts)
	return nameUUID("misp-event\x00" + strings.TrimSpace(ev.Info) + "\x00" + ev.Date + "\x00" + ev.Orgc.Name + "\x00" + strings.Join(parts, "\x01"))
}

// nameUUID is a UUID in version 5 layout from the SHA-256 of name.
func nameUUID(name string) string {
	h := sha256.Sum256([]byte(name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// isUUID reports whether s is written as a UUID.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}

// techniqueTag reads an ATT&CK technique ID at the end of a galaxy value
// ("Spearphishing Attachment - T1566.001").
var techniqueTag = regexp.MustCompile(`\bT\d{4}(?:\.\d{3})?$`)

// galaxyTag splits a galaxy tag, misp-galaxy:<type>="<value>".
func galaxyTag(tag string) (typ, value string, ok bool) {
	rest, found := strings.CutPrefix(tag, "misp-galaxy:")
	if !found {
		return "", "", false
	}
	typ, value, found = strings.Cut(rest, "=")
	if !found {
		return "", "", false
	}
	value = strings.Trim(strings.TrimSpace(value), `"`)
	return strings.TrimSpace(typ), strings.TrimSpace(value), typ != "" && value != ""
}

// attackGalaxies are the galaxy types whose values are ATT&CK techniques.
var attackGalaxies = map[string]bool{
	"mitre-attack-pattern": true, "mitre-enterprise-attack-attack-pattern": true,
	"mitre-mobile-attack-attack-pattern": true, "mitre-ics-techniques": true,
}

func addEvent(res *EventResult, ev *rawEvent, date time.Time, where string, src intel.Source, raw []byte, flags []string) error {
	e := Event{UUID: strings.ToLower(ev.UUID), Info: strings.TrimSpace(ev.Info), Date: date,
		Timestamp: ev.Timestamp.t, Org: ev.Orgc.Name, TLP: src.TLP}
	e.DocumentURL = "urn:uuid:" + e.UUID
	tags, tlp := tagNames(ev.Tag)
	if tlp != "" {
		e.TLP = tlp
	}
	e.Tags = tags
	b := res.Bundle
	rejectedBefore := len(res.Rejected)
	evCount := res.count("misp-event")
	evCount.Seen++
	evCount.Modelled++ // the event's document
	evCount.Kept++
	for _, f := range flags {
		r, _, _ := strings.Cut(f, ":")
		flag(evCount, r)
	}
	var values []string // what the kept event is found by

	// Group clusters attached to the event become group records; ATT&CK
	// technique clusters, technique indicators; every cluster a tag.
	var groupTags []string
	var techniques []string
	clusters := res.count("misp-galaxy-cluster")
	for _, g := range ev.Galaxy {
		for _, c := range g.GalaxyCluster {
			clusters.Seen++
			clusters.Kept++
			typ := c.Type
			if typ == "" {
				typ = g.Type
			}
			tag := c.TagName
			if tag == "" && strings.TrimSpace(c.Value) != "" {
				tag = fmt.Sprintf("misp-galaxy:%s=%q", typ, strings.TrimSpace(c.Value))
			}
			if attackGalaxies[typ] {
				id := c.Meta.str("external_id")
				if id == "" {
					id = techniqueTag.FindString(strings.TrimSpace(c.Value))
				}
				if id != "" {
					techniques = addUnique(techniques, strings.ToUpper(id))
					clusters.Modelled++
				}
				groupTags = addUnique(groupTags, tag)
				continue
			}
			if !groupGalaxies[typ] || strings.TrimSpace(c.Value) == "" || c.UUID == "" {
				groupTags = addUnique(groupTags, tag)
				continue
			}
			uuid := strings.ToLower(c.UUID)
			key := "misp-event:" + e.UUID + "/" + uuid
			if slices.Contains(e.GroupKeys, key) {
				continue
			}
			clusters.Modelled++
			o := intel.Object{Kind: intel.KindGroup, StixID: key, Name: strings.TrimSpace(c.Value),
				Description: c.Description, Confidence: src.Credibility, TLP: e.TLP,
				XRefs: []intel.XRef{{Key: "uuid:" + uuid, Type: intel.XRefHolds}},
				Refs:  []intel.ExternalRef{{SourceName: e.Info, URL: e.DocumentURL}},
			}
			for _, s := range c.Meta.strs("synonyms") {
				if !attackGroupID.MatchString(strings.ToUpper(strings.TrimSpace(s))) && intel.NormalizeName(s) != intel.NormalizeName(o.Name) {
					o.Aliases = addName(o.Aliases, strings.TrimSpace(s))
				}
			}
			b.Objects = append(b.Objects, o)
			e.GroupKeys = append(e.GroupKeys, key)
			e.GroupNames = append(e.GroupNames, o.Name)
			groupTags = addUnique(groupTags, tag)
		}
	}
	for _, t := range groupTags {
		e.Tags = addUnique(e.Tags, t)
	}
	// Galaxy tags without their cluster (an event as PyMISP writes it, a
	// feed event): a threat actor names the group the event is attributed
	// to (no group record: a name alone is no evidence to merge on), an
	// ATT&CK pattern its technique.
	for _, t := range e.Tags {
		typ, value, ok := galaxyTag(t)
		if !ok {
			continue
		}
		switch {
		case groupGalaxies[typ]:
			if !slices.ContainsFunc(e.GroupNames, func(n string) bool { return intel.NormalizeName(n) == intel.NormalizeName(value) }) {
				e.GroupNames = append(e.GroupNames, value)
			}
		case attackGalaxies[typ]:
			if id := techniqueTag.FindString(value); id != "" {
				techniques = addUnique(techniques, id)
			}
		}
	}

	var text strings.Builder
	fmt.Fprintf(&text, "%s\n", e.Info)
	if e.Org != "" {
		fmt.Fprintf(&text, "Organisation: %s\n", e.Org)
	}
	if len(e.GroupNames) > 0 {
		fmt.Fprintf(&text, "Attributed to: %s\n", strings.Join(e.GroupNames, ", "))
	}
	if len(techniques) > 0 {
		fmt.Fprintf(&text, "Techniques: %s\n", strings.Join(techniques, ", "))
	}
	attrs := res.count("misp-attribute")
	sightings := res.count("misp-sighting")
	proposals := res.count("misp-proposal")
	// attrKeys: attribute uuid → the indicator keys it yielded, for the
	// event-level sightings.
	attrKeys := map[string]string{}
	proposal := func(p *rawAttribute, on string) {
		proposals.Seen++
		proposals.Kept++ // in the kept event; a proposal is not reviewed, so not an indicator
		values = append(values, p.Value)
		line := fmt.Sprintf("\nProposal: %s %s", p.Type, p.Value)
		if on != "" {
			line += " (to change " + on + ")"
		}
		if p.Org.Name != "" {
			line += " by " + p.Org.Name
		}
		if c := strings.TrimSpace(p.Comment); c != "" {
			line += " — " + c
		}
		text.WriteString(line)
	}
	add := func(a *rawAttribute, path, object string) {
		if a.Deleted.b {
			return
		}
		attrs.Seen++
		attrs.Kept++
		values = append(values, a.Value)
		line := a.Type + " " + a.Value
		if a.ObjectRelation != "" {
			line = a.ObjectRelation + " (" + a.Type + ") " + a.Value
		}
		if object != "" {
			line = object + ": " + line
		}
		if c := strings.TrimSpace(a.Comment); c != "" {
			text.WriteString("\n" + line + " — " + c)
		} else if object != "" {
			text.WriteString("\n" + line)
		}
		for i := range a.ShadowAttribute {
			proposal(&a.ShadowAttribute[i], a.Type+" "+a.Value)
		}
		m, ok := attributeTypes[a.Type]
		if !ok {
			res.Ignored[a.Type]++
			sightings.Seen += len(a.Sighting)
			sightings.Kept += len(a.Sighting)
			return
		}
		in, reason := indicator(a, m.types, m.part)
		if reason != "" {
			res.Rejected = append(res.Rejected, Rejection{Path: where + path, Type: a.Type, Value: a.Value, Reason: reason})
			flag(attrs, a.Type+": not a valid value")
			sightings.Seen += len(a.Sighting)
			sightings.Kept += len(a.Sighting)
			return
		}
		attrs.Modelled++
		atags, atlp := tagNames(a.Tag)
		for _, t := range atags {
			// An ATT&CK galaxy tag on an attribute names a technique of
			// the event.
			if typ, value, ok := galaxyTag(t); ok && attackGalaxies[typ] {
				if id := techniqueTag.FindString(value); id != "" {
					techniques = addUnique(techniques, id)
				}
			}
		}
		in.TLP = e.TLP
		if atlp != "" {
			in.TLP = atlp
		}
		in.Tags = slices.Clone(e.Tags)
		for _, t := range atags {
			in.Tags = addUnique(in.Tags, t)
		}
		if object != "" {
			// The object's template and the attribute's relation in it.
			rel := object
			if a.ObjectRelation != "" {
				rel += "/" + a.ObjectRelation
			}
			in.Tags = addUnique(in.Tags, "misp-object:"+rel)
		}
		in.Confidence = src.Credibility
		if !a.ToIDs.b {
			// MISP's to_ids=false marks context, not a detection signal.
			in.Confidence /= 2
			in.Tags = addUnique(in.Tags, "misp:to_ids=false")
		}
		in.Description = strings.TrimSpace(a.Comment)
		if in.Description == "" {
			in.Description = e.Info
		}
		e.Indicators = append(e.Indicators, len(b.Indicators))
		b.Indicators = append(b.Indicators, in)
		// The attribute's UUID is its STIX indicator ID in MISP's STIX
		// export; sightings name the attribute by it.
		auuid := strings.ToLower(a.UUID)
		if !isUUID(auuid) {
			auuid = nameUUID("misp-attribute\x00" + e.UUID + "\x00" + path + "\x00" + a.Type + "\x00" + a.Value)
		}
		ref := "indicator--" + auuid
		attrKeys[auuid] = ref
		res.Links.Indicators = append(res.Links.Indicators, intel.STIXIndicator{StixID: ref,
			Keys: []intel.IndicatorKey{{Type: in.Type, Value: in.Value}}})
		for i := range a.Sighting {
			sighting(res, sightings, &a.Sighting[i], ref, e.UUID, path, i)
		}
	}
	for i := range ev.Attribute {
		add(&ev.Attribute[i], fmt.Sprintf(".Attribute[%d]", i), "")
	}
	objs := res.count("misp-object")
	for i, o := range ev.Object {
		if o.Deleted.b {
			continue
		}
		objs.Seen++
		objs.Kept++
		head := "\nObject " + o.Name
		if o.TemplateUUID != "" {
			head += fmt.Sprintf(" (template %s version %s)", o.TemplateUUID, o.TemplateVersion.s)
		}
		if c := strings.TrimSpace(o.Comment); c != "" {
			head += " — " + c
		}
		text.WriteString(head)
		before := attrs.Modelled
		for j := range o.Attribute {
			add(&o.Attribute[j], fmt.Sprintf(".Object[%d].Attribute[%d]", i, j), o.Name)
		}
		if attrs.Modelled > before {
			objs.Modelled++
		}
		for _, r := range o.ObjectReference {
			fmt.Fprintf(&text, "\n%s %s %s", o.Name, r.RelationshipType, r.ReferencedUUID)
		}
	}
	for i := range ev.ShadowAttribute {
		proposal(&ev.ShadowAttribute[i], "")
	}
	// Sightings listed at the event level name their attribute by uuid.
	for i := range ev.Sighting {
		sg := &ev.Sighting[i]
		ref, ok := attrKeys[strings.ToLower(sg.AttributeUUID)]
		if !ok {
			sightings.Seen++
			sightings.Kept++
			continue
		}
		sighting(res, sightings, sg, ref, e.UUID, ".Sighting", i)
	}
	for _, id := range techniques {
		// ATT&CK techniques the event's galaxies name.
		if m, err := ioc.Check(id, ioc.TypeTechnique); err == nil {
			b.Indicators = append(b.Indicators, intel.Indicator{Type: intel.IndicatorTechnique, Value: m.Value,
				Description: e.Info, Tags: slices.Clone(e.Tags), FirstSeen: date, Confidence: src.Credibility, TLP: e.TLP})
			e.Indicators = append(e.Indicators, len(b.Indicators)-1)
		}
	}
	b.Documents = append(b.Documents, intel.Document{Title: e.Info, URL: e.DocumentURL, Published: date,
		Text: text.String(), TLP: e.TLP})
	reports := res.count("misp-event-report")
	for _, r := range ev.EventReport {
		if r.Deleted.b {
			continue
		}
		reports.Seen++
		reports.Kept++
		name := strings.TrimSpace(r.Name)
		if name == "" {
			name = e.Info + " (report)"
		}
		ruuid := strings.ToLower(r.UUID)
		if !isUUID(ruuid) {
			ruuid = nameUUID("misp-event-report\x00" + e.UUID + "\x00" + name)
		}
		reports.Modelled++
		published := r.Timestamp.t
		if published.IsZero() {
			published = date
		}
		b.Documents = append(b.Documents, intel.Document{Title: name, URL: "urn:uuid:" + ruuid, Published: published,
			Text: r.Content, TLP: e.TLP})
	}
	// The event is kept whole, as MISP wrote it: objects with their
	// templates and relations, tags, galaxies, sightings and proposals.
	keyUUID := e.UUID
	if !isUUID(keyUUID) {
		keyUUID = nameUUID("misp-event\x00" + e.UUID)
	}
	var attrFlags []string
	for _, r := range res.Rejected[rejectedBefore:] {
		attrFlags = append(attrFlags, fmt.Sprintf("%s %s %q: %s", strings.TrimPrefix(r.Path, where+"."), r.Type, r.Value, r.Reason))
	}
	b.STIXObjects = append(b.STIXObjects, intel.STIXObject{StixID: "x-misp-event--" + keyUUID, Type: "x-misp-event",
		SpecVersion: "misp", Name: e.Info, Created: date, Modified: ev.Timestamp.t, Values: values,
		Flags: append(flags, attrFlags...), Modelled: "document", Raw: raw})
	res.Events = append(res.Events, e)
	return nil
}

// sightingTypes are MISP's sighting types.
var sightingTypes = map[string]string{"0": "sighting", "1": "false positive", "2": "expiration"}

// sighting adds a MISP sighting of the attribute whose STIX indicator ID
// is ref.
func sighting(res *EventResult, c *intel.TypeSummary, sg *rawSighting, ref, event, path string, i int) {
	c.Seen++
	c.Kept++
	when := sg.DateSighting.t
	if when.IsZero() {
		return // a sighting without a date says nothing the store keeps
	}
	c.Modelled++
	id := strings.ToLower(sg.UUID)
	if !isUUID(id) {
		id = nameUUID(fmt.Sprintf("misp-sighting\x00%s\x00%s\x00%s[%d]", event, ref, path, i))
	}
	s := intel.Sighting{StixID: "sighting--" + id, IndicatorRef: ref, SeenAt: when, FirstSeen: when, LastSeen: when, Count: 1}
	what := sightingTypes[sg.Type.s]
	if what == "" {
		what = "sighting"
	}
	s.Note = "MISP " + what
	if src := strings.TrimSpace(sg.Source); src != "" {
		s.Note += " from " + src
	}
	if org := strings.TrimSpace(sg.Organisation.Name); org != "" {
		s.Where = []string{org}
	}
	res.Links.Sightings = append(res.Links.Sightings, s)
}

// indicator maps an attribute to an indicator, accepting the value only if
// ioc.Check, the one check of indicator values (the extract page, the
// indicator form and the STIX and list imports use it too), reads it as
// exactly one indicator of one of the expected types; it returns a reason
// otherwise. The indicator carries the value's label (ioc.Match.Label).
func indicator(a *rawAttribute, types []intel.IndicatorType, part int) (intel.Indicator, string) {
	v := strings.TrimSpace(a.Value)
	if strings.Contains(a.Type, "|") {
		parts := strings.Split(v, "|")
		if len(parts) != 2 || part >= len(parts) {
			return intel.Indicator{}, fmt.Sprintf("%s value %q is not two parts joined by |", a.Type, v)
		}
		v = strings.TrimSpace(parts[part])
	}
	if a.Type == "AS" && v != "" && v[0] >= '0' && v[0] <= '9' {
		v = "AS" + v
	}
	if a.Type == "uri" && !strings.Contains(v, "://") {
		return intel.Indicator{}, fmt.Sprintf("uri %q is a path, not a URL", v)
	}
	want := make([]ioc.Type, 0, len(types))
	for _, t := range types {
		if it, ok := ioc.ParseType(string(t)); ok {
			want = append(want, it)
		}
	}
	m, err := ioc.Check(v, want...)
	if err != nil {
		return intel.Indicator{}, err.Error()
	}
	in := intel.Indicator{Type: intel.IndicatorType(m.Type.String()), Value: m.Value, Warninglist: m.Label(),
		FirstSeen: a.FirstSeen.t, LastSeen: a.LastSeen.t}
	if in.FirstSeen.IsZero() {
		in.FirstSeen = a.Timestamp.t
	}
	if in.LastSeen.IsZero() {
		in.LastSeen = a.Timestamp.t
	}
	return in, ""
}

// tagNames returns the tag names and the TLP marking among them.
func tagNames(tags []rawTag) (names []string, tlp intel.TLP) {
	for _, t := range tags {
		n := strings.TrimSpace(t.Name)
		if n == "" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(n), "tlp:") {
			if m, err := intel.ParseTLP(n); err == nil {
				tlp = m
			}
		}
		names = addUnique(names, n)
	}
	return names, tlp
}

type rawEvent struct {
	UUID            string           `json:"uuid"`
	Info            string           `json:"info"`
	Date            string           `json:"date"`
	Timestamp       flexTime         `json:"timestamp"`
	Orgc            rawOrg           `json:"Orgc"`
	Tag             []rawTag         `json:"Tag"`
	Attribute       []rawAttribute   `json:"Attribute"`
	Object          []rawObject      `json:"Object"`
	Galaxy          []rawGalaxy      `json:"Galaxy"`
	ShadowAttribute []rawAttribute   `json:"ShadowAttribute"`
	Sighting        []rawSighting    `json:"Sighting"`
	EventReport     []rawEventReport `json:"EventReport"`
}

type rawSighting struct {
	UUID          string   `json:"uuid"`
	AttributeUUID string   `json:"attribute_uuid"`
	DateSighting  flexTime `json:"date_sighting"`
	Type          flexStr  `json:"type"`
	Source        string   `json:"source"`
	Organisation  rawOrg   `json:"Organisation"`
}

type rawEventReport struct {
	UUID      string   `json:"uuid"`
	Name      string   `json:"name"`
	Content   string   `json:"content"`
	Timestamp flexTime `json:"timestamp"`
	Deleted   flexBool `json:"deleted"`
}

type rawReference struct {
	ReferencedUUID   string `json:"referenced_uuid"`
	RelationshipType string `json:"relationship_type"`
}

// flexStr reads a value MISP writes as a string or a number ("1" or 1).
type flexStr struct{ s string }

func (f *flexStr) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &f.s)
	}
	if string(b) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("expected a string or a number, found %s", b)
	}
	f.s = n.String()
	return nil
}

type rawOrg struct {
	Name string `json:"name"`
	UUID string `json:"uuid"`
}

type rawTag struct {
	Name string `json:"name"`
}

type rawAttribute struct {
	UUID      string   `json:"uuid"`
	Type      string   `json:"type"`
	Category  string   `json:"category"`
	Value     string   `json:"value"`
	ToIDs     flexBool `json:"to_ids"`
	Comment   string   `json:"comment"`
	Deleted   flexBool `json:"deleted"`
	Timestamp flexTime `json:"timestamp"`
	FirstSeen flexTime `json:"first_seen"`
	LastSeen  flexTime `json:"last_seen"`
	Tag       []rawTag `json:"Tag"`
	// ObjectRelation is the attribute's role in its object's template.
	ObjectRelation  string         `json:"object_relation"`
	Sighting        []rawSighting  `json:"Sighting"`
	ShadowAttribute []rawAttribute `json:"ShadowAttribute"`
	Org             rawOrg         `json:"Org"` // of a proposal
}

type rawObject struct {
	Name            string         `json:"name"`
	UUID            string         `json:"uuid"`
	TemplateUUID    string         `json:"template_uuid"`
	TemplateVersion flexStr        `json:"template_version"`
	MetaCategory    string         `json:"meta-category"`
	Comment         string         `json:"comment"`
	Deleted         flexBool       `json:"deleted"`
	Attribute       []rawAttribute `json:"Attribute"`
	ObjectReference []rawReference `json:"ObjectReference"`
}

type rawGalaxy struct {
	Name          string            `json:"name"`
	Type          string            `json:"type"`
	GalaxyCluster []rawEventCluster `json:"GalaxyCluster"`
}

type rawEventCluster struct {
	UUID        string `json:"uuid"`
	Type        string `json:"type"`
	Value       string `json:"value"`
	TagName     string `json:"tag_name"`
	Description string `json:"description"`
	Meta        meta   `json:"meta"`
}

// flexBool reads MISP booleans, written as true/false, "1"/"0" or 1/0.
type flexBool struct{ b bool }

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "true", `"1"`, "1", `"true"`:
		f.b = true
	case "false", `"0"`, "0", `"false"`, "null", `""`:
		f.b = false
	default:
		return fmt.Errorf("expected a boolean, found %s", b)
	}
	return nil
}

// flexTime reads MISP times: unix seconds as a string or number, or an
// RFC 3339 timestamp (first_seen, last_seen).
type flexTime struct{ t time.Time }

func (f *flexTime) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" || s == `""` {
		return nil
	}
	s = strings.Trim(s, `"`)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > 0 {
			f.t = time.Unix(n, 0).UTC()
		}
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999-07:00", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			f.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("%s is neither unix seconds nor an RFC 3339 time", b)
}

// parseDate reads an event's date (YYYY-MM-DD); empty is unknown.
func parseDate(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
	}
	return t, nil
}
