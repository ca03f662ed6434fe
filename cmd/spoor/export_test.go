package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
)

// hostileName is a group name and description that breaks careless
// writers: quotes, rule and CSV separators, a newline, a backslash.
const hostileName = "Quote \"Bear\"; sid:1; a,b\nnext | \\ end"

// hostileBundle is a STIX bundle with a hostile group and an indicator
// pointing at it, written to dir.
func hostileBundle(t *testing.T, dir string) string {
	t.Helper()
	objs := []map[string]any{
		{"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--f0000000-0000-4000-8000-000000000001",
			"created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "name": hostileName,
			"aliases": []string{"semi;colon", "quo\"te"}, "description": hostileName},
		{"type": "indicator", "spec_version": "2.1", "id": "indicator--f0000000-0000-4000-8000-000000000002",
			"created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "pattern_type": "stix",
			"pattern": "[domain-name:value = 'hostile-c2.net']", "valid_from": "2024-01-03T00:00:00Z",
			"description": hostileName, "labels": []string{"c2", "tag;with\"quote"}},
		{"type": "relationship", "spec_version": "2.1", "id": "relationship--f0000000-0000-4000-8000-000000000003",
			"created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "relationship_type": "indicates",
			"source_ref": "indicator--f0000000-0000-4000-8000-000000000002", "target_ref": "intrusion-set--f0000000-0000-4000-8000-000000000001"},
	}
	b, err := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--f0000000-0000-4000-8000-000000000000", "objects": objs})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hostile.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// exportStore is a store with ATT&CK groups, an IOC list whose events name
// APT28, a vendor STIX bundle with indicates links, and the hostile bundle.
func exportCLI(t *testing.T) *cli {
	t.Helper()
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json", "--credibility", "1")
	c.ok("import", "apt-iocs", "../../internal/collect/ioclist/testdata/apt-iocs.csv", "--credibility", "1")
	c.ok("import", "stix", "../../internal/collect/stix/testdata/intel-bundle.json", "--credibility", "1", "--tlp", "green")
	c.ok("import", "stix", hostileBundle(t, t.TempDir()), "--credibility", "1", "--tlp", "amber")
	return c
}

// stixTypes are the indicator types a STIX pattern can carry.
const stixTypes = "ipv4,ipv6,cidr,domain,url,email,md5,sha1,sha256,sha512,asn"

// exportRows exports CSV and returns, per indicator, what a round trip
// must keep: type, value, TLP, first seen, groups, tags, description and
// confidence to two decimals.
func exportRows(t *testing.T, c *cli, args ...string) [][]string {
	t.Helper()
	out := c.ok(append([]string{"export", "--format", "csv", "--type", stixTypes}, args...)...)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("export CSV: %v\n%s", err, out)
	}
	var rows [][]string
	for _, r := range recs[1:] {
		conf, _ := strconv.ParseFloat(r[2], 64)
		// type, value, tlp, first_seen, groups, tags, description, confidence
		rows = append(rows, []string{r[0], r[1], r[3], r[4], r[6], r[8], r[10], strconv.FormatFloat(math.Round(conf*100)/100, 'f', 2, 64)})
	}
	return rows
}

// stixGraph reads what a STIX export says of groups and links: each
// intrusion set's name, aliases and ATT&CK ID, and each indicates
// relationship as "pattern -> group name".
func stixGraph(t *testing.T, bundle []byte) (groups, links []string) {
	t.Helper()
	var b struct {
		Objects []struct {
			Type, ID, Name, Pattern string
			Aliases                 []string
			RelationshipType        string `json:"relationship_type"`
			SourceRef               string `json:"source_ref"`
			TargetRef               string `json:"target_ref"`
			ExternalReferences      []struct {
				ExternalID string `json:"external_id"`
			} `json:"external_references"`
		}
	}
	if err := json.Unmarshal(bundle, &b); err != nil {
		t.Fatal(err)
	}
	names, patterns := map[string]string{}, map[string]string{}
	for _, o := range b.Objects {
		switch o.Type {
		case "intrusion-set":
			names[o.ID] = o.Name
			ext := ""
			for _, r := range o.ExternalReferences {
				ext += r.ExternalID
			}
			groups = append(groups, o.Name+" | "+strings.Join(o.Aliases, " / ")+" | "+ext)
		case "indicator":
			patterns[o.ID] = o.Pattern
		}
	}
	for _, o := range b.Objects {
		if o.Type == "relationship" && o.RelationshipType == "indicates" {
			links = append(links, patterns[o.SourceRef]+" -> "+names[o.TargetRef])
		}
	}
	slices.Sort(groups)
	slices.Sort(links)
	return groups, links
}

