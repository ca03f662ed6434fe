package stix_test

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/intel"
)

var feed = intel.Source{Name: "feed", Kind: intel.SourceTAXII, Credibility: 0.5, TLP: intel.TLPGreen}

const (
	ember   = "intrusion-set--c0000000-0000-4000-8000-000000000001"
	sandy   = "threat-actor--c0000000-0000-4000-8000-000000000002"
	wg      = "malware--d0000000-0000-4000-8000-000000000001"
	ind1    = "indicator--e0000000-0000-4000-8000-000000000001"
	ind2    = "indicator--e0000000-0000-4000-8000-000000000002"
	ind6    = "indicator--e0000000-0000-4000-8000-000000000006"
	sha     = "a196c6b8ffcb97ffb276d04f354696e2391311db3841ae16c8c9f56f36a38e92"
	missing = "attack-pattern--20000000-0000-4000-8000-000000000099"
)

func parseIntelBundle(t *testing.T, src intel.Source) *stix.Result {
	t.Helper()
	f, err := os.Open("testdata/intel-bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := stix.Parse(f, "intel-bundle.json", src)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestParseIndicators(t *testing.T) {
	res := parseIntelBundle(t, feed)
	c2 := intel.Indicator{Description: "C2 servers of Ember Bear", Tags: []string{"c2", "ember-bear", "malicious-activity"},
		FirstSeen: ts("2024-01-02T00:00:00Z"), LastSeen: ts("2024-06-30T00:00:00Z"),
		Confidence: 0.8 * 0.5, TLP: intel.TLPAmber} // confidence 80 × credibility; AMBER marking
	dom, ip := c2, c2
	// Documentation values carry the label every import gives them.
	dom.Type, dom.Value, dom.Warninglist = intel.IndicatorDomain, "c2.example.com", "example-domains"
	ip.Type, ip.Value, ip.Warninglist = intel.IndicatorIPv4, "198.51.100.1", "documentation"
	want := []intel.Indicator{dom, ip,
		// A name stands in for a missing description; the file name is
		// not an indicator type.
		{Type: intel.IndicatorSHA256, Value: sha, Description: "WhisperGate dropper",
			FirstSeen: ts("2024-01-03T00:00:00Z"), Confidence: 0.5, TLP: intel.TLPGreen},
		// STIX 2.0: no spec_version, no pattern_type, labels as types.
		{Type: intel.IndicatorEmail, Value: "phish@example.net", Tags: []string{"malicious-activity"},
			FirstSeen: ts("2017-01-02T00:00:00Z"), Confidence: 0.5, TLP: intel.TLPGreen, Warninglist: "documentation"},
	}
	if d := cmp.Diff(want, res.Bundle.Indicators, cmpopts.EquateApprox(0, 1e-9)); d != "" {
		t.Errorf("indicators (-want +got):\n%s", d)
	}
	wantKeys := []intel.STIXIndicator{
		{StixID: ind1, Keys: []intel.IndicatorKey{{Type: intel.IndicatorDomain, Value: "c2.example.com"}, {Type: intel.IndicatorIPv4, Value: "198.51.100.1"}}},
		{StixID: ind2, Keys: []intel.IndicatorKey{{Type: intel.IndicatorSHA256, Value: sha}}},
		{StixID: ind6, Keys: []intel.IndicatorKey{{Type: intel.IndicatorEmail, Value: "phish@example.net"}}},
	}
	if d := cmp.Diff(wantKeys, res.Links.Indicators); d != "" {
		t.Errorf("STIX indicator keys (-want +got):\n%s", d)
	}
	// Only indicators that yielded a value keep their indicates links.
	wantIndicates := []intel.IndicatorLink{
		{StixID: "relationship--f0000000-0000-4000-8000-000000000001", Type: "indicates", IndicatorRef: ind1, ObjectRef: ember},
		{StixID: "relationship--f0000000-0000-4000-8000-000000000002", Type: "indicates", IndicatorRef: ind2, ObjectRef: wg},
	}
	if d := cmp.Diff(wantIndicates, res.Links.Indicates); d != "" {
		t.Errorf("indicates (-want +got):\n%s", d)
	}
	// The comparisons that yield no value are counted; their patterns
	// are kept whole, as is every object of the bundle.
	wantIgnored := map[string]int{
		"pattern: unsupported object path (file:name)":    1,
		"pattern: unsupported object path (process:name)": 1,
	}
	if d := cmp.Diff(wantIgnored, res.Ignored); d != "" {
		t.Errorf("ignored (-want +got):\n%s", d)
	}
	wantTypes := map[string]string{
		"identity":           "4 seen, 4 modelled, 4 kept",
		"location":           "3 seen, 3 modelled, 3 kept",
		"intrusion-set":      "1 seen, 1 modelled, 0 kept",
		"threat-actor":       "1 seen, 1 modelled, 0 kept",
		"malware":            "1 seen, 1 modelled, 0 kept",
		"indicator":          "6 seen, 3 modelled, 6 kept, 1 flagged (pattern syntax error 1)",
		"relationship":       "12 seen, 11 modelled, 10 kept",
		"report":             "1 seen, 1 modelled, 1 kept",
		"sighting":           "2 seen, 1 modelled, 2 kept",
		"marking-definition": "1 seen, 0 modelled, 1 kept",
		"x-acme-widget":      "1 seen, 0 modelled, 1 kept", // custom types are kept, not errors
	}
	gotTypes := map[string]string{}
	for k, v := range res.Types {
		gotTypes[k] = v.String()
	}
	if d := cmp.Diff(wantTypes, gotTypes); d != "" {
		t.Errorf("types (-want +got):\n%s", d)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], `indicator--e0000000-0000-4000-8000-000000000004: flagged: pattern offset 37: "]" expected`) {
		t.Errorf("notes = %q, want the syntax error with its offset", res.Notes)
	}
}

