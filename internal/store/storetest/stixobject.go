package storetest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/spoor/spoor/internal/intel"
)

const (
	keptInfra   = "infrastructure--10000000-0000-4000-8000-000000000001"
	keptPattern = "indicator--20000000-0000-4000-8000-000000000001"
	keptRel     = "relationship--30000000-0000-4000-8000-000000000001"
	keptWidget  = "x-acme-widget--40000000-0000-4000-8000-000000000001"
)

// keptBundle is what stix.Parse makes of objects spoor keeps whole: an
// infrastructure, a flagged pattern indicator, a relationship between
// them, a custom object, and a report that covers the infrastructure.
func keptBundle(t0 time.Time, name string) *intel.Bundle {
	src := intel.Source{Name: "kept feed", Kind: intel.SourceSTIX, Credibility: 0.5}
	raw := func(v map[string]any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return b
	}
	return &intel.Bundle{
		Source:    src,
		Documents: []intel.Document{{Title: "Infra report", URL: "https://blog.example.com/infra", Published: t0}},
		STIXObjects: []intel.STIXObject{
			{StixID: keptInfra, Type: "infrastructure", SpecVersion: "2.1", Name: name, Created: t0, Modified: t0,
				Raw: raw(map[string]any{"type": "infrastructure", "id": keptInfra, "name": name})},
			{StixID: keptPattern, Type: "indicator", SpecVersion: "2.1", Created: t0, Modified: t0,
				Pattern: "[x509-certificate:serial_number = '4c:0b' AND domain-name:value = 'domain autuo.xicp.net']", PatternType: "stix",
				PatternTree: `{"op":"observation"}`, Values: []string{"4c:0b", "Domain autuo.xicp.net", "4C:0B"},
				Flags: []string{"domain-name:value 'domain autuo.xicp.net': value is not a valid domain"},
				Raw:   raw(map[string]any{"type": "indicator", "id": keptPattern})},
			{StixID: keptRel, Type: "relationship", SpecVersion: "2.1", Name: "indicates", Created: t0, Modified: t0,
				SourceRef: keptPattern, TargetRef: keptInfra, Modelled: "",
				Raw: raw(map[string]any{"type": "relationship", "id": keptRel})},
			{StixID: keptWidget, Type: "x-acme-widget", Created: t0, Modified: t0,
				Raw: raw(map[string]any{"type": "x-acme-widget", "id": keptWidget, "x_colour": "red"})},
		},
	}
}

