package nlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Labeller is a trained sequence labeller: an averaged structured
// perceptron over the features of features.go with first-order tag
// transitions, decoded by Viterbi under the BIO constraint (I-X follows
// B-X or I-X).
type Labeller struct {
	Info  ModelInfo
	Tags  []string // Tags[0] is "O"
	Gaz   *Gazetteer
	index map[uint64]int32 // feature hash → row
	w     []float32        // row*len(Tags) + tag
	trans []float32        // (prev+1)*len(Tags) + tag; prev -1 is the start
	allow []bool           // same layout as trans: the transition is allowed
	prevs [][]int          // per tag: the tags that may precede it
	tab   *featTable       // index for tagging, built once trained or loaded
}

// ModelInfo describes how a model was trained.
type ModelInfo struct {
	Name      string   `json:"name"`
	Corpus    string   `json:"corpus"`
	Types     []string `json:"types"`
	Sentences int      `json:"sentences"`
	Tokens    int      `json:"tokens"`
	Epochs    int      `json:"epochs"`
	DevF1     float64  `json:"dev_f1"`
	Features  int      `json:"features"`
	Gazetteer int      `json:"gazetteer"`
	// Temperature divides the scores before forward–backward gives the
	// confidences; chosen on the dev split (token log-loss).
	Temperature float64 `json:"temperature"`
	Trained     string  `json:"trained,omitempty"`
}

// TrainOptions control training.
type TrainOptions struct {
	// Epochs is the most passes over the training data; with Dev the
	// averaged weights of the best epoch on Dev are kept.
	Epochs int
	Dev    []Sentence
	Seed   uint64
	// Gazetteer, if set, adds its matches as features and is saved with
	// the model.
	Gazetteer *Gazetteer
	// Temperature of the confidences when there is no Dev to choose it.
	Temperature float64
	// Progress, if set, is called after each epoch.
	Progress func(epoch int, devF1 float64)
}

func tagSet(types []string) []string {
	tags := []string{"O"}
	for _, t := range types {
		tags = append(tags, "B-"+t, "I-"+t)
	}
	return tags
}

func (m *Labeller) setAllowed() {
	nt := len(m.Tags)
	m.allow = make([]bool, (nt+1)*nt)
	for p := -1; p < nt; p++ {
		for t := 0; t < nt; t++ {
			ok := true
			if m.Tags[t][0] == 'I' {
				ok = p >= 0 && m.Tags[p] != "O" && m.Tags[p][2:] == m.Tags[t][2:]
			}
			m.allow[(p+1)*nt+t] = ok
		}
	}
	m.prevs = make([][]int, nt)
	for t := 0; t < nt; t++ {
		for p := 0; p < nt; p++ {
			if m.allow[(p+1)*nt+t] {
				m.prevs[t] = append(m.prevs[t], p)
			}
		}
	}
}

// encoded is a sentence with the feature rows of each token (-1 dropped)
// and its gold tag indices.
type encoded struct {
	feats [][]int32
	gold  []int
}

