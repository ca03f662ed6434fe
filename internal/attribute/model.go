package attribute

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/gbdt"
)

// Model ranks the encoder's classes for an encoded event.
type Model interface {
	Name() string
	// Predict returns one probability per class of the encoder.
	Predict(fs []Feature) []float64
}

// Options tune training. The zero value is not usable; start from
// DefaultOptions.
type Options struct {
	// MinEvents is how many training events a group needs to be a class.
	MinEvents int
	// GBDT are the tree parameters; Objective and NumClass are set by
	// TrainGBDT.
	GBDT gbdt.Params
	// Tactics, when set, lets techniques light their tactics (the store's
	// ATT&CK objects give them); it is saved with the encoder, not here.
	Tactics Tactics `json:"-"`
	// ValidShare is the share of training split keys held out for early
	// stopping.
	ValidShare float64
	Seed       uint64
}

// DefaultOptions are small trees, many rounds and early stopping: the
// data are a few thousand sparse rows over a hundred-odd classes.
func DefaultOptions() Options {
	p := gbdt.DefaultParams(gbdt.Multiclass, 2)
	p.NumRounds = 300
	p.NumLeaves = 8
	p.MaxDepth = 4
	p.LearningRate = 0.1
	p.MinDataInLeaf = 2
	p.MinSumHessianInLeaf = 1e-3
	p.LambdaL2 = 1
	p.FeatureFraction = 0.8
	p.EarlyStoppingRounds = 20
	p.Seed = 1
	return Options{MinEvents: 3, GBDT: p, ValidShare: 0.15, Seed: 1}
}

// GBDT is the gradient-boosted-tree model over the encoder's features.
type GBDT struct {
	Enc   *Encoder
	Model *gbdt.Model
	// Pool, when set (FitPooling), blends the trees with the nearest
	// fingerprint and calibrates them in Probabilities; Predict is the
	// trees alone.
	Pool *Pooling
}

// Name implements Model.
func (m *GBDT) Name() string { return "gbdt" }

// Predict implements Model.
func (m *GBDT) Predict(fs []Feature) []float64 {
	return m.Model.Predict(dense(fs, make([]float64, m.Enc.NumFeatures())))
}

// Contribution is how much one feature moved a class's raw score. A
// feature the event lacks can move it too (its absence is evidence):
// Present tells which.
type Contribution struct {
	Feature string  `json:"feature"`
	Value   float64 `json:"value"`
	Present bool    `json:"present"`
	// GroupID is set on a feature that compares the event with one group
	// (its known indicators, its activity hours): that group.
	GroupID int64 `json:"group_id,omitempty"`
}

// Explain returns the features that moved class c the most (TreeSHAP), at
// most n, largest absolute contribution first.
func (m *GBDT) Explain(fs []Feature, c, n int) []Contribution {
	row := dense(fs, make([]float64, m.Enc.NumFeatures()))
	contrib := m.Model.ClassContributions(row, c)
	var out []Contribution
	for i, v := range contrib[:len(contrib)-1] { // the last is the bias
		if v != 0 {
			ct := Contribution{Feature: m.Enc.Names[i], Value: v, Present: row[i] != 0}
			ct.GroupID = m.Enc.groupOf(i)
			out = append(out, ct)
		}
	}
	slices.SortFunc(out, func(a, b Contribution) int { return cmp.Compare(math.Abs(b.Value), math.Abs(a.Value)) })
	return out[:min(n, len(out))]
}

// TrainGBDT trains the multiclass trees on the encoder's classes, with
// balanced class weights (so that the groups with most reports do not
// swamp the rest) and early stopping on held-out split keys.
func TrainGBDT(enc *Encoder, train []Example, opt Options) (*GBDT, error) {
	k := len(enc.Classes)
	if k < 2 {
		return nil, fmt.Errorf("attribute: train: %d groups have %d or more events; at least 2 are needed", k, opt.MinEvents)
	}
	fit, valid := fitAndValid(enc, train, opt)
	ds, counts, err := dataset(enc, fit, true)
	if err != nil {
		return nil, err
	}
	p := opt.GBDT
	p.Objective, p.NumClass = gbdt.Multiclass, k
	p.ClassWeights = make([]float64, k)
	for c, n := range counts {
		p.ClassWeights[c] = 1 // a class whose rows all went to validation
		if n > 0 {
			p.ClassWeights[c] = math.Sqrt(float64(len(fit)) / float64(k*n))
		}
	}
	var vds *gbdt.Dataset
	if len(valid) > 0 {
		if vds, _, err = dataset(enc, valid, false); err != nil {
			return nil, err
		}
	} else {
		p.EarlyStoppingRounds = 0
	}
	model, err := gbdt.Train(p, ds, vds)
	if err != nil {
		return nil, fmt.Errorf("attribute: train: %w", err)
	}
	return &GBDT{Enc: enc, Model: model}, nil
}

