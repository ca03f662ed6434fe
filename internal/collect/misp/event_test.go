package misp_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/collect/misp"
	"github.com/spoor/spoor/internal/intel"
)

func typeLines(res *misp.EventResult) map[string]string {
	out := map[string]string{}
	for k, v := range res.Types {
		out[k] = v.String()
	}
	return out
}

// TestParseEventFull reads an event as MISP writes it with everything an
// event holds: tags on the event and its attributes, galaxies, an object
// with its template and relations, sightings at both levels, proposals,
// an event report and an invalid value.
func TestParseEventFull(t *testing.T) {
	res, err := misp.ParseEvent(open(t, "event-full.json"), "event-full.json", src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"misp-event":          "1 seen, 1 modelled, 1 kept",
		"misp-attribute":      "5 seen, 3 modelled, 5 kept, 1 flagged (domain: not a valid value 1)",
		"misp-object":         "1 seen, 1 modelled, 1 kept",
		"misp-sighting":       "3 seen, 3 modelled, 3 kept",
		"misp-proposal":       "2 seen, 0 modelled, 2 kept",
		"misp-galaxy-cluster": "2 seen, 2 modelled, 2 kept",
		"misp-event-report":   "1 seen, 1 modelled, 1 kept",
	}
	if d := cmp.Diff(want, typeLines(res)); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	// Event tags: TLP mapped, galaxies mapped, the rest kept as labels.
	e := res.Events[0]
	if e.TLP != intel.TLPGreen || !slices.Contains(e.Tags, "phishing") || !slices.Equal(e.GroupNames, []string{"Ember Bear"}) {
		t.Errorf("event = %+v", e)
	}
	var got []string
	for _, in := range res.Bundle.Indicators {
		got = append(got, string(in.Type)+" "+in.Value+" "+strings.Join(slices.DeleteFunc(slices.Clone(in.Tags),
			func(s string) bool { return slices.Contains(e.Tags, s) }), ","))
	}
	wantInd := []string{
		// its own tags
		`domain c2.example.org kill-chain:command-and-control,misp-galaxy:mitre-attack-pattern="Application Layer Protocol - T1071"`,
		"filename invite.pdf.exe misp-object:file/filename,misp:to_ids=false",
		"sha256 a196c6b8ffcb97ffb276d04f354696e2391311db3841ae16c8c9f56f36a38e92 misp-object:file/sha256",
		"technique T1566.001 ", // the ATT&CK galaxy of the event
		"technique T1071 ",     // the ATT&CK galaxy tag of the attribute
	}
	if d := cmp.Diff(wantInd, got); d != "" {
		t.Errorf("indicators (-want +got):\n%s", d)
	}
	// The group cluster is a group record keyed by the event.
	if len(res.Bundle.Objects) != 1 || res.Bundle.Objects[0].Name != "Ember Bear" ||
		res.Bundle.Objects[0].XRefs[0].Key != "uuid:5f0c0a3e-eeee-4c1a-9a0e-0000000000e1" {
		t.Errorf("objects = %+v", res.Bundle.Objects)
	}
	// Documents: the event with its object, relations and proposals; the
	// event report.
	docs := res.Bundle.Documents
	if len(docs) != 2 {
		t.Fatalf("documents = %+v", docs)
	}
	for _, s := range []string{"Object file (template 688c46fb-5edb-40a3-8273-1af7923e2215 version 24) — the dropper",
		"file: sha256 (sha256) a196c6b8", "file communicates-with 5f0c0a3e-3333-4c1a-9a0e-0000000000a1",
		"Proposal: domain c2.example.net (to change domain c2.example.org) by Partner CSIRT", "Proposal: ip-dst 203.0.113.77",
		"Techniques: T1566.001"} {
		if !strings.Contains(docs[0].Text, s) {
			t.Errorf("event text lacks %q:\n%s", s, docs[0].Text)
		}
	}
	if docs[1].Title != "Ember Bear lure analysis" || docs[1].URL != "urn:uuid:5f0c0a3e-3333-4c1a-9a0e-0000000000f1" ||
		!strings.Contains(docs[1].Text, "conference invitation") {
		t.Errorf("event report = %+v", docs[1])
	}
	// Sightings: of the attribute, and at the event level by attribute uuid.
	wantS := []intel.Sighting{
		{StixID: "sighting--5f0c0a3e-3333-4c1a-9a0e-0000000000b1", IndicatorRef: "indicator--5f0c0a3e-3333-4c1a-9a0e-0000000000a1",
			SeenAt: time.Unix(1709337600, 0).UTC(), FirstSeen: time.Unix(1709337600, 0).UTC(), LastSeen: time.Unix(1709337600, 0).UTC(),
			Count: 1, Note: "MISP sighting from ACME SOC", Where: []string{"ACME Bank"}},
		{StixID: "sighting--5f0c0a3e-3333-4c1a-9a0e-0000000000b2", IndicatorRef: "indicator--5f0c0a3e-3333-4c1a-9a0e-0000000000a1",
			SeenAt: time.Unix(1709424000, 0).UTC(), FirstSeen: time.Unix(1709424000, 0).UTC(), LastSeen: time.Unix(1709424000, 0).UTC(),
			Count: 1, Note: "MISP false positive from partner"},
		{StixID: "sighting--5f0c0a3e-3333-4c1a-9a0e-0000000000b3", IndicatorRef: "indicator--5f0c0a3e-3333-4c1a-9a0e-0000000000d2",
			SeenAt: time.Unix(1709510400, 0).UTC(), FirstSeen: time.Unix(1709510400, 0).UTC(), LastSeen: time.Unix(1709510400, 0).UTC(),
			Count: 1, Note: "MISP sighting from ACME EDR"},
	}
	if d := cmp.Diff(wantS, res.Links.Sightings); d != "" {
		t.Errorf("sightings (-want +got):\n%s", d)
	}
	// The event is kept whole, flagged with the invalid value, found by
	// every value it holds.
	if len(res.Bundle.STIXObjects) != 1 {
		t.Fatalf("kept = %+v", res.Bundle.STIXObjects)
	}
	k := res.Bundle.STIXObjects[0]
	raw, _ := os.ReadFile("testdata/event-full.json")
	if k.StixID != "x-misp-event--5f0c0a3e-3333-4c1a-9a0e-000000000003" || k.Type != "x-misp-event" || len(k.Raw) == 0 ||
		len(k.Raw) >= len(raw) || !strings.Contains(string(k.Raw), `"ShadowAttribute":[{"type":"ip-dst"`) {
		t.Errorf("kept event = %s %s (%d bytes raw)", k.StixID, k.Type, len(k.Raw))
	}
	if len(k.Flags) != 1 || !strings.Contains(k.Flags[0], `Attribute[1] domain "domain autuo.xicp.net"`) {
		t.Errorf("flags = %q, want the invalid domain", k.Flags)
	}
	for _, v := range []string{"203.0.113.77", "invite.pdf.exe", "domain autuo.xicp.net"} {
		if !slices.Contains(k.Values, v) {
			t.Errorf("values %q lack %q", k.Values, v)
		}
	}
	if err := k.Validate(); err != nil {
		t.Error(err)
	}
}

