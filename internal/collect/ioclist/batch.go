package ioclist

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// Row is one data row of a list, screened. A rejected row has Reject set
// (a one-line reason) and no indicator.
type Row struct {
	Line      int // 1-based line of the row in the input
	Reject    string
	Indicator intel.IndicatorRow // Source and Event are left for the batch to set

	// Grouping, when the input says it: the actor label, the campaign or
	// report, the actor's ATT&CK ID, and the source that reported the row.
	Group, Campaign, GroupExternalID, Source string
}

// Options control how a list becomes a batch.
type Options struct {
	// Source is the source of rows that do not name their own, and the
	// template for those that do (see SourceFor).
	Source intel.Source
	// SourceFor returns the source of a row whose input names one (the
	// apt-iocs "source" column). Nil gives Source with that name and
	// KnownCredibility's score.
	SourceFor func(name string) intel.Source
	// Screener screens values; nil uses NewScreener().
	Screener *Screener
	// Tags are added to every indicator (a trail file's family, say).
	Tags []string
	// Seen is the first/last-seen time of rows that carry no date.
	Seen time.Time
	// Strict turns the first rejected row into an error (and marks the
	// batch strict, so the store refuses any invalid row too).
	Strict bool
}

func (o *Options) screener() *Screener {
	if o.Screener == nil {
		o.Screener = NewScreener()
	}
	return o.Screener
}

// KnownCredibility scores the sources of the bundled APT IOC list by the
// seed scheme: ESET and Palo Alto Unit 42 are well-known organisations
// (1); maltrail is an independent, popular community project (0.6).
// Anything else is unknown (0); callers with a collect.Credibility should
// pass SourceFor instead.
func KnownCredibility(name string) float64 {
	switch strings.ToLower(name) {
	case "eset/malware-ioc", "eset":
		return 1
	case "pan-unit42/playbook_viewer", "unit42", "unit 42":
		return 1
	case "stamparm/maltrail", "maltrail":
		return 0.6
	}
	return 0
}

// builder turns rows into a streaming batch: it indexes sources and
// events as they appear, keeps a bounded sample of rejection reasons and
// hands the rows on in runs of chunkRows (emit), so that it holds one run
// of rows whatever the size of the list.
type builder struct {
	name    string
	opts    Options
	b       *intel.IndicatorBatch
	sources map[string]int
	events  map[[3]string]int // (source, group, campaign) → index+1
	cur     []intel.IndicatorRow
	emit    func([]intel.IndicatorRow) error
	started bool
}

const chunkRows = 8192

func newBuilder(name string, opts Options) *builder {
	return &builder{name: name, opts: opts,
		b:       &intel.IndicatorBatch{Strict: opts.Strict},
		sources: map[string]int{}, events: map[[3]string]int{}}
}

// add files one row; in strict mode a rejected row is the error.
func (bd *builder) add(r *Row) error {
	b := bd.b
	b.Rows++
	if r.Reject != "" {
		if bd.opts.Strict {
			return intel.Errorf(intel.CodeInvalid, "%s:%d: %s", bd.name, r.Line, r.Reject)
		}
		b.Rejected++
		if len(b.RejectReasons) < intel.MaxRejectSamples {
			b.RejectReasons = append(b.RejectReasons, fmt.Sprintf("%s:%d: %s", bd.name, r.Line, r.Reject))
		}
		return nil
	}
	in := r.Indicator
	in.Source = bd.source(r.Source)
	if len(bd.opts.Tags) > 0 {
		in.Tags = mergeTags(in.Tags, bd.opts.Tags)
	}
	bd.note(r.Line, in.Tidy())
	if in.FirstSeen.IsZero() && in.LastSeen.IsZero() && !bd.opts.Seen.IsZero() {
		in.FirstSeen, in.LastSeen = bd.opts.Seen, bd.opts.Seen
	}
	if r.Group != "" || r.Campaign != "" {
		key := [3]string{r.Source, r.Group, r.Campaign}
		i, ok := bd.events[key]
		if !ok {
			title := r.Campaign
			if title == "" {
				title = r.Group
			}
			ev := intel.EventRow{Key: r.Group + "\x1f" + r.Campaign, Title: title,
				GroupLabel: r.Group, GroupExternalID: r.GroupExternalID, Source: in.Source,
				FirstSeen: in.FirstSeen, LastSeen: in.LastSeen}
			bd.note(r.Line, ev.Tidy())
			b.Events = append(b.Events, ev)
			i = len(b.Events)
			bd.events[key] = i
		}
		ev := &b.Events[i-1]
		if ev.GroupExternalID == "" && r.GroupExternalID != "" {
			ev.GroupExternalID = r.GroupExternalID
			bd.note(r.Line, ev.Tidy())
		}
		if !in.FirstSeen.IsZero() && (ev.FirstSeen.IsZero() || in.FirstSeen.Before(ev.FirstSeen)) {
			ev.FirstSeen = in.FirstSeen
		}
		if in.LastSeen.After(ev.LastSeen) {
			ev.LastSeen = in.LastSeen
		}
		in.Event = i
	}
	if bd.cur == nil {
		bd.cur = make([]intel.IndicatorRow, 0, chunkRows)
	}
	bd.cur = append(bd.cur, in)
	if len(bd.cur) == chunkRows {
		return bd.flush()
	}
	return nil
}

