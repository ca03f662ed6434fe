package export_test

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/export"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/testenv"
)

// keptFixture is the fixture with kept STIX objects: an identity, a
// custom object with x_ properties and an extension, an amber
// infrastructure, what a spoor export wrote (its producer's object and a
// TLP marking definition), and relationships to a kept object, to a
// threat actor stored as a group, to ATT&CK's APT28 and to nothing stored.
func keptFixture(t *testing.T) (*reader, map[string]string) {
	t.Helper()
	r := fixture()
	apt28 := r.groups[0]
	actor := &intel.Object{ID: 9, Kind: intel.KindGroup, StixID: "threat-actor--00000000-0000-4000-8000-000000000009",
		Name: "Actor", Confidence: 1, TLP: intel.TLPClear}
	tool := &intel.Object{ID: 10, Kind: intel.KindSoftware, SoftwareType: "tool", StixID: "tool--00000000-0000-4000-8000-000000000010",
		ExternalID: "S0002", Name: "Mimikatz", Confidence: 1, TLP: intel.TLPClear}
	producer := "identity--00f73dc0-8037-5ea5-b788-63bd9a8c400d" // the default producer's
	raws := map[string]string{
		"identity--00000000-0000-4000-8000-000000000001":           `{"type":"identity","spec_version":"2.1","id":"identity--00000000-0000-4000-8000-000000000001","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Victim Corp","identity_class":"organization"}`,
		"infrastructure--00000000-0000-4000-8000-000000000002":     `{"type":"infrastructure","spec_version":"2.1","id":"infrastructure--00000000-0000-4000-8000-000000000002","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-02T00:00:00.000Z","name":"C2 <net>","infrastructure_types":["command-and-control"],"object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}`,
		"x-acme-widget--00000000-0000-4000-8000-000000000003":      `{"type":"x-acme-widget","spec_version":"2.1","id":"x-acme-widget--00000000-0000-4000-8000-000000000003","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","x_colour":"teal","extensions":{"extension-definition--00000000-0000-4000-8000-000000000004":{"extension_type":"new-sdo"}}}`,
		"identity--00000000-0000-4000-8000-000000000005":           `{"type":"identity","spec_version":"2.1","id":"identity--00000000-0000-4000-8000-000000000005","created_by_ref":"` + producer + `","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"made here","identity_class":"system"}`,
		"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:GREEN","definition":{"tlp":"green"}}`,
		"relationship--00000000-0000-4000-8000-000000000010":       `{"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-000000000010","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","relationship_type":"related-to","source_ref":"x-acme-widget--00000000-0000-4000-8000-000000000003","target_ref":"identity--00000000-0000-4000-8000-000000000001","x_why":"kept"}`,
		"relationship--00000000-0000-4000-8000-000000000011":       `{"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-000000000011","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","relationship_type":"uses","source_ref":"threat-actor--00000000-0000-4000-8000-000000000009","target_ref":"infrastructure--00000000-0000-4000-8000-000000000002","x_why":"moved"}`,
		"relationship--00000000-0000-4000-8000-000000000012":       `{"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-000000000012","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","relationship_type":"targets","source_ref":"` + apt28.StixID + `","target_ref":"identity--00000000-0000-4000-8000-000000000001"}`,
		"relationship--00000000-0000-4000-8000-000000000014":       `{"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-000000000014","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","relationship_type":"related-to","source_ref":"` + tool.StixID + `","target_ref":"identity--00000000-0000-4000-8000-000000000001"}`,
		"relationship--00000000-0000-4000-8000-000000000013":       `{"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-000000000013","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","relationship_type":"uses","source_ref":"malware--00000000-0000-4000-8000-000000000099","target_ref":"identity--00000000-0000-4000-8000-000000000001"}`,
	}
	kept := func(tlp intel.TLP) intel.STIXEnd { return intel.STIXEnd{Kept: true, TLP: tlp} }
	ends := map[string]intel.STIXEnd{
		"identity--00000000-0000-4000-8000-000000000001":       kept(intel.TLPClear),
		"infrastructure--00000000-0000-4000-8000-000000000002": kept(intel.TLPAmber),
		"x-acme-widget--00000000-0000-4000-8000-000000000003":  kept(intel.TLPClear),
		actor.StixID: {Object: actor},
		apt28.StixID: {Object: apt28},
		tool.StixID:  {Object: tool},
	}
	ids := []string{"identity--00000000-0000-4000-8000-000000000001", "identity--00000000-0000-4000-8000-000000000005",
		"infrastructure--00000000-0000-4000-8000-000000000002", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
		"x-acme-widget--00000000-0000-4000-8000-000000000003",
		"relationship--00000000-0000-4000-8000-000000000010", "relationship--00000000-0000-4000-8000-000000000011",
		"relationship--00000000-0000-4000-8000-000000000012", "relationship--00000000-0000-4000-8000-000000000013",
		"relationship--00000000-0000-4000-8000-000000000014"}
	for _, id := range ids {
		raw := raws[id]
		var m struct {
			Type   string   `json:"type"`
			Source string   `json:"source_ref"`
			Target string   `json:"target_ref"`
			By     string   `json:"created_by_ref"`
			Marks  []string `json:"object_marking_refs"`
		}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		o := &intel.ExportSTIXObject{Object: intel.STIXObject{StixID: id, Type: m.Type, SourceRef: m.Source, TargetRef: m.Target,
			Raw: json.RawMessage(raw)}, TLP: intel.STIXTLP(m.Marks, ""), CreatedBy: m.By, Markings: m.Marks}
		if m.Type == "relationship" {
			o.Ends = map[string]intel.STIXEnd{m.Source: ends[m.Source], m.Target: ends[m.Target]}
		}
		r.objects = append(r.objects, o)
	}
	return r, raws
}

// validateEach checks each object of a bundle against the OASIS schema of
// its type, and a custom one against the common properties, and returns
// how many it checked by their type's schema. (The upstream bundle schema
// lists neither location, grouping, incident, note, opinion nor
// extension-definition, and matches a custom SDO both as core and as
// observable, so a bundle of kept objects cannot pass it whole.)
func validateEach(t *testing.T, bundle string) int {
	t.Helper()
	c, ids := testenv.STIXSchemas(t)
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(bundle))
	if err != nil {
		t.Fatalf("the bundle is not JSON: %v", err)
	}
	b := doc.(map[string]any)
	if b["type"] != "bundle" || !strings.HasPrefix(b["id"].(string), "bundle--") {
		t.Errorf("not a bundle: type %v, id %v", b["type"], b["id"])
	}
	n := 0
	for _, o := range b["objects"].([]any) {
		typ := o.(map[string]any)["type"].(string)
		id, ok := ids[typ]
		if !ok || typ == "core" || typ == "bundle" {
			id = ids["core"]
		} else {
			n++
		}
		sch, err := c.Compile(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(o); err != nil {
			t.Errorf("%s: %.600v", o.(map[string]any)["id"], err)
		}
	}
	return n
}

// bundleObjects are a bundle's objects by ID, each as written.
func bundleObjects(t *testing.T, out string) map[string]string {
	t.Helper()
	var b struct{ Objects []json.RawMessage }
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("the bundle is not JSON: %v", err)
	}
	got := map[string]string{}
	for _, raw := range b.Objects {
		var h struct{ ID string }
		if err := json.Unmarshal(raw, &h); err != nil {
			t.Fatal(err)
		}
		if _, dup := got[h.ID]; dup {
			t.Errorf("%s is in the bundle twice", h.ID)
		}
		got[h.ID] = string(raw)
	}
	return got
}

func jsonMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return m
}

func TestSTIXKeptObjects(t *testing.T) {
	r, raws := keptFixture(t)
	out, st := run(t, r, export.Request{Format: export.STIX})
	got := bundleObjects(t, out)
	if n := validateEach(t, out); n != len(got)-1 {
		t.Errorf("checked %d objects against their schemas, want %d (all but the custom one)", n, len(got)-1)
	}
	// Written as imported, byte for byte.
	for _, id := range []string{"identity--00000000-0000-4000-8000-000000000001", "infrastructure--00000000-0000-4000-8000-000000000002",
		"x-acme-widget--00000000-0000-4000-8000-000000000003", "relationship--00000000-0000-4000-8000-000000000010",
		"relationship--00000000-0000-4000-8000-000000000012", "relationship--00000000-0000-4000-8000-000000000014"} {
		if got[id] != raws[id] {
			t.Errorf("%s written as\n%s\nwant\n%s", id, got[id], raws[id])
		}
	}
	// The threat actor's end moves to the ID its intrusion set has in the
	// export; the rest of the relationship stays.
	moved := "relationship--00000000-0000-4000-8000-000000000011"
	want := jsonMap(t, raws[moved])
	gotMoved := jsonMap(t, got[moved])
	actorID, _ := gotMoved["source_ref"].(string)
	want["source_ref"] = actorID
	if !maps.EqualFunc(want, gotMoved, func(a, b any) bool { x, _ := json.Marshal(a); y, _ := json.Marshal(b); return string(x) == string(y) }) ||
		actorID == "threat-actor--00000000-0000-4000-8000-000000000009" {
		t.Errorf("moved relationship %s, want %v with the actor's export ID", got[moved], want)
	}
	if a := got[actorID]; !strings.Contains(a, `"type":"intrusion-set"`) || !strings.Contains(a, `"name":"Actor"`) {
		t.Errorf("the actor's intrusion set %s is %q", actorID, a)
	}
	if !strings.Contains(got[r.groups[0].StixID], `"name":"APT28"`) {
		t.Errorf("APT28 is not in the bundle under its STIX ID %s", r.groups[0].StixID)
	}
	if m := got["tool--00000000-0000-4000-8000-000000000010"]; !strings.Contains(m, `"type":"tool"`) || !strings.Contains(m, `"external_id":"S0002"`) {
		t.Errorf("the tool a relationship names is written as %q", m)
	}
	// What the export writes itself is not written twice, and the
	// relationship to nothing stored is left out.
	if _, ok := got["identity--00000000-0000-4000-8000-000000000005"]; ok {
		t.Error("an object this export's producer created is written again")
	}
	if _, ok := got["relationship--00000000-0000-4000-8000-000000000013"]; ok {
		t.Error("a relationship whose end is not in the bundle is written")
	}
	if m := got["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]; m == "" {
		t.Error("the amber marking the infrastructure names is not defined")
	}
	// A kept TLP marking definition is the one the export writes.
	green := "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	if d := cmp.Diff(jsonMap(t, raws[green]), jsonMap(t, got[green])); d != "" {
		t.Errorf("TLP:GREEN (-kept +written):\n%s", d)
	}
	wantSkipped := map[string]int{"made by this export": 1, "relationship whose end is not in the bundle": 1}
	if st.Objects != 7 || !maps.Equal(st.ObjectsSkipped, wantSkipped) {
		t.Errorf("stats: %d objects, skipped %v; want 7, %v", st.Objects, st.ObjectsSkipped, wantSkipped)
	}
	if !strings.Contains(st.String(), "7 kept STIX objects; left out: 1 made by this export, 1 relationship whose end is not in the bundle") {
		t.Errorf("summary %q", st.String())
	}

	// The TLP ceiling applies to the objects; a filter by type or the
	// flag leaves them all out.
	greenOut, _ := run(t, r, export.Request{Format: export.STIX, Filter: intel.ExportFilter{TLPMax: intel.TLPGreen}})
	if strings.Contains(greenOut, "infrastructure--00000000-0000-4000-8000-000000000002\",\"created") {
		t.Error("an amber infrastructure is in a green export")
	}
	for _, f := range []intel.ExportFilter{{NoSTIXObjects: true}, {Types: []intel.IndicatorType{intel.IndicatorDomain}}} {
		out, st := run(t, r, export.Request{Format: export.STIX, Filter: f})
		if strings.Contains(out, "x-acme-widget") || st.Objects != 0 {
			t.Errorf("filter %+v: kept objects written", f)
		}
	}
	// Deterministic.
	again, _ := run(t, r, export.Request{Format: export.STIX})
	if again != out {
		t.Error("two exports of the same objects differ")
	}
}

// TestSTIXEveryKeptType exports what spoor keeps of the bundle of every
// STIX type: each kept object goes out as it came in, the bundle's
// objects validate against their OASIS schemas, and every relationship
// has both ends in the bundle.
func TestSTIXEveryKeptType(t *testing.T) {
	f, err := os.Open("../collect/stix/testdata/every-type.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := stix.Parse(f, "every-type.json", intel.Source{Name: "every", Credibility: 1})
	if err != nil {
		t.Fatal(err)
	}
	modelled := map[string]*intel.Object{}
	for i := range res.Bundle.Objects {
		o := &res.Bundle.Objects[i]
		o.ID = int64(i + 1)
		modelled[o.StixID] = o
	}
	kept := map[string]bool{}
	for _, so := range res.Bundle.STIXObjects {
		kept[so.StixID] = true
	}
	r := &reader{}
	for _, so := range res.Bundle.STIXObjects {
		var h struct {
			Marks []string `json:"object_marking_refs"`
			By    string   `json:"created_by_ref"`
		}
		if err := json.Unmarshal(so.Raw, &h); err != nil {
			t.Fatal(err)
		}
		o := &intel.ExportSTIXObject{Object: so, TLP: intel.STIXTLP(h.Marks, ""), CreatedBy: h.By, Markings: h.Marks}
		if so.Type == "relationship" {
			o.Ends = map[string]intel.STIXEnd{}
			for _, end := range []string{so.SourceRef, so.TargetRef} {
				o.Ends[end] = intel.STIXEnd{Kept: kept[end], Object: modelled[end]}
			}
		}
		r.objects = append(r.objects, o)
	}
	last := func(o *intel.ExportSTIXObject) int { // relationships after the others, as the store gives them
		if o.Object.Type == "relationship" {
			return 1
		}
		return 0
	}
	slices.SortFunc(r.objects, func(a, b *intel.ExportSTIXObject) int {
		if d := last(a) - last(b); d != 0 {
			return d
		}
		return strings.Compare(a.Object.StixID, b.Object.StixID)
	})
	// By default the objects flagged at import (an indicator comparing
	// domain-name:value with 'domain autuo.xicp.net', the domain-name of
	// that value) are left out and counted; with Flagged they go out too.
	flagged := map[string]bool{}
	for _, so := range res.Bundle.STIXObjects {
		if len(so.Flags) > 0 {
			flagged[so.StixID] = true
		}
	}
	if len(flagged) != 2 {
		t.Fatalf("%d flagged objects in the bundle, want 2", len(flagged))
	}
	for _, withFlagged := range []bool{false, true} {
		out, st := run(t, r, export.Request{Format: export.STIX, Filter: intel.ExportFilter{Flagged: withFlagged}})
		got := bundleObjects(t, out)
		want := len(res.Bundle.STIXObjects)
		if !withFlagged {
			want -= len(flagged)
		}
		if n := validateEach(t, out); n < want {
			t.Errorf("flagged %v: checked %d objects against their schemas, want at least the %d kept", withFlagged, n, want)
		}
		for _, so := range res.Bundle.STIXObjects {
			switch {
			case flagged[so.StixID] && !withFlagged:
				if _, ok := got[so.StixID]; ok {
					t.Errorf("%s, flagged %q, is in the bundle", so.StixID, so.Flags)
				}
			case so.Type == "marking-definition":
				// TLP:GREEN, written by the export as the specification fixes it.
				if d := cmp.Diff(jsonMap(t, string(so.Raw)), jsonMap(t, got[so.StixID])); d != "" {
					t.Errorf("%s (-kept +written):\n%s", so.StixID, d)
				}
			case got[so.StixID] != string(so.Raw):
				t.Errorf("%s written as\n%s\nwant\n%s", so.StixID, got[so.StixID], so.Raw)
			}
		}
		for id, raw := range got {
			var rel struct {
				Type      string `json:"type"`
				SourceRef string `json:"source_ref"`
				TargetRef string `json:"target_ref"`
			}
			if err := json.Unmarshal([]byte(raw), &rel); err != nil {
				t.Fatal(err)
			}
			if rel.Type == "relationship" && (got[rel.SourceRef] == "" || got[rel.TargetRef] == "") {
				t.Errorf("%s points outside the bundle: %s", id, raw)
			}
		}
		wantSkipped := map[string]int{"flagged at import": len(flagged)}
		if withFlagged {
			wantSkipped = nil
		}
		if !maps.Equal(st.ObjectsSkipped, wantSkipped) {
			t.Errorf("flagged %v: left out %v, want %v", withFlagged, st.ObjectsSkipped, wantSkipped)
		}
	}
}

// TestSTIXFlaggedLeftOut: a kept infrastructure flagged at import for
// having no created, which the OASIS schema requires, is left out of the
// export with the relationship to it, and counted, so that the bundle
// validates; with Flagged it goes out as it came in.
func TestSTIXFlaggedLeftOut(t *testing.T) {
	r, _ := keptFixture(t)
	bad := `{"type":"infrastructure","spec_version":"2.1","id":"infrastructure--00000000-0000-4000-8000-000000000020","modified":"2024-01-02T00:00:00.000Z","name":"no created"}`
	rel := `{"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-000000000021","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","relationship_type":"related-to","source_ref":"infrastructure--00000000-0000-4000-8000-000000000020","target_ref":"identity--00000000-0000-4000-8000-000000000001"}`
	badID, relID := "infrastructure--00000000-0000-4000-8000-000000000020", "relationship--00000000-0000-4000-8000-000000000021"
	r.objects = append([]*intel.ExportSTIXObject{{Object: intel.STIXObject{StixID: badID, Type: "infrastructure",
		Flags: []string{`"created" is required`}, Raw: json.RawMessage(bad)}}}, r.objects...)
	r.objects = append(r.objects, &intel.ExportSTIXObject{Object: intel.STIXObject{StixID: relID, Type: "relationship",
		SourceRef: badID, TargetRef: "identity--00000000-0000-4000-8000-000000000001", Raw: json.RawMessage(rel)},
		Ends: map[string]intel.STIXEnd{badID: {Kept: true, Flagged: true}, "identity--00000000-0000-4000-8000-000000000001": {Kept: true}}})

	out, st := run(t, r, export.Request{Format: export.STIX})
	got := bundleObjects(t, out)
	validateEach(t, out)
	if _, ok := got[badID]; ok {
		t.Error("the flagged infrastructure is in the bundle")
	}
	if _, ok := got[relID]; ok {
		t.Error("the relationship to the flagged infrastructure is in the bundle")
	}
	if st.ObjectsSkipped["flagged at import"] != 1 || st.ObjectsSkipped["relationship whose end is not in the bundle"] != 2 {
		t.Errorf("left out %v, want 1 flagged and the 2 relationships without their ends", st.ObjectsSkipped)
	}
	if !strings.Contains(st.String(), "1 flagged at import") {
		t.Errorf("summary %q does not count the flagged object", st.String())
	}

	out, st = run(t, r, export.Request{Format: export.STIX, Filter: intel.ExportFilter{Flagged: true}})
	got = bundleObjects(t, out)
	if got[badID] != bad || got[relID] != rel {
		t.Errorf("with Flagged: %q and %q, want both as kept", got[badID], got[relID])
	}
	if st.ObjectsSkipped["flagged at import"] != 0 {
		t.Errorf("with Flagged, left out %v", st.ObjectsSkipped)
	}
	// Which is why it is left out by default: it is not valid STIX.
	c, ids := testenv.STIXSchemas(t)
	sch, err := c.Compile(ids["infrastructure"])
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
	if sch.Validate(doc) == nil {
		t.Error("an infrastructure without created validates")
	}
}
