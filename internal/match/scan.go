package match

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/netip"
)

// Byte classes. A token is a run of word bytes (letters, digits, '.',
// '-', '_'); every other byte separates tokens.
const (
	cDigit  = 1 << iota // 0-9
	cHex                // 0-9 a-f A-F
	cAlpha              // letters
	cUpper              // A-Z
	cDot                // .
	cDash               // - _
	cWord               // any of the above
	cURLEnd             // ends a URL: white space, quotes, <>, `, {}, |, \, ','
)

var cls = func() (t [256]uint8) {
	for b := '0'; b <= '9'; b++ {
		t[b] = cDigit | cHex | cWord
	}
	for b := 'a'; b <= 'z'; b++ {
		t[b] = cAlpha | cWord
		t[b-'a'+'A'] = cAlpha | cUpper | cWord
	}
	for b := 'a'; b <= 'f'; b++ {
		t[b] |= cHex
		t[b-'a'+'A'] |= cHex
	}
	t['.'] = cDot | cWord
	t['-'] = cDash | cWord
	t['_'] = cDash | cWord
	for b := 0; b <= ' '; b++ {
		t[b] = cURLEnd
	}
	for _, b := range "\"'<>`{}|\\,\x7f" {
		t[b] = cURLEnd
	}
	return t
}()

// MaxText is how much of a line a Hit quotes.
const MaxText = 4096

// Hit is one stored indicator found on one line.
type Hit struct {
	File       string    `json:"file"`
	Line       int64     `json:"line"`
	Indicator  Indicator `json:"indicator"`
	Text       string    `json:"text"`
	Groups     []string  `json:"groups"`
	Sources    []string  `json:"sources"`
	Confidence float64   `json:"confidence"`
}

// Stats counts what a Scan read.
type Stats struct {
	Bytes        int64 `json:"bytes"` // uncompressed
	Lines        int64 `json:"lines"`
	Hits         int64 `json:"hits"`
	LinesWithHit int64 `json:"lines_with_hits"`
}

// Add adds o to s.
func (s *Stats) Add(o Stats) {
	s.Bytes += o.Bytes
	s.Lines += o.Lines
	s.Hits += o.Hits
	s.LinesWithHit += o.LinesWithHit
}

// Scanner finds an Index's indicators in lines. A Scanner is not safe for
// concurrent use; make one per goroutine.
type Scanner struct {
	ix   *Index
	buf  []byte
	low  []byte
	key  []byte
	hits []uint32
	// host is the last stored URL host seen as a token of the line: a
	// path field later in the line makes a URL with it (Zeek http.log,
	// EVE http events write host and URI apart).
	host []byte
}

// bufSize is the read buffer: a line longer than it is read in parts.
const bufSize = 1 << 20

// NewScanner returns a Scanner over ix.
func (ix *Index) NewScanner() *Scanner {
	return &Scanner{ix: ix}
}

// Line returns the indicators in one line (without its newline), each
// once, in the order they first appear.
func (s *Scanner) Line(line []byte) []Indicator {
	s.hits = s.hits[:0]
	s.line(line)
	out := make([]Indicator, 0, len(s.hits))
	for _, h := range s.hits {
		out = append(out, s.ix.indicator(h))
	}
	return out
}

