package gbdt

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkHistDense(b *testing.B) {
	const n, nd = 100_000, 50
	rng := rand.New(rand.NewPCG(1, 1))
	bins := make([]uint8, n*nd)
	for i := range bins {
		bins[i] = uint8(rng.IntN(255))
	}
	gh := make([]rowGrad, n)
	for i := range gh {
		gh[i] = rowGrad{float32(rng.NormFloat64()), 1}
	}
	off := make([]int, nd)
	for j := range off {
		off[j] = j * 255
	}
	hist := make([]gradPair, nd*255)
	var rows []int32
	for r := range n {
		if rng.IntN(3) == 0 {
			rows = append(rows, int32(r))
		}
	}
	ord := make([]rowGrad, len(rows))
	for i, r := range rows {
		ord[i] = gh[r]
	}
	for b.Loop() {
		histDense(hist, rows, ord, bins, nd, 0, nd, off)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)*nd), "ns/update")
}
