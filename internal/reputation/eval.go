package reputation

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/spoor/spoor/internal/gbdt"
)

// EvalOptions configure Evaluate. Zero fields take the defaults noted.
type EvalOptions struct {
	Folds int // cross-validation folds (0 means 10)
	// Sample bounds the names of the cross-validation: every benign name
	// and malicious names drawn at random up to this total (0 means
	// 120,000). The hold-out uses all names.
	Sample int
	// KNNRefs is how many training names of each fold the nearest
	// neighbours search, half of each class (0 means 10,000); KNNQueries
	// about how many test names of each class it scores, drawn at random
	// (0 means 1,000), since it is slow.
	KNNRefs, KNNQueries int
	// LongTail are benign names outside every popularity list, for the
	// false-positive rate off the popular names.
	LongTail []string
	// NoHoldout skips the 80/20 hold-out (tests use it).
	NoHoldout bool
	Train     TrainOptions
	Seed      uint64
	Progress  func(stage string)
}

// Evaluation is what Evaluate measured.
type Evaluation struct {
	Data      DataSummary `json:"data"`
	TargetFPR float64     `json:"target_fpr"`
	TimeSplit string      `json:"time_split"`
	LongTail  int         `json:"long_tail_names"`
	Splits    []Split     `json:"splits"`
}

// Split is one way of cutting the data: "random" (names at random) or
// "family" (every malware family's names on one side).
type Split struct {
	Split   string   `json:"split"`
	CV      CV       `json:"cv"`
	Holdout *Holdout `json:"holdout,omitempty"`
}

// CV is the k-fold cross-validation of one split.
type CV struct {
	Folds  int       `json:"folds"`
	Mix    Mix       `json:"mix"` // of the whole sample; each test fold is about a k-th of it
	Models []CVModel `json:"models"`
}

// CVModel holds one model's figures over the folds: the five-number
// summary and mean (the box plot), and every fold's value.
type CVModel struct {
	Model           string    `json:"model"`
	F1              Summary   `json:"f1"`          // at the test fold's class mix
	F1Balanced      Summary   `json:"f1_balanced"` // at a 50/50 mix, from recall and FPR
	Recall          Summary   `json:"recall"`
	FPR             Summary   `json:"fpr"`
	CategoryMacroF1 *Summary  `json:"category_macro_f1,omitempty"`
	PerFold         []Figures `json:"per_fold"`
}

// Summary is the mean and five-number summary of values.
type Summary struct {
	Mean   float64 `json:"mean"`
	Min    float64 `json:"min"`
	Q1     float64 `json:"q1"`
	Median float64 `json:"median"`
	Q3     float64 `json:"q3"`
	Max    float64 `json:"max"`
}

// Figures are one model's binary figures on one test set.
type Figures struct {
	Test            Mix     `json:"test"`
	Recall          float64 `json:"recall"`
	FPR             float64 `json:"fpr"`
	Precision       float64 `json:"precision"`
	F1              float64 `json:"f1"`
	F1Balanced      float64 `json:"f1_balanced"`
	CategoryMacroF1 float64 `json:"category_macro_f1,omitempty"`
}

// Holdout is the 80/20 hold-out of one split.
type Holdout struct {
	Train  Mix            `json:"train"`
	Test   Mix            `json:"test"`
	Models []HoldoutModel `json:"models"`
	// Popular counts the test names on the training side's popularity
	// list, where the popularity rule would call them benign.
	PopularBenign    int              `json:"popular_benign"`
	PopularMalicious int              `json:"popular_malicious"`
	Whitelist        *WhitelistEffect `json:"whitelist,omitempty"`
}

// HoldoutModel is one model on the hold-out test set.
type HoldoutModel struct {
	Model string `json:"model"`
	Figures
	// Confusion is [truth][predicted] with 0 benign, 1 malicious.
	Confusion [2][2]int `json:"confusion"`
	// DetectedByCategory is the share of each category's malicious test
	// names called malicious.
	DetectedByCategory map[string]float64 `json:"detected_by_category"`
	// The category model on the malicious test names: [truth][predicted]
	// over Categories, its macro-F1 and per-category recall.
	CategoryConfusion [][]int            `json:"category_confusion,omitempty"`
	CategoryRecall    map[string]float64 `json:"category_recall,omitempty"`
	// On the long-tail benign names: the share called malicious, the
	// share called malicious or suspicious, and the F1 a 50/50 mix of the
	// malicious test names and long-tail names would give.
	LongTailFPR        float64 `json:"long_tail_fpr"`
	LongTailFlagged    float64 `json:"long_tail_flagged"`
	LongTailF1Balanced float64 `json:"long_tail_f1_balanced"`
}

