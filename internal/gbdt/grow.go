package gbdt

import (
	"math"
	"sync"
	"sync/atomic"
)

// gradPair is a sum of gradients and hessians in a histogram bin or leaf.
type gradPair struct{ g, h float64 }

// rowGrad is the gradient and hessian of one row. They are stored in
// float32, as XGBoost does, to halve the memory the histogram pass reads;
// all sums are float64.
type rowGrad struct{ g, h float32 }

// splitInfo is the best split found for a leaf.
type splitInfo struct {
	ok             bool
	gain           float64
	feature        int
	bin            uint8 // value bins 0..bin go left
	defaultLeft    bool  // missing bin goes left
	lg, lh, rg, rh float64
}

// leafState is a leaf of the tree being grown: its rows are
// learner.rows[start:end], kept in ascending order.
type leafState struct {
	start, end int
	g, h       float64
	depth      int
	hist       []gradPair
	best       splitInfo
	parent     int32 // internal node that points at this leaf, -1 for the root
	isLeft     bool
}

// binNode is an internal node in bin space, used while training.
type binNode struct {
	feature     int32
	bin         uint8
	missBin     uint8
	defaultLeft bool
	left, right int32
	gain, cover float64
}

// minHess keeps leaves away from a zero hessian, whose value would be
// undefined when LambdaL2 is 0.
const minHess = 1e-12

// parallelRows is the least rows×features work for which histogram building
// is split across goroutines; below it the hand-off costs more than it saves.
const parallelRows = 1 << 14

// parallelPartition is the least rows in a leaf for which partitioning is
// split across goroutines.
const parallelPartition = 1 << 15

// learner grows one tree at a time, reusing all of its buffers across trees
// so that growing a tree allocates almost nothing.
type learner struct {
	p        *Params
	bd       *binnedData
	threads  int
	gh       []rowGrad // per row, for the current class
	ord      []rowGrad // gradients of a leaf's rows, in its row order
	bag      []int32   // rows used by the current trees, ascending
	oob      []int32   // rows left out of the bag, ascending
	rows     []int32   // bag rows, partitioned into leaf segments
	tmp      []int32
	free     [][]gradPair
	leaves   []leafState
	nleaves  int
	featOK   []bool
	nodes    []binNode
	denseOff []int
}

func newLearner(p *Params, bd *binnedData) *learner {
	l := &learner{
		p:       p,
		bd:      bd,
		threads: p.NumThreads,
		gh:      make([]rowGrad, bd.n),
		ord:     make([]rowGrad, bd.n),
		bag:     make([]int32, bd.n),
		rows:    make([]int32, bd.n),
		tmp:     make([]int32, bd.n),
		leaves:  make([]leafState, p.NumLeaves),
		featOK:  make([]bool, bd.nfeat),
		nodes:   make([]binNode, 0, p.NumLeaves-1),
	}
	for i := range l.bag {
		l.bag[i] = int32(i)
	}
	for i := range l.featOK {
		l.featOK[i] = true
	}
	l.denseOff = make([]int, len(bd.denseFeat))
	for j, f := range bd.denseFeat {
		l.denseOff[j] = bd.off[f]
	}
	return l
}

func (l *learner) allocHist() []gradPair {
	if n := len(l.free); n > 0 {
		h := l.free[n-1]
		l.free = l.free[:n-1]
		return h
	}
	// 256 spare bins give every feature a full [256] window (histDense).
	return make([]gradPair, l.bd.totalBins+256)
}

func (l *learner) releaseHist(h []gradPair) {
	if h != nil {
		l.free = append(l.free, h)
	}
}

// canSplit reports whether a leaf may still be split at all.
func (l *learner) canSplit(lf *leafState) bool {
	p := l.p
	if p.MaxDepth > 0 && lf.depth >= p.MaxDepth {
		return false
	}
	n := lf.end - lf.start
	if n < 2 || n < 2*p.MinDataInLeaf {
		return false
	}
	return lf.h >= 2*max(p.MinSumHessianInLeaf, minHess)
}

