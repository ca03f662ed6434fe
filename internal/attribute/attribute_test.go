package attribute_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/intel"
)

// synthetic makes events of n groups, each with its own core of
// techniques and a malware family, noised with common techniques and
// occasional borrowing; every event is its own report.
func synthetic(groups, perGroup int, seed uint64) []attribute.Example {
	rng := rand.New(rand.NewPCG(seed, 3))
	var out []attribute.Example
	for g := 1; g <= groups; g++ {
		for e := 0; e < perGroup; e++ {
			ev := &intel.Event{}
			for k := 0; k < 4; k++ {
				if rng.Float64() < 0.7 {
					ev.Techniques = append(ev.Techniques, fmt.Sprintf("T%d.%03d", 1000+g, k))
				}
			}
			ev.Techniques = append(ev.Techniques, fmt.Sprintf("T%d", 1500+rng.IntN(5))) // common noise
			if rng.Float64() < 0.2 {
				ev.Techniques = append(ev.Techniques, fmt.Sprintf("T%d.000", 1000+1+rng.IntN(groups)))
			}
			if rng.Float64() < 0.6 {
				ev.Software = append(ev.Software, fmt.Sprintf("Family%d", g))
			}
			out = append(out, attribute.Example{Event: ev, Group: int64(g), SplitKey: fmt.Sprintf("report-%d-%d", g, e)})
		}
	}
	return out
}

func TestEncoderVocabulary(t *testing.T) {
	train := []attribute.Example{
		{Event: &intel.Event{Techniques: []string{"T1059.001"}, Software: []string{"Mimikatz"}}, Group: 1, SplitKey: "a"},
		{Event: &intel.Event{Techniques: []string{"T1059.003", "T1566"}, Software: []string{"mimikatz"}}, Group: 1, SplitKey: "b"},
		{Event: &intel.Event{Techniques: []string{"T1566"}}, Group: 2, SplitKey: "c"},
	}
	enc := attribute.NewEncoder(train, 1, nil)
	if !slices.Equal(enc.Classes, []int64{1, 2}) {
		t.Errorf("classes %v", enc.Classes)
	}
	// T1059 (the parent of both sub-techniques), software in lower case
	// and T1566 occur twice; the sub-techniques once each, so they stay out.
	var vocab []string
	for _, n := range enc.Names[:enc.OverlapBase] {
		vocab = append(vocab, n)
	}
	if want := []string{"software:mimikatz", "technique:T1059", "technique:T1566"}; !slices.Equal(vocab, want) {
		t.Errorf("vocabulary %q, want %q", vocab, want)
	}
	fs := enc.Encode(&intel.Event{Techniques: []string{"T1059.009", "T9999"}})
	if len(fs) != 1 || enc.Names[fs[0].Index] != "technique:T1059" {
		t.Errorf("a new sub-technique must light its known parent only: %+v", fs)
	}
}

// TestIndicatorOverlapLeavesTheEventOut checks the indicator family: a
// test event gets the share of its indicators each group is known for; a
// training event does not count its own indicators for its own group.
func TestIndicatorOverlapLeavesTheEventOut(t *testing.T) {
	ind := func(vals ...string) []*intel.Indicator {
		var out []*intel.Indicator
		for _, v := range vals {
			out = append(out, &intel.Indicator{Type: intel.IndicatorDomain, Value: v})
		}
		return out
	}
	train := []attribute.Example{
		{Event: &intel.Event{Indicators: ind("a.test", "b.test")}, Group: 1, SplitKey: "1"},
		{Event: &intel.Event{Indicators: ind("b.test")}, Group: 1, SplitKey: "2"},
		{Event: &intel.Event{Indicators: ind("z.test")}, Group: 2, SplitKey: "3"},
	}
	enc := attribute.NewEncoder(train, 1, nil)
	fs := enc.Encode(&intel.Event{Indicators: ind("a.test", "b.test", "z.test", "new.test")})
	got := map[string]float64{}
	for _, f := range fs {
		got[enc.Names[f.Index]] = f.Value
	}
	want := map[string]float64{"indicators known for group 1": 0.5, "indicators known for group 2": 0.25}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("overlap features %v, want %v", got, want)
	}
}