// dataset encodes examples of known classes as a sparse gbdt dataset.
// Training rows leave themselves out of their group's known indicators.
func dataset(enc *Encoder, exs []Example, training bool) (*gbdt.Dataset, []int, error) {
	indptr := []int{0}
	var idx []int32
	var vals, labels []float64
	counts := make([]int, len(enc.Classes))
	for _, ex := range exs {
		c := enc.Class(ex.Group)
		own := -1
		if training {
			own = c
		}
		for _, f := range enc.encode(ex.Event, own) {
			idx = append(idx, f.Index)
			vals = append(vals, f.Value)
		}
		indptr = append(indptr, len(idx))
		labels = append(labels, float64(c))
		counts[c]++
	}
	if len(labels) == 0 {
		return nil, nil, fmt.Errorf("attribute: no training events of the %d groups", len(enc.Classes))
	}
	ds, err := gbdt.NewSparseDataset(enc.NumFeatures(), indptr, idx, vals, labels)
	if err != nil {
		return nil, nil, fmt.Errorf("attribute: %w", err)
	}
	return ds, counts, nil
}

// fitAndValid splits the training events of known classes into the ones
// the trees are fitted on and the held-out split keys (opt.ValidShare of
// them) that stop the boosting and fit the pooling.
func fitAndValid(enc *Encoder, train []Example, opt Options) (fit, valid []Example) {
	holdout := holdoutKeys(train, opt.ValidShare, opt.Seed)
	for _, ex := range train {
		if enc.Class(ex.Group) < 0 {
			continue
		}
		if holdout[ex.SplitKey] {
			valid = append(valid, ex)
		} else {
			fit = append(fit, ex)
		}
	}
	return fit, valid
}

// holdoutKeys picks about share of the split keys, at random.
func holdoutKeys(exs []Example, share float64, seed uint64) map[string]bool {
	keys := splitKeys(exs)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	out := map[string]bool{}
	for _, k := range keys[:int(share*float64(len(keys)))] {
		out[k] = true
	}
	return out
}

func splitKeys(exs []Example) []string {
	seen := map[string]bool{}
	var keys []string
	for _, ex := range exs {
		if !seen[ex.SplitKey] {
			seen[ex.SplitKey] = true
			keys = append(keys, ex.SplitKey)
		}
	}
	slices.Sort(keys)
	return keys
}

// NaiveBayes is Bernoulli naive Bayes over the same features, each taken
// as present or absent, with Laplace smoothing: the textbook baseline.
type NaiveBayes struct {
	logPrior []float64
	logP     [][]float64 // class → feature → log P(present | class)
	logQ     [][]float64 // class → feature → log P(absent | class)
	absent   []float64   // class → Σ logQ over all features
}

// Name implements Model.
func (m *NaiveBayes) Name() string { return "naive bayes" }

// TrainNaiveBayes counts feature presence per class.
func TrainNaiveBayes(enc *Encoder, train []Example) *NaiveBayes {
	k, nf := len(enc.Classes), enc.NumFeatures()
	count := make([][]float64, k)
	n := make([]float64, k)
	for c := range count {
		count[c] = make([]float64, nf)
	}
	total := 0.0
	for _, ex := range train {
		c := enc.Class(ex.Group)
		if c < 0 {
			continue
		}
		n[c]++
		total++
		for _, f := range enc.encodeTraining(ex.Event, c) {
			count[c][f.Index]++
		}
	}
	m := &NaiveBayes{logPrior: make([]float64, k), logP: make([][]float64, k), logQ: make([][]float64, k), absent: make([]float64, k)}
	for c := range count {
		m.logPrior[c] = math.Log((n[c] + 1) / (total + float64(k)))
		m.logP[c], m.logQ[c] = make([]float64, nf), make([]float64, nf)
		for f := range count[c] {
			p := (count[c][f] + 1) / (n[c] + 2)
			m.logP[c][f], m.logQ[c][f] = math.Log(p), math.Log(1-p)
			m.absent[c] += m.logQ[c][f]
		}
	}
	return m
}

