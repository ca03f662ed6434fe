package fingerprint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/spoor/spoor/internal/intel"
)

// DuplicateRule says when two stored groups may be one: a combined score
// of at least Min, and at least Dimensions dimensions each scoring at
// least DimensionMin. One strong dimension (both use Mimikatz) is not
// enough; agreement across several is.
type DuplicateRule struct {
	Min          float64 `json:"min"`
	Dimensions   int     `json:"dimensions"`
	DimensionMin float64 `json:"dimension_min"`
}

// DefaultDuplicateRule is the rule the duplicates list uses unless told.
func DefaultDuplicateRule() DuplicateRule {
	return DuplicateRule{Min: 0.35, Dimensions: 3, DimensionMin: 0.5}
}

// Duplicates lists the pairs of groups the rule takes for possible
// duplicates, best first, leaving out the pairs skip says an analyst
// found distinct.
func (ix *Index) Duplicates(rule DuplicateRule, w Weights, skip func(a, b int64) bool) []Pair {
	var out []Pair
	for _, p := range ix.Graph(rule.Min, w) {
		strong := 0
		for _, s := range p.Dimensions {
			if s >= rule.DimensionMin {
				strong++
			}
		}
		if strong >= rule.Dimensions && (skip == nil || !skip(p.A, p.B)) {
			out = append(out, p)
		}
	}
	return out
}

// PairView is how two groups compare, as the API and `spoor duplicates`
// show it: the combined score, its parts and the evidence both share,
// rarest first.
type PairView struct {
	// Why says what made a pair a possible duplicate (DuplicateViews).
	Why        string                   `json:"why,omitempty"`
	A          int64                    `json:"a"`
	B          int64                    `json:"b"`
	AName      string                   `json:"a_name"`
	BName      string                   `json:"b_name"`
	Score      float64                  `json:"score"`
	Dimensions map[Dimension]float64    `json:"dimensions"`
	Shared     map[Dimension][]Evidence `json:"shared"`
}

// PairView compares the groups at i and j with up to evidence shared
// items per dimension.
func (ix *Index) PairView(i, j int, w Weights, evidence int) PairView {
	p := ix.Compare(i, j, w)
	return PairView{A: p.A, B: p.B, AName: ix.profiles[i].Name, BName: ix.profiles[j].Name, Score: p.Score,
		Dimensions: p.Dimensions, Shared: ix.Shared(i, j, evidence)}
}

// DuplicateViews lists the possible duplicates (Duplicates) that no
// distinct answer covers, each with its evidence.
func (ix *Index) DuplicateViews(rule DuplicateRule, w Weights, distinct []intel.DistinctPair, evidence int) []PairView {
	skip := map[[2]int64]bool{}
	for _, d := range distinct {
		skip[[2]int64{min(d.A, d.B), max(d.A, d.B)}] = true
	}
	skipped := func(a, b int64) bool { return skip[[2]int64{min(a, b), max(a, b)}] }
	out := []PairView{}
	seen := map[[2]int64]bool{}
	for _, p := range ix.Duplicates(rule, w, skipped) {
		v := ix.PairView(ix.byGroup[p.A], ix.byGroup[p.B], w, evidence)
		v.Why = fmt.Sprintf("agree on %d or more dimensions", rule.Dimensions)
		out = append(out, v)
		seen[[2]int64{min(p.A, p.B), max(p.A, p.B)}] = true
	}
	// Two stored groups of one name are proposed whatever their scores:
	// often one source's record that no rule could tie to the other.
	byName := map[string][]int{}
	for i, p := range ix.profiles {
		if k := nameKey(p.Name); k != "" {
			byName[k] = append(byName[k], i)
		}
	}
	var named []PairView
	for _, idx := range byName {
		for x := 0; x < len(idx); x++ {
			for y := x + 1; y < len(idx); y++ {
				i, j := idx[x], idx[y]
				a, b := ix.profiles[i].GroupID, ix.profiles[j].GroupID
				if a > b {
					i, j, a, b = j, i, b, a
				}
				if seen[[2]int64{a, b}] || skipped(a, b) {
					continue
				}
				v := ix.PairView(i, j, w, evidence)
				v.Why = "same name"
				named = append(named, v)
			}
		}
	}
	slices.SortFunc(named, func(x, y PairView) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B))
	})
	return append(out, named...)
}

// nameKey folds a group name for the same-name rule: case, punctuation
// and a trailing "(Deprecated)" do not count.
func nameKey(name string) string {
	name = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(name), "(Deprecated)"))
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
