package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/fingerprint"
	"github.com/spoor/spoor/internal/intel"
)

func analyzeCmd() *command {
	return &command{
		name:  "analyze",
		usage: "time [--format json] [--skip-bad] FILE|- | fingerprints | reports",
		short: "when an actor works (hour-of-week, UTC offset, weekend); rebuild the group fingerprints; read the stored reports again",
		long: `Analyze fingerprints rebuilds every group's stored fingerprint (time,
space and content profiles) from all the events and records in the base.
Collections that change the base do it on their own; this is for by hand.

Analyze reports brings the stored reports' readings up to date: the
entities and techniques stored with each report are linked again to the
stored groups, software and techniques (a report imported before a name
was stored, or before linking existed, gets its links), a document with
text that was never read by the text-reading models (stored before they
existed, or written by hand) is read by them, and each report's event
follows. Analysts' confirmations and rejections stay; a second run changes
nothing. Collections that change the base link again on their own (but do
not read unread documents). --format json prints the counts.

Analyze time reads timestamps from FILE (or stdin, or a URL): one per
line — RFC 3339, YYYY-MM-DD HH:MM:SS (taken as UTC), YYYY-MM-DD (a date:
counts for weekdays, not hours), unix seconds, PDF dates (D:…) or e-mail
Date: headers — or a CSV whose header has a "time" column and optionally a
"group" column (one profile per group, most timestamps first).

It prints the hour-of-week histogram in UTC (Monday 00:00 UTC = index 0),
the most likely UTC offset and weekend (Sat–Sun, Fri–Sat, Thu–Fri) with
their posterior confidence and the second-best answer, the share of dated
timestamps on the working days and of timed ones between 08:00 and 18:00
local, and how many timestamps each part rests on. --format json prints
{"n":…, "utc_offset_hours":…, "utc_offset":…, "confidence":…, "weekend":[…],
"weekday_share":…, "working_hours_share":…, "second_best":{…},
"hour_of_week":[168 counts], …}, or {"groups":[{"group":…, …}]} with a group
column. A line that cannot be read is an error naming it, unless --skip-bad
(then the output counts the skipped lines).`,
		flags: config.FlagFormat | config.FlagDB,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			skipBad := fs.Bool("skip-bad", false, "skip lines that cannot be read; the output counts them")
			return func(ctx context.Context) error {
				if len(e.args) == 1 && e.args[0] == "fingerprints" {
					return rebuildFingerprints(ctx, e)
				}
				if len(e.args) == 1 && e.args[0] == "reports" {
					return rereadReports(ctx, e)
				}
				if len(e.args) != 2 || e.args[0] != "time" {
					return usagef("usage: spoor analyze time [--format json] [--skip-bad] FILE|- | fingerprints | reports")
				}
				in, name, err := collect.Open(ctx, e.args[1], e.stdin)
				if err != nil {
					return err
				}
				defer in.Close()
				res, err := readTimes(in, name, *skipBad)
				if err != nil {
					return err
				}
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, res.json())
				}
				return res.printTable(e.stdout)
			}
		},
	}
}

// maxSkippedLines is how many skipped line numbers the output lists.
const maxSkippedLines = 20

// timeResult is what analyze time read: one profile, or one per group.
type timeResult struct {
	grouped      bool
	groups       []string // most timestamps first
	profiles     map[string]*analyze.TimeProfile
	skipped      int
	skippedLines []int
}

func readTimes(in io.Reader, name string, skipBad bool) (*timeResult, error) {
	r := analyze.NewReader(in)
	builders := map[string]*analyze.Builder{}
	res := &timeResult{profiles: map[string]*analyze.TimeProfile{}}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if le, ok := errors.AsType[*analyze.LineError](err); ok {
			if !skipBad {
				return nil, intel.Errorf(intel.CodeInvalid, "%s: %v (--skip-bad skips such lines)", name, le)
			}
			res.skipped++
			if len(res.skippedLines) < maxSkippedLines {
				res.skippedLines = append(res.skippedLines, le.Line)
			}
			continue
		}
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "read %s: %v", name, err)
		}
		b := builders[rec.Group]
		if b == nil {
			b = &analyze.Builder{}
			builders[rec.Group] = b
		}
		b.Add(rec.Time)
	}
	res.grouped = r.Grouped()
	if !res.grouped && builders[""] == nil {
		builders[""] = &analyze.Builder{}
	}
	for g, b := range builders {
		p := b.Profile()
		res.profiles[g] = &p
		res.groups = append(res.groups, g)
	}
	sort.Slice(res.groups, func(i, j int) bool {
		a, b := res.profiles[res.groups[i]], res.profiles[res.groups[j]]
		if a.N != b.N {
			return a.N > b.N
		}
		return res.groups[i] < res.groups[j]
	})
	return res, nil
}

