// Package misp reads MISP data into intel values: events (with their
// attributes, objects and their templates, tags, galaxies, sightings,
// proposals and event reports; each event also kept whole), feeds (a
// manifest.json and one file per event) and galaxy clusters (threat
// actors, tools, malware families, countries).
//
// The parsers are pure: they take readers or an fs.FS and return bundles
// for the store, never touching it. Inputs may be gzip-compressed. Every
// error is one line naming the input, line:column and JSON path.
package misp

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/spoor/spoor/internal/collect/jsonpos"
	"github.com/spoor/spoor/internal/intel"
)

// maxInput bounds what one parser call reads: a MISP event or a galaxy
// cluster file is far smaller, and a bound keeps a hostile input from
// exhausting memory.
const maxInput = 512 << 20

// decoder streams JSON tokens from an input and turns offsets into
// positions for error messages.
type decoder struct {
	name  string
	dec   *json.Decoder
	lines *jsonpos.Reader
}

// newDecoder opens r, decompressing it when it starts with the gzip magic.
func newDecoder(r io.Reader, name string) (*decoder, func(), error) {
	br := bufio.NewReaderSize(r, 64<<10)
	closer := func() {}
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, intel.Errorf(intel.CodeInvalid, "%s: gzip: %v", name, err)
		}
		closer = func() { zr.Close() }
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	lc := jsonpos.NewReader(io.LimitReader(br, maxInput))
	return &decoder{name: name, dec: json.NewDecoder(lc), lines: lc}, closer, nil
}

// fail builds the one error line a user sees.
func (d *decoder) fail(path string, offset int64, format string, args ...any) error {
	line, col := d.lines.Position(offset)
	return intel.Errorf(intel.CodeInvalid, "%s:%d:%d: %s: %s", d.name, line, col, path, fmt.Sprintf(format, args...))
}

// jsonFail explains a decoder error met while reading the value that
// starts at valueStart (-1 after Token).
func (d *decoder) jsonFail(path string, err error, valueStart int64) error {
	at, msg := d.lines.Explain(d.dec, err, valueStart, "the file")
	return d.fail(path, at, "%s", msg)
}

// start returns the input offset of the next value, past white space and
// separators, so positions name the value itself.
func (d *decoder) start() int64 {
	off := d.dec.InputOffset()
	return d.lines.SkipSpace(off)
}

// delim reads the next token and checks it is the delimiter want.
func (d *decoder) delim(path string, want json.Delim, what string) error {
	at := d.start()
	tok, err := d.dec.Token()
	if err != nil {
		return d.jsonFail(path, err, -1)
	}
	if got, ok := tok.(json.Delim); !ok || got != want {
		return d.fail(path, at, "%s, found %s", what, describe(tok))
	}
	return nil
}

// key reads an object key.
func (d *decoder) key(path string) (string, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return "", d.jsonFail(path, err, -1)
	}
	k, _ := tok.(string)
	return k, nil
}

// value decodes the next value into v.
func (d *decoder) value(path string, v any) error {
	at := d.start()
	if err := d.dec.Decode(v); err != nil {
		return d.jsonFail(path, err, at)
	}
	return nil
}

// end checks that nothing follows the top-level value.
func (d *decoder) end() error {
	if _, err := d.dec.Token(); err != io.EOF {
		return d.fail("$", d.start(), "unexpected data after the JSON value")
	}
	return nil
}

func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// addName appends name to names unless it is empty or already there
// under intel.NormalizeName.
func addName(names []string, name string) []string {
	n := intel.NormalizeName(name)
	if n == "" {
		return names
	}
	for _, x := range names {
		if intel.NormalizeName(x) == n {
			return names
		}
	}
	return append(names, name)
}

// addUnique appends s unless it is empty or already there.
func addUnique(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
