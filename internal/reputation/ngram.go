package reputation

import (
	"fmt"
	"math"
)

// The character language models read domains over 40 symbols: a boundary
// mark, a–z, 0–9, '-', '_' and '.'.
const (
	nsym    = 40
	ngramN  = 3 // trigrams: a dense table of nsym³ entries
	lmTable = nsym * nsym * nsym
	// Log-probabilities are stored as one byte each over [lmFloor, 0]:
	// steps of 0.055 nats, far below what separates the classes.
	lmFloor = -14.0
)

var symOf = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = uint8(c-'a') + 1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = uint8(c-'0') + 27
	}
	t['-'], t['_'], t['.'] = 37, 38, 39
	return t
}()

// lm is a character trigram model: logp[(a*nsym+b)*nsym+c] is log P(c | a b)
// with the boundary symbol 0 padding each string on both sides.
type lm struct {
	logp []float32
}

// lmCounter gathers weighted trigram counts for one class.
type lmCounter struct {
	c3 []float64 // trigram counts
}

func newLMCounter() *lmCounter { return &lmCounter{c3: make([]float64, lmTable)} }

func (c *lmCounter) add(s string, w float64) {
	a, b := 0, 0
	for i := 0; i <= len(s); i++ {
		x := 0
		if i < len(s) {
			x = int(symOf[s[i]])
		}
		c.c3[(a*nsym+b)*nsym+x] += w
		a, b = b, x
	}
}

// model turns the counts into interpolated probabilities: each order is
// mixed with the next lower one by Witten–Bell weights, n/(n + types), where
// n is the context's count and types the symbols seen after it, so a rare
// context leans on the shorter one.
func (c *lmCounter) model() *lm {
	var c2 [nsym * nsym]float64 // (b, x) counts
	var c1 [nsym]float64
	var total float64
	for i, v := range c.c3 {
		if v > 0 {
			c2[i%(nsym*nsym)] += v
			c1[i%nsym] += v
			total += v
		}
	}
	p1 := make([]float64, nsym)
	for x := range nsym {
		p1[x] = (c1[x] + 1) / (total + nsym)
	}
	p2 := make([]float64, nsym*nsym)
	for b := range nsym {
		n, types := 0.0, 0.0
		for x := range nsym {
			if v := c2[b*nsym+x]; v > 0 {
				n += v
				types++
			}
		}
		for x := range nsym {
			p2[b*nsym+x] = wittenBell(c2[b*nsym+x], n, types, p1[x])
		}
	}
	m := &lm{logp: make([]float32, lmTable)}
	for ab := range nsym * nsym {
		n, types := 0.0, 0.0
		for x := range nsym {
			if v := c.c3[ab*nsym+x]; v > 0 {
				n += v
				types++
			}
		}
		b := ab % nsym
		for x := range nsym {
			p := wittenBell(c.c3[ab*nsym+x], n, types, p2[b*nsym+x])
			m.logp[ab*nsym+x] = float32(max(math.Log(p), lmFloor))
		}
	}
	return m
}

func wittenBell(count, n, types, lower float64) float64 {
	if n == 0 {
		return lower
	}
	return (count + types*lower) / (n + types)
}

// logProb returns the summed log-probability of s and the number of
// symbols predicted (len(s)+1, the end mark included).
func (m *lm) logProb(s string) (float64, int) {
	a, b := 0, 0
	var sum float32
	for i := 0; i <= len(s); i++ {
		x := 0
		if i < len(s) {
			x = int(symOf[s[i]])
		}
		sum += m.logp[(a*nsym+b)*nsym+x]
		a, b = b, x
	}
	return float64(sum), len(s) + 1
}

// quantize stores the table in one byte per entry.
func (m *lm) quantize() []byte {
	q := make([]byte, len(m.logp))
	for i, v := range m.logp {
		q[i] = byte(math.Round(float64(v) / lmFloor * 255))
	}
	return q
}

func lmFromBytes(q []byte) (*lm, error) {
	if len(q) != lmTable {
		return nil, fmt.Errorf("language model has %d entries, want %d", len(q), lmTable)
	}
	m := &lm{logp: make([]float32, lmTable)}
	for i, v := range q {
		m.logp[i] = float32(float64(v) / 255 * lmFloor)
	}
	return m, nil
}

// roundTrip gives the model as it will be after Save and Load, so that a
// freshly trained model scores exactly like its saved copy.
func (m *lm) roundTrip() *lm {
	r, _ := lmFromBytes(m.quantize())
	return r
}
