package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// percentile is the nearest-rank percentile p (0 < p ≤ 100) of sorted
// durations: the smallest value with at least p% of the values at or
// below it. An empty set has none (0).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// outcome is one request's result.
type outcome struct {
	route   int
	elapsed time.Duration
	status  int    // HTTP status; 0 when no answer came
	err     string // "timeout", "status 503", a transport error
}

// routeStats summarises one route (or the whole run).
type routeStats struct {
	Name     string        `json:"name"`
	Path     string        `json:"path"`
	Requests int           `json:"requests"`
	Errors   int           `json:"errors"`
	Timeouts int           `json:"timeouts"`
	P50      time.Duration `json:"p50_ns"`
	P90      time.Duration `json:"p90_ns"`
	P99      time.Duration `json:"p99_ns"`
	Max      time.Duration `json:"max_ns"`
	// ErrorKinds counts the errors by kind ("status 503", "timeout", …).
	ErrorKinds map[string]int `json:"error_kinds,omitempty"`
}

// summarise turns the outcomes into per-route figures, in the order of
// the targets, and one line for them all. Latencies count every request,
// failed ones included: a request that waited 10 s and failed waited.
func summarise(ts []target, outs []outcome) ([]routeStats, routeStats) {
	per := make([][]time.Duration, len(ts))
	stats := make([]routeStats, len(ts))
	all := routeStats{Name: "all"}
	var every []time.Duration
	for i, t := range ts {
		stats[i] = routeStats{Name: t.Name, Path: t.Path}
	}
	for _, o := range outs {
		st := &stats[o.route]
		st.Requests++
		all.Requests++
		per[o.route] = append(per[o.route], o.elapsed)
		every = append(every, o.elapsed)
		if o.err != "" {
			for _, s := range []*routeStats{st, &all} {
				s.Errors++
				if o.err == "timeout" {
					s.Timeouts++
				}
				if s.ErrorKinds == nil {
					s.ErrorKinds = map[string]int{}
				}
				s.ErrorKinds[o.err]++
			}
		}
	}
	fill := func(s *routeStats, ds []time.Duration) {
		slices.Sort(ds)
		s.P50, s.P90, s.P99 = percentile(ds, 50), percentile(ds, 90), percentile(ds, 99)
		if len(ds) > 0 {
			s.Max = ds[len(ds)-1]
		}
	}
	for i := range stats {
		fill(&stats[i], per[i])
	}
	fill(&all, every)
	return stats, all
}

// writeTable prints the figures as a Markdown table, ready for
// docs/benchmarks.md.
func writeTable(w io.Writer, stats []routeStats, all routeStats) {
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) }
	fmt.Fprintln(w, "| route | requests | errors | p50 ms | p90 ms | p99 ms | max ms |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, s := range append(stats, all) {
		errs := strconv.Itoa(s.Errors)
		if len(s.ErrorKinds) > 0 {
			var kinds []string
			for k, n := range s.ErrorKinds {
				kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
			}
			slices.Sort(kinds)
			errs += " (" + strings.Join(kinds, ", ") + ")"
		}
		name := "`" + s.Path + "`"
		if s.Path == "" {
			name = "**all**"
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s |\n", name, s.Requests, errs, ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max))
	}
}

// memory is what /proc/PID/status says of a process's resident memory,
// in kB: VmRSS now and VmHWM, the peak since it started.
type memory struct {
	RSS, HWM int64
}

// readMemory reads /proc/PID/status.
func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, fmt.Errorf("server memory: %w", err)
	}
	defer f.Close()
	return parseStatus(f)
}

// parseStatus reads the VmRSS and VmHWM lines of a /proc/PID/status file.
func parseStatus(r io.Reader) (memory, error) {
	var m memory
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return m, fmt.Errorf("status line %q: want a number of kB", sc.Text())
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("status line %q: %w", sc.Text(), err)
		}
		if key == "VmRSS" {
			m.RSS = n
		} else {
			m.HWM = n
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if found < 2 {
		return m, fmt.Errorf("status: no VmRSS and VmHWM lines (not Linux, or a kernel thread?)")
	}
	return m, nil
}
