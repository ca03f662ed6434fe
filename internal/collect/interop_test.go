package collect_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/sqlite"
	"github.com/spoor/spoor/internal/testenv"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestImportEveryType imports the bundle of every STIX 2.1 type: what is
// not modelled is stored whole, found by value and by reference, with the
// reports that cover it, and a second import changes nothing.
func TestImportEveryType(t *testing.T) {
	ctx := intel.WithActor(context.Background(), intel.Actor{Login: "test"})
	st := openStore(t)
	b, err := os.ReadFile(filepath.Join("stix", "testdata", "every-type.json"))
	if err != nil {
		t.Fatal(err)
	}
	src := intel.Source{Name: "ACME CTI", Kind: intel.SourceSTIX, Credibility: 0.6}
	res, err := collect.ImportSTIX(ctx, st, bytes.NewReader(b), "every-type.json", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Stats.Counts["stix-object"]
	kept := 0
	for _, ts := range res.Stats.Types {
		kept += ts.Kept
	}
	if c == nil || c.Created != kept || kept != 53 {
		t.Errorf("stix-object counts %+v, summary kept %d; want 53 created (all but the 6 knowledge-base objects and the 5 relationships between them)", c, kept)
	}
	if r := res.Stats.Counts["relationship"]; r.Created != 5 || r.Rejected != 0 {
		t.Errorf("relationships %+v, want the 5 between modelled objects", r)
	}
	// The flagged pattern indicator, found by the invalid value it holds.
	page, err := st.FindSTIXObjects(ctx, intel.STIXObjectFilter{Value: "domain autuo.xicp.net"})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, o := range page.Items {
		found = append(found, o.Type+" "+strings.Join(o.Flags, "; "))
	}
	want := []string{`domain-name domain-name:value "domain autuo.xicp.net": value is not a valid domain`,
		`indicator domain-name:value "domain autuo.xicp.net": value is not a valid domain`}
	if strings.Join(found, "\n") != strings.Join(want, "\n") {
		t.Errorf("by value:\n%s\nwant\n%s", strings.Join(found, "\n"), strings.Join(want, "\n"))
	}
	// The infrastructure: its relationships (to the group, to its address)
	// and the report that covers it.
	v, err := st.FindSTIXObject(ctx, "infrastructure--0000000d-0000-4000-8000-000000000013")
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	for _, r := range v.Relationships {
		rels = append(rels, r.Name+" "+r.SourceRef[:6]+">"+r.TargetRef[:6])
	}
	if strings.Join(rels, ",") != "uses intrus>infras,consists-of infras>ipv4-a" && strings.Join(rels, ",") != "consists-of infras>ipv4-a,uses intrus>infras" {
		t.Errorf("relationships = %q", rels)
	}
	if len(v.Reports) != 1 || v.Reports[0].Title != "Ember Bear in 2024" {
		t.Errorf("reports = %+v", v.Reports)
	}
	var raw map[string]any
	if err := json.Unmarshal(v.Object.Raw, &raw); err != nil || raw["infrastructure_types"] == nil {
		t.Errorf("raw = %s, want the object as written", v.Object.Raw)
	}

	again, err := collect.ImportSTIX(ctx, st, bytes.NewReader(b), "every-type.json", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	for kind, c := range again.Stats.Counts {
		if c.Created+c.Updated != 0 {
			t.Errorf("re-import changed %s: %+v", kind, c)
		}
	}
}

// TestImportMISPEventFull imports a MISP event with sightings: the
// attribute's sightings are stored, the event kept whole, and a second
// import changes nothing.
func TestImportMISPEventFull(t *testing.T) {
	ctx := intel.WithActor(context.Background(), intel.Actor{Login: "test"})
	st := openStore(t)
	path, err := filepath.Abs(filepath.Join("misp", "testdata", "event-full.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := collect.NewCollector(st, nil)
	c.Files = collect.AnyFile{}
	src := &intel.Source{Name: "ACME CERT", Format: "misp-event", Location: path}
	run, err := c.Collect(ctx, src, collect.Options{Trigger: "test"})
	if err != nil || run.Status != intel.RunOK {
		t.Fatalf("collect: %+v %v", run, err)
	}
	if s := run.Stats.Counts["sighting"]; s == nil || s.Created != 3 {
		t.Errorf("sightings %+v, want 3 created", s)
	}
	if ty := run.Stats.Types["misp-attribute"]; ty == nil || ty.Flagged != 1 {
		t.Errorf("attribute summary %+v, want the invalid domain flagged", ty)
	}
	ind, err := st.FindIndicators(ctx, intel.IndicatorFilter{Type: intel.IndicatorDomain, Value: "c2.example.org"})
	if err != nil || len(ind.Items) != 1 {
		t.Fatalf("indicator: %+v %v", ind.Items, err)
	}
	sg, err := st.FindSightings(ctx, ind.Items[0].ID)
	if err != nil || len(sg) != 2 || sg[0].Note != "MISP false positive from partner" {
		t.Errorf("sightings = %+v %v, want the sighting and the false positive", sg, err)
	}
	v, err := st.FindSTIXObject(ctx, "x-misp-event--5f0c0a3e-3333-4c1a-9a0e-000000000003")
	if err != nil || !strings.Contains(string(v.Object.Raw), `"template_uuid":"688c46fb-5edb-40a3-8273-1af7923e2215"`) {
		t.Errorf("kept event = %v %v", v, err)
	}
	run, err = c.Collect(ctx, src, collect.Options{Trigger: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for kind, c := range run.Stats.Counts {
		if c.Created+c.Updated != 0 {
			t.Errorf("re-import changed %s: %+v", kind, c)
		}
	}
}

// TestAcceptanceATTACKUpgrade imports ATT&CK 13.1 and then a newer
// release built from it (one group renamed with a new alias, a new group
// that uses existing software, a new data component), as an upgrade of
// ATT&CK is: the objects keep their identities, the new ones are added,
// the kept objects stay.
func TestAcceptanceATTACKUpgrade(t *testing.T) {
	testenv.Acceptance(t)
	path := testenv.DataFile(t, "mitre-attack", "enterprise-attack-13.1.json.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	old, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	ctx := intel.WithActor(context.Background(), intel.Actor{Login: "test"})
	st := openStore(t)
	src := intel.Source{Name: "MITRE ATT&CK", Kind: intel.SourceSTIX, Credibility: 1}
	first, err := collect.ImportSTIX(ctx, st, bytes.NewReader(old), "enterprise-attack-13.1.json", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	for typ, ts := range first.Stats.Types {
		if ts.Modelled+ts.Kept < ts.Seen {
			t.Errorf("13.1 %s: %s: not every object modelled or kept", typ, ts)
		}
	}
	apt28, err := st.FindObjectByName(ctx, intel.KindGroup, "APT28")
	if err != nil {
		t.Fatal(err)
	}
	x0787, err := st.FindObjectByName(ctx, intel.KindSoftware, "X-Agent")
	if err != nil {
		t.Fatal(err)
	}
	keptBefore, err := st.FindSTIXObjects(ctx, intel.STIXObjectFilter{Type: "course-of-action", Limit: 1000})
	if err != nil || len(keptBefore.Items) == 0 {
		t.Fatalf("courses of action kept: %d, %v", len(keptBefore.Items), err)
	}

	newer := newerATTACK(t, old, apt28.StixID, x0787.StixID)
	second, err := collect.ImportSTIX(ctx, st, bytes.NewReader(newer), "enterprise-attack-newer.json", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := second.Stats.Counts["group"]
	if g.Created != 1 || g.Updated != 1 {
		t.Errorf("groups after the upgrade: %+v, want 1 created (the new group), 1 updated (APT28)", g)
	}
	if r := second.Stats.Counts["relationship"]; r.Created != 1 || r.Updated != 0 {
		t.Errorf("relationships after the upgrade: %+v, want the new group's one", r)
	}
	if k := second.Stats.Counts["stix-object"]; k.Created != 1 || k.Updated != 0 {
		t.Errorf("kept objects after the upgrade: %+v, want the new data component", k)
	}
	again, err := st.FindObjectByName(ctx, intel.KindGroup, "APT28")
	if err != nil || again.ID != apt28.ID || !strings.Contains(strings.Join(again.Aliases, ","), "Forest Blizzard") {
		t.Errorf("APT28 after the upgrade: %+v %v; want the same ID %d with the new alias", again, err, apt28.ID)
	}
	ng, err := st.FindObjectByName(ctx, intel.KindGroup, "Newer Group")
	if err != nil || ng.ExternalID != "G9999" {
		t.Errorf("new group: %+v %v", ng, err)
	}
	if _, err := st.FindSTIXObject(ctx, "x-mitre-data-component--99999999-0000-4000-8000-000000000001"); err != nil {
		t.Errorf("new data component: %v", err)
	}
	keptAfter, err := st.FindSTIXObjects(ctx, intel.STIXObjectFilter{Type: "course-of-action", Limit: 1000})
	if err != nil || len(keptAfter.Items) != len(keptBefore.Items) || keptAfter.Items[0].ID != keptBefore.Items[0].ID {
		t.Errorf("courses of action after the upgrade: %d (was %d), %v", len(keptAfter.Items), len(keptBefore.Items), err)
	}
}

// newerATTACK builds a newer release from 13.1: APT28 gets a new alias
// and a newer modified, a new group uses X-Agent, and a new data component
// appears. The other objects stay as 13.1 wrote them.
func newerATTACK(t *testing.T, old []byte, apt28, xagent string) []byte {
	t.Helper()
	var b struct {
		Type    string            `json:"type"`
		ID      string            `json:"id"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(old, &b); err != nil {
		t.Fatal(err)
	}
	const now = "2024-04-23T00:00:00.000Z"
	for i, raw := range b.Objects {
		var o map[string]any
		if !bytes.Contains(raw, []byte(apt28)) || json.Unmarshal(raw, &o) != nil || o["id"] != apt28 {
			continue
		}
		o["aliases"] = append(o["aliases"].([]any), "Forest Blizzard")
		o["modified"] = now
		raw, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		b.Objects[i] = raw
	}
	group := "intrusion-set--99999999-0000-4000-8000-000000000002"
	for _, o := range []map[string]any{
		{"type": "intrusion-set", "spec_version": "2.1", "id": group, "created": now, "modified": now,
			"name": "Newer Group", "external_references": []any{map[string]any{"source_name": "mitre-attack", "external_id": "G9999",
				"url": "https://attack.mitre.org/groups/G9999"}}},
		{"type": "relationship", "spec_version": "2.1", "id": "relationship--99999999-0000-4000-8000-000000000003",
			"created": now, "modified": now, "relationship_type": "uses", "source_ref": group, "target_ref": xagent},
		{"type": "x-mitre-data-component", "spec_version": "2.1", "id": "x-mitre-data-component--99999999-0000-4000-8000-000000000001",
			"created": now, "modified": now, "name": "Newer Component"},
	} {
		raw, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		b.Objects = append(b.Objects, raw)
	}
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRelationshipToEarlierImport: a relationship whose ends an earlier
// import stored (the next TAXII pull) becomes a relationship of the base,
// and is kept whole as well.
func TestRelationshipToEarlierImport(t *testing.T) {
	ctx := intel.WithActor(context.Background(), intel.Actor{Login: "test"})
	st := openStore(t)
	src := intel.Source{Name: "feed", Kind: intel.SourceSTIX, Credibility: 0.5}
	const ts = `"created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z"`
	first := `{"type": "bundle", "id": "bundle--00000001-0000-4000-8000-000000000001", "objects": [
 {"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--00000001-0000-4000-8000-000000000001", ` + ts + `, "name": "Ember Bear"},
 {"type": "malware", "spec_version": "2.1", "id": "malware--00000001-0000-4000-8000-000000000001", ` + ts + `, "name": "WhisperGate", "is_family": true}]}`
	second := `{"type": "relationship", "spec_version": "2.1", "id": "relationship--00000001-0000-4000-8000-000000000001", ` + ts + `,
 "relationship_type": "uses", "source_ref": "intrusion-set--00000001-0000-4000-8000-000000000001",
 "target_ref": "malware--00000001-0000-4000-8000-000000000001"}`
	if _, err := collect.ImportSTIX(ctx, st, strings.NewReader(first), "first.json", src, nil); err != nil {
		t.Fatal(err)
	}
	res, err := collect.ImportSTIX(ctx, st, strings.NewReader(second), "second.json", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Stats.Counts["relationship"]; r.Created != 1 || r.Rejected != 0 {
		t.Errorf("relationship %+v, want it created from the stored ends", r)
	}
	if k := res.Stats.Counts["stix-object"]; k.Created != 1 {
		t.Errorf("kept %+v, want the relationship kept too", k)
	}
	g, err := st.FindObjectByName(ctx, intel.KindGroup, "Ember Bear")
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.FindProfile(ctx, g.ID)
	if err != nil || len(p.Software) != 1 || p.Software[0].Other.Name != "WhisperGate" {
		t.Errorf("profile software = %+v %v", p, err)
	}
}
