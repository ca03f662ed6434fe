package gbdt

import (
	"math"
	"sync"
)

// gradPair is the gradient and hessian of one row, or their sums in a bin.
type gradPair struct{ g, h float64 }

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

// learner grows one tree at a time, reusing all of its buffers across trees
// so that growing a tree allocates almost nothing.
type learner struct {
	p        *Params
	bd       *binnedData
	threads  int
	gh       []gradPair // per row, for the current class
	bag      []int32    // rows used by the current trees, ascending
	oob      []int32    // rows left out of the bag, ascending
	rows     []int32    // bag rows, partitioned into leaf segments
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
		gh:      make([]gradPair, bd.n),
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
	return make([]gradPair, l.bd.totalBins)
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
		root.g += l.gh[r].g
		root.h += l.gh[r].h
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
	goLeft := func(b uint8) bool {
		if b == miss {
			return defLeft
		}
		return b <= t
	}
	seg := l.rows[start:end]
	part := func(seg, tmp []int32) (nl, nr int) {
		if j := bd.denseIdx[f]; j >= 0 {
			nd := len(bd.denseFeat)
			col := bd.dense[j:]
			for _, r := range seg {
				if goLeft(col[int(r)*nd]) {
					seg[nl] = r
					nl++
				} else {
					tmp[nr] = r
					nr++
				}
			}
		} else {
			for _, r := range seg {
				if goLeft(bd.bin(int(r), f)) {
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
	if l.threads > 1 && len(seg) >= 1<<16 {
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

// buildHist fills lf.hist from the rows of the leaf. Dense features are cut
// into blocks, one goroutine per block, and sparse features form one more
// task; every bin is summed by one goroutine in row order, so the result does
// not depend on the number of threads.
func (l *learner) buildHist(lf *leafState) {
	hist := lf.hist
	clear(hist)
	bd := l.bd
	rows := l.rows[lf.start:lf.end]
	nd := len(bd.denseFeat)
	hasSparse := len(bd.sparseFeat) > 0
	blocks := 1
	if l.threads > 1 && len(rows)*(nd+1) >= parallelRows {
		blocks = l.threads
		if hasSparse {
			blocks--
		}
	}
	blocks = max(min(blocks, nd), 1)
	tasks := blocks
	if hasSparse {
		tasks++
	}
	run := func(t int) {
		if t < blocks {
			if nd > 0 {
				histDense(hist, rows, l.gh, bd.dense, nd, nd*t/blocks, nd*(t+1)/blocks, l.denseOff)
			}
			return
		}
		histSparse(hist, rows, l.gh, bd.spPtr, bd.spHist)
	}
	if tasks == 1 || l.threads == 1 || len(rows)*(nd+1) < parallelRows {
		for t := range tasks {
			run(t)
		}
	} else {
		var wg sync.WaitGroup
		for t := 1; t < tasks; t++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run(t)
			}()
		}
		run(0)
		wg.Wait()
	}
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

func histDense(hist []gradPair, rows []int32, gh []gradPair, bins []uint8, nd, lo, hi int, denseOff []int) {
	off := denseOff[lo:hi]
	w := hi - lo
	if w == 0 {
		return
	}
	for _, r := range rows {
		g := gh[r]
		base := int(r)*nd + lo
		rb := bins[base : base+w : base+w]
		for j, b := range rb {
			h := &hist[off[j]+int(b)]
			h.g += g.g
			h.h += g.h
		}
	}
}

func histSparse(hist []gradPair, rows []int32, gh []gradPair, ptr []int, idx []uint32) {
	for _, r := range rows {
		g := gh[r]
		for _, i := range idx[ptr[r]:ptr[r+1]] {
			h := &hist[i]
			h.g += g.g
			h.h += g.h
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
	scan := func(f int, hist []gradPair, gl, hl float64, defLeft bool) {
		for t := 0; t+1 < len(hist); t++ {
			if hist[t].h == 0 && hist[t].g == 0 {
				continue
			}
			gl += hist[t].g
			hl += hist[t].h
			if hl < minH {
				continue
			}
			hr := lf.h - hl
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
			gr := lf.g - gl
			gain := gl*gl/(hl+lambda) + gr*gr/(hr+lambda) - parentScore
			if gain > best.gain {
				*best = splitInfo{ok: true, gain: gain, feature: f, bin: uint8(t), defaultLeft: defLeft, lg: gl, lh: hl, rg: gr, rh: hr}
			}
		}
	}
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
		scan(f, hist[:nv], 0, 0, false)
		if m.hasMissing && hist[nv].h > 0 {
			scan(f, hist[:nv], hist[nv].g, hist[nv].h, true)
		}
	}
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
