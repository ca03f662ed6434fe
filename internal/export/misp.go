package export

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/intel"
)

// The MISP export is one event ({"Event": {…}}) whose attributes are the
// indicators, written one a line, followed by the event's tags and the
// threat-actor galaxy clusters of its groups. The event's UUID names the
// filter, so a MISP that imports the export again updates the same event.
//
// When the store keeps MISP events whole (a MISP import keeps every
// event, with its objects, tags, galaxies, sightings, proposals and
// reports) and the filter selects them, the export is a list of events as
// MISP's own JSON export writes it ({"response": [{"Event": …}, …]}): the
// kept events first, one a line, each as it was imported (with the uuid
// the import derived when the event had none), then spoor's event.

// threatActorGalaxy is the UUID of MISP's threat-actor galaxy.
const threatActorGalaxy = "698774c7-8022-42c4-917f-8d6e4f06ada3"

// mispTypes maps indicator types to MISP attribute types and categories.
var mispTypes = map[intel.IndicatorType][2]string{
	intel.IndicatorIPv4:   {"ip-dst", "Network activity"},
	intel.IndicatorIPv6:   {"ip-dst", "Network activity"},
	intel.IndicatorCIDR:   {"ip-dst", "Network activity"},
	intel.IndicatorDomain: {"domain", "Network activity"},
	intel.IndicatorURL:    {"url", "Network activity"},
	intel.IndicatorEmail:  {"email-src", "Payload delivery"},
	intel.IndicatorMD5:    {"md5", "Payload delivery"},
	intel.IndicatorSHA1:   {"sha1", "Payload delivery"},
	intel.IndicatorSHA256: {"sha256", "Payload delivery"},
	intel.IndicatorSHA512: {"sha512", "Payload delivery"},
	intel.IndicatorCVE:    {"vulnerability", "External analysis"},
	intel.IndicatorASN:    {"AS", "Network activity"},
}

type mispTag struct {
	Name string `json:"name"`
}

type mispAttribute struct {
	UUID         string    `json:"uuid"`
	Type         string    `json:"type"`
	Category     string    `json:"category"`
	Value        string    `json:"value"`
	ToIDs        bool      `json:"to_ids"`
	Comment      string    `json:"comment"`
	Timestamp    string    `json:"timestamp"`
	FirstSeen    string    `json:"first_seen,omitempty"`
	LastSeen     string    `json:"last_seen,omitempty"`
	Distribution string    `json:"distribution"`
	Tag          []mispTag `json:"Tag,omitempty"`
}

type mispCluster struct {
	UUID        string              `json:"uuid"`
	Type        string              `json:"type"`
	Value       string              `json:"value"`
	TagName     string              `json:"tag_name"`
	Description string              `json:"description"`
	Meta        map[string][]string `json:"meta,omitempty"`
}

type mispGalaxy struct {
	UUID          string        `json:"uuid"`
	Type          string        `json:"type"`
	Name          string        `json:"name"`
	GalaxyCluster []mispCluster `json:"GalaxyCluster"`
}

type mispWriter struct {
	*base
	n      int
	events int       // kept events written
	tlp    intel.TLP // the least shareable marking of an attribute
	groups map[int64]*intel.Object
	buf    bytes.Buffer
	enc    *json.Encoder
}

func newMISP(b *base) writer {
	w := &mispWriter{base: b, groups: map[int64]*intel.Object{}}
	w.enc = json.NewEncoder(&w.buf)
	w.enc.SetEscapeHTML(false)
	return w
}

// json writes v compactly, without a newline.
func (w *mispWriter) json(v any) error {
	w.buf.Reset()
	if err := w.enc.Encode(v); err != nil {
		return fmt.Errorf("export: misp: %w", err)
	}
	w.print(strings.TrimSuffix(w.buf.String(), "\n"))
	return nil
}

// field writes `"key":value` and a comma.
func (w *mispWriter) field(key string, v any) error {
	w.printf("%q:", key)
	if err := w.json(v); err != nil {
		return err
	}
	w.print(",")
	return nil
}

