package ioc

import (
	"errors"
	"io"
	"slices"
	"strings"
)

// Extract returns the indicators in text, in order of offset.
func Extract(text string, opts Options) []Match {
	return extractWith(text, opts)
}

func extractWith(text string, opts Options) []Match {
	if len(text) > defaultBlock {
		// Long texts go through the streaming path: it gives the same
		// matches (the fuzz tests hold it to that) while copying and
		// normalising one cache-sized block at a time instead of the whole
		// text at once.
		sc := newScanner(strings.NewReader(text), opts, defaultBlock, maxToken)
		var out []Match
		for sc.Scan() {
			if len(out) == cap(out) && sc.base > 0 {
				// Size the result from the matches per byte so far: a
				// report dense with indicators holds tens of thousands,
				// and doubling the slice each time copied and cleared
				// them over and over (a twentieth of the time).
				want := int(float64(len(out)+1)*float64(len(text))/float64(sc.base)*1.1) + 16
				if want > cap(out) {
					out = slices.Grow(out, want-len(out))
				}
			}
			out = append(out, sc.Match())
		}
		return out
	}
	return extractWhole(text, opts, maxToken)
}

// Extractor extracts indicators from many short texts (list entries,
// attribute values) with one engine, so that its verdict caches (ICANN
// TLDs, public suffixes) and buffers carry over from call to call instead
// of being built for each value. It gives exactly what Extract gives. It
// is not safe for concurrent use: give each goroutine its own.
type Extractor struct{ e *engine }

// NewExtractor returns an Extractor with opts.
func NewExtractor(opts Options) *Extractor { return &Extractor{e: newEngine(opts)} }

// Extract returns the indicators in text, in order of offset; the slice
// is the caller's.
func (x *Extractor) Extract(text string) []Match {
	if len(text) > defaultBlock {
		return extractWith(text, x.e.opts)
	}
	e := x.e
	e.out, e.spacedDots, e.rereads = nil, false, 0
	raw := []byte(text)
	e.block(raw, 0, 0, len(raw))
	return e.out
}

// extractWhole classifies text as one block.
func extractWhole(text string, opts Options, maxTok int) []Match {
	e := newEngine(opts)
	e.maxToken = maxTok
	raw := []byte(text)
	e.block(raw, 0, 0, len(raw))
	return e.out
}

// defaultBlock is the Scanner's read size. Its buffer never grows, so memory
// stays flat whatever the input size.
const defaultBlock = 256 << 10

// Scanner extracts indicators from a stream. It reads fixed-size blocks,
// keeps a small overlap between them so that tokens are never cut, and
// reports exactly the matches, offsets included, that Extract reports on the
// whole input. Use it like bufio.Scanner:
//
//	sc := ioc.NewScanner(r, ioc.DefaultOptions())
//	for sc.Scan() {
//		m := sc.Match()
//		...
//	}
//	if err := sc.Err(); err != nil { ... }
type Scanner struct {
	r      io.Reader
	e      *engine
	buf    []byte
	n      int   // bytes held in buf
	start  int   // buf offset from which tokens are new (before it: context)
	base   int64 // absolute offset of buf[0]
	next   int   // next match in e.out to return
	maxBuf int   // the buffer grows up to this size
	cur    Match
	eof    bool
	done   bool
	err    error
}

// NewScanner returns a Scanner reading from r.
func NewScanner(r io.Reader, opts Options) *Scanner {
	return newScanner(r, opts, defaultBlock, maxToken)
}

// newScanner lets tests use small blocks and a small token limit, so that
// short inputs cross many block boundaries.
func newScanner(r io.Reader, opts Options, block, maxTok int) *Scanner {
	e := newEngine(opts)
	e.maxToken = maxTok
	// The window must hold a token of maxTok bytes plus its context, so that
	// a block without a safe cut point can only be inside an over-long token.
	block = max(block, maxTok+lookback+lookahead+2)
	// Start small so that short inputs do not pay for a full block, and
	// double on each full read up to the block size.
	first := min(block, max(16<<10, maxTok+lookback+lookahead+2))
	return &Scanner{r: r, e: e, buf: make([]byte, first), maxBuf: block}
}

// Scan advances to the next match, reporting false at the end of input or
// on a read error.
func (s *Scanner) Scan() bool {
	for {
		if s.next < len(s.e.out) {
			s.cur = s.e.out[s.next]
			s.next++
			return true
		}
		if s.done {
			return false
		}
		s.e.out, s.next = s.e.out[:0], 0
		s.fill()
		if s.err != nil {
			s.done = true
			return false
		}
		if s.eof {
			s.e.block(s.buf[:s.n], s.base, s.start, s.n)
			s.done = true
			continue
		}
		cut := s.cutPoint()
		s.e.block(s.buf[:s.n], s.base, s.start, cut)
		from := max(cut-lookback, 0)
		if len(s.buf) < s.maxBuf {
			// The input filled a whole block: move to a bigger one.
			nb := make([]byte, min(2*len(s.buf), s.maxBuf))
			copy(nb, s.buf[from:s.n])
			s.buf = nb
		} else {
			copy(s.buf, s.buf[from:s.n])
		}
		s.n -= from
		s.base += int64(from)
		s.start = cut - from
	}
}

// Match returns the match found by the last call to Scan.
func (s *Scanner) Match() Match { return s.cur }

// Err returns the first read error other than io.EOF.
func (s *Scanner) Err() error { return s.err }

// fill reads until the buffer is full or the input ends.
func (s *Scanner) fill() {
	for s.n < len(s.buf) && !s.eof {
		k, err := s.r.Read(s.buf[s.n:])
		s.n += k
		if errors.Is(err, io.EOF) {
			s.eof = true
		} else if err != nil {
			s.err = err
			return
		}
		if k == 0 && err == nil {
			// A reader that returns nothing repeatedly is treated like
			// bufio does: give it a few more chances, then fail.
			for range 100 {
				k, err = s.r.Read(s.buf[s.n:])
				if k > 0 || err != nil {
					break
				}
			}
			s.n += k
			if errors.Is(err, io.EOF) {
				s.eof = true
			} else if err != nil {
				s.err = err
				return
			} else if k == 0 {
				s.err = io.ErrNoProgress
				return
			}
		}
	}
}

// cutPoint picks where this block's tokens end: the last delimiter, at
// least lookahead bytes before the end of the buffer, that stays a delimiter
// after defang normalisation. Tokens starting before it belong to this block
// and are seen whole. When there is none, the region is one token longer
// than maxToken, which is skipped anyway, and any point will do.
func (s *Scanner) cutPoint() int {
	b := s.buf[:s.n]
	for i := s.n - lookahead; i > s.start; i-- {
		if cls[b[i]]&cDelim != 0 && !consumed(b, i) {
			return i
		}
	}
	return s.n - lookahead
}
