package ioclist

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// Mapping names the CSV header columns that hold each field; "" means the
// file has no such column. Value is required. Without a Type column every
// value's type is inferred (or forced by CSVReader's want).
type Mapping struct {
	Value       string
	Type        string
	FirstSeen   string
	LastSeen    string
	Tags        string // separated by ',', ';' or '|'
	Description string
	Confidence  string // 0..1, or 0..100 when above 1
	TLP         string
	// Group and Campaign make events: one per (source, group, campaign).
	Group    string
	Campaign string
	// GroupID is the group's ATT&CK ID (G0007), used to link the event.
	GroupID string
	// Source names the source that reported the row.
	Source string
}

// APTIOCs is the mapping of the grouped APT IOC list
// (apt-iocs/iocs.csv.gz): group,campaign_or_file,ioc_type,ioc_value,date,
// date_kind,source_path,source,actor_kind,attack_group_id,attack_group_name.
var APTIOCs = Mapping{
	Value: "ioc_value", Type: "ioc_type", FirstSeen: "date", LastSeen: "date",
	Group: "group", Campaign: "campaign_or_file", GroupID: "attack_group_id", Source: "source",
}

// CSVReader reads a CSV list with a header row through a Mapping.
type CSVReader struct {
	name string
	cr   *csv.Reader
	scr  *Screener
	want intel.IndicatorType
	m    Mapping
	col  colIndex
}

type colIndex struct {
	value, typ, first, last, tags, desc, conf, tlp, group, campaign, groupID, source int
}

// NewCSVReader reads the header of r and checks that every mapped column
// is there. want, when not "", is the type every value must have.
func NewCSVReader(r io.Reader, name string, m Mapping, scr *Screener, want intel.IndicatorType) (*CSVReader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true // one row's memory, whatever the file size
	cr.TrimLeadingSpace = true
	if scr == nil {
		scr = NewScreener()
	}
	c := &CSVReader{name: name, cr: cr, scr: scr, want: want, m: m}
	if m.Value == "" {
		return nil, intel.Errorf(intel.CodeInvalid, "%s: the mapping names no value column", name)
	}
	head, err := cr.Read()
	if err == io.EOF {
		return nil, intel.Errorf(intel.CodeInvalid, "%s:1: empty file, want a header row", name)
	}
	if err != nil {
		return nil, c.fail(err)
	}
	pos := map[string]int{}
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		if _, dup := pos[h]; !dup {
			pos[h] = i
		}
	}
	find := func(col string) (int, error) {
		if col == "" {
			return -1, nil
		}
		i, ok := pos[col]
		if !ok {
			return 0, intel.Errorf(intel.CodeInvalid, "%s:1: no column %q in the header", name, col)
		}
		return i, nil
	}
	for _, f := range []struct {
		dst *int
		col string
	}{
		{&c.col.value, m.Value}, {&c.col.typ, m.Type}, {&c.col.first, m.FirstSeen}, {&c.col.last, m.LastSeen},
		{&c.col.tags, m.Tags}, {&c.col.desc, m.Description}, {&c.col.conf, m.Confidence}, {&c.col.tlp, m.TLP},
		{&c.col.group, m.Group}, {&c.col.campaign, m.Campaign}, {&c.col.groupID, m.GroupID}, {&c.col.source, m.Source},
	} {
		if *f.dst, err = find(f.col); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *CSVReader) fail(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return intel.Errorf(intel.CodeInvalid, "%s:%d: %v", c.name, pe.Line, pe.Err)
	}
	line, _ := c.cr.FieldPos(0)
	return intel.Errorf(intel.CodeInvalid, "%s:%d: read: %v", c.name, line, err)
}

// Next returns the next row, or io.EOF.
func (c *CSVReader) Next() (*Row, error) {
	rec, line, err := c.record()
	if err != nil {
		return nil, err
	}
	r := &Row{}
	c.screenRecord(r, rec, line)
	return r, nil
}

// record reads the next record, its fields copied out of the reader's
// reused slice, and the line it starts on; io.EOF at the end.
func (c *CSVReader) record() ([]string, int, error) {
	rec, err := c.cr.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	if err != nil {
		return nil, 0, c.fail(err)
	}
	line, _ := c.cr.FieldPos(0)
	return slices.Clone(rec), line, nil
}

// screenRecord fills r from one record. It reads only the reader's
// settings, so records may be screened on several goroutines at once.
func (c *CSVReader) screenRecord(r *Row, rec []string, line int) {
	*r = Row{Line: line}
	field := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	if err := c.row(r, field); err != nil {
		r.Reject = err.Error()
		r.Indicator = intel.IndicatorRow{}
	}
}