// TestParseEventWithoutUUID: an event as PyMISP writes one before upload
// gets a key derived from its content, the same on every read, and a note.
func TestParseEventWithoutUUID(t *testing.T) {
	read := func(in string) *misp.EventResult {
		t.Helper()
		res, err := misp.ParseEvent(strings.NewReader(in), "pymisp.json", src)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	b, err := os.ReadFile("testdata/event-pymisp.json")
	if err != nil {
		t.Fatal(err)
	}
	one, two := read(string(b)), read(string(b))
	key := one.Events[0].UUID
	if key == "" || key != two.Events[0].UUID || one.Bundle.Documents[0].URL != "urn:uuid:"+key {
		t.Errorf("keys %q and %q, want one stable key", key, two.Events[0].UUID)
	}
	if len(one.Notes) != 1 || !strings.Contains(one.Notes[0], `event "Hand-written event before upload" has no uuid; keyed by its content as `+key) {
		t.Errorf("notes = %q", one.Notes)
	}
	if got := one.Types["misp-event"].String(); got != "1 seen, 1 modelled, 1 kept, 1 flagged (no uuid 1)" {
		t.Errorf("summary = %s", got)
	}
	if g := one.Events[0].GroupNames; !slices.Equal(g, []string{"Sandworm"}) {
		t.Errorf("groups from the galaxy tag = %q", g)
	}
	changed := read(strings.Replace(string(b), "198.51.100.23", "198.51.100.24", 1))
	if changed.Events[0].UUID == key {
		t.Error("another attribute value gave the same key")
	}
}

// TestParseEventLists reads one event wrapped or bare, a JSON list of
// events, and MISP's search answer.
func TestParseEventLists(t *testing.T) {
	ev := func(n string) string {
		return `{"uuid": "5f0c0a3e-4444-4c1a-9a0e-00000000000` + n + `", "info": "Event ` + n + `", "date": "2024-03-0` + n + `",
 "Attribute": [{"type": "domain", "value": "e` + n + `.example.org", "to_ids": true}]}`
	}
	tests := []struct {
		name, in string
		events   []string
	}{
		{"bare", ev("1"), []string{"Event 1"}},
		{"wrapped", `{"Event": ` + ev("1") + `}`, []string{"Event 1"}},
		{"list", "[\n" + `{"Event": ` + ev("1") + `}, ` + ev("2") + "]", []string{"Event 1", "Event 2"}},
		{"search answer", `{"response": [{"Event": ` + ev("1") + `}, {"Event": ` + ev("2") + `}]}`, []string{"Event 1", "Event 2"}},
		{"empty list", `[]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := misp.ParseEvent(strings.NewReader(tt.in), "list.json", src)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range res.Events {
				got = append(got, e.Info)
			}
			if !slices.Equal(got, tt.events) || len(res.Bundle.Indicators) != len(tt.events) || len(res.Bundle.STIXObjects) != len(tt.events) {
				t.Errorf("events %q, %d indicators, %d kept; want %q", got, len(res.Bundle.Indicators), len(res.Bundle.STIXObjects), tt.events)
			}
		})
	}
}

// TestNotAnEvent: a file that is another MISP record says what it is.
func TestNotAnEvent(t *testing.T) {
	tpl, _ := os.ReadFile("testdata/object-template.json")
	sg, _ := os.ReadFile("testdata/sighting.json")
	tests := []struct {
		name, in, want string
	}{
		{"object template", string(tpl), "tpl.json:1:1: $: this is a MISP object template, not an event"},
		{"lone sighting", string(sg), "tpl.json:1:1: $: this is a MISP sighting, not an event"},
		{"bare sighting", `{"attribute_id": "12", "date_sighting": "1709337600", "type": "0"}`, "this is a MISP sighting, not an event"},
		{"object", `{"name": "file", "template_uuid": "688c46fb-5edb-40a3-8273-1af7923e2215", "Attribute": []}`, "this is a MISP object, not an event"},
		{"attribute", `{"type": "domain", "category": "Network activity", "value": "a.example.org"}`, "this is a MISP attribute, not an event"},
		{"galaxy cluster", `{"type": "threat-actor", "name": "Threat Actor", "values": []}`, "this is a MISP galaxy cluster, not an event (format misp-galaxy)"},
		{"stix bundle", `{"type": "bundle", "id": "bundle--x", "objects": []}`, "this is a STIX bundle, not a MISP event (format stix)"},
		{"feed manifest", `{"5f0c0a3e-1111-4c1a-9a0e-000000000001": {"info": "x", "timestamp": 1}}`, "this is a MISP feed manifest"},
		{"list element", `[{"Event": {"uuid": "u", "info": "i"}}, ` + "\n" + `{"Sighting": {}}]`, "tpl.json:2:1: $[1]: this is a MISP sighting"},
		{"list of numbers", `[1]`, "tpl.json:1:2: $[0]: an event is a JSON object, found a number"},
		{"number", `5`, "tpl.json:1:1: $: a MISP event is a JSON object or a list of events, found a number"},
		{"no info, no uuid", `{"Attribute": []}`, `event without uuid has no "info"`},
		{"element type error", "[{\"uuid\": \"u\", \"info\": \"i\",\n \"Attribute\": [{\"value\": 5}]}]", "tpl.json:2:27: $[0]: Attribute.value: expected string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := misp.ParseEvent(strings.NewReader(tt.in), "tpl.json", src)
			if intel.ErrorCode(err) != intel.CodeInvalid || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %v, want one invalid line containing %q", err, tt.want)
			}
		})
	}
}
