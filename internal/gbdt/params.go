package gbdt

import (
	"fmt"
	"math"
	"runtime"
)

// Objective names accepted in Params.Objective.
const (
	// Binary is logistic loss for labels 0 and 1; the raw score is log-odds.
	Binary = "binary"
	// Multiclass is softmax cross-entropy for labels 0..NumClass-1, with one
	// tree per class in every round.
	Multiclass = "multiclass"
	// Regression is squared error (L2) on real-valued labels.
	Regression = "regression"
)

// Params configures Train. DefaultParams gives a sensible starting point; a
// zero field is taken literally except where its comment says otherwise.
type Params struct {
	// Objective is Binary, Multiclass or Regression.
	Objective string
	// NumClass is the number of classes for Multiclass (at least 2); it must
	// be 0 or 2 for Binary and 0 or 1 for Regression.
	NumClass int
	// NumRounds is the number of boosting rounds (0 means 100).
	NumRounds int
	// NumLeaves bounds the leaves of each tree, grown best-first (0 means 31).
	NumLeaves int
	// MaxDepth bounds the depth of each tree; 0 or less means no bound.
	MaxDepth int
	// LearningRate shrinks every leaf value (0 means 0.1).
	LearningRate float64
	// MinDataInLeaf is the least number of training rows in a leaf. Inside
	// histograms the count is estimated from the hessian, as LightGBM does, so
	// that histograms carry two sums per bin instead of three.
	MinDataInLeaf int
	// MinSumHessianInLeaf is the least hessian sum in a leaf (XGBoost's
	// min_child_weight).
	MinSumHessianInLeaf float64
	// LambdaL2 is the L2 penalty on leaf values (XGBoost's reg_lambda).
	LambdaL2 float64
	// MinGainToSplit is the least loss reduction for a split. The gain is
	// GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ), twice XGBoost's, so XGBoost's
	// gamma g corresponds to MinGainToSplit 2g.
	MinGainToSplit float64
	// FeatureFraction is the share of features drawn for each tree (0 means 1).
	FeatureFraction float64
	// BaggingFraction is the share of rows drawn every BaggingFreq rounds
	// (0 means 1); bagging is off when BaggingFreq is 0 or the fraction is 1.
	BaggingFraction float64
	// BaggingFreq redraws the bag every so many rounds; 0 disables bagging.
	BaggingFreq int
	// ClassWeights, when set, has one weight per class that multiplies the
	// gradient and hessian of every row of that class (for imbalanced data).
	ClassWeights []float64
	// EarlyStoppingRounds stops training when the validation loss has not
	// improved for this many rounds and keeps the best round; 0 disables it.
	EarlyStoppingRounds int
	// NumThreads is the number of goroutines used (0 means GOMAXPROCS). The
	// model does not depend on it.
	NumThreads int
	// Seed drives feature and bagging draws and the binning sample.
	Seed uint64
	// MaxBin bounds the histogram bins per feature, 2..255 (0 means 255).
	// A feature with missing values gets one more bin for them.
	MaxBin int
}

// DefaultParams returns LightGBM-like defaults for the given objective and
// number of classes.
func DefaultParams(objective string, numClass int) Params {
	return Params{
		Objective:           objective,
		NumClass:            numClass,
		NumRounds:           100,
		NumLeaves:           31,
		LearningRate:        0.1,
		MinDataInLeaf:       20,
		MinSumHessianInLeaf: 1e-3,
		FeatureFraction:     1,
		BaggingFraction:     1,
	}
}

