package threat

import (
	"math"
	"math/rand/v2"
)

// LinearOptions configure the averaged perceptron.
type LinearOptions struct {
	Epochs int    `json:"epochs"`
	Seed   uint64 `json:"seed"`
}

// linear is a multiclass averaged perceptron over hashed features: the
// linear model of the comparison. Weights are sparse, a row per feature
// that was ever updated.
type linear struct {
	classes int
	w       map[uint32][]float32
	bias    []float32
	temp    float64 // softmax temperature (0 means 1)
}

func trainLinear(xs [][]uint32, ys []int, classes int, opt LinearOptions) *linear {
	w := map[uint32][]float64{}
	u := map[uint32][]float64{} // weighted sums for averaging
	bias, ubias := make([]float64, classes), make([]float64, classes)
	rng := rand.New(rand.NewPCG(opt.Seed, 0x7e7a))
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	row := func(m map[uint32][]float64, f uint32) []float64 {
		r := m[f]
		if r == nil {
			r = make([]float64, classes)
			m[f] = r
		}
		return r
	}
	c := 1.0
	scores := make([]float64, classes)
	for ep := 0; ep < max(opt.Epochs, 1); ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			copy(scores, bias)
			for _, f := range xs[i] {
				if r := w[f]; r != nil {
					for k, v := range r {
						scores[k] += v
					}
				}
			}
			pred := argmax(scores)
			if y := ys[i]; pred != y {
				for _, f := range xs[i] {
					rw, ru := row(w, f), row(u, f)
					rw[y]++
					rw[pred]--
					ru[y] += c
					ru[pred] -= c
				}
				bias[y]++
				bias[pred]--
				ubias[y] += c
				ubias[pred] -= c
			}
			c++
		}
	}
	m := &linear{classes: classes, w: make(map[uint32][]float32, len(w)), bias: make([]float32, classes)}
	for f, r := range w {
		ru := u[f]
		out := make([]float32, classes)
		nz := false
		for k := range r {
			v := r[k] - ru[k]/c
			if math.Abs(v) > 1e-4 {
				out[k] = float32(v)
				nz = true
			}
		}
		if nz {
			m.w[f] = out
		}
	}
	for k := range bias {
		m.bias[k] = float32(bias[k] - ubias[k]/c)
	}
	return m
}

// scores are the perceptron's margins turned into probabilities by a
// softmax at the temperature the cross-validation chose.
func (m *linear) scores(x []uint32) []float64 {
	return softmaxAt(m.margins(x), m.temp)
}

func (m *linear) margins(x []uint32) []float64 {
	s := make([]float64, m.classes)
	for k, b := range m.bias {
		s[k] = float64(b)
	}
	for _, f := range x {
		if r := m.w[f]; r != nil {
			for k, v := range r {
				s[k] += float64(v)
			}
		}
	}
	return s
}

func argmax(s []float64) int {
	best := 0
	for k, v := range s {
		if v > s[best] {
			best = k
		}
	}
	return best
}

// softmaxAt divides s by temp (when positive) before the softmax.
func softmaxAt(s []float64, temp float64) []float64 {
	if temp > 0 && temp != 1 {
		d := make([]float64, len(s))
		for k, v := range s {
			d[k] = v / temp
		}
		s = d
	}
	return softmax(s)
}

// temperatures are the softmax temperatures tried when calibrating.
var temperatures = []float64{0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128}

// fitTemperature returns the temperature of the least mean log loss of
// the gold classes ys under the out-of-fold margins.
func fitTemperature(margins [][]float64, ys []int) (temp, logLoss float64) {
	temp, logLoss = 1, math.Inf(1)
	for _, t := range temperatures {
		l := 0.0
		for i, m := range margins {
			p := softmaxAt(m, t)[ys[i]]
			l -= math.Log(math.Max(p, 1e-12))
		}
		l /= float64(max(len(margins), 1))
		if l < logLoss {
			temp, logLoss = t, l
		}
	}
	return temp, logLoss
}

func softmax(s []float64) []float64 {
	if len(s) == 0 {
		return s
	}
	mx := s[argmax(s)]
	sum := 0.0
	out := make([]float64, len(s))
	for k, v := range s {
		out[k] = math.Exp(v - mx)
		sum += out[k]
	}
	for k := range out {
		out[k] /= sum
	}
	return out
}
