package ipasn

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
)

// FromCSV builds a table from the dataset's CSV files: v4 as
// "start,end,asn,name" with the addresses as decimal numbers
// (asn-ipv4-num.csv), v6 with the addresses written out (asn-ipv6.csv).
// A row it cannot read is an error naming the file's line.
func FromCSV(v4, v6 io.Reader, version string) (*Table, error) {
	t := &Table{Version: version}
	index := map[ASN]uint32{}
	system := func(num, name string) (uint32, error) {
		n, err := strconv.ParseUint(num, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("AS number %q", num)
		}
		a := ASN{Number: uint32(n), Name: name}
		if len(a.Name) > 1<<16-1 {
			a.Name = a.Name[:1<<16-1]
		}
		i, ok := index[a]
		if !ok {
			i = uint32(len(t.asns))
			index[a] = i
			t.asns = append(t.asns, a)
		}
		return i, nil
	}
	err := rows(v4, "IPv4", func(rec []string) error {
		s, err1 := strconv.ParseUint(rec[0], 10, 32)
		e, err2 := strconv.ParseUint(rec[1], 10, 32)
		if err := errors.Join(err1, err2); err != nil || s > e {
			return fmt.Errorf("range %q–%q", rec[0], rec[1])
		}
		i, err := system(rec[2], rec[3])
		t.v4 = append(t.v4, range4{uint32(s), uint32(e), i})
		return err
	})
	if err != nil {
		return nil, err
	}
	err = rows(v6, "IPv6", func(rec []string) error {
		s, err1 := netip.ParseAddr(rec[0])
		e, err2 := netip.ParseAddr(rec[1])
		if err := errors.Join(err1, err2); err != nil || !s.Is6() || !e.Is6() || e.Less(s) {
			return fmt.Errorf("range %q–%q", rec[0], rec[1])
		}
		i, err := system(rec[2], rec[3])
		t.v6 = append(t.v6, range6{s.As16(), e.As16(), i})
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(t.v4, func(a, b range4) int { return cmp.Compare(a.start, b.start) })
	slices.SortStableFunc(t.v6, func(a, b range6) int { return compare16(a.start, b.start) })
	t.v4 = flatten(t.v4, func(r range4) (uint32, uint32) { return r.start, r.end },
		func(r range4, s, e uint32) range4 { r.start, r.end = s, e; return r },
		cmp.Compare[uint32], func(v uint32) uint32 { return v - 1 }, func(v uint32) uint32 { return v + 1 })
	t.v6 = flatten(t.v6, func(r range6) ([16]byte, [16]byte) { return r.start, r.end },
		func(r range6, s, e [16]byte) range6 { r.start, r.end = s, e; return r },
		compare16, func(v [16]byte) [16]byte { return add16(v, -1) }, func(v [16]byte) [16]byte { return add16(v, 1) })
	return t, nil
}

func rows(r io.Reader, what string, each func([]string) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return fmt.Errorf("%s CSV: %w", what, err)
		}
		if err := each(rec); err != nil {
			return fmt.Errorf("%s CSV line %d: %w", what, line, err)
		}
	}
}

// flatten makes ranges sorted by start non-overlapping: where one range
// lies inside another (the dataset nests a few, a department's block in
// its parent's), the inner, more specific one wins, and the outer one
// keeps the parts before and after it.
func flatten[R any, K any](rs []R, bounds func(R) (K, K), with func(R, K, K) R, compare func(K, K) int, prev, next func(K) K) []R {
	out := make([]R, 0, len(rs))
	for _, r := range rs {
		s, e := bounds(r)
		for len(out) > 0 {
			last := out[len(out)-1]
			ls, le := bounds(last)
			if compare(le, s) < 0 {
				break
			}
			// last overlaps r: keep its part before r, and its part after
			// r goes in after r.
			out = out[:len(out)-1]
			if compare(ls, s) < 0 {
				out = append(out, with(last, ls, prev(s)))
			}
			if compare(le, e) > 0 {
				out = append(out, with(r, s, e))
				r, s, e = with(last, next(e), le), next(e), le
			}
		}
		out = append(out, r)
	}
	return out
}

func compare16(a, b [16]byte) int {
	switch {
	case less16(a, b):
		return -1
	case less16(b, a):
		return 1
	}
	return 0
}

// add16 adds d (±1) to a 128-bit big-endian number.
func add16(v [16]byte, d int) [16]byte {
	for i := 15; i >= 0; i-- {
		if d > 0 {
			v[i]++
			if v[i] != 0 {
				break
			}
		} else {
			v[i]--
			if v[i] != 0xff {
				break
			}
		}
	}
	return v
}
