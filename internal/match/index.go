// Package match finds stored indicators in logs of any text shape: web
// proxy and access logs, DNS query logs (BIND, dnsmasq, Zeek dns.log),
// Zeek TSV, JSON lines (Suricata EVE, cloud audit logs), syslog and CSV,
// plain or gzip-compressed.
//
// An Index holds the indicators compactly: every value in one byte arena,
// open-addressing tables of 64-bit slots over it, IPv4 addresses as
// integers, CIDR ranges by prefix length, and the sources and groups of
// indicators interned once per distinct set. A Scanner reads a stream a
// buffer at a time (memory does not grow with the log) and cuts each line
// into tokens at the bytes no indicator holds, so a value matches only as
// a whole token: an address is four dotted numbers with nothing numeric
// around them, a hash is a whole hexadecimal run, a domain matches itself
// and its subdomains (a token ending in ".evil.com") but never a longer
// name (notevil.com), a URL matches after normalising scheme, host and
// default port, an e-mail address as local part, '@' and domain.
//
// Indicators on a warninglist (as stored, or on a built-in one now) and
// values on the caller's allow list never enter the index: Index.Skipped
// counts them by reason, so a summary says what was left out and why.
//
// The package is pure apart from reading streams: it takes intel values
// and io.Readers and never touches the store or the file system.
package match

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"net/netip"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
)

// Types are the indicator types an Index holds; others are counted as
// skipped ("type") when added.
var Types = []intel.IndicatorType{
	intel.IndicatorIPv4, intel.IndicatorIPv6, intel.IndicatorCIDR, intel.IndicatorDomain,
	intel.IndicatorURL, intel.IndicatorEmail, intel.IndicatorMD5, intel.IndicatorSHA1,
	intel.IndicatorSHA256, intel.IndicatorSHA512,
}

// Reasons an indicator is left out of an Index.
const (
	ReasonAllowList = "allow-list" // on the caller's allow list (or under an allowed domain)
	ReasonType      = "type"       // a type logs are not matched for
	ReasonInvalid   = "invalid"    // a value that does not parse as its type
)

// Indicator is what an Index keeps of one stored indicator.
type Indicator struct {
	ID         int64               `json:"-"`
	Type       intel.IndicatorType `json:"type"`
	Value      string              `json:"value"`
	Confidence float64             `json:"-"`
	Sources    []string            `json:"-"`
	Groups     []string            `json:"-"`
}

// entry is one indicator in the index; its value is arena[off:off+n].
type entry struct {
	id   int64
	off  uint32
	n    uint32
	meta uint32
	conf float64
	typ  uint8
}

// meta is an interned set of sources and groups.
type meta struct {
	sources, groups []string
}

// Index is a read-only set of indicators built by a Builder. It is safe
// for concurrent use by several Scanners.
type Index struct {
	arena   []byte
	entries []entry
	metas   []meta

	domains, urls, hashes, emails, ip6 strTable
	ip4                                u64Table
	// cidr4 holds IPv4 ranges keyed by bits<<32 | network; bits4 lists
	// the prefix lengths present, longest first. cidr6 likewise with the
	// network as 16 bytes and a length byte.
	cidr4 u64Table
	bits4 []int
	cidr6 strTable
	bits6 []int
	// tlds are the last labels of the stored domains and URL hosts, and labels bit k
	// says a stored domain has k labels: a token is looked up only for
	// suffixes that could be stored.
	tlds   nameSet
	labels uint64
	// urlHosts are the hosts of stored URLs: a URL in a log is normalised
	// and looked up only when its host is one of them.
	urlHosts nameSet
	// net24 has a bit for every /24 network holding a stored address or
	// inside a stored range: most addresses in a log are
	// turned away by one bit test, in cache, before a table lookup.
	net24 []uint64

	skipped map[string]int
	types   map[intel.IndicatorType]int
}

// Len is the number of indicators added to the index.
func (ix *Index) Len() int { return len(ix.entries) }

// Skipped counts the indicators left out, by reason: a warninglist's name
// (as stored or built in), ReasonAllowList, ReasonType, ReasonInvalid.
func (ix *Index) Skipped() map[string]int { return maps(ix.skipped) }