// Scan reads r (gzip-compressed or not: the magic bytes decide) line by
// line and calls fn with every hit, file naming r in the hits and errors.
// An error from fn stops the scan and is returned.
func (s *Scanner) Scan(r io.Reader, file string, fn func(*Hit) error) (Stats, error) {
	var st Stats
	if s.buf == nil {
		s.buf = make([]byte, bufSize)
	}
	buf := s.buf
	// The first bytes say whether the stream is gzip-compressed; a plain
	// stream is then read straight into buf, without a copy between.
	head, err := io.ReadAtLeast(r, buf[:2], 2)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return st, fmt.Errorf("%s: %w", file, err)
	}
	src := r
	if head == 2 && buf[0] == 0x1f && buf[1] == 0x8b {
		gz, err := gzip.NewReader(io.MultiReader(bytes.NewReader([]byte{0x1f, 0x8b}), r))
		if err != nil {
			return st, fmt.Errorf("%s: %w", file, err)
		}
		defer gz.Close()
		src, head = gz, 0
	}
	carry := head
	st.Bytes = int64(head)
	lineNo := int64(0)
	partial := false // the line in progress was partly scanned already
	emit := func(line []byte, n int64) error {
		if len(s.hits) == 0 {
			return nil
		}
		st.LinesWithHit++
		text := line
		if len(text) > MaxText {
			text = text[:MaxText]
		}
		t := string(bytes.TrimRight(text, "\r"))
		for _, h := range s.hits {
			in := s.ix.indicator(h)
			st.Hits++
			if err := fn(&Hit{File: file, Line: n, Indicator: in, Text: t, Groups: in.Groups,
				Sources: in.Sources, Confidence: in.Confidence}); err != nil {
				return err
			}
		}
		return nil
	}
	for {
		nr, rerr := src.Read(buf[carry:])
		st.Bytes += int64(nr)
		data := buf[:carry+nr]
		p := 0
		for {
			j := bytes.IndexByte(data[p:], '\n')
			if j < 0 {
				break
			}
			lineNo++
			line := data[p : p+j]
			if !partial {
				s.hits = s.hits[:0]
			}
			partial = false
			s.line(line)
			if err := emit(line, lineNo); err != nil {
				return st, err
			}
			p += j + 1
		}
		if rerr != nil {
			if rerr != io.EOF {
				return st, fmt.Errorf("%s: line %d: %w", file, lineNo+1, rerr)
			}
			if p < len(data) {
				lineNo++
				line := data[p:]
				if !partial {
					s.hits = s.hits[:0]
				}
				s.line(line)
				if err := emit(line, lineNo); err != nil {
					return st, err
				}
			}
			break
		}
		rest := data[p:]
		if len(rest) == len(buf) {
			// A line longer than the buffer: scan up to its last URL
			// boundary in the second half and keep the rest.
			cut := len(rest)
			for i := len(rest) - 1; i > len(rest)/2; i-- {
				if cls[rest[i]]&cURLEnd != 0 {
					cut = i
					break
				}
			}
			if !partial {
				s.hits = s.hits[:0]
			}
			s.line(rest[:cut])
			partial = true
			rest = rest[cut:]
		}
		carry = copy(buf, rest)
	}
	st.Lines = lineNo
	return st, nil
}

// hit records entry idx for the current line, once.
func (s *Scanner) hit(idx uint32) {
	for _, h := range s.hits {
		if h == idx {
			return
		}
	}
	s.hits = append(s.hits, idx)
}

// line adds the indicators of l to s.hits.
func (s *Scanner) line(l []byte) {
	ix := s.ix
	n := len(l)
	hasIP6 := len(ix.ip6.slots) > 0 || len(ix.bits6) > 0
	hasURL := ix.urlHosts.len() > 0
	hasEmail := len(ix.emails.slots) > 0
	hasHash := len(ix.hashes.slots) > 0
	s.host = s.host[:0]
	i := 0
	for i < n {
		c := cls[l[i]]
		if c&cWord == 0 {
			if l[i] == ':' && hasIP6 && i+1 < n && l[i+1] == ':' && (i == 0 || cls[l[i-1]]&cWord == 0 && l[i-1] != ':') {
				s.ip6At(l, i)
			}
			i++
			continue
		}
		st := i
		m := c
		for i++; i < n; i++ {
			c = cls[l[i]]
			if c&cWord == 0 {
				break
			}
			m |= c
		}
		if i < n {
			switch l[i] {
			case ':':
				if i+2 < n && l[i+1] == '/' && l[i+2] == '/' && m&^(cAlpha|cHex|cUpper|cWord) == 0 {
					if hasURL {
						s.url(l, st, i)
					}
				} else if hasIP6 && m&^(cDigit|cHex|cUpper|cAlpha|cWord) == 0 && (st == 0 || l[st-1] != ':') {
					s.ip6At(l, st)
				}
			case '@':
				if hasEmail {
					s.email(l, st, i)
				}
			}
		}
		if m&cDot == 0 {
			// Without a dot a token can only be a hash.
			if hasHash && isHashLen(i-st) {
				s.hash(l[st:i])
			}
			continue
		}
		s.token(l[st:i], m)
	}
	if len(s.host) > 0 {
		s.hostPaths(l)
	}
}

