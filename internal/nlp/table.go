package nlp

// featTable is the labeller's index for tagging: an open-addressing hash
// table from feature hash to the feature's nonzero weights. A feature has
// about three nonzero weights of the 27 DNRTI tags, so the sparse rows
// read a few bytes where the dense ones read two cache lines; and since
// adding a zero weight leaves a sum as it is, the scores are bit for bit
// those of the dense rows.
type featTable struct {
	slots []slot // key and row side by side: one cache line per probe
	mask  uint64
	ws    []tagWeight // the rows, each a run of nonzero weights by tag
}

type slot struct {
	key   uint64 // 0 marks an empty slot; key 0 is stored as 1
	start uint32 // the row's first weight in ws
	n     uint32 // the row's length
}

// tagWeight is one nonzero weight of a feature's row.
type tagWeight struct {
	w   float32
	tag int32
}

// newFeatTable indexes the rows of w (nt weights a row) by feature hash.
func newFeatTable(index map[uint64]int32, w []float32, nt int) *featTable {
	n := 1
	for n < 2*len(index)+1 {
		n <<= 1
	}
	t := &featTable{slots: make([]slot, n), mask: uint64(n - 1)}
	for h, r := range index {
		k := h
		if k == 0 {
			k = 1
		}
		i := mix(k) & t.mask
		for t.slots[i].key != 0 {
			i = (i + 1) & t.mask
		}
		start := len(t.ws)
		for tag, v := range w[int(r)*nt : int(r+1)*nt] {
			if v != 0 {
				t.ws = append(t.ws, tagWeight{v, int32(tag)})
			}
		}
		t.slots[i] = slot{k, uint32(start), uint32(len(t.ws) - start)}
	}
	return t
}

// mix spreads the bits of an FNV hash, whose low bits alone cluster.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// emissions appends the tag scores of a sentence (nt a token) to dst, in
// passes over all the sentence's features so that the table's cache
// misses overlap instead of waiting one after another: the hashes of every
// token; the slot of each (the first probe loaded without a branch on
// what it holds); the first weight of each row; then the rows, added in
// feature order (the sums of the dense path, to the bit).
func (t *featTable) emissions(dst []float32, tokens []string, inf []tokInfo, nt int) []float32 {
	hs, ends := make([]uint64, 0, 40*len(tokens)), make([]int, 0, len(tokens))
	for i := range tokens {
		hs = features(hs, tokens, inf, i)
		ends = append(ends, len(hs))
	}
	slots := make([]slot, len(hs))
	for k, h := range hs {
		if h == 0 {
			hs[k] = 1
		}
		slots[k] = t.slots[mix(hs[k])&t.mask]
	}
	heads := make([]tagWeight, len(hs))
	for k := range slots {
		if sl := &slots[k]; sl.key != hs[k] {
			*sl = t.probe(hs[k])
		}
		if sl := slots[k]; sl.n > 0 {
			heads[k] = t.ws[sl.start]
		}
	}
	start := 0
	for _, end := range ends {
		base := len(dst)
		dst = append(dst, make([]float32, nt)...)
		e := dst[base : base+nt]
		for k := start; k < end; k++ {
			sl := slots[k]
			if sl.n == 0 {
				continue
			}
			e[heads[k].tag] += heads[k].w
			for _, tw := range t.ws[sl.start+1 : sl.start+sl.n] {
				e[tw.tag] += tw.w
			}
		}
		start = end
	}
	return dst
}

// probe finds h (not 0) beyond its first slot, which holds another key;
// the slot of an unknown feature has no weights.
func (t *featTable) probe(h uint64) slot {
	i := mix(h) & t.mask
	for {
		i = (i + 1) & t.mask
		switch sl := t.slots[i]; sl.key {
		case h:
			return sl
		case 0:
			return slot{}
		}
	}
}
