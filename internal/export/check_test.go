package export_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/spoor/spoor/internal/collect/misp"
	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/export"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/testenv"
)

// stixSchema compiles the OASIS STIX 2.1 bundle schema from the shared
// data, every file registered under its $id so that nothing is fetched.
func stixSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c, ids := testenv.STIXSchemas(t)
	sch, err := c.Compile(ids["bundle"])
	if err != nil {
		t.Fatalf("compile the bundle schema: %v", err)
	}
	return sch
}

func validateSTIX(t *testing.T, sch *jsonschema.Schema, bundle string) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(bundle))
	if err != nil {
		t.Fatalf("the bundle is not JSON: %v", err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("the bundle does not validate against the STIX 2.1 schemas: %v", err)
	}
	// The bundle schema checks each object against one schema of its
	// type: check that no object passed as a custom one.
	for i, o := range doc.(map[string]any)["objects"].([]any) {
		switch typ := o.(map[string]any)["type"]; typ {
		case "identity", "indicator", "relationship", "sighting", "intrusion-set", "marking-definition":
		default:
			t.Errorf("object %d has type %v", i, typ)
		}
	}
}

func TestSTIXValidates(t *testing.T) {
	sch := stixSchema(t)
	out, st := run(t, fixture(), export.Request{Format: export.STIX})
	validateSTIX(t, sch, out)
	if st.Written != 17 {
		t.Errorf("wrote %d indicators, want 17 (all but the CVE and the technique)", st.Written)
	}
	// An empty export is still a valid bundle.
	empty, _ := run(t, &reader{}, export.Request{Format: export.STIX})
	validateSTIX(t, sch, empty)

	// The schema check can fail: a bundle with a broken object does.
	broken := strings.Replace(out, `"pattern_type":"stix",`, "", 1)
	doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(broken))
	if sch.Validate(doc) == nil {
		t.Error("an indicator without pattern_type validates")
	}
}

// TestSTIXReadsBack: spoor's STIX reader gets back every indicator, with
// its description, tags, confidence and TLP, and every indicates link.
func TestSTIXReadsBack(t *testing.T) {
	r := fixture()
	out, _ := run(t, r, export.Request{Format: export.STIX})
	res, err := stix.Parse(strings.NewReader(out), "export.json", intel.Source{Name: "partner", Credibility: 1})
	if err != nil {
		t.Fatal(err)
	}
	type ind struct {
		Type           intel.IndicatorType
		Value, Desc    string
		Tags           []string
		Conf           float64
		TLP            intel.TLP
		Groups         []string
		FirstSeenKnown bool
	}
	var want []ind
	for _, in := range r.selected(intel.ExportFilter{}) {
		if in.Type == intel.IndicatorCVE || in.Type == intel.IndicatorTechnique || !readable(in) {
			continue
		}
		// An unmarked indicator stays unmarked.
		var groups []string
		for _, g := range groupNamesOf(in) {
			groups = append(groups, tidyName(t, g))
		}
		// The reader applies the input rules: text loses its NULs, names
		// and tags their control characters.
		tidy := intel.Indicator{Type: in.Type, Value: in.Value, Description: in.Description, Tags: slices.Clone(in.Tags)}
		if _, err := tidy.Tidy(); err != nil {
			t.Fatal(err)
		}
		want = append(want, ind{in.Type, in.Value, tidy.Description, tidy.Tags, in.Confidence, in.TLP, groups, true})
	}
	byStix := map[string][]string{}
	names := map[string]string{}
	for _, o := range res.Bundle.Objects {
		names[o.StixID] = o.Name
	}
	for _, l := range res.Links.Indicates {
		byStix[l.IndicatorRef] = append(byStix[l.IndicatorRef], names[l.ObjectRef])
	}
	groupsOf := map[intel.IndicatorKey][]string{}
	for _, si := range res.Links.Indicators {
		for _, k := range si.Keys {
			groupsOf[k] = byStix[si.StixID]
		}
	}
	var got []ind
	for _, in := range res.Bundle.Indicators {
		got = append(got, ind{in.Type, in.Value, in.Description, in.Tags, in.Confidence, in.TLP,
			groupsOf[intel.IndicatorKey{Type: in.Type, Value: in.Value}], !in.FirstSeen.IsZero()})
	}
	slices.SortFunc(got, func(a, b ind) int { return strings.Compare(string(a.Type)+a.Value, string(b.Type)+b.Value) })
	slices.SortFunc(want, func(a, b ind) int { return strings.Compare(string(a.Type)+a.Value, string(b.Type)+b.Value) })
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("indicators read back (-want +got):\n%s", d)
	}
	// No value from the two hostile comparisons (their patterns are
	// right, see TestSTIXPatternsParse, but no indicator engine takes a
	// domain with a newline for a domain, nor a URL with quotes for a
	// URL): their indicators are kept whole and flagged, as are the five
	// marking definitions and the URL's relationship.
	if d := cmp.Diff(map[string]int{"pattern: value is not a valid url (url:value)": 1,
		"pattern: value is not a valid domain (domain-name:value)": 1}, res.Ignored); d != "" {
		t.Errorf("the reader passed over (-want +got):\n%s\n%q", d, res.Notes)
	}
	if md, ind := res.Types["marking-definition"], res.Types["indicator"]; md == nil || md.Kept != 5 || ind == nil || ind.Flagged != 2 {
		t.Errorf("types: marking-definition %+v, indicator %+v; want 5 markings kept, 2 indicators flagged", md, ind)
	}
	var groups []string
	for _, o := range res.Bundle.Objects {
		groups = append(groups, o.Name+" "+strings.Join(o.Aliases, "/")+" "+o.ExternalID)
	}
	if want := []string{"APT28 Fancy Bear/Sofacy G0007", tidyName(t, fixture().groups[1].Name) + " semi;colon/quote\"d ", "Red Team  "}; !slices.Equal(groups, want) {
		t.Errorf("groups read back = %q, want %q", groups, want)
	}
}

