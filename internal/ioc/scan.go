package ioc

import (
	"bytes"
	"math/bits"
)

// Byte classes. One table lookup per byte tells the tokeniser everything it
// needs; the OR of a token's classes (its mask) lets it skip plain words
// without looking at them again.
const (
	cDelim uint16 = 1 << iota // ends a token: blanks, quotes, <>, non-ASCII, ...
	cSub                      // may appear inside a sub-token: [A-Za-z0-9._-:@/+]
	cEdge                     // trimmed from the ends of a sub-token
	cDigit
	cHex // a-f A-F
	cAlpha
	cUpper
	cDot
	cColon
	cAt
	cSlash
	cDash // - _ +
	cJoin // '\\' and the joined space of a spaced path name: inside a token, never inside a sub-token
)

// joinedSpace stands in the clean text for the space of a known spaced
// name in a path or registry key (\Windows NT\, \Program Files\), so
// that the path stays one token. Values are built from the raw text, so it
// never shows.
const joinedSpace = 0x1f

var cls = func() (t [256]uint16) {
	for b := 0; b < 256; b++ {
		switch {
		case b < 0x20 || b == 0x7f || b >= 0x80:
			t[b] = cDelim
		case b >= '0' && b <= '9':
			t[b] = cSub | cDigit
		case b >= 'a' && b <= 'z':
			t[b] = cSub | cAlpha
			if b <= 'f' {
				t[b] |= cHex
			}
		case b >= 'A' && b <= 'Z':
			t[b] = cSub | cAlpha | cUpper
			if b <= 'F' {
				t[b] |= cHex
			}
		}
	}
	for _, b := range []byte(" \"'<>`|{}^,;") {
		t[b] = cDelim
	}
	// A backslash separates the parts of Windows paths and registry keys,
	// which are classified as a whole; everything else splits at it.
	t['\\'] = cJoin
	t[joinedSpace] = cJoin
	t['.'] = cSub | cEdge | cDot
	t[':'] = cSub | cEdge | cColon
	t['@'] = cSub | cEdge | cAt
	t['/'] = cSub | cEdge | cSlash
	t['-'] = cSub | cEdge | cDash
	t['_'] = cSub | cEdge | cDash
	t['+'] = cSub | cEdge | cDash
	return t
}()

// Limits of the streaming window. A token is a maximal run of non-delimiter
// bytes; runs longer than maxToken raw bytes (base64 blobs, minified code) are
// skipped, in Extract and Scanner alike, which bounds the window. Two parts
// of a long run are still read: a URL that starts within its first maxToken
// bytes is reported cut there, with FlagTruncated and its host whole; and
// the backslash-separated parts of a run are read one by one, as if the
// backslashes were delimiters.
const (
	maxToken  = 4096
	lookback  = 64 // raw context kept before a block: hint words, "version", "ja3"
	lookahead = 32 // raw bytes needed after a cut: " dot ", "ASN 123", notation windows
)

// engine holds the reusable buffers of one extraction. It is not shared.
type engine struct {
	opts     Options
	maxToken int
	raw      []byte // the current block as written
	clean    []byte // the block after defang normalisation (aliases raw when it has none)
	cleanBuf []byte // storage of clean when it differs from raw, reused
	adj      []adjust
	hint     int   // last index returned by lastAdj
	base     int64 // absolute offset of raw[0]
	out      []Match
	tlds     map[string]bool // ICANN verdicts per TLD seen, bounded
	suffixes map[string]bool // bare-public-suffix verdicts per domain, bounded
	inPath   bool            // classifying a path component after a '/' or '\\'
	// spacedDots makes normalize look for the spaced form " dot " too; a
	// text is read without it until blocks hold the word (see reread).
	spacedDots bool
	rereads    int // blocks read again for the spaced form
	finder     triggerFinder
	walk       int  // block's next rewrite to pass (index into adj)
	walkDelta  int  // raw minus clean offset before adj[walk]
	phrases    bool // join the spaced names of paths (off for Refang)
	// claim holds the types Check was asked for (a bit per type; 0 outside
	// Check): a value claimed to be a domain or a JA3 fingerprint is read as
	// one where running text would need context to say so.
	claim    uint32
	checkBuf []Match // the matches of the last Check, reused
}

