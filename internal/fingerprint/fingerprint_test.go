package fingerprint_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/fingerprint"
	"github.com/spoor/spoor/internal/intel"
)

func profile(id int64, techniques, software, indicators []string) *fingerprint.Profile {
	p := fingerprint.NewProfile(id, fmt.Sprintf("G%d", id))
	p.AddEvent(&intel.Event{Techniques: techniques, Software: software})
	p.AddIndicators(indicators)
	return p
}

func TestAddEventCountsOncePerEvent(t *testing.T) {
	p := fingerprint.NewProfile(1, "APT-T")
	p.AddEvent(&intel.Event{Techniques: []string{"T1059", "T1059", "T1566"}, Software: []string{"S0001"}, IndicatorIDs: []int64{7, 7}})
	p.AddEvent(&intel.Event{Techniques: []string{"T1059"}, VictimCountries: []string{"UA"}, Purpose: "espionage"})
	want := map[string]int{"T1059": 2, "T1566": 1}
	if diff := cmp.Diff(want, p.Techniques); diff != "" {
		t.Errorf("techniques (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"id:7": 1}, p.Indicators); diff != "" {
		t.Errorf("indicators (-want +got):\n%s", diff)
	}
	if p.Events != 2 || p.VictimCountries["UA"] != 1 || p.Purposes["espionage"] != 1 {
		t.Errorf("events %d, countries %v, purposes %v", p.Events, p.VictimCountries, p.Purposes)
	}
}

func TestDatesWithoutTimeOfDayLeaveHoursAlone(t *testing.T) {
	p := fingerprint.NewProfile(1, "x")
	p.AddTime(time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)) // a date: Monday
	p.AddTime(time.Date(2024, 3, 4, 9, 30, 0, 0, time.FixedZone("UTC+4", 4*3600)))
	if p.HoursUsed != 1 {
		t.Fatalf("hours used = %d, want 1 (the date-only stamp must not count)", p.HoursUsed)
	}
	// 09:30 at UTC+4 is 05:30 UTC on Monday: index 5.
	if p.HourOfWeek[5] != 1 {
		t.Errorf("hour-of-week: %v, want one count at index 5", p.HourOfWeek)
	}
	if got := analyze.FromStored(time.Date(2024, 3, 10, 23, 59, 0, 0, time.UTC)).HourOfWeek(); got != 167 {
		t.Errorf("Sunday 23:59 UTC = %d, want 167", got)
	}
}

func TestRareSharedEvidenceWeighsMore(t *testing.T) {
	// Every group uses T1059; only 1 and 2 share the indicator.
	var ps []*fingerprint.Profile
	for i := int64(1); i <= 10; i++ {
		var ind []string
		if i <= 2 {
			ind = []string{"domain:c2.example"}
		}
		ps = append(ps, profile(i, []string{"T1059", fmt.Sprintf("T9%03d", i)}, nil, ind))
	}
	ix := fingerprint.NewIndex(ps)
	shared := ix.Shared(0, 1, 0)
	if len(shared[fingerprint.DimIndicators]) != 1 || shared[fingerprint.DimIndicators][0].Groups != 2 {
		t.Fatalf("shared indicators: %+v", shared[fingerprint.DimIndicators])
	}
	ind, tech := shared[fingerprint.DimIndicators][0], shared[fingerprint.DimTechniques][0]
	if tech.Value != "T1059" || tech.Groups != 10 {
		t.Fatalf("shared techniques: %+v", shared[fingerprint.DimTechniques])
	}
	if ind.Weight <= tech.Weight {
		t.Errorf("rare indicator weight %.3f must exceed common technique weight %.3f", ind.Weight, tech.Weight)
	}
	// The pair that shares the rare indicator outranks pairs that share
	// only the common technique.
	rel := ix.Related(0, 0, 0, fingerprint.DefaultWeights())
	if rel[0].B != 2 {
		t.Errorf("best match of group 1 = %d, want 2: %+v", rel[0].B, rel[0])
	}
}

