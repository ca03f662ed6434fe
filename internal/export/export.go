// Package export writes stored indicators in the formats of the tools
// that act on them: STIX 2.1 bundles and MISP events for partners, CSV
// and plain lists for spreadsheets and firewalls (external dynamic lists),
// hosts files, DNS response policy zones and Unbound local zones for
// resolvers, Suricata and Snort rules and Zeek intel files for sensors.
// The STIX bundle also carries the STIX objects an import kept whole, as
// they came in (Reader.ExportSTIXObjects), and the MISP export the MISP
// events an import kept whole (Reader.ExportMISPEvents).
//
// Run is the one path every caller takes (the CLI, later the pages and
// feed URLs): it resolves the group, reads the indicators a filter
// selects from a Reader (the store), and streams them through the
// format's writer, so memory does not grow with the export. The writers
// are pure: they take intel values and write to an io.Writer.
//
// Output is deterministic: the store gives indicators sorted by type and
// value, identifiers are UUIDv5 names of stored keys, and times and
// version stamps (a zone's serial) come from the store, never the clock,
// so the same store gives the same bytes and a diff of two exports shows
// what changed. A value a format cannot carry safely (a domain that is
// not a host name in a DNS zone, a type a format has no place for) is
// left out and counted in Stats.Skipped, never written half-escaped.
package export

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// Format names an output format.
type Format string

// The formats.
const (
	STIX     Format = "stix"
	MISP     Format = "misp"
	CSV      Format = "csv"
	List     Format = "list"
	Hosts    Format = "hosts"
	RPZ      Format = "rpz"
	Unbound  Format = "unbound"
	Suricata Format = "suricata"
	Snort    Format = "snort"
	Zeek     Format = "zeek"
)

// formats lists each format with what it is, in the order help shows them.
var formats = []struct {
	f    Format
	what string
	new  func(b *base) writer
}{
	{STIX, "STIX 2.1 bundle: indicators with patterns, groups as intrusion sets, indicates relationships, TLP markings, the STIX objects kept whole", newSTIX},
	{MISP, "MISP event JSON: attributes with types and to_ids, threat-actor galaxy clusters, TLP tags; with the MISP events kept whole, a list of events", newMISP},
	{CSV, "CSV with a header: type, value, confidence, TLP, dates, groups, sources, tags, description", newCSV},
	{List, "plain list, one value a line (firewall external dynamic lists; choose types with --type)", newList},
	{Hosts, "hosts file: 0.0.0.0 and a domain a line", newHosts},
	{RPZ, "DNS response policy zone: NXDOMAIN for domains and their subdomains, rpz-ip triggers for addresses", newRPZ},
	{Unbound, "Unbound configuration: local-zone always_nxdomain per domain", newUnbound},
	{Suricata, "Suricata rules: DNS query, TLS SNI and HTTP host per domain, HTTP per URL, IP rules", newSuricata},
	{Snort, "Snort 2.9 rules: DNS query, TLS SNI and HTTP host per domain, HTTP per URL, IP rules", newSnort},
	{Zeek, "Zeek intel framework file (Intel::ADDR, SUBNET, DOMAIN, URL, EMAIL, FILE_HASH)", newZeek},
}

// Formats returns the format names and what each writes.
func Formats() [][2]string {
	var out [][2]string
	for _, f := range formats {
		out = append(out, [2]string{string(f.f), f.what})
	}
	return out
}

// ParseFormat returns the format called name.
func ParseFormat(name string) (Format, error) {
	for _, f := range formats {
		if string(f.f) == name {
			return f.f, nil
		}
	}
	var names []string
	for _, f := range formats {
		names = append(names, string(f.f))
	}
	return "", intel.Errorf(intel.CodeInvalid, "unknown export format %q: use one of %s", name, strings.Join(names, ", "))
}

// Options tune formats; the zero value takes the defaults.
type Options struct {
	// SIDBase and SIDCount are the range Suricata and Snort rule IDs are
	// drawn from: [SIDBase, SIDBase+SIDCount). Default 1,000,000 SIDs
	// from 1,000,000, the range Snort leaves to local rules.
	SIDBase, SIDCount int
	// Zone is the name the RPZ zone is served under. The file names no
	// origin (its owners are relative), so any zone name works; this one
	// bounds how long a name in it may be. Default "rpz.spoor".
	Zone string
	// Producer names who made the export: the STIX identity every object
	// is created by and the MISP event's organisation. Default "spoor".
	Producer string
}

// Defaults of Options.
const (
	DefaultSIDBase  = 1_000_000
	DefaultSIDCount = 1_000_000
	DefaultZone     = "rpz.spoor"
	DefaultProducer = "spoor"
)