// grow builds one tree on the gradients in l.gh and the rows in l.bag.
// The leaves are left in l.leaves[:l.nleaves] for the score update.
func (l *learner) grow() {
	copy(l.rows, l.bag)
	l.nodes = l.nodes[:0]
	root := &l.leaves[0]
	*root = leafState{start: 0, end: len(l.bag), parent: -1}
	for _, r := range l.bag {
		root.g += float64(l.gh[r].g)
		root.h += float64(l.gh[r].h)
	}
	l.nleaves = 1
	if l.canSplit(root) {
		root.hist = l.allocHist()
		l.buildHist(root)
		l.findBest(root)
	}
	for l.nleaves < l.p.NumLeaves {
		bi := -1
		for i := 0; i < l.nleaves; i++ {
			if lf := &l.leaves[i]; lf.best.ok && (bi < 0 || lf.best.gain > l.leaves[bi].best.gain) {
				bi = i
			}
		}
		if bi < 0 {
			break
		}
		l.split(bi)
	}
	for i := 0; i < l.nleaves; i++ {
		l.releaseHist(l.leaves[i].hist)
		l.leaves[i].hist = nil
	}
}

// split applies the best split of leaf li: the left child keeps index li and
// the right child becomes leaf l.nleaves.
func (l *learner) split(li int) {
	lf := &l.leaves[li]
	s := lf.best
	mid := l.partition(lf.start, lf.end, &s)
	ni := int32(len(l.nodes))
	m := &l.bd.mappers[s.feature]
	l.nodes = append(l.nodes, binNode{
		feature: int32(s.feature), bin: s.bin, missBin: m.missingBin(), defaultLeft: s.defaultLeft,
		left: ^int32(li), right: ^int32(l.nleaves), gain: s.gain, cover: lf.h,
	})
	if lf.parent >= 0 {
		if lf.isLeft {
			l.nodes[lf.parent].left = ni
		} else {
			l.nodes[lf.parent].right = ni
		}
	}
	right := &l.leaves[l.nleaves]
	*right = leafState{start: mid, end: lf.end, g: s.rg, h: s.rh, depth: lf.depth + 1, parent: ni}
	parentHist := lf.hist
	lf.end, lf.g, lf.h, lf.depth, lf.parent, lf.isLeft, lf.hist = mid, s.lg, s.lh, lf.depth+1, ni, true, nil
	lf.best, right.best = splitInfo{}, splitInfo{}
	l.nleaves++

	small, large := lf, right
	if right.end-right.start < lf.end-lf.start {
		small, large = right, lf
	}
	smallCan, largeCan := l.canSplit(small), l.canSplit(large)
	if l.nleaves == l.p.NumLeaves {
		// The tree is full: no child will be split, so skip their histograms.
		smallCan, largeCan = false, false
	}
	switch {
	case largeCan:
		// Build the smaller child and get the larger by subtraction: the
		// histogram pass costs rows, the subtraction only bins.
		small.hist = l.allocHist()
		l.buildHist(small)
		ph, sh := parentHist, small.hist
		for i := range ph {
			ph[i].g -= sh[i].g
			ph[i].h -= sh[i].h
		}
		large.hist = parentHist
		if !smallCan {
			l.releaseHist(small.hist)
			small.hist = nil
		}
	case smallCan:
		small.hist = parentHist
		l.buildHist(small)
	default:
		l.releaseHist(parentHist)
	}
	if small.hist != nil {
		l.findBest(small)
	}
	if large.hist != nil {
		l.findBest(large)
	}
}

