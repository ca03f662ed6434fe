package storetest

import (
	"fmt"

	"github.com/spoor/spoor/internal/intel"
)

// DomainBatch is an IOC batch of n domains, prefix0.example.net to
// prefix(n-1).example.net, from one manual source: rows enough to cross
// an import's thresholds without a list to parse.
func DomainBatch(prefix string, n int) *intel.IndicatorBatch {
	b := &intel.IndicatorBatch{Sources: []intel.Source{{Name: "list", Kind: intel.SourceManual}}, Rows: n}
	for i := range n {
		b.Indicators = append(b.Indicators, intel.IndicatorRow{Type: intel.IndicatorDomain,
			Value: fmt.Sprintf("%s%d.example.net", prefix, i), Description: "seen in a campaign", Confidence: 0.5})
	}
	return b
}
