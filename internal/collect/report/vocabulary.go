package report

import (
	"github.com/spoor/spoor/internal/geo"
	"github.com/spoor/spoor/internal/intel"
)

// Vocabulary returns the dictionary entries every report is read
// against besides the base's objects: the countries (key: ISO 3166
// alpha-2) and the sectors (key: intel.Sectors). Callers append it to the
// store's MentionDictionary before NewKnown.
func Vocabulary() []intel.NameEntry {
	countries := geo.All()
	out := make([]intel.NameEntry, 0, len(countries)+len(intel.Sectors))
	for _, c := range countries {
		if len(c.Names) == 0 {
			continue
		}
		out = append(out, intel.NameEntry{Kind: intel.EntryCountry, Key: c.Code, Names: c.Names})
	}
	for _, s := range intel.Sectors {
		out = append(out, intel.NameEntry{Kind: intel.EntrySector, Key: s.Key, Names: s.Names})
	}
	return out
}
