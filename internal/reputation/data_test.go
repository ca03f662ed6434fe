package reputation

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/testenv"
)

func readData(t testing.TB) ([]Row, string) {
	t.Helper()
	path := testenv.DataFile(t, "domain-reputation", "domains.csv.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _, err := ReadCSV(f, false)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows, path
}

// TestAcceptanceLongTailOutsideData holds the long-tail list to how it was
// built: no name of it is on the Tranco list or anywhere in the labelled
// data.
func TestAcceptanceLongTailOutsideData(t *testing.T) {
	testenv.Acceptance(t)
	rows, path := readData(t)
	known := map[string]string{}
	for _, r := range rows {
		known[r.Domain] = r.Label
	}
	tranco := testenv.DataFile(t, "domain-reputation", "tranco_top40k.csv")
	f, err := os.Open(tranco)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if _, d, ok := strings.Cut(sc.Text(), ","); ok {
			known[strings.ToLower(d)] = "tranco"
		}
	}
	for _, d := range LongTail() {
		if l, ok := known[d]; ok {
			t.Errorf("long-tail name %s is in %s or the Tranco list (%s)", d, filepath.Base(path), l)
		}
	}
}

// TestAcceptanceDefaultModel checks the embedded model on the long-tail
// names: at most the target false-positive rate of them is malicious.
func TestAcceptanceDefaultModel(t *testing.T) {
	testenv.Acceptance(t)
	m := embeddedModel(t)
	sc := &Scorer{Model: m}
	lt := LongTail()
	var bad []string
	for _, d := range lt {
		if sc.Score(d).Reputation == Malicious {
			bad = append(bad, d)
		}
	}
	if fpr := float64(len(bad)) / float64(len(lt)); fpr > m.Info.TargetFPR {
		t.Errorf("long-tail FPR %.3f above %.3f: %v", fpr, m.Info.TargetFPR, bad)
	}
}

// benchNames are names to score: the long-tail list and block-list-like
// names.
func benchNames() []string {
	names := LongTail()
	for _, r := range synthRows(11, 0, 40, 25) {
		names = append(names, r.Domain)
	}
	return append(names, "kx7.duckdns.org", "paypa1-login.com", "secure.account-verify.top")
}

// BenchmarkScore measures scoring throughput with the embedded model in
// batches of 256, as spoor reputation scores, without the TreeSHAP
// explanations (run with -cpu 1 for one core).
func BenchmarkScore(b *testing.B) { benchScore(b, false, 256) }

// BenchmarkScoreOne scores one name at a time.
func BenchmarkScoreOne(b *testing.B) { benchScore(b, false, 1) }

// BenchmarkScoreExplain adds the TreeSHAP reasons of --explain.
func BenchmarkScoreExplain(b *testing.B) { benchScore(b, true, 256) }

func benchScore(b *testing.B, explain bool, batch int) {
	sc := &Scorer{Model: embeddedModel(b), Explain: explain}
	names := benchNames()
	for len(names)%batch != 0 {
		names = append(names, names[len(names)%batch])
	}
	n := 0
	cpu0 := testenv.CPUTime()
	for b.Loop() {
		lo := n % len(names)
		sc.ScoreBatch(names[lo:lo+batch], nil)
		n += batch
	}
	// The machine is shared: per CPU second is the steadier figure.
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "domains/s")
	b.ReportMetric(float64(n)/(testenv.CPUTime()-cpu0).Seconds(), "domains/cpu-s")
}

// BenchmarkTrainFull trains on the whole labelled file, as spoor train
// reputation does (reading and preparing included). Run it with
// -benchtime=1x.
func BenchmarkTrainFull(b *testing.B) {
	path := testenv.DataFile(b, "domain-reputation", "domains.csv.gz")
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rows, _, err := ReadCSV(f, false)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		exs, _ := Prepare(rows)
		if _, err := Train(exs, TrainOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
