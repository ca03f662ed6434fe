package reputation

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// The seed's two classifiers, kept as baselines for the evaluation: a
// decision tree (CART with Gini impurity) and k nearest neighbours. They
// read the same feature rows as the GBDT.

// cart is a classification tree. A node with feat < 0 is a leaf.
type cart struct {
	nodes []cartNode
}

type cartNode struct {
	feat        int
	thr         float64 // rows with x[feat] <= thr (NaN counts as -Inf) go left
	left, right int
	dist        []float64 // leaf: class probabilities
}

// trainCART grows a tree on rows with classes ys (0..k-1), each class
// weighted by w[class]. Split points are the quantiles of each feature
// (at most 64 per feature), which keeps training linear in the rows.
func trainCART(xs [][]float64, ys []int, k int, w []float64, maxDepth, minLeaf int) *cart {
	nf := len(xs[0])
	cuts := make([][]float64, nf)
	for f := range nf {
		vals := make([]float64, 0, len(xs))
		for _, x := range xs {
			vals = append(vals, nanLow(x[f]))
		}
		slices.Sort(vals)
		var c []float64
		for q := 1; q < 64; q++ {
			v := vals[q*len(vals)/64]
			if len(c) == 0 || v > c[len(c)-1] {
				c = append(c, v)
			}
		}
		cuts[f] = c
	}
	t := &cart{}
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	t.grow(xs, ys, k, w, cuts, idx, 0, maxDepth, minLeaf)
	return t
}

func nanLow(v float64) float64 {
	if math.IsNaN(v) {
		return math.Inf(-1)
	}
	return v
}

func (t *cart) grow(xs [][]float64, ys []int, k int, w []float64, cuts [][]float64, idx []int, depth, maxDepth, minLeaf int) int {
	me := len(t.nodes)
	t.nodes = append(t.nodes, cartNode{feat: -1})
	total := make([]float64, k)
	for _, i := range idx {
		total[ys[i]] += w[ys[i]]
	}
	var tw float64
	for _, v := range total {
		tw += v
	}
	gini := func(c []float64, n float64) float64 {
		if n == 0 {
			return 0
		}
		g := 1.0
		for _, v := range c {
			p := v / n
			g -= p * p
		}
		return g
	}
	leaf := func() int {
		// Laplace-smoothed, so that pure leaves are ranked by their size
		// and a threshold can fall between them.
		d := make([]float64, k)
		for c := range d {
			d[c] = (total[c] + 1) / (tw + float64(k))
		}
		t.nodes[me].dist = d
		return me
	}
	parent := gini(total, tw)
	if depth >= maxDepth || len(idx) < 2*minLeaf || parent == 0 {
		return leaf()
	}
	bestGain, bestF, bestThr := 1e-9, -1, 0.0
	for f, cs := range cuts {
		if len(cs) == 0 {
			continue
		}
		// hist[b][c]: weight of class c in bin b (b = number of cuts below).
		hist := make([]float64, (len(cs)+1)*k)
		cnt := make([]int, len(cs)+1)
		for _, i := range idx {
			b := sort.SearchFloat64s(cs, nanLow(xs[i][f]))
			hist[b*k+ys[i]] += w[ys[i]]
			cnt[b]++
		}
		left := make([]float64, k)
		var lw float64
		ln := 0
		for b := 0; b < len(cs); b++ {
			for c := range k {
				left[c] += hist[b*k+c]
				lw += hist[b*k+c]
			}
			ln += cnt[b]
			if ln < minLeaf || len(idx)-ln < minLeaf {
				continue
			}
			right := make([]float64, k)
			for c := range k {
				right[c] = total[c] - left[c]
			}
			rw := tw - lw
			gain := parent - (lw*gini(left, lw)+rw*gini(right, rw))/tw
			if gain > bestGain {
				bestGain, bestF, bestThr = gain, f, cs[b]
			}
		}
	}
	if bestF < 0 {
		return leaf()
	}
	var li, ri []int
	for _, i := range idx {
		if nanLow(xs[i][bestF]) <= bestThr {
			li = append(li, i)
		} else {
			ri = append(ri, i)
		}
	}
	t.nodes[me].feat, t.nodes[me].thr = bestF, bestThr
	l := t.grow(xs, ys, k, w, cuts, li, depth+1, maxDepth, minLeaf)
	r := t.grow(xs, ys, k, w, cuts, ri, depth+1, maxDepth, minLeaf)
	t.nodes[me].left, t.nodes[me].right = l, r
	return me
}