// partition reorders rows[start:end] stably so the rows going left come
// first, and returns where the right ones begin.
func (l *learner) partition(start, end int, s *splitInfo) int {
	bd := l.bd
	f := s.feature
	miss := bd.mappers[f].missingBin()
	t, defLeft := s.bin, s.defaultLeft
	seg := l.rows[start:end]
	// The missing bin is above every value bin, so "b <= t" already sends
	// it right; only a default-left split needs the extra test.
	part := func(seg, tmp []int32) (nl, nr int) {
		j := bd.denseIdx[f]
		var col []uint8
		if j >= 0 {
			col = bd.dense[j*bd.n : (j+1)*bd.n]
		}
		switch {
		case j >= 0 && !defLeft:
			for _, r := range seg {
				if col[r] <= t {
					seg[nl] = r
					nl++
				} else {
					tmp[nr] = r
					nr++
				}
			}
		case j >= 0:
			for _, r := range seg {
				if b := col[r]; b <= t || b == miss {
					seg[nl] = r
					nl++
				} else {
					tmp[nr] = r
					nr++
				}
			}
		default:
			for _, r := range seg {
				if b := bd.bin(int(r), f); b <= t || (defLeft && b == miss) {
					seg[nl] = r
					nl++
				} else {
					tmp[nr] = r
					nr++
				}
			}
		}
		return nl, nr
	}
	chunks := 1
	if l.threads > 1 && len(seg) >= parallelPartition {
		chunks = l.threads
	}
	if chunks == 1 {
		nl, nr := part(seg, l.tmp)
		copy(seg[nl:], l.tmp[:nr])
		return start + nl
	}
	// Each chunk partitions its own range in place, keeping its right rows in
	// tmp; the chunks are then joined in order, so the result is the same as
	// one sequential stable pass.
	nls := make([]int, chunks)
	nrs := make([]int, chunks)
	var wg sync.WaitGroup
	for c := range chunks {
		lo, hi := len(seg)*c/chunks, len(seg)*(c+1)/chunks
		wg.Add(1)
		go func() {
			defer wg.Done()
			nls[c], nrs[c] = part(seg[lo:hi], l.tmp[lo:hi])
		}()
	}
	wg.Wait()
	pos := 0
	for c := range chunks {
		lo := len(seg) * c / chunks
		copy(seg[pos:], seg[lo:lo+nls[c]])
		pos += nls[c]
	}
	nl := pos
	for c := range chunks {
		lo := len(seg) * c / chunks
		copy(seg[pos:], l.tmp[lo:lo+nrs[c]])
		pos += nrs[c]
	}
	return start + nl
}

// histGroup is how many dense features one histogram pass covers: their
// histograms (4 KB each) stay in L1 cache while the rows stream by, and the
// row index and gradient loads are shared by the group.
const histGroup = 4

// buildHist fills lf.hist from the rows of the leaf. Dense features are
// taken in groups of histGroup by goroutines pulling from a shared counter,
// and sparse features form one more task; every bin is summed by one
// goroutine in row order, so the result does not depend on the number of
// threads.
func (l *learner) buildHist(lf *leafState) {
	hist := lf.hist
	clear(hist)
	bd := l.bd
	rows := l.rows[lf.start:lf.end]
	nd := len(bd.denseFeat)
	// The root of an unbagged tree has every row in order: the gradients
	// need no gathering and the columns are read sequentially.
	identity := len(rows) == bd.n
	ord := l.gh
	if !identity {
		ord = l.ord[:len(rows)]
		parallelFor(len(rows), min(l.threads, len(rows)/parallelRows+1), func(lo, hi int) {
			for i, r := range rows[lo:hi] {
				ord[lo+i] = l.gh[r]
			}
		})
	}
	groups := (nd + histGroup - 1) / histGroup
	tasks := groups
	if len(bd.sparseFeat) > 0 {
		tasks++
	}
	var next atomic.Int32
	work := func() {
		for {
			t := int(next.Add(1) - 1)
			if t >= tasks {
				return
			}
			if t == groups {
				histSparse(hist, rows, ord, bd.spPtr, bd.spHist)
				continue
			}
			l.histDense(hist, rows, ord, identity, t)
		}
	}
	threads := min(l.threads, tasks)
	if len(rows)*(nd+1) < parallelRows {
		threads = 1
	}
	var wg sync.WaitGroup
	for range threads - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
	// The zero bin of a sparse feature is whatever the listed bins leave of
	// the leaf totals.
	for _, f := range bd.sparseFeat {
		z := bd.off[f] + int(bd.mappers[f].zeroBin)
		var g, h float64
		for i := bd.off[f]; i < bd.off[f+1]; i++ {
			g += hist[i].g
			h += hist[i].h
		}
		hist[z].g = lf.g - g
		hist[z].h = lf.h - h
	}
}

