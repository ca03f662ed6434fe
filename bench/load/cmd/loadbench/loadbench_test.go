package main

import (
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tt := range []struct {
		name string
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value is every percentile", ms(7), 99, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 1..100 is 99", ms(hundred...), 99, 99 * time.Millisecond},
		{"p90 of 1..100 is 90", ms(hundred...), 90, 90 * time.Millisecond},
		{"p100 is the largest", ms(1, 5, 9), 100, 9 * time.Millisecond},
		{"a tiny p is the smallest", ms(1, 5, 9), 0.1, 1 * time.Millisecond},
		{"p99 of ten is the largest", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.in, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.in, tt.p, got, tt.want)
			}
		})
	}
}

func TestParseMix(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    []target
		wantErr string
	}{
		{in: "group=3,search", want: []target{{"group", "/groups/{group}", 3}, {"search", "/search?q=com", 1}}},
		{in: " dashboard = 2 ", wantErr: "not a whole number"},
		{in: "dashboard=2, api-counts=0", want: []target{{"dashboard", "/", 2}}},
		{in: "health:/healthz=4", want: []target{{"health", "/healthz", 4}}},
		{in: "q:/search?q=a=b=2", want: []target{{"q", "/search?q=a=b", 2}}},
		{in: "q:/search?q=a", want: []target{{"q", "/search?q=a", 1}}},
		{in: "nosuch=1", wantErr: `unknown route "nosuch"`},
		{in: "group=-1", wantErr: "not a whole number"},
		{in: "group=x", wantErr: "not a whole number"},
		{in: "group,group=2", wantErr: "named twice"},
		{in: "x:healthz", wantErr: "must start with /"},
		{in: "group=0", wantErr: "no route with a weight"},
		{in: "", wantErr: "no route with a weight"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseMix(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseMix(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("parseMix(%q) = %v, want %v", tt.in, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("parseMix(%q)[%d] = %v, want %v", tt.in, i, got[i], tt.want[i])
				}
			}
		})
	}
	if _, err := parseMix(defaultMix); err != nil {
		t.Errorf("the default mix: %v", err)
	}
}

func TestSchedule(t *testing.T) {
	ts := []target{{Name: "a", Weight: 3}, {Name: "b", Weight: 1}, {Name: "c", Weight: 2}}
	got := schedule(ts)
	if len(got) != 6 {
		t.Fatalf("cycle of %d, want 6: %v", len(got), got)
	}
	n := map[int]int{}
	for _, i := range got {
		n[i]++
	}
	if n[0] != 3 || n[1] != 1 || n[2] != 2 {
		t.Errorf("cycle %v holds the targets %v times, want 3, 1, 2", got, n)
	}
	// Interleaved: the heaviest never runs three times in a row.
	for i := 2; i < len(got); i++ {
		if got[i] == 0 && got[i-1] == 0 && got[i-2] == 0 {
			t.Errorf("cycle %v runs a three times in a row", got)
		}
	}
}

func TestSummarise(t *testing.T) {
	ts := []target{{Name: "a", Path: "/a"}, {Name: "b", Path: "/b"}}
	outs := []outcome{
		{route: 0, elapsed: 10 * time.Millisecond, status: 200},
		{route: 0, elapsed: 30 * time.Millisecond, status: 503, err: "status 503"},
		{route: 0, elapsed: 20 * time.Millisecond, status: 200},
		{route: 1, elapsed: 5 * time.Second, err: "timeout"},
	}
	per, all := summarise(ts, outs)
	a, b := per[0], per[1]
	if a.Requests != 3 || a.Errors != 1 || a.Timeouts != 0 || a.ErrorKinds["status 503"] != 1 {
		t.Errorf("a = %+v", a)
	}
	if a.P50 != 20*time.Millisecond || a.Max != 30*time.Millisecond {
		t.Errorf("a p50 %v max %v, want 20ms and 30ms (failed requests count)", a.P50, a.Max)
	}
	if b.Requests != 1 || b.Timeouts != 1 || b.P99 != 5*time.Second {
		t.Errorf("b = %+v", b)
	}
	if all.Requests != 4 || all.Errors != 2 || all.Timeouts != 1 || all.Max != 5*time.Second {
		t.Errorf("all = %+v", all)
	}
	var sb strings.Builder
	writeTable(&sb, per, all)
	for _, want := range []string{"| `/a` | 3 | 1 (1 status 503) | 20.0 |", "| **all** | 4 | 2 (1 status 503, 1 timeout) |"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, sb.String())
		}
	}
}

func TestParseStatus(t *testing.T) {
	status := "Name:\tspoor\nVmPeak:\t 1500000 kB\nVmHWM:\t  345000 kB\nVmRSS:\t  298000 kB\nThreads:\t9\n"
	m, err := parseStatus(strings.NewReader(status))
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS != 298000 || m.HWM != 345000 {
		t.Errorf("parseStatus = %+v, want RSS 298000 and HWM 345000", m)
	}
	if _, err := parseStatus(strings.NewReader("Name:\tkthreadd\nThreads:\t1\n")); err == nil {
		t.Error("a status without memory lines parsed")
	}
	if _, err := parseStatus(strings.NewReader("VmHWM:\t 12 MB\nVmRSS:\t 1 kB\n")); err == nil {
		t.Error("a status in MB parsed")
	}
}
