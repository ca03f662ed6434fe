package reputation

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/spoor/spoor/internal/gbdt"
)

// TrainOptions configure Train. Zero fields take the defaults noted.
type TrainOptions struct {
	// TargetFPR is the false-positive rate the threshold is chosen for on
	// the validation side (0 means 0.02).
	TargetFPR float64
	// ValidShare is the share of families (and of benign names) held out
	// to choose the threshold (0 means 0.1).
	ValidShare float64
	Seed       uint64
	// Rounds is the binary model's boosting rounds (0 means 80) and
	// CategoryRounds bounds the category model's (0 means 12), which stops
	// early on held-out names of the training families. The binary model
	// does not stop early: on unseen families its validation loss turns
	// after a dozen rounds while recall at the threshold still grows, and
	// tomorrow's names are mostly new names of known families.
	Rounds, CategoryRounds int
	// Leaves bounds each tree's leaves (0 means 63). Few, large trees keep
	// scoring fast: a name costs about 60 ns per tree it passes.
	Leaves int
	// MaxCategory bounds the malicious names the category model trains on,
	// drawn at random (0 means 200,000).
	MaxCategory int
	// Brands is how many of the most popular names lend their label to the
	// look-alike check (0 means 1,000).
	Brands int
	// FamilyCap bounds the names of one family among the binary model's
	// training rows (0: no bound), drawn at random: a handful of families
	// hold most block-list names, and a model fitted to their spelling
	// learns less that carries over to families it has not seen.
	FamilyCap int
	Threads   int
	// Progress, if set, is told each stage as it starts.
	Progress func(stage string)
}

