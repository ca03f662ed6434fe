package misp_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/spoor/spoor/internal/collect/misp"
	"github.com/spoor/spoor/internal/intel"
)

var src = intel.Source{Name: "CIRCL", Kind: intel.SourceMISP, Credibility: 0.8, TLP: intel.TLPGreen}

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func countries(t *testing.T) misp.Countries {
	t.Helper()
	c, err := misp.ParseCountries(open(t, "cluster-country.json"), "cluster-country.json")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseCluster(t *testing.T) {
	res, err := misp.ParseCluster(open(t, "cluster-threat-actor.json"), "ta.json", src, countries(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []intel.Object{{
		Kind: intel.KindGroup, StixID: "misp-galaxy:5b4ee3ea-eee3-4c8e-8323-85ae32658754", ExternalID: "G0007",
		Name: "APT28", Aliases: []string{"Sofacy", "Fancy Bear"}, Description: "Russian group.",
		Refs: []intel.ExternalRef{{URL: "https://example.com/apt28"}}, Country: "RU",
		Sectors: []string{"Government"}, VictimCountries: []string{"GE", "RU"}, Motivations: []string{"Espionage"},
		XRefs: []intel.XRef{
			{Key: "uuid:5b4ee3ea-eee3-4c8e-8323-85ae32658754", Type: intel.XRefHolds},
			{Key: "attack:G0007", Type: intel.XRefHolds},
			{Key: "uuid:bef4c620-0787-42a8-a96d-b7eb6e85917c", Type: "similar"},
		},
		Confidence: 0.8, TLP: intel.TLPGreen,
	}}
	if d := cmp.Diff(want, res.Bundle.Objects); d != "" {
		t.Errorf("objects (-want +got):\n%s", d)
	}
	if res.Skipped != 1 || res.Cluster.Type != "threat-actor" {
		t.Errorf("skipped %d type %q, want 1 threat-actor", res.Skipped, res.Cluster.Type)
	}
}

func TestCountries(t *testing.T) {
	c := countries(t)
	for in, want := range map[string]string{"Georgia": "GE", "GEO": "GE", "russian federation": "RU", "RU": "RU", "NATO": "", "XX": ""} {
		if got := c.Code(in); got != want {
			t.Errorf("Code(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseEvent(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	b, _ := os.ReadFile("testdata/event.json")
	zw.Write(b)
	zw.Close()
	for name, r := range map[string]*bytes.Reader{"plain": bytes.NewReader(b), "gzip": bytes.NewReader(gz.Bytes())} {
		t.Run(name, func(t *testing.T) {
			res, err := misp.ParseEvent(r, "event.json", src)
			if err != nil {
				t.Fatal(err)
			}
			ts := time.Unix(1705312345, 0).UTC()
			tags := []string{"tlp:amber", "apt", `misp-galaxy:threat-actor="APT28"`}
			want := []intel.Indicator{
				// Documentation values carry the label every import gives them.
				{Type: intel.IndicatorDomain, Value: "evil.example.net", Description: "C2 server", Tags: tags, FirstSeen: ts, LastSeen: ts, Confidence: 0.8, TLP: intel.TLPAmber,
					Warninglist: "example-domains"},
				{Type: intel.IndicatorIPv4, Value: "203.0.113.9", Description: "Sofacy phishing wave", Tags: tags, FirstSeen: ts, LastSeen: ts, Confidence: 0.8, TLP: intel.TLPAmber,
					Warninglist: "documentation"},
				{Type: intel.IndicatorSHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Description: "Sofacy phishing wave",
					Tags: append(append([]string{}, tags...), "tlp:red", "misp-object:file", "misp:to_ids=false"), FirstSeen: time.Date(2024, 1, 10, 8, 0, 0, 0, time.UTC), Confidence: 0.4, TLP: intel.TLPRed},
			}
			if d := cmp.Diff(want, res.Bundle.Indicators, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("indicators (-want +got):\n%s", d)
			}
			if len(res.Rejected) != 1 || !strings.Contains(res.Rejected[0].Path, ".Attribute[2]") || res.Ignored["comment"] != 1 {
				t.Errorf("rejected %+v ignored %v, want the bad md5 and the comment", res.Rejected, res.Ignored)
			}
			st := &intel.ImportStats{}
			res.AddTo(st)
			if c := st.Count("indicator"); c.Rejected != 1 || c.Seen != 1 {
				t.Errorf("AddTo counts %+v", c)
			}
			groups := res.Bundle.Objects
			if len(groups) != 1 || groups[0].Name != "APT28" || groups[0].XRefs[0].Key != "uuid:5b4ee3ea-eee3-4c8e-8323-85ae32658754" ||
				len(groups[0].Aliases) != 1 || groups[0].Refs[0].URL != "urn:uuid:5f0c0a3e-1111-4c1a-9a0e-000000000001" {
				t.Errorf("event group = %+v", groups)
			}
			d := res.Bundle.Documents
			if len(d) != 1 || d[0].Title != "Sofacy phishing wave" || !d[0].Published.Equal(time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)) ||
				!strings.Contains(d[0].Text, "C2 server") || !strings.Contains(d[0].Text, "Attributed to: APT28") {
				t.Errorf("document = %+v", d)
			}
			if e := res.Events[0]; e.TLP != intel.TLPAmber || len(e.Indicators) != 3 || e.GroupNames[0] != "APT28" {
				t.Errorf("event = %+v", e)
			}
		})
	}
}

func TestParseFeed(t *testing.T) {
	fsys := os.DirFS("testdata/feed")
	res, err := misp.ParseFeed(fsys, "feed", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 2 || len(res.Bundle.Indicators) != 4 || res.Unchanged != 0 {
		t.Fatalf("events %d indicators %d unchanged %d, want 2, 4, 0", len(res.Events), len(res.Bundle.Indicators), res.Unchanged)
	}
	// Incremental: the first event is known at its timestamp.
	since := map[string]int64{"5f0c0a3e-1111-4c1a-9a0e-000000000001": 1705312345}
	res, err = misp.ParseFeed(fsys, "feed", src, since)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 1 || res.Events[0].Info != "Second event" || res.Unchanged != 1 ||
		res.Timestamps["5f0c0a3e-2222-4c1a-9a0e-000000000002"] != 1706745600 {
		t.Errorf("incremental read: %d events, unchanged %d, timestamps %v", len(res.Events), res.Unchanged, res.Timestamps)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"truncated event", "{\"Event\": {\"uuid\": \"x\",\n \"info\": \"a", "ev.json:2:12: $: unexpected end of input"},
		{"event attribute wrong type", "{\"Event\": {\"uuid\": \"x\", \"info\": \"a\",\n \"Attribute\": [{\"value\": 5}]}}", "ev.json:2:27: $: Event.Attribute.value: expected string, found JSON number"},
		{"event syntax error", "{\"Event\": {\"uuid\": \"x\",\n \"info\": \"a\" \"b\"}}", "ev.json:2:14: $: malformed JSON"},
		{"cluster syntax error", "{\"type\": \"tool\",\n \"values\": [{\"value\": x}]}", "cl.json:2:23: $.values[0]: malformed JSON"},
		{"event without info", `{"Event": {"uuid": "x"}}`, "ev.json:1:1: $.Event: event x has no \"info\""},
		{"event bad date", `{"uuid": "x", "info": "i", "date": "15/01/2024"}`, "ev.json:1:1: $.date: date \"15/01/2024\" is not YYYY-MM-DD"},
		{"cluster values not array", "{\"type\": \"threat-actor\",\n  \"values\": {}}", "cl.json:2:13: $.values: values must be an array, found \"{\""},
		{"cluster synonyms wrong type", "{\"type\": \"threat-actor\", \"values\": [\n {\"value\": \"A\", \"uuid\": \"u\", \"meta\": {\"synonyms\": 5}}]}", "cl.json:2:2: $.values[0].meta.synonyms: expected a string or a list of strings, found a number"},
		{"cluster unknown type", `{"type": "sector", "values": []}`, "cl.json: galaxy cluster type \"sector\" is not imported"},
		{"cluster truncated", "{\"type\": \"tool\", \"values\": [{\"value\": \"x\"", "cl.json:1:42: $.values[0]: unexpected end of input"},
		{"not an object", "[1]", "cl.json:1:1: $: a galaxy cluster is a JSON object, found \"[\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if strings.HasPrefix(tt.want, "ev.json") {
				_, err = misp.ParseEvent(strings.NewReader(tt.input), "ev.json", src)
			} else {
				_, err = misp.ParseCluster(strings.NewReader(tt.input), "cl.json", src, nil)
			}
			if intel.ErrorCode(err) != intel.CodeInvalid || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %v, want one invalid line starting %q", err, tt.want)
			}
		})
	}
}

func FuzzParseEvent(f *testing.F) {
	for _, name := range []string{"event.json", "event-full.json", "event-pymisp.json", "object-template.json", "sighting.json"} {
		b, _ := os.ReadFile("testdata/" + name)
		f.Add(b)
	}
	f.Add([]byte(`{"uuid":"x","info":"y","Attribute":[{"type":"url","value":"hxxp://a[.]b/c"}]}`))
	f.Add([]byte(`[{"info":"y","Attribute":[{"type":"ip-dst","value":"198.51.100.1","Sighting":[{"date_sighting":"1"}]}]}]`))
	f.Add([]byte(`{"response":[{"Event":{"info":"y","EventReport":[{"name":"r","content":"c"}]}}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := misp.ParseEvent(bytes.NewReader(in), "fuzz.json", src)
		if err != nil {
			if intel.ErrorCode(err) != intel.CodeInvalid || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q is not one invalid line", err)
			}
			return
		}
		for _, in := range res.Bundle.Indicators {
			if err := in.Validate(); err != nil {
				t.Fatalf("parser returned an invalid indicator %+v: %v", in, err)
			}
		}
		if len(res.Bundle.STIXObjects) != len(res.Events) {
			t.Fatalf("%d events, %d kept", len(res.Events), len(res.Bundle.STIXObjects))
		}
		for _, o := range res.Bundle.STIXObjects {
			if err := o.Validate(); err != nil {
				t.Fatalf("kept event does not validate: %v", err)
			}
		}
	})
}

func FuzzParseCluster(f *testing.F) {
	b, _ := os.ReadFile("testdata/cluster-threat-actor.json")
	f.Add(b)
	f.Add([]byte(`{"type":"tool","values":[{"value":"x","uuid":"u","meta":{"refs":"r"}}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := misp.ParseCluster(bytes.NewReader(in), "fuzz.json", src, nil)
		if err != nil {
			if intel.ErrorCode(err) != intel.CodeInvalid || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q is not one invalid line", err)
			}
			return
		}
		for _, o := range res.Bundle.Objects {
			if err := o.Validate(); err != nil || o.StixID == "" {
				t.Fatalf("parser returned an invalid object %+v: %v", o, err)
			}
		}
	})
}

// A cluster value with a hostile reference keeps everything else: the
// reference is dropped with a note naming the value.
func TestParseClusterAppliesTheInputRules(t *testing.T) {
	cluster := `{"type":"threat-actor","name":"Threat actor","uuid":"7cdff317-a673-4474-84ec-4f1754947823","values":[
{"value":"Evil\u0007 Panda","uuid":"11111111-1111-4111-8111-111111111111","description":"bad\u0000byte",
 "meta":{"refs":["javascript:alert(1)","https://example.org/panda"],"synonyms":["Panda\u202eadnaP"]}},
{"value":"Clean","uuid":"22222222-2222-4222-8222-222222222222"}]}`
	res, err := misp.ParseCluster(strings.NewReader(cluster), "hostile.json", src, countries(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Bundle.Objects) != 2 {
		t.Fatalf("objects %+v, want both values", res.Bundle.Objects)
	}
	o := res.Bundle.Objects[0]
	got := []any{o.Name, o.Description, o.Aliases, o.Refs}
	want := []any{"Evil Panda", "badbyte", []string{"Panda" + "adnaP"}, []intel.ExternalRef{{URL: "https://example.org/panda"}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("tidied value (-want +got):\n%s", d)
	}
	notes := strings.Join(res.Notes, "\n")
	for _, w := range []string{"name:", "description:", "aliases[0]:", `refs[0].url: URL scheme "javascript" is not allowed`} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}
}

// The attribute types of the newer indicator types are read through the
// same check as the others: canonical values, checksums, refusals.
func TestParseEventNewTypes(t *testing.T) {
	const event = `{"Event": {"uuid": "5f0c0a3e-1111-4c1a-9a0e-000000000002", "info": "Miner", "date": "2024-02-01",
	  "Attribute": [
	    {"type": "mac-address", "value": "00-1A-2B-3C-4D-5E", "to_ids": true},
	    {"type": "btc", "value": "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "to_ids": true},
	    {"type": "btc", "value": "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", "to_ids": true},
	    {"type": "regkey|value", "value": "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run|C:\\x.exe", "to_ids": true},
	    {"type": "filename", "value": "invoice.pdf.exe", "to_ids": true},
	    {"type": "ja3-fingerprint-md5", "value": "E7D705A3286E19EA42F587B344EE6865", "to_ids": true}
	  ]}}`
	res, err := misp.ParseEvent(strings.NewReader(event), "event.json", src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range res.Bundle.Indicators {
		got = append(got, string(in.Type)+" "+in.Value)
	}
	want := []string{
		"mac 00:1a:2b:3c:4d:5e",
		"btc 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
		`regkey HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Run`,
		"filename invoice.pdf.exe",
		"ja3 e7d705a3286e19ea42f587b344ee6865",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("indicators (-want +got):\n%s", d)
	}
	if len(res.Rejected) != 1 || res.Rejected[0].Reason != `"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3" is not a valid btc` {
		t.Errorf("rejected = %+v, want the bad checksum", res.Rejected)
	}
}

// TestParseClusterSplitsTrackingIDs: "Turla - APT-C-29" (the 360.net
// cluster's form) is the group Turla with APT-C-29 and the whole value as
// aliases; a hyphenated name that is not followed by an ID stays whole.
func TestParseClusterSplitsTrackingIDs(t *testing.T) {
	cluster := `{"type":"360net-threat-actor","name":"360.net","uuid":"7cdff317-a673-4474-84ec-4f1754947824","values":[
{"value":"Turla - APT-C-29","uuid":"11111111-1111-4111-8111-111111111112","meta":{"synonyms":["Snake"]}},
{"value":"海莲花 - APT-C-00","uuid":"11111111-1111-4111-8111-111111111113"},
{"value":"Sea Turtle - Cyber Espionage","uuid":"11111111-1111-4111-8111-111111111114"}]}`
	res, err := misp.ParseCluster(strings.NewReader(cluster), "360.json", src, countries(t))
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, o := range res.Bundle.Objects {
		got = append(got, append([]string{o.Name}, o.Aliases...))
	}
	want := [][]string{
		{"Turla", "APT-C-29", "Turla - APT-C-29", "Snake"},
		{"海莲花", "APT-C-00", "海莲花 - APT-C-00"},
		{"Sea Turtle - Cyber Espionage"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
}
