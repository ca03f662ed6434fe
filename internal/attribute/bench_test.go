package attribute_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/intel"
)

// benchModel is the model the attribution benchmarks answer with: the
// file SPOOR_BENCH_ATTRIBUTION_MODEL names (a stored model's data, say the
// mirror's: see docs/benchmarks.md), else one trained here on synthetic
// events of 160 groups, about the mirror's count.
func benchModel(b *testing.B) *attribute.GBDT {
	b.Helper()
	if path := os.Getenv("SPOOR_BENCH_ATTRIBUTION_MODEL"); path != "" {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		m, err := attribute.Load(f)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	exs := synthetic(160, 12, 9)
	opt := attribute.DefaultOptions()
	enc := attribute.NewEncoder(exs, opt.MinEvents, nil)
	m, err := attribute.TrainGBDT(enc, exs, opt)
	if err != nil {
		b.Fatal(err)
	}
	attribute.FitPooling(enc, exs, opt, m)
	return m
}

// BenchmarkAttributeEvent answers one event JSON's worth of evidence (six
// techniques, two software, an indicator, an activity time) with every
// group loaded: encode, pooled probabilities, the top five groups with
// five TreeSHAP contributions each, as the CLI and API do. It reports the
// median and 99th percentile of single answers.
func BenchmarkAttributeEvent(b *testing.B) {
	m := benchModel(b)
	ev := &intel.Event{
		Techniques: []string{"T1566.001", "T1059.001", "T1071.001", "T1105", "T1027", "T1003.001"},
		Software:   []string{"mimikatz", "cobalt strike"},
		Indicators: []*intel.Indicator{{Type: intel.IndicatorDomain, Value: "update-check.example"}},
		Times:      []time.Time{time.Date(2024, 3, 5, 7, 15, 0, 0, time.UTC)},
	}
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		a := m.Attribute(m.Enc.Encode(ev), 5, 5, 0.3)
		durations = append(durations, time.Since(start))
		if len(a.Groups) != 5 {
			b.Fatalf("%d groups", len(a.Groups))
		}
	}
	b.StopTimer()
	slices.Sort(durations)
	at := func(q float64) float64 {
		return float64(durations[int(q*float64(len(durations)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(len(m.Enc.Classes)), "groups")
	b.ReportMetric(float64(m.Model.NumTrees()), "trees")
}