// Train fits a labeller to sents over the entity types given.
func Train(sents []Sentence, types []string, opt TrainOptions) (*Labeller, error) {
	if len(sents) == 0 {
		return nil, fmt.Errorf("nlp: train: no sentences")
	}
	if opt.Epochs <= 0 {
		opt.Epochs = 10
	}
	sents = chunk(sents, maxTrainTokens)
	m := &Labeller{Tags: tagSet(types), Gaz: opt.Gazetteer, index: map[uint64]int32{}}
	m.setAllowed()
	tagIdx := map[string]int{}
	for i, t := range m.Tags {
		tagIdx[t] = i
	}
	nt := len(m.Tags)
	data := make([]encoded, len(sents))
	var buf []uint64
	tokens := 0
	for si, s := range sents {
		inf := infos(s.Tokens, m.Gaz)
		enc := encoded{feats: make([][]int32, len(s.Tokens)), gold: make([]int, len(s.Tokens))}
		for i := range s.Tokens {
			buf = features(buf[:0], s.Tokens, inf, i)
			rows := make([]int32, len(buf))
			for k, h := range buf {
				r, ok := m.index[h]
				if !ok {
					r = int32(len(m.index))
					m.index[h] = r
				}
				rows[k] = r
			}
			enc.feats[i] = rows
			g, ok := tagIdx[s.Tags[i]]
			if !ok {
				return nil, fmt.Errorf("nlp: train: sentence %d: tag %q is not one of the types", si+1, s.Tags[i])
			}
			enc.gold[i] = g
		}
		tokens += len(s.Tokens)
		data[si] = enc
	}
	nf := len(m.index)
	w := make([]float32, nf*nt)
	u := make([]float64, nf*nt) // Σ c·Δ for the averaging
	tr := make([]float32, (nt+1)*nt)
	tu := make([]float64, (nt+1)*nt)
	m.w, m.trans = w, tr
	c := 1.0
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6e6c70))
	order := make([]int, len(data))
	for i := range order {
		order[i] = i
	}
	var best *Labeller
	bestF1 := -1.0
	bestEpoch := 0
	var em []float32
	var pred []int
	for ep := 1; ep <= opt.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, di := range order {
			d := &data[di]
			em = m.emissionsRows(em[:0], d.feats)
			pred = m.viterbi(pred[:0], em, len(d.gold))
			if !slices.Equal(pred, d.gold) {
				for i := range d.gold {
					g, p := d.gold[i], pred[i]
					if g != p {
						for _, r := range d.feats[i] {
							w[int(r)*nt+g]++
							u[int(r)*nt+g] += c
							w[int(r)*nt+p]--
							u[int(r)*nt+p] -= c
						}
					}
					gp, pp := -1, -1
					if i > 0 {
						gp, pp = d.gold[i-1], pred[i-1]
					}
					if g != p || gp != pp {
						tr[(gp+1)*nt+g]++
						tu[(gp+1)*nt+g] += c
						tr[(pp+1)*nt+p]--
						tu[(pp+1)*nt+p] -= c
					}
				}
			}
			c++
		}
		avg := m.averaged(u, tu, c)
		f1 := math.NaN()
		if len(opt.Dev) > 0 {
			f1 = Evaluate(avg, opt.Dev).Micro.F1
			if f1 > bestF1 {
				best, bestF1, bestEpoch = avg, f1, ep
			}
		} else {
			best, bestEpoch = avg, ep
		}
		if opt.Progress != nil {
			opt.Progress(ep, f1)
		}
	}
	best.prune()
	best.Info = ModelInfo{Types: slices.Clone(types), Sentences: len(sents), Tokens: tokens, Epochs: bestEpoch,
		DevF1: bestF1, Features: len(best.index), Temperature: opt.Temperature}
	if len(opt.Dev) > 0 {
		best.Info.Temperature = best.calibrate(opt.Dev)
	}
	if best.Info.Temperature <= 0 {
		best.Info.Temperature = 1
	}
	if best.Gaz != nil {
		best.Info.Gazetteer = best.Gaz.Len()
	}
	return best, nil
}

// calibrate returns the temperature, of a grid, whose tag posteriors give
// the dev tokens' gold tags the least log-loss.
func (m *Labeller) calibrate(dev []Sentence) float64 {
	tagIdx := map[string]int{}
	for i, t := range m.Tags {
		tagIdx[t] = i
	}
	nt := len(m.Tags)
	type pre struct {
		em   []float32
		gold []int
	}
	var pres []pre
	for _, s := range dev {
		p := pre{em: m.emissions(nil, s.Tokens)}
		for _, t := range s.Tags {
			p.gold = append(p.gold, tagIdx[t])
		}
		pres = append(pres, p)
	}
	best, bestLoss := 1.0, math.Inf(1)
	for _, temp := range []float64{1, 2, 4, 8, 16, 32, 64} {
		m.Info.Temperature = temp
		loss := 0.0
		for _, p := range pres {
			post := m.marginals(p.em, len(p.gold))
			for i, g := range p.gold {
				loss -= math.Log(max(post[i*nt+g], 1e-9))
			}
		}
		if loss < bestLoss {
			best, bestLoss = temp, loss
		}
	}
	return best
}