func (o TrainOptions) withDefaults() TrainOptions {
	if o.TargetFPR == 0 {
		o.TargetFPR = 0.02
	}
	if o.ValidShare == 0 {
		o.ValidShare = 0.1
	}
	if o.Rounds == 0 {
		o.Rounds = 80
	}
	if o.CategoryRounds == 0 {
		o.CategoryRounds = 12
	}
	if o.Leaves == 0 {
		o.Leaves = 63
	}
	if o.MaxCategory == 0 {
		o.MaxCategory = 200_000
	}
	if o.Brands == 0 {
		o.Brands = 1000
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	return o
}

// Version names the feature set and rules; a model records it.
const Version = "reputation-1"

// crossFolds is how many parts the training names are cut into so that
// each part's features come from language models and suffix counts that
// did not see it.
const crossFolds = 5

// Train fits a model on the malicious and benign examples (suspicious ones
// are left out: the data calls them neither). A share of families is held
// out as the validation side, on which boosting stops and the threshold
// for the target false-positive rate is chosen.
func Train(exs []Example, opt TrainOptions) (*Model, error) {
	m, _, err := train(exs, opt)
	return m, err
}

// trained is what training leaves besides the model, for the evaluation:
// both sides' examples and feature rows (the training rows' from the
// cross-fitted lexicons).
type trained struct {
	train, valid []*Example
	xtr, xva     [][]float64
	opt          TrainOptions
}

func train(exs []Example, opt TrainOptions) (*Model, *trained, error) {
	opt = opt.withDefaults()
	if !(opt.TargetFPR > 0 && opt.TargetFPR < 1) {
		return nil, nil, fmt.Errorf("reputation: train: target false-positive rate %v is not in (0, 1)", opt.TargetFPR)
	}
	train, valid := splitValid(exs, opt.ValidShare, opt.Seed)
	m := &Model{}
	m.Info.Version = Version
	m.Info.TargetFPR = opt.TargetFPR
	m.Info.Train, m.Info.Valid = mixOf(train), mixOf(valid)
	if m.Info.Train.Benign == 0 || m.Info.Train.Malicious == 0 || m.Info.Valid.Benign == 0 || m.Info.Valid.Malicious == 0 {
		return nil, nil, fmt.Errorf("reputation: train: need benign and malicious names on both sides, have %+v for training and %+v for validation",
			m.Info.Train, m.Info.Valid)
	}

	opt.Progress("popularity list and brands")
	m.popular = map[string]int{}
	for _, ex := range exs {
		if ex.Rank > 0 && !ex.Malicious && !ex.Suspicious {
			m.popular[ex.Name.Domain] = ex.Rank
		}
	}
	brands := brandLabels(m.popular, opt.Brands)
	m.Info.Popular, m.Info.Brands = len(m.popular), len(brands)

	opt.Progress("language models")
	lexFolds := fitLexicons(train, brands, opt.Seed)
	m.lx = lexFolds[crossFolds]

	opt.Progress("features")
	xtr := make([][]float64, len(train))
	ytr := make([]float64, len(train))
	flat := make([]float64, len(train)*numFeatures)
	for i, ex := range train {
		x := flat[i*numFeatures : (i+1)*numFeatures : (i+1)*numFeatures]
		lx := &lexFolds[crossPart(ex, opt.Seed)]
		lx.features(&ex.Name, x)
		xtr[i], ytr[i] = x, b2f(ex.Malicious)
	}
	xva, yva := m.lx.featureRows(valid)

	opt.Progress("binary model")
	btr, bytr := capFamilies(train, xtr, ytr, opt.FamilyCap, opt.Seed)
	dtr, err := gbdt.NewDataset(btr, bytr)
	if err != nil {
		return nil, nil, err
	}
	dva, err := gbdt.NewDataset(xva, yva)
	if err != nil {
		return nil, nil, err
	}
	p := gbdt.DefaultParams(gbdt.Binary, 2)
	p.NumRounds, p.NumLeaves, p.LearningRate, p.MinDataInLeaf = opt.Rounds, opt.Leaves, 0.2, 50
	p.NumThreads, p.Seed = opt.Threads, opt.Seed
	var nmal float64
	for _, y := range bytr {
		nmal += y
	}
	p.ClassWeights = []float64{nmal / float64(m.Info.Train.Benign), 1}
	if m.binary, err = gbdt.Train(p, dtr, dva); err != nil {
		return nil, nil, fmt.Errorf("reputation: train binary model: %w", err)
	}
	m.Info.BinaryTrees = m.binary.NumTrees()

	opt.Progress("category model")
	if m.category, m.Info.CategoryMacroF1, err = trainCategory(train, xtr, opt); err != nil {
		return nil, nil, err
	}
	m.Info.CategoryTrees = m.category.NumTrees()

	opt.Progress("threshold")
	total := m.totals(valid, xva)
	var benign, bad []float64
	for i, ex := range valid {
		if ex.Malicious {
			bad = append(bad, total[i])
		} else {
			benign = append(benign, total[i])
		}
	}
	m.threshold = thresholdFor(benign, opt.TargetFPR)
	m.Info.Threshold = m.threshold
	m.Info.ValidFPR = shareAtLeast(benign, m.threshold)
	m.Info.ValidRecall = shareAtLeast(bad, m.threshold)
	return m, &trained{train: train, valid: valid, xtr: xtr, xva: xva, opt: opt}, nil
}

func mixOf(exs []*Example) Mix {
	var m Mix
	for _, ex := range exs {
		if ex.Malicious {
			m.Malicious++
		} else {
			m.Benign++
		}
	}
	return m
}

// brandLabels returns the registered labels of the n most popular names.
func brandLabels(popular map[string]int, n int) []string {
	type pr struct {
		d string
		r int
	}
	var all []pr
	for d, r := range popular {
		all = append(all, pr{d, r})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].r < all[j].r || all[i].r == all[j].r && all[i].d < all[j].d })
	var out []string
	seen := map[string]bool{}
	for _, p := range all {
		if len(out) == n {
			break
		}
		nm, err := ParseName(p.d)
		if err != nil || len(nm.Label) < minBrandLen || seen[nm.Label] {
			continue
		}
		seen[nm.Label] = true
		out = append(out, nm.Label)
	}
	return out
}

// splitValid holds out whole families until they make up about share of
// the malicious names, and a share of the benign names (which have no
// family) at random. Families larger than a quarter of the held-out share
// stay in training where smaller ones can fill it: one of them alone would
// make the validation side one family.
func splitValid(exs []Example, share float64, seed uint64) (train, valid []*Example) {
	size := map[string]int{}
	nMal := 0
	for i := range exs {
		if exs[i].Malicious {
			size[exs[i].Family]++
			nMal++
		}
	}
	fams := make([]string, 0, len(size))
	for f := range size {
		fams = append(fams, f)
	}
	sort.Slice(fams, func(i, j int) bool {
		return unitHash(fams[i], seed^0x7a11d) < unitHash(fams[j], seed^0x7a11d)
	})
	held := map[string]bool{}
	want, got := share*float64(nMal), 0.0
	// A second pass takes families up to the whole share, for data with
	// few families.
	for _, limit := range []float64{want / 4, want} {
		for _, f := range fams {
			if got >= want {
				break
			}
			if n := float64(size[f]); n <= limit && !held[f] {
				held[f] = true
				got += n
			}
		}
	}
	for i := range exs {
		ex := &exs[i]
		switch {
		case ex.Suspicious:
			continue
		case ex.Malicious && held[ex.Family], !ex.Malicious && unitHash(ex.Name.Domain, seed^0x7a11d) < share:
			valid = append(valid, ex)
		default:
			train = append(train, ex)
		}
	}
	return train, valid
}