func newEngine(opts Options) *engine {
	return &engine{opts: opts, maxToken: maxToken, phrases: true, tlds: make(map[string]bool), suffixes: make(map[string]bool)}
}

// claimed reports whether Check was asked for type t.
func (e *engine) claimed(t Type) bool { return e.claim&(1<<t) != 0 }

// interesting are the classes of a token that may hold an indicator: a
// token of lower-case letters only, most of any text, holds none.
const interesting = cUpper | cDigit | cDot | cColon | cAt | cSlash | cDash | cJoin

// stopByte marks the bytes block stops at: those whose class makes a token
// hold an indicator (interesting), and 'd', which may start the spaced
// notation " dot ". stopByteNoD leaves 'd' out, for the blocks in which
// " dot " cannot be met: 'd' is one letter in thirty of English, and a
// stop at each cost more than a search of the block for the word.
var stopByte, stopByteNoD = func() (t, noD [256]uint8) {
	for b := range t {
		if cls[b]&interesting != 0 {
			t[b], noD[b] = 1, 1
		}
	}
	t['d'] = 1
	return t, noD
}()

var spacedDotWord = []byte(" dot ")

// block extracts from raw the matches of every token whose raw start lies in
// [from, to), appending them to e.out. Bytes outside that range are context.
//
// A token (a maximal run of non-delimiters) can hold an indicator only if
// one of its bytes is upper-case, a digit or one of . : @ / - _ + \, and
// most tokens of any text are lower-case words, so block does not split the
// text into tokens: it looks for the next such byte, eight bytes per
// branch, and reads the token around it, from the last delimiter before it
// to the next one. Every token holding such a byte is so classified once,
// whole and in order, and no other token is.
func (e *engine) block(raw []byte, base int64, from, to int) {
	out0 := len(e.out)
	e.raw, e.base = raw, base
	c := e.normalize(raw, e.spacedDots)
	e.clean = c
	e.walk, e.walkDelta = 0, 0
	n := len(c)
	stopByte := &stopByte
	if e.spacedDots || !bytes.Contains(c, spacedDotWord) {
		stopByte = &stopByteNoD
	}
	done := 0 // end of the last token read
	p := 0
	for {
		for p+8 <= n {
			w := c[p : p+8 : p+8]
			x := uint(stopByte[w[0]]) | uint(stopByte[w[1]])<<1 | uint(stopByte[w[2]])<<2 | uint(stopByte[w[3]])<<3 |
				uint(stopByte[w[4]])<<4 | uint(stopByte[w[5]])<<5 | uint(stopByte[w[6]])<<6 | uint(stopByte[w[7]])<<7
			if x != 0 {
				p += bits.TrailingZeros(x)
				break
			}
			p += 8
		}
		for p < n && stopByte[c[p]] == 0 {
			p++
		}
		if p >= n {
			return
		}
		if cls[c[p]]&interesting == 0 {
			// A 'd' in a lower-case word: the spaced form " dot ",
			// which the first pass leaves out, reads the block again.
			if p+3 < n && e.spacedDot(p, p+3) {
				e.reread(out0, from, to)
				return
			}
			p++
			continue
		}
		s := p
		for s > done && cls[c[s-1]]&cDelim == 0 {
			s--
		}
		t, mask := tokenEnd(c, p)
		switch e.visit(s, t, mask|e.prefixMask(s, p), from, to) {
		case visitStop:
			return
		case visitReread:
			e.reread(out0, from, to)
			return
		}
		done, p = t, t
	}
}

// prefixMask is the union of the classes of clean[s:p].
func (e *engine) prefixMask(s, p int) uint16 {
	var m uint16
	for _, b := range e.clean[s:p] {
		m |= cls[b]
	}
	return m
}

// tokenEnd returns the end of the token holding c[i] (the next delimiter,
// or len(c)) and the union of the classes of c[i:end].
func tokenEnd(c []byte, i int) (int, uint16) {
	var mask uint16
	for j, b := range c[i:] {
		k := cls[b]
		if k&cDelim != 0 {
			return i + j, mask
		}
		mask |= k
	}
	return len(c), mask
}

