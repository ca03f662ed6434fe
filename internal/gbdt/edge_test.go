package gbdt_test

import (
	"math"
	"testing"

	"github.com/spoor/spoor/internal/gbdt"
)

// TestDegenerateData checks that tiny, constant and empty-sparse inputs
// train to a prior-only model instead of failing.
func TestDegenerateData(t *testing.T) {
	one := mustDataset(t, [][]float64{{1, 2}}, []float64{1})
	constant := mustDataset(t, [][]float64{{5}, {5}, {5}, {5}}, []float64{0, 1, 1, 1})
	allNaN := mustDataset(t, [][]float64{{math.NaN()}, {math.NaN()}}, []float64{0, 1})
	empty, err := gbdt.NewSparseDataset(3, []int{0, 0, 0, 0}, nil, nil, []float64{0, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]*gbdt.Dataset{"one row": one, "constant": constant, "all missing": allNaN, "empty sparse": empty} {
		t.Run(name, func(t *testing.T) {
			p := gbdt.DefaultParams(gbdt.Binary, 2)
			p.NumRounds, p.NumThreads = 3, 2
			m := mustTrain(t, p, d, nil)
			labels := d.Labels()
			var pos float64
			for _, y := range labels {
				pos += y
			}
			want := pos / float64(len(labels))
			want = min(max(want, 1e-15), 1-1e-15)
			got := m.Predict(make([]float64, d.NumFeatures()))[1]
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("P(1) = %v, want the prior %v", got, want)
			}
		})
	}
}
