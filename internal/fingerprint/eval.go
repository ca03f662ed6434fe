package fingerprint

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// Labelled is a scored pair and whether it is a known relation (a MISP
// galaxy "related" link, an ATT&CK associated group): the input of the
// evaluation of how well a score finds relations.
type Labelled struct {
	Score    float64
	Positive bool
}

// AUC is the area under the ROC curve: the chance that a random positive
// scores above a random negative, ties counting half (the Mann–Whitney
// statistic). It is 0.5 for a score that knows nothing, and NaN without
// both positives and negatives.
func AUC(items []Labelled) float64 {
	sorted := slices.Clone(items)
	slices.SortFunc(sorted, func(a, b Labelled) int { return cmp.Compare(a.Score, b.Score) })
	var pos, neg, rankSum float64
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j].Score == sorted[i].Score {
			j++
		}
		// Ranks i+1..j share their mean.
		mean := float64(i+1+j) / 2
		for k := i; k < j; k++ {
			if sorted[k].Positive {
				pos++
				rankSum += mean
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return nanValue()
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// PrecisionAt is the share of positives among the k best-scored items.
// Ties at the cut are broken against the positives, so that a score that
// gives everything the same value gains nothing from the order of input.
func PrecisionAt(items []Labelled, k int) float64 {
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b Labelled) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		switch {
		case a.Positive == b.Positive:
			return 0
		case a.Positive:
			return 1
		}
		return -1
	})
	k = min(k, len(sorted))
	if k == 0 {
		return nanValue()
	}
	hits := 0
	for _, it := range sorted[:k] {
		if it.Positive {
			hits++
		}
	}
	return float64(hits) / float64(k)
}

func nanValue() float64 { return math.NaN() }

// EvalRow is how well one scorer finds known relations.
type EvalRow struct {
	Scorer string  `json:"scorer"`
	AUC    float64 `json:"auc"`
	P20    float64 `json:"precision_at_20"`
	// Covered is how many positive pairs the scorer has data for on both
	// sides; the others score 0.
	Covered int `json:"covered"`
}

// Evaluation is the result of Evaluate.
type Evaluation struct {
	Positives int       `json:"positives"`
	Negatives int       `json:"negatives"`
	Seed      uint64    `json:"seed"`
	Weights   Weights   `json:"weights"`
	Rows      []EvalRow `json:"rows"`
}

// Evaluate measures how well the combined score, each dimension alone and
// plain (unweighted) technique Jaccard — the baseline — rank known related
// pairs above random pairs. Pairs naming a group outside the index are
// left out. Negatives are drawn at random (seeded) among pairs that are
// not positives, ratio times as many as the positives.
func Evaluate(ix *Index, related [][2]int64, ratio int, seed uint64, w Weights) Evaluation {
	isPos := map[[2]int]bool{}
	var pos [][2]int
	for _, r := range related {
		i, ok1 := ix.byGroup[r[0]]
		j, ok2 := ix.byGroup[r[1]]
		if !ok1 || !ok2 || i == j {
			continue
		}
		k := [2]int{min(i, j), max(i, j)}
		if !isPos[k] {
			isPos[k] = true
			pos = append(pos, k)
		}
	}
	n := ix.Len()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var neg [][2]int
	seen := map[[2]int]bool{}
	for tries := 0; n > 1 && len(neg) < ratio*len(pos) && tries < 100*ratio*len(pos)+1000; tries++ {
		i, j := rng.IntN(n), rng.IntN(n)
		k := [2]int{min(i, j), max(i, j)}
		if i == j || isPos[k] || seen[k] {
			continue
		}
		seen[k] = true
		neg = append(neg, k)
	}
	type scorer struct {
		name  string
		score func(parts *[6]float64, have *[6]bool, i, j int) (float64, bool)
	}
	scorers := []scorer{{"combined", func(parts *[6]float64, have *[6]bool, _, _ int) (float64, bool) {
		known := false
		for _, h := range have {
			known = known || h
		}
		return combine(parts, have, w), known
	}}}
	for k, d := range Dimensions {
		scorers = append(scorers, scorer{string(d), func(parts *[6]float64, have *[6]bool, _, _ int) (float64, bool) {
			if !have[k] {
				return 0, false
			}
			return parts[k], true
		}})
	}
	scorers = append(scorers, scorer{"technique jaccard (baseline)", func(_ *[6]float64, _ *[6]bool, i, j int) (float64, bool) {
		return ix.plainJaccard(0, i, j)
	}})
	ev := Evaluation{Positives: len(pos), Negatives: len(neg), Seed: seed, Weights: w}
	items := make([][]Labelled, len(scorers))
	covered := make([]int, len(scorers))
	for _, set := range []struct {
		pairs    [][2]int
		positive bool
	}{{pos, true}, {neg, false}} {
		for _, p := range set.pairs {
			var parts [6]float64
			var have [6]bool
			ix.compare(p[0], p[1], &parts, &have)
			for s, sc := range scorers {
				v, ok := sc.score(&parts, &have, p[0], p[1])
				if ok && set.positive {
					covered[s]++
				}
				items[s] = append(items[s], Labelled{Score: v, Positive: set.positive})
			}
		}
	}
	for s, sc := range scorers {
		ev.Rows = append(ev.Rows, EvalRow{Scorer: sc.name, AUC: AUC(items[s]), P20: PrecisionAt(items[s], 20), Covered: covered[s]})
	}
	return ev
}

// plainJaccard is |A∩B| / |A∪B| of set dimension d, unweighted.
func (ix *Index) plainJaccard(d, i, j int) (float64, bool) {
	a, b := ix.sets[d].members[i], ix.sets[d].members[j]
	if len(a) == 0 || len(b) == 0 {
		return 0, false
	}
	inter := 0
	for x, y := 0, 0; x < len(a) && y < len(b); {
		switch {
		case a[x] < b[y]:
			x++
		case a[x] > b[y]:
			y++
		default:
			inter++
			x++
			y++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter), true
}