func (c *CSVReader) row(r *Row, field func(int) string) error {
	want := c.want
	if c.col.typ >= 0 {
		t, err := ParseType(field(c.col.typ))
		if err != nil {
			return err
		}
		if want != "" && t != "" && t != want {
			return fmt.Errorf("type %s, want %s", t, want)
		}
		if t != "" {
			want = t
		}
	}
	s, err := c.scr.Screen(want, field(c.col.value))
	if err != nil {
		return err
	}
	in := intel.IndicatorRow{Type: s.Type, Value: s.Value, Warninglist: s.Warninglist, Confidence: 1,
		Description: field(c.col.desc)}
	if in.FirstSeen, err = parseTime(field(c.col.first)); err != nil {
		return fmt.Errorf("%s: %v", c.m.FirstSeen, err)
	}
	if in.LastSeen, err = parseTime(field(c.col.last)); err != nil {
		return fmt.Errorf("%s: %v", c.m.LastSeen, err)
	}
	switch {
	case in.LastSeen.IsZero():
		in.LastSeen = in.FirstSeen
	case in.FirstSeen.IsZero():
		in.FirstSeen = in.LastSeen
	case in.LastSeen.Before(in.FirstSeen):
		return fmt.Errorf("last seen %s is before first seen %s", in.LastSeen.Format(time.DateOnly), in.FirstSeen.Format(time.DateOnly))
	}
	if v := field(c.col.conf); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 100 || f != f {
			return fmt.Errorf("%s: %q is not a confidence (0..1 or 0..100)", c.m.Confidence, v)
		}
		if f > 1 {
			f /= 100
		}
		in.Confidence = f
	}
	if v := field(c.col.tlp); v != "" {
		if in.TLP, err = intel.ParseTLP(v); err != nil {
			return err
		}
	}
	if v := field(c.col.tags); v != "" {
		for _, t := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == '|' }) {
			if t = strings.TrimSpace(t); t != "" {
				in.Tags = mergeTags(in.Tags, []string{t})
			}
		}
	}
	r.Group, r.Campaign = field(c.col.group), field(c.col.campaign)
	r.GroupExternalID, r.Source = strings.ToUpper(field(c.col.groupID)), field(c.col.source)
	if r.Group != "" {
		// The actor label as a tag makes the indicator findable by the
		// name its source used, even when the group is not stored.
		in.Tags = mergeTags(in.Tags, []string{r.Group})
	}
	r.Indicator = in
	return nil
}

// parseTime reads the dates lists carry: a day, RFC 3339, "date time",
// or unix seconds. "" is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339, time.DateTime, "2006-01-02T15:04:05", "2006/01/02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && n < 1e11 {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
}

// ReadCSV reads a CSV list through m into a batch.
func ReadCSV(r io.Reader, name string, m Mapping, want intel.IndicatorType, opts Options) (*intel.IndicatorBatch, error) {
	return materialise(StreamCSV(r, name, m, want, opts))
}

// StreamCSV is ReadCSV as a streaming batch (IndicatorBatch.Stream): the
// header is read and checked now, the rows as the batch is imported.
func StreamCSV(r io.Reader, name string, m Mapping, want intel.IndicatorType, opts Options) (*intel.IndicatorBatch, error) {
	cr, err := NewCSVReader(r, name, m, opts.screener(), want)
	if err != nil {
		return nil, err
	}
	return newBuilder(name, opts).stream(func(bd *builder) error { return collectScreened(cr, bd) }), nil
}

// ReadAPTIOCs reads the grouped APT IOC list (plain or gzipped CSV in the
// APTIOCs layout): indicators with one source per row's "source" column,
// and one event per (group, campaign_or_file).
func ReadAPTIOCs(r io.Reader, name string, opts Options) (*intel.IndicatorBatch, error) {
	return materialise(StreamAPTIOCs(r, name, opts))
}

// StreamAPTIOCs is ReadAPTIOCs as a streaming batch (see StreamCSV).
func StreamAPTIOCs(r io.Reader, name string, opts Options) (*intel.IndicatorBatch, error) {
	r, err := maybeGunzip(r, name)
	if err != nil {
		return nil, err
	}
	if opts.Source.Name == "" {
		opts.Source = intel.Source{Name: "apt-iocs", Kind: intel.SourceIOCList}
	}
	return StreamCSV(r, name, APTIOCs, "", opts)
}

// maybeGunzip returns r decompressed when it starts with the gzip magic.
func maybeGunzip(r io.Reader, name string) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "%s: gzip: %v", name, err)
		}
		return zr, nil
	}
	return br, nil
}
