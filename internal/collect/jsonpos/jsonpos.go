// Package jsonpos tells JSON parsers where they are: it passes input
// through, remembers where lines start so a byte offset reads as line and
// column, and keeps the recent bytes so an error can point at the value
// itself rather than at the white space before it, and a syntax error
// found by encoding/json's Decoder can be located exactly.
package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// maxKept bounds the bytes kept; past it the oldest half is dropped, so a
// value larger than half of it gets its errors at its start.
const maxKept = 4 << 20

// Reader wraps the input of a json.Decoder.
type Reader struct {
	r      io.Reader
	total  int64
	starts []int64 // offsets of the bytes after each '\n'
	kept   []byte  // input bytes from keptAt to total
	keptAt int64
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

// Read implements io.Reader.
func (l *Reader) Read(b []byte) (int, error) {
	n, err := l.r.Read(b)
	for i := 0; i < n; {
		j := bytes.IndexByte(b[i:n], '\n')
		if j < 0 {
			break
		}
		l.starts = append(l.starts, l.total+int64(i+j+1))
		i += j + 1
	}
	l.total += int64(n)
	l.kept = append(l.kept, b[:n]...)
	if len(l.kept) > maxKept {
		l.drop(int64(len(l.kept) - maxKept/2))
	}
	return n, err
}

// Total is how many bytes have been read.
func (l *Reader) Total() int64 { return l.total }

// Mark says that nothing before off will be asked about again, so its
// bytes need not be kept (call it at the start of each top-level value).
func (l *Reader) Mark(off int64) {
	if off > l.keptAt {
		l.drop(min(off-l.keptAt, int64(len(l.kept))))
	}
}

func (l *Reader) drop(n int64) {
	k := copy(l.kept, l.kept[n:])
	l.kept, l.keptAt = l.kept[:k], l.keptAt+n
}

// SkipSpace returns the offset of the first byte at or after off that is
// not JSON white space, a comma or a colon, so positions name the value
// itself; off when those bytes are no longer kept.
func (l *Reader) SkipSpace(off int64) int64 {
	if off < l.keptAt {
		return off
	}
	for i := off - l.keptAt; i < int64(len(l.kept)); i++ {
		switch l.kept[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			continue
		}
		return l.keptAt + i
	}
	return off
}

// SyntaxErrorAt returns the offset of the first syntax error in the value
// that starts at start, or start when it cannot tell. (A Decoder's
// SyntaxError.Offset counts bytes over all its Decode calls, not from the
// value, so the value is checked again from the kept bytes.)
func (l *Reader) SyntaxErrorAt(start int64) int64 {
	if start < l.keptAt || start > l.total {
		return start
	}
	var v any
	var syn *json.SyntaxError
	if err := json.Unmarshal(l.kept[start-l.keptAt:], &v); errors.As(err, &syn) {
		return start + syn.Offset - 1
	}
	return start
}

// Explain locates an error of dec, which reads from l, met while reading
// the value that starts at valueStart (-1 after a Token call), and says
// it in words; what names the input in the truncation message ("the
// bundle", "the file"). A Token syntax error's offset is an input offset;
// a Decode one counts bytes over all Decode calls, so it is found again
// in the value (SyntaxErrorAt).
func (l *Reader) Explain(dec *json.Decoder, err error, valueStart int64, what string) (at int64, msg string) {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return l.total, "unexpected end of input: " + what + " is truncated"
	case errors.As(err, &syn):
		at := syn.Offset
		if valueStart >= 0 {
			at = l.SyntaxErrorAt(valueStart)
		}
		return at, "malformed JSON: " + syn.Error()
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "value"
		}
		at := dec.InputOffset()
		if valueStart >= 0 {
			at = valueStart + typ.Offset
		}
		return at, fmt.Sprintf("%s: expected %s, found JSON %s", field, typ.Type, typ.Value)
	}
	return dec.InputOffset(), err.Error()
}

// Position returns the 1-based line and column of an input offset.
func (l *Reader) Position(offset int64) (line, col int) {
	i, _ := slices.BinarySearch(l.starts, offset+1)
	lineStart := int64(0)
	if i > 0 {
		lineStart = l.starts[i-1]
	}
	return i + 1, int(offset-lineStart) + 1
}