// Predict implements Model.
func (m *NaiveBayes) Predict(fs []Feature) []float64 {
	scores := make([]float64, len(m.logPrior))
	for c := range scores {
		s := m.logPrior[c] + m.absent[c]
		for _, f := range fs {
			s += m.logP[c][f.Index] - m.logQ[c][f.Index]
		}
		scores[c] = s
	}
	return softmax(scores)
}

// Nearest ranks groups by the IDF-weighted overlap (weighted Jaccard) of
// the event's features with each group's fingerprint: the features of its
// training events. Its "probabilities" are the overlaps scaled to sum to
// one: a ranking, not a calibrated estimate.
type Nearest struct {
	name   string
	idf    []float64
	groups [][]bool
	total  []float64 // class → Σ idf of its features
}

// Name implements Model.
func (m *Nearest) Name() string { return m.name }

// TrainNearest builds each class's fingerprint.
func TrainNearest(enc *Encoder, train []Example) *Nearest {
	return trainNearest(enc, train, "nearest fingerprint", nil)
}

// TrainTechniqueJaccard is the plainest baseline: the group whose
// training events used the most of the event's techniques, by unweighted
// Jaccard over technique features only.
func TrainTechniqueJaccard(enc *Encoder, train []Example) *Nearest {
	return trainNearest(enc, train, "technique jaccard", func(f int) float64 {
		if strings.HasPrefix(enc.Names[f], "technique:") {
			return 1
		}
		return 0
	})
}

// trainNearest builds each class's fingerprint; weight, when not nil,
// replaces the IDF weight of each feature.
func trainNearest(enc *Encoder, train []Example, name string, weight func(f int) float64) *Nearest {
	k, nf := len(enc.Classes), enc.NumFeatures()
	m := &Nearest{name: name, idf: make([]float64, nf), groups: make([][]bool, k), total: make([]float64, k)}
	for c := range m.groups {
		m.groups[c] = make([]bool, nf)
	}
	for _, ex := range train {
		if c := enc.Class(ex.Group); c >= 0 {
			for _, f := range enc.encodeTraining(ex.Event, c) {
				m.groups[c][f.Index] = true
			}
		}
	}
	df := make([]int, nf)
	for c := range m.groups {
		for f, has := range m.groups[c] {
			if has {
				df[f]++
			}
		}
	}
	for f := range m.idf {
		if weight != nil {
			m.idf[f] = weight(f)
		} else {
			m.idf[f] = 1 + math.Log(float64(k+1)/float64(df[f]+1))
		}
	}
	for c := range m.groups {
		for f, has := range m.groups[c] {
			if has {
				m.total[c] += m.idf[f]
			}
		}
	}
	return m
}

// Predict implements Model.
func (m *Nearest) Predict(fs []Feature) []float64 {
	out := make([]float64, len(m.groups))
	event := 0.0
	for _, f := range fs {
		event += m.idf[f.Index]
	}
	sum := 0.0
	for c := range m.groups {
		inter := 0.0
		for _, f := range fs {
			if m.groups[c][f.Index] {
				inter += m.idf[f.Index]
			}
		}
		if union := m.total[c] + event - inter; union > 0 {
			out[c] = inter / union
		}
		sum += out[c]
	}
	if sum == 0 {
		for c := range out {
			out[c] = 1 / float64(len(out))
		}
		return out
	}
	for c := range out {
		out[c] /= sum
	}
	return out
}

// Majority predicts every event as the class prior of the training set:
// the floor any model must clear.
type Majority struct{ prior []float64 }

// Name implements Model.
func (m *Majority) Name() string { return "majority class" }

// TrainMajority counts the classes.
func TrainMajority(enc *Encoder, train []Example) *Majority {
	m := &Majority{prior: make([]float64, len(enc.Classes))}
	n := 0.0
	for _, ex := range train {
		if c := enc.Class(ex.Group); c >= 0 {
			m.prior[c]++
			n++
		}
	}
	for c := range m.prior {
		m.prior[c] /= max(n, 1)
	}
	return m
}

// Predict implements Model.
func (m *Majority) Predict([]Feature) []float64 { return slices.Clone(m.prior) }

func softmax(s []float64) []float64 {
	mx := slices.Max(s)
	out := make([]float64, len(s))
	sum := 0.0
	for i, v := range s {
		out[i] = math.Exp(v - mx)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}