// TestExportSTIXRoundTrip: a STIX export of one store, imported into an
// empty one, gives back the same indicators (with TLP, first seen, tags,
// description and confidence), the same groups with their aliases and
// ATT&CK IDs, and the same indicates relationships; exporting the second
// store gives the same STIX graph.
func TestExportSTIXRoundTrip(t *testing.T) {
	a := exportCLI(t)
	file := filepath.Join(t.TempDir(), "a.json")
	_, errOut, err := a.run("", "export", "--format", "stix", "-o", file)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	if !strings.HasPrefix(errOut, "exported ") || !strings.Contains(errOut, "as stix") {
		t.Errorf("stderr = %q, want the summary line", errOut)
	}
	aBundle, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	aGroups, aLinks := stixGraph(t, aBundle)
	if len(aLinks) < 5 || !slices.ContainsFunc(aGroups, func(g string) bool { return strings.HasPrefix(g, "APT28 | ") }) ||
		!slices.ContainsFunc(aGroups, func(g string) bool { return strings.HasPrefix(g, "Ember Bear | ") }) {
		t.Fatalf("the export lacks the fixture's groups or links: %q\n%q", aGroups, aLinks)
	}

	b := newCLI(t)
	b.ok("import", "stix", file, "--credibility", "1")
	want, got := exportRows(t, a), exportRows(t, b)
	if len(want) < 8 {
		t.Fatalf("only %d indicators exported: %q", len(want), want)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("indicators after the round trip (-first store +second):\n%s", d)
	}
	bFile := filepath.Join(t.TempDir(), "b.json")
	b.ok("export", "--format", "stix", "-o", bFile)
	bBundle, err := os.ReadFile(bFile)
	if err != nil {
		t.Fatal(err)
	}
	bGroups, bLinks := stixGraph(t, bBundle)
	if d := cmp.Diff(aGroups, bGroups); d != "" {
		t.Errorf("groups after the round trip (-first +second):\n%s", d)
	}
	if d := cmp.Diff(aLinks, bLinks); d != "" {
		t.Errorf("indicates relationships after the round trip (-first +second):\n%s", d)
	}
}