// spacedDot reports whether the word clean[s:t], met by the first pass
// over the block (which leaves the spaced form out), is the spaced form
// " dot " or " DOT " that the full pass reads as a notation: defangAt
// decides on the raw bytes, as the full pass does, so "a dot (.)" in
// prose costs no second reading.
func (e *engine) spacedDot(s, t int) bool {
	c := e.clean
	if e.spacedDots || s == 0 || c[s-1] != ' ' || t >= len(c) || c[t] != ' ' ||
		string(c[s:t]) != "dot" && string(c[s:t]) != "DOT" {
		return false
	}
	_, n, spaced := defangAt(e.raw, e.rawPos(s-1), e.phrases)
	return n > 0 && spaced
}

// reread discards the block's matches from out0 on and reads it again with
// the spaced form: a block holds it rarely enough that the first pass
// leaves it out. A text with the word in a second block writes it often,
// so its later blocks are read with the spaced form from the start
// (until the next text of an Extractor): a stream costs at most two blocks
// more than the full pass.
func (e *engine) reread(out0, from, to int) {
	e.out = e.out[:out0]
	e.spacedDots = true
	e.block(e.raw, e.base, from, to)
	if e.rereads++; e.rereads < 2 {
		e.spacedDots = false
	}
}

const (
	visitNext = iota
	visitStop
	visitReread
)

// visit classifies the token clean[s:t] whose classes are mask, unless its
// raw start lies outside [from, to): visitStop once past to.
func (e *engine) visit(s, t int, mask uint16, from, to int) int {
	if t-s == 3 && e.clean[s] == 'D' && e.spacedDot(s, t) {
		return visitReread
	}
	rs, re := s, t
	if adj := e.adj; len(adj) > 0 {
		// Walk the rewrites along with the tokens instead of searching.
		ai := e.walk
		for ai < len(adj) && adj[ai].end <= s {
			e.walkDelta = adj[ai].delta
			ai++
		}
		e.walk = ai
		rs = s + e.walkDelta
		d := e.walkDelta
		for aj := ai; aj < len(adj) && adj[aj].end <= t; aj++ {
			d = adj[aj].delta
		}
		re = t + d
	}
	if rs >= to {
		return visitStop
	}
	if rs < from || re-rs > e.maxToken {
		// Over-long, or begun in the previous block, which only an
		// over-long run can be: a block is cut inside a run only when
		// its window holds no delimiter (Scanner.cutPoint).
		if mask&cJoin != 0 {
			e.pieces(s, t, from, to)
		} else if rs >= from {
			e.longToken(s, t, rs)
		}
		return visitNext
	}
	e.token(s, t, mask)
	return visitNext
}

// pieces classifies the parts of an over-long run clean[s:t] between its
// backslashes, each as a token of its own, when its raw start lies in
// [from, to).
func (e *engine) pieces(s, t, from, to int) {
	c := e.clean
	a := s
	for j := s; j <= t; j++ {
		if j < t && cls[c[j]]&cJoin == 0 {
			continue
		}
		if j > a {
			if ra := e.rawPos(a); ra >= from && ra < to {
				if re := e.rawPos(j); re-ra > e.maxToken {
					e.longToken(a, j, ra)
				} else {
					e.token(a, j, maskOf(c[a:j]))
				}
			}
		}
		a = j + 1
	}
}

func maskOf(b []byte) uint16 {
	var m uint16
	for _, x := range b {
		m |= cls[x]
	}
	return m
}

// longToken reads the one thing kept of an over-long run clean[s:t] whose
// raw start is rs: a URL starting within its first maxToken raw bytes,
// cut there and flagged FlagTruncated, with its host and the text before
// it. The rest of the run is not read.
func (e *engine) longToken(s, t, rs int) {
	c := e.clean
	u := min(t, s+e.maxToken)
	for u > s && e.rawPos(u)-rs > e.maxToken {
		u--
	}
	// Never cut inside a %XX escape.
	if u-1 > s && c[u-1] == '%' {
		u--
	} else if u-2 > s && c[u-2] == '%' {
		u -= 2
	}
	k := bytes.Index(c[s:u], colonSlashSlash)
	if k < 0 {
		return
	}
	k += s
	ss, scheme, starred, ok := schemeAt(c, s, k)
	if !ok {
		return
	}
	pu, ok := e.url(ss, k, u, scheme, starred)
	if !ok {
		return
	}
	if ss > s {
		e.segment(s, ss)
	}
	pu.flags |= FlagTruncated
	e.emitURL(&pu)
}

