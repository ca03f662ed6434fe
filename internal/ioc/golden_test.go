package ioc

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spoor/spoor/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenReport is the AnnoCTR report used for the golden test: an IoT
// botnet write-up with defanged URLs, IPs, shell-script names and hashes.
const goldenReport = "zscaler_2019-01-28_sneak-peek-recent-iot-attacks"

// sharedData returns the shared data directory once the AnnoCTR reports
// are there (skipped without them, failing under CI).
func sharedData(tb testing.TB) string {
	tb.Helper()
	testenv.DataFile(tb, "ti-text", "annoctr", "reports.jsonl.gz")
	return testenv.DataDir(tb)
}

type report struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// reportCache keeps the parsed reports for the whole test binary: three
// tests and the benchmarks read them, and parsing 4.5 MB of JSON under the
// race detector is slow.
var reportCache struct {
	sync.Mutex
	reports []report
}

// annoctrReports reads every AnnoCTR report from the shared data.
func annoctrReports(tb testing.TB) []report {
	tb.Helper()
	dir := sharedData(tb)
	reportCache.Lock()
	defer reportCache.Unlock()
	if reportCache.reports != nil {
		return reportCache.reports
	}
	f, err := os.Open(filepath.Join(dir, "ti-text", "annoctr", "reports.jsonl.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var out []report
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r report
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	reportCache.reports = out
	return out
}

func toJSONL(tb testing.TB, ms []Match) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, m := range ms {
		if err := enc.Encode(m); err != nil {
			tb.Fatal(err)
		}
	}
	return buf.Bytes()
}

// checkGolden compares the matches of text with testdata/<name>.golden.
func checkGolden(t *testing.T, name, text string) {
	t.Helper()
	opts := DefaultOptions()
	opts.Warninglists = DefaultWarninglists()
	got := toJSONL(t, Extract(text, opts))
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run with -update after checking)", path, i+1, g, w)
			}
		}
	}
	// The streaming scanner must agree with Extract on the same text.
	sc := NewScanner(strings.NewReader(text), opts)
	if stream := toJSONL(t, scanAll(t, sc)); !bytes.Equal(stream, got) {
		t.Errorf("Scanner output differs from Extract on %s", name)
	}
}

func TestGoldenFixture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "defanged_report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "defanged_report", string(b))
}

func TestGoldenAnnoCTR(t *testing.T) {
	for _, r := range annoctrReports(t) {
		if r.ID == goldenReport {
			checkGolden(t, goldenReport, r.Text)
			return
		}
	}
	t.Fatalf("report %s not in the AnnoCTR data", goldenReport)
}