func (o Options) withDefaults() (Options, error) {
	if o.SIDBase == 0 {
		o.SIDBase = DefaultSIDBase
	}
	if o.SIDCount == 0 {
		o.SIDCount = DefaultSIDCount
	}
	if o.Zone == "" {
		o.Zone = DefaultZone
	}
	if o.Producer == "" {
		o.Producer = DefaultProducer
	}
	o.Zone = strings.TrimSuffix(strings.ToLower(o.Zone), ".")
	switch {
	case o.SIDBase < 1 || o.SIDCount < 1 || int64(o.SIDBase)+int64(o.SIDCount)-1 > 1<<32-1:
		return o, intel.Errorf(intel.CodeInvalid, "SID range %d+%d does not fit in 1..4294967295", o.SIDBase, o.SIDCount)
	case !hostName(o.Zone, 1):
		return o, intel.Errorf(intel.CodeInvalid, "zone %q is not a DNS name", o.Zone)
	}
	return o, nil
}

// Request is one export: what to select and how to write it.
type Request struct {
	Format Format
	// Group is a group's name, alias or ATT&CK ID; its indicators only.
	// It must be within Filter.TLPMax.
	Group   string
	Filter  intel.ExportFilter
	Options Options
	// Stored, when set, is told the STIX ID of each kept STIX object the
	// STIX format writes and when spoor stored it: a TAXII server's
	// date_added for an object without created and modified (an SCO).
	Stored func(stixID string, at time.Time)
}

// Reader is what an export reads: the store's export queries.
type Reader interface {
	FindObjectByName(ctx context.Context, kind intel.ObjectKind, name string) (*intel.Object, error)
	ExportSummary(ctx context.Context, f intel.ExportFilter) (intel.ExportSummary, error)
	ExportIndicators(ctx context.Context, f intel.ExportFilter, fn func(*intel.ExportIndicator) error) error
	// ExportSTIXObjects gives the kept STIX objects f selects (the STIX
	// format writes them after the indicators).
	ExportSTIXObjects(ctx context.Context, f intel.ExportFilter, fn func(*intel.ExportSTIXObject) error) error
	// ExportMISPEvents gives the MISP events kept whole that f selects
	// (the MISP format writes them before its own event).
	ExportMISPEvents(ctx context.Context, f intel.ExportFilter, fn func(*intel.ExportSTIXObject) error) error
}

// Stats says what an export wrote.
type Stats struct {
	Format Format `json:"format"`
	// Read is how many indicators the filter selected; Written how many
	// the output holds, and Skipped why the others are not in it.
	Read    int            `json:"read"`
	Written int            `json:"written"`
	Skipped map[string]int `json:"skipped,omitempty"`
	// Rules is how many rules a rule format wrote (several per domain).
	Rules int `json:"rules,omitempty"`
	// Objects is how many kept STIX objects the STIX format wrote, Events
	// how many kept MISP events the MISP format wrote, and ObjectsSkipped
	// why it left others out.
	Objects        int            `json:"stix_objects,omitempty"`
	Events         int            `json:"misp_events,omitempty"`
	ObjectsSkipped map[string]int `json:"stix_objects_skipped,omitempty"`
}

// String is the summary line the CLI prints.
func (s *Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "exported %d of %d indicators as %s", s.Written, s.Read, s.Format)
	if s.Rules > 0 {
		fmt.Fprintf(&b, " (%d rules)", s.Rules)
	}
	leftOut(&b, s.Skipped)
	switch {
	case s.Format == MISP && (s.Events > 0 || len(s.ObjectsSkipped) > 0):
		fmt.Fprintf(&b, "; %d kept MISP events", s.Events)
		leftOut(&b, s.ObjectsSkipped)
	case s.Objects > 0 || len(s.ObjectsSkipped) > 0:
		fmt.Fprintf(&b, "; %d kept STIX objects", s.Objects)
		leftOut(&b, s.ObjectsSkipped)
	}
	return b.String()
}

// leftOut writes the reasons of what an export left out.
func leftOut(b *strings.Builder, skipped map[string]int) {
	if len(skipped) == 0 {
		return
	}
	var reasons []string
	for r := range skipped {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	b.WriteString("; left out:")
	for i, r := range reasons {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, " %d %s", skipped[r], r)
	}
}