// Counts gives how many indicators of each type the index holds.
func (ix *Index) Counts() map[intel.IndicatorType]int {
	out := map[intel.IndicatorType]int{}
	for k, v := range ix.types {
		out[k] = v
	}
	return out
}

func maps(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Bytes is about how much memory the index holds, for reports.
func (ix *Index) Bytes() int {
	n := len(ix.arena) + len(ix.entries)*32 + ix.ip4.bytes() + ix.cidr4.bytes()
	for _, t := range []*strTable{&ix.domains, &ix.urls, &ix.hashes, &ix.emails, &ix.ip6, &ix.cidr6} {
		n += len(t.slots)*8 + len(t.bloom)*8
	}
	n += len(ix.net24) * 8
	return n
}

// indicator returns entry i as an Indicator.
func (ix *Index) indicator(i uint32) Indicator {
	e := &ix.entries[i]
	m := &ix.metas[e.meta]
	return Indicator{ID: e.id, Type: Types[e.typ], Value: string(ix.arena[e.off : e.off+e.n]),
		Confidence: e.conf, Sources: m.sources, Groups: m.groups}
}

// Builder collects indicators into an Index.
type Builder struct {
	ix      *Index
	lists   []*ioc.Warninglist
	allow   *ioc.Warninglist
	metaIDs map[string]uint32
	// lastSources, lastGroups and lastMeta short-cut meta for runs of
	// indicators with the same sources and groups (the store's order).
	lastSources, lastGroups []string
	lastMeta                uint32
	// pending entries per table, hashed into the tables by Index.
	pending [numTables][]uint32
}

const (
	tDomain = iota
	tURL
	tHash
	tEmail
	tIP6
	tCIDR6
	numTables
)

// Options tune a Builder.
type Options struct {
	// Warninglists are checked for every indicator besides the list it is
	// stored with; nil takes ioc.DefaultWarninglists.
	Warninglists []*ioc.Warninglist
	// Allow are values that never match (a whitelist): domains (with
	// their subdomains), addresses, ranges, URLs, hashes, e-mail addresses.
	Allow []string
}

// NewBuilder returns an empty Builder.
func NewBuilder(opts Options) *Builder {
	lists := opts.Warninglists
	if lists == nil {
		lists = ioc.DefaultWarninglists()
	}
	return &Builder{
		ix: &Index{skipped: map[string]int{}, types: map[intel.IndicatorType]int{},
			tlds: newNameSet(), urlHosts: newNameSet()},
		lists: lists, allow: ioc.NewWarninglist(ReasonAllowList, opts.Allow...),
		metaIDs: map[string]uint32{}, lastMeta: ^uint32(0),
	}
}

func typeIndex(t intel.IndicatorType) int {
	return slices.Index(Types, t)
}

// AddExport adds a stored indicator as the store exports it.
func (b *Builder) AddExport(in *intel.ExportIndicator) {
	gs := make([]string, 0, len(in.Groups))
	for _, g := range in.Groups {
		gs = append(gs, g.Name)
	}
	b.Add(Indicator{ID: in.ID, Type: in.Type, Value: in.Value, Confidence: in.Confidence,
		Sources: in.Sources, Groups: gs}, in.Warninglist)
}

// Add adds one indicator; warninglist is the list it is stored as being
// on ("" for none), which leaves it out.
func (b *Builder) Add(in Indicator, warninglist string) {
	ix := b.ix
	ti := typeIndex(in.Type)
	if ti < 0 {
		ix.skipped[ReasonType]++
		return
	}
	if warninglist != "" {
		ix.skipped[warninglist]++
		return
	}
	it, _ := ioc.ParseType(string(in.Type))
	for _, w := range b.lists {
		if w.Contains(it, in.Value) {
			ix.skipped[w.Name()]++
			return
		}
	}
	if b.allowed(in.Type, in.Value) {
		ix.skipped[ReasonAllowList]++
		return
	}
	key, table, ok := keyOf(in.Type, in.Value)
	if !ok {
		ix.skipped[ReasonInvalid]++
		return
	}
	idx := uint32(len(ix.entries))
	e := entry{id: in.ID, off: uint32(len(ix.arena)), n: uint32(len(in.Value)), meta: b.meta(in.Sources, in.Groups),
		conf: in.Confidence, typ: uint8(ti)}
	ix.arena = append(ix.arena, in.Value...)
	ix.entries = append(ix.entries, e)
	ix.types[in.Type]++
	switch in.Type {
	case intel.IndicatorIPv4:
		a := netip.MustParseAddr(key).As4()
		v := binary.BigEndian.Uint32(a[:])
		ix.ip4.put(uint64(v), idx)
		ix.mark24(v>>8, v>>8)
		return
	case intel.IndicatorCIDR:
		p := netip.MustParsePrefix(key)
		if p.Addr().Is4() {
			a := p.Addr().As4()
			v := binary.BigEndian.Uint32(a[:])
			ix.cidr4.put(uint64(p.Bits())<<32|uint64(v), idx)
			span := uint32(1)
			if p.Bits() < 24 {
				span = 1 << (24 - p.Bits())
			}
			ix.mark24(v>>8, v>>8+span-1)
			if !slices.Contains(ix.bits4, p.Bits()) {
				ix.bits4 = append(ix.bits4, p.Bits())
			}
			return
		}
		if !slices.Contains(ix.bits6, p.Bits()) {
			ix.bits6 = append(ix.bits6, p.Bits())
		}
	case intel.IndicatorDomain:
		ix.tlds.add(key[strings.LastIndexByte(key, '.')+1:])
		ix.labels |= 1 << min(strings.Count(key, ".")+1, 63)
	case intel.IndicatorURL:
		if h, ok := urlHost([]byte(key)); ok {
			ix.urlHosts.add(string(h))
			ix.tlds.add(string(h[bytes.LastIndexByte(h, '.')+1:]))
		}
	}
	// The key of a string table is kept in the arena after the value
	// when it differs from it (a normalised URL, an address's bytes).
	b.pending[table] = append(b.pending[table], idx)
	if key != in.Value {
		ix.entries[idx].n = uint32(len(in.Value))
		ix.arena = append(ix.arena, key...)
	}
}

// allowed reports whether the allow list holds value.
func (b *Builder) allowed(t intel.IndicatorType, v string) bool {
	if b.allow.Len() == 0 {
		return false
	}
	it, _ := ioc.ParseType(string(t))
	if b.allow.Contains(it, v) {
		return true
	}
	if t == intel.IndicatorURL || t == intel.IndicatorEmail {
		// A URL or address under an allowed domain or address is allowed.
		host := v
		if t == intel.IndicatorEmail {
			host = v[strings.LastIndexByte(v, '@')+1:]
		} else if h, ok := urlHost([]byte(normURL([]byte(v), nil))); ok {
			host = string(h)
		}
		if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
			return b.allow.Contains(ioc.TypeIPv4, a.String()) || b.allow.Contains(ioc.TypeIPv6, a.String())
		}
		return b.allow.Contains(ioc.TypeDomain, host)
	}
	return false
}