func testSTIXObjects(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	b := keptBundle(t0, "C2 cluster")
	stats, err := s.ImportBundle(ctx, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := stats.Counts["stix-object"]; c == nil || c.Seen != 4 || c.Created != 4 {
		t.Errorf("stix-object counts = %+v, want 4 seen, 4 created", c)
	}
	// The report covers the infrastructure (ImportLinks keeps every ref).
	if _, err := s.ImportLinks(ctx, &intel.BundleLinks{Source: b.Source, Reports: []intel.ReportLink{
		{Title: "Infra report", URL: "https://blog.example.com/infra", ObjectRefs: []string{keptInfra}}}}); err != nil {
		t.Fatal(err)
	}

	// Found again by value, case-insensitively, once each.
	page, err := s.FindSTIXObjects(ctx, intel.STIXObjectFilter{Value: "DOMAIN AUTUO.XICP.NET"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].StixID != keptPattern {
		t.Fatalf("by value: %+v, want the pattern indicator", page.Items)
	}
	got := page.Items[0]
	want := b.STIXObjects[1]
	want.Values = nil // not read back: the index finds objects
	if d := cmp.Diff(want, *got, cmpopts.IgnoreFields(intel.STIXObject{}, "ID", "SourceID", "UpdatedAt"), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("stored object (-want +got):\n%s", d)
	}
	if got.SourceID == 0 || got.UpdatedAt.IsZero() {
		t.Errorf("source %d, updated %v: want both set", got.SourceID, got.UpdatedAt)
	}
	// By type, flagged, by reference; paged by STIX ID.
	for _, tt := range []struct {
		name string
		f    intel.STIXObjectFilter
		want []string
	}{
		{"all", intel.STIXObjectFilter{}, []string{keptPattern, keptInfra, keptRel, keptWidget}},
		{"type", intel.STIXObjectFilter{Type: "x-acme-widget"}, []string{keptWidget}},
		{"flagged", intel.STIXObjectFilter{Flagged: true}, []string{keptPattern}},
		{"ref", intel.STIXObjectFilter{Ref: keptInfra}, []string{keptRel}},
		{"value none", intel.STIXObjectFilter{Value: "4c:0"}, nil},
	} {
		var ids []string
		f := tt.f
		f.Limit = 1
		for {
			page, err := s.FindSTIXObjects(ctx, f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			for _, o := range page.Items {
				ids = append(ids, o.StixID)
			}
			if page.Next == "" {
				break
			}
			f.After = page.Next
		}
		if d := cmp.Diff(tt.want, ids, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}

	types, err := s.STIXObjectTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []intel.STIXTypeCount{{Type: "indicator", Count: 1, Flagged: 1}, {Type: "infrastructure", Count: 1}, {Type: "relationship", Count: 1}, {Type: "x-acme-widget", Count: 1}}
	if d := cmp.Diff(wantTypes, types); d != "" {
		t.Errorf("type counts (-want +got):\n%s", d)
	}

	// What a STIX ID stands for in the model: a group's record, an
	// indicator, or nothing (a kept-only object).
	const groupID = "intrusion-set--50000000-0000-4000-8000-000000000001"
	const indicatorID = "indicator--60000000-0000-4000-8000-000000000001"
	if _, err := s.ImportBundle(ctx, &intel.Bundle{Source: b.Source, Objects: []intel.Object{{Kind: intel.KindGroup, StixID: groupID, Name: "Kept Bear"}},
		Indicators: []intel.Indicator{{Type: intel.IndicatorDomain, Value: "kept.example.com", Confidence: 1}}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportLinks(ctx, &intel.BundleLinks{Source: b.Source, Indicators: []intel.STIXIndicator{{StixID: indicatorID,
		Keys: []intel.IndicatorKey{{Type: intel.IndicatorDomain, Value: "kept.example.com"}}}}}); err != nil {
		t.Fatal(err)
	}
	if ref, err := s.FindBySTIXID(ctx, groupID); err != nil || ref.Kind != intel.KindGroup || ref.ObjectID == 0 {
		t.Errorf("group by STIX ID: %+v %v", ref, err)
	}
	if ref, err := s.FindBySTIXID(ctx, indicatorID); err != nil || ref.IndicatorID == 0 {
		t.Errorf("indicator by STIX ID: %+v %v", ref, err)
	}
	if _, err := s.FindBySTIXID(ctx, keptInfra); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("a kept-only object by STIX ID: %v, want not found", err)
	}

	view, err := s.FindSTIXObject(ctx, keptInfra)
	if err != nil {
		t.Fatal(err)
	}
	if string(view.Object.Raw) != string(b.STIXObjects[0].Raw) {
		t.Errorf("raw = %s, want it as imported: %s", view.Object.Raw, b.STIXObjects[0].Raw)
	}
	if len(view.Relationships) != 1 || view.Relationships[0].StixID != keptRel {
		t.Errorf("relationships = %+v, want the indicates relationship", view.Relationships)
	}
	if len(view.Reports) != 1 || view.Reports[0].Title != "Infra report" {
		t.Errorf("reports = %+v, want the report that covers it", view.Reports)
	}
	if _, err := s.FindSTIXObject(ctx, "infrastructure--ffffffff-0000-4000-8000-000000000001"); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("unknown object: err = %v, want not found", err)
	}

	// A re-import changes nothing; an older version changes nothing; a
	// newer one is written.
	again, err := s.ImportBundle(ctx, keptBundle(t0, "C2 cluster"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := again.Counts["stix-object"]; c.Unchanged != 4 || c.Created+c.Updated != 0 {
		t.Errorf("re-import: %+v, want 4 unchanged", c)
	}
	older := keptBundle(t0.Add(-time.Hour), "old name")
	if st, err := s.ImportBundle(ctx, older, nil); err != nil || st.Counts["stix-object"].Unchanged != 4 {
		t.Errorf("older version: %v %+v, want 4 unchanged", err, st)
	}
	newer := keptBundle(t0.Add(time.Hour), "C2 cluster v2")
	if st, err := s.ImportBundle(ctx, newer, nil); err != nil || st.Counts["stix-object"].Updated != 4 {
		t.Errorf("newer version: %v %+v, want 4 updated", err, st)
	}
	if v, err := s.FindSTIXObject(ctx, keptInfra); err != nil || v.Object.Name != "C2 cluster v2" {
		t.Errorf("after the newer version: %+v %v, want the new name", v, err)
	}
	if p, err := s.FindSTIXObjects(ctx, intel.STIXObjectFilter{Value: "4c:0b"}); err != nil || len(p.Items) != 1 {
		t.Errorf("values after an update: %+v %v, want the indicator once", p.Items, err)
	}

	// An invalid object rolls the whole import back.
	bad := keptBundle(t0.Add(2*time.Hour), "never stored")
	bad.STIXObjects[3].Raw = json.RawMessage(`{"type":`)
	if _, err := s.ImportBundle(ctx, bad, nil); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("invalid raw: err = %v, want invalid", err)
	}
	if v, err := s.FindSTIXObject(ctx, keptInfra); err != nil || v.Object.Name != "C2 cluster v2" {
		t.Errorf("after a failed import: %q %v, want the name unchanged", v.Object.Name, err)
	}
}

// testExportSTIXObjects: an export reads the kept objects a page at a
// time, by STIX ID with the relationships last, each with its TLP (its
// marking, else its source's) and, for a relationship, what its ends are
// within the ceiling: kept objects, a group, or nothing.
func testExportSTIXObjects(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	const (
		red     = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
		clear   = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
		group   = "intrusion-set--50000000-0000-4000-8000-000000000001"
		victim  = "identity--50000000-0000-4000-8000-000000000002"
		missing = "malware--50000000-0000-4000-8000-000000000003"
	)
	kept := func(id, typ string, props map[string]any) intel.STIXObject {
		v := map[string]any{"type": typ, "id": id, "spec_version": "2.1"}
		maps.Copy(v, props)
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		o := intel.STIXObject{StixID: id, Type: typ, Created: t0, Modified: t0, Raw: raw}
		o.SourceRef, _ = props["source_ref"].(string)
		o.TargetRef, _ = props["target_ref"].(string)
		return o
	}
	rel := func(n int, src, dst string) intel.STIXObject {
		return kept(fmt.Sprintf("relationship--50000000-0000-4000-8000-00000000010%d", n), "relationship",
			map[string]any{"source_ref": src, "target_ref": dst, "relationship_type": "related-to", "created_by_ref": victim})
	}
	b := &intel.Bundle{
		Source:  intel.Source{Name: "green feed", Kind: intel.SourceSTIX, Credibility: 0.5, TLP: intel.TLPGreen},
		Objects: []intel.Object{{Kind: intel.KindGroup, StixID: group, Name: "Kept Bear", Confidence: 0.5, TLP: intel.TLPClear}},
		STIXObjects: []intel.STIXObject{
			kept(keptInfra, "infrastructure", map[string]any{"name": "C2"}),
			kept(victim, "identity", map[string]any{"name": "Victim", "object_marking_refs": []string{red}}),
			kept(keptWidget, "x-acme-widget", map[string]any{"x_colour": "red", "object_marking_refs": []string{clear}}),
			rel(1, keptWidget, keptInfra), rel(2, keptWidget, victim), rel(3, group, keptInfra), rel(4, keptWidget, missing),
		},
	}
	// A MISP event kept whole is not STIX: never exported as such.
	b.STIXObjects = append(b.STIXObjects, intel.STIXObject{StixID: "x-misp-event--50000000-0000-4000-8000-000000000009",
		Type: "x-misp-event", SpecVersion: "misp", Name: "MISP event", Created: t0, Modified: t0,
		Raw: json.RawMessage(`{"info":"MISP event","uuid":"50000000-0000-4000-8000-000000000009"}`)})
	// More objects than a page holds.
	for i := range 510 {
		b.STIXObjects = append(b.STIXObjects, kept(fmt.Sprintf("mutex--50000000-0000-4000-8000-%012d", i), "mutex",
			map[string]any{"name": fmt.Sprint("m", i)}))
	}
	if _, err := s.ImportBundle(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	type end struct {
		Kept  bool
		TLP   intel.TLP
		By    string
		Group string
	}
	type row struct {
		ID   string
		TLP  intel.TLP
		By   string
		Ends map[string]end
	}
	marked := 0 // objects read with markings
	read := func(f intel.ExportFilter) []row {
		t.Helper()
		var out []row
		err := s.ExportSTIXObjects(ctx, f, func(o *intel.ExportSTIXObject) error {
			r := row{ID: o.Object.StixID, TLP: o.TLP, By: o.CreatedBy}
			if len(o.Object.Raw) == 0 {
				t.Errorf("%s has no JSON", r.ID)
			}
			// The markings are the JSON's, read by the store once.
			var head struct {
				Marks []string `json:"object_marking_refs"`
			}
			if err := json.Unmarshal(o.Object.Raw, &head); err != nil {
				t.Errorf("%s: %v", r.ID, err)
			}
			if !slices.Equal(head.Marks, o.Markings) {
				t.Errorf("%s markings = %v, its JSON says %v", r.ID, o.Markings, head.Marks)
			}
			if len(o.Markings) > 0 {
				marked++
			}
			if strings.HasPrefix(r.ID, "mutex--") {
				if r.ID != "mutex--50000000-0000-4000-8000-000000000509" {
					return nil // counted by the last one only
				}
			}
			for id, e := range o.Ends {
				if r.Ends == nil {
					r.Ends = map[string]end{}
				}
				x := end{Kept: e.Kept, TLP: e.TLP, By: e.CreatedBy}
				if e.Object != nil {
					x.Group = e.Object.Name
				}
				r.Ends[id] = x
			}
			out = append(out, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	g := intel.TLPGreen
	all := []row{
		{ID: victim, TLP: intel.TLPRed},
		{ID: keptInfra, TLP: g},
		{ID: "mutex--50000000-0000-4000-8000-000000000509", TLP: g},
		{ID: keptWidget, TLP: intel.TLPClear},
		{ID: "relationship--50000000-0000-4000-8000-000000000101", TLP: g, By: victim,
			Ends: map[string]end{keptWidget: {Kept: true, TLP: intel.TLPClear}, keptInfra: {Kept: true, TLP: g}}},
		{ID: "relationship--50000000-0000-4000-8000-000000000102", TLP: g, By: victim,
			Ends: map[string]end{keptWidget: {Kept: true, TLP: intel.TLPClear}, victim: {Kept: true, TLP: intel.TLPRed}}},
		{ID: "relationship--50000000-0000-4000-8000-000000000103", TLP: g, By: victim,
			Ends: map[string]end{group: {Group: "Kept Bear"}, keptInfra: {Kept: true, TLP: g}}},
		{ID: "relationship--50000000-0000-4000-8000-000000000104", TLP: g, By: victim,
			Ends: map[string]end{keptWidget: {Kept: true, TLP: intel.TLPClear}, missing: {}}},
	}
	if d := cmp.Diff(all, read(intel.ExportFilter{})); d != "" {
		t.Errorf("all kept objects (-want +got):\n%s", d)
	}
	if marked == 0 {
		t.Error("no kept object was read with its markings")
	}
	// Under TLP:CLEAR only the widget and the relationships marked clear
	// remain (none: they are green by their source); ends above the
	// ceiling are not kept ones.
	if d := cmp.Diff([]row{{ID: keptWidget, TLP: intel.TLPClear}}, read(intel.ExportFilter{TLPMax: intel.TLPClear})); d != "" {
		t.Errorf("TLP:CLEAR (-want +got):\n%s", d)
	}
	green := read(intel.ExportFilter{TLPMax: intel.TLPGreen})
	if len(green) != 7 || green[4].Ends[victim].Kept || !green[3].Ends[keptInfra].Kept {
		t.Errorf("TLP:GREEN = %+v, want all but the red identity, which is no kept end", green)
	}
	for _, f := range []intel.ExportFilter{{NoSTIXObjects: true}, {Types: []intel.IndicatorType{intel.IndicatorDomain}},
		{Since: t0.AddDate(10, 0, 0)}} {
		if got := read(f); len(got) != 0 {
			t.Errorf("filter %+v gave %d kept objects, want none", f, len(got))
		}
	}
	sum, err := s.ExportSummary(ctx, intel.ExportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.STIXObjects != len(b.STIXObjects)-1 || sum.STIXChange.IsZero() {
		t.Errorf("summary = %+v, want %d kept STIX objects and when they changed", sum, len(b.STIXObjects)-1)
	}
}