// Run writes the export req asks for to w.
func Run(ctx context.Context, r Reader, w io.Writer, req Request) (*Stats, error) {
	var newWriter func(*base) writer
	for _, f := range formats {
		if f.f == req.Format {
			newWriter = f.new
		}
	}
	if newWriter == nil {
		_, err := ParseFormat(string(req.Format))
		return nil, err
	}
	opts, err := req.Options.withDefaults()
	if err != nil {
		return nil, err
	}
	f := req.Filter
	if err := f.Validate(); err != nil {
		return nil, err
	}
	group := ""
	if req.Group != "" {
		g, err := r.FindObjectByName(ctx, intel.KindGroup, req.Group)
		if err != nil {
			return nil, err
		}
		if !g.TLP.AtMost(f.TLPMax) {
			// As if absent: a reader under the ceiling learns nothing of it.
			return nil, intel.Errorf(intel.CodeNotFound, "group %q not found", req.Group)
		}
		f.GroupID, group = g.ID, g.Name
	}
	sum, err := r.ExportSummary(ctx, f)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	st := &Stats{Format: req.Format, Skipped: map[string]int{}, ObjectsSkipped: map[string]int{}}
	b := &base{ctx: ctx, r: r, w: bw, stats: st, opts: opts, sum: sum, filter: f, group: group, stored: req.Stored}
	wr := newWriter(b)
	if err := wr.begin(); err != nil {
		return nil, err
	}
	err = r.ExportIndicators(ctx, f, func(in *intel.ExportIndicator) error {
		st.Read++
		if err := wr.add(in); err != nil {
			return err
		}
		return b.err
	})
	if err != nil {
		return nil, err
	}
	if err := wr.end(); err != nil {
		return nil, err
	}
	if b.err != nil {
		return nil, b.err
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("export: write: %w", err)
	}
	if len(st.Skipped) == 0 {
		st.Skipped = nil
	}
	if len(st.ObjectsSkipped) == 0 {
		st.ObjectsSkipped = nil
	}
	return st, nil
}

// writer is one format: begin once, add each indicator in order, end once.
type writer interface {
	begin() error
	add(in *intel.ExportIndicator) error
	end() error
}

// base is what every writer shares: the output, the statistics and what
// the export is of.
type base struct {
	ctx    context.Context
	r      Reader
	w      *bufio.Writer
	err    error // the first write error
	stats  *Stats
	opts   Options
	sum    intel.ExportSummary
	filter intel.ExportFilter
	group  string // the name of the filter's group
	stored func(string, time.Time)
}

func (b *base) print(s ...string) {
	for _, p := range s {
		if _, err := b.w.WriteString(p); err != nil && b.err == nil {
			b.err = fmt.Errorf("export: write: %w", err)
		}
	}
}

func (b *base) printf(format string, args ...any) { b.print(fmt.Sprintf(format, args...)) }

// skip counts an indicator left out, by reason.
func (b *base) skip(reason string) { b.stats.Skipped[reason]++ }

// skipType counts an indicator whose type the format has no place for.
func (b *base) skipType(t intel.IndicatorType) { b.skip(string(t) + " (not in this format)") }

// wrote counts an indicator the output holds.
func (b *base) wrote() { b.stats.Written++ }

// describe is the filter in words, one line: the export's title.
func (b *base) describe() string {
	f := b.filter
	var parts []string
	if b.group != "" {
		parts = append(parts, "group "+b.group)
	}
	if len(f.Types) > 0 {
		var ts []string
		for _, t := range f.ExportTypes() {
			ts = append(ts, string(t))
		}
		parts = append(parts, "type "+strings.Join(ts, ","))
	}
	if !f.Since.IsZero() {
		parts = append(parts, "since "+f.Since.UTC().Format(time.RFC3339))
	}
	if f.MinConfidence > 0 {
		parts = append(parts, "confidence ≥ "+strconv.FormatFloat(f.MinConfidence, 'f', -1, 64))
	}
	if f.TLPMax != "" {
		parts = append(parts, "TLP ≤ "+string(f.TLPMax))
	}
	if f.ExcludeWarninglisted {
		parts = append(parts, "no warninglisted")
	}
	if len(parts) == 0 {
		return "all indicators"
	}
	return strings.Join(parts, ", ")
}

// comment is the header most text formats start with, each line behind
// prefix: what the export is of and when its content last changed.
func (b *base) comment(prefix string) {
	b.print(prefix, " spoor export: ", oneLine(b.describe()), "\n")
	last := "never"
	if !b.sum.LastChange.IsZero() {
		last = b.sum.LastChange.UTC().Format(time.RFC3339)
	}
	b.printf("%s %d indicators selected, last changed %s\n", prefix, b.sum.Count, last)
}

// lastChange is the summary's time, or the Unix epoch for an empty export.
func (b *base) lastChange() time.Time {
	if b.sum.LastChange.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return b.sum.LastChange.UTC()
}

// ParseSince reads the --since of an export: an RFC 3339 time, a date
// (2006-01-02, midnight UTC), or an age before now such as 30d, 2w, 12h
// or 90m.
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if m := ageRE.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err == nil && n <= 100_000 {
			unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
			return now.Add(-time.Duration(n) * unit).UTC(), nil
		}
	}
	return time.Time{}, intel.Errorf(intel.CodeInvalid, "since %q: use a time (2024-05-01T00:00:00Z), a date (2024-05-01) or an age (30d, 2w, 12h, 90m)", s)
}

var ageRE = regexp.MustCompile(`^(\d+)([mhdw])$`)