// WhitelistEffect is what whitelisting the popularity list's registered
// domains (with their subdomains) does to the combined model on the
// hold-out: the false positives it saves and the recall it costs.
type WhitelistEffect struct {
	Entries              int     `json:"entries"`
	RecallWithout        float64 `json:"recall_without"`
	RecallWith           float64 `json:"recall_with"`
	MaliciousWhitelisted int     `json:"malicious_whitelisted"`
	LongTailFPRWithout   float64 `json:"long_tail_fpr_without"`
	LongTailFPRWith      float64 `json:"long_tail_fpr_with"`
	LongTailWhitelisted  int     `json:"long_tail_whitelisted"`
}

// Model names in the evaluation.
var evalModels = []string{"gbdt+rules", "gbdt", "rules", "tree", "knn"}

func (o EvalOptions) withDefaults() EvalOptions {
	if o.Folds == 0 {
		o.Folds = 10
	}
	if o.Sample == 0 {
		o.Sample = 120_000
	}
	if o.KNNRefs == 0 {
		o.KNNRefs = 10_000
	}
	if o.KNNQueries == 0 {
		o.KNNQueries = 1000
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	o.Train.Seed = o.Seed
	return o
}

// Evaluate measures the models on a random and a family split: k-fold
// cross-validation on a sample and an 80/20 hold-out on all names, with
// the long-tail names scored by each hold-out model. Thresholds are always
// chosen on the training side's validation names, never on a test set.
func Evaluate(exs []Example, sum DataSummary, opt EvalOptions) (*Evaluation, error) {
	opt = opt.withDefaults()
	ev := &Evaluation{Data: sum, TargetFPR: opt.Train.withDefaults().TargetFPR, LongTail: len(opt.LongTail),
		TimeSplit: "not possible: the labelled data has no dates (maltrail entries and the Tranco list carry none)"}
	var lt []Name
	for _, s := range opt.LongTail {
		if n, err := ParseName(s); err == nil {
			lt = append(lt, n)
		}
	}
	var binary []Example
	for _, ex := range exs {
		if !ex.Suspicious {
			binary = append(binary, ex)
		}
	}
	sample := sampleExamples(binary, opt.Sample, opt.Seed)
	for _, split := range []string{"random", "family"} {
		key := func(ex *Example) string {
			if split == "random" {
				return "d:" + ex.Name.Domain
			}
			return ex.group()
		}
		sp := Split{Split: split, CV: CV{Folds: opt.Folds}}
		for _, ex := range sample {
			sp.CV.Mix = addMix(sp.CV.Mix, ex.Malicious)
		}
		folds := make([][]Figures, len(evalModels))
		for f := range opt.Folds {
			opt.Progress(fmt.Sprintf("%s split, fold %d of %d", split, f+1, opt.Folds))
			var tr, te []Example
			for _, ex := range sample {
				if int(unitHash(key(&ex), opt.Seed^0xf01d)*float64(opt.Folds)) == f {
					te = append(te, ex)
				} else {
					tr = append(tr, ex)
				}
			}
			res, err := runFold(tr, te, nil, opt)
			if err != nil {
				return nil, fmt.Errorf("reputation: evaluate %s split, fold %d: %w", split, f+1, err)
			}
			for i := range evalModels {
				folds[i] = append(folds[i], res.models[i].Figures)
			}
		}
		for i, name := range evalModels {
			sp.CV.Models = append(sp.CV.Models, summarise(name, folds[i]))
		}
		if !opt.NoHoldout {
			opt.Progress(split + " split, 80/20 hold-out")
			var tr, te []Example
			for _, ex := range binary {
				if unitHash(key(&ex), opt.Seed^0x4010) < 0.2 {
					te = append(te, ex)
				} else {
					tr = append(tr, ex)
				}
			}
			res, err := runFold(tr, te, lt, opt)
			if err != nil {
				return nil, fmt.Errorf("reputation: evaluate %s split, hold-out: %w", split, err)
			}
			h := &Holdout{Models: res.models, Whitelist: res.whitelist, PopularBenign: res.popularBenign, PopularMalicious: res.popularMalicious}
			for _, ex := range tr {
				h.Train = addMix(h.Train, ex.Malicious)
			}
			for _, ex := range te {
				h.Test = addMix(h.Test, ex.Malicious)
			}
			sp.Holdout = h
		}
		ev.Splits = append(ev.Splits, sp)
	}
	return ev, nil
}

func addMix(m Mix, malicious bool) Mix {
	if malicious {
		m.Malicious++
	} else {
		m.Benign++
	}
	return m
}

// sampleExamples keeps every benign name and draws malicious ones so the
// total is at most n.
func sampleExamples(exs []Example, n int, seed uint64) []Example {
	var out, bad []Example
	for _, ex := range exs {
		if ex.Malicious {
			bad = append(bad, ex)
		} else {
			out = append(out, ex)
		}
	}
	room := max(n-len(out), 0)
	if len(bad) > room {
		rng := rand.New(rand.NewPCG(seed, 0x5a3))
		rng.Shuffle(len(bad), func(i, j int) { bad[i], bad[j] = bad[j], bad[i] })
		bad = bad[:room]
	}
	return append(out, bad...)
}

type foldResult struct {
	models                          []HoldoutModel
	whitelist                       *WhitelistEffect
	popularBenign, popularMalicious int
}

// runFold trains every model on tr and scores te (and the long-tail names
// lt, if any).
func runFold(tr, te []Example, lt []Name, opt EvalOptions) (*foldResult, error) {
	m, st, err := train(tr, opt.Train)
	if err != nil {
		return nil, err
	}
	k := len(Categories)
	// Baselines on the same training rows.
	ytr := make([]int, len(st.train))
	for i, ex := range st.train {
		ytr[i] = int(b2f(ex.Malicious))
	}
	// The neighbours' references are drawn evenly per class, so votes
	// count alike.
	even := []float64{1, 1}
	treeRows, treeYs := subsample(st.xtr, ytr, 200_000, opt.Seed)
	tree := trainCART(treeRows, treeYs, 2, classWeights(treeYs, 2), 12, 20)
	nn := newKNN(st.xtr, ytr, 2, 10, opt.KNNRefs, opt.Seed)
	var catRows [][]float64
	var catYs []int
	for i, ex := range st.train {
		if ex.Malicious {
			catRows, catYs = append(catRows, st.xtr[i]), append(catYs, ex.Category)
		}
	}
	catRows, catYs = subsample(catRows, catYs, 100_000, opt.Seed+1)
	catW := classWeights(catYs, k)
	catTree := trainCART(catRows, catYs, k, catW, 12, 20)
	catNN := newKNN(catRows, catYs, k, 10, opt.KNNRefs, opt.Seed+2)
	evenK := make([]float64, k)
	for c := range evenK {
		evenK[c] = 1
	}

	// Thresholds on the validation side's benign names.
	var vb [3][]float64 // gbdt alone, tree, knn
	for i, ex := range st.valid {
		if ex.Malicious {
			continue
		}
		x := st.xva[i]
		vb[0] = append(vb[0], m.binary.PredictRaw(x)[0])
		vb[1] = append(vb[1], tree.predict(x)[1])
		if len(vb[2]) < opt.KNNQueries*4 {
			vb[2] = append(vb[2], nn.predict(x, even)[1])
		}
	}
	thr := [3]float64{thresholdFor(vb[0], st.opt.TargetFPR), thresholdFor(vb[1], st.opt.TargetFPR), thresholdFor(vb[2], st.opt.TargetFPR)}

	// Scores: verdict per model per test name, category per model.
	teP := make([]*Example, len(te))
	for i := range te {
		teP[i] = &te[i]
	}
	xte, _ := m.lx.featureRows(teP)
	// The nearest neighbours score a random sample of about KNNQueries
	// test names per class (by a hash of the name, so it is the same for
	// every model run).
	var perClass [2]float64
	for _, ex := range teP {
		perClass[int(b2f(ex.Malicious))]++
	}
	res := &foldResult{}
	models := make([]HoldoutModel, len(evalModels))
	catConf := make([][][]int, len(evalModels))
	det := make([][]float64, len(evalModels)) // per category: detected count
	catN := make([][]float64, len(evalModels))
	for i := range models {
		models[i].Model = evalModels[i]
		det[i], catN[i] = make([]float64, k), make([]float64, k)
		if i != 2 {
			catConf[i] = make([][]int, k)
			for c := range catConf[i] {
				catConf[i][c] = make([]int, k)
			}
		}
	}
	for i, ex := range teP {
		x := xte[i]
		if _, ok := m.popularRank(ex.Name.Domain); ok {
			if ex.Malicious {
				res.popularMalicious++
			} else {
				res.popularBenign++
			}
		}
		z := m.binary.PredictRaw(x)[0]
		var ro float64
		susp := false
		for _, f := range rules(&ex.Name, x, m.lx.facts(&ex.Name), nil) {
			ro += f.logOdds
			susp = susp || f.suspicious
		}
		truth := int(b2f(ex.Malicious))
		var v [5]bool
		var scored [5]bool
		v[0], scored[0] = z+ro >= m.threshold, true
		v[1], scored[1] = z >= thr[0], true
		v[2], scored[2] = rulesFlag(ro, susp), true
		v[3], scored[3] = tree.predict(x)[1] >= thr[1], true
		if unitHash(ex.Name.Domain, opt.Seed^0x4b) < float64(opt.KNNQueries)/perClass[truth] {
			v[4], scored[4] = nn.predict(x, even)[1] >= thr[2], true
		}
		var cat [5]int
		if ex.Malicious {
			cat[0] = argmax(m.category.Predict(x))
			cat[1] = cat[0]
			cat[3] = argmax(catTree.predict(x))
			if scored[4] {
				cat[4] = argmax(catNN.predict(x, evenK))
			}
		}
		for j := range evalModels {
			if !scored[j] {
				continue
			}
			models[j].Confusion[truth][int(b2f(v[j]))]++
			if ex.Malicious {
				catN[j][ex.Category]++
				if v[j] {
					det[j][ex.Category]++
				}
				if catConf[j] != nil {
					catConf[j][ex.Category][cat[j]]++
				}
			}
		}
	}
	// Long-tail names.
	if len(lt) > 0 {
		ltX := make([]float64, numFeatures)
		for _, n := range lt {
			m.lx.features(&n, ltX)
			z := m.binary.PredictRaw(ltX)[0]
			var ro float64
			susp := false
			for _, f := range rules(&n, ltX, m.lx.facts(&n), nil) {
				ro += f.logOdds
				susp = susp || f.suspicious
			}
			flags := [5]bool{z+ro >= m.threshold, z >= thr[0], rulesFlag(ro, susp), tree.predict(ltX)[1] >= thr[1], nn.predict(ltX, even)[1] >= thr[2]}
			for j, bad := range flags {
				if bad {
					models[j].LongTailFPR++
				}
				if bad || (j == 0 || j == 2) && susp {
					models[j].LongTailFlagged++
				}
			}
		}
		for j := range models {
			models[j].LongTailFPR /= float64(len(lt))
			models[j].LongTailFlagged /= float64(len(lt))
		}
	}
	for j := range models {
		hm := &models[j]
		c := hm.Confusion
		hm.Test = Mix{Benign: c[0][0] + c[0][1], Malicious: c[1][0] + c[1][1]}
		hm.Figures = figures(c)
		if len(lt) > 0 {
			hm.LongTailF1Balanced = balancedF1(hm.Recall, hm.LongTailFPR)
		}
		hm.DetectedByCategory = map[string]float64{}
		for ci, name := range Categories {
			if catN[j][ci] > 0 {
				hm.DetectedByCategory[name] = det[j][ci] / catN[j][ci]
			}
		}
		if catConf[j] != nil {
			hm.CategoryConfusion = catConf[j]
			hm.CategoryMacroF1 = gbdt.MacroF1(catConf[j])
			hm.CategoryRecall = map[string]float64{}
			for ci, name := range Categories {
				var row int
				for _, v := range catConf[j][ci] {
					row += v
				}
				if row > 0 {
					hm.CategoryRecall[name] = float64(catConf[j][ci][ci]) / float64(row)
				}
			}
		}
	}
	res.models = models
	if len(lt) > 0 {
		res.whitelist = whitelistEffect(m, teP, lt)
	}
	return res, nil
}

// rulesFlag is the rules' verdict as a classifier: a name they would call
// suspicious or malicious without a model.
func rulesFlag(odds float64, suspicious bool) bool { return suspicious || odds >= 1 }

// whitelistEffect scores the test and long-tail names with and without a
// whitelist of the popularity list's registered domains.
func whitelistEffect(m *Model, te []*Example, lt []Name) *WhitelistEffect {
	regs := map[string]bool{}
	for d := range m.popular {
		if n, err := ParseName(d); err == nil {
			regs[n.Registered] = true
		}
	}
	wl := &Whitelist{entries: regs}
	plain := &Scorer{Model: m, NoPopular: true}
	with := &Scorer{Model: m, NoPopular: true, Whitelist: wl}
	eff := &WhitelistEffect{Entries: wl.Len()}
	var bad, hit0, hit1 float64
	for _, ex := range te {
		if !ex.Malicious {
			continue
		}
		bad++
		if plain.Score(ex.Name.Domain).Reputation == Malicious {
			hit0++
		}
		if _, ok := wl.Match(ex.Name.Domain); ok {
			eff.MaliciousWhitelisted++
		}
		if with.Score(ex.Name.Domain).Reputation == Malicious {
			hit1++
		}
	}
	eff.RecallWithout, eff.RecallWith = hit0/max(bad, 1), hit1/max(bad, 1)
	var fp0, fp1 float64
	for _, n := range lt {
		if plain.Score(n.Domain).Reputation == Malicious {
			fp0++
		}
		if _, ok := wl.Match(n.Domain); ok {
			eff.LongTailWhitelisted++
		}
		if with.Score(n.Domain).Reputation == Malicious {
			fp1++
		}
	}
	eff.LongTailFPRWithout, eff.LongTailFPRWith = fp0/float64(len(lt)), fp1/float64(len(lt))
	return eff
}

func classWeights(ys []int, k int) []float64 {
	n := make([]float64, k)
	for _, y := range ys {
		n[y]++
	}
	w := make([]float64, k)
	for c := range w {
		w[c] = float64(len(ys)) / (float64(k) * max(n[c], 1))
	}
	return w
}

func subsample(xs [][]float64, ys []int, n int, seed uint64) ([][]float64, []int) {
	if len(xs) <= n {
		return xs, ys
	}
	idx := rand.New(rand.NewPCG(seed, 0x5b5)).Perm(len(xs))[:n]
	slices.Sort(idx)
	ox, oy := make([][]float64, n), make([]int, n)
	for i, j := range idx {
		ox[i], oy[i] = xs[j], ys[j]
	}
	return ox, oy
}

// figures computes the binary figures of a confusion matrix.
func figures(c [2][2]int) Figures {
	tn, fp, fn, tp := float64(c[0][0]), float64(c[0][1]), float64(c[1][0]), float64(c[1][1])
	f := Figures{Test: Mix{Benign: c[0][0] + c[0][1], Malicious: c[1][0] + c[1][1]}}
	if tp+fn > 0 {
		f.Recall = tp / (tp + fn)
	}
	if tn+fp > 0 {
		f.FPR = fp / (tn + fp)
	}
	if tp+fp > 0 {
		f.Precision = tp / (tp + fp)
	}
	if 2*tp+fp+fn > 0 {
		f.F1 = 2 * tp / (2*tp + fp + fn)
	}
	f.F1Balanced = balancedF1(f.Recall, f.FPR)
	return f
}

// balancedF1 is the F1 at a 50/50 class mix given recall and false-positive
// rate: precision there is recall / (recall + FPR). It makes sets of
// different mixes comparable.
func balancedF1(recall, fpr float64) float64 {
	if recall == 0 {
		return 0
	}
	p := recall / (recall + fpr)
	return 2 * p * recall / (p + recall)
}

func summarise(name string, folds []Figures) CVModel {
	cv := CVModel{Model: name, PerFold: folds}
	get := func(f func(Figures) float64) Summary {
		v := make([]float64, len(folds))
		for i, x := range folds {
			v[i] = f(x)
		}
		return summary(v)
	}
	cv.F1 = get(func(f Figures) float64 { return f.F1 })
	cv.F1Balanced = get(func(f Figures) float64 { return f.F1Balanced })
	cv.Recall = get(func(f Figures) float64 { return f.Recall })
	cv.FPR = get(func(f Figures) float64 { return f.FPR })
	if name != "rules" {
		s := get(func(f Figures) float64 { return f.CategoryMacroF1 })
		cv.CategoryMacroF1 = &s
	}
	return cv
}

// summary is the mean and the five-number summary (quartiles by linear
// interpolation between order statistics).
func summary(v []float64) Summary {
	if len(v) == 0 {
		return Summary{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	q := func(p float64) float64 {
		h := p * float64(len(s)-1)
		lo := int(math.Floor(h))
		hi := min(lo+1, len(s)-1)
		return s[lo] + (h-float64(lo))*(s[hi]-s[lo])
	}
	var mean float64
	for _, x := range s {
		mean += x
	}
	return Summary{Mean: mean / float64(len(s)), Min: s[0], Q1: q(0.25), Median: q(0.5), Q3: q(0.75), Max: s[len(s)-1]}
}

// String names a summary briefly: mean and quartiles.
func (s Summary) String() string {
	return fmt.Sprintf("%.3f [%.3f %.3f %.3f]", s.Mean, s.Q1, s.Median, s.Q3)
}
