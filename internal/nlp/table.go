package nlp

// featTable is an open-addressing hash table from feature hash to row,
// faster than a map for the labeller's many lookups of 64-bit keys.
type featTable struct {
	slots []slot // key and row side by side: one cache line per probe
	mask  uint64
}

type slot struct {
	key uint64 // 0 marks an empty slot; key 0 is stored as 1
	val int32
}

func newFeatTable(index map[uint64]int32) *featTable {
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
		t.slots[i] = slot{k, r}
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

func (t *featTable) get(h uint64) (int32, bool) {
	if h == 0 {
		h = 1
	}
	i := mix(h) & t.mask
	for {
		sl := &t.slots[i]
		if sl.key == h {
			return sl.val, true
		}
		if sl.key == 0 {
			return 0, false
		}
		i = (i + 1) & t.mask
	}
}