// timeJSON is the output of one profile: the profile's JSON and what was
// skipped.
type timeJSON struct {
	analyze.TimeProfileJSON
	Skipped      int   `json:"skipped"`
	SkippedLines []int `json:"skipped_lines,omitempty"` // the first 20
}

type groupTimeJSON struct {
	Group string `json:"group"`
	analyze.TimeProfileJSON
}

type groupsTimeJSON struct {
	Groups       []groupTimeJSON `json:"groups"`
	Skipped      int             `json:"skipped"`
	SkippedLines []int           `json:"skipped_lines,omitempty"`
}

func (res *timeResult) json() any {
	if !res.grouped {
		return timeJSON{res.profiles[""].JSON(), res.skipped, res.skippedLines}
	}
	out := groupsTimeJSON{Groups: []groupTimeJSON{}, Skipped: res.skipped, SkippedLines: res.skippedLines}
	for _, g := range res.groups {
		out.Groups = append(out.Groups, groupTimeJSON{g, res.profiles[g].JSON()})
	}
	return out
}

func (res *timeResult) printTable(w io.Writer) error {
	if res.grouped {
		t := newTable(w, "GROUP", "N", "HOURS", "OFFSET", "WEEKEND", "CONF", "PATTERN", "WORKDAYS", "08-18", "SECOND BEST")
		for _, g := range res.groups {
			p := res.profiles[g]
			t.row(clip(g, 40), fmt.Sprint(p.N), fmt.Sprint(p.Used.Hours), offsetText(p.Best), weekendText(p.Best),
				confText(p.Best), patternText(p.Best), shareText(p.WeekdayShare, p.Used.Weekdays), shareText(p.WorkingHoursShare, p.Used.Hours),
				estimateText(p.SecondBest))
		}
		if err := t.flush(); err != nil {
			return err
		}
	} else {
		printProfile(w, res.profiles[""])
	}
	if res.skipped > 0 {
		fmt.Fprintf(w, "skipped %d unreadable lines (%s)\n", res.skipped, lineList(res.skippedLines, res.skipped))
	}
	return nil
}

func printProfile(w io.Writer, p *analyze.TimeProfile) {
	fmt.Fprintf(w, "timestamps     %d: %d with a time of day (hours), %d with a date (weekdays), %d on the timeline\n",
		p.N, p.Used.Hours, p.Used.Weekdays, p.Used.Timeline)
	if p.Best == nil {
		fmt.Fprintln(w, "no timestamp has a date: nothing to infer")
		return
	}
	if p.Best.OffsetKnown {
		fmt.Fprintf(w, "UTC offset     %s  (confidence %.2f with the weekend, %.2f alone)\n", offsetText(p.Best), p.Best.Confidence, p.OffsetConfidence)
	} else {
		fmt.Fprintln(w, "UTC offset     unknown: no timestamp has a time of day")
	}
	fmt.Fprintf(w, "weekend        %s  (%.2f); working days %s\n", p.Best.Weekend, p.WeekendConfidence, workingDays(p.Best.Weekend))
	fmt.Fprintf(w, "second best    %s\n", estimateText(p.SecondBest))
	pattern := ""
	if p.Best.WorkShare < 0.1 {
		pattern = ": no clear weekly pattern, so treat the answer as a guess"
	}
	fmt.Fprintf(w, "pattern        %s of activity looks like office work%s\n", patternText(p.Best), pattern)
	fmt.Fprintf(w, "on workdays    %s of dated timestamps\n", shareText(p.WeekdayShare, p.Used.Weekdays))
	if p.Used.Hours > 0 {
		fmt.Fprintf(w, "08:00-18:00    %s of timed ones, local time\n", shareText(p.WorkingHoursShare, p.Used.Hours))
	}
	fmt.Fprintf(w, "span           %s … %s; active in %d months\n", day(p.First), day(p.Last), len(p.Months))
	if len(p.RecordedOffsets) > 0 {
		var offs []string
		for o, n := range p.RecordedOffsets {
			offs = append(offs, fmt.Sprintf("%s ×%d", o, n))
		}
		sort.Strings(offs)
		fmt.Fprintf(w, "recorded       %s (UTC offsets the sources wrote)\n", strings.Join(offs, ", "))
	}
	var days []string
	for d, c := range p.WeekdayCounts {
		days = append(days, fmt.Sprintf("%s %d", analyze.DayNames[d], c))
	}
	fmt.Fprintf(w, "by weekday     %s\n", strings.Join(days, "  "))
	if p.Used.Hours > 0 {
		printHeatmap(w, p)
	}
}

