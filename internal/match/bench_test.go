package match_test

import (
	"bytes"
	"testing"

	"github.com/spoor/spoor/internal/match"
	"github.com/spoor/spoor/internal/match/matchtest"
)

// benchSet is 100,000 indicators and 16 MB of mixed logs over them.
func benchSet(b *testing.B) (*matchtest.Set, []byte) {
	b.Helper()
	set := matchtest.NewSet(1, 100_000)
	var logs bytes.Buffer
	if _, err := set.WriteLogs(&logs, 16<<20, 1000); err != nil {
		b.Fatal(err)
	}
	return set, logs.Bytes()
}

func buildIndex(set *matchtest.Set) *match.Index {
	bld := match.NewBuilder(match.Options{})
	for _, in := range set.Indicators {
		bld.Add(match.Indicator{Type: in.Type, Value: in.Value, Sources: []string{"feed"}}, "")
	}
	return bld.Index()
}

func BenchmarkScan(b *testing.B) {
	set, logs := benchSet(b)
	ix := buildIndex(set)
	sc := ix.NewScanner()
	b.SetBytes(int64(len(logs)))
	b.ReportAllocs()
	hits := int64(0)
	for b.Loop() {
		st, err := sc.Scan(bytes.NewReader(logs), "bench", func(*match.Hit) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		hits = st.Hits
	}
	b.ReportMetric(float64(hits), "hits")
}

func BenchmarkBuild(b *testing.B) {
	set := matchtest.NewSet(1, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		buildIndex(set)
	}
	b.ReportMetric(float64(len(set.Indicators)), "indicators")
}
