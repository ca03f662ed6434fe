package gbdt

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"
)

// binSampleRows bounds the rows used to find bin boundaries; LightGBM uses
// the same figure, and quantiles of 200k rows are close enough to exact.
const binSampleRows = 200_000

// sparseMaxShare is the largest share of rows outside a feature's zero bin
// for which the feature is stored sparsely (row-wise list of non-zero bins).
// Above it a dense uint8 column costs less to scan than the list.
const sparseMaxShare = 0.25

// binMapper maps the values of one feature to bins. Value bin b holds the
// values in (upper[b-1], upper[b]]; the last upper bound is +Inf. When the
// feature had missing values in training, NaN goes to the extra bin
// len(upper); otherwise NaN is treated as 0, as it would be in sparse data.
type binMapper struct {
	upper      []float64
	keys       []uint64 // floatKey of upper, for lookups
	hasMissing bool
	zeroBin    uint8
}

func (m *binMapper) numBins() int {
	if m.hasMissing {
		return len(m.upper) + 1
	}
	return len(m.upper)
}

func (m *binMapper) missingBin() uint8 { return uint8(len(m.upper)) }

func (m *binMapper) bin(v float64) uint8 {
	if v != v {
		if m.hasMissing {
			return uint8(len(m.upper))
		}
		return m.zeroBin
	}
	// Branch-free lower bound on order-preserving integer keys: the borrow
	// of key subtraction says "bound < value" without a branch, whose
	// mispredictions would dominate the 50M lookups of a large set.
	up := m.keys
	k := floatKey(v)
	lo, n := 0, len(up)
	for n > 1 {
		half := n >> 1
		_, less := bits.Sub64(up[lo+half-1], k, 0)
		lo += half * int(less)
		n -= half
	}
	return uint8(lo)
}

// floatKey maps a float64 to a uint64 with the same order (for non-NaN
// values): flip all bits of negatives, only the sign bit of the rest.
func floatKey(v float64) uint64 {
	b := math.Float64bits(v)
	return b ^ (uint64(int64(b)>>63) | 1<<63)
}

// midpoint returns a boundary t with a <= t < b.
func midpoint(a, b float64) float64 {
	t := a + (b-a)/2
	if t >= b || math.IsInf(t, 0) {
		t = a
	}
	return t
}

// newBinMapper finds bin boundaries from sampled non-missing values (vals,
// sorted in place) plus zeros implicit zeros. With few distinct values every
// value gets its own bin; otherwise bins hold about equal counts, and a
// value that alone exceeds the share (such as 0 in sparse data) gets its own.
func newBinMapper(vals []float64, zeros int, hasMissing bool, maxBin int) binMapper {
	slices.Sort(vals)
	var distinct []float64
	var counts []int
	add := func(v float64, c int) {
		if n := len(distinct); n > 0 && distinct[n-1] == v {
			counts[n-1] += c
			return
		}
		distinct = append(distinct, v)
		counts = append(counts, c)
	}
	zeroDone := zeros == 0
	for i := 0; i < len(vals); {
		v := vals[i]
		j := i + 1
		for j < len(vals) && vals[j] == v {
			j++
		}
		if !zeroDone && v >= 0 {
			add(0, zeros)
			zeroDone = true
		}
		add(v, j-i)
		i = j
	}
	if !zeroDone {
		add(0, zeros)
	}
	m := binMapper{hasMissing: hasMissing}
	switch {
	case len(distinct) == 0:
	case len(distinct) <= maxBin:
		for i := 0; i+1 < len(distinct); i++ {
			m.upper = append(m.upper, midpoint(distinct[i], distinct[i+1]))
		}
	default:
		remaining := 0
		for _, c := range counts {
			remaining += c
		}
		binsLeft := maxBin
		acc := 0
		for i := 0; i+1 < len(distinct) && binsLeft > 1; i++ {
			acc += counts[i]
			target := float64(remaining) / float64(binsLeft)
			// Close the bin when it is full, or when adding the next value
			// would overfill it more than stopping short underfills it.
			if float64(acc) >= target || float64(acc+counts[i+1])-target > target-float64(acc) {
				m.upper = append(m.upper, midpoint(distinct[i], distinct[i+1]))
				remaining -= acc
				acc = 0
				binsLeft--
			}
		}
	}
	m.upper = append(m.upper, math.Inf(1))
	m.keys = make([]uint64, len(m.upper))
	for i, u := range m.upper {
		m.keys[i] = floatKey(u)
	}
	m.zeroBin = m.bin(0)
	return m
}

