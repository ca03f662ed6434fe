package gbdt

// node is an internal node of a tree. A child index >= 0 is another
// internal node; a negative one is ^leaf.
type node struct {
	threshold   float64 // go left when value <= threshold
	feature     int32
	left, right int32
	defaultLeft bool // where NaN (missing) goes
}

// tree is one regression tree. Nodes are stored so that every child internal
// node comes after its parent, which the loader checks to rule out cycles.
type tree struct {
	nodes     []node
	gain      []float64 // split gain of each node
	cover     []float64 // hessian sum of the training rows reaching each node
	leaves    []float64 // leaf values, learning rate included
	leafCover []float64
	depth     int // longest root-to-leaf path, for TreeSHAP buffers
}

// predict returns the leaf value reached by row x. Features beyond len(x)
// count as missing.
func (t *tree) predict(x []float64) float64 {
	return t.leaves[t.leafIndex(x)]
}

func (t *tree) leafIndex(x []float64) int {
	if len(t.nodes) == 0 {
		return 0
	}
	i := int32(0)
	for i >= 0 {
		nd := &t.nodes[i]
		left := nd.defaultLeft
		if f := int(nd.feature); f < len(x) {
			if v := x[f]; v == v {
				left = v <= nd.threshold
			}
		}
		if left {
			i = nd.left
		} else {
			i = nd.right
		}
	}
	return int(^i)
}

// computeDepth sets t.depth from the node links.
func (t *tree) computeDepth() {
	t.depth = 0
	if len(t.nodes) == 0 {
		return
	}
	depth := make([]int, len(t.nodes))
	for i, nd := range t.nodes {
		for _, c := range [2]int32{nd.left, nd.right} {
			if c >= 0 {
				depth[c] = depth[i] + 1
			} else if depth[i]+1 > t.depth {
				t.depth = depth[i] + 1
			}
		}
	}
}

// expectedValue is the cover-weighted mean of the leaf values: the tree's
// prediction when no feature is known, which TreeSHAP puts in the bias.
func (t *tree) expectedValue() float64 {
	var s, w float64
	for i, v := range t.leaves {
		s += v * t.leafCover[i]
		w += t.leafCover[i]
	}
	if w == 0 {
		return t.leaves[0]
	}
	return s / w
}

// pathElem is one feature on the current root-to-leaf path in TreeSHAP.
type pathElem struct {
	feature      int
	zeroFraction float64
	oneFraction  float64
	pweight      float64
}

// shap adds the TreeSHAP attributions of row x to phi (len numFeat+1, bias
// last). It follows Lundberg et al., "Consistent Individualized Feature
// Attribution for Tree Ensembles" (Algorithm 2), as LightGBM implements it.
// path must hold (depth+1)(depth+2)/2 elements.
func (t *tree) shap(x []float64, phi []float64, path []pathElem) {
	phi[len(phi)-1] += t.expectedValue()
	if len(t.nodes) == 0 {
		return
	}
	t.shapRecurse(x, phi, 0, 0, path, 1, 1, -1)
}

func (t *tree) childCover(c int32) float64 {
	if c < 0 {
		return t.leafCover[^c]
	}
	return t.cover[c]
}

func (t *tree) shapRecurse(x, phi []float64, n int32, depth int, parent []pathElem, pZero, pOne float64, pFeat int) {
	path := parent[depth:]
	copy(path, parent[:depth])
	extendPath(path, depth, pZero, pOne, pFeat)
	if n < 0 {
		v := t.leaves[^n]
		for i := 1; i <= depth; i++ {
			w := unwoundPathSum(path, depth, i)
			el := &path[i]
			phi[el.feature] += w * (el.oneFraction - el.zeroFraction) * v
		}
		return
	}
	nd := &t.nodes[n]
	left := nd.defaultLeft
	if f := int(nd.feature); f < len(x) {
		if v := x[f]; v == v {
			left = v <= nd.threshold
		}
	}
	hot, cold := nd.left, nd.right
	if !left {
		hot, cold = cold, hot
	}
	w := t.cover[n]
	hotZero, coldZero := 0.0, 0.0
	if w > 0 {
		hotZero = t.childCover(hot) / w
		coldZero = t.childCover(cold) / w
	}
	inZero, inOne := 1.0, 1.0
	f := int(nd.feature)
	k := 0
	for ; k <= depth; k++ {
		if path[k].feature == f {
			break
		}
	}
	if k != depth+1 {
		inZero, inOne = path[k].zeroFraction, path[k].oneFraction
		unwindPath(path, depth, k)
		depth--
	}
	t.shapRecurse(x, phi, hot, depth+1, path, hotZero*inZero, inOne, f)
	t.shapRecurse(x, phi, cold, depth+1, path, coldZero*inZero, 0, f)
}

func extendPath(path []pathElem, depth int, zero, one float64, feat int) {
	path[depth] = pathElem{feature: feat, zeroFraction: zero, oneFraction: one}
	if depth == 0 {
		path[depth].pweight = 1
	}
	d1 := float64(depth + 1)
	for i := depth - 1; i >= 0; i-- {
		path[i+1].pweight += one * path[i].pweight * float64(i+1) / d1
		path[i].pweight = zero * path[i].pweight * float64(depth-i) / d1
	}
}

func unwindPath(path []pathElem, depth, k int) {
	one, zero := path[k].oneFraction, path[k].zeroFraction
	next := path[depth].pweight
	d1 := float64(depth + 1)
	for i := depth - 1; i >= 0; i-- {
		if one != 0 {
			tmp := path[i].pweight
			path[i].pweight = next * d1 / (float64(i+1) * one)
			next = tmp - path[i].pweight*zero*float64(depth-i)/d1
		} else {
			path[i].pweight = path[i].pweight * d1 / (zero * float64(depth-i))
		}
	}
	for i := k; i < depth; i++ {
		path[i].feature = path[i+1].feature
		path[i].zeroFraction = path[i+1].zeroFraction
		path[i].oneFraction = path[i+1].oneFraction
	}
}

func unwoundPathSum(path []pathElem, depth, k int) float64 {
	one, zero := path[k].oneFraction, path[k].zeroFraction
	next := path[depth].pweight
	d1 := float64(depth + 1)
	total := 0.0
	for i := depth - 1; i >= 0; i-- {
		if one != 0 {
			tmp := next * d1 / (float64(i+1) * one)
			total += tmp
			next = path[i].pweight - tmp*zero*float64(depth-i)/d1
		} else if zero != 0 {
			total += path[i].pweight / zero / (float64(depth-i) / d1)
		}
	}
	return total
}
