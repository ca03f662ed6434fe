package stix_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/testenv"
)

// every-type.json holds one object of each STIX 2.1 type (every SDO, SRO
// and SCO of the specification, the meta objects, a custom x- object),
// patterns of every form, and the failure modes: an invalid domain in a
// pattern and in an observable.
func parseEveryType(t *testing.T) *stix.Result {
	t.Helper()
	f, err := os.Open("testdata/every-type.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := stix.Parse(f, "every-type.json", feed)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestParseEveryType(t *testing.T) {
	res := parseEveryType(t)
	kept := "1 seen, 0 modelled, 1 kept"
	obs := "1 seen, 1 modelled, 1 kept"
	knowledge := "1 seen, 1 modelled, 0 kept"
	want := map[string]string{
		// Modelled: the knowledge base.
		"attack-pattern": knowledge, "campaign": knowledge, "intrusion-set": knowledge, "malware": knowledge,
		"threat-actor": knowledge, "tool": knowledge,
		// Modelled in part and kept whole.
		"indicator":     "7 seen, 2 modelled, 7 kept, 1 flagged (domain-name:value: value is not a valid domain 1)",
		"report":        obs,
		"sighting":      "3 seen, 1 modelled, 3 kept",
		"identity":      "2 seen, 2 modelled, 2 kept",  // the author and the victim
		"relationship":  "12 seen, 8 modelled, 7 kept", // consists-of tags the address with its infrastructure
		"vulnerability": obs,                           // its CVE
		// Observables with an indicator value.
		"ipv4-addr": obs, "ipv6-addr": obs, "url": obs, "email-addr": obs, "mac-addr": obs,
		"autonomous-system": obs, "file": obs,
		"domain-name": "2 seen, 1 modelled, 2 kept, 1 flagged (domain-name:value: value is not a valid domain 1)",
		// Kept whole.
		"location": kept, "course-of-action": kept, "grouping": kept, "incident": kept, "infrastructure": kept,
		"malware-analysis": kept, "note": kept, "observed-data": kept, "opinion": kept,
		"artifact": kept, "directory": kept, "email-message": kept, "mutex": kept, "network-traffic": kept,
		"process": kept, "software": kept, "user-account": kept, "windows-registry-key": kept, "x509-certificate": kept,
		"marking-definition": kept, "extension-definition": kept, "language-content": kept, "x-acme-widget": kept,
	}
	got := map[string]string{}
	for k, v := range res.Types {
		got[k] = v.String()
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("summary per type (-want +got):\n%s", d)
	}
	byID := map[string]intel.STIXObject{}
	for _, o := range res.Bundle.STIXObjects {
		byID[o.StixID] = o
		if !strings.HasPrefix(string(o.Raw), `{"type":"`+o.Type+`"`) {
			t.Errorf("%s: raw = %.60s…, want the object as written", o.StixID, o.Raw)
		}
	}
	// A pattern indicator keeps its pattern, tree and values; the invalid
	// domain flags it with the value and the reason.
	x509 := byID["indicator--00000015-0000-4000-8000-000000000021"]
	if x509.Pattern == "" || x509.PatternType != "stix" || !strings.Contains(x509.PatternTree, `"path":"x509-certificate:serial_number"`) ||
		!slices.Equal(x509.Values, []string{"4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28"}) || x509.Modelled != "" {
		t.Errorf("x509 pattern indicator = %+v", x509)
	}
	bad := byID["indicator--00000018-0000-4000-8000-000000000024"]
	if !slices.Equal(bad.Flags, []string{`domain-name:value "domain autuo.xicp.net": value is not a valid domain`}) {
		t.Errorf("flags = %q, want the invalid domain", bad.Flags)
	}
	sigma := byID["indicator--00000019-0000-4000-8000-000000000025"]
	if sigma.PatternType != "sigma" || !strings.HasPrefix(sigma.Pattern, "title: Ember") || sigma.PatternTree != "" {
		t.Errorf("sigma indicator = %+v, want its rule text kept", sigma)
	}
	// Relationships to kept objects keep their ends.
	if r := byID["relationship--0000004a-0000-4000-8000-000000000074"]; r.SourceRef != "indicator--00000015-0000-4000-8000-000000000021" ||
		r.TargetRef != "intrusion-set--00000008-0000-4000-8000-000000000008" || r.Name != "indicates" {
		t.Errorf("kept relationship = %+v", r)
	}
	if s := byID["sighting--0000005b-0000-4000-8000-000000000091"]; s.SourceRef != "malware--0000000a-0000-4000-8000-000000000010" {
		t.Errorf("kept sighting = %+v", s)
	}
	// The report keeps every ref, to kept objects too.
	if n := len(res.Links.Reports); n != 1 || len(res.Links.Reports[0].ObjectRefs)+len(res.Links.Reports[0].IndicatorRefs) != 8 {
		t.Errorf("report links = %+v, want all 8 refs", res.Links.Reports)
	}
	var vals []string
	for _, in := range res.Bundle.Indicators {
		vals = append(vals, string(in.Type)+" "+in.Value)
		// The infrastructure consists of the address: its value says so.
		if in.Value == "203.0.113.9" && slices.Contains(in.Tags, "infrastructure:Ember C2") != (in.Description == "STIX ipv4-addr object") {
			t.Errorf("indicator %s %q tags %q", in.Value, in.Description, in.Tags)
		}
	}
	for _, v := range []string{"cve CVE-2023-23397", "asn AS64500", "mac d2:fb:49:24:37:18", "sha256 a196c6b8ffcb97ffb276d04f354696e2391311db3841ae16c8c9f56f36a38e92"} {
		if !slices.Contains(vals, v) {
			t.Errorf("indicators %q lack %s", vals, v)
		}
	}
}

// TestEveryTypeValidates checks the fixture against the OASIS STIX 2.1
// schemas, so that it is valid STIX and not only what spoor reads.
func TestEveryTypeValidates(t *testing.T) {
	c, schemas := testenv.STIXSchemas(t)
	f, err := os.Open("testdata/every-type.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	// Each object against the schema of its own type. (The upstream
	// bundle schema lists neither location, grouping, incident, note,
	// opinion nor extension-definition among its types, and its branch
	// for other types matches an SDO both as core and as observable, so
	// the bundle as a whole cannot pass it.)
	n := 0
	for _, o := range doc.(map[string]any)["objects"].([]any) {
		typ := o.(map[string]any)["type"].(string)
		id, ok := schemas[typ]
		if !ok {
			continue // custom x- type
		}
		n++
		sch, err := c.Compile(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(o); err != nil {
			t.Errorf("%s: %.600v", o.(map[string]any)["id"], err)
		}
	}
	if n != 63 {
		t.Errorf("checked %d objects against their schemas, want 63 (all but the custom one)", n)
	}
}

// TestParseSingleObject reads a file that holds one STIX object as a
// bundle of one.
func TestParseSingleObject(t *testing.T) {
	in := `{"type": "indicator", "spec_version": "2.1", "id": "indicator--00000015-0000-4000-8000-000000000021",
 "created": "2024-02-01T00:00:00.000Z", "modified": "2024-02-01T00:00:00.000Z", "pattern_type": "stix",
 "pattern": "[email-message:subject = 'Conference Info']", "valid_from": "2024-01-02T00:00:00Z"}`
	res, err := stix.Parse(strings.NewReader(in), "one.json", feed)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Bundle.STIXObjects) != 1 || res.Types["indicator"].Kept != 1 {
		t.Fatalf("kept %+v, types %+v; want the one indicator", res.Bundle.STIXObjects, res.Types)
	}
	o := res.Bundle.STIXObjects[0]
	if o.Pattern != "[email-message:subject = 'Conference Info']" || !slices.Equal(o.Values, []string{"Conference Info"}) ||
		!strings.HasPrefix(string(o.Raw), `{"type":"indicator","spec_version":"2.1","id":"indicator--`) {
		t.Errorf("kept object = %+v (raw %s)", o, o.Raw)
	}
}

// TestParseFlagsMalformedKept: a kept object without its timestamps is
// kept and flagged, not refused; a modelled one is refused.
func TestParseFlagsMalformedKept(t *testing.T) {
	in := `{"type": "bundle", "id": "bundle--00000001-0000-4000-8000-000000000001", "objects": [
 {"type": "infrastructure", "spec_version": "2.1", "id": "infrastructure--0000000d-0000-4000-8000-000000000013", "name": "C2",
  "modified": "yesterday"},
 {"type": "x-acme-widget", "id": "x-acme-widget--0000005f-0000-4000-8000-000000000095", "name": {"en": "Widget"}}]}`
	res, err := stix.Parse(strings.NewReader(in), "flags.json", feed)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, o := range res.Bundle.STIXObjects {
		got[o.Type] = o.Flags
	}
	want := map[string][]string{
		"infrastructure": {`"created" is required`, `modified: "yesterday" is not an RFC 3339 timestamp`},
		"x-acme-widget":  {"name: expected string, found JSON object"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("flags (-want +got):\n%s", d)
	}
	if s := res.Types["infrastructure"].String(); s != "1 seen, 0 modelled, 1 kept, 1 flagged (modified is not a timestamp 1; no created 1)" {
		t.Errorf("summary = %s", s)
	}
}
