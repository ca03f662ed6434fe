package analyze_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/spoor/spoor/internal/analyze"
)

func TestJSSimilarity(t *testing.T) {
	tests := []struct {
		name string
		p, q []float64
		want float64
		ok   bool
	}{
		{"identical", []float64{1, 2, 3}, []float64{1, 2, 3}, 1, true},
		{"same shape, other scale", []float64{1, 2, 3}, []float64{10, 20, 30}, 1, true},
		{"disjoint", []float64{1, 0}, []float64{0, 1}, 0, true},
		// P = (1, 0), Q = (½, ½): M = (¾, ¼); JSD = ½·log₂(4/3) + ¼·log₂(2/3) + ¼·log₂(2).
		{"half overlap", []float64{1, 0}, []float64{1, 1}, 1 - (0.5*math.Log2(4.0/3) + 0.25*math.Log2(2.0/3) + 0.25), true},
		{"empty", []float64{0, 0}, []float64{1, 1}, 0, false},
		{"lengths differ", []float64{1}, []float64{1, 1}, 0, false},
		{"negative", []float64{-1, 2}, []float64{1, 1}, 0, false},
		{"NaN", []float64{math.NaN(), 2}, []float64{1, 1}, 0, false},
	}
	for _, tt := range tests {
		got, ok := analyze.JSSimilarity(tt.p, tt.q)
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: JSSimilarity = %.6f, %v; want %.6f, %v", tt.name, got, ok, tt.want, tt.ok)
		}
		back, _ := analyze.JSSimilarity(tt.q, tt.p)
		if back != got {
			t.Errorf("%s: not symmetric: %v vs %v", tt.name, got, back)
		}
	}
}

// Halves of one group are more alike than halves of two groups.
func TestTimeSimilaritySeparatesGroups(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	a := actor{3, analyze.FriSat, 8, 18, 0.15}.stamps(r, 600)
	b := actor{-5, analyze.SatSun, 8, 18, 0.15}.stamps(r, 600)
	a1, a2 := analyze.Profile(a[:300]), analyze.Profile(a[300:])
	b1, b2 := analyze.Profile(b[:300]), analyze.Profile(b[300:])
	sim := func(x, y analyze.TimeProfile) float64 {
		s, ok := analyze.TimeSimilarity(&x, &y)
		if !ok {
			t.Fatal("no hours to compare")
		}
		return s
	}
	same := math.Min(sim(a1, a2), sim(b1, b2))
	cross := math.Max(math.Max(sim(a1, b1), sim(a1, b2)), math.Max(sim(a2, b1), sim(a2, b2)))
	if same <= cross+0.2 {
		t.Errorf("same-group similarity %.3f, cross-group %.3f: not separated", same, cross)
	}
	t.Logf("same-group ≥ %.3f, cross-group ≤ %.3f", same, cross)

	// Dates alone leave nothing to compare.
	dates := analyze.Profile([]analyze.Timestamp{analyze.FromTime(week0, analyze.PrecisionDay)})
	if _, ok := analyze.TimeSimilarity(&a1, &dates); ok {
		t.Error("compared a profile without hours")
	}
}