// withDefaults fills the fields whose zero value means "default" and
// validates the result.
func (p Params) withDefaults() (Params, error) {
	if p.NumRounds == 0 {
		p.NumRounds = 100
	}
	if p.NumLeaves == 0 {
		p.NumLeaves = 31
	}
	if p.LearningRate == 0 {
		p.LearningRate = 0.1
	}
	if p.FeatureFraction == 0 {
		p.FeatureFraction = 1
	}
	if p.BaggingFraction == 0 {
		p.BaggingFraction = 1
	}
	if p.NumThreads == 0 {
		p.NumThreads = runtime.GOMAXPROCS(0)
	}
	if p.MaxBin == 0 {
		p.MaxBin = 255
	}
	switch p.Objective {
	case Binary:
		if p.NumClass != 0 && p.NumClass != 2 {
			return p, fmt.Errorf("gbdt: objective %q needs NumClass 0 or 2, got %d", p.Objective, p.NumClass)
		}
		p.NumClass = 2
	case Multiclass:
		if p.NumClass < 2 {
			return p, fmt.Errorf("gbdt: objective %q needs NumClass >= 2, got %d", p.Objective, p.NumClass)
		}
	case Regression:
		if p.NumClass != 0 && p.NumClass != 1 {
			return p, fmt.Errorf("gbdt: objective %q needs NumClass 0 or 1, got %d", p.Objective, p.NumClass)
		}
		p.NumClass = 1
	default:
		return p, fmt.Errorf("gbdt: unknown objective %q (want %q, %q or %q)", p.Objective, Binary, Multiclass, Regression)
	}
	checks := []struct {
		bad  bool
		what string
	}{
		{p.NumRounds < 0, fmt.Sprintf("NumRounds must be >= 0, got %d", p.NumRounds)},
		{p.NumLeaves < 2 || p.NumLeaves > 1<<16, fmt.Sprintf("NumLeaves must be in [2, 65536], got %d", p.NumLeaves)},
		{!(p.LearningRate > 0) || math.IsInf(p.LearningRate, 0), fmt.Sprintf("LearningRate must be > 0 and finite, got %v", p.LearningRate)},
		{p.MinDataInLeaf < 0, fmt.Sprintf("MinDataInLeaf must be >= 0, got %d", p.MinDataInLeaf)},
		{!(p.MinSumHessianInLeaf >= 0) || math.IsInf(p.MinSumHessianInLeaf, 0), fmt.Sprintf("MinSumHessianInLeaf must be >= 0 and finite, got %v", p.MinSumHessianInLeaf)},
		{!(p.LambdaL2 >= 0) || math.IsInf(p.LambdaL2, 0), fmt.Sprintf("LambdaL2 must be >= 0 and finite, got %v", p.LambdaL2)},
		{!(p.MinGainToSplit >= 0) || math.IsInf(p.MinGainToSplit, 0), fmt.Sprintf("MinGainToSplit must be >= 0 and finite, got %v", p.MinGainToSplit)},
		{!(p.FeatureFraction > 0 && p.FeatureFraction <= 1), fmt.Sprintf("FeatureFraction must be in (0, 1], got %v", p.FeatureFraction)},
		{!(p.BaggingFraction > 0 && p.BaggingFraction <= 1), fmt.Sprintf("BaggingFraction must be in (0, 1], got %v", p.BaggingFraction)},
		{p.BaggingFreq < 0, fmt.Sprintf("BaggingFreq must be >= 0, got %d", p.BaggingFreq)},
		{p.EarlyStoppingRounds < 0, fmt.Sprintf("EarlyStoppingRounds must be >= 0, got %d", p.EarlyStoppingRounds)},
		{p.NumThreads < 0, fmt.Sprintf("NumThreads must be >= 0, got %d", p.NumThreads)},
		{p.MaxBin < 2 || p.MaxBin > 255, fmt.Sprintf("MaxBin must be in [2, 255], got %d", p.MaxBin)},
	}
	for _, c := range checks {
		if c.bad {
			return p, fmt.Errorf("gbdt: bad params: %s", c.what)
		}
	}
	if p.ClassWeights != nil {
		if p.Objective == Regression {
			return p, fmt.Errorf("gbdt: bad params: ClassWeights need a classification objective")
		}
		if len(p.ClassWeights) != p.NumClass {
			return p, fmt.Errorf("gbdt: bad params: ClassWeights has %d weights for %d classes", len(p.ClassWeights), p.NumClass)
		}
		for i, w := range p.ClassWeights {
			if !(w > 0) || math.IsInf(w, 0) {
				return p, fmt.Errorf("gbdt: bad params: ClassWeights[%d] must be > 0 and finite, got %v", i, w)
			}
		}
	}
	return p, nil
}

// numOutputs is the number of raw scores (and trees per round).
func (p *Params) numOutputs() int {
	if p.Objective == Multiclass {
		return p.NumClass
	}
	return 1
}
