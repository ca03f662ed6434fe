package analyze_test

import (
	"math/rand/v2"
	"testing"

	"github.com/spoor/spoor/internal/analyze"
)

// BenchmarkProfile1M profiles a million timestamps of one actor.
func BenchmarkProfile1M(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	ts := actor{4, analyze.SatSun, 8, 18, 0.2}.stamps(r, 1_000_000)
	b.ResetTimer()
	for b.Loop() {
		p := analyze.Profile(ts)
		if p.Best == nil || p.Best.Offset != 4 {
			b.Fatalf("inferred %s", estimate(p))
		}
	}
}

// BenchmarkInfer is the inference alone, on a full hour-of-week histogram.
func BenchmarkInfer(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var bl analyze.Builder
	for _, t := range (actor{4, analyze.SatSun, 8, 18, 0.5}).stamps(r, 20_000) {
		bl.Add(t)
	}
	for b.Loop() {
		bl.Profile()
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		for _, s := range timeSeeds {
			analyze.Parse(s)
		}
	}
}
