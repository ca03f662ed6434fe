package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
)

// testExportMISPEvents: a MISP export reads the MISP events kept whole by
// STIX ID, each with its TLP (its TLP tag, else its source's, raised by
// its attributes' TLP tags), within the ceiling, since a time, never with
// the kept STIX objects; and the STIX export says which of its
// relationships' kept ends were flagged at import.
func testExportMISPEvents(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	event := func(uuid, raw string) intel.STIXObject {
		return intel.STIXObject{StixID: "x-misp-event--" + uuid, Type: "x-misp-event", SpecVersion: "misp", Name: "event " + uuid[:1],
			Created: t0, Modified: t0, Modelled: "document", Raw: json.RawMessage(raw)}
	}
	const (
		tagged  = "a0000000-0000-4000-8000-000000000001" // tlp:clear event, one tlp:amber attribute in an object
		bare    = "b0000000-0000-4000-8000-000000000002" // no TLP tag: the source's green
		wrapped = "c0000000-0000-4000-8000-000000000003" // {"Event": …} tagged tlp:red
		flagged = "infrastructure--60000000-0000-4000-8000-000000000001"
		rel     = "relationship--60000000-0000-4000-8000-000000000002"
		victim  = "identity--60000000-0000-4000-8000-000000000003"
	)
	b := &intel.Bundle{
		Source: intel.Source{Name: "misp partner", Kind: intel.SourceMISP, Credibility: 0.5, TLP: intel.TLPGreen},
		STIXObjects: []intel.STIXObject{
			event(tagged, `{"uuid":"`+tagged+`","info":"tagged","Tag":[{"name":"tlp:clear"}],"Attribute":[{"type":"domain","value":"a.example","Tag":[{"name":"TLP:GREEN"}]}],`+
				`"Object":[{"name":"file","Attribute":[{"type":"md5","value":"d41d8cd98f00b204e9800998ecf8427e","Tag":[{"name":"tlp:amber"}]}]}]}`),
			event(bare, `{"info":"no uuid","Tag":[{"name":"phishing"}],"Attribute":[{"type":"ip-dst","value":"198.51.100.1"}]}`),
			event(wrapped, `{"Event":{"uuid":"`+wrapped+`","info":"wrapped","Tag":[{"name":"tlp:red"}]}}`),
			{StixID: flagged, Type: "infrastructure", Created: t0, Modified: t0, Flags: []string{`"created" is required`},
				Raw: json.RawMessage(`{"type":"infrastructure","id":"` + flagged + `","name":"flagged"}`)},
			{StixID: victim, Type: "identity", Created: t0, Modified: t0,
				Raw: json.RawMessage(`{"type":"identity","id":"` + victim + `","name":"victim"}`)},
			{StixID: rel, Type: "relationship", Created: t0, Modified: t0, SourceRef: flagged, TargetRef: victim,
				Raw: json.RawMessage(`{"type":"relationship","id":"` + rel + `","source_ref":"` + flagged + `","target_ref":"` + victim + `"}`)},
		},
	}
	if _, err := s.ImportBundle(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID  string
		TLP intel.TLP
		Raw string
	}
	read := func(f intel.ExportFilter) []row {
		t.Helper()
		var out []row
		if err := s.ExportMISPEvents(ctx, f, func(o *intel.ExportSTIXObject) error {
			out = append(out, row{o.Object.StixID, o.TLP, string(o.Object.Raw)})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	all := []row{
		{"x-misp-event--" + tagged, intel.TLPAmber, string(b.STIXObjects[0].Raw)},
		{"x-misp-event--" + bare, intel.TLPGreen, string(b.STIXObjects[1].Raw)},
		{"x-misp-event--" + wrapped, intel.TLPRed, string(b.STIXObjects[2].Raw)},
	}
	if d := cmp.Diff(all, read(intel.ExportFilter{})); d != "" {
		t.Errorf("kept MISP events (-want +got):\n%s", d)
	}
	if d := cmp.Diff(all[:2], read(intel.ExportFilter{TLPMax: intel.TLPAmber})); d != "" {
		t.Errorf("TLP:AMBER (-want +got):\n%s", d)
	}
	if d := cmp.Diff(all[1:2], read(intel.ExportFilter{TLPMax: intel.TLPGreen})); d != "" {
		t.Errorf("TLP:GREEN: the event with an amber attribute is above it (-want +got):\n%s", d)
	}
	for _, f := range []intel.ExportFilter{{NoSTIXObjects: true}, {Types: []intel.IndicatorType{intel.IndicatorDomain}},
		{MinConfidence: 0.1}, {Since: time.Now().Add(time.Hour)}} {
		if got := read(f); len(got) != 0 {
			t.Errorf("filter %+v gave %d kept events, want none", f, len(got))
		}
	}
	if got := read(intel.ExportFilter{Since: t0.Add(-time.Hour)}); len(got) != 3 {
		t.Errorf("since before they changed: %d events, want 3", len(got))
	}
	// The STIX export gives no MISP event, gives the flagged object with
	// its flags, and says that a relationship's end was flagged.
	var ids []string
	ends := map[string]intel.STIXEnd{}
	if err := s.ExportSTIXObjects(ctx, intel.ExportFilter{}, func(o *intel.ExportSTIXObject) error {
		ids = append(ids, o.Object.StixID)
		if o.Object.StixID == flagged && !slices.Equal(o.Object.Flags, []string{`"created" is required`}) {
			t.Errorf("flagged object's flags = %q", o.Object.Flags)
		}
		for id, e := range o.Ends {
			ends[id] = e
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{victim, flagged, rel}; !slices.Equal(ids, want) {
		t.Errorf("STIX export read %q, want %q", ids, want)
	}
	if e := ends[flagged]; !e.Kept || !e.Flagged {
		t.Errorf("the flagged end = %+v, want kept and flagged", e)
	}
	if e := ends[victim]; !e.Kept || e.Flagged {
		t.Errorf("the victim end = %+v, want kept, not flagged", e)
	}
}