// binnedData is a Dataset quantised for training. Dense features are stored
// column-major as uint8 bins, so that a histogram pass over a few features
// reads only their columns and keeps their small histograms in L1 cache;
// sparse features keep, per row, only the entries whose bin differs from the
// feature's zero bin, and the zero bin of a histogram is derived from the
// node totals by subtraction.
type binnedData struct {
	n, nfeat  int
	mappers   []binMapper
	off       []int // histogram offset of each feature's first bin
	totalBins int

	denseFeat []int   // features stored densely, in order
	denseIdx  []int   // feature -> position in denseFeat, or -1
	dense     []uint8 // column j of denseFeat is dense[j*n : (j+1)*n]

	sparseFeat []int // features stored sparsely, in order
	spPtr      []int
	spFeat     []int32
	spBin      []uint8
	spHist     []uint32 // off[spFeat[k]] + spBin[k], precomputed for histograms
}

// bin returns the bin of feature f in row r.
func (b *binnedData) bin(r, f int) uint8 {
	if j := b.denseIdx[f]; j >= 0 {
		return b.dense[j*b.n+r]
	}
	lo, hi := b.spPtr[r], b.spPtr[r+1]
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if int(b.spFeat[mid]) < f {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < b.spPtr[r+1] && int(b.spFeat[lo]) == f {
		return b.spBin[lo]
	}
	return b.mappers[f].zeroBin
}

// parallelFor runs fn over [0, n) split into at most threads contiguous
// chunks and waits for all of them.
func parallelFor(n, threads int, fn func(lo, hi int)) {
	if threads > n {
		threads = n
	}
	if threads <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for t := 0; t < threads; t++ {
		lo, hi := n*t/threads, n*(t+1)/threads
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// newMappers finds the bin boundaries of every feature of d from a sample
// of at most binSampleRows rows drawn with seed, and reports which features
// should be stored sparsely.
func newMappers(d *Dataset, maxBin int, seed uint64, threads int) ([]binMapper, []bool) {
	n := d.numRows
	sample := make([]int, 0, min(n, binSampleRows))
	if n <= binSampleRows {
		for r := range n {
			sample = append(sample, r)
		}
	} else {
		rng := rand.New(rand.NewPCG(seed, 0x62696e73))
		sample = rng.Perm(n)[:binSampleRows]
		slices.Sort(sample)
	}
	nf := d.numFeat
	mappers := make([]binMapper, nf)
	sparse := make([]bool, nf)
	finish := func(f int, vals []float64, zeros, missing int) {
		mappers[f] = newBinMapper(vals, zeros, missing > 0, maxBin)
		m := &mappers[f]
		inZero := 0
		lo := math.Inf(-1)
		if m.zeroBin > 0 {
			lo = m.upper[m.zeroBin-1]
		}
		hi := m.upper[m.zeroBin]
		inZero = zeros
		for _, v := range vals {
			if v > lo && v <= hi && v != 0 {
				inZero++
			}
		}
		sparse[f] = float64(len(sample)-inZero) <= sparseMaxShare*float64(len(sample))
	}
	if !d.sparse() {
		// Copy the sample column by column in blocks of rows, so each row
		// is read once rather than once per feature.
		cols := make([]float64, nf*len(sample))
		const block = 256
		parallelFor((len(sample)+block-1)/block, threads, func(blo, bhi int) {
			for b := blo; b < bhi; b++ {
				rs := sample[b*block : min((b+1)*block, len(sample))]
				for f := range nf {
					out := cols[f*len(sample)+b*block:]
					for i, r := range rs {
						out[i] = d.dense[r][f]
					}
				}
			}
		})
		parallelFor(nf, threads, func(lo, hi int) {
			for f := lo; f < hi; f++ {
				col := cols[f*len(sample) : (f+1)*len(sample)]
				vals := col[:0] // filtered in place
				zeros, missing := 0, 0
				for _, v := range col {
					switch {
					case v != v:
						missing++
					case v == 0:
						zeros++
					default:
						vals = append(vals, v)
					}
				}
				finish(f, vals, zeros, missing)
			}
		})
		return mappers, sparse
	}
	perFeat := make([][]float64, nf)
	missing := make([]int, nf)
	for _, r := range sample {
		for k := d.indptr[r]; k < d.indptr[r+1]; k++ {
			f, v := d.indices[k], d.values[k]
			switch {
			case v != v:
				missing[f]++
			case v != 0:
				perFeat[f] = append(perFeat[f], v)
			}
		}
	}
	parallelFor(nf, threads, func(lo, hi int) {
		for f := lo; f < hi; f++ {
			zeros := len(sample) - len(perFeat[f]) - missing[f]
			finish(f, perFeat[f], zeros, missing[f])
		}
	})
	return mappers, sparse
}

// binData quantises d with the given mappers; sparse tells which features
// to store sparsely.
func binData(d *Dataset, mappers []binMapper, sparse []bool, threads int) *binnedData {
	nf := d.numFeat
	b := &binnedData{n: d.numRows, nfeat: nf, mappers: mappers, denseIdx: make([]int, nf)}
	b.off = make([]int, nf+1)
	for f := range nf {
		b.off[f+1] = b.off[f] + mappers[f].numBins()
		if sparse[f] {
			b.denseIdx[f] = -1
			b.sparseFeat = append(b.sparseFeat, f)
		} else {
			b.denseIdx[f] = len(b.denseFeat)
			b.denseFeat = append(b.denseFeat, f)
		}
	}
	b.totalBins = b.off[nf]
	nd := len(b.denseFeat)
	n := d.numRows
	b.dense = make([]uint8, n*nd)
	// Rows are cut into a fixed number of chunks (not one per thread) so the
	// layout never depends on the thread count.
	const chunks = 64
	type part struct {
		cnt  []int
		feat []int32
		bin  []uint8
	}
	parts := make([]part, chunks)
	parallelFor(chunks, threads, func(clo, chi int) {
		for c := clo; c < chi; c++ {
			lo, hi := n*c/chunks, n*(c+1)/chunks
			p := &parts[c]
			p.cnt = make([]int, hi-lo)
			if !d.sparse() {
				// Feature by feature over blocks of rows: one feature's
				// bounds stay in L1 cache for a block whose rows stay in L2.
				const block = 256
				for blo := lo; blo < hi; blo += block {
					bhi := min(blo+block, hi)
					for j, f := range b.denseFeat {
						m := &mappers[f]
						out := b.dense[j*n+blo : j*n+bhi]
						for i := range out {
							out[i] = m.bin(d.dense[blo+i][f])
						}
					}
				}
			}
			for r := lo; r < hi; r++ {
				if d.sparse() {
					// Only stored entries can leave the zero bin.
					for j, f := range b.denseFeat {
						b.dense[j*n+r] = mappers[f].zeroBin
					}
					for k := d.indptr[r]; k < d.indptr[r+1]; k++ {
						f := int(d.indices[k])
						bn := mappers[f].bin(d.values[k])
						if j := b.denseIdx[f]; j >= 0 {
							b.dense[j*n+r] = bn
						} else if bn != mappers[f].zeroBin {
							p.feat = append(p.feat, int32(f))
							p.bin = append(p.bin, bn)
							p.cnt[r-lo]++
						}
					}
					continue
				}
				row := d.dense[r]
				for _, f := range b.sparseFeat {
					if bn := mappers[f].bin(row[f]); bn != mappers[f].zeroBin {
						p.feat = append(p.feat, int32(f))
						p.bin = append(p.bin, bn)
						p.cnt[r-lo]++
					}
				}
			}
		}
	})
	b.spPtr = make([]int, n+1)
	total := 0
	for c := range parts {
		total += len(parts[c].feat)
	}
	b.spFeat = make([]int32, 0, total)
	b.spBin = make([]uint8, 0, total)
	r := 0
	for c := range parts {
		for _, k := range parts[c].cnt {
			b.spPtr[r+1] = b.spPtr[r] + k
			r++
		}
		b.spFeat = append(b.spFeat, parts[c].feat...)
		b.spBin = append(b.spBin, parts[c].bin...)
	}
	b.spHist = make([]uint32, total)
	for k, f := range b.spFeat {
		b.spHist[k] = uint32(b.off[f] + int(b.spBin[k]))
	}
	return b
}