func TestIDFWeightedJaccard(t *testing.T) {
	// Two groups alone in the index: every feature has df 1 or 2.
	ix := fingerprint.NewIndex([]*fingerprint.Profile{
		profile(1, []string{"T1", "T2"}, nil, nil),
		profile(2, []string{"T2", "T3"}, nil, nil),
	})
	// idf(df=2) = 1 + ln(3/3) = 1; idf(df=1) = 1 + ln(3/2).
	rare := 1 + math.Log(1.5)
	want := 1 / (1 + 2*rare)
	got := ix.Compare(0, 1, fingerprint.DefaultWeights())
	if math.Abs(got.Dimensions[fingerprint.DimTechniques]-want) > 1e-12 {
		t.Errorf("technique similarity = %v, want %v", got.Dimensions[fingerprint.DimTechniques], want)
	}
	w := fingerprint.DefaultWeights()[fingerprint.DimTechniques]
	if len(got.Dimensions) != 1 || math.Abs(got.Score-w*want/(w+fingerprint.EvidencePrior)) > 1e-12 {
		t.Errorf("only techniques are known, so the score is theirs, shrunk by the prior: %+v", got)
	}
}

func TestCombinedScoreUsesWeightsOverSharedDimensions(t *testing.T) {
	a := profile(1, []string{"T1"}, []string{"S1"}, nil)
	b := profile(2, []string{"T1"}, []string{"S2"}, nil)
	ix := fingerprint.NewIndex([]*fingerprint.Profile{a, b})
	p := ix.Compare(0, 1, fingerprint.Weights{fingerprint.DimTechniques: 3, fingerprint.DimSoftware: 1})
	if p.Dimensions[fingerprint.DimTechniques] != 1 || p.Dimensions[fingerprint.DimSoftware] != 0 {
		t.Fatalf("parts: %+v", p.Dimensions)
	}
	// The weighted mean of the known parts, pulled toward zero by the prior.
	if want := 3 / (3 + 1 + fingerprint.EvidencePrior); p.Score != want {
		t.Errorf("score = %v, want %v", p.Score, want)
	}
	if _, ok := p.Dimensions[fingerprint.DimIndicators]; ok {
		t.Error("indicators are unknown for both groups and must not be a part")
	}
}

func TestTermsCosine(t *testing.T) {
	a, b, c := fingerprint.NewProfile(1, "a"), fingerprint.NewProfile(2, "b"), fingerprint.NewProfile(3, "c")
	a.AddText("Spear-phishing lures about Ukrainian energy ministries; the group uses Zebrocy.")
	b.AddText("Zebrocy lures aimed at energy ministries in Ukrainian cities.")
	c.AddText("Cryptocurrency exchanges in South Korea robbed through trojanised trading apps.")
	ix := fingerprint.NewIndex([]*fingerprint.Profile{a, b, c})
	w := fingerprint.DefaultWeights()
	ab := ix.Compare(0, 1, w).Dimensions[fingerprint.DimTerms]
	ac := ix.Compare(0, 2, w).Dimensions[fingerprint.DimTerms]
	if !(ab > 0.3 && ac == 0) {
		t.Errorf("terms: a~b = %.3f (want > 0.3), a~c = %.3f (want 0)", ab, ac)
	}
	// Apostrophes split words ("group's" gives the stop word "group" and
	// the too-short "s"); hyphenated names stay whole; numbers go.
	got := fingerprint.Words("The (Citation: FireEye APT28) group's 2019 Zebrocy-v2 and X1")
	if want := []string{"fireeye", "apt28", "zebrocy-v2"}; !cmp.Equal(got, want) {
		t.Errorf("Words = %q, want %q", got, want)
	}
}

// workWeek returns n timestamps of a group that works 09:00–17:59 local
// time at the given UTC offset on the given working weekdays.
func workWeek(rng *rand.Rand, n, offsetHours int, days []time.Weekday) []time.Time {
	zone := time.FixedZone("", offsetHours*3600)
	monday := time.Date(2024, 1, 1, 0, 0, 0, 0, zone) // a Monday
	var out []time.Time
	for len(out) < n {
		d := days[rng.IntN(len(days))]
		day := monday.AddDate(0, 0, 7*rng.IntN(50)+(int(d)+6)%7)
		out = append(out, day.Add(time.Duration(9+rng.IntN(9))*time.Hour+time.Duration(1+rng.IntN(59))*time.Minute))
	}
	return out
}