func (t *cart) predict(x []float64) []float64 {
	n := &t.nodes[0]
	for n.feat >= 0 {
		if nanLow(x[n.feat]) <= n.thr {
			n = &t.nodes[n.left]
		} else {
			n = &t.nodes[n.right]
		}
	}
	return n.dist
}

// knn is k nearest neighbours on standardised features (missing values
// at the mean), by brute force over a sample of reference rows.
type knn struct {
	k         int
	mean, std []float64
	refs      [][]float64
	ys        []int
	classes   int
}

func newKNN(xs [][]float64, ys []int, classes, k, maxRefs int, seed uint64) *knn {
	nf := len(xs[0])
	m := &knn{k: k, mean: make([]float64, nf), std: make([]float64, nf), classes: classes}
	// References are drawn per class, up to an equal share each, so that a
	// rare class has neighbours to be found among.
	rng := rand.New(rand.NewPCG(seed, 0x4b11))
	byClass := make([][]int, classes)
	for i, y := range ys {
		byClass[y] = append(byClass[y], i)
	}
	var idx []int
	for _, rows := range byClass {
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		idx = append(idx, rows[:min(len(rows), maxRefs/classes)]...)
	}
	for f := range nf {
		var s, ss, n float64
		for _, i := range idx {
			if v := xs[i][f]; !math.IsNaN(v) {
				s, ss, n = s+v, ss+v*v, n+1
			}
		}
		if n > 0 {
			m.mean[f] = s / n
			m.std[f] = math.Sqrt(max(ss/n-m.mean[f]*m.mean[f], 0))
		}
		if m.std[f] == 0 {
			m.std[f] = 1
		}
	}
	for _, i := range idx {
		m.refs = append(m.refs, m.scale(xs[i]))
		m.ys = append(m.ys, ys[i])
	}
	return m
}

func (m *knn) scale(x []float64) []float64 {
	z := make([]float64, len(x))
	for f, v := range x {
		if !math.IsNaN(v) {
			z[f] = (v - m.mean[f]) / m.std[f]
		}
	}
	return z
}

// predict returns the class shares among the k nearest references, each
// vote weighted by w of its class (to undo the references' class mix) and
// by 1/(1+distance), and smoothed, so that scores are continuous and a
// threshold can be set for any false-positive rate.
func (m *knn) predict(x []float64, w []float64) []float64 {
	z := m.scale(x)
	type nb struct {
		d float64
		i int
	}
	best := make([]nb, 0, m.k+1)
	for i, r := range m.refs {
		var d float64
		for f, v := range r {
			e := v - z[f]
			d += e * e
		}
		if len(best) == m.k && d >= best[m.k-1].d {
			continue
		}
		j := sort.Search(len(best), func(j int) bool { return best[j].d > d })
		best = slices.Insert(best, j, nb{d, i})
		if len(best) > m.k {
			best = best[:m.k]
		}
	}
	p := make([]float64, m.classes)
	var s float64
	for _, b := range best {
		v := w[m.ys[b.i]] / (1 + math.Sqrt(b.d))
		p[m.ys[b.i]] += v
		s += v
	}
	// Smoothed, so that among names whose neighbours are all of one class
	// the nearer neighbours score higher.
	const alpha = 0.1
	for c := range p {
		p[c] = (p[c] + alpha) / (s + alpha*float64(m.classes))
	}
	return p
}
