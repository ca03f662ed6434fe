package threat

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// The models compared.
const (
	ModelMajority = "majority"
	ModelLinear   = "linear"
	ModelFastText = "fasttext"
	// ModelRules is KindByRules, a second baseline for kind only.
	ModelRules = "rules"
)

// Options configure evaluation and training.
type Options struct {
	Folds int    `json:"folds"`
	Seed  uint64 `json:"seed"`
	// MinClass is the number of examples a label needs to be a class; the
	// examples of rarer labels are left out of that target (and counted).
	MinClass int             `json:"min_class"`
	Linear   LinearOptions   `json:"linear"`
	FastText FastTextOptions `json:"fasttext"`
}

// DefaultOptions are the settings the shipped model was trained with.
func DefaultOptions() Options {
	return Options{Folds: 5, Seed: 1, MinClass: 3,
		Linear:   LinearOptions{Epochs: 10, Seed: 1},
		FastText: FastTextOptions{Dim: 16, Epochs: 100, Rate: 1.5, Seed: 1}}
}

// Score is one model on one target, over the pooled predictions of every
// fold.
type Score struct {
	Target   Target  `json:"target"`
	Model    string  `json:"model"`
	Examples int     `json:"examples"`
	Classes  int     `json:"classes"`
	Accuracy float64 `json:"accuracy"`
	// MacroF1 averages the F1 of every class that is gold or predicted.
	MacroF1 float64 `json:"macro_f1"`
	// AnyLabel counts a prediction right when it is any of the thread's
	// labels, not only its first (threads have several techniques).
	AnyLabel float64 `json:"any_label_accuracy"`
	// Temperature is the softmax temperature of the least out-of-fold log
	// loss (LogLoss), which the trained model's scores then use.
	Temperature float64 `json:"temperature,omitempty"`
	LogLoss     float64 `json:"log_loss,omitempty"`
}

// Evaluation is the cross-validation table.
type Evaluation struct {
	Options Options `json:"options"`
	Rows    []Score `json:"rows"`
	// Left out per target: examples whose label has fewer than MinClass
	// examples.
	Dropped map[Target]int `json:"dropped"`
}

// Temperature returns the calibrated temperature of model on t (1 when
// the evaluation has none).
func (ev *Evaluation) Temperature(t Target, model string) float64 {
	for _, r := range ev.Rows {
		if r.Target == t && r.Model == model && r.Temperature > 0 {
			return r.Temperature
		}
	}
	return 1
}

// Best returns the model with the higher macro-F1 on target (linear on a
// tie), never the baseline.
func (ev *Evaluation) Best(t Target) string {
	var lin, ft float64
	for _, r := range ev.Rows {
		if r.Target == t && r.Model == ModelLinear {
			lin = r.MacroF1
		}
		if r.Target == t && r.Model == ModelFastText {
			ft = r.MacroF1
		}
	}
	if ft > lin {
		return ModelFastText
	}
	return ModelLinear
}

// GroupFolds assigns each example to one of k folds by its group: groups
// are shuffled with seed and dealt to the fold with the fewest examples so
// far, so the folds are even and a group is never split.
func GroupFolds(groups []int, k int, seed uint64) []int {
	size := map[int]int{}
	var ids []int
	for _, g := range groups {
		if size[g] == 0 {
			ids = append(ids, g)
		}
		size[g]++
	}
	sort.Ints(ids)
	rng := rand.New(rand.NewPCG(seed, 0xf01d))
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	load := make([]int, k)
	foldOf := map[int]int{}
	for _, g := range ids {
		best := 0
		for f := range load {
			if load[f] < load[best] {
				best = f
			}
		}
		foldOf[g] = best
		load[best] += size[g]
	}
	out := make([]int, len(groups))
	for i, g := range groups {
		out[i] = foldOf[g]
	}
	return out
}

// usable keeps the examples whose label has at least min examples.
func usable(xs []Labelled, min int) (kept []Labelled, dropped int) {
	n := map[string]int{}
	for _, x := range xs {
		n[x.Label]++
	}
	for _, x := range xs {
		if n[x.Label] >= min {
			kept = append(kept, x)
		} else {
			dropped++
		}
	}
	return kept, dropped
}

// classIndex numbers the labels of xs, sorted.
func classIndex(xs []Labelled) ([]string, map[string]int) {
	idx := map[string]int{}
	for _, x := range xs {
		idx[x.Label] = 0
	}
	classes := make([]string, 0, len(idx))
	for l := range idx {
		classes = append(classes, l)
	}
	sort.Strings(classes)
	for i, l := range classes {
		idx[l] = i
	}
	return classes, idx
}