// token classifies one delimiter-free run clean[s:t].
func (e *engine) token(s, t int, mask uint16) {
	if mask&(cDigit|cDot|cColon|cAt|cSlash|cDash|cJoin) == 0 {
		// A plain word: only the spaced form "ASN 12345" can start here.
		if mask&cUpper != 0 && t-s >= 3 && t-s <= 6 && bytes.Contains(e.clean[s:t], []byte("ASN")) {
			e.segment(s, t)
		}
		return
	}
	if mask&cJoin != 0 {
		e.backslashed(s, t)
		return
	}
	if mask&(cDigit|cAt) == 0 && mask&(cDot|cColon) != 0 {
		// Most dotted tokens are words at the end of a sentence ("word." or
		// "word:"): look again without the trailing punctuation.
		c := e.clean
		u := t
		for u > s && cls[c[u-1]]&cEdge != 0 {
			if c[u-1] == ':' && u-2 >= s && c[u-2] == ':' {
				break // "fe80::" ends in an address, not in punctuation
			}
			u--
		}
		var m uint16
		for _, b := range c[s:u] {
			m |= cls[b]
		}
		if m&(cDot|cColon) == 0 {
			mask = m
		}
	}
	// A dashed MAC address (00-1a-2b-3c-4d-5e) has only digits or letters
	// besides its dashes.
	dashed := mask&cDash != 0 && t-s >= 17
	if mask&(cAlpha|cDot|cColon|cAt) == 0 && !dashed {
		// Numbers, dates and ranges (2021, 10-15, 3+1): every indicator
		// has a letter, a dot, a colon or an '@'.
		return
	}
	if mask&(cDigit|cDot|cColon|cAt|cSlash) == 0 && !dashed {
		// A plain word: only the spaced form "ASN 12345" can start here.
		if mask&cUpper != 0 && t-s >= 3 && t-s <= 6 && bytes.Contains(e.clean[s:t], []byte("ASN")) {
			e.segment(s, t)
		}
		return
	}
	if mask&cColon != 0 && mask&cSlash != 0 {
		if e.urls(s, t) {
			return
		}
	}
	e.segment(s, t)
}

// segment splits clean[s:t] into sub-tokens: runs of the characters that can
// make up an indicator other than a URL.
func (e *engine) segment(s, t int) {
	c := e.clean
	i := s
	for i < t {
		for i < t && cls[c[i]]&cSub == 0 {
			i++
		}
		j := i
		for j < t && cls[c[j]]&cSub != 0 {
			j++
		}
		if i > s && c[i-1] == '%' && j-i >= 2 && cls[c[i]]&(cHex|cDigit) != 0 && cls[c[i+1]]&(cHex|cDigit) != 0 {
			// URL-encoded text (%2Fevil.com): the two hex digits belong to
			// the escape, not to the name after it.
			i += 2
		}
		if j > i {
			if c[i] == '/' && !e.inPath && e.unixPath(i, j) {
				// The parts of the path: addresses and hashes in it count,
				// file names are the path's.
				e.inPath = true
				e.sub(i, j)
				e.inPath = false
			} else {
				e.sub(i, j)
			}
		}
		i = j
	}
}

