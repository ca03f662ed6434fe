// Command matchbench generates logs and indicators and runs package match
// over them, for the comparison with ripgrep made by bench/match/run.sh.
//
// Modes:
//
//	matchbench -mode gen -indicators N -mb M -out DIR
//	    write DIR/indicators.tsv (type<TAB>value), DIR/patterns.txt (the
//	    values, for rg -F -f) and DIR/logs.log (M MB of mixed logs)
//	matchbench -mode match -in DIR/indicators.tsv [-hits FILE] LOG…
//	    build the index from the TSV, scan the logs, write the hits as
//	    JSON lines (as spoor match does) to FILE, print timings as JSON
//	matchbench -mode compare -spoor FILE -rg FILE
//	    compare the lines each tool reported: ripgrep's lines without a
//	    token hit are its false positives
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/match"
	"github.com/spoor/spoor/internal/match/matchtest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "matchbench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("matchbench", flag.ContinueOnError)
	mode := fs.String("mode", "", "gen, match or compare")
	n := fs.Int("indicators", 1_000_000, "gen: indicators")
	mb := fs.Int("mb", 1024, "gen: MB of logs")
	every := fs.Int("plant-every", 2000, "gen: a planted indicator in one line of this many")
	out := fs.String("out", "", "gen: output directory")
	in := fs.String("in", "", "match: indicators TSV")
	hits := fs.String("hits", "", "match: write hits here (JSON lines)")
	spoorOut := fs.String("spoor", "", "compare: matchbench hits")
	rgOut := fs.String("rg", "", "compare: rg -n output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch *mode {
	case "gen":
		return gen(*out, *n, *mb, *every)
	case "match":
		return matchLogs(stdout, *in, *hits, fs.Args())
	case "compare":
		return compare(stdout, *spoorOut, *rgOut)
	}
	return errors.New("-mode gen, match or compare")
}

func gen(dir string, n, mb, every int) error {
	if dir == "" {
		return errors.New("-out is required")
	}
	set := matchtest.NewSet(1, n)
	tsv, err := os.Create(filepath.Join(dir, "indicators.tsv"))
	if err != nil {
		return err
	}
	pat, err := os.Create(filepath.Join(dir, "patterns.txt"))
	if err != nil {
		return err
	}
	tw, pw := bufio.NewWriter(tsv), bufio.NewWriter(pat)
	for _, in := range set.Indicators {
		fmt.Fprintf(tw, "%s\t%s\n", in.Type, in.Value)
		fmt.Fprintln(pw, in.Value)
	}
	for _, w := range []*bufio.Writer{tw, pw} {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	tsv.Close()
	pat.Close()
	logs, err := os.Create(filepath.Join(dir, "logs.log"))
	if err != nil {
		return err
	}
	lines, err := set.WriteLogs(logs, int64(mb)<<20, every)
	if err != nil {
		return err
	}
	fmt.Printf("%d indicators, %d log lines\n", len(set.Indicators), lines)
	return logs.Close()
}

type result struct {
	Indicators   int     `json:"indicators"`
	IndexBytes   int     `json:"index_bytes"`
	BuildSeconds float64 `json:"build_s"`
	ScanSeconds  float64 `json:"scan_s"`
	TotalSeconds float64 `json:"total_s"`
	CPUSeconds   float64 `json:"cpu_s"`
	ScanCPU      float64 `json:"scan_cpu_s"`
	ScanCPUMBps  float64 `json:"scan_cpu_mb_per_s"`
	Bytes        int64   `json:"bytes"`
	ScanMBps     float64 `json:"scan_mb_per_s"`
	TotalMBps    float64 `json:"total_mb_per_s"`
	Hits         int64   `json:"hits"`
	LinesWithHit int64   `json:"lines_with_hits"`
	MaxRSSMB     float64 `json:"max_rss_mb"`
}

func cpu() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func matchLogs(stdout io.Writer, in, hitsPath string, logs []string) error {
	start, cpu0 := time.Now(), cpu()
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	b := match.NewBuilder(match.Options{})
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		t, v, _ := strings.Cut(sc.Text(), "\t")
		b.Add(match.Indicator{Type: intel.IndicatorType(t), Value: v, Sources: []string{"bench"}}, "")
	}
	f.Close()
	if err := sc.Err(); err != nil {
		return err
	}
	ix := b.Index()
	built, cpu1 := time.Now(), cpu()
	w := io.Discard
	if hitsPath != "" {
		hf, err := os.Create(hitsPath)
		if err != nil {
			return err
		}
		defer hf.Close()
		w = hf
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	var total match.Stats
	scanner := ix.NewScanner()
	for _, name := range logs {
		lf, err := os.Open(name)
		if err != nil {
			return err
		}
		st, err := scanner.Scan(lf, name, func(h *match.Hit) error { return enc.Encode(h) })
		lf.Close()
		if err != nil {
			return err
		}
		total.Add(st)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	done := time.Now()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	r := result{Indicators: ix.Len(), IndexBytes: ix.Bytes(), BuildSeconds: built.Sub(start).Seconds(),
		ScanSeconds: done.Sub(built).Seconds(), TotalSeconds: done.Sub(start).Seconds(), CPUSeconds: cpu() - cpu0, ScanCPU: cpu() - cpu1,
		Bytes: total.Bytes, Hits: total.Hits, LinesWithHit: total.LinesWithHit, MaxRSSMB: float64(ru.Maxrss) / 1024}
	r.ScanMBps = float64(r.Bytes) / 1e6 / r.ScanSeconds
	r.TotalMBps = float64(r.Bytes) / 1e6 / r.TotalSeconds
	r.ScanCPUMBps = float64(r.Bytes) / 1e6 / r.ScanCPU
	return json.NewEncoder(stdout).Encode(r)
}

// compare reads the line numbers of the hits of both tools (one log).
func compare(stdout io.Writer, spoorPath, rgPath string) error {
	spoor := map[int64]string{}
	f, err := os.Open(spoorPath)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var h match.Hit
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
			return err
		}
		spoor[h.Line] = string(h.Indicator.Type)
	}
	f.Close()
	rg := map[int64]string{}
	f, err = os.Open(rgPath)
	if err != nil {
		return err
	}
	sc = bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		num, text, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return fmt.Errorf("rg output %q: %w", sc.Text(), err)
		}
		rg[n] = text
	}
	f.Close()
	both, rgOnly, spoorOnly := 0, 0, map[string]int{}
	var examples []string
	for n, text := range rg {
		if _, ok := spoor[n]; ok {
			both++
			continue
		}
		rgOnly++
		if len(examples) < 5 {
			examples = append(examples, fmt.Sprintf("%d: %.200s", n, text))
		}
	}
	for n, t := range spoor {
		if _, ok := rg[n]; !ok {
			spoorOnly[t]++
		}
	}
	return json.NewEncoder(stdout).Encode(map[string]any{"rg_lines": len(rg), "spoor_lines": len(spoor), "both": both,
		"rg_false_positive_lines": rgOnly, "spoor_lines_rg_missed_by_type": spoorOnly, "rg_false_positive_examples": examples})
}
