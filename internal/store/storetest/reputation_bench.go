package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/reputation"
)

// BenchDomainReputation rates batches of reputation.MaxBatch names
// through reputation.Service over a base of 100,000 listed names (2,000
// registered domains listed by a feed of credibility 1, 49 names under
// each by one of 0.2 in trail-style events of 500 names): half the batch is stored names, half new
// subdomains of stored domains, so every look-up (evidence, parents,
// families) has work to do.
func BenchDomainReputation(b *testing.B, open BenchOpener) {
	ctx := context.Background()
	s := open(b)
	batch := &intel.IndicatorBatch{Sources: []intel.Source{
		{Name: "trails", Kind: intel.SourceIOCList, Credibility: 0.2},
		{Name: "vendor", Kind: intel.SourceIOCList, Credibility: 1},
	}}
	const families, perFamily = 2000, 50
	for f := range families {
		batch.Indicators = append(batch.Indicators, intel.IndicatorRow{Type: intel.IndicatorDomain, Value: fmt.Sprintf("fam%d.net", f),
			Confidence: 1, Source: 1})
	}
	for i := range families * (perFamily - 1) {
		if i%500 == 0 {
			batch.Events = append(batch.Events, intel.EventRow{Key: fmt.Sprintf("trail%d", i/500), Title: "trail", GroupLabel: fmt.Sprintf("family%d", i/500)})
		}
		batch.Indicators = append(batch.Indicators, intel.IndicatorRow{Type: intel.IndicatorDomain,
			Value: fmt.Sprintf("n%d.fam%d.net", i, i%families), Confidence: 1, Event: len(batch.Events)})
	}
	if _, err := s.ImportIndicators(ctx, batch, nil); err != nil {
		b.Fatal(err)
	}
	names := make([]string, reputation.MaxBatch)
	for i := range names {
		if i%2 == 0 {
			names[i] = fmt.Sprintf("n%d.fam%d.net", i*7, (i*7)%families)
		} else {
			names[i] = fmt.Sprintf("new%d.fam%d.net", i, i%families)
		}
	}
	svc := &reputation.Service{Store: s}
	res, err := svc.Score(ctx, names)
	if err != nil {
		b.Fatal(err)
	}
	if res[1].Reputation == reputation.Benign || !strings.Contains(strings.Join(res[1].Reasons, "\n"), "bad-siblings") {
		b.Fatalf("a new name under a listed domain: %+v", res[1])
	}
	n := 0
	for b.Loop() {
		if _, err := svc.Score(ctx, names); err != nil {
			b.Fatal(err)
		}
		n += len(names)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "domains/s")
}
