package fingerprint

import (
	"cmp"
	"slices"
)

// Evidence is one feature two groups share, with how rare it is.
type Evidence struct {
	Value string `json:"value"`
	// Groups is how many groups of the index have the feature; the rarer,
	// the stronger the link.
	Groups int     `json:"groups"`
	Weight float64 `json:"weight"`
}

// Shared lists what the groups at i and j have in common, per set
// dimension, rarest first. At most limit items per dimension (all when
// limit <= 0).
func (ix *Index) Shared(i, j, limit int) map[Dimension][]Evidence {
	out := map[Dimension][]Evidence{}
	for d, dim := range []Dimension{DimTechniques, DimSoftware, DimIndicators} {
		s := &ix.sets[d]
		var ev []Evidence
		a, b := s.members[i], s.members[j]
		for x, y := 0, 0; x < len(a) && y < len(b); {
			switch {
			case a[x] < b[y]:
				x++
			case a[x] > b[y]:
				y++
			default:
				id := a[x]
				ev = append(ev, Evidence{Value: s.names[id], Groups: s.df[id], Weight: s.idf[id]})
				x++
				y++
			}
		}
		slices.SortFunc(ev, func(p, q Evidence) int {
			if c := cmp.Compare(p.Groups, q.Groups); c != 0 {
				return c
			}
			return cmp.Compare(p.Value, q.Value)
		})
		if limit > 0 && len(ev) > limit {
			ev = ev[:limit]
		}
		if len(ev) > 0 {
			out[dim] = ev
		}
	}
	return out
}