// histDense adds the rows to the histograms of dense feature group t. ord
// holds the rows' gradients in row order (rows[i] has ord[i]); identity
// means rows is 0..n-1.
func (l *learner) histDense(hist []gradPair, rows []int32, ord []rowGrad, identity bool, t int) {
	bd := l.bd
	n := bd.n
	lo, hi := t*histGroup, min((t+1)*histGroup, len(bd.denseFeat))
	// Histogram buffers carry 256 spare bins at the end, so every feature
	// has a full [256] window and a uint8 bin needs no bounds check.
	win := func(j int) *[256]gradPair {
		o := l.denseOff[j]
		return (*[256]gradPair)(hist[o : o+256])
	}
	col := func(j int) []uint8 { return bd.dense[j*n : (j+1)*n : (j+1)*n] }
	if hi-lo == histGroup {
		h0, h1, h2, h3 := win(lo), win(lo+1), win(lo+2), win(lo+3)
		c0, c1, c2, c3 := col(lo), col(lo+1), col(lo+2), col(lo+3)
		if identity {
			ord = ord[:n]
			c0, c1, c2, c3 = c0[:n], c1[:n], c2[:n], c3[:n]
			for i := range ord {
				g, h := float64(ord[i].g), float64(ord[i].h)
				p0, p1, p2, p3 := &h0[c0[i]], &h1[c1[i]], &h2[c2[i]], &h3[c3[i]]
				p0.g += g
				p0.h += h
				p1.g += g
				p1.h += h
				p2.g += g
				p2.h += h
				p3.g += g
				p3.h += h
			}
			return
		}
		ord = ord[:len(rows)]
		for i, r := range rows {
			g, h := float64(ord[i].g), float64(ord[i].h)
			p0, p1, p2, p3 := &h0[c0[r]], &h1[c1[r]], &h2[c2[r]], &h3[c3[r]]
			p0.g += g
			p0.h += h
			p1.g += g
			p1.h += h
			p2.g += g
			p2.h += h
			p3.g += g
			p3.h += h
		}
		return
	}
	for j := lo; j < hi; j++ {
		h0, c0 := win(j), col(j)
		if identity {
			c0 = c0[:len(ord)]
			for i, b := range c0 {
				p := &h0[b]
				p.g += float64(ord[i].g)
				p.h += float64(ord[i].h)
			}
			continue
		}
		ord = ord[:len(rows)]
		for i, r := range rows {
			p := &h0[c0[r]]
			p.g += float64(ord[i].g)
			p.h += float64(ord[i].h)
		}
	}
}

func histSparse(hist []gradPair, rows []int32, ord []rowGrad, ptr []int, idx []uint32) {
	ord = ord[:len(rows)]
	for i, r := range rows {
		g, h := float64(ord[i].g), float64(ord[i].h)
		for _, k := range idx[ptr[r]:ptr[r+1]] {
			p := &hist[k]
			p.g += g
			p.h += h
		}
	}
}

// findBest scans the histogram of a leaf for its best split. Each feature is
// scanned with missing values going right, and again going left when the
// leaf has any.
func (l *learner) findBest(lf *leafState) {
	lf.best = splitInfo{}
	if !l.canSplit(lf) {
		return
	}
	p := l.p
	lambda := p.LambdaL2
	minH := max(p.MinSumHessianInLeaf, minHess)
	minData := float64(p.MinDataInLeaf)
	count := float64(lf.end - lf.start)
	cntFactor := count / lf.h
	parentScore := lf.g * lf.g / (lf.h + lambda)
	best := &lf.best
	best.gain = max(p.MinGainToSplit, 1e-12*math.Max(1, parentScore))
	sc := scanner{sumG: lf.g, sumH: lf.h, lambda: lambda, minH: minH, minData: minData,
		count: count, cntFactor: cntFactor, parentScore: parentScore}
	bd := l.bd
	for f := 0; f < bd.nfeat; f++ {
		if !l.featOK[f] {
			continue
		}
		m := &bd.mappers[f]
		nv := len(m.upper)
		if nv < 2 {
			continue
		}
		hist := lf.hist[bd.off[f]:bd.off[f+1]]
		passes := 1
		if m.hasMissing && hist[nv].h > 0 {
			passes = 2
		}
		for pass := range passes {
			var g0, h0 float64
			if pass == 1 {
				g0, h0 = hist[nv].g, hist[nv].h
			}
			t, gl, hl, gain := sc.scan(hist[:nv], g0, h0, best.gain)
			if t >= 0 {
				*best = splitInfo{ok: true, gain: gain, feature: f, bin: uint8(t), defaultLeft: pass == 1,
					lg: gl, lh: hl, rg: lf.g - gl, rh: lf.h - hl}
			}
		}
	}
}

