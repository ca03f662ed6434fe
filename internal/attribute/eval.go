package attribute

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Scores are how well one model attributed the test events of all folds.
type Scores struct {
	Model string `json:"model"`
	// Evaluated is how many test events had a group the fold's training
	// side knows; only they are scored.
	Evaluated int     `json:"evaluated"`
	Top1      float64 `json:"top1_accuracy"`
	Top3      float64 `json:"top3_accuracy"`
	Top5      float64 `json:"top5_accuracy"`
	// Macro top-k is the top-k accuracy of each true group, averaged over
	// the groups: a few groups own most events, so a constant answer
	// scores well micro-averaged and poorly here.
	MacroTop1 float64 `json:"macro_top1_accuracy"`
	MacroTop3 float64 `json:"macro_top3_accuracy"`
	MacroTop5 float64 `json:"macro_top5_accuracy"`
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
	// Reliability is the calibration curve: per tenth of top probability,
	// how many events fell there, their mean probability and how many of
	// them were right.
	Reliability []ReliabilityBin `json:"reliability"`
	// CoverageCurve is accuracy against coverage as the abstention
	// threshold moves from 0 to 0.9.
	CoverageCurve []CoveragePoint `json:"coverage_curve"`
}

// ReliabilityBin is one tenth of the calibration curve.
type ReliabilityBin struct {
	Events     int     `json:"events"`
	Confidence float64 `json:"confidence"` // mean top probability
	Accuracy   float64 `json:"accuracy"`   // share right
}

// CoveragePoint is what abstaining below Threshold gives: the share of
// events answered and the top-1 accuracy on them.
type CoveragePoint struct {
	Threshold float64 `json:"threshold"`
	Coverage  float64 `json:"coverage"`
	Accuracy  float64 `json:"accuracy"`
}

// Evaluation is the result of Evaluate and EvaluateTime.
type Evaluation struct {
	// Split is "report" (k folds that keep each split key on one side) or
	// "time" (train before Cut, test from Cut on).
	Split    string    `json:"split"`
	Folds    int       `json:"folds"`
	Cut      time.Time `json:"cut,omitzero"`
	Examples int       `json:"examples"`
	// Train and Test count the examples on each side of a time split;
	// Undated ones cannot be placed and are left out.
	Train   int      `json:"train,omitempty"`
	Test    int      `json:"test,omitempty"`
	Undated int      `json:"undated,omitempty"`
	Groups  int      `json:"groups"` // groups with MinEvents examples in all
	Unseen  int      `json:"unseen"` // test events whose group the training side did not know
	Models  []Scores `json:"models"`
	// Confused are the pairs of groups the first model (the trees) most
	// often mistook, the true group first; names are the caller's to fill.
	Confused []Confusion `json:"confused"`
}

// Confusion is how often events of one group were attributed to another.
type Confusion struct {
	Truth     int64  `json:"truth_id"`
	Predicted int64  `json:"predicted_id"`
	TruthName string `json:"truth,omitempty"`
	PredName  string `json:"predicted,omitempty"`
	Count     int    `json:"count"`
}

// maxConfused is how many confused pairs an evaluation lists.
const maxConfused = 10

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
	ev := &Evaluation{Split: "report", Folds: k, Examples: len(exs)}
	return evaluate(ev, exs, k, func(ex Example) int { return fold[ex.SplitKey] }, opt, threshold, progress)
}

// EvaluateTime trains on the examples first seen before cut and tests on
// the ones first seen from cut on — the real use, attributing what comes
// next. A split key (a report) whose events straddle the cut is placed by
// its earliest event, so that one report is never on both sides. Undated
// examples are left out and counted. A zero cut is the date before which
// four fifths of the dated examples fall.
func EvaluateTime(exs []Example, cut time.Time, opt Options, threshold float64, progress func(fold, folds int)) (*Evaluation, error) {
	first := keyDates(exs)
	var dates []time.Time
	for _, ex := range exs {
		if t := ex.Event.FirstSeen; !t.IsZero() {
			dates = append(dates, t)
		}
	}
	if len(dates) < 2 {
		return nil, fmt.Errorf("attribute: evaluate by time: %d of %d examples are dated", len(dates), len(exs))
	}
	if cut.IsZero() {
		slices.SortFunc(dates, func(a, b time.Time) int { return a.Compare(b) })
		cut = dates[len(dates)*4/5]
	}
	ev := &Evaluation{Split: "time", Folds: 1, Cut: cut, Examples: len(exs)}
	side := func(ex Example) int {
		t, ok := first[ex.SplitKey]
		switch {
		case !ok || ex.Event.FirstSeen.IsZero():
			return -1
		case t.Before(cut):
			return 1 // training in the one fold
		default:
			return 0
		}
	}
	for _, ex := range exs {
		switch side(ex) {
		case -1:
			ev.Undated++
		case 0:
			ev.Test++
		default:
			ev.Train++
		}
	}
	if ev.Train == 0 || ev.Test == 0 {
		return nil, fmt.Errorf("attribute: evaluate by time: %d examples before %s and %d from then on; both sides need some",
			ev.Train, cut.Format(time.DateOnly), ev.Test)
	}
	return evaluate(ev, exs, 1, side, opt, threshold, progress)
}