func TestFoldsKeepSplitKeysTogether(t *testing.T) {
	exs := synthetic(4, 10, 2)
	// Two groups' events share a report.
	exs[0].SplitKey, exs[15].SplitKey = "shared", "shared"
	fold, err := attribute.Folds(exs, 5, 7)
	if err != nil {
		t.Fatal(err)
	}
	sizes := make([]int, 5)
	for _, ex := range exs {
		sizes[fold[ex.SplitKey]]++
	}
	for f, n := range sizes {
		if n < 6 || n > 10 {
			t.Errorf("fold %d has %d events; folds must be near-equal", f, n)
		}
	}
	if _, err := attribute.Folds(exs[:3], 5, 7); err == nil {
		t.Error("three keys cannot fill five folds")
	}
}

func TestEvaluateModelsBeatTheMajority(t *testing.T) {
	exs := synthetic(6, 25, 4)
	opt := attribute.DefaultOptions()
	ev, err := attribute.Evaluate(exs, 5, opt, 0.5, nil)
	if err != nil {
		t.Fatal(err)
	}
	scores := map[string]attribute.Scores{}
	for _, s := range ev.Models {
		scores[s.Model] = s
	}
	maj := scores["majority class"]
	// Six balanced groups: the majority answer is right about 1/6 of the
	// time; ties count against it, so its top-1 is 0.
	if maj.Top1 > 0.2 {
		t.Errorf("majority top-1 = %.3f, want ≤ 0.2", maj.Top1)
	}
	for _, name := range []string{"gbdt", "naive bayes", "nearest fingerprint"} {
		s := scores[name]
		if s.Evaluated != len(exs) || s.Top1 < 0.8 || s.Top3 < s.Top1 {
			t.Errorf("%s: %+v; want every event scored and top-1 ≥ 0.8 on separable groups", name, s)
		}
	}
	if g := scores["gbdt"]; g.Coverage <= 0 || g.Coverage > 1 || g.ECE < 0 || g.ECE > 1 || g.LogLoss <= 0 {
		t.Errorf("gbdt figures out of range: %+v", g)
	}
	// The curves: ten bins holding every event, and a coverage that can
	// only fall as the threshold rises, from everything at 0.
	for _, s := range ev.Models {
		n := 0
		for _, b := range s.Reliability {
			n += b.Events
		}
		if len(s.Reliability) != 10 || n != s.Evaluated {
			t.Errorf("%s: %d reliability bins holding %d of %d events", s.Model, len(s.Reliability), n, s.Evaluated)
		}
		if len(s.CoverageCurve) != 10 || s.CoverageCurve[0].Coverage != 1 || s.CoverageCurve[0].Accuracy != s.Top1 {
			t.Fatalf("%s: coverage curve %+v must start at full coverage with the top-1 accuracy %.3f", s.Model, s.CoverageCurve, s.Top1)
		}
		for i := 1; i < 10; i++ {
			if s.CoverageCurve[i].Coverage > s.CoverageCurve[i-1].Coverage {
				t.Errorf("%s: coverage rises at threshold %.1f: %+v", s.Model, s.CoverageCurve[i].Threshold, s.CoverageCurve)
			}
		}
	}
}

func TestExplainNamesTheDecidingFeature(t *testing.T) {
	exs := synthetic(3, 30, 5)
	opt := attribute.DefaultOptions()
	enc := attribute.NewEncoder(exs, opt.MinEvents, nil)
	m, err := attribute.TrainGBDT(enc, exs, opt)
	if err != nil {
		t.Fatal(err)
	}
	ev := &intel.Event{Techniques: []string{"T1002.000", "T1002.001", "T1002.002"}, Software: []string{"Family2"}}
	fs := enc.Encode(ev)
	probs := m.Predict(fs)
	c := enc.Class(2)
	for o, p := range probs {
		if o != c && p >= probs[c] {
			t.Fatalf("group 2's techniques and family must rank group 2 first: %v", probs)
		}
	}
	why := m.Explain(fs, c, 3)
	if len(why) == 0 || why[0].Value <= 0 {
		t.Fatalf("explanation %+v", why)
	}
	found := false
	for _, w := range why {
		found = found || w.Feature == "software:family2" || w.Feature == "technique:T1002.000" || w.Feature == "technique:T1002.001" || w.Feature == "technique:T1002.002"
	}
	if !found {
		t.Errorf("the explanation must name one of group 2's own features: %+v", why)
	}
}