// Evaluate cross-validates the majority baseline, the linear model and the
// fastText model on every target with labels, on folds that keep each
// group (a thread, with the threads sharing its title) on one side.
func Evaluate(ds *Dataset, opt Options) (*Evaluation, error) {
	if opt.Folds < 2 {
		return nil, fmt.Errorf("threat: evaluate: %d folds, want at least 2", opt.Folds)
	}
	ev := &Evaluation{Options: opt, Dropped: map[Target]int{}}
	for _, t := range Targets {
		xs, dropped := usable(ds.For(t), opt.MinClass)
		ev.Dropped[t] = dropped
		classes, idx := classIndex(xs)
		if len(classes) < 2 {
			continue
		}
		groups := make([]int, len(xs))
		feats := make([][]uint32, len(xs))
		ys := make([]int, len(xs))
		for i, x := range xs {
			groups[i], feats[i], ys[i] = x.Group, Features(x.Text), idx[x.Label]
		}
		folds := GroupFolds(groups, opt.Folds, opt.Seed)
		preds := map[string][]int{}
		margins := map[string][][]float64{ModelLinear: make([][]float64, len(xs)), ModelFastText: make([][]float64, len(xs))}
		for f := 0; f < opt.Folds; f++ {
			var trX [][]uint32
			var trY, test []int
			for i := range xs {
				if folds[i] == f {
					test = append(test, i)
				} else {
					trX, trY = append(trX, feats[i]), append(trY, ys[i])
				}
			}
			if len(test) == 0 || len(trX) == 0 {
				continue
			}
			maj := majority(trY, len(classes))
			lin := trainLinear(trX, trY, len(classes), opt.Linear)
			ft := trainFastText(trX, trY, len(classes), opt.FastText)
			for _, i := range test {
				margins[ModelLinear][i] = lin.margins(feats[i])
				margins[ModelFastText][i] = ft.margins(feats[i])
				for _, m := range []struct {
					name string
					p    int
				}{{ModelMajority, maj}, {ModelLinear, argmax(margins[ModelLinear][i])}, {ModelFastText, argmax(margins[ModelFastText][i])}} {
					if preds[m.name] == nil {
						preds[m.name] = make([]int, len(xs))
					}
					preds[m.name][i] = m.p
				}
			}
		}
		names := []string{ModelMajority, ModelLinear, ModelFastText}
		if t == TargetKind {
			names = append(names, ModelRules)
			preds[ModelRules] = make([]int, len(xs))
			for i, x := range xs {
				k, ok := idx[KindByRules(x.Text)]
				if !ok {
					k = idx["discussion"]
				}
				preds[ModelRules][i] = k
			}
		}
		for _, name := range names {
			s := score(t, name, xs, classes, ys, preds[name])
			if ms := margins[name]; ms != nil {
				s.Temperature, s.LogLoss = fitTemperature(ms, ys)
				s.LogLoss = math.Round(s.LogLoss*1000) / 1000
			}
			ev.Rows = append(ev.Rows, s)
		}
	}
	return ev, nil
}

func majority(ys []int, classes int) int {
	n := make([]int, classes)
	for _, y := range ys {
		n[y]++
	}
	best := 0
	for k, c := range n {
		if c > n[best] {
			best = k
		}
	}
	return best
}

func score(t Target, model string, xs []Labelled, classes []string, ys, pred []int) Score {
	s := Score{Target: t, Model: model, Examples: len(xs), Classes: len(classes)}
	tp, fp, fn := make([]int, len(classes)), make([]int, len(classes)), make([]int, len(classes))
	right, any := 0, 0
	for i := range xs {
		p := pred[i]
		if p == ys[i] {
			right++
			tp[p]++
		} else {
			fp[p]++
			fn[ys[i]]++
		}
		for _, g := range xs[i].Gold {
			if g == classes[p] {
				any++
				break
			}
		}
	}
	f1, n := 0.0, 0
	for k := range classes {
		if tp[k]+fp[k]+fn[k] == 0 {
			continue
		}
		n++
		f1 += 2 * float64(tp[k]) / float64(2*tp[k]+fp[k]+fn[k])
	}
	if len(xs) > 0 {
		s.Accuracy = float64(right) / float64(len(xs))
		s.AnyLabel = float64(any) / float64(len(xs))
	}
	if n > 0 {
		s.MacroF1 = f1 / float64(n)
	}
	return s
}