func (w *mispWriter) begin() error {
	if w.filter.STIXObjects() {
		if err := w.r.ExportMISPEvents(w.ctx, w.filter, w.kept); err != nil {
			return err
		}
	}
	if w.events > 0 {
		w.print(",\n")
	}
	info := w.opts.Producer + " export: " + w.describe()
	last := w.lastChange()
	w.print(`{"Event":{`)
	for _, f := range []struct {
		k string
		v any
	}{
		{"uuid", uuid5("misp-event|" + w.opts.Producer + "|" + w.describe())},
		{"info", info},
		{"date", last.Format("2006-01-02")},
		{"timestamp", strconv.FormatInt(last.Unix(), 10)},
		{"published", false},
		{"analysis", "2"},        // completed
		{"threat_level_id", "4"}, // undefined
		{"distribution", "0"},    // your organisation only, until someone shares it
		{"Orgc", map[string]string{"name": w.opts.Producer}},
	} {
		if err := w.field(f.k, f.v); err != nil {
			return err
		}
	}
	w.print(`"Attribute":[`, "\n")
	return nil
}

// clusterUUID is the UUID of a group's galaxy cluster: the one its import
// key holds (a MISP galaxy cluster's, or an ATT&CK STIX ID's, which MISP's
// mitre galaxies reuse), so that MISP and spoor find the cluster they
// know; else a UUIDv5 of the key.
func clusterUUID(g *intel.Object) string {
	k := groupKey(g)
	for _, sep := range []string{"--", "misp-galaxy:", "/"} {
		if i := strings.LastIndex(k, sep); i >= 0 {
			if u := strings.ToLower(k[i+len(sep):]); isUUID(u) {
				return u
			}
		}
	}
	return uuid5("group|" + k)
}

// isUUID reports whether s is a UUID in its 36-character form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// galaxyTag is the tag that attaches a group's cluster.
func galaxyTag(g *intel.Object) string { return fmt.Sprintf("misp-galaxy:threat-actor=%q", g.Name) }

func tlpTag(t intel.TLP) string {
	if t == "" {
		t = intel.TLPClear
	}
	return "tlp:" + string(t)
}