func TestTimeSimilaritySeparatesWorkWeeks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sunThu := []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday}
	monFri := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	var ps []*fingerprint.Profile
	for i, spec := range []struct {
		offset int
		days   []time.Weekday
	}{{3, sunThu}, {3, sunThu}, {-5, monFri}, {-5, monFri}} {
		p := fingerprint.NewProfile(int64(i+1), "")
		for _, ts := range workWeek(rng, 300, spec.offset, spec.days) {
			p.AddTime(ts)
		}
		ps = append(ps, p)
	}
	ix := fingerprint.NewIndex(ps)
	w := fingerprint.DefaultWeights()
	same1 := ix.Compare(0, 1, w).Dimensions[fingerprint.DimTime]
	same2 := ix.Compare(2, 3, w).Dimensions[fingerprint.DimTime]
	cross := ix.Compare(0, 2, w).Dimensions[fingerprint.DimTime]
	if !(same1 > 0.9 && same2 > 0.9 && cross < 0.2) {
		t.Errorf("time similarity: same %.3f / %.3f (want > 0.9), across %.3f (want < 0.2)", same1, same2, cross)
	}
}

func TestFewHoursAreNotCompared(t *testing.T) {
	a, b := fingerprint.NewProfile(1, ""), fingerprint.NewProfile(2, "")
	for i := 0; i < fingerprint.MinHours-1; i++ {
		ts := time.Date(2024, 1, 1, 10, i, 0, 0, time.UTC)
		a.AddTime(ts)
		b.AddTime(ts)
	}
	p := fingerprint.NewIndex([]*fingerprint.Profile{a, b}).Compare(0, 1, fingerprint.DefaultWeights())
	if _, ok := p.Dimensions[fingerprint.DimTime]; ok {
		t.Errorf("%d timestamps must be too few to compare: %+v", fingerprint.MinHours-1, p)
	}
}

func TestSpaceSimilarity(t *testing.T) {
	mk := func(id int64, countries ...string) *fingerprint.Profile {
		p := fingerprint.NewProfile(id, "")
		p.AddEvent(&intel.Event{VictimCountries: countries})
		return p
	}
	// US is everyone's victim; MN only groups 1 and 4's, GE only 2 and 5's.
	ix := fingerprint.NewIndex([]*fingerprint.Profile{
		mk(1, "US", "MN"), mk(2, "US", "GE"), mk(3, "KR"), mk(4, "US", "MN"), mk(5, "US", "GE"), mk(6, "US"),
	})
	w := fingerprint.DefaultWeights()
	space := func(i, j int) float64 { return ix.Compare(i, j, w).Dimensions[fingerprint.DimSpace] }
	if got := space(0, 3); math.Abs(got-1) > 1e-12 {
		t.Errorf("same countries: %v, want 1", got)
	}
	if got := space(0, 2); got != 0 {
		t.Errorf("no country in common: %v, want 0", got)
	}
	// Group 1 shares only the common US with group 2, and a rare country
	// and the US with group 4; the rare country must pull more than the
	// common one: sharing only US is far from identical.
	if us, all := space(0, 1), space(0, 3); !(us > 0 && us < 0.5 && all > us) {
		t.Errorf("sharing only the common country = %v (want in (0, 0.5)), sharing all = %v", us, all)
	}
}

func TestJSD(t *testing.T) {
	cases := []struct {
		p, q []float64
		want float64
	}{
		{[]float64{1, 0}, []float64{0, 1}, 1},
		{[]float64{2, 2}, []float64{1, 1}, 0},
		{[]float64{1, 1, 0}, []float64{1, 0, 1}, 0.5},
		{[]float64{0, 0}, []float64{1, 1}, 1}, // an empty distribution is unlike anything
	}
	for _, c := range cases {
		if got := fingerprint.JSD(c.p, c.q); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("JSD(%v, %v) = %v, want %v", c.p, c.q, got, c.want)
		}
	}
}