func TestExportFiltersAndFiles(t *testing.T) {
	c := exportCLI(t)
	// The same store gives the same bytes.
	if x, y := c.ok("export", "--format", "suricata"), c.ok("export", "--format", "suricata"); x != y || !strings.Contains(x, "sid:") {
		t.Errorf("two Suricata exports differ or hold no rule:\n%s", x)
	}
	// Filters reach the store: APT28's domains, from its events.
	if got, want := c.ok("export", "--format", "list", "--group", "Fancy Bear", "--type", "domain"), "cdn-updates.net\nmail-gov-update.com\nns1.mail-gov-update.com\n"; got != want {
		t.Errorf("APT28's domains = %q, want %q", got, want)
	}
	// The hostile group is amber: under a green ceiling its indicator and
	// its name are gone.
	green := c.ok("export", "--format", "csv", "--tlp-max", "green")
	if strings.Contains(green, "hostile-c2.net") || strings.Contains(green, "Quote") {
		t.Errorf("a TLP:GREEN export holds amber data:\n%s", green)
	}
	if _, _, err := c.run("", "export", "--format", "csv", "--group", "Quote \"Bear\"; sid:1; a,b\nnext | \\ end", "--tlp-max", "green"); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("an amber group under a green ceiling: err = %v, want not found", err)
	}
	if out := c.ok("export", "formats"); !strings.Contains(out, "rpz") || !strings.Contains(out, "zeek") {
		t.Errorf("formats = %q", out)
	}
	for _, args := range [][]string{{"export"}, {"export", "--format", "xml"}, {"export", "--format", "csv", "--since", "soon"},
		{"export", "--format", "csv", "--tlp-max", "purple"}, {"export", "--format", "csv", "--type", "bogus"},
		{"export", "--format", "csv", "--min-confidence", "2"}} {
		if _, _, err := c.run("", args...); err == nil || exitCode(err) == 0 {
			t.Errorf("spoor %q succeeded", args)
		}
	}

	// -o replaces the file in one step and keeps its mode; a failed export
	// leaves it as it was, with no temporary file beside it.
	dir := t.TempDir()
	out := filepath.Join(dir, "rules")
	if err := os.WriteFile(out, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	c.ok("export", "--format", "hosts", "-o", out)
	data, _ := os.ReadFile(out)
	fi, _ := os.Stat(out)
	if !strings.Contains(string(data), "0.0.0.0 mail-gov-update.com\n") || fi.Mode().Perm() != 0o640 {
		t.Errorf("-o wrote mode %v:\n%s", fi.Mode().Perm(), data)
	}
	if _, _, err := c.run("", "export", "--format", "suricata", "--sid-count", "2", "-o", out); err == nil {
		t.Error("an export with more rules than SIDs succeeded")
	}
	if after, _ := os.ReadFile(out); string(after) != string(data) {
		t.Errorf("a failed export changed the file:\n%s", after)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files beside the export: %v", entries)
	}
	fresh := filepath.Join(dir, "new.csv")
	c.ok("export", "--format", "csv", "--output", fresh)
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("a new export file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
}

// keptObjects lists the STIX objects a store keeps whole, by STIX ID.
func keptObjects(t *testing.T, c *cli) map[string]intel.STIXObject {
	t.Helper()
	var page intel.Page[intel.STIXObject]
	if err := json.Unmarshal([]byte(c.ok("stix", "--format", "json", "--limit", "500")), &page); err != nil {
		t.Fatal(err)
	}
	if page.Next != "" {
		t.Fatal("more kept objects than one page")
	}
	out := map[string]intel.STIXObject{}
	for _, o := range page.Items {
		out[o.StixID] = o
	}
	return out
}

// bundleByID reads a bundle's objects by ID and fails on an ID written
// twice.
func bundleByID(t *testing.T, bundle []byte) map[string]map[string]any {
	t.Helper()
	var b struct{ Objects []map[string]any }
	if err := json.Unmarshal(bundle, &b); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, o := range b.Objects {
		id, _ := o["id"].(string)
		if _, dup := out[id]; dup {
			t.Errorf("%s is in the bundle twice", id)
		}
		out[id] = o
	}
	return out
}

// TestExportKeptRoundTrip imports the bundle of every STIX type (modelled
// objects, kept SDOs and SCOs, compound and non-STIX patterns, a custom
// object with an extension, an extension definition), exports it as
// STIX, and imports the export into a fresh store: every kept object,
// pattern and relationship is there again, equal as JSON, and the second
// store exports the same kept objects. The two objects flagged at import
// (an invalid domain) are left out and counted, unless --flagged.
func TestExportKeptRoundTrip(t *testing.T) {
	a := newCLI(t)
	imported := a.ok("import", "stix", "../../internal/collect/stix/testdata/every-type.json", "--credibility", "1")
	// Every valid object is modelled or kept; the two with the invalid
	// domain are kept and flagged, with the reason.
	if strings.Contains(imported, "not imported") || strings.Count(imported, `: flagged: domain-name:value "domain autuo.xicp.net"`) != 2 {
		t.Errorf("import summary:\n%s", imported)
	}
	file := filepath.Join(t.TempDir(), "a.json")
	_, errOut, err := a.run("", "export", "--format", "stix", "-o", file)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	if !strings.HasSuffix(errOut, " kept STIX objects; left out: 2 flagged at import\n") {
		t.Errorf("stderr = %q, want the kept objects and the flagged ones counted", errOut)
	}
	flagged := filepath.Join(t.TempDir(), "flagged.json")
	a.ok("export", "--format", "stix", "--flagged", "-o", flagged)
	withFlagged, err := os.ReadFile(flagged)
	if err != nil {
		t.Fatal(err)
	}
	flaggedObjs := bundleByID(t, withFlagged)
	aBundle, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	aObjs := bundleByID(t, aBundle)
	b := newCLI(t)
	if out := b.ok("import", "stix", file, "--credibility", "1"); strings.Contains(out, "not imported") {
		t.Errorf("a valid object of the export is not imported:\n%s", out)
	}
	aKept, bKept := keptObjects(t, a), keptObjects(t, b)
	if len(aKept) < 50 {
		t.Fatalf("only %d objects kept by the first store", len(aKept))
	}
	for id, ao := range aKept {
		if len(ao.Flags) > 0 {
			if aObjs[id] != nil || flaggedObjs[id] == nil {
				t.Errorf("%s, flagged %q: in the export %v, with --flagged %v; want only with --flagged", id, ao.Flags,
					aObjs[id] != nil, flaggedObjs[id] != nil)
			}
			continue
		}
		bo, ok := bKept[id]
		if !ok {
			t.Errorf("%s (%s) is lost in the round trip", id, ao.Type)
			continue
		}
		var x, y map[string]any
		if err := json.Unmarshal(ao.Raw, &x); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(bo.Raw, &y); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(x, y); d != "" {
			t.Errorf("%s after the round trip (-first +second):\n%s", id, d)
		}
		if ao.Pattern != bo.Pattern || ao.PatternTree != bo.PatternTree || ao.SourceRef != bo.SourceRef || ao.TargetRef != bo.TargetRef {
			t.Errorf("%s: pattern %q / %q, ends %s→%s / %s→%s", id, ao.Pattern, bo.Pattern, ao.SourceRef, ao.TargetRef, bo.SourceRef, bo.TargetRef)
		}
	}
	// The compound patterns went out unchanged.
	for _, id := range []string{"indicator--00000016-0000-4000-8000-000000000022", "indicator--00000017-0000-4000-8000-000000000023",
		"indicator--0000001a-0000-4000-8000-000000000026"} {
		if p, _ := aObjs[id]["pattern"].(string); p == "" || p != aKept[id].Pattern {
			t.Errorf("%s exported with pattern %q, want %q", id, p, aKept[id].Pattern)
		}
	}
	// A relationship to a modelled object points at it in the bundle.
	for id, o := range aObjs {
		if o["type"] != "relationship" {
			continue
		}
		for _, end := range []string{"source_ref", "target_ref"} {
			if ref, _ := o[end].(string); aObjs[ref] == nil {
				t.Errorf("%s: %s %s is not in the bundle", id, end, ref)
			}
		}
	}
	for _, id := range []string{"malware--0000000a-0000-4000-8000-000000000010", "attack-pattern--00000005-0000-4000-8000-000000000005"} {
		if aObjs[id] == nil {
			t.Errorf("%s, which a kept relationship names, is not in the bundle", id)
		}
	}
	// The second store exports the kept objects as the first did.
	bFile := filepath.Join(t.TempDir(), "b.json")
	b.ok("export", "--format", "stix", "-o", bFile)
	bBundle, err := os.ReadFile(bFile)
	if err != nil {
		t.Fatal(err)
	}
	bObjs := bundleByID(t, bBundle)
	for id := range aKept {
		if ao, ok := aObjs[id]; ok {
			if d := cmp.Diff(ao, bObjs[id]); d != "" {
				t.Errorf("%s in the second export (-first +second):\n%s", id, d)
			}
		}
	}
}