func TestParseReportsVictimsSightings(t *testing.T) {
	res := parseIntelBundle(t, feed)
	if res.Author != "ACME CTI" {
		t.Errorf("author = %q, want ACME CTI", res.Author)
	}
	wantDocs := []intel.Document{{Title: "Ember Bear wipes Ukraine", URL: "https://blog.example.com/ember-bear",
		Published: ts("2024-01-05T12:00:00Z"), Text: "Ember Bear deployed WhisperGate against energy firms.",
		Citation: "ACME CTI (2024-01-05). Ember Bear wipes Ukraine.", TLP: intel.TLPGreen}}
	if d := cmp.Diff(wantDocs, res.Bundle.Documents); d != "" {
		t.Errorf("documents (-want +got):\n%s", d)
	}
	// Every ref stays: to objects outside the bundle (an earlier import
	// may have stored them), to the identity and to the indicator that
	// yielded no value, both kept whole.
	wantReports := []intel.ReportLink{{StixID: "report--10000000-0000-4000-8000-000000000001", Title: "Ember Bear wipes Ukraine",
		URL: "https://blog.example.com/ember-bear", ObjectRefs: []string{ember, wg, "identity--a0000000-0000-4000-8000-000000000002", missing},
		IndicatorRefs: []string{ind1, "indicator--e0000000-0000-4000-8000-000000000003"}}}
	if d := cmp.Diff(wantReports, res.Links.Reports); d != "" {
		t.Errorf("reports (-want +got):\n%s", d)
	}
	rel := func(n string) string { return "relationship--f0000000-0000-4000-8000-0000000000" + n }
	wantTargets := []intel.Target{
		{ObjectRef: ember, StixID: rel("07"), Kind: intel.TargetCountry, Value: "DE"},
		{ObjectRef: ember, StixID: rel("06"), Kind: intel.TargetSector, Value: "energy"},
		{ObjectRef: ember, StixID: rel("06"), Kind: intel.TargetSector, Value: "utilities"},
		{ObjectRef: sandy, StixID: rel("09"), Kind: intel.TargetCountry, Value: "DE"}, // located-at of the victim
		{ObjectRef: sandy, StixID: rel("09"), Kind: intel.TargetOrganization, Value: "Example GmbH"},
		{ObjectRef: sandy, StixID: rel("11"), Kind: intel.TargetRegion, Value: "eastern-europe"},
		{ObjectRef: sandy, StixID: rel("08"), Kind: intel.TargetSector, Value: "banks"}, // a class names a sector
	}
	if d := cmp.Diff(wantTargets, res.Links.Targets); d != "" {
		t.Errorf("targets (-want +got):\n%s", d)
	}
	groups := byStixID(res.Bundle)
	if got := groups[ember].Country; got != "RU" {
		t.Errorf("Ember Bear country = %q, want RU from originates-from", got)
	}
	if got := groups[sandy]; got.Kind != intel.KindGroup || !cmp.Equal(got.Aliases, []string{"Sandstorm"}) {
		t.Errorf("threat actor = %+v, want a group with its aliases", got)
	}
	wantSightings := []intel.Sighting{{StixID: "sighting--30000000-0000-4000-8000-000000000001", IndicatorRef: ind1,
		SeenAt: ts("2024-01-05T09:30:00Z"), FirstSeen: ts("2024-01-04T08:00:00Z"), LastSeen: ts("2024-01-05T09:30:00Z"),
		Count: 7, Where: []string{"Example GmbH", "DE"}, Note: "reported by ACME CTI"}}
	if d := cmp.Diff(wantSightings, res.Links.Sightings); d != "" {
		t.Errorf("sightings (-want +got):\n%s", d)
	}
	if len(res.Bundle.Relationships) != 2 {
		t.Errorf("relationships = %d, want uses and attributed-to", len(res.Bundle.Relationships))
	}
}