// randomProfiles makes n groups with the skew of real data: techniques from
// a common core and a long tail, a few software families, indicators
// mostly unique.
func randomProfiles(n int, seed uint64) []*fingerprint.Profile {
	rng := rand.New(rand.NewPCG(seed, 7))
	var ps []*fingerprint.Profile
	for i := 0; i < n; i++ {
		p := fingerprint.NewProfile(int64(i+1), fmt.Sprintf("G%04d", i))
		var tech, soft, ind []string
		for k := 0; k < 5+rng.IntN(40); k++ {
			tech = append(tech, fmt.Sprintf("T%04d", int(math.Pow(rng.Float64(), 2)*600)))
		}
		for k := 0; k < rng.IntN(8); k++ {
			soft = append(soft, fmt.Sprintf("S%04d", rng.IntN(700)))
		}
		for k := 0; k < rng.IntN(200); k++ {
			ind = append(ind, fmt.Sprintf("domain:%d.example", rng.IntN(150000)))
		}
		p.AddEvent(&intel.Event{Techniques: tech, Software: soft, VictimCountries: []string{[]string{"UA", "US", "KR", "DE", "IN"}[rng.IntN(5)]}})
		p.AddIndicators(ind)
		text := ""
		for k := 0; k < 50+rng.IntN(300); k++ {
			text += fmt.Sprintf(" word%d", int(math.Pow(rng.Float64(), 3)*20000))
		}
		p.AddText(text)
		ps = append(ps, p)
	}
	return ps
}

func TestGraphMatchesPairwise(t *testing.T) {
	ix := fingerprint.NewIndex(randomProfiles(60, 3))
	w := fingerprint.DefaultWeights()
	const min = 0.12
	got := ix.Graph(min, w)
	var want []fingerprint.Pair
	for i := 0; i < ix.Len(); i++ {
		for _, p := range ix.Related(i, min, 0, w) {
			if p.A < p.B {
				want = append(want, p)
			}
		}
	}
	if len(got) == 0 || len(got) != len(want) {
		t.Fatalf("graph has %d edges, pairwise %d (want equal and > 0)", len(got), len(want))
	}
	seen := map[[2]int64]float64{}
	for _, p := range want {
		seen[[2]int64{p.A, p.B}] = p.Score
	}
	for k, p := range got {
		if s, ok := seen[[2]int64{p.A, p.B}]; !ok || s != p.Score || p.Score < min {
			t.Errorf("edge %d–%d %.4f not found pairwise (%v)", p.A, p.B, p.Score, ok)
		}
		if k > 0 && got[k-1].Score < p.Score {
			t.Errorf("edges not best first at %d", k)
		}
	}
}

func TestAUCAndPrecision(t *testing.T) {
	L := func(s float64, pos bool) fingerprint.Labelled { return fingerprint.Labelled{Score: s, Positive: pos} }
	perfect := []fingerprint.Labelled{L(0.9, true), L(0.8, true), L(0.2, false), L(0.1, false)}
	if got := fingerprint.AUC(perfect); got != 1 {
		t.Errorf("AUC perfect = %v", got)
	}
	ties := []fingerprint.Labelled{L(0.5, true), L(0.5, false), L(0.5, true), L(0.5, false)}
	if got := fingerprint.AUC(ties); got != 0.5 {
		t.Errorf("AUC all ties = %v, want 0.5", got)
	}
	mixed := []fingerprint.Labelled{L(0.9, true), L(0.7, false), L(0.6, true), L(0.1, false)}
	if got := fingerprint.AUC(mixed); got != 0.75 {
		t.Errorf("AUC mixed = %v, want 0.75", got)
	}
	if got := fingerprint.PrecisionAt(mixed, 2); got != 0.5 {
		t.Errorf("P@2 = %v", got)
	}
	if got := fingerprint.PrecisionAt(ties, 2); got != 0 {
		t.Errorf("P@2 on ties = %v, want 0 (ties break against positives)", got)
	}
	if !math.IsNaN(fingerprint.AUC([]fingerprint.Labelled{L(1, true)})) {
		t.Error("AUC without negatives must be NaN")
	}
}

// BenchmarkGraph1300 scores every pair of 1,300 groups (the mirror's
// number), the all-pairs similarity the analysis issue asks to keep under
// a second.
func BenchmarkGraph1300(b *testing.B) {
	ix := fingerprint.NewIndex(randomProfiles(1300, 1))
	w := fingerprint.DefaultWeights()
	b.ResetTimer()
	for b.Loop() {
		ix.Graph(0.3, w)
	}
	b.ReportMetric(float64(1300*1299/2), "pairs/op")
}

func BenchmarkIndex1300(b *testing.B) {
	ps := randomProfiles(1300, 1)
	for b.Loop() {
		fingerprint.NewIndex(ps)
	}
}
