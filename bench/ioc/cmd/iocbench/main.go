// Command iocbench measures spoor's IOC extractor on a text file, for the
// comparison with the npm package ioc-extractor run by bench/ioc/run.sh.
//
// Modes:
//
//	iocbench -mode extract -in corpus.txt   time Extract over the whole file, print MB/s and per-type counts (JSON)
//	iocbench -mode stream                   stream stdin through the Scanner, print bytes, matches and peak RSS
//	iocbench -mode values -in corpus.txt    print distinct "type<TAB>value" lines, for accuracy diffs
//	iocbench -mode corpus -data DIR [-exclude ID,ID] [-only ID] > corpus.txt
//	                                        join the AnnoCTR report texts (blank line between reports)
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spoor/spoor/internal/ioc"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "iocbench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("iocbench", flag.ContinueOnError)
	mode := fs.String("mode", "extract", "extract | stream | values")
	in := fs.String("in", "", "input text file (extract, values)")
	rounds := fs.Int("rounds", 5, "timed rounds after one warm-up (extract)")
	data := fs.String("data", "", "shared data directory (corpus)")
	exclude := fs.String("exclude", "", "comma-separated report IDs to leave out (corpus)")
	only := fs.String("only", "", "write only this report (corpus)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := ioc.DefaultOptions()
	switch *mode {
	case "extract":
		b, err := os.ReadFile(*in)
		if err != nil {
			return err
		}
		text := string(b)
		ms := ioc.Extract(text, opts) // warm-up
		best, bestCPU := time.Duration(1<<62), time.Duration(1<<62)
		for range *rounds {
			t0, c0 := time.Now(), cpuTime()
			ms = ioc.Extract(text, opts)
			best, bestCPU = min(best, time.Since(t0)), min(bestCPU, cpuTime()-c0)
		}
		counts := map[string]int{}
		seen := map[string]bool{}
		for _, m := range ms {
			k := m.Type.String() + "\t" + m.Value
			if !seen[k] {
				seen[k] = true
				counts[m.Type.String()]++
			}
		}
		return json.NewEncoder(stdout).Encode(map[string]any{
			"tool": "spoor", "bytes": len(b), "seconds": best.Seconds(), "cpu_seconds": bestCPU.Seconds(),
			"mb_per_s": float64(len(b)) / 1e6 / best.Seconds(), "cpu_mb_per_s": float64(len(b)) / 1e6 / bestCPU.Seconds(),
			"gomaxprocs": runtime.GOMAXPROCS(0),
			"distinct":   counts, "matches": len(ms),
		})
	case "values":
		b, err := os.ReadFile(*in)
		if err != nil {
			return err
		}
		set := map[string]bool{}
		for _, m := range ioc.Extract(string(b), opts) {
			set[m.Type.String()+"\t"+m.Value] = true
		}
		lines := make([]string, 0, len(set))
		for k := range set {
			lines = append(lines, k)
		}
		sort.Strings(lines)
		_, err = io.WriteString(stdout, strings.Join(lines, "\n")+"\n")
		return err
	case "corpus":
		f, err := os.Open(filepath.Join(*data, "ti-text", "annoctr", "reports.jsonl.gz"))
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		skip := strings.Split(*exclude, ",")
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 16<<20)
		w := bufio.NewWriter(stdout)
		first := true
		for sc.Scan() {
			var r struct {
				ID   string `json:"id"`
				Text string `json:"text"`
			}
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				return err
			}
			if slices.Contains(skip, r.ID) || (*only != "" && r.ID != *only) {
				continue
			}
			if !first {
				w.WriteString("\n\n")
			}
			first = false
			w.WriteString(r.Text)
		}
		if err := sc.Err(); err != nil {
			return err
		}
		return w.Flush()
	case "stream":
		t0 := time.Now()
		cr := &countReader{r: bufio.NewReaderSize(stdin, 1<<16)}
		sc := ioc.NewScanner(cr, opts)
		n := 0
		for sc.Scan() {
			n++
		}
		if err := sc.Err(); err != nil {
			return err
		}
		el := time.Since(t0)
		return json.NewEncoder(stdout).Encode(map[string]any{
			"bytes": cr.n, "matches": n, "seconds": el.Seconds(),
			"mb_per_s": float64(cr.n) / 1e6 / el.Seconds(), "vm_hwm": vmHWM(),
		})
	}
	return fmt.Errorf("unknown mode %q", *mode)
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

// cpuTime is the user+system CPU time of this process so far. It is the
// fairer clock on a busy machine: other processes do not inflate it.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM returns the peak resident set size line from /proc/self/status.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "unknown"
}
