package misp

import (
	"bytes"
	"fmt"
	"io"
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
	// and were repaired or dropped, naming their records.
	Notes []string
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

// ParseEvent reads one MISP event, {"Event": {…}} or the bare event
// object, plain or gzip.
func ParseEvent(r io.Reader, name string, src intel.Source) (*EventResult, error) {
	res := &EventResult{Bundle: &intel.Bundle{Source: src}, Ignored: map[string]int{}}
	if err := parseEventInto(res, r, name, src, nil); err != nil {
		return nil, err
	}
	res.Notes = res.Bundle.Tidy()
	return res, nil
}

func parseEventInto(res *EventResult, r io.Reader, name string, src intel.Source, fallback *rawEvent) error {
	d, closeFn, err := newDecoder(r, name)
	if err != nil {
		return err
	}
	defer closeFn()
	at := d.start()
	var f struct {
		Event *rawEvent `json:"Event"`
		rawEvent
	}
	if err := d.value("$", &f); err != nil {
		return err
	}
	if err := d.end(); err != nil {
		return err
	}
	ev, path := f.Event, "$.Event"
	if ev == nil {
		ev, path = &f.rawEvent, "$"
	}
	if ev.UUID == "" {
		if fallback == nil || fallback.UUID == "" {
			return d.fail(path, at, "the event has no \"uuid\"")
		}
		ev.UUID = fallback.UUID
	}
	if strings.TrimSpace(ev.Info) == "" && fallback != nil {
		ev.Info = fallback.Info
	}
	if strings.TrimSpace(ev.Info) == "" {
		return d.fail(path, at, "event %s has no \"info\"", ev.UUID)
	}
	date, err := parseDate(ev.Date)
	if err != nil {
		return d.fail(path+".date", at, "%v", err)
	}
	return addEvent(res, ev, date, name+": "+path, src)
}

func addEvent(res *EventResult, ev *rawEvent, date time.Time, where string, src intel.Source) error {
	e := Event{UUID: strings.ToLower(ev.UUID), Info: strings.TrimSpace(ev.Info), Date: date,
		Timestamp: ev.Timestamp.t, Org: ev.Orgc.Name, TLP: src.TLP}
	e.DocumentURL = "urn:uuid:" + e.UUID
	tags, tlp := tagNames(ev.Tag)
	if tlp != "" {
		e.TLP = tlp
	}
	e.Tags = tags
	b := res.Bundle

	// Group clusters attached to the event.
	var groupTags []string
	for _, g := range ev.Galaxy {
		for _, c := range g.GalaxyCluster {
			typ := c.Type
			if typ == "" {
				typ = g.Type
			}
			if !groupGalaxies[typ] || strings.TrimSpace(c.Value) == "" || c.UUID == "" {
				continue
			}
			uuid := strings.ToLower(c.UUID)
			key := "misp-event:" + e.UUID + "/" + uuid
			if slices.Contains(e.GroupKeys, key) {
				continue
			}
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
			tag := c.TagName
			if tag == "" {
				tag = fmt.Sprintf("misp-galaxy:%s=%q", typ, o.Name)
			}
			groupTags = addUnique(groupTags, tag)
		}
	}
	for _, t := range groupTags {
		e.Tags = addUnique(e.Tags, t)
	}

	var text strings.Builder
	fmt.Fprintf(&text, "%s\n", e.Info)
	if e.Org != "" {
		fmt.Fprintf(&text, "Organisation: %s\n", e.Org)
	}
	if len(e.GroupNames) > 0 {
		fmt.Fprintf(&text, "Attributed to: %s\n", strings.Join(e.GroupNames, ", "))
	}
	add := func(a *rawAttribute, path, object string) {
		if a.Deleted.b {
			return
		}
		line := a.Type + " " + a.Value
		if object != "" {
			line = object + ": " + line
		}
		if c := strings.TrimSpace(a.Comment); c != "" {
			text.WriteString("\n" + line + " — " + c)
		}
		m, ok := attributeTypes[a.Type]
		if !ok {
			res.Ignored[a.Type]++
			return
		}
		in, reason := indicator(a, m.types, m.part)
		if reason != "" {
			res.Rejected = append(res.Rejected, Rejection{Path: where + path, Type: a.Type, Value: a.Value, Reason: reason})
			return
		}
		atags, atlp := tagNames(a.Tag)
		in.TLP = e.TLP
		if atlp != "" {
			in.TLP = atlp
		}
		in.Tags = slices.Clone(e.Tags)
		for _, t := range atags {
			in.Tags = addUnique(in.Tags, t)
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
	}
	for i := range ev.Attribute {
		add(&ev.Attribute[i], fmt.Sprintf(".Attribute[%d]", i), "")
	}
	for i, o := range ev.Object {
		if o.Deleted.b {
			continue
		}
		for j := range o.Attribute {
			add(&o.Attribute[j], fmt.Sprintf(".Object[%d].Attribute[%d]", i, j), o.Name)
		}
	}
	b.Documents = append(b.Documents, intel.Document{Title: e.Info, URL: e.DocumentURL, Published: date,
		Text: text.String(), TLP: e.TLP})
	res.Events = append(res.Events, e)
	return nil
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
	UUID      string         `json:"uuid"`
	Info      string         `json:"info"`
	Date      string         `json:"date"`
	Timestamp flexTime       `json:"timestamp"`
	Orgc      rawOrg         `json:"Orgc"`
	Tag       []rawTag       `json:"Tag"`
	Attribute []rawAttribute `json:"Attribute"`
	Object    []rawObject    `json:"Object"`
	Galaxy    []rawGalaxy    `json:"Galaxy"`
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
}

type rawObject struct {
	Name      string         `json:"name"`
	Deleted   flexBool       `json:"deleted"`
	Attribute []rawAttribute `json:"Attribute"`
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