// fitLexicons counts the training names once per cross part and returns
// crossFolds+1 lexicons: lexicon k has seen every part but k, the last
// has seen all.
func fitLexicons(train []*Example, brands []string, seed uint64) []lexicon {
	type counts struct {
		ben, mal *lmCounter
		suf      *suffixCounter
	}
	parts := make([]counts, crossFolds)
	for k := range parts {
		parts[k] = counts{newLMCounter(), newLMCounter(), newSuffixCounter()}
	}
	for _, ex := range train {
		c := parts[crossPart(ex, seed)]
		if ex.Malicious {
			c.mal.add(ex.Name.Label, 1)
		} else {
			c.ben.add(ex.Name.Label, 1)
		}
		c.suf.add(ex.Name.ICANNSuffix, ex.Malicious)
	}
	bi := newBrandIndex(brands)
	out := make([]lexicon, crossFolds+1)
	for k := 0; k <= crossFolds; k++ {
		ben, mal, suf := newLMCounter(), newLMCounter(), newSuffixCounter()
		for j, c := range parts {
			if j == k {
				continue
			}
			addCounts(ben.c3, c.ben.c3)
			addCounts(mal.c3, c.mal.c3)
			for s, v := range c.suf.benign {
				suf.benign[s] += v
			}
			for s, v := range c.suf.malicious {
				suf.malicious[s] += v
			}
			suf.nb += c.suf.nb
			suf.nm += c.suf.nm
		}
		lx := lexicon{benign: ben.model().roundTrip(), malicious: mal.model().roundTrip(), brands: bi}
		lx.suffixRatio, lx.suffixUnseen = suf.ratios()
		out[k] = lx
	}
	return out
}

func addCounts(dst, src []float64) {
	for i, v := range src {
		dst[i] += v
	}
}

// crossPart is the cross part of a training name, by a hash of the name.
func crossPart(ex *Example, seed uint64) int {
	return int(unitHash(ex.Name.Domain, seed^0xc055) * crossFolds)
}

// featureRows computes the feature rows and binary labels of examples.
func (lx *lexicon) featureRows(exs []*Example) ([][]float64, []float64) {
	rows := make([][]float64, len(exs))
	ys := make([]float64, len(exs))
	flat := make([]float64, len(exs)*numFeatures)
	for i, ex := range exs {
		x := flat[i*numFeatures : (i+1)*numFeatures : (i+1)*numFeatures]
		lx.features(&ex.Name, x)
		rows[i], ys[i] = x, b2f(ex.Malicious)
	}
	return rows, ys
}

// totals are the model's log-odds plus the expert rules' for each example
// (no whitelist, no popularity rule).
func (m *Model) totals(exs []*Example, xs [][]float64) []float64 {
	out := make([]float64, len(exs))
	for i, ex := range exs {
		z := m.binary.PredictRaw(xs[i])[0]
		for _, f := range rules(&ex.Name, xs[i], m.lx.facts(&ex.Name), nil) {
			z += f.logOdds
		}
		out[i] = z
	}
	return out
}

