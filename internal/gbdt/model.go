package gbdt

import (
	"fmt"
	"math"
)

// Model is a trained ensemble. It is safe for concurrent use once trained
// or loaded.
type Model struct {
	objective     string
	numClass      int
	numFeat       int
	initScore     []float64 // one per output, added to every raw score
	trees         []tree    // round-major: tree i belongs to output i % numOutputs
	bestIteration int
}

// Objective returns the training objective.
func (m *Model) Objective() string { return m.objective }

// NumClass returns the number of classes (2 for Binary, 1 for Regression).
func (m *Model) NumClass() int { return m.numClass }

// NumFeatures returns the number of features the model was trained on.
func (m *Model) NumFeatures() int { return m.numFeat }

// NumTrees returns the number of trees.
func (m *Model) NumTrees() int { return len(m.trees) }

// BestIteration returns the number of boosting rounds the model keeps: the
// best round (counted from 1) when early stopping was used, otherwise the
// rounds trained.
func (m *Model) BestIteration() int { return m.bestIteration }

// numOutputs is the number of raw scores per row.
func (m *Model) numOutputs() int { return len(m.initScore) }

// PredictRaw returns the raw scores of row: log-odds for Binary, one score
// per class for Multiclass (before softmax), the prediction for Regression.
// Features beyond len(row), and NaN values, count as missing.
func (m *Model) PredictRaw(row []float64) []float64 {
	out := make([]float64, m.numOutputs())
	m.rawInto(row, out)
	return out
}

func (m *Model) rawInto(row, out []float64) {
	K := len(out)
	copy(out, m.initScore)
	for i := range m.trees {
		out[i%K] += m.trees[i].predict(row)
	}
}

// Predict returns the class probabilities of row ([P(0), P(1)] for Binary)
// or, for Regression, the one predicted value.
func (m *Model) Predict(row []float64) []float64 {
	raw := m.PredictRaw(row)
	return m.transform(raw)
}

// transform turns raw scores into probabilities in place when the objective
// calls for it, and returns the result.
func (m *Model) transform(raw []float64) []float64 {
	switch m.objective {
	case Binary:
		q := sigmoid(raw[0])
		return []float64{1 - q, q}
	case Multiclass:
		softmax(raw, raw)
	}
	return raw
}

// PredictBatch returns Predict for every row of d, using up to numThreads
// goroutines (0 or less means one). The rows share one backing array.
func (m *Model) PredictBatch(d *Dataset, numThreads int) [][]float64 {
	return m.batch(d, numThreads, false)
}

// PredictRawBatch returns PredictRaw for every row of d, in parallel like
// PredictBatch.
func (m *Model) PredictRawBatch(d *Dataset, numThreads int) [][]float64 {
	return m.batch(d, numThreads, true)
}

func (m *Model) batch(d *Dataset, threads int, raw bool) [][]float64 {
	K := m.numOutputs()
	width := K
	if !raw && m.objective == Binary {
		width = 2
	}
	flat := make([]float64, d.numRows*width)
	out := make([][]float64, d.numRows)
	for r := range out {
		out[r] = flat[r*width : (r+1)*width : (r+1)*width]
	}
	// Rows are handed out in blocks so that each tree's nodes stay in cache
	// for a block of rows.
	const block = 64
	nb := (d.numRows + block - 1) / block
	parallelFor(nb, max(threads, 1), func(blo, bhi int) {
		buf := make([]float64, d.numFeat)
		acc := make([]float64, block*K)
		rows := make([][]float64, block)
		for b := blo; b < bhi; b++ {
			lo, hi := b*block, min((b+1)*block, d.numRows)
			for r := lo; r < hi; r++ {
				if d.sparse() {
					rows[r-lo] = append(rows[r-lo][:0], d.rowInto(r, buf)...)
					d.clearRow(r, buf)
				} else {
					rows[r-lo] = d.dense[r]
				}
				copy(acc[(r-lo)*K:], m.initScore)
			}
			for i := range m.trees {
				t := &m.trees[i]
				k := i % K
				for j := 0; j < hi-lo; j++ {
					acc[j*K+k] += t.predict(rows[j])
				}
			}
			for r := lo; r < hi; r++ {
				s := acc[(r-lo)*K : (r-lo+1)*K]
				switch {
				case raw || m.objective == Regression:
					copy(out[r], s)
				case m.objective == Binary:
					q := sigmoid(s[0])
					out[r][0], out[r][1] = 1-q, q
				default:
					softmax(s, out[r])
				}
			}
		}
	})
	return out
}

// Contributions explains the raw scores of row with TreeSHAP: for each
// output (one for Binary and Regression, one per class for Multiclass) a
// slice of NumFeatures()+1 values, one per feature and the bias last, that
// sum to PredictRaw(row) for that output.
func (m *Model) Contributions(row []float64) [][]float64 {
	out := make([][]float64, m.numOutputs())
	for k := range out {
		out[k] = m.contributions(row, k)
	}
	return out
}

// ClassContributions is Contributions(row)[k] computed over output k's
// trees alone: a multiclass model with many classes explains the few it
// ranks first at that fraction of the cost.
func (m *Model) ClassContributions(row []float64, k int) []float64 {
	if k < 0 || k >= m.numOutputs() {
		panic(fmt.Sprintf("gbdt: output %d of %d", k, m.numOutputs()))
	}
	return m.contributions(row, k)
}

func (m *Model) contributions(row []float64, k int) []float64 {
	K := m.numOutputs()
	out := make([]float64, m.numFeat+1)
	out[m.numFeat] = m.initScore[k]
	maxDepth := 0
	for i := k; i < len(m.trees); i += K {
		maxDepth = max(maxDepth, m.trees[i].depth)
	}
	path := make([]pathElem, (maxDepth+1)*(maxDepth+2)/2+1)
	for i := k; i < len(m.trees); i += K {
		m.trees[i].shap(row, out, path)
	}
	return out
}

// ImportanceKind selects what FeatureImportance measures.
type ImportanceKind int

const (
	// ImportanceSplit counts the splits on each feature.
	ImportanceSplit ImportanceKind = iota
	// ImportanceGain sums the loss reduction of the splits on each feature.
	ImportanceGain
)

// FeatureImportance returns one value per feature over all trees.
func (m *Model) FeatureImportance(kind ImportanceKind) []float64 {
	imp := make([]float64, m.numFeat)
	for i := range m.trees {
		t := &m.trees[i]
		for j, n := range t.nodes {
			if kind == ImportanceGain {
				imp[n.feature] += t.gain[j]
			} else {
				imp[n.feature]++
			}
		}
	}
	return imp
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