// hostPaths looks up s.host with each path field of l (a '/' after a
// separator, up to the end of the field) as an http and an https URL.
func (s *Scanner) hostPaths(l []byte) {
	for i := 0; i < len(l); i++ {
		if l[i] != '/' || i > 0 && cls[l[i-1]]&cWord != 0 || i+1 < len(l) && l[i+1] == '/' {
			continue
		}
		e := i
		for e < len(l) && cls[l[e]]&cURLEnd == 0 {
			e++
		}
		for _, scheme := range []string{"http://", "https://"} {
			s.key = append(append(append(s.key[:0], scheme...), s.host...), l[i:e]...)
			if f := bytes.IndexByte(s.key, '#'); f >= 0 {
				s.key = s.key[:f]
			}
			if idx, ok := s.ix.urls.get(s.ix, s.key); ok {
				s.hit(idx)
			}
		}
		i = e
	}
}

// token looks up one token with class mask m.
func (s *Scanner) token(t []byte, m uint8) {
	// Dots and dashes around a name are punctuation ("evil.com." in a
	// DNS log or at the end of a sentence).
	for len(t) > 0 && cls[t[0]]&(cDot|cDash) != 0 && t[0] != '_' {
		t = t[1:]
	}
	for len(t) > 0 && cls[t[len(t)-1]]&(cDot|cDash) != 0 {
		t = t[:len(t)-1]
	}
	if len(t) < 3 {
		return
	}
	ix := s.ix
	if m&cAlpha == 0 {
		// Digits, dots and maybe dashes: an address, a range of two.
		if m&cDash != 0 {
			for len(t) > 0 {
				j := bytes.IndexAny(t, "-_")
				if j < 0 {
					s.ipv4(t)
					break
				}
				s.ipv4(t[:j])
				t = t[j+1:]
			}
			return
		}
		if m&cDot != 0 {
			s.ipv4(t)
			return
		}
	}
	if m&cDot == 0 {
		if m&^(cHex|cDigit|cUpper|cAlpha|cWord) == 0 && isHashLen(len(t)) && len(ix.hashes.slots) > 0 {
			s.hash(t)
		}
		return
	}
	if m&cAlpha == 0 {
		return
	}
	if len(ix.hashes.slots) > 0 && len(t) > 32 {
		// A hash in a dotted name (a sample named by its hash).
		for p := t; len(p) > 0; {
			j := bytes.IndexByte(p, '.')
			if j < 0 {
				j = len(p)
			}
			if isHashLen(j) {
				s.hash(p[:j])
			}
			if j == len(p) {
				break
			}
			p = p[j+1:]
		}
	}
	d := s.lower(t, m&cUpper != 0)
	if !ix.tlds.has(d[bytes.LastIndexByte(d, '.')+1:]) {
		return
	}
	if ix.urlHosts.len() > 0 {
		if ix.urlHosts.has(d) {
			s.host = append(s.host[:0], s.lower(t, m&cUpper != 0)...)
		}
	}
	s.domain(t, m&cUpper != 0)
}

func isHashLen(n int) bool { return n == 32 || n == 40 || n == 64 || n == 128 }

// lower returns t in lower case, in s.low when it has upper-case letters.
func (s *Scanner) lower(t []byte, upper bool) []byte {
	if !upper {
		return t
	}
	s.low = append(s.low[:0], t...)
	for i, b := range s.low {
		if cls[b]&cUpper != 0 {
			s.low[i] = b + 'a' - 'A'
		}
	}
	return s.low
}

func (s *Scanner) hash(t []byte) {
	for _, b := range t {
		if cls[b]&cHex == 0 {
			return
		}
	}
	if idx, ok := s.ix.hashes.get(s.ix, s.lower(t, true)); ok {
		s.hit(idx)
	}
}