func TestParseAuthorNamesSource(t *testing.T) {
	res := parseIntelBundle(t, intel.Source{Credibility: 0.3})
	if res.Bundle.Source.Name != "ACME CTI" || res.Links.Source.Name != "ACME CTI" {
		t.Errorf("source = %q, want the author ACME CTI", res.Bundle.Source.Name)
	}
}

func TestCollectorEnvelopes(t *testing.T) {
	c := stix.NewCollector()
	page1 := `{"more": true, "next": "p2", "objects": [
{"type":"intrusion-set","id":"` + ember + `","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","name":"Ember Bear"}]}`
	env, err := c.AddEnvelope(strings.NewReader(page1), "page 1")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(stix.Envelope{More: true, Next: "p2", Objects: 1}, env); d != "" {
		t.Errorf("envelope (-want +got):\n%s", d)
	}
	page2 := `{"objects": [{"type":"indicator","id":"` + ind1 + `","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z",
"pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"},
{"type":"relationship","id":"relationship--f0000000-0000-4000-8000-000000000001","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z",
"relationship_type":"indicates","source_ref":"` + ind1 + `","target_ref":"` + ember + `"}]}`
	if env, err = c.AddEnvelope(strings.NewReader(page2), "page 2"); err != nil || env.More || env.Objects != 2 {
		t.Fatalf("page 2: %+v, %v", env, err)
	}
	for _, empty := range []string{`{}`, `{"more": false, "objects": null}`} {
		if _, err := c.AddEnvelope(strings.NewReader(empty), "empty"); err != nil {
			t.Errorf("an empty envelope %s is a valid last page: %v", empty, err)
		}
	}
	res := c.Result(feed)
	if len(res.Bundle.Objects) != 1 || len(res.Bundle.Indicators) != 1 || len(res.Links.Indicates) != 1 {
		t.Errorf("result across pages: %d objects, %d indicators, %d indicates", len(res.Bundle.Objects),
			len(res.Bundle.Indicators), len(res.Links.Indicates))
	}
	for _, tt := range []struct{ in, want string }{
		{`[]`, `bad:1:1: $: a TAXII envelope is a JSON object`},
		{`{"more": "yes"}`, `bad:1:14: $.more: value: expected bool, found JSON string`},
		{`{"objects": [{"type":"indicator","id":"` + ind1 + `","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z"}]}`,
			`$.objects[0] (` + ind1 + `): indicator has no pattern`},
		{`{"objects": [} `, `bad:1:14: $.objects: malformed JSON`},
	} {
		if _, err := stix.NewCollector().AddEnvelope(strings.NewReader(tt.in), "bad"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("AddEnvelope(%s) = %v, want %q", tt.in, err, tt.want)
		}
	}
}
