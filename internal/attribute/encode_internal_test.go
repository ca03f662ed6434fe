package attribute

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// TestTrainingOverlapLeavesTheEventOut: encoded for training, an event's
// overlap with its own group counts only what the group's other events
// hold. Otherwise every training row would show "own overlap 1" and the
// trees would learn a rule no new event can satisfy.
func TestTrainingOverlapLeavesTheEventOut(t *testing.T) {
	ind := func(vals ...string) []*intel.Indicator {
		var out []*intel.Indicator
		for _, v := range vals {
			out = append(out, &intel.Indicator{Type: intel.IndicatorDomain, Value: v})
		}
		return out
	}
	train := []Example{
		{Event: &intel.Event{Indicators: ind("a.test", "b.test")}, Group: 1, SplitKey: "1"},
		{Event: &intel.Event{Indicators: ind("b.test")}, Group: 1, SplitKey: "2"},
		{Event: &intel.Event{Indicators: ind("z.test")}, Group: 2, SplitKey: "3"},
	}
	enc := NewEncoder(train, 1, nil)
	overlap := func(fs []Feature) map[int64]float64 {
		out := map[int64]float64{}
		for _, f := range fs {
			if int(f.Index) >= enc.OverlapBase {
				out[enc.Classes[int(f.Index)-enc.OverlapBase]] = f.Value
			}
		}
		return out
	}
	cases := []struct {
		ex   Example
		want map[int64]float64
	}{
		{train[0], map[int64]float64{1: 0.5}}, // b.test from event 2; a.test only its own
		{train[1], map[int64]float64{1: 1}},   // b.test from event 1
		{train[2], map[int64]float64{}},       // z.test only its own
	}
	for i, c := range cases {
		got := overlap(enc.encodeTraining(c.ex.Event, enc.Class(c.ex.Group)))
		if len(got) != len(c.want) || got[1] != c.want[1] || got[2] != c.want[2] {
			t.Errorf("training event %d: overlap %v, want %v", i+1, got, c.want)
		}
	}
	// Encoded as a new event, event 3 is fully known to group 2.
	if got := overlap(enc.Encode(train[2].Event)); got[2] != 1 {
		t.Errorf("new event: %v, want group 2 at 1", got)
	}
}

// TestUnknownInputs: an input is unknown when no feature stands for it; a
// new sub-technique of a known parent is known through the parent.
func TestUnknownInputs(t *testing.T) {
	train := []Example{
		{Event: &intel.Event{Techniques: []string{"T1059.001"}, Software: []string{"Mimikatz"}, VictimCountries: []string{"GE"}}, Group: 1, SplitKey: "1"},
		{Event: &intel.Event{Techniques: []string{"T1059.003"}, Software: []string{"mimikatz"}, VictimCountries: []string{"GE"}}, Group: 2, SplitKey: "2"},
	}
	enc := NewEncoder(train, 1, nil)
	got := enc.unknownInputs(&intel.Event{
		Techniques:      []string{"T1059.009", "T9999"},
		Software:        []string{"MIMIKATZ", "NoSuchTool"},
		VictimCountries: []string{"GE", "UA"},
		Sectors:         []string{"energy"},
	})
	want := []string{"sector:energy", "software:NoSuchTool", "technique:T9999", "victim:UA"}
	if len(got) != len(want) {
		t.Fatalf("unknown inputs %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("unknown inputs %q, want %q", got, want)
		}
	}
}

// TestSpaceTokens checks that where an event's infrastructure sits (the
// countries of its addresses, its ASNs) are features, and that a time at
// midnight UTC, a date alone, gives no activity hours.
func TestSpaceTokens(t *testing.T) {
	e := &intel.Event{InfraCountries: []string{"RU", "NL"}, InfraASNs: []string{"AS13335"}, Indicators: []*intel.Indicator{
		{Type: intel.IndicatorASN, Value: "as12345"}, {Type: intel.IndicatorDomain, Value: "a.test"}}}
	if got, want := eventTokens(e), []string{"asn:AS12345", "asn:AS13335", "infra:NL", "infra:RU"}; !slices.Equal(got, want) {
		t.Errorf("tokens %q, want %q", got, want)
	}
	if h := eventHours(&intel.Event{Times: []time.Time{time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)}}); h != nil {
		t.Errorf("a date alone gave activity hours %v", h)
	}
	// Monday 2024-03-04 10:30 at UTC+3 is 07:30 UTC: hour 7 of the week.
	h := eventHours(&intel.Event{Times: []time.Time{time.Date(2024, 3, 4, 10, 30, 0, 0, time.FixedZone("", 3*3600))}})
	if len(h) != hoursOfWeek || h[7] != 1 {
		t.Errorf("hours %v, want hour 7 of the week", h)
	}
}

// TestTacticTokens: a technique lights its tactics, a sub-technique its
// parent's when it has none of its own, and the tactics survive a save.
func TestTacticTokens(t *testing.T) {
	tactics := Tactics{"T1566": {"initial-access"}, "T1059": {"execution"}, "T1059.001": {"execution"}}
	enc := &Encoder{Tactics: tactics}
	got := enc.tokens(&intel.Event{Techniques: []string{"T1566.002", "T1059.001", "T9999"}})
	for _, want := range []string{"tactic:initial-access", "tactic:execution", "technique:T1566", "technique:T9999"} {
		if !slices.Contains(got, want) {
			t.Errorf("tokens %q lack %q", got, want)
		}
	}
	if n := len(slices.DeleteFunc(slices.Clone(got), func(s string) bool { return s != "tactic:execution" })); n != 1 {
		t.Errorf("tokens %q: each tactic once", got)
	}
	var exs []Example
	for i := range 6 {
		exs = append(exs, Example{Event: &intel.Event{Techniques: []string{"T1566.001"}}, Group: int64(1 + i%2), SplitKey: string(rune('a' + i))})
	}
	trained := NewEncoder(exs, 1, tactics)
	if _, ok := trained.index["tactic:initial-access"]; !ok {
		t.Fatalf("vocabulary %q lacks the tactic", trained.Names)
	}
	m, err := TrainGBDT(trained, exs, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(loaded.Enc.tokens(&intel.Event{Techniques: []string{"T1566.009"}}), []string{"tactic:initial-access", "technique:T1566", "technique:T1566.009"}) {
		t.Errorf("tactics after a save: %v", loaded.Enc.Tactics)
	}
}