// domain looks up a name and those of its suffixes that have as many
// labels as some stored domain (token has checked that its last label is
// one of theirs).
func (s *Scanner) domain(t []byte, upper bool) {
	ix := s.ix
	if len(ix.domains.slots) == 0 {
		return
	}
	d := s.lower(t, upper)
	labels := bytes.Count(d, []byte{'.'}) + 1
	for p, k := 0, labels; k >= 1; k-- {
		if ix.labels&(1<<min(k, 63)) != 0 {
			if idx, ok := ix.domains.get(ix, d[p:]); ok {
				s.hit(idx)
			}
		}
		j := bytes.IndexByte(d[p:], '.')
		if j < 0 {
			break
		}
		p += j + 1
	}
}

// ipv4 looks up a dotted-quad address and the stored ranges holding it.
func (s *Scanner) ipv4(t []byte) {
	a, ok := parseIPv4(t)
	if !ok {
		return
	}
	ix := s.ix
	if ix.net24 == nil || ix.net24[a>>14]&(1<<(a>>8&63)) == 0 {
		return
	}
	if idx, ok := ix.ip4.get(uint64(a)); ok {
		s.hit(idx)
	}
	for _, bits := range ix.bits4 {
		net := a
		if bits < 32 {
			net = a &^ (1<<(32-bits) - 1)
		}
		if idx, ok := ix.cidr4.get(uint64(bits)<<32 | uint64(net)); ok {
			s.hit(idx)
		}
	}
}

// parseIPv4 reads four decimal numbers 0..255 joined by dots, without
// leading zeros.
func parseIPv4(t []byte) (uint32, bool) {
	var a uint32
	part, digits, parts := uint32(0), 0, 0
	for i := 0; i <= len(t); i++ {
		if i == len(t) || t[i] == '.' {
			if digits == 0 || part > 255 || digits > 1 && t[i-digits] == '0' {
				return 0, false
			}
			a = a<<8 | part
			parts++
			part, digits = 0, 0
			continue
		}
		b := t[i]
		if b < '0' || b > '9' || digits == 3 {
			return 0, false
		}
		part = part*10 + uint32(b-'0')
		digits++
	}
	return a, parts == 4
}

// ip6At reads an IPv6 address starting at l[st] and looks it up.
func (s *Scanner) ip6At(l []byte, st int) {
	e := st
	colons, double := 0, false
	for e < len(l) && e-st < 46 {
		b := l[e]
		if b == ':' {
			colons++
			if e > st && l[e-1] == ':' {
				double = true
			}
		} else if cls[b]&cHex == 0 && b != '.' {
			break
		}
		e++
	}
	if colons < 2 || !double && colons != 7 || e < len(l) && cls[l[e]]&cWord != 0 {
		return
	}
	a, err := netip.ParseAddr(string(bytes.TrimRight(l[st:e], ".")))
	if err != nil || !a.Is6() || a.Zone() != "" {
		return
	}
	ix := s.ix
	b := a.As16()
	if idx, ok := ix.ip6.get(ix, b[:]); ok {
		s.hit(idx)
	}
	for _, bits := range ix.bits6 {
		p, _ := a.Prefix(bits)
		k := p.Addr().As16()
		if idx, ok := ix.cidr6.get(ix, append(k[:], byte(bits))); ok {
			s.hit(idx)
		}
	}
}

// email looks up the address whose '@' is at l[at]; the token before it
// starts at st.
func (s *Scanner) email(l []byte, st, at int) {
	ls := st
	for ls > 0 && isLocal(l[ls-1]) {
		ls--
	}
	de := at + 1
	for de < len(l) && cls[l[de]]&cWord != 0 {
		de++
	}
	for de > at+1 && l[de-1] == '.' {
		de--
	}
	if de == at+1 || ls == at {
		return
	}
	s.key = append(s.key[:0], l[ls:de]...)
	k := s.lower(s.key, true)
	if idx, ok := s.ix.emails.get(s.ix, k); ok {
		s.hit(idx)
	}
}

func isLocal(b byte) bool {
	return cls[b]&cWord != 0 || b == '+' || b == '%'
}