// sub classifies one sub-token, splitting it further at ':', '@' and '/' when
// it is not an IPv6 address, e-mail address or network as a whole.
func (e *engine) sub(s, t int) {
	c := e.clean
	for s < t && cls[c[s]]&cEdge != 0 && !(c[s] == ':' && s+1 < t && c[s+1] == ':') {
		s++
	}
	for t > s && cls[c[t-1]]&cEdge != 0 && !(c[t-1] == ':' && t-2 >= s && c[t-2] == ':') {
		t--
	}
	if s >= t {
		return
	}
	var mask uint16
	for _, b := range c[s:t] {
		mask |= cls[b]
	}
	switch {
	case mask&cColon != 0:
		if t-s == 17 && mask&(cDot|cAt|cSlash) == 0 && e.mac(s, t) {
			return
		}
		if e.ipv6(s, t) {
			return
		}
		e.splitOn(s, t, ':')
	case mask&cAt != 0:
		if e.email(s, t) {
			return
		}
		e.splitOn(s, t, '@')
	case mask&cSlash != 0:
		if e.cidr4(s, t) {
			return
		}
		// host/dir/file.sh: what follows the first slash is a path, where a
		// name with a file-extension TLD is a file even when defanged.
		first := bytes.IndexByte(c[s:t], '/') + s
		e.sub(s, first)
		inPath := e.inPath
		e.inPath = true
		e.splitOn(first+1, t, '/')
		e.inPath = inPath
	default:
		e.plain(s, t, mask)
	}
}

func (e *engine) splitOn(s, t int, sep byte) {
	c := e.clean
	i := s
	for j := s; j <= t; j++ {
		if j == t || c[j] == sep {
			if j > i {
				e.sub(i, j)
			}
			i = j + 1
		}
	}
}

// plain classifies a sub-token made only of letters, digits and . - _ +.
func (e *engine) plain(s, t int, mask uint16) {
	c := e.clean
	switch t - s {
	case 14, 17: // Cisco 0011.2233.4455, dashed 00-11-22-33-44-55
		if mask&(cDot|cDash) != 0 && e.mac(s, t) {
			return
		}
	case 36: // JA4 t13d1516h2_8daaf6152771_b186095e22b6
		if c[s+10] == '_' && e.ja4(s, t) {
			return
		}
	}
	if mask&cDot != 0 {
		if mask&cAlpha == 0 {
			if e.ipv4(s, t, false) {
				return
			}
			if bytes.IndexByte(c[s:t], '-') >= 0 {
				// Ranges such as 10.0.0.1-10.0.0.9.
				e.splitOn(s, t, '-')
				return
			}
		}
		if (c[s] == 'v' || c[s] == 'V') && s+1 < t && cls[c[s+1]]&cDigit != 0 && e.ipv4(s+1, t, true) {
			return
		}
		if e.technique(s, t) {
			return
		}
		if mask&cAlpha != 0 && e.domainMatch(s, t) {
			return
		}
		if mask&cAlpha != 0 && !e.inPath && e.fileName(s, t) {
			return
		}
	}
	if mask&cDigit != 0 || t-s == 3 {
		e.runs(s, t)
	}
}

// runs looks at the alphanumeric runs of a sub-token for hashes, CVE, ATT&CK
// and AS numbers. Runs are bounded by non-alphanumerics, so a 64-digit hex run
// is one SHA-256 and never two shorter hashes.
func (e *engine) runs(s, t int) {
	c := e.clean
	i := s
	for i < t {
		for i < t && cls[c[i]]&(cAlpha|cDigit) == 0 {
			i++
		}
		a := i
		var mask uint16
		for i < t && cls[c[i]]&(cAlpha|cDigit) != 0 {
			mask |= cls[c[i]]
			i++
		}
		b := i
		if a == b {
			break
		}
		n := b - a
		switch {
		case n == 3 && eqFold(c[a:b], "cve"):
			if end, ok := e.cve(a, t); ok {
				i = end
			}
			continue
		case c[a] == 'T' && (n == 5 || n == 6):
			if end, ok := e.techniqueRun(a, b, t); ok {
				i = end
			}
			continue
		case c[a] == 'A' && n >= 3 && c[a+1] == 'S':
			e.asn(a, b, t)
			continue
		case n < 26 || mask&cDigit == 0:
			// Hashes and wallets are long and hold a digit: a real digest
			// without a digit (or a letter) is vanishingly rare.
			continue
		case (n == 32 || n == 40 || n == 64 || n == 128) && mask&cHex != 0:
			if e.hash(a, b) {
				continue
			}
		}
		e.wallet(a, b, mask)
	}
}