// flush hands the gathered rows on; their slice is reused.
func (bd *builder) flush() error {
	if len(bd.cur) == 0 {
		return nil
	}
	err := bd.emit(bd.cur)
	clear(bd.cur) // drop the strings for the collector
	bd.cur = bd.cur[:0]
	return err
}

// note keeps what the input rules repaired in a row, up to
// MaxRejectSamples notes.
func (bd *builder) note(line int, notes []string) {
	for _, n := range notes {
		if len(bd.b.Notes) < intel.MaxRejectSamples {
			bd.b.Notes = append(bd.b.Notes, fmt.Sprintf("%s:%d: %s", bd.name, line, n))
		}
	}
}

// source returns the index of the named source in the batch, adding it.
func (bd *builder) source(name string) int {
	if i, ok := bd.sources[name]; ok {
		return i
	}
	var src intel.Source
	switch {
	case name == "":
		src = bd.opts.Source
	case bd.opts.SourceFor != nil:
		src = bd.opts.SourceFor(name)
	default:
		src = bd.opts.Source
		src.Name, src.URL, src.Credibility = name, "", KnownCredibility(name)
		if strings.Count(name, "/") == 1 && !strings.Contains(name, ":") {
			src.URL = "https://github.com/" + name
		}
		if src.Kind == "" {
			src.Kind = intel.SourceIOCList
		}
	}
	bd.b.Sources = append(bd.b.Sources, src)
	bd.sources[name] = len(bd.b.Sources) - 1
	return len(bd.b.Sources) - 1
}

// finish hands on the last rows and completes the batch; a batch always
// lists at least the default source, so an empty list still records
// where it came from.
func (bd *builder) finish() error {
	if len(bd.b.Sources) == 0 {
		bd.source("")
	}
	for _, s := range bd.b.Sources {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("%s: source %q: %w", bd.name, s.Name, err)
		}
	}
	err := bd.flush()
	bd.cur = nil
	return err
}

// stream returns the builder's batch with run, which feeds rows to the
// builder, as its Stream.
func (bd *builder) stream(run func(bd *builder) error) *intel.IndicatorBatch {
	bd.b.Stream = func(emit func([]intel.IndicatorRow) error) error {
		if bd.started {
			return intel.Errorf(intel.CodeInvalid, "%s: the list has been read already", bd.name)
		}
		bd.started, bd.emit = true, emit
		if err := run(bd); err != nil {
			return err
		}
		return bd.finish()
	}
	return bd.b
}

// materialise runs a streaming batch to its end and keeps every row in
// Indicators (small lists, tests). The runs are joined once at the end:
// appending to one slice of 176k large structs spent a third of the
// parse time in growslice copies.
func materialise(b *intel.IndicatorBatch, err error) (*intel.IndicatorBatch, error) {
	if err != nil {
		return nil, err
	}
	var chunks [][]intel.IndicatorRow
	n := 0
	if err := b.Stream(func(rows []intel.IndicatorRow) error {
		chunks = append(chunks, slices.Clone(rows))
		n += len(rows)
		return nil
	}); err != nil {
		return nil, err
	}
	b.Indicators = make([]intel.IndicatorRow, 0, n)
	for _, c := range chunks {
		b.Indicators = append(b.Indicators, c...)
	}
	b.Stream = nil
	return b, nil
}

// rowReader is what each list format implements.
type rowReader interface {
	Next() (*Row, error) // io.EOF at the end
}

func collect(rr rowReader, bd *builder) error {
	for {
		r, err := rr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := bd.add(r); err != nil {
			return err
		}
	}
}

func mergeTags(tags, more []string) []string {
	for _, t := range more {
		found := false
		for _, have := range tags {
			if have == t {
				found = true
				break
			}
		}
		if !found {
			tags = append(tags, t)
		}
	}
	return tags
}