// url looks up the URL whose scheme is l[st:colon], when its host is the
// host of a stored URL.
func (s *Scanner) url(l []byte, st, colon int) {
	end := colon + 3
	for end < len(l) && cls[l[end]]&cURLEnd == 0 {
		end++
	}
	// Sentence punctuation and closing brackets after a URL.
	for end > colon+3 {
		switch l[end-1] {
		case '.', ')', ']', ';', ':', '!', '?':
			end--
			continue
		}
		break
	}
	u := l[st:end]
	h, ok := urlHost(u)
	if !ok {
		return
	}
	if !s.ix.urlHosts.has(s.lower(h, true)) {
		return
	}
	s.key = normURL(u, s.key[:0])
	if s.key == nil {
		return
	}
	if idx, ok := s.ix.urls.get(s.ix, s.key); ok {
		s.hit(idx)
	}
}

// urlHost returns the host of a URL as written: after "://" and any user
// information, before the port, path, query or fragment; an IPv6 host
// keeps its brackets.
func urlHost(u []byte) ([]byte, bool) {
	k := bytes.Index(u, []byte("://"))
	if k <= 0 {
		return nil, false
	}
	rest := u[k+3:]
	ae := 0
	for ae < len(rest) && rest[ae] != '/' && rest[ae] != '?' && rest[ae] != '#' {
		ae++
	}
	auth := rest[:ae]
	if at := bytes.LastIndexByte(auth, '@'); at >= 0 {
		auth = auth[at+1:]
	}
	if len(auth) > 0 && auth[0] == '[' {
		rb := bytes.IndexByte(auth, ']')
		if rb < 0 {
			return nil, false
		}
		return auth[:rb+1], true
	}
	if c := bytes.LastIndexByte(auth, ':'); c >= 0 {
		auth = auth[:c]
	}
	auth = bytes.TrimRight(auth, ".")
	return auth, len(auth) > 0
}

// defaultPorts are the ports a URL of a scheme names by default.
var defaultPorts = map[string]string{"http": "80", "https": "443", "ftp": "21", "ws": "80", "wss": "443"}

// normURL appends to dst the normal form of a URL: scheme and host in
// lower case, a trailing dot of the host and the default port dropped,
// "/" for an empty path, no fragment. It returns nil for what is not a
// URL with a host.
func normURL(u, dst []byte) []byte {
	k := bytes.Index(u, []byte("://"))
	if k <= 0 {
		return nil
	}
	start := len(dst)
	for _, b := range u[:k] {
		if cls[b]&(cAlpha|cDigit) == 0 && b != '+' && b != '.' && b != '-' {
			return nil
		}
		if cls[b]&cUpper != 0 {
			b += 'a' - 'A'
		}
		dst = append(dst, b)
	}
	scheme := string(dst[start:])
	dst = append(dst, "://"...)
	rest := u[k+3:]
	ae := 0
	for ae < len(rest) && rest[ae] != '/' && rest[ae] != '?' && rest[ae] != '#' {
		ae++
	}
	auth := rest[:ae]
	if at := bytes.LastIndexByte(auth, '@'); at >= 0 {
		dst = append(dst, auth[:at+1]...)
		auth = auth[at+1:]
	}
	host, port := auth, []byte(nil)
	if len(auth) > 0 && auth[0] == '[' {
		rb := bytes.IndexByte(auth, ']')
		if rb < 0 {
			return nil
		}
		host = auth[:rb+1]
		if rb+1 < len(auth) {
			if auth[rb+1] != ':' {
				return nil
			}
			port = auth[rb+2:]
		}
	} else if c := bytes.LastIndexByte(auth, ':'); c >= 0 {
		host, port = auth[:c], auth[c+1:]
	}
	host = bytes.TrimRight(host, ".")
	if len(host) == 0 {
		return nil
	}
	for _, b := range host {
		if cls[b]&cUpper != 0 {
			b += 'a' - 'A'
		}
		dst = append(dst, b)
	}
	if len(port) > 0 && string(port) != defaultPorts[scheme] {
		dst = append(dst, ':')
		dst = append(dst, port...)
	}
	path := rest[ae:]
	if f := bytes.IndexByte(path, '#'); f >= 0 {
		path = path[:f]
	}
	if len(path) == 0 || path[0] != '/' {
		dst = append(dst, '/')
	}
	return append(dst, path...)
}