func TestSaveLoadGivesTheSameAnswers(t *testing.T) {
	exs := synthetic(4, 20, 6)
	exs[0].Event.Indicators = []*intel.Indicator{{Type: intel.IndicatorDomain, Value: "c2.test"}}
	exs[1].Event.Indicators = []*intel.Indicator{{Type: intel.IndicatorDomain, Value: "c2.test"}}
	exs[2].Event.Times = []time.Time{time.Date(2024, 3, 4, 3, 30, 0, 0, time.UTC)}
	exs[3].Event.Times = []time.Time{time.Date(2024, 3, 5, 4, 30, 0, 0, time.UTC)}
	opt := attribute.DefaultOptions()
	enc := attribute.NewEncoder(exs, opt.MinEvents, nil)
	m, err := attribute.TrainGBDT(enc, exs, opt)
	if err != nil {
		t.Fatal(err)
	}
	attribute.FitPooling(enc, exs, opt, m)
	if m.Pool == nil || m.Pool.T <= 0 || m.Pool.W < 0 || m.Pool.W > 1 {
		t.Fatalf("pooling %+v", m.Pool)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	saved := buf.String()
	m2, err := attribute.Load(strings.NewReader(saved))
	if err != nil {
		t.Fatal(err)
	}
	probe := &intel.Event{Techniques: []string{"T1003.001", "T1501"}, Indicators: []*intel.Indicator{{Type: intel.IndicatorDomain, Value: "c2.test"}},
		Times: []time.Time{time.Date(2024, 3, 11, 3, 0, 0, 0, time.UTC)}}
	a1 := m.Attribute(m.Enc.Encode(probe), 3, 2, 0.5)
	a2 := m2.Attribute(m2.Enc.Encode(probe), 3, 2, 0.5)
	j1, _ := json.Marshal(a1)
	j2, _ := json.Marshal(a2)
	if !bytes.Equal(j1, j2) || a1.Groups[0].Fingerprint == nil {
		t.Errorf("answers differ after a round trip:\n%+v\n%+v", a1, a2)
	}
	// The answer is the pooled one, not the trees'.
	if trees := m.Predict(m.Enc.Encode(probe)); m.Pool.W < 1 || m.Pool.T != 1 {
		if fmt.Sprint(trees) == fmt.Sprint(m.Probabilities(m.Enc.Encode(probe))) {
			t.Errorf("pooling %+v changes nothing", m.Pool)
		}
	}
	if len(a1.Groups) != 3 || a1.Groups[0].Probability < a1.Groups[1].Probability {
		t.Errorf("ranking: %+v", a1.Groups)
	}
	// The known indicator survives the round trip as a feature.
	if !slices.Contains(a2.Features, "indicators known for group 1") || !slices.Contains(a2.Features, "active hours like group 1") {
		t.Errorf("features after load: %v", a2.Features)
	}
	for _, bad := range []struct{ name, text string }{
		{"truncated", saved[:len(saved)/2]},
		{"other version", strings.Replace(saved, fmt.Sprintf(`{"version":%d`, attribute.EncodingVersion), `{"version":99`, 1)},
		{"hours of another model", strings.Replace(saved, `"hours":[`, `"hours":[[1,2],`, 1)},
		{"classes do not fit", strings.Replace(saved, `"overlap_base":`, `"overlap_base":1`, 1)},
		{"pooling of another model", strings.Replace(saved, `"groups":[[`, `"groups":[[99999,`, 1)},
		{"no temperature", strings.Replace(saved, `"t":`, `"t":-`, 1)},
	} {
		if _, err := attribute.Load(strings.NewReader(bad.text)); err == nil {
			t.Errorf("%s: loaded", bad.name)
		}
	}
}

func TestAbstainsBelowTheThreshold(t *testing.T) {
	exs := synthetic(4, 20, 8)
	opt := attribute.DefaultOptions()
	enc := attribute.NewEncoder(exs, opt.MinEvents, nil)
	m, err := attribute.TrainGBDT(enc, exs, opt)
	if err != nil {
		t.Fatal(err)
	}
	// An event with no known feature gets the prior: spread thin, so
	// "unknown group".
	a := m.Attribute(enc.Encode(&intel.Event{Techniques: []string{"T9999"}}), 3, 0, 0.6)
	if !a.Abstained || len(a.Features) != 0 {
		t.Errorf("featureless event: %+v", a)
	}
	b := m.Attribute(enc.Encode(&intel.Event{Techniques: []string{"T1004.000", "T1004.001", "T1004.002", "T1004.003"}, Software: []string{"Family4"}}), 3, 0, 0.6)
	if b.Abstained || b.Groups[0].GroupID != 4 {
		t.Errorf("group 4's own event: %+v", b)
	}
}

// TestEvaluateTimeTrainsOnThePast: the time split tests only events from
// the cut on, keeps a report whose events straddle the cut on the side of
// its first, leaves undated events out, and the macro and top-5 figures
// are consistent with the micro ones.
func TestEvaluateTimeTrainsOnThePast(t *testing.T) {
	exs := synthetic(5, 20, 7)
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range exs {
		exs[i].Event.FirstSeen = start.AddDate(0, 0, 7*(i%20)) // each group's events spread over 20 weeks
	}
	exs[0].Event.FirstSeen = time.Time{} // undated
	// One report with an event before and one after the cut.
	cut := start.AddDate(0, 0, 7*15)
	exs[1].SplitKey, exs[19].SplitKey = "straddling", "straddling"
	ev, err := attribute.EvaluateTime(exs, cut, attribute.DefaultOptions(), 0.5, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Weeks 15–19 of each group are tested (5 × 5 = 25), but the
	// straddling report's week-19 event trains with its week-1 one.
	if ev.Split != "time" || ev.Undated != 1 || ev.Test != 24 || ev.Train != len(exs)-25 || !ev.Cut.Equal(cut) {
		t.Errorf("time split: %+v; want 1 undated, 24 tested, %d trained, cut %s", ev, len(exs)-25, cut)
	}
	for _, s := range ev.Models {
		if s.Evaluated != 24 {
			t.Errorf("%s scored %d events, want 24", s.Model, s.Evaluated)
		}
		if s.Top1 > s.Top3 || s.Top3 > s.Top5 || s.MacroTop1 > s.MacroTop5 || s.MacroTop1 < 0 || s.MacroTop5 > 1 {
			t.Errorf("%s: top-k figures out of order: %+v", s.Model, s)
		}
	}
	if g := ev.Models[0]; g.Model != "gbdt" || g.MacroTop1 < 0.7 {
		t.Errorf("trees on separable groups by time: %+v; want macro top-1 ≥ 0.7", g)
	}
	// No cut: four fifths of the dated events train.
	auto, err := attribute.EvaluateTime(exs, time.Time{}, attribute.DefaultOptions(), 0.5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auto.Train < auto.Test*3 {
		t.Errorf("default cut %s: %d trained, %d tested; want about four to one", auto.Cut, auto.Train, auto.Test)
	}
	if _, err := attribute.EvaluateTime(exs, start.AddDate(-1, 0, 0), attribute.DefaultOptions(), 0.5, nil); err == nil ||
		!strings.Contains(err.Error(), "both sides") {
		t.Errorf("a cut before every event: %v, want an error saying both sides need events", err)
	}
}

// TestConfusedPairsAndMacroAccuracy: a group that always looks like
// another is listed as confused with it, and the macro-averaged top-1
// counts that group as much as the large one.
func TestConfusedPairsAndMacroAccuracy(t *testing.T) {
	var exs []attribute.Example
	for i := 0; i < 60; i++ {
		g := int64(1)
		if i%6 == 0 {
			g = 2 // a small group whose events look like group 1's
		}
		exs = append(exs, attribute.Example{Event: &intel.Event{Techniques: []string{"T1059", "T1566"}}, Group: g,
			SplitKey: fmt.Sprint("r", i)})
	}
	for i := 0; i < 30; i++ {
		exs = append(exs, attribute.Example{Event: &intel.Event{Techniques: []string{"T1027"}, Software: []string{"Other"}}, Group: 3,
			SplitKey: fmt.Sprint("s", i)})
	}
	ev, err := attribute.Evaluate(exs, 5, attribute.DefaultOptions(), 0.5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Confused) == 0 || ev.Confused[0].Truth != 2 || ev.Confused[0].Predicted != 1 {
		t.Fatalf("confused pairs %+v; want group 2 mistaken for group 1 first", ev.Confused)
	}
	g := ev.Models[0]
	// Groups 1 and 3 are always right, group 2 never: micro top-1 is
	// 80/90, macro (1 + 0 + 1) / 3.
	if math.Abs(g.Top1-80.0/90) > 0.02 || math.Abs(g.MacroTop1-2.0/3) > 0.02 {
		t.Errorf("gbdt top-1 %.3f micro, %.3f macro; want 0.889 and 0.667", g.Top1, g.MacroTop1)
	}
}

// familyData makes four groups that use the same techniques alike. Group
// 1 works at night UTC, the others in the European day; group 2 reuses a
// small set of C2 domains, the others never repeat an indicator. So
// group 1 is told apart by time alone and group 2 by shared indicators
// alone; groups 3 and 4 only by being neither.
func familyData(perGroup int, seed uint64) []attribute.Example {
	rng := rand.New(rand.NewPCG(seed, 11))
	monday := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []attribute.Example
	for g := 1; g <= 4; g++ {
		for e := 0; e < perGroup; e++ {
			ev := &intel.Event{}
			for _, k := range rng.Perm(8)[:3] {
				ev.Techniques = append(ev.Techniques, fmt.Sprintf("T15%02d", k))
			}
			start, span := 8, 8 // 08:00–16:00 UTC
			if g == 1 {
				start = 1 // 01:00–09:00 UTC
			}
			for range 3 {
				day := rng.IntN(5) + 7*rng.IntN(50)
				at := monday.AddDate(0, 0, day).Add(time.Duration(start+rng.IntN(span))*time.Hour + time.Duration(1+rng.IntN(59))*time.Minute)
				ev.Times = append(ev.Times, at)
			}
			for range 2 {
				host := fmt.Sprintf("h%d-%d-%d.test", seed, g, rng.Uint32())
				if g == 2 {
					host = fmt.Sprintf("c2-%d.test", rng.IntN(4))
				}
				ev.Indicators = append(ev.Indicators, &intel.Indicator{Type: intel.IndicatorDomain, Value: host})
			}
			out = append(out, attribute.Example{Event: ev, Group: int64(g), SplitKey: fmt.Sprintf("r%d-%d-%d", seed, g, e)})
		}
	}
	return out
}

// TestFeatureFamiliesCarryTheirSignal trains on familyData and scores
// held-out events of each group, with every feature family and with the
// time or the indicators taken out of training and test alike: each
// family must carry its group, and nothing else may.
func TestFeatureFamiliesCarryTheirSignal(t *testing.T) {
	train, test := familyData(40, 1), familyData(30, 2)
	opt := attribute.DefaultOptions()
	accuracy := func(group int64, strip func(*intel.Event) *intel.Event) float64 {
		var fit []attribute.Example
		for _, ex := range train {
			fit = append(fit, attribute.Example{Event: strip(ex.Event), Group: ex.Group, SplitKey: ex.SplitKey})
		}
		enc := attribute.NewEncoder(fit, opt.MinEvents, nil)
		m, err := attribute.TrainGBDT(enc, fit, opt)
		if err != nil {
			t.Fatal(err)
		}
		right, n := 0, 0
		for _, ex := range test {
			if ex.Group != group {
				continue
			}
			probs := m.Predict(enc.Encode(strip(ex.Event)))
			best := 0
			for c, p := range probs {
				if p > probs[best] {
					best = c
				}
			}
			n++
			if enc.Classes[best] == group {
				right++
			}
		}
		return float64(right) / float64(n)
	}
	keep := func(e *intel.Event) *intel.Event { return e }
	noTimes := func(e *intel.Event) *intel.Event { c := *e; c.Times = nil; return &c }
	noIndicators := func(e *intel.Event) *intel.Event { c := *e; c.Indicators = nil; return &c }
	for _, tc := range []struct {
		group             int64
		family            string
		without, withOnly func(*intel.Event) *intel.Event
	}{
		{1, "times", noTimes, noIndicators},
		{2, "indicators", noIndicators, noTimes},
	} {
		with, without, only := accuracy(tc.group, keep), accuracy(tc.group, tc.without), accuracy(tc.group, tc.withOnly)
		t.Logf("group %d: top-1 %.2f with every family, %.2f without %s, %.2f with %s and no other family",
			tc.group, with, without, tc.family, only, tc.family)
		if with < 0.8 || only < 0.8 {
			t.Errorf("group %d: top-1 %.2f (%.2f with %s alone); its %s must tell it apart", tc.group, with, only, tc.family, tc.family)
		}
		// Without its family a group looks like the two (or three) plain
		// groups: found about as often as a guess among them.
		if without > 0.5 {
			t.Errorf("group %d: top-1 %.2f without %s; nothing else should tell it apart", tc.group, without, tc.family)
		}
	}
}
