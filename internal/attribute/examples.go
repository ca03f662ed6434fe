package attribute

import (
	"strconv"

	"github.com/spoor/spoor/internal/intel"
)

// Examples turns every group's events into labelled examples. Events of
// one report share a split key whatever group they belong to (a report
// that covers two groups stays on one side); other events are keyed by
// their source and key within it.
func Examples(evidence []*intel.GroupEvidence) []Example {
	var out []Example
	for _, g := range evidence {
		for _, e := range g.Events {
			if len(e.Techniques)+len(e.Software)+len(e.Indicators)+len(e.Sectors)+len(e.VictimCountries)+len(e.Times) == 0 {
				continue // nothing to learn from
			}
			key := "source:" + strconv.FormatInt(e.SourceID, 10) + ":" + e.Key
			if e.DocumentID != 0 {
				key = "document:" + strconv.FormatInt(e.DocumentID, 10)
			}
			out = append(out, Example{Event: e, Group: g.GroupID, SplitKey: key})
		}
	}
	return out
}