// keyOf returns the lookup key of a value and the string table it goes
// in (unused for IPv4 and IPv4 ranges).
func keyOf(t intel.IndicatorType, v string) (string, int, bool) {
	switch t {
	case intel.IndicatorIPv4:
		a, err := netip.ParseAddr(v)
		if err != nil || !a.Is4() {
			return "", 0, false
		}
		return a.String(), 0, true
	case intel.IndicatorIPv6:
		a, err := netip.ParseAddr(v)
		if err != nil || !a.Is6() || a.Is4In6() {
			return "", 0, false
		}
		b := a.As16()
		return string(b[:]), tIP6, true
	case intel.IndicatorCIDR:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return "", 0, false
		}
		p = p.Masked()
		if p.Addr().Is4() {
			return p.String(), 0, true
		}
		b := p.Addr().As16()
		return string(append(b[:], byte(p.Bits()))), tCIDR6, true
	case intel.IndicatorDomain:
		d := strings.Trim(strings.ToLower(v), ".")
		if d == "" || strings.ContainsFunc(d, func(r rune) bool { return r > 127 || cls[byte(r)]&cWord == 0 }) {
			return "", 0, false
		}
		return d, tDomain, true
	case intel.IndicatorURL:
		n := normURL([]byte(v), nil)
		if n == nil {
			return "", 0, false
		}
		return string(n), tURL, true
	case intel.IndicatorEmail:
		e := strings.ToLower(v)
		if strings.Count(e, "@") != 1 {
			return "", 0, false
		}
		return e, tEmail, true
	default: // hashes
		h := strings.ToLower(v)
		for i := 0; i < len(h); i++ {
			if cls[h[i]]&cHex == 0 {
				return "", 0, false
			}
		}
		return h, tHash, true
	}
}

