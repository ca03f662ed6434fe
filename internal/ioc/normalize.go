package ioc

import "bytes"

// Defang normalisation. Analysts break indicators on purpose so that nobody
// clicks them: evil[.]com, hxxps[://]host, user[at]mail(.)ru. Before
// tokenising, the engine rewrites those notations back into plain characters
// in a copy of the block and records where the copy's offsets shift, so every
// match still reports its raw text and offset.
//
// Every rewrite decision depends only on the bytes in a small window around
// its own position (never on an earlier rewrite), so normalising from any
// starting point gives the same result once past the first few bytes. The
// streaming Scanner relies on that to normalise overlapping blocks.

// adjust records one rewrite: clean[at:end] replaced raw bytes, and from end
// onwards raw offset = clean offset + delta.
type adjust struct {
	at, end int
	delta   int
	spaced  bool // the spaced-word form " dot ", which needs stricter checks
	escape  bool // a Markdown escape (\_) or a joined space, not a defang notation
}

// scanTrigger marks the bytes normalize stops on: the openers of bracket
// and backslash notations, and the second bytes of " dot " and ".]".
var scanTrigger = [256]bool{'[': true, '(': true, '{': true, '\\': true, 'd': true, 'D': true, ']': true}

// normTrigger marks bytes that can open a defang notation.
var normTrigger = [256]bool{'[': true, '(': true, '{': true, '\\': true, ' ': true, '.': true}

// maxNotation bounds the length of a notation: the longest is a spaced
// name of a path (spacedNames).
const maxNotation = 32

// closers are the bytes that may close a bracket notation.
func isCloser(b byte) bool { return b == ']' || b == ')' || b == '}' }

// closesSoon reports whether closer follows raw[q] within the same word
// (24 bytes at most): "foo(.bar)" is code, "10(.10" a lost closer.
func closesSoon(raw []byte, q int, closer byte) bool {
	for i := q; i < len(raw) && i < q+24; i++ {
		if raw[i] == closer {
			return true
		}
		if cls[raw[i]]&cDelim != 0 {
			return false
		}
	}
	return false
}

// defangAt reports the notation starting at raw[p], if any: its plain
// replacement and the number of raw bytes it covers. phrases says whether
// the spaced names of paths are joined (see joinedSpace).
func defangAt(raw []byte, p int, phrases bool) (rep string, n int, spaced bool) {
	switch raw[p] {
	case '.':
		// A half-broken "[.]": 106.]14.47.210 (the opener lost on the way).
		if p > 0 && p+2 < len(raw) && raw[p+1] == ']' && isNameByte(raw[p-1]) && isNameByte(raw[p+2]) {
			return ".", 2, false
		}
		return "", 0, false
	case '[', '(', '{':
		closer := byte(']')
		if raw[p] == '(' {
			closer = ')'
		} else if raw[p] == '{' {
			closer = '}'
		}
		// Longest notation is "[://]": five bytes. Any closer ends it:
		// google[.)com is broken on purpose as much as google[.]com.
		end := -1
		for i := p + 1; i < len(raw) && i <= p+5; i++ {
			if isCloser(raw[i]) {
				end = i
				break
			}
		}
		if end < 0 {
			// The other half: evil[.com and 10(.10 with the closer lost,
			// unless the bracket closes later in the word (foo(.bar)).
			if p > 0 && p+2 < len(raw) && raw[p+1] == '.' && isNameByte(raw[p-1]) && isNameByte(raw[p+2]) &&
				(raw[p] == '[' || !closesSoon(raw, p+2, closer)) {
				return ".", 2, false
			}
			return "", 0, false
		}
		inner := raw[p+1 : end]
		matched := raw[end] == closer
		// ":", "/" and "://" only after a scheme or a name, or in square
		// brackets, so that a smiley "(:)" stays prose.
		sep := raw[p] == '[' || matched && p > 0 && isNameByte(raw[p-1])
		switch {
		case len(inner) == 1 && inner[0] == '.':
			return ".", end - p + 1, false
		case len(inner) == 1 && inner[0] == '@':
			return "@", end - p + 1, false
		case eqFold(inner, "dot"):
			return ".", end - p + 1, false
		case eqFold(inner, "at"):
			// "(at)" is also prose; require it to sit between name characters.
			if matched && p > 0 && isNameByte(raw[p-1]) && end+1 < len(raw) && isNameByte(raw[end+1]) {
				return "@", end - p + 1, false
			}
		case sep && string(inner) == ":":
			return ":", 3, false
		case sep && string(inner) == "://":
			return "://", 5, false
		case sep && string(inner) == "/":
			return "/", 3, false
		}
	case '\\':
		// evil\.com: only between name characters, so Windows paths and
		// regular expressions keep their backslashes, and not in a path
		// (C:\Users\x\.ssh, HKLM\.x).
		if p > 0 && isNameByte(raw[p-1]) && p+2 < len(raw) && raw[p+1] == '.' && isNameByte(raw[p+2]) && !inWindowsPath(raw, p) {
			return ".", 2, false
		}
		// Markdown escapes inside names and URLs: host32\_pic.bin, and the
		// doubly escaped all\\_xxx.exe of text converted twice.
		if p > 0 && p+2 < len(raw) && raw[p+1] == '_' && raw[p-1] > ' ' && raw[p+2] > ' ' {
			return "_", 2, false
		}
		if p > 0 && p+3 < len(raw) && raw[p+1] == '\\' && raw[p+2] == '_' && raw[p-1] > ' ' && raw[p+3] > ' ' {
			return "_", 3, false
		}
		// \Windows NT\: the space of a spaced name does not end the path.
		if phrases {
			if k := spacedNameAt(raw, p); k > 0 {
				b := make([]byte, k+1)
				copy(b, raw[p:p+k+1])
				for i, x := range b {
					if x == ' ' {
						b[i] = joinedSpace
					}
				}
				return string(b), k + 1, false
			}
		}
	case ' ':
		// "evil dot com": one ASCII space each side, a lower-case letter or
		// digit before and after, and not a chain "dot dot" (the second would
		// overlap the first; refusing it keeps the decision local).
		if p > 0 && p+5 < len(raw) && raw[p+4] == ' ' &&
			(string(raw[p+1:p+4]) == "dot" || string(raw[p+1:p+4]) == "DOT") &&
			isLowerAlnum(raw[p-1]) && isLowerAlnum(raw[p+5]) &&
			!(p >= 4 && raw[p-4] == ' ' && eqFold(raw[p-3:p], "dot")) {
			return ".", 5, true
		}
	}
	return "", 0, false
}

