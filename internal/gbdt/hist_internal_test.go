package gbdt

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/spoor/spoor/internal/testenv"
)

// BenchmarkBuildHist measures one histogram build of a leaf holding a third
// of 200k rows with 50 dense features.
func BenchmarkBuildHist(b *testing.B) {
	const n, nf = 200_000, 50
	rng := rand.New(rand.NewPCG(1, 1))
	rows := make([][]float64, n)
	y := make([]float64, n)
	for i := range rows {
		rows[i] = make([]float64, nf)
		for j := range rows[i] {
			rows[i][j] = rng.NormFloat64()
		}
	}
	d, err := NewDataset(rows, y)
	if err != nil {
		b.Fatal(err)
	}
	p := Params{Objective: Regression, NumThreads: 2, NumLeaves: 31}
	p, _ = p.withDefaults()
	mappers, sparse := newMappers(d, 255, 1, 2)
	l := newLearner(&p, binData(d, mappers, sparse, 2))
	for i := range l.gh {
		l.gh[i] = rowGrad{float32(rng.NormFloat64()), 1}
	}
	k := 0
	for r := range n {
		if rng.IntN(3) == 0 {
			l.rows[k] = int32(r)
			k++
		}
	}
	lf := &leafState{start: 0, end: k, hist: l.allocHist()}
	start := testenv.CPUTime()
	for b.Loop() {
		l.buildHist(lf)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*k*nf), "ns/update")
	b.ReportMetric(float64(testenv.CPUTime()-start)/float64(b.N*k*nf), "cpu-ns/update")
}

func TestFloatKeyKeepsOrder(t *testing.T) {
	vals := []float64{math.Inf(-1), -1e300, -2.5, -1, -1e-300, math.Copysign(0, -1), 0, 1e-300, 1, 2.5, 1e300, math.Inf(1)}
	for i := 0; i+1 < len(vals); i++ {
		a, b := floatKey(vals[i]), floatKey(vals[i+1])
		if vals[i] < vals[i+1] && !(a < b) || vals[i] == vals[i+1] && a != b && !(vals[i] == 0) {
			t.Errorf("floatKey(%v) = %x, floatKey(%v) = %x: order lost", vals[i], a, vals[i+1], b)
		}
	}
	m := newBinMapper([]float64{-3, -2, -1, 1, 2, 3}, 4, false, 255)
	for _, c := range []struct {
		v    float64
		want uint8
	}{{-5, 0}, {-3, 0}, {-2.6, 0}, {-2.4, 1}, {-1, 2}, {math.Copysign(0, -1), 3}, {0, 3}, {0.4, 3}, {0.6, 4}, {3, 6}, {99, 6}} {
		if got := m.bin(c.v); got != c.want {
			t.Errorf("bin(%v) = %d, want %d (bounds %v)", c.v, got, c.want, m.upper)
		}
	}
}