// readable reports whether spoor's readers take the value back: not the
// two hostile ones (a domain with a newline, a URL with quotes), which the
// formats that cannot carry them leave out.
func readable(in *intel.ExportIndicator) bool { return !strings.ContainsAny(in.Value, "\n\"") }

// TestSTIXPatternsParse: every pattern parses with spoor's STIX pattern
// parser to one comparison whose literal is the stored value, quotes and
// backslashes included.
func TestSTIXPatternsParse(t *testing.T) {
	r := fixture()
	out, _ := run(t, r, export.Request{Format: export.STIX})
	var bundle struct {
		Objects []struct{ Type, Pattern string }
	}
	if err := json.Unmarshal([]byte(out), &bundle); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range bundle.Objects {
		if o.Type != "indicator" {
			continue
		}
		p, err := stix.ParsePattern(o.Pattern)
		if err != nil {
			t.Errorf("%s: %v", o.Pattern, err)
			continue
		}
		c, ok := p.Root.(*stix.Observation).Comp.(*stix.Comparison)
		if !ok || c.Op != "=" {
			t.Errorf("%s: not one equality", o.Pattern)
			continue
		}
		v := c.Value.Text
		if c.Path.Type == "autonomous-system" {
			v = "AS" + v
		}
		got = append(got, v)
	}
	var want []string
	for _, in := range r.selected(intel.ExportFilter{}) {
		if in.Type != intel.IndicatorCVE && in.Type != intel.IndicatorTechnique {
			want = append(want, in.Value)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("pattern literals (-want +got):\n%s", d)
	}
}

func groupNamesOf(in *intel.ExportIndicator) []string {
	var out []string
	for _, g := range in.Groups {
		out = append(out, g.Name)
	}
	return out
}

// TestMISPReadsBack: spoor's MISP reader gets back the attributes, their
// TLP and the group clusters.
func TestMISPReadsBack(t *testing.T) {
	r := fixture()
	out, _ := run(t, r, export.Request{Format: export.MISP})
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	res, err := misp.ParseEvent(strings.NewReader(out), "event.json", intel.Source{Name: "partner", Credibility: 1})
	if err != nil {
		t.Fatal(err)
	}
	type ind struct {
		Type  intel.IndicatorType
		Value string
		TLP   intel.TLP
	}
	var want, got []ind
	for _, in := range r.selected(intel.ExportFilter{}) {
		if in.Type == intel.IndicatorTechnique || !readable(in) {
			continue
		}
		tlp := in.TLP
		if tlp == "" {
			tlp = intel.TLPClear
		}
		want = append(want, ind{in.Type, in.Value, tlp})
	}
	for _, in := range res.Bundle.Indicators {
		got = append(got, ind{in.Type, in.Value, in.TLP})
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("attributes read back (-want +got):\n%s", d)
	}
	// The hostile URL is written, and refused by the reader, as a URL
	// with quotes in it should be.
	if len(res.Rejected) != 1 || res.Rejected[0].Type != "url" || len(res.Ignored) > 0 {
		t.Errorf("rejected %v, ignored %v; want the hostile URL only", res.Rejected, res.Ignored)
	}
	var groups []string
	for _, o := range res.Bundle.Objects {
		groups = append(groups, o.Name)
	}
	if want := []string{"APT28", tidyName(t, r.groups[1].Name), "Red Team"}; !slices.Equal(groups, want) {
		t.Errorf("groups = %q, want %q", groups, want)
	}
	if ev := res.Events[0]; ev.TLP != intel.TLPRed {
		t.Errorf("event TLP = %q, want red (its least shareable attribute)", ev.TLP)
	}
}

// longNames is a reader with names at the length limit of a zone.
func longNames(zone string) *reader {
	label := strings.Repeat("a", 63)
	// name + "." + zone is 253 bytes: it fits, its wildcard does not.
	fits := strings.Repeat("b", 252-len(zone)-3*64) + "." + label + "." + label + "." + label
	tooLong := "c" + fits
	var r reader
	for _, d := range []string{fits, tooLong, "rpz-ip.example.rpz-ip", "ok.example"} {
		r.indicators = append(r.indicators, &intel.ExportIndicator{Indicator: intel.Indicator{Type: intel.IndicatorDomain, Value: d}})
	}
	for _, c := range []string{"0.0.0.0/0", "10.1.2.3/8"} {
		r.indicators = append(r.indicators, &intel.ExportIndicator{Indicator: intel.Indicator{Type: intel.IndicatorCIDR, Value: c}})
	}
	return &r
}

func checkTool(t *testing.T, tool string, args ...string) {
	t.Helper()
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil {
		t.Errorf("%s %s: %v\n%s", filepath.Base(tool), strings.Join(args, " "), err, out)
	}
}

func TestRPZNamedCheckzone(t *testing.T) {
	checkzone := testenv.Tool(t, "named-checkzone", "bind9-utils")
	dir := t.TempDir()
	for _, tt := range []struct {
		name, zone string
		r          *reader
		written    int
	}{
		{"fixture", export.DefaultZone, fixture(), 8},
		{"long names", "rpz.example.org", longNames("rpz.example.org"), 3},
	} {
		out, st := run(t, tt.r, export.Request{Format: export.RPZ, Options: export.Options{Zone: tt.zone}})
		path := filepath.Join(dir, tt.name+".rpz")
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		checkTool(t, checkzone, "-q", "-k", "fail", "-n", "fail", tt.zone, path)
		if st.Written != tt.written {
			t.Errorf("%s: wrote %d, want %d (%v)", tt.name, st.Written, tt.written, st.Skipped)
		}
	}
	// The checker can fail: a name above the limit does.
	bad := filepath.Join(dir, "bad.rpz")
	os.WriteFile(bad, []byte("$TTL 300\n@ SOA localhost. h.localhost. 1 1 1 1 1\n@ NS localhost.\nc"+
		strings.Repeat(".aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 4)+" CNAME .\n"), 0o644)
	if err := exec.Command(checkzone, "-q", "rpz.example.org", bad).Run(); err == nil {
		t.Error("named-checkzone accepts a name longer than 255 bytes")
	}
}

func TestUnboundCheckconf(t *testing.T) {
	checkconf := testenv.Tool(t, "unbound-checkconf", "unbound")
	dir := t.TempDir()
	for name, r := range map[string]*reader{"fixture": fixture(), "long": longNames(export.DefaultZone)} {
		out, _ := run(t, r, export.Request{Format: export.Unbound})
		path := filepath.Join(dir, name+".conf")
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		checkTool(t, checkconf, path)
	}
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("server:\n\tlocal-zone: \"evil.example.\" always_nxdomain\n0.0.0.0 google.com\n"), 0o644)
	if err := exec.Command(checkconf, bad).Run(); err == nil {
		t.Error("unbound-checkconf accepts a line that is not configuration")
	}
}

// tidyName is a group name as spoor's readers keep it: the input rules
// drop control characters from names (intel.Object.Tidy), so a hostile
// name comes back without its line breaks and NULs.
func tidyName(t *testing.T, name string) string {
	t.Helper()
	o := intel.Object{Kind: intel.KindGroup, Name: name}
	if _, err := o.Tidy(); err != nil {
		t.Fatal(err)
	}
	return o.Name
}
