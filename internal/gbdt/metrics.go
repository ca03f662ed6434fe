package gbdt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// argmax returns the index of the largest value, the first on ties.
func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

// Accuracy is the share of rows whose most probable class is the label.
// probs holds one probability slice per row, as PredictBatch returns.
func Accuracy(labels []int, probs [][]float64) float64 {
	return TopKAccuracy(labels, probs, 1)
}

// TopKAccuracy is the share of rows whose label is among the k most probable
// classes (ties broken by lower class index).
func TopKAccuracy(labels []int, probs [][]float64, k int) float64 {
	if len(labels) == 0 {
		return 0
	}
	hits := 0
	for i, y := range labels {
		p := probs[i]
		if y < 0 || y >= len(p) {
			continue
		}
		// Classes ranked above y: higher probability, or equal and lower index.
		above := 0
		for c, v := range p {
			if v > p[y] || (v == p[y] && c < y) {
				above++
			}
		}
		if above < k {
			hits++
		}
	}
	return float64(hits) / float64(len(labels))
}

// LogLoss is the mean negative log-probability of the labels, with
// probabilities clipped to [1e-15, 1] so one confident mistake stays finite.
func LogLoss(labels []int, probs [][]float64) float64 {
	if len(labels) == 0 {
		return 0
	}
	var s float64
	for i, y := range labels {
		q := 0.0
		if y >= 0 && y < len(probs[i]) {
			q = probs[i][y]
		}
		s -= math.Log(max(q, 1e-15))
	}
	return s / float64(len(labels))
}

// ConfusionMatrix counts rows by label (first index) and predicted class
// (second index) for numClass classes; out-of-range labels are skipped.
func ConfusionMatrix(labels []int, probs [][]float64, numClass int) [][]int {
	cm := make([][]int, numClass)
	for i := range cm {
		cm[i] = make([]int, numClass)
	}
	for i, y := range labels {
		if p := argmax(probs[i]); y >= 0 && y < numClass && p < numClass {
			cm[y][p]++
		}
	}
	return cm
}

// MacroF1 is the unweighted mean over classes of the F1 score, from a
// confusion matrix. Classes that never occur and are never predicted are
// left out, as they have no defined F1.
func MacroF1(cm [][]int) float64 {
	var sum float64
	n := 0
	for c := range cm {
		tp := cm[c][c]
		var fp, fn int
		for o := range cm {
			if o != c {
				fn += cm[c][o]
				fp += cm[o][c]
			}
		}
		if tp+fp+fn == 0 {
			continue
		}
		sum += 2 * float64(tp) / float64(2*tp+fp+fn)
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// CVResult is the outcome of CrossValidate.
type CVResult struct {
	// Fold is the fold each row was held out in.
	Fold []int
	// Pred holds the out-of-fold prediction (Predict) of every row.
	Pred [][]float64
	// BestIterations is the rounds kept by each fold's model.
	BestIterations []int
}

// CrossValidate trains k models, each on all folds but one, and predicts
// the held-out fold. Folds are stratified by class for classification and
// drawn with Params.Seed. When EarlyStoppingRounds is set the held-out fold
// is also the validation set, as in LightGBM's cv, which makes the
// out-of-fold scores slightly optimistic.
func CrossValidate(params Params, d *Dataset, k int) (*CVResult, error) {
	if d == nil || d.labels == nil {
		return nil, fmt.Errorf("gbdt: cross-validate: need labelled data")
	}
	if k < 2 || k > d.numRows {
		return nil, fmt.Errorf("gbdt: cross-validate: k must be in [2, %d], got %d", d.numRows, k)
	}
	p, err := params.withDefaults()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(p.Seed, 0x6376))
	fold := make([]int, d.numRows)
	if p.Objective == Regression {
		perm := rng.Perm(d.numRows)
		for i, r := range perm {
			fold[r] = i % k
		}
	} else {
		byClass := map[float64][]int{}
		for r, y := range d.labels {
			byClass[y] = append(byClass[y], r)
		}
		classes := make([]float64, 0, len(byClass))
		for y := range byClass {
			classes = append(classes, y)
		}
		slices.Sort(classes)
		// Dealing each class round-robin, continuing where the previous
		// class stopped, keeps fold sizes within one row of each other.
		next := 0
		for _, y := range classes {
			rows := byClass[y]
			rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
			for _, r := range rows {
				fold[r] = next % k
				next++
			}
		}
	}
	res := &CVResult{Fold: fold, Pred: make([][]float64, d.numRows), BestIterations: make([]int, k)}
	for f := range k {
		var tr, te []int
		for r, g := range fold {
			if g == f {
				te = append(te, r)
			} else {
				tr = append(tr, r)
			}
		}
		test := d.subset(te)
		var valid *Dataset
		if p.EarlyStoppingRounds > 0 {
			valid = test
		}
		m, err := Train(params, d.subset(tr), valid)
		if err != nil {
			return nil, fmt.Errorf("gbdt: cross-validate: fold %d: %w", f, err)
		}
		res.BestIterations[f] = m.BestIteration()
		pred := m.PredictBatch(test, p.NumThreads)
		for i, r := range te {
			res.Pred[r] = pred[i]
		}
	}
	return res, nil
}
