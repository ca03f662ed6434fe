package gbdt

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Train fits a model on train. valid, when not nil, is scored after every
// round; with Params.EarlyStoppingRounds > 0 training stops once its loss
// has not improved for that many rounds, and the model keeps the rounds up
// to the best one. Bad parameters or labels give an error and no model.
func Train(params Params, train, valid *Dataset) (*Model, error) {
	p, err := params.withDefaults()
	if err != nil {
		return nil, err
	}
	if train == nil {
		return nil, fmt.Errorf("gbdt: train: no training data")
	}
	ytr, err := checkTarget(&p, train, "training")
	if err != nil {
		return nil, err
	}
	var yva []int
	if valid != nil {
		if valid.numFeat != train.numFeat {
			return nil, fmt.Errorf("gbdt: train: validation data has %d features, training data %d", valid.numFeat, train.numFeat)
		}
		if yva, err = checkTarget(&p, valid, "validation"); err != nil {
			return nil, err
		}
	} else if p.EarlyStoppingRounds > 0 {
		return nil, fmt.Errorf("gbdt: train: EarlyStoppingRounds needs validation data")
	}

	threads := p.NumThreads
	mappers, sparse := newMappers(train, p.MaxBin, p.Seed, threads)
	bd := binData(train, mappers, sparse, threads)
	var vbd *binnedData
	if valid != nil {
		vbd = binData(valid, mappers, sparse, threads)
	}

	K := p.numOutputs()
	n := train.numRows
	weights := rowWeights(&p, ytr)
	init := initScores(&p, train.labels, ytr, weights)
	m := &Model{objective: p.Objective, numClass: p.NumClass, numFeat: train.numFeat, initScore: init}

	scores := make([]float64, n*K)
	for r := range n {
		copy(scores[r*K:], init)
	}
	var vscores []float64
	if valid != nil {
		vscores = make([]float64, valid.numRows*K)
		for r := range valid.numRows {
			copy(vscores[r*K:], init)
		}
	}
	var probs []float64
	if p.Objective == Multiclass {
		probs = make([]float64, n*K)
	}

	l := newLearner(&p, bd)
	bagRNG := rand.New(rand.NewPCG(p.Seed, 0x62616767))
	featRNG := rand.New(rand.NewPCG(p.Seed, 0x66656174))
	featPerm := make([]int, train.numFeat)
	values := make([]float64, p.NumLeaves)
	bestLoss, bestRound := math.Inf(1), -1

	for round := 0; round < p.NumRounds; round++ {
		if p.BaggingFreq > 0 && p.BaggingFraction < 1 && round%p.BaggingFreq == 0 {
			l.drawBag(bagRNG)
		}
		if probs != nil {
			parallelFor(n, threads, func(lo, hi int) {
				for r := lo; r < hi; r++ {
					softmax(scores[r*K:r*K+K], probs[r*K:r*K+K])
				}
			})
		}
		for k := range K {
			parallelFor(n, threads, func(lo, hi int) {
				gradients(&p, l.gh[lo:hi], scores, probs, train.labels, ytr, weights, lo, hi, k, K)
			})
			l.drawFeatures(featRNG, featPerm)
			l.grow()
			for i := 0; i < l.nleaves; i++ {
				values[i] = l.leafValue(&l.leaves[i])
			}
			// Bag rows get their leaf from the partition; the others, and
			// the validation rows, walk the tree in bin space.
			parallelFor(l.nleaves, threads, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					lf := &l.leaves[i]
					for _, r := range l.rows[lf.start:lf.end] {
						scores[int(r)*K+k] += values[i]
					}
				}
			})
			parallelFor(len(l.oob), threads, func(lo, hi int) {
				for _, r := range l.oob[lo:hi] {
					scores[int(r)*K+k] += values[l.binLeaf(bd, int(r))]
				}
			})
			if vbd != nil {
				parallelFor(vbd.n, threads, func(lo, hi int) {
					for r := lo; r < hi; r++ {
						vscores[r*K+k] += values[l.binLeaf(vbd, r)]
					}
				})
			}
			m.trees = append(m.trees, l.toTree(values[:l.nleaves]))
		}
		if valid != nil {
			loss := lossOf(p.Objective, vscores, valid.labels, yva, K)
			if loss < bestLoss {
				bestLoss, bestRound = loss, round
			} else if p.EarlyStoppingRounds > 0 && round-bestRound >= p.EarlyStoppingRounds {
				break
			}
		}
	}
	m.bestIteration = len(m.trees) / K
	if p.EarlyStoppingRounds > 0 && bestRound >= 0 {
		m.trees = m.trees[:(bestRound+1)*K]
		m.bestIteration = bestRound + 1
	}
	return m, nil
}