// meta interns a set of sources and groups.
func (b *Builder) meta(sources, groups []string) uint32 {
	if b.lastMeta != ^uint32(0) && slices.Equal(sources, b.lastSources) && slices.Equal(groups, b.lastGroups) {
		return b.lastMeta
	}
	id := b.internMeta(sources, groups)
	b.lastSources, b.lastGroups, b.lastMeta = b.ix.metas[id].sources, b.ix.metas[id].groups, id
	return id
}

func (b *Builder) internMeta(sources, groups []string) uint32 {
	k := strings.Join(sources, "\x00") + "\x01" + strings.Join(groups, "\x00")
	if id, ok := b.metaIDs[k]; ok {
		return id
	}
	id := uint32(len(b.ix.metas))
	b.ix.metas = append(b.ix.metas, meta{sources: slices.Clone(sources), groups: slices.Clone(groups)})
	b.metaIDs[k] = id
	return id
}

// Index finishes the index; the Builder must not be used after.
func (b *Builder) Index() *Index {
	ix := b.ix
	seed := maphash.MakeSeed()
	tables := [numTables]*strTable{&ix.domains, &ix.urls, &ix.hashes, &ix.emails, &ix.ip6, &ix.cidr6}
	for ti, t := range tables {
		t.init(seed, len(b.pending[ti]))
		for _, idx := range b.pending[ti] {
			t.put(ix, idx, ix.key(idx))
		}
	}
	ix.tlds.finish(seed)
	ix.urlHosts.finish(seed)
	slices.SortFunc(ix.bits4, func(a, b int) int { return cmp.Compare(b, a) })
	slices.SortFunc(ix.bits6, func(a, b int) int { return cmp.Compare(b, a) })
	b.metaIDs = nil
	return ix
}

// key returns the lookup key of entry idx: its value, or the key stored
// after it in the arena.
func (ix *Index) key(idx uint32) []byte {
	e := &ix.entries[idx]
	end := uint32(len(ix.arena))
	if int(idx)+1 < len(ix.entries) {
		end = ix.entries[idx+1].off
	}
	if end > e.off+e.n {
		return ix.arena[e.off+e.n : end]
	}
	return ix.arena[e.off : e.off+e.n]
}

// keySource gives the key of an entry of a strTable.
type keySource interface{ key(idx uint32) []byte }

// strTable is an open-addressing hash set of byte strings kept elsewhere
// (a keySource): a slot is the top 32 bits of the key's hash and the entry
// index plus one. A one-hash Bloom filter of 8 bits an entry, small
// enough to stay in cache, turns most absent keys away before the slots
// (which miss the cache) are read.
type strTable struct {
	seed  maphash.Seed
	slots []uint64
	mask  uint64
	bloom []uint64
	bmask uint64
}

func (t *strTable) init(seed maphash.Seed, n int) {
	if n == 0 {
		return
	}
	size := 8
	for size < 2*n {
		size *= 2
	}
	bits := 512
	for bits < 8*n {
		bits *= 2
	}
	t.seed, t.slots, t.mask = seed, make([]uint64, size), uint64(size-1)
	t.bloom, t.bmask = make([]uint64, bits/64), uint64(bits-1)
}