// maxTrainTokens bounds the sentences training sees: AnnoCTR's dev split
// holds one "sentence" of 18,029 tokens (a code listing), whose single
// perceptron update would outweigh thousands of ordinary sentences.
const maxTrainTokens = 200

// chunk splits sentences longer than n tokens into pieces of about n,
// cutting only before a token that does not continue an entity.
func chunk(sents []Sentence, n int) []Sentence {
	var out []Sentence
	for _, s := range sents {
		for len(s.Tokens) > n {
			cut := n
			for cut < len(s.Tokens) && strings.HasPrefix(s.Tags[cut], "I-") {
				cut++
			}
			if cut == len(s.Tokens) {
				break
			}
			out = append(out, Sentence{Tokens: s.Tokens[:cut], Tags: s.Tags[:cut], Doc: s.Doc})
			s = Sentence{Tokens: s.Tokens[cut:], Tags: s.Tags[cut:], Doc: s.Doc}
		}
		out = append(out, s)
	}
	return out
}

// averaged returns a labeller with the averaged weights w − u/c.
func (m *Labeller) averaged(u, tu []float64, c float64) *Labeller {
	a := &Labeller{Tags: m.Tags, Gaz: m.Gaz, index: m.index, allow: m.allow, prevs: m.prevs}
	a.w = make([]float32, len(m.w))
	for i, v := range m.w {
		a.w[i] = v - float32(u[i]/c)
	}
	a.trans = make([]float32, len(m.trans))
	for i, v := range m.trans {
		a.trans[i] = v - float32(tu[i]/c)
	}
	return a
}

// prune drops the features whose weights are all (nearly) zero and
// renumbers the rest.
func (m *Labeller) prune() {
	nt := len(m.Tags)
	keep := map[uint64]int32{}
	var w []float32
	for h, r := range m.index {
		row := m.w[int(r)*nt : int(r+1)*nt]
		nz := false
		for _, v := range row {
			if math.Abs(float64(v)) > 1e-3 {
				nz = true
				break
			}
		}
		if nz {
			keep[h] = int32(len(keep))
			w = append(w, row...)
		}
	}
	m.index, m.w = keep, w
	m.tab = newFeatTable(keep, w, nt)
}

// emissionsRows computes the score of every tag at every token.
func (m *Labeller) emissionsRows(dst []float32, feats [][]int32) []float32 {
	nt := len(m.Tags)
	for _, rows := range feats {
		base := len(dst)
		dst = append(dst, make([]float32, nt)...)
		e := dst[base:]
		for _, r := range rows {
			row := m.w[int(r)*nt : int(r+1)*nt]
			for t, v := range row {
				e[t] += v
			}
		}
	}
	return dst
}

// emissions computes the tag scores of a tokenised sentence.
func (m *Labeller) emissions(dst []float32, tokens []string) []float32 {
	nt := len(m.Tags)
	inf := infos(tokens, m.Gaz)
	dst = slices.Grow(dst, len(tokens)*nt)
	if m.tab != nil {
		return m.tab.emissions(dst, tokens, inf, nt)
	}
	var buf []uint64
	for i := range tokens {
		buf = features(buf[:0], tokens, inf, i)
		base := len(dst)
		dst = append(dst, make([]float32, nt)...)
		e := dst[base : base+nt]
		for _, h := range buf {
			r, ok := m.index[h]
			if !ok {
				continue
			}
			row := m.w[int(r)*nt : int(r+1)*nt]
			for t, v := range row {
				e[t] += v
			}
		}
	}
	return dst
}

