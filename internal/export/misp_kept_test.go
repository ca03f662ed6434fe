package export_test

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/collect/misp"
	"github.com/spoor/spoor/internal/export"
	"github.com/spoor/spoor/internal/intel"
)

// keptEvents are MISP events as the store keeps them: wrapped with a
// uuid, bare without one (keyed by the uuid its import derived), bare with
// an empty uuid, and one a spoor export made (imported back).
func keptEvents() []*intel.ExportSTIXObject {
	ev := func(uuid, raw string, tlp intel.TLP) *intel.ExportSTIXObject {
		return &intel.ExportSTIXObject{Object: intel.STIXObject{StixID: "x-misp-event--" + uuid, Type: "x-misp-event",
			SpecVersion: "misp", Raw: json.RawMessage(raw)}, TLP: tlp}
	}
	return []*intel.ExportSTIXObject{
		ev("10000000-0000-4000-8000-000000000001", `{"Event":{"uuid":"10000000-0000-4000-8000-000000000001","info":"wrapped <b>","Orgc":{"name":"ACME"},`+
			`"Tag":[{"name":"tlp:green"}],"Attribute":[{"type":"domain","value":"wrapped.example","uuid":"10000000-0000-4000-8000-0000000000a1"}],`+
			`"Object":[{"name":"file","template_uuid":"688c46fb-5edb-40a3-8273-1af7923e2215","Attribute":[{"object_relation":"md5","type":"md5","value":"d41d8cd98f00b204e9800998ecf8427e"}]}]}}`, intel.TLPGreen),
		ev("20000000-0000-5000-8000-000000000002", `{"info":"bare, no uuid","Attribute":[{"type":"ip-dst","value":"198.51.100.7"}]}`, intel.TLPClear),
		ev("30000000-0000-5000-8000-000000000003", `{"uuid":"","info":"empty uuid","Attribute":[{"type":"ip-dst","value":"198.51.100.8"}]}`, intel.TLPAmber),
		ev("40000000-0000-4000-8000-000000000004", `{"Event":{"uuid":"40000000-0000-4000-8000-000000000004","info":"spoor export: all indicators","Orgc":{"name":"spoor"}}}`, intel.TLPClear),
	}
}

// TestMISPKeptEvents: the MISP export writes the kept events before its
// own, as a list of events as MISP writes one; each kept event as it came
// in, wrapped in "Event", with the uuid of its key when it had none, and
// not the events a spoor export made. spoor's MISP reader reads it all.
func TestMISPKeptEvents(t *testing.T) {
	r := fixture()
	r.events = keptEvents()
	out, st := run(t, r, export.Request{Format: export.MISP})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{
		`{"response":[`,
		`{"Event":{"uuid":"10000000-0000-4000-8000-000000000001","info":"wrapped <b>","Orgc":{"name":"ACME"},"Tag":[{"name":"tlp:green"}],"Attribute":[{"type":"domain","value":"wrapped.example","uuid":"10000000-0000-4000-8000-0000000000a1"}],"Object":[{"name":"file","template_uuid":"688c46fb-5edb-40a3-8273-1af7923e2215","Attribute":[{"object_relation":"md5","type":"md5","value":"d41d8cd98f00b204e9800998ecf8427e"}]}]}},`,
		`{"Event":{"uuid":"20000000-0000-5000-8000-000000000002","info":"bare, no uuid","Attribute":[{"type":"ip-dst","value":"198.51.100.7"}]}},`,
		`{"Event":{"Attribute":[{"type":"ip-dst","value":"198.51.100.8"}],"info":"empty uuid","uuid":"30000000-0000-5000-8000-000000000003"}},`,
	}
	if d := cmp.Diff(want, lines[:len(want)]); d != "" {
		t.Errorf("kept events (-want +got):\n%s", d)
	}
	if !strings.HasPrefix(lines[len(want)], `{"Event":{"uuid":"8f2cacb5-d0d1-5c6b-8225-4de5f5239cac","info":"spoor export: all indicators"`) ||
		lines[len(lines)-1] != "]}" {
		t.Errorf("spoor's event does not follow the kept ones, or the list is not closed:\n%s\n…\n%s", lines[len(want)], lines[len(lines)-1])
	}
	if st.Events != 3 || !maps.Equal(st.ObjectsSkipped, map[string]int{"made by this export": 1}) {
		t.Errorf("stats: %d events, skipped %v; want 3 and the one spoor made", st.Events, st.ObjectsSkipped)
	}
	if !strings.Contains(st.String(), "; 3 kept MISP events; left out: 1 made by this export") {
		t.Errorf("summary %q", st.String())
	}
	res, err := misp.ParseEvent(strings.NewReader(out), "export.json", intel.Source{Name: "partner", Credibility: 1})
	if err != nil {
		t.Fatal(err)
	}
	var uuids []string
	for _, e := range res.Events {
		uuids = append(uuids, e.UUID)
	}
	wantUUIDs := []string{"10000000-0000-4000-8000-000000000001", "20000000-0000-5000-8000-000000000002",
		"30000000-0000-5000-8000-000000000003", "8f2cacb5-d0d1-5c6b-8225-4de5f5239cac"}
	if d := cmp.Diff(wantUUIDs, uuids); d != "" {
		t.Errorf("events read back (-want +got):\n%s", d)
	}
	if again, _ := run(t, r, export.Request{Format: export.MISP}); again != out {
		t.Error("two exports of the same store differ")
	}

	// Under TLP:GREEN the amber event is out; without kept events (the
	// flag, a type filter) the export is spoor's one event, as before.
	green, _ := run(t, r, export.Request{Format: export.MISP, Filter: intel.ExportFilter{TLPMax: intel.TLPGreen}})
	if strings.Contains(green, "empty uuid") || !strings.Contains(green, "bare, no uuid") {
		t.Errorf("TLP:GREEN export:\n%.400s", green)
	}
	plain, _ := run(t, fixture(), export.Request{Format: export.MISP})
	for _, f := range []intel.ExportFilter{{NoSTIXObjects: true}, {Types: []intel.IndicatorType{intel.IndicatorDomain}}} {
		out, st := run(t, r, export.Request{Format: export.MISP, Filter: f})
		if !strings.HasPrefix(out, `{"Event":{`) || st.Events != 0 {
			t.Errorf("filter %+v: %d kept events written:\n%.100s", f, st.Events, out)
		}
		if f.NoSTIXObjects && out != plain {
			t.Error("--objects=false differs from the export of a store without kept events")
		}
	}
}