func (t *strTable) put(src keySource, idx uint32, key []byte) {
	h := maphash.Bytes(t.seed, key)
	b := (h >> 24) & t.bmask
	t.bloom[b>>6] |= 1 << (b & 63)
	tag := h >> 32 << 32
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			t.slots[i] = tag | uint64(idx+1)
			return
		}
		if s&^0xffffffff == tag && string(src.key(uint32(s)-1)) == string(key) {
			return // the same key again (two spellings of one URL): the first stays
		}
	}
}

// get returns the entry whose key is key.
func (t *strTable) get(src keySource, key []byte) (uint32, bool) {
	if len(t.slots) == 0 || len(key) == 0 {
		return 0, false
	}
	h := maphash.Bytes(t.seed, key)
	if b := (h >> 24) & t.bmask; t.bloom[b>>6]&(1<<(b&63)) == 0 {
		return 0, false
	}
	tag := h >> 32 << 32
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if s&^0xffffffff == tag {
			idx := uint32(s) - 1
			if string(src.key(idx)) == string(key) {
				return idx, true
			}
		}
	}
}

// nameSet is a set of short strings (last labels of domains, hosts of
// URLs) in one arena, looked up without allocating.
type nameSet struct {
	arena []byte
	offs  []uint32
	seen  map[string]bool // while building
	t     strTable
}

func newNameSet() nameSet { return nameSet{seen: map[string]bool{}, offs: []uint32{0}} }

func (n *nameSet) add(v string) {
	if n.seen[v] {
		return
	}
	n.seen[v] = true
	n.arena = append(n.arena, v...)
	n.offs = append(n.offs, uint32(len(n.arena)))
}

func (n *nameSet) finish(seed maphash.Seed) {
	n.seen = nil
	n.t.init(seed, len(n.offs)-1)
	for i := range len(n.offs) - 1 {
		n.t.put(n, uint32(i), n.key(uint32(i)))
	}
	n.seen = nil
}

func (n *nameSet) key(i uint32) []byte { return n.arena[n.offs[i]:n.offs[i+1]] }

func (n *nameSet) len() int { return len(n.offs) - 1 }

func (n *nameSet) has(v []byte) bool {
	_, ok := n.t.get(n, v)
	return ok
}

// mark24 sets the bits of /24 networks lo..hi in net24.
func (ix *Index) mark24(lo, hi uint32) {
	if ix.net24 == nil {
		ix.net24 = make([]uint64, 1<<24/64)
	}
	for n := lo; n <= hi; n++ {
		if n&63 == 0 && hi-n >= 63 {
			ix.net24[n>>6] = ^uint64(0)
			n += 63
			continue
		}
		ix.net24[n>>6] |= 1 << (n & 63)
		if n == hi {
			break
		}
	}
}

// u64Table is an open-addressing map of non-zero-able uint64 keys (an
// IPv4 address, a prefix length and network) to entry indexes; it grows
// as keys are put.
type u64Table struct {
	keys []uint64
	vals []uint32 // entry index plus one; 0 is an empty slot
	n    int
}

func (t *u64Table) bytes() int { return len(t.keys)*8 + len(t.vals)*4 }

func hash64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

func (t *u64Table) put(k uint64, idx uint32) {
	if 2*(t.n+1) > len(t.keys) {
		old := *t
		size := max(16, 2*len(t.keys))
		t.keys, t.vals, t.n = make([]uint64, size), make([]uint32, size), 0
		for i, v := range old.vals {
			if v != 0 {
				t.insert(old.keys[i], v)
			}
		}
	}
	t.insert(k, idx+1)
}

func (t *u64Table) insert(k uint64, v uint32) {
	mask := uint64(len(t.keys) - 1)
	for i := hash64(k) & mask; ; i = (i + 1) & mask {
		if t.vals[i] == 0 {
			t.keys[i], t.vals[i] = k, v
			t.n++
			return
		}
		if t.keys[i] == k {
			return
		}
	}
}

func (t *u64Table) get(k uint64) (uint32, bool) {
	if t.n == 0 {
		return 0, false
	}
	mask := uint64(len(t.keys) - 1)
	for i := hash64(k) & mask; ; i = (i + 1) & mask {
		v := t.vals[i]
		if v == 0 {
			return 0, false
		}
		if t.keys[i] == k {
			return v - 1, true
		}
	}
}
