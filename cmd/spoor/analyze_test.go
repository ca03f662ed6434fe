package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
)

// workerCSV writes n rows "group,time" of an actor working 08–18 local on
// the days that are not its weekend (Monday = 0), with 10 % noise.
func workerCSV(r *rand.Rand, b *strings.Builder, group string, offset int, rest [2]int, n int) {
	monday := time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC)
	for range n {
		var local time.Duration
		if r.Float64() < 0.1 {
			local = time.Duration(r.Int64N(int64(7 * 24 * time.Hour)))
		} else {
			d := r.IntN(7)
			for d == rest[0] || d == rest[1] {
				d = r.IntN(7)
			}
			local = time.Duration(d*24+8)*time.Hour + time.Duration(r.Int64N(int64(10*time.Hour)))
		}
		at := monday.Add(time.Duration(r.IntN(80))*7*24*time.Hour + local - time.Duration(offset)*time.Hour)
		fmt.Fprintf(b, "%s,%s\n", group, at.Format("2006-01-02 15:04:05"))
	}
}

// jsonKeys returns the top-level keys of a JSON object, in order.
func jsonKeys(t *testing.T, s string) []string {
	t.Helper()
	var keys []string
	dec := json.NewDecoder(strings.NewReader(s))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

type timeOut struct {
	Group          string   `json:"group"`
	N              int      `json:"n"`
	UTCOffsetHours *int     `json:"utc_offset_hours"`
	UTCOffset      *string  `json:"utc_offset"`
	Weekend        []string `json:"weekend"`
	HourOfWeek     []int    `json:"hour_of_week"`
	Used           struct{ Hours, Weekdays, Timeline int }
	Skipped        int   `json:"skipped"`
	SkippedLines   []int `json:"skipped_lines"`
}

func TestAnalyzeTimeJSON(t *testing.T) {
	c := newCLI(t)
	in := "2024-03-12 10:15:00\n2024-03-13T09:00:00+04:00\n\n1710238500\nD:20240312141500+04'00'\n2024-03-14\n"
	out, errOut, err := c.run(in, "analyze", "time", "--format", "json", "-")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	want := []string{"n", "utc_offset_hours", "utc_offset", "confidence", "weekend", "weekday_share", "working_hours_share",
		"second_best", "hour_of_week", "used", "work_share", "offset_confidence", "weekend_confidence", "weekday_counts",
		"recorded_offsets", "first", "last", "months", "skipped"}
	if diff := cmp.Diff(want, jsonKeys(t, out)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	got := decode[timeOut](t, out)
	if got.N != 5 || got.Used.Hours != 4 || got.Used.Weekdays != 5 || len(got.HourOfWeek) != 168 || got.Skipped != 0 {
		t.Errorf("n %d used %+v, %d hours of week, skipped %d", got.N, got.Used, len(got.HourOfWeek), got.Skipped)
	}
	// Tuesday 10:00 UTC three times (10:15 UTC, unix, PDF), Wednesday 05:00 UTC once.
	if got.HourOfWeek[24+10] != 3 || got.HourOfWeek[48+5] != 1 {
		t.Errorf("hour of week: Tue 10 = %d, Wed 05 = %d", got.HourOfWeek[34], got.HourOfWeek[53])
	}
}

func TestAnalyzeTimeBadLines(t *testing.T) {
	c := newCLI(t)
	in := "2024-03-12\n2024-03-13\nnot a time\n2024-03-14\n2024-02-30\n"
	_, _, err := c.run(in, "analyze", "time", "-")
	if err == nil || !strings.Contains(errorLine(err), "stdin: line 3: ") || intel.ErrorCode(err) != intel.CodeInvalid || exitCode(err) != 1 {
		t.Fatalf("bad line: err = %v", err)
	}
	out, _, err := c.run(in, "analyze", "time", "--skip-bad", "--format", "json", "-")
	if err != nil {
		t.Fatal(err)
	}
	got := decode[timeOut](t, out)
	if got.N != 3 || got.Skipped != 2 || !cmp.Equal(got.SkippedLines, []int{3, 5}) {
		t.Errorf("n %d, skipped %d %v", got.N, got.Skipped, got.SkippedLines)
	}
	if got.UTCOffset != nil || !cmp.Equal(got.Weekend, []string{"Sat", "Sun"}) {
		t.Errorf("dates only: offset %v weekend %v", got.UTCOffset, got.Weekend)
	}
	out, _, err = c.run(in, "analyze", "time", "--skip-bad", "-")
	if err != nil || !strings.Contains(out, "skipped 2 unreadable lines (lines 3, 5)") || !strings.Contains(out, "UTC offset     unknown") {
		t.Errorf("table: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"analyze"}, {"analyze", "space", "-"}, {"analyze", "time"}} {
		if _, _, err := c.run("", args...); err == nil || exitCode(err) != 2 {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
	if _, _, err := c.run("", "analyze", "time", "/no/such/file"); err == nil || strings.Contains(errorLine(err), "\n") {
		t.Errorf("missing file: err = %v", err)
	}
}

// Two groups with known habits come out right through the CLI.
func TestAnalyzeTimeGroups(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	var b strings.Builder
	b.WriteString("group,time,hash\n")
	workerCSV(r, &b, "east", 3, [2]int{4, 5}, 300) // UTC+3, Fri–Sat weekend
	workerCSV(r, &b, "west", -5, [2]int{5, 6}, 400)
	b.WriteString("west,bad,\n")
	c := newCLI(t)
	if _, _, err := c.run(b.String(), "analyze", "time", "-"); err == nil || !strings.Contains(errorLine(err), "line 702:") {
		t.Fatalf("bad CSV line: err = %v", err)
	}
	out, errOut, err := c.run(b.String(), "analyze", "time", "--skip-bad", "--format", "json", "-")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	if diff := cmp.Diff([]string{"groups", "skipped", "skipped_lines"}, jsonKeys(t, out)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	got := decode[struct {
		Groups  []timeOut `json:"groups"`
		Skipped int       `json:"skipped"`
	}](t, out)
	var summary []string
	for _, g := range got.Groups {
		summary = append(summary, fmt.Sprintf("%s %d %s %v", g.Group, g.N, *g.UTCOffset, g.Weekend))
	}
	want := []string{"west 400 -05:00 [Sat Sun]", "east 300 +03:00 [Fri Sat]"}
	if diff := cmp.Diff(want, summary); diff != "" || got.Skipped != 1 {
		t.Errorf("skipped %d, groups (-want +got):\n%s", got.Skipped, diff)
	}

	out, _, err = c.run(b.String(), "analyze", "time", "--skip-bad", "-")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "GROUP") || !strings.Contains(lines[1], "-05:00") || !strings.Contains(lines[2], "Fri–Sat") {
		t.Errorf("table:\n%s", out)
	}
}

func TestAnalyzeTimeTable(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 3))
	var b strings.Builder
	b.WriteString("time\n")
	workerCSV(r, &b, "", 4, [2]int{5, 6}, 300)
	in := strings.ReplaceAll(b.String(), "\n,", "\n") // no group column
	c := newCLI(t)
	out, errOut, err := c.run(in, "analyze", "time", "-")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	for _, want := range []string{"timestamps     300: 300 with a time of day", "UTC offset     +04:00", "weekend        Sat–Sun",
		"working days Mon–Fri", "hour of week, local time (UTC+04:00)", "of activity looks like office work\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// Seven rows of 24 cells, quiet at night and busy in office hours.
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 5 && strings.Contains("Mon Tue Wed Thu Fri Sat Sun", l[:3]) && l[3:5] == "  " {
			rows = append(rows, strings.ReplaceAll(l[5:], " ", ""))
		}
	}
	if len(rows) != 7 {
		t.Fatalf("heatmap rows %d:\n%s", len(rows), out)
	}
	for _, row := range rows[:5] {
		if len(row) != 24 || !strings.ContainsAny(row[8:18], "#%@") {
			t.Errorf("weekday row %q lacks busy office hours", row)
		}
	}
}
