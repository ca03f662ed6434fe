package ipasn

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sync"
)

// magic starts a table file; the byte after it is the format version.
const magic = "SPASN\x01"

// Table maps IP ranges to autonomous systems: sorted, non-overlapping
// ranges, each pointing into the list of systems.
type Table struct {
	Version string // the dataset's version (the npm package's)
	asns    []ASN
	v4      []range4
	v6      []range6

	namesOnce sync.Once
	names     map[uint32]string // number → holder, for Name
}

type range4 struct {
	start, end uint32
	asn        uint32 // index into asns
}

type range6 struct {
	start, end [16]byte
	asn        uint32
}

// ASN is one autonomous system: its number and its holder's name.
type ASN struct {
	Number uint32 `json:"number"`
	Name   string `json:"name"`
}

// String is the system as analysts write it: "AS13335".
func (a ASN) String() string { return fmt.Sprintf("AS%d", a.Number) }

// Lookup returns the autonomous system announcing addr.
func (t *Table) Lookup(addr netip.Addr) (ASN, bool) {
	addr = addr.Unmap()
	if addr.Is4() {
		b := addr.As4()
		v := binary.BigEndian.Uint32(b[:])
		i, _ := slices.BinarySearchFunc(t.v4, v, func(r range4, v uint32) int {
			switch {
			case r.end < v:
				return -1
			case r.start > v:
				return 1
			}
			return 0
		})
		if i < len(t.v4) && t.v4[i].start <= v && v <= t.v4[i].end {
			return t.asns[t.v4[i].asn], true
		}
		return ASN{}, false
	}
	v := addr.As16()
	i, _ := slices.BinarySearchFunc(t.v6, v, func(r range6, v [16]byte) int {
		switch {
		case less16(r.end, v):
			return -1
		case less16(v, r.start):
			return 1
		}
		return 0
	})
	if i < len(t.v6) && !less16(v, t.v6[i].start) && !less16(t.v6[i].end, v) {
		return t.asns[t.v6[i].asn], true
	}
	return ASN{}, false
}

func less16(a, b [16]byte) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// Len is how many ranges the table holds.
func (t *Table) Len() int { return len(t.v4) + len(t.v6) }

// Write writes the table in the file format Read reads.
func (t *Table) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	le := binary.LittleEndian
	var buf []byte
	buf = append(buf, magic...)
	buf = le.AppendUint16(buf, uint16(len(t.Version)))
	buf = append(buf, t.Version...)
	buf = le.AppendUint32(buf, uint32(len(t.asns)))
	for _, a := range t.asns {
		buf = le.AppendUint32(buf, a.Number)
		buf = le.AppendUint16(buf, uint16(len(a.Name)))
		buf = append(buf, a.Name...)
	}
	buf = le.AppendUint32(buf, uint32(len(t.v4)))
	for _, r := range t.v4 {
		buf = le.AppendUint32(buf, r.start)
		buf = le.AppendUint32(buf, r.end)
		buf = le.AppendUint32(buf, r.asn)
	}
	buf = le.AppendUint32(buf, uint32(len(t.v6)))
	for _, r := range t.v6 {
		buf = append(buf, r.start[:]...)
		buf = append(buf, r.end[:]...)
		buf = le.AppendUint32(buf, r.asn)
	}
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	return bw.Flush()
}

// Read reads a table written by Write. A file cut short, or one whose
// ranges are out of order or point past the systems, is an error.
func Read(r io.Reader) (*Table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("ipasn: %w", err)
	}
	d := &decoder{b: data}
	if string(d.take(len(magic))) != magic {
		return nil, errors.New("ipasn: not an ASN table (bad magic)")
	}
	t := &Table{Version: string(d.take(int(d.u16())))}
	t.asns = make([]ASN, d.count(6))
	for i := range t.asns {
		t.asns[i].Number = d.u32()
		t.asns[i].Name = string(d.take(int(d.u16())))
	}
	t.v4 = make([]range4, d.count(12))
	for i := range t.v4 {
		t.v4[i] = range4{d.u32(), d.u32(), d.u32()}
	}
	t.v6 = make([]range6, d.count(36))
	for i := range t.v6 {
		copy(t.v6[i].start[:], d.take(16))
		copy(t.v6[i].end[:], d.take(16))
		t.v6[i].asn = d.u32()
	}
	if d.err != nil {
		return nil, fmt.Errorf("ipasn: %w", d.err)
	}
	n := uint32(len(t.asns))
	for i, r := range t.v4 {
		if r.asn >= n || r.start > r.end || i > 0 && t.v4[i-1].end >= r.start {
			return nil, fmt.Errorf("ipasn: IPv4 range %d is out of order or names system %d of %d", i, r.asn, n)
		}
	}
	for i, r := range t.v6 {
		if r.asn >= n || less16(r.end, r.start) || i > 0 && !less16(t.v6[i-1].end, r.start) {
			return nil, fmt.Errorf("ipasn: IPv6 range %d is out of order or names system %d of %d", i, r.asn, n)
		}
	}
	return t, nil
}

// decoder reads little-endian fields, remembering the first shortfall.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n > len(d.b) {
		if d.err == nil {
			d.err = io.ErrUnexpectedEOF
		}
		return make([]byte, n)
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) u16() uint16 { return binary.LittleEndian.Uint16(d.take(2)) }
func (d *decoder) u32() uint32 { return binary.LittleEndian.Uint32(d.take(4)) }

// count reads a length whose items take at least size bytes each, so that
// a corrupt count cannot ask for more memory than the file could fill.
func (d *decoder) count(size int) int {
	n := int(d.u32())
	if d.err == nil && n > len(d.b)/size {
		d.err = fmt.Errorf("a count of %d is more than the %d bytes left hold", n, len(d.b))
		return 0
	}
	return n
}
