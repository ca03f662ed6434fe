package ioclist

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// maxLine bounds a trail line; a longer one is not a list entry and would
// otherwise make memory depend on the input.
const maxLine = 64 << 10

// TrailReader reads a plain list, one value per line, as maltrail's trail
// files are written: lines starting with '#' are comments, a '#' after
// whitespace starts a trailing comment, blank lines are skipped, and
// values may be defanged, URLs, or host:port.
type TrailReader struct {
	name string
	sc   *bufio.Scanner
	scr  *Screener
	want intel.IndicatorType
	line int
}

// NewTrailReader returns a reader of r; name is how errors refer to the
// input. want, when not "", is the type every entry must have.
func NewTrailReader(r io.Reader, name string, scr *Screener, want intel.IndicatorType) *TrailReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	if scr == nil {
		scr = NewScreener()
	}
	return &TrailReader{name: name, sc: sc, scr: scr, want: want}
}

// Next returns the next entry, or io.EOF. A bad value is a Row with
// Reject set; an error is a problem with the input itself.
func (t *TrailReader) Next() (*Row, error) {
	for t.sc.Scan() {
		t.line++
		v := trailValue(t.sc.Bytes())
		if v == "" {
			continue
		}
		r := &Row{Line: t.line}
		s, err := t.scr.Screen(t.want, v)
		if err != nil {
			r.Reject = err.Error()
			return r, nil
		}
		r.Indicator = intel.IndicatorRow{Type: s.Type, Value: s.Value, Warninglist: s.Warninglist, Confidence: 1}
		return r, nil
	}
	if err := t.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, intel.Errorf(intel.CodeInvalid, "%s:%d: line longer than %d bytes", t.name, t.line+1, maxLine)
		}
		return nil, intel.Errorf(intel.CodeInvalid, "%s:%d: read: %v", t.name, t.line+1, err)
	}
	return nil, io.EOF
}

// trailValue cuts comments and surrounding blanks off a line.
func trailValue(line []byte) string {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' {
		return ""
	}
	for i := 1; i < len(line); i++ {
		if line[i] == '#' && (line[i-1] == ' ' || line[i-1] == '\t') {
			line = bytes.TrimSpace(line[:i])
			break
		}
	}
	return strings.ToValidUTF8(string(line), "\uFFFD")
}

// ReadTrail reads a trail file into a batch from opts.Source.
func ReadTrail(r io.Reader, name string, want intel.IndicatorType, opts Options) (*intel.IndicatorBatch, error) {
	return materialise(StreamTrail(r, name, want, opts), nil)
}

// StreamTrail is ReadTrail as a streaming batch (IndicatorBatch.Stream).
func StreamTrail(r io.Reader, name string, want intel.IndicatorType, opts Options) *intel.IndicatorBatch {
	tr := NewTrailReader(r, name, opts.screener(), want)
	return newBuilder(name, opts).stream(func(bd *builder) error { return collect(tr, bd) })
}