// inWindowsPath reports whether the backslash raw[p] separates the parts
// of a Windows path or registry key: the word before it is a hive name, or
// a backslash other than an escape ("\.") precedes it in the same word,
// within maxNotation bytes.
func inWindowsPath(raw []byte, p int) bool {
	w := p
	for w > 0 && w > p-20 && isWordByte(raw[w-1]) {
		w--
	}
	if p-w >= 3 && p-w <= 19 && (w == 0 || !isWordByte(raw[w-1])) {
		var buf [20]byte
		for i, b := range raw[w:p] {
			buf[i] = b &^ 0x20
		}
		if _, ok := hives[string(buf[:p-w])]; ok {
			return true
		}
	}
	for i := p - 1; i >= 0 && i >= p-maxNotation && cls[raw[i]]&cDelim == 0; i-- {
		if raw[i] == '\\' && raw[i+1] != '.' {
			return true
		}
	}
	return false
}

func isNameByte(b byte) bool { return cls[b]&(cAlpha|cDigit) != 0 || b == '-' || b == '_' }

func isLowerAlnum(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' }

// eqFold reports whether b equals the lower-case ASCII word s, ignoring case.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != s[i] {
			return false
		}
	}
	return true
}

// bracketTriggers are the bytes every notation but the spaced " dot "
// starts or (for ".]") ends at: together about one byte in a hundred of
// report text, so normalize finds them with bytes.IndexByte, one search
// per byte value, rather than looking at every byte.
var bracketTriggers = [...]byte{'[', '(', '{', '\\', ']'}

// triggerFinder yields the positions of bracketTriggers in order.
type triggerFinder struct {
	raw  []byte
	next [len(bracketTriggers)]int // next position of each trigger at or after the last query
}

func (f *triggerFinder) reset(raw []byte) {
	f.raw = raw
	for k := range f.next {
		f.next[k] = -1
	}
}

// from returns the first trigger position at or after p, or len(raw).
func (f *triggerFinder) from(p int) int {
	m := len(f.raw)
	for k, b := range bracketTriggers {
		q := f.next[k]
		if q < p {
			q = len(f.raw)
			if p < len(f.raw) {
				if i := bytes.IndexByte(f.raw[p:], b); i >= 0 {
					q = p + i
				}
			}
			f.next[k] = q
		}
		m = min(m, q)
	}
	return m
}