// scanner holds what a histogram scan needs about its leaf, so that the
// scan loop works on locals and registers.
type scanner struct {
	sumG, sumH, lambda, minH, minData, count, cntFactor, parentScore float64
}

// scan tries every threshold of one feature's value bins, starting the left
// side at (g0, h0) (the missing bin when it goes left), and returns the
// best threshold whose gain beats minGain, or -1.
func (s *scanner) scan(hist []gradPair, g0, h0, minGain float64) (bestT int, bestGL, bestHL, bestGain float64) {
	sumG, sumH, lambda, minH, minData := s.sumG, s.sumH, s.lambda, s.minH, s.minData
	count, cntFactor, parentScore := s.count, s.cntFactor, s.parentScore
	bestT, bestGain = -1, minGain
	// A split wins when GL²/(HL+λ) + GR²/(HR+λ) > need, the parent score
	// plus the best gain so far. Multiplying out the two denominators (both
	// > 0) keeps divisions out of the per-bin loop.
	need := parentScore + minGain
	gl, hl := g0, h0
	for t := 0; t+1 < len(hist); t++ {
		b := hist[t]
		if b.h == 0 && b.g == 0 {
			continue
		}
		gl += b.g
		hl += b.h
		if hl < minH {
			continue
		}
		hr := sumH - hl
		if hr < minH {
			break
		}
		if minData > 0 {
			cl := hl * cntFactor
			if cl < minData {
				continue
			}
			if count-cl < minData {
				break
			}
		}
		gr := sumG - gl
		dl, dr := hl+lambda, hr+lambda
		if gl*gl*dr+gr*gr*dl <= need*dl*dr {
			continue
		}
		if gain := gl*gl/dl + gr*gr/dr - parentScore; gain > bestGain {
			bestT, bestGL, bestHL, bestGain = t, gl, hl, gain
			need = parentScore + gain
		}
	}
	return bestT, bestGL, bestHL, bestGain
}

// leafValue is the Newton step of a leaf, shrunk by the learning rate.
func (l *learner) leafValue(lf *leafState) float64 {
	d := lf.h + l.p.LambdaL2
	if d <= 0 {
		return 0
	}
	return -lf.g / d * l.p.LearningRate
}

// binLeaf returns the leaf of the current tree that row r of bd falls in.
func (l *learner) binLeaf(bd *binnedData, r int) int {
	if len(l.nodes) == 0 {
		return 0
	}
	i := int32(0)
	for i >= 0 {
		n := &l.nodes[i]
		b := bd.bin(r, int(n.feature))
		left := b <= n.bin
		if b == n.missBin {
			left = n.defaultLeft
		}
		if left {
			i = n.left
		} else {
			i = n.right
		}
	}
	return int(^i)
}

// toTree converts the grown tree to its model form with real thresholds.
func (l *learner) toTree(values []float64) tree {
	t := tree{
		nodes:     make([]node, len(l.nodes)),
		gain:      make([]float64, len(l.nodes)),
		cover:     make([]float64, len(l.nodes)),
		leaves:    append([]float64(nil), values...),
		leafCover: make([]float64, l.nleaves),
	}
	for i, n := range l.nodes {
		m := &l.bd.mappers[n.feature]
		def := n.defaultLeft
		if !m.hasMissing {
			// Without missing values in training, NaN is read as 0.
			def = m.zeroBin <= n.bin
		}
		t.nodes[i] = node{threshold: m.upper[n.bin], feature: n.feature, left: n.left, right: n.right, defaultLeft: def}
		t.gain[i] = n.gain
		t.cover[i] = n.cover
	}
	for i := 0; i < l.nleaves; i++ {
		t.leafCover[i] = l.leaves[i].h
	}
	t.computeDepth()
	return t
}
