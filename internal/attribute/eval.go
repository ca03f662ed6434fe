package attribute

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Scores are how well one model attributed the test events of all folds.
type Scores struct {
	Model string `json:"model"`
	// Evaluated is how many test events had a group the fold's training
	// side knows; only they are scored.
	Evaluated int     `json:"evaluated"`
	Top1      float64 `json:"top1_accuracy"`
	Top3      float64 `json:"top3_accuracy"`
	MacroF1   float64 `json:"macro_f1"`
	LogLoss   float64 `json:"log_loss"`
	// ECE is the expected calibration error of the top probability over
	// ten equal-width bins: how far "70 % sure" is from 70 % right.
	ECE float64 `json:"ece"`
	// At the abstention threshold: the share of events answered (top
	// probability at or above it) and the top-1 accuracy on those.
	Threshold        float64 `json:"abstain_below"`
	Coverage         float64 `json:"coverage"`
	AnsweredAccuracy float64 `json:"answered_accuracy"`
}

// Evaluation is the result of Evaluate.
type Evaluation struct {
	Folds    int      `json:"folds"`
	Examples int      `json:"examples"`
	Groups   int      `json:"groups"` // groups with MinEvents examples in all
	Unseen   int      `json:"unseen"` // test events whose group the training side did not know
	Models   []Scores `json:"models"`
}

// Evaluate trains and tests every model on k folds that keep each split key
// (each report, each IOC-list file) on one side, and scores the test events
// whose group the training side knows. threshold is the abstention cut
// reported in Coverage and AnsweredAccuracy.
//
// progress, when not nil, is called as each fold starts.
func Evaluate(exs []Example, k int, opt Options, threshold float64, progress func(fold, folds int)) (*Evaluation, error) {
	if k < 2 {
		return nil, fmt.Errorf("attribute: evaluate: need at least 2 folds, got %d", k)
	}
	fold, err := Folds(exs, k, opt.Seed)
	if err != nil {
		return nil, err
	}
	per := map[int64]int{}
	for _, ex := range exs {
		per[ex.Group]++
	}
	ev := &Evaluation{Folds: k, Examples: len(exs)}
	for g, n := range per {
		if g != 0 && n >= opt.MinEvents {
			ev.Groups++
		}
	}
	// A result keeps group IDs, not class indices: each fold has its own
	// classes.
	type result struct {
		truth, pred int64
		pTruth      float64 // probability given to the true group
		conf        float64 // probability of the predicted group
		rank        int     // how many groups scored above the truth
	}
	names := []string{"gbdt", "naive bayes", "nearest fingerprint", "majority class"}
	results := make([][]result, len(names))
	for f := 0; f < k; f++ {
		if progress != nil {
			progress(f, k)
		}
		var train, test []Example
		for _, ex := range exs {
			if fold[ex.SplitKey] == f {
				test = append(test, ex)
			} else {
				train = append(train, ex)
			}
		}
		enc := NewEncoder(train, opt.MinEvents)
		o := opt
		o.Seed = opt.Seed + uint64(f)
		g, err := TrainGBDT(enc, train, o)
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", f+1, err)
		}
		models := []Model{g, TrainNaiveBayes(enc, train), TrainNearest(enc, train), TrainMajority(enc, train)}
		for _, ex := range test {
			c := enc.Class(ex.Group)
			if c < 0 {
				ev.Unseen++
				continue
			}
			fs := enc.Encode(ex.Event)
			for m, model := range models {
				probs := model.Predict(fs)
				best := argmax(probs)
				// Ties count against the truth: a model that gives every
				// group the same score ranks the truth last, not first.
				rank := 0
				for o, p := range probs {
					if o != c && p >= probs[c] {
						rank++
					}
				}
				results[m] = append(results[m], result{truth: ex.Group, pred: enc.Classes[best], pTruth: probs[c], conf: probs[best], rank: rank})
			}
		}
	}
	for m, name := range names {
		s := Scores{Model: name, Evaluated: len(results[m]), Threshold: threshold}
		if s.Evaluated == 0 {
			ev.Models = append(ev.Models, s)
			continue
		}
		var top1, top3, ll, answered, answeredRight float64
		tp, fp, fn := map[int64]float64{}, map[int64]float64{}, map[int64]float64{}
		var bins [10]struct{ n, conf, right float64 }
		for _, r := range results[m] {
			right := r.rank == 0
			if right {
				top1++
				tp[r.truth]++
			} else {
				fp[r.pred]++
				fn[r.truth]++
			}
			if r.rank < 3 {
				top3++
			}
			ll -= math.Log(max(r.pTruth, 1e-15))
			b := min(int(r.conf*10), 9)
			bins[b].n++
			bins[b].conf += r.conf
			if right {
				bins[b].right++
			}
			if r.conf >= threshold {
				answered++
				if right {
					answeredRight++
				}
			}
		}
		n := float64(s.Evaluated)
		s.Top1, s.Top3, s.LogLoss = top1/n, top3/n, ll/n
		for _, b := range bins {
			if b.n > 0 {
				s.ECE += b.n / n * math.Abs(b.right/b.n-b.conf/b.n)
			}
		}
		s.Coverage = answered / n
		if answered > 0 {
			s.AnsweredAccuracy = answeredRight / answered
		}
		// Macro-F1 over the groups that occur as truth or prediction.
		groups := map[int64]bool{}
		for _, m := range []map[int64]float64{tp, fp, fn} {
			for g := range m {
				groups[g] = true
			}
		}
		for g := range groups {
			s.MacroF1 += 2 * tp[g] / (2*tp[g] + fp[g] + fn[g])
		}
		s.MacroF1 /= float64(len(groups))
		ev.Models = append(ev.Models, s)
	}
	return ev, nil
}

// Folds deals the examples' split keys, shuffled by seed, round-robin
// into k folds: every example with a key lands in that key's fold, so the
// events of one report are never on both sides.
func Folds(exs []Example, k int, seed uint64) (map[string]int, error) {
	keys := splitKeys(exs)
	if len(keys) < k {
		return nil, fmt.Errorf("attribute: evaluate: %d split keys cannot fill %d folds", len(keys), k)
	}
	rng := rand.New(rand.NewPCG(seed, 0xf01d))
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	fold := make(map[string]int, len(keys))
	for i, key := range keys {
		fold[key] = i % k
	}
	return fold, nil
}

func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}