// normalize rewrites defang notations of raw into e.cleanBuf and records the
// offset shifts in e.adj. When raw has none, it returns raw itself and copies
// nothing, which is the common case. With spaced false it leaves the spaced
// form " dot " alone and gives what the full pass gives on any text where
// that pass finds no spaced form: the notations are decided on raw bytes
// alone, and the spaced form's bytes (space, "dot", space) are never part
// of another notation.
func (e *engine) normalize(raw []byte, spaced bool) []byte {
	e.adj, e.hint = e.adj[:0], 0
	var out []byte
	started := false
	copied := 0
	if !spaced {
		e.finder.reset(raw)
	}
	for p := 0; p < len(raw); p++ {
		var b byte
		if spaced {
			// Spaces and dots are frequent and almost never open a
			// notation, so the loop stops on the rarer second byte of
			// " dot " and ".]" and steps back one.
			b = raw[p]
			if !scanTrigger[b] {
				continue
			}
		} else {
			if p = e.finder.from(p); p == len(raw) {
				break
			}
			b = raw[p]
		}
		q := p // where the notation would start
		if b == 'd' || b == 'D' || b == ']' {
			want := byte(' ')
			if b == ']' {
				want = '.'
			}
			if p == 0 || p-1 < copied || raw[p-1] != want {
				continue
			}
			q = p - 1
		}
		rep, n, spaced := defangAt(raw, q, e.phrases)
		if n == 0 {
			continue
		}
		p = q
		if !started {
			if cap(e.cleanBuf) < len(raw) {
				// The clean copy is never longer than raw: size it once.
				e.cleanBuf = make([]byte, 0, len(raw))
			}
			out = append(e.cleanBuf[:0], raw[:p]...)
			started = true
		} else {
			out = append(out, raw[copied:p]...)
		}
		at := len(out)
		out = append(out, rep...)
		// Markdown escapes and joined spaces are not defang notations.
		escape := rep == "_" || rep[0] == '\\'
		e.adj = append(e.adj, adjust{at: at, end: len(out), delta: p + n - len(out), spaced: spaced, escape: escape})
		copied = p + n
		p += n - 1
	}
	if !started {
		return raw
	}
	out = append(out, raw[copied:]...)
	e.cleanBuf = out
	return out
}

// rawPos maps a clean offset to the raw offset of the same byte; offsets
// inside a rewritten notation map to its start.
func (e *engine) rawPos(c int) int {
	if i := e.lastAdj(c); i >= 0 {
		return c + e.adj[i].delta
	}
	return c
}

// lastAdj returns the index of the last adjust with end <= c, or -1. Lookups
// mostly move forward through the block, so the previous answer is tried
// first before a binary search.
func (e *engine) lastAdj(c int) int {
	a := e.adj
	if len(a) == 0 || c < a[0].end {
		return -1
	}
	if h := e.hint; h < len(a) && a[h].end <= c {
		// Walk forward a few steps from the last answer: lookups follow
		// the tokens through the block.
		for k := 0; k < 8; k++ {
			if h+1 == len(a) || a[h+1].end > c {
				e.hint = h
				return h
			}
			h++
		}
	}
	lo, hi := 0, len(a)
	for hi-lo > 1 {
		m := int(uint(lo+hi) >> 1)
		if a[m].end <= c {
			lo = m
		} else {
			hi = m
		}
	}
	e.hint = lo
	return lo
}

// rewritten reports whether clean[cs:ce] holds a rewritten notation, and
// whether one of them was the spaced " dot " form.
func (e *engine) rewritten(cs, ce int) (any, spaced bool) {
	i := e.lastAdj(cs) + 1 // first adjust ending after cs
	for ; i < len(e.adj) && e.adj[i].at < ce; i++ {
		if e.adj[i].escape {
			continue
		}
		any = true
		spaced = spaced || e.adj[i].spaced
	}
	return any, spaced
}

// consumed reports whether raw[i] is part of a defang notation, so that the
// Scanner never cuts a block inside one.
func consumed(raw []byte, i int) bool {
	for p := i - maxNotation; p <= i; p++ {
		if p < 0 || !normTrigger[raw[p]] {
			continue
		}
		if _, n, _ := defangAt(raw, p, true); n > 0 && p+n > i {
			return true
		}
	}
	return false
}

// Refang returns text with every defang notation the extractor understands
// rewritten into plain form: [.] (.) {.} [dot] \. and " dot " become "."
// (so do the unbalanced [.) and (. of a lost closer), [:] ":", [://] "://",
// [/] and (/) "/", [@] [at] (at) {at} "@", and defanged URL schemes (hxxp,
// hxxps, fxp, hXXp, h**p, ...) become http, https and ftp.
func Refang(text string) string {
	var e engine
	clean := e.normalize([]byte(text), true)
	out := make([]byte, 0, len(clean))
	last := 0
	for i := 0; i+3 <= len(clean); i++ {
		if clean[i] != ':' || clean[i+1] != '/' || clean[i+2] != '/' {
			continue
		}
		s, canon, starred, ok := schemeAt(clean, last, i)
		if ok && (starred || canon != string(clean[s:i]) && isDefangedScheme(clean[s:i])) {
			out = append(out, clean[last:s]...)
			out = append(out, canon...)
			last = i
		}
	}
	out = append(out, clean[last:]...)
	return string(out)
}
