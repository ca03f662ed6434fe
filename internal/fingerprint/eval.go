package fingerprint

import (
	"cmp"
	"math"
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
