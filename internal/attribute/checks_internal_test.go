package attribute

import (
	"slices"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// pooledModel trains a small pooled model: groups 1 and 2 with their own
// techniques and software, group 2's events holding a known C2.
func pooledModel(t *testing.T) *GBDT {
	t.Helper()
	var exs []Example
	for i := range 12 {
		e1 := &intel.Event{Techniques: []string{"T1566.001", "T1059"}, Software: []string{"alpha"}, VictimCountries: []string{"GE"}}
		e2 := &intel.Event{Techniques: []string{"T1190", "T1059"}, Software: []string{"beta"},
			Indicators: []*intel.Indicator{{Type: intel.IndicatorDomain, Value: "c2.beta.test"}}}
		exs = append(exs, Example{Event: e1, Group: 1, SplitKey: "a" + string(rune('a'+i))}, Example{Event: e2, Group: 2, SplitKey: "b" + string(rune('a'+i))})
	}
	opt := DefaultOptions()
	enc := NewEncoder(exs, opt.MinEvents, nil)
	m, err := TrainGBDT(enc, exs, opt)
	if err != nil {
		t.Fatal(err)
	}
	FitPooling(enc, exs, opt, m)
	if m.Pool == nil {
		t.Fatal("no pooling")
	}
	return m
}

// TestFingerprintMatch: the parts are per feature family, the shared
// features are the group's own (never another group's indicator
// feature), and the score is the whole weighted Jaccard.
func TestFingerprintMatch(t *testing.T) {
	m := pooledModel(t)
	ev := &intel.Event{Techniques: []string{"T1190"}, Software: []string{"beta", "gamma"},
		Indicators: []*intel.Indicator{{Type: intel.IndicatorDomain, Value: "c2.beta.test"}}}
	fs := m.Enc.Encode(ev)
	fp := m.Pool.Nearest.match(m.Enc, fs, m.Enc.Class(2))
	if fp.Dimensions["technique"] <= 0 || fp.Dimensions["software"] <= 0 || fp.Dimensions["indicators"] <= 0 {
		t.Errorf("parts %v: technique, software and indicators must each share something with group 2", fp.Dimensions)
	}
	if _, ok := fp.Dimensions["victim"]; ok {
		t.Errorf("parts %v: the event names no victim, so no victim part", fp.Dimensions)
	}
	for _, want := range []string{"technique:T1190", "software:beta", "indicators known for group 2"} {
		if !slices.Contains(fp.Shared, want) {
			t.Errorf("shared %q, want %q among them", fp.Shared, want)
		}
	}
	if fp.Score <= 0 || fp.Score >= 1 {
		t.Errorf("score %v: partial overlap must be strictly between 0 and 1", fp.Score)
	}
	other := m.Pool.Nearest.match(m.Enc, fs, m.Enc.Class(1))
	if other.Score >= fp.Score || slices.Contains(other.Shared, "indicators known for group 2") {
		t.Errorf("group 1: %+v; it must score below group 2 and not share group 2's indicators", other)
	}
}

// TestSimilarEvents: past events are ranked by what they share, rarest
// first; one sharing nothing is left out; ties go to the newest.
func TestSimilarEvents(t *testing.T) {
	m := pooledModel(t)
	ev := &intel.Event{Techniques: []string{"T1190", "T1059.001"}, Software: []string{"beta"}}
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	past := []*intel.Event{
		{ID: 1, Title: "both", FirstSeen: day(1), Techniques: []string{"T1190"}, Software: []string{"beta"}},
		{ID: 2, Title: "common only, old", FirstSeen: day(2), Techniques: []string{"T1059"}},
		{ID: 3, Title: "common only, new", FirstSeen: day(3), Techniques: []string{"T1059"}},
		{ID: 4, Title: "nothing", FirstSeen: day(4), Techniques: []string{"T1027"}},
	}
	got := m.similarEvents(ev, past, 3)
	var ids []int64
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []int64{1, 3, 2}) {
		t.Fatalf("similar events %v, want 1 (shares most), then 3 and 2 (newest first)", ids)
	}
	if got[0].Score <= got[1].Score || !slices.Equal(got[0].Shared[:1], []string{"software:beta"}) && !slices.Equal(got[0].Shared[:1], []string{"technique:T1190"}) {
		t.Errorf("best %+v", got[0])
	}
	if len(m.similarEvents(&intel.Event{Indicators: []*intel.Indicator{{Type: intel.IndicatorDomain, Value: "x.test"}}}, past, 3)) != 0 {
		t.Error("an event with no techniques, software, sectors or victims has no similar events")
	}
}