// viterbi returns the best allowed tag path for emission scores em of n
// tokens.
func (m *Labeller) viterbi(dst []int, em []float32, n int) []int {
	nt := len(m.Tags)
	if n == 0 {
		return dst
	}
	const neg = float32(-1e30)
	score := make([]float32, n*nt)
	back := make([]int32, n*nt)
	for t := 0; t < nt; t++ {
		if m.allow[t] {
			score[t] = em[t] + m.trans[t]
		} else {
			score[t] = neg
		}
	}
	for i := 1; i < n; i++ {
		prev := score[(i-1)*nt : i*nt]
		for t := 0; t < nt; t++ {
			best, arg := neg, int32(0)
			for _, p := range m.prevs[t] {
				if s := prev[p] + m.trans[(p+1)*nt+t]; s > best {
					best, arg = s, int32(p)
				}
			}
			score[i*nt+t] = best + em[i*nt+t]
			back[i*nt+t] = arg
		}
	}
	bt, bs := 0, neg
	for t := 0; t < nt; t++ {
		if s := score[(n-1)*nt+t]; s > bs {
			bs, bt = s, t
		}
	}
	for len(dst) < n {
		dst = append(dst, 0)
	}
	dst = dst[:n]
	for i := n - 1; i >= 0; i-- {
		dst[i] = bt
		bt = int(back[i*nt+bt])
	}
	return dst
}

// Tag returns the predicted tag of every token.
func (m *Labeller) Tag(tokens []string) []string {
	em := m.emissions(nil, tokens)
	path := m.viterbi(nil, em, len(tokens))
	out := make([]string, len(path))
	for i, t := range path {
		out[i] = m.Tags[t]
	}
	return out
}

// marginals returns, for each token, the posterior of each tag when the
// scores are read as log-potentials of a linear-chain model
// (forward–backward over allowed transitions, scaled per token).
func (m *Labeller) marginals(em []float32, n int) []float64 {
	nt := len(m.Tags)
	inv := float32(1)
	if m.Info.Temperature > 0 {
		inv = float32(1 / m.Info.Temperature)
	}
	// Transition potentials, zero where not allowed.
	tp := make([]float64, (nt+1)*nt)
	for i, v := range m.trans {
		if m.allow[i] {
			tp[i] = math.Exp(float64(v * inv))
		}
	}
	// Emission potentials, each token shifted by its largest score.
	ep := make([]float64, n*nt)
	for i := 0; i < n; i++ {
		mx := float32(math.Inf(-1))
		for _, v := range em[i*nt : (i+1)*nt] {
			mx = max(mx, v)
		}
		for t := 0; t < nt; t++ {
			ep[i*nt+t] = math.Exp(float64((em[i*nt+t] - mx) * inv))
		}
	}
	alpha := make([]float64, n*nt)
	beta := make([]float64, n*nt)
	scale := make([]float64, n)
	norm := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		if s > 0 {
			for k := range v {
				v[k] /= s
			}
		}
		return s
	}
	for t := 0; t < nt; t++ {
		alpha[t] = tp[t] * ep[t]
	}
	scale[0] = norm(alpha[:nt])
	for i := 1; i < n; i++ {
		for t := 0; t < nt; t++ {
			s := 0.0
			for _, p := range m.prevs[t] {
				s += alpha[(i-1)*nt+p] * tp[(p+1)*nt+t]
			}
			alpha[i*nt+t] = s * ep[i*nt+t]
		}
		scale[i] = norm(alpha[i*nt : (i+1)*nt])
	}
	for t := 0; t < nt; t++ {
		beta[(n-1)*nt+t] = 1
	}
	for i := n - 2; i >= 0; i-- {
		for p := 0; p < nt; p++ {
			s := 0.0
			for t := 0; t < nt; t++ {
				if w := tp[(p+1)*nt+t]; w != 0 {
					s += w * ep[(i+1)*nt+t] * beta[(i+1)*nt+t]
				}
			}
			beta[i*nt+p] = s
		}
		norm(beta[i*nt : (i+1)*nt])
	}
	out := make([]float64, n*nt)
	for i := 0; i < n; i++ {
		s := 0.0
		for t := 0; t < nt; t++ {
			out[i*nt+t] = alpha[i*nt+t] * beta[i*nt+t]
			s += out[i*nt+t]
		}
		if s > 0 {
			for t := 0; t < nt; t++ {
				out[i*nt+t] /= s
			}
		}
	}
	return out
}
