package analyze

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxLine bounds a line of the one-timestamp-per-line form.
const MaxLine = 64 << 10

// Record is one timestamp read from input, with the line it is on.
type Record struct {
	Line  int
	Group string // "" without a group column
	Time  Timestamp
}

// LineError is a line the Reader could not read. Reading may go on after
// one: the next Read starts at the next line.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

func (e *LineError) Unwrap() error { return e.Err }

// Reader reads timestamps in one of two forms, told apart by the first
// line:
//
//   - a CSV whose first line is a header with a "time" column (any case),
//     and optionally a "group" column; other columns are ignored;
//   - otherwise one timestamp per line in any form Parse reads; blank lines
//     and lines starting with "#" are skipped.
//
// A UTF-8 byte-order mark is ignored. Line numbers count from 1 and include
// the header.
type Reader struct {
	br      *bufio.Reader
	started bool
	line    int // plain form: lines read so far
	pending *pendingLine

	csv      *csv.Reader
	timeCol  int
	groupCol int // -1 without a group column
	err      error
}

type pendingLine struct {
	text    string
	tooLong bool
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, MaxLine), groupCol: -1}
}

// Grouped reports whether the input has a group column. It is known after
// the first call to Read.
func (r *Reader) Grouped() bool { return r.groupCol >= 0 }

// Read returns the next timestamp; io.EOF at the end; a *LineError for a
// line it cannot read (call Read again to go on); any other error ends the
// input.
func (r *Reader) Read() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	if !r.started {
		r.started = true
		if err := r.start(); err != nil {
			r.err = err
			return Record{}, err
		}
	}
	if r.csv != nil {
		return r.readCSV()
	}
	return r.readPlain()
}

// start reads the first line and decides the form.
func (r *Reader) start() error {
	first, tooLong, err := r.readLine()
	if err != nil {
		return err
	}
	first = strings.TrimPrefix(first, "\ufeff")
	if !tooLong {
		if header, err := csv.NewReader(strings.NewReader(first)).Read(); err == nil {
			r.timeCol = -1
			for i, h := range header {
				switch strings.ToLower(strings.TrimSpace(h)) {
				case "time":
					if r.timeCol < 0 {
						r.timeCol = i
					}
				case "group":
					if r.groupCol < 0 {
						r.groupCol = i
					}
				}
			}
			if r.timeCol >= 0 {
				r.csv = csv.NewReader(r.br)
				r.csv.FieldsPerRecord = -1
				r.csv.ReuseRecord = true
				return nil
			}
			r.groupCol = -1
		}
	}
	// The first line is data: the first Read gives it back.
	r.pending = &pendingLine{first, tooLong}
	return nil
}

// readLine returns the next line without its line ending; tooLong when it
// was over MaxLine (the rest is skipped).
func (r *Reader) readLine() (line string, tooLong bool, err error) {
	b, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.br.ReadSlice('\n')
		}
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return "", true, err
	}
	if len(b) == 0 && err != nil {
		return "", false, err
	}
	b = bytes.TrimRight(b, "\r\n")
	return string(b), false, nil
}

func (r *Reader) readPlain() (Record, error) {
	for {
		var (
			line    string
			tooLong bool
			err     error
		)
		if r.pending != nil {
			line, tooLong, r.pending = r.pending.text, r.pending.tooLong, nil
		} else if line, tooLong, err = r.readLine(); err != nil {
			r.err = err
			return Record{}, err
		}
		r.line++
		if tooLong {
			return Record{}, &LineError{r.line, fmt.Errorf("longer than %d bytes", MaxLine)}
		}
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		ts, err := Parse(line)
		if err != nil {
			return Record{}, &LineError{r.line, err}
		}
		return Record{Line: r.line, Time: ts}, nil
	}
}

func (r *Reader) readCSV() (Record, error) {
	rec, err := r.csv.Read()
	if err != nil {
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			return Record{}, &LineError{pe.StartLine + 1, pe.Err}
		}
		r.err = err
		return Record{}, err
	}
	line, _ := r.csv.FieldPos(0)
	line++ // the header was read before the CSV reader started
	if r.timeCol >= len(rec) || r.groupCol >= len(rec) {
		return Record{}, &LineError{line, fmt.Errorf("%d fields, too few for the header's time and group columns", len(rec))}
	}
	ts, err := Parse(rec[r.timeCol])
	if err != nil {
		return Record{}, &LineError{line, err}
	}
	out := Record{Line: line, Time: ts}
	if r.groupCol >= 0 {
		out.Group = strings.TrimSpace(rec[r.groupCol])
	}
	return out, nil
}
