package fingerprint

import (
	"github.com/spoor/spoor/internal/intel"
)

// Build makes the index over every group's evidence. Words that are the
// name or an alias of any group are left out of the terms dimension: a
// description that says "also known as Sofacy" names a group rather than
// describing how it works, and counting it would make the terms measure
// repeat the alias lists (and leak them into its evaluation).
func Build(evidence []*intel.GroupEvidence) *Index {
	names := map[string]bool{}
	for _, g := range evidence {
		for _, n := range append([]string{g.Name}, g.Aliases...) {
			for _, w := range Words(n) {
				names[w] = true
			}
		}
	}
	profiles := make([]*Profile, 0, len(evidence))
	for _, g := range evidence {
		p := FromEvidence(g)
		for w := range p.Terms {
			if names[w] {
				delete(p.Terms, w)
			}
		}
		profiles = append(profiles, p)
	}
	return NewIndex(profiles)
}