// keyDates is when each split key (a report) was first seen: its earliest
// dated event. Keys with no dated event are absent.
func keyDates(exs []Example) map[string]time.Time {
	first := map[string]time.Time{}
	for _, ex := range exs {
		t := ex.Event.FirstSeen
		if t.IsZero() {
			continue
		}
		if f, ok := first[ex.SplitKey]; !ok || t.Before(f) {
			first[ex.SplitKey] = t
		}
	}
	return first
}

// Before keeps the examples first seen before cut, placing a report by its
// earliest event as EvaluateTime does: what a model trained on that day
// could have known. Undated examples are left out and counted.
func Before(exs []Example, cut time.Time) (kept []Example, undated int) {
	first := keyDates(exs)
	for _, ex := range exs {
		t, ok := first[ex.SplitKey]
		switch {
		case !ok || ex.Event.FirstSeen.IsZero():
			undated++
		case t.Before(cut):
			kept = append(kept, ex)
		}
	}
	return kept, undated
}

// evaluate runs the folds: foldOf says in which fold an example is tested
// (it trains in every other), a value outside [0, k) trains in all of them,
// and -1 leaves it out.
func evaluate(ev *Evaluation, exs []Example, k int, foldOf func(Example) int, opt Options, threshold float64,
	progress func(fold, folds int)) (*Evaluation, error) {
	per := map[int64]int{}
	for _, ex := range exs {
		per[ex.Group]++
	}
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
	names := []string{"gbdt", "combination", "naive bayes", "nearest fingerprint", "technique jaccard", "majority class"}
	results := make([][]result, len(names))
	for f := 0; f < k; f++ {
		if progress != nil {
			progress(f, k)
		}
		var train, test []Example
		for _, ex := range exs {
			switch fo := foldOf(ex); {
			case fo < 0:
			case fo == f:
				test = append(test, ex)
			default:
				train = append(train, ex)
			}
		}
		enc := NewEncoder(train, opt.MinEvents, opt.Tactics)
		o := opt
		o.Seed = opt.Seed + uint64(f)
		g, err := TrainGBDT(enc, train, o)
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", f+1, err)
		}
		FitPooling(enc, train, o, g)
		models := []Model{g, combination{g}, TrainNaiveBayes(enc, train), g.Pool.Nearest, TrainTechniqueJaccard(enc, train), TrainMajority(enc, train)}
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
		var top1, top3, top5, ll, answered, answeredRight float64
		tp, fp, fn := map[int64]float64{}, map[int64]float64{}, map[int64]float64{}
		// Per true group: events, and those ranked within 1, 3 and 5.
		type groupTally struct{ n, top1, top3, top5 float64 }
		tally := map[int64]*groupTally{}
		confused := map[[2]int64]int{}
		var bins [10]struct{ n, conf, right float64 }
		for _, r := range results[m] {
			right := r.rank == 0
			gt := tally[r.truth]
			if gt == nil {
				gt = &groupTally{}
				tally[r.truth] = gt
			}
			gt.n++
			if right {
				top1++
				gt.top1++
				tp[r.truth]++
			} else {
				fp[r.pred]++
				fn[r.truth]++
				if m == 0 && r.pred != r.truth {
					confused[[2]int64{r.truth, r.pred}]++
				}
			}
			if r.rank < 3 {
				top3++
				gt.top3++
			}
			if r.rank < 5 {
				top5++
				gt.top5++
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
		s.Top1, s.Top3, s.Top5, s.LogLoss = top1/n, top3/n, top5/n, ll/n
		for _, gt := range tally {
			s.MacroTop1 += gt.top1 / gt.n / float64(len(tally))
			s.MacroTop3 += gt.top3 / gt.n / float64(len(tally))
			s.MacroTop5 += gt.top5 / gt.n / float64(len(tally))
		}
		if m == 0 {
			for pair, c := range confused {
				ev.Confused = append(ev.Confused, Confusion{Truth: pair[0], Predicted: pair[1], Count: c})
			}
			slices.SortFunc(ev.Confused, func(a, b Confusion) int {
				return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Truth, b.Truth), cmp.Compare(a.Predicted, b.Predicted))
			})
			ev.Confused = ev.Confused[:min(len(ev.Confused), maxConfused)]
		}
		for _, b := range bins {
			rb := ReliabilityBin{Events: int(b.n)}
			if b.n > 0 {
				s.ECE += b.n / n * math.Abs(b.right/b.n-b.conf/b.n)
				rb.Confidence, rb.Accuracy = b.conf/b.n, b.right/b.n
			}
			s.Reliability = append(s.Reliability, rb)
		}
		for ti := 0; ti < 10; ti++ {
			cut := float64(ti) / 10
			var answered, right float64
			for _, r := range results[m] {
				if r.conf >= cut {
					answered++
					if r.rank == 0 {
						right++
					}
				}
			}
			pt := CoveragePoint{Threshold: cut, Coverage: answered / n}
			if answered > 0 {
				pt.Accuracy = right / answered
			}
			s.CoverageCurve = append(s.CoverageCurve, pt)
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