// heatRamp shades a cell by its count relative to the busiest hour.
const heatRamp = ":-=+*#%@"

// printHeatmap draws the hour-of-week histogram as 7 rows of 24 cells, in
// local time at the inferred offset.
func printHeatmap(w io.Writer, p *analyze.TimeProfile) {
	hours := p.HourOfWeekAt(p.Best.Offset)
	top := 0
	for _, c := range hours {
		top = max(top, c)
	}
	fmt.Fprintf(w, "\nhour of week, local time (UTC%s); . none, %s few to most\n", offsetText(p.Best), heatRamp)
	fmt.Fprintln(w, "     00     06     12     18")
	for d := range 7 {
		var b strings.Builder
		b.WriteString(analyze.DayNames[d] + "  ")
		for h := range 24 {
			if h > 0 && h%6 == 0 {
				b.WriteByte(' ')
			}
			c := hours[d*24+h]
			if c == 0 {
				b.WriteByte('.')
				continue
			}
			i := (c*len(heatRamp) - 1) / top
			b.WriteByte(heatRamp[i])
		}
		fmt.Fprintln(w, b.String())
	}
}

func offsetText(e *analyze.Estimate) string {
	if e == nil || !e.OffsetKnown {
		return "?"
	}
	sign, h := '+', e.Offset
	if h < 0 {
		sign, h = '-', -h
	}
	return fmt.Sprintf("%c%02d:00", sign, h)
}

func weekendText(e *analyze.Estimate) string {
	if e == nil {
		return "-"
	}
	return e.Weekend.String()
}

func confText(e *analyze.Estimate) string {
	if e == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", e.Confidence)
}

func patternText(e *analyze.Estimate) string {
	if e == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", e.WorkShare*100)
}

func estimateText(e *analyze.Estimate) string {
	if e == nil {
		return "-"
	}
	if !e.OffsetKnown {
		return fmt.Sprintf("%s (%.2f)", e.Weekend, e.Confidence)
	}
	return fmt.Sprintf("%s %s (%.2f)", offsetText(e), e.Weekend, e.Confidence)
}

func shareText(share float64, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", share*100)
}

// workingDays names the five days between the rest days: "Mon–Fri".
func workingDays(w analyze.Weekend) string {
	d := w.Days()
	return analyze.DayNames[(d[1]+1)%7] + "–" + analyze.DayNames[(d[0]+6)%7]
}

func lineList(lines []int, total int) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = fmt.Sprint(l)
	}
	s := "lines " + strings.Join(parts, ", ")
	if total > len(lines) {
		s += ", …"
	}
	return s
}

// rebuildFingerprints is `spoor analyze fingerprints`.
func rebuildFingerprints(ctx context.Context, e *env) error {
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	b, err := fingerprint.Rebuild(ctx, st)
	if err != nil {
		return err
	}
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, b)
	}
	_, err = fmt.Fprintf(e.stdout, "fingerprints of %d groups rebuilt in %d ms (build %d)\n", b.Groups, b.TookMS, b.ID)
	return err
}

// rereadReports is `spoor analyze reports`.
func rereadReports(ctx context.Context, e *env) error {
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	stats, err := collect.RereadReports(ctx, st, true)
	if err != nil {
		return err
	}
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, stats)
	}
	count := func(kind string) intel.ImportCount {
		if c := stats.Counts[kind]; c != nil {
			return *c
		}
		return intel.ImportCount{}
	}
	d, ent, ev := count("document"), count("entity"), count("event")
	if _, err := fmt.Fprintf(e.stdout, "reports: %d, %d changed, %d read for the first time; entities: %d changed; events: %d new, %d changed\n",
		d.Seen, d.Updated, count("read").Seen, ent.Created+ent.Updated, ev.Created, ev.Updated); err != nil {
		return err
	}
	for _, w := range stats.Warnings {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
	return nil
}

// refreshAnalysis rebuilds the stored fingerprints after the collections
// of a command when they changed the base, and says so on stderr.
func refreshAnalysis(ctx context.Context, e *env, c *collect.Collector) error {
	b, err := c.RefreshAnalysis(ctx)
	if err != nil || b == nil {
		return err
	}
	_, err = fmt.Fprintf(e.stderr, "group fingerprints rebuilt: %d groups in %d ms\n", b.Groups, b.TookMS)
	return err
}
