package attribute

import (
	"math"
)

// Pooling blends the trees with the nearest fingerprint, log-linearly, and
// calibrates the result with a temperature:
//
//	p(g) ∝ exp((W·log p_trees(g) + (1−W)·log p_nearest(g)) / T)
//
// W and T are chosen on the split keys the trees held out for early
// stopping (never fitted on), to the lowest log loss there, so that a
// "0.52" is right about half the time. The trees carry the features'
// interactions, the fingerprint the groups with few events that the trees
// rarely pick.
type Pooling struct {
	W, T    float64
	Nearest *Nearest
}

// Probabilities are the model's answer for an event: the trees pooled
// with the fingerprint when the model has a pooling, else the trees'.
func (m *GBDT) Probabilities(fs []Feature) []float64 {
	p := m.Predict(fs)
	if m.Pool == nil {
		return p
	}
	return pool(p, m.Pool.Nearest.Predict(fs), m.Pool.W, m.Pool.T)
}

// combination is the pooled model as Evaluate scores it beside the trees.
type combination struct{ *GBDT }

func (m combination) Name() string                   { return "combination" }
func (m combination) Predict(fs []Feature) []float64 { return m.Probabilities(fs) }

// floorProb keeps a zero probability (a fingerprint sharing nothing with
// the event) from vetoing a group outright.
const floorProb = 1e-4

func pool(trees, nearest []float64, w, t float64) []float64 {
	s := make([]float64, len(trees))
	for c := range s {
		s[c] = (w*math.Log(max(trees[c], floorProb)) + (1-w)*math.Log(max(nearest[c], floorProb))) / t
	}
	return softmax(s)
}

// FitPooling fits W and T for trees trained by TrainGBDT with the same
// options and training events, and sets them on the trees: on the trees'
// held-out keys, against a fingerprint built without them; the pooling
// then uses a fingerprint of every training event. With no held-out
// events the pooling is the trees at T = 1.
func FitPooling(enc *Encoder, train []Example, opt Options, trees *GBDT) {
	fit, valid := fitAndValid(enc, train, opt)
	p := &Pooling{W: 1, T: 1, Nearest: TrainNearest(enc, train)}
	trees.Pool = p
	if len(valid) == 0 {
		return
	}
	near := TrainNearest(enc, fit)
	type pred struct {
		trees, nearest []float64
		truth          int
	}
	preds := make([]pred, len(valid))
	for i, ex := range valid {
		fs := enc.Encode(ex.Event)
		preds[i] = pred{trees.Predict(fs), near.Predict(fs), enc.Class(ex.Group)}
	}
	best := math.Inf(1)
	for wi := 0; wi <= 10; wi++ {
		w := float64(wi) / 10
		for _, t := range []float64{0.25, 0.35, 0.5, 0.7, 1, 1.4, 2, 2.8, 4} {
			loss := 0.0
			for _, pr := range preds {
				loss -= math.Log(max(pool(pr.trees, pr.nearest, w, t)[pr.truth], 1e-15))
			}
			if loss < best-1e-9 {
				best, p.W, p.T = loss, w, t
			}
		}
	}
}