// mispTime writes first_seen and last_seen as MISP does (microseconds).
func mispTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z07:00") }

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (w *mispWriter) add(in *intel.ExportIndicator) error {
	mt, ok := mispTypes[in.Type]
	if !ok {
		w.skipType(in.Type)
		return nil
	}
	if !plainValue(in.Value) {
		w.skip(string(in.Type) + " value with white space")
		return nil
	}
	if !utf8.ValidString(in.Value) {
		w.skip(string(in.Type) + " value not UTF-8") // JSON would change it
		return nil
	}
	a := mispAttribute{UUID: uuid5("misp-attribute|" + indicatorKey(in)), Type: mt[0], Category: mt[1], Value: in.Value,
		Comment: in.Description, Timestamp: strconv.FormatInt(latest(in.UpdatedAt, in.CreatedAt).Unix(), 10), Distribution: "5"}
	if in.Type == intel.IndicatorASN {
		if n, ok := asNumber(in.Value); ok {
			a.Value = strconv.FormatUint(uint64(n), 10) // MISP writes AS attributes as the number
		}
	}
	// MISP's to_ids: worth an IDS alert. Vulnerabilities and AS numbers
	// are context; warninglisted values would alert on everyone.
	a.ToIDs = in.Warninglist == "" && in.Type != intel.IndicatorCVE && in.Type != intel.IndicatorASN
	if !in.FirstSeen.IsZero() {
		a.FirstSeen = mispTime(in.FirstSeen)
	}
	if !in.LastSeen.IsZero() && !in.LastSeen.Before(in.FirstSeen) {
		a.LastSeen = mispTime(in.LastSeen)
	}
	tags := []string{tlpTag(in.TLP)}
	for _, t := range in.Tags {
		if t = strings.TrimSpace(t); t != "" && !strings.HasPrefix(strings.ToLower(t), "tlp:") && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	for _, g := range in.Groups {
		w.groups[g.ID] = g
		if t := galaxyTag(g); !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	for _, t := range tags {
		a.Tag = append(a.Tag, mispTag{t})
	}
	if in.TLP.Rank() > w.tlp.Rank() {
		w.tlp = in.TLP
	}
	if w.n > 0 {
		w.print(",\n")
	}
	w.n++
	if err := w.json(a); err != nil {
		return err
	}
	w.wrote()
	return nil
}

func (w *mispWriter) end() error {
	w.print("\n],")
	groups := make([]*intel.Object, 0, len(w.groups))
	for _, g := range w.groups {
		groups = append(groups, g)
	}
	slices.SortFunc(groups, func(a, b *intel.Object) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	tags := []mispTag{{tlpTag(w.tlp)}}
	galaxy := mispGalaxy{UUID: threatActorGalaxy, Type: "threat-actor", Name: "Threat Actor"}
	for _, g := range groups {
		if g.TLP.Rank() > w.tlp.Rank() {
			tags[0] = mispTag{tlpTag(g.TLP)}
			w.tlp = g.TLP
		}
		tags = append(tags, mispTag{galaxyTag(g)})
		c := mispCluster{UUID: clusterUUID(g), Type: "threat-actor", Value: g.Name, TagName: galaxyTag(g), Description: g.Description}
		if len(g.Aliases) > 0 {
			c.Meta = map[string][]string{"synonyms": g.Aliases}
		}
		galaxy.GalaxyCluster = append(galaxy.GalaxyCluster, c)
	}
	if err := w.field("Tag", tags); err != nil {
		return err
	}
	var galaxies []mispGalaxy
	if len(galaxy.GalaxyCluster) > 0 {
		galaxies = append(galaxies, galaxy)
	}
	w.print(`"Galaxy":`)
	if galaxies == nil {
		galaxies = []mispGalaxy{}
	}
	if err := w.json(galaxies); err != nil {
		return err
	}
	w.print("}}")
	if w.events > 0 {
		w.print("\n]}")
	}
	w.print("\n")
	return nil
}

// kept writes a kept MISP event as it was imported, wrapped in "Event".
// An event a spoor export of this producer made (imported back) is left
// out: the export writes its own.
func (w *mispWriter) kept(o *intel.ExportSTIXObject) error {
	ev, org, err := keptEvent(o.Object)
	if err != nil {
		return fmt.Errorf("export: misp: %s: %w", o.Object.StixID, err)
	}
	if org == w.opts.Producer {
		w.stats.ObjectsSkipped["made by this export"]++
		return nil
	}
	if w.events == 0 {
		w.print(`{"response":[`, "\n")
	} else {
		w.print(",\n")
	}
	w.print(`{"Event":`, string(ev), `}`)
	w.events++
	w.stats.Events++
	return nil
}

// keptEvent returns the bare event of a kept MISP event's JSON ({"Event":
// {…}} or the event itself), byte for byte, with the uuid of its STIX ID
// (x-misp-event--<uuid>) when it has none, and its organisation's name.
func keptEvent(so intel.STIXObject) ([]byte, string, error) {
	raw := bytes.TrimSpace(so.Raw)
	var wrapped struct {
		Event json.RawMessage `json:"Event"`
	}
	if err := json.Unmarshal(raw, &wrapped); err != nil {
		return nil, "", err
	}
	if ev := bytes.TrimSpace(wrapped.Event); len(ev) > 0 && ev[0] == '{' {
		raw = ev
	}
	var head struct {
		UUID *string `json:"uuid"`
		Orgc struct {
			Name string `json:"name"`
		} `json:"Orgc"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || len(raw) < 2 || raw[0] != '{' {
		return nil, "", fmt.Errorf("not a MISP event: %.40s", raw)
	}
	if head.UUID != nil && strings.TrimSpace(*head.UUID) != "" {
		return raw, head.Orgc.Name, nil
	}
	_, uuid, _ := strings.Cut(so.StixID, "--")
	if head.UUID != nil {
		// "uuid": "" is replaced; the members are then in sorted order.
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, "", err
		}
		m["uuid"], _ = json.Marshal(uuid)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m); err != nil {
			return nil, "", err
		}
		return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), head.Orgc.Name, nil
	}
	// The uuid goes first, the rest stays as it was written.
	out := []byte(`{"uuid":"` + uuid + `"`)
	if rest := bytes.TrimSpace(raw[1:]); len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, raw[1:]...), head.Orgc.Name, nil
}
