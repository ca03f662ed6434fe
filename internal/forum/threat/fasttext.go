package threat

import (
	"math"
	"math/rand/v2"
)

// FastTextOptions configure the neural model.
type FastTextOptions struct {
	Dim    int     `json:"dim"`
	Epochs int     `json:"epochs"`
	Rate   float64 `json:"rate"` // initial learning rate, decayed linearly to 0
	Seed   uint64  `json:"seed"`
}

// fastText is the small neural text model of the comparison, after Joulin
// et al., "Bag of Tricks for Efficient Text Classification" (2017): a
// text's vector is the mean of its hashed features' embeddings, and a
// softmax layer over that vector gives the classes. Embedding rows exist
// only for features seen in training; an unseen feature adds nothing.
type fastText struct {
	dim, classes int
	emb          map[uint32][]float32
	out          []float32 // classes × dim
	bias         []float32
	temp         float64 // softmax temperature (0 means 1)
}

func trainFastText(xs [][]uint32, ys []int, classes int, opt FastTextOptions) *fastText {
	dim := max(opt.Dim, 1)
	m := &fastText{dim: dim, classes: classes, emb: map[uint32][]float32{}, out: make([]float32, classes*dim), bias: make([]float32, classes)}
	rng := rand.New(rand.NewPCG(opt.Seed, 0xfa57))
	// Embeddings start small and random, the output layer at zero, as in
	// fastText; rows are drawn in feature order so the start does not
	// depend on map iteration.
	for _, x := range xs {
		for _, f := range x {
			if m.emb[f] == nil {
				r := make([]float32, dim)
				for j := range r {
					r[j] = float32((rng.Float64()*2 - 1) / float64(dim))
				}
				m.emb[f] = r
			}
		}
	}
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	epochs := max(opt.Epochs, 1)
	total, step := float64(epochs*len(xs)), 0.0
	h := make([]float64, dim)
	dh := make([]float64, dim)
	logit := make([]float64, classes)
	for ep := 0; ep < epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			lr := opt.Rate * (1 - step/total)
			step++
			x := xs[i]
			if len(x) == 0 {
				continue
			}
			m.hidden(h, x)
			for k := 0; k < classes; k++ {
				s := float64(m.bias[k])
				o := m.out[k*dim : (k+1)*dim]
				for j, v := range o {
					s += float64(v) * h[j]
				}
				logit[k] = s
			}
			p := softmax(logit)
			clear(dh)
			for k := 0; k < classes; k++ {
				g := p[k]
				if k == ys[i] {
					g--
				}
				if g == 0 {
					continue
				}
				o := m.out[k*dim : (k+1)*dim]
				for j := range o {
					dh[j] += g * float64(o[j])
					o[j] -= float32(lr * g * h[j])
				}
				m.bias[k] -= float32(lr * g)
			}
			scale := lr / float64(len(x))
			for _, f := range x {
				r := m.emb[f]
				for j := range r {
					r[j] -= float32(scale * dh[j])
				}
			}
		}
	}
	return m
}

// hidden sets h to the mean embedding of x's known features.
func (m *fastText) hidden(h []float64, x []uint32) {
	clear(h)
	n := 0
	for _, f := range x {
		if r := m.emb[f]; r != nil {
			n++
			for j, v := range r {
				h[j] += float64(v)
			}
		}
	}
	if n > 0 {
		for j := range h {
			h[j] /= float64(n)
		}
	}
}

func (m *fastText) scores(x []uint32) []float64 {
	return softmaxAt(m.margins(x), m.temp)
}

func (m *fastText) margins(x []uint32) []float64 {
	h := make([]float64, m.dim)
	m.hidden(h, x)
	s := make([]float64, m.classes)
	for k := range s {
		v := float64(m.bias[k])
		for j, w := range m.out[k*m.dim : (k+1)*m.dim] {
			v += float64(w) * h[j]
		}
		s[k] = v
	}
	if math.IsNaN(s[0]) {
		clear(s)
	}
	return s
}