func trainCategory(train []*Example, xtr [][]float64, opt TrainOptions) (*gbdt.Model, float64, error) {
	pick := func(exs []*Example, xs [][]float64, limit int, seed uint64) ([][]float64, []float64) {
		var idx []int
		for i, ex := range exs {
			if ex.Malicious {
				idx = append(idx, i)
			}
		}
		if len(idx) > limit {
			rng := rand.New(rand.NewPCG(seed, 0xca7))
			rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
			idx = idx[:limit]
			slices.Sort(idx)
		}
		rows := make([][]float64, len(idx))
		ys := make([]float64, len(idx))
		for k, i := range idx {
			rows[k], ys[k] = xs[i], float64(exs[i].Category)
		}
		return rows, ys
	}
	// The category is told by family likeness: new names of known
	// families are what it must get right, so boosting stops on names of
	// the training families held out at random (one in ten), not on the
	// unseen families of the binary model's validation side.
	var inTrain, inValid []*Example
	var xIn, xOut [][]float64
	for i, ex := range train {
		if unitHash(ex.Name.Domain, opt.Seed^0xca7) < 0.1 {
			inValid, xOut = append(inValid, ex), append(xOut, xtr[i])
		} else {
			inTrain, xIn = append(inTrain, ex), append(xIn, xtr[i])
		}
	}
	rtr, ctr := pick(inTrain, xIn, opt.MaxCategory, opt.Seed)
	rva, cva := pick(inValid, xOut, opt.MaxCategory/4, opt.Seed+1)
	if len(rtr) == 0 || len(rva) == 0 {
		return nil, 0, errors.New("reputation: train category model: no malicious names")
	}
	// Balanced class weights, so the rare categories count for macro-F1.
	counts := make([]float64, len(Categories))
	for _, c := range ctr {
		counts[int(c)]++
	}
	w := make([]float64, len(Categories))
	for c := range w {
		w[c] = float64(len(ctr)) / (float64(len(Categories)) * max(counts[c], 1))
	}
	dtr, err := gbdt.NewDataset(rtr, ctr)
	if err != nil {
		return nil, 0, err
	}
	dva, err := gbdt.NewDataset(rva, cva)
	if err != nil {
		return nil, 0, err
	}
	p := gbdt.DefaultParams(gbdt.Multiclass, len(Categories))
	p.NumRounds, p.NumLeaves, p.LearningRate, p.MinDataInLeaf = opt.CategoryRounds, opt.Leaves, 0.4, 50
	p.EarlyStoppingRounds, p.NumThreads, p.Seed, p.ClassWeights = 10, opt.Threads, opt.Seed, w
	cm, err := gbdt.Train(p, dtr, dva)
	if err != nil {
		return nil, 0, fmt.Errorf("reputation: train category model: %w", err)
	}
	labels := make([]int, len(cva))
	for i, c := range cva {
		labels[i] = int(c)
	}
	conf := gbdt.ConfusionMatrix(labels, cm.PredictBatch(dva, opt.Threads), len(Categories))
	return cm, gbdt.MacroF1(conf), nil
}

// thresholdFor returns the least threshold at which at most a share fpr of
// the benign scores reach it.
func thresholdFor(benign []float64, fpr float64) float64 {
	s := slices.Clone(benign)
	slices.Sort(s)
	k := int(math.Floor(fpr * float64(len(s)))) // benign names allowed at or above
	if k >= len(s) {
		return math.Inf(-1)
	}
	return math.Nextafter(s[len(s)-k-1], math.Inf(1))
}

func shareAtLeast(v []float64, t float64) float64 {
	if len(v) == 0 {
		return 0
	}
	n := 0
	for _, x := range v {
		if x >= t {
			n++
		}
	}
	return float64(n) / float64(len(v))
}

// unitHash maps a key to [0, 1) with FNV-1a and a seed.
func unitHash(key string, seed uint64) float64 {
	h := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(seed >> (8 * i))
	}
	h.Write(b[:])
	h.Write([]byte(key))
	// Finalise with a mixer so nearby keys spread.
	x := h.Sum64()
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return float64(x>>11) / float64(1<<53)
}

// capFamilies keeps at most limit rows of each family (all when limit is
// 0), chosen by a hash of the name and seed so the draw is the same on
// every run; benign rows are all kept.
func capFamilies(exs []*Example, x [][]float64, y []float64, limit int, seed uint64) ([][]float64, []float64) {
	if limit <= 0 {
		return x, y
	}
	byFamily := map[string][]int{}
	for i, ex := range exs {
		if ex.Family != "" {
			byFamily[ex.Family] = append(byFamily[ex.Family], i)
		}
	}
	drop := make([]bool, len(exs))
	for _, idx := range byFamily {
		if len(idx) <= limit {
			continue
		}
		sort.Slice(idx, func(a, b int) bool {
			return nameHash(exs[idx[a]].Name.Domain, seed) < nameHash(exs[idx[b]].Name.Domain, seed)
		})
		for _, i := range idx[limit:] {
			drop[i] = true
		}
	}
	ox, oy := make([][]float64, 0, len(x)), make([]float64, 0, len(y))
	for i := range x {
		if !drop[i] {
			ox, oy = append(ox, x[i]), append(oy, y[i])
		}
	}
	return ox, oy
}

// nameHash is FNV-1a of a name and a seed.
func nameHash(s string, seed uint64) uint64 {
	h := uint64(14695981039346656037) ^ seed
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