// checkTarget validates the labels of d for the objective and returns them
// as class indices for classification.
func checkTarget(p *Params, d *Dataset, what string) ([]int, error) {
	if d.labels == nil {
		return nil, fmt.Errorf("gbdt: train: %s data has no labels", what)
	}
	if p.Objective == Regression {
		return nil, nil
	}
	y := make([]int, len(d.labels))
	for i, v := range d.labels {
		c := int(v)
		if float64(c) != v || c < 0 || c >= p.NumClass {
			return nil, fmt.Errorf("gbdt: train: %s label %v at row %d is not a class in [0, %d)", what, v, i, p.NumClass)
		}
		y[i] = c
	}
	return y, nil
}

func rowWeights(p *Params, y []int) []float64 {
	if p.ClassWeights == nil {
		return nil
	}
	w := make([]float64, len(y))
	for i, c := range y {
		w[i] = p.ClassWeights[c]
	}
	return w
}

// initScores is where every row starts. Binary and regression start from
// the weighted prior (log-odds or mean), so the first trees fit what the prior
// does not explain. Multiclass starts from 0 (uniform), as LightGBM and
// XGBoost do: log class shares made rare classes start far behind and cost
// accuracy on small data sets with many classes.
func initScores(p *Params, labels []float64, y []int, w []float64) []float64 {
	if p.Objective == Multiclass {
		return make([]float64, p.NumClass)
	}
	weight := func(i int) float64 {
		if w == nil {
			return 1
		}
		return w[i]
	}
	var total float64
	for i := range labels {
		total += weight(i)
	}
	switch p.Objective {
	case Regression:
		var s float64
		for i, v := range labels {
			s += weight(i) * v
		}
		return []float64{s / total}
	default:
		var s float64
		for i, c := range y {
			s += weight(i) * float64(c)
		}
		q := min(max(s/total, 1e-15), 1-1e-15)
		return []float64{math.Log(q / (1 - q))}
	}
}

// gradients writes the gradient pairs of class k for rows lo..hi into gh.
// The softmax hessian is 2p(1-p) as in XGBoost, so equal parameters give
// comparable step sizes.
func gradients(p *Params, gh []rowGrad, scores, probs, labels []float64, y []int, w []float64, lo, hi, k, K int) {
	for r := lo; r < hi; r++ {
		var g, h float64
		switch p.Objective {
		case Regression:
			g, h = scores[r]-labels[r], 1
		case Binary:
			q := sigmoid(scores[r])
			g, h = q-float64(y[r]), max(q*(1-q), 1e-16)
		default:
			q := probs[r*K+k]
			g, h = q, max(2*q*(1-q), 1e-16)
			if y[r] == k {
				g -= 1
			}
		}
		if w != nil {
			g *= w[r]
			h *= w[r]
		}
		gh[r-lo] = rowGrad{float32(g), float32(h)}
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// softmax writes the softmax of s into out; it subtracts the maximum first
// so large scores do not overflow.
func softmax(s, out []float64) {
	mx := math.Inf(-1)
	for _, v := range s {
		mx = max(mx, v)
	}
	var sum float64
	for i, v := range s {
		e := math.Exp(v - mx)
		out[i] = e
		sum += e
	}
	for i := range out {
		out[i] /= sum
	}
}

// lossOf is the mean validation loss: logloss for classification, squared
// error for regression.
func lossOf(objective string, scores, labels []float64, y []int, K int) float64 {
	var s float64
	n := len(labels)
	switch objective {
	case Regression:
		for i, v := range labels {
			d := scores[i] - v
			s += d * d
		}
	case Binary:
		for i, c := range y {
			q := min(max(sigmoid(scores[i]), 1e-15), 1-1e-15)
			if c == 1 {
				s -= math.Log(q)
			} else {
				s -= math.Log(1 - q)
			}
		}
	default:
		pr := make([]float64, K)
		for i, c := range y {
			softmax(scores[i*K:i*K+K], pr)
			s -= math.Log(max(pr[c], 1e-15))
		}
	}
	return s / float64(n)
}

// drawBag draws the rows of the next bag, each with probability
// BaggingFraction, in ascending order.
func (l *learner) drawBag(rng *rand.Rand) {
	l.bag, l.oob = l.bag[:0], l.oob[:0]
	for r := range l.bd.n {
		if rng.Float64() < l.p.BaggingFraction {
			l.bag = append(l.bag, int32(r))
		} else {
			l.oob = append(l.oob, int32(r))
		}
	}
	if len(l.bag) == 0 {
		// Keep at least one row so the tree has something to fit.
		l.bag = append(l.bag, l.oob[0])
		l.oob = l.oob[1:]
	}
}

// drawFeatures picks the features the next tree may split on.
func (l *learner) drawFeatures(rng *rand.Rand, perm []int) {
	if l.p.FeatureFraction >= 1 {
		return
	}
	nf := len(l.featOK)
	k := max(int(math.Round(l.p.FeatureFraction*float64(nf))), 1)
	for i := range perm {
		perm[i] = i
	}
	for i := 0; i < k; i++ {
		j := i + rng.IntN(nf-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	clear(l.featOK)
	for _, f := range perm[:k] {
		l.featOK[f] = true
	}
}
