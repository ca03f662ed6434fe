// Command gbdtbench prepares the benchmark data sets and runs the Go side of
// the comparison between internal/gbdt and XGBoost (see ../../run.sh).
//
//	gbdtbench synth  -out DIR [-n 1000000 -ntest 100000 -f 50 -k 10]
//	gbdtbench attack -in enterprise-attack.json.gz -out DIR
//	gbdtbench train  -name NAME -format f32|csv|libsvm -train FILE -test FILE -features F -classes K [params] -out result.json
//	gbdtbench report result.json...
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spoor/spoor/internal/gbdt"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gbdtbench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: gbdtbench synth|attack|train|report [flags]")
	}
	switch args[0] {
	case "synth":
		return synth(args[1:])
	case "attack":
		return attack(args[1:])
	case "train":
		return train(args[1:], stdout)
	case "report":
		return report(args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// synth writes a multiclass set as little-endian float32 rows of label then
// features. The class is the argmax of random smooth functions of the
// features plus noise, so both learners face the same non-trivial problem.
func synth(args []string) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	out := fs.String("out", "out", "output directory")
	n := fs.Int("n", 1_000_000, "training rows")
	ntest := fs.Int("ntest", 100_000, "test rows")
	nf := fs.Int("f", 50, "features")
	k := fs.Int("k", 10, "classes")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(*seed, 99))
	// Each class scores 8 features through a weighted sine or square and
	// one pairwise product.
	type term struct {
		f, g int
		w    float64
		kind int
	}
	terms := make([][]term, *k)
	for c := range terms {
		for range 8 {
			terms[c] = append(terms[c], term{f: rng.IntN(*nf), g: rng.IntN(*nf), w: rng.NormFloat64(), kind: rng.IntN(3)})
		}
	}
	write := func(path string, rows int) error {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		x := make([]float64, *nf)
		buf := make([]byte, 4*(*nf+1))
		for range rows {
			for j := range x {
				x[j] = rng.NormFloat64()
			}
			best, bestS := 0, math.Inf(-1)
			for c := range terms {
				s := rng.NormFloat64() * 0.8
				for _, t := range terms[c] {
					switch t.kind {
					case 0:
						s += t.w * math.Sin(2*x[t.f])
					case 1:
						s += t.w * (x[t.f]*x[t.f] - 1) / 2
					default:
						s += t.w * x[t.f] * x[t.g]
					}
				}
				if s > bestS {
					best, bestS = c, s
				}
			}
			binary.LittleEndian.PutUint32(buf, math.Float32bits(float32(best)))
			for j, v := range x {
				binary.LittleEndian.PutUint32(buf[4*(j+1):], math.Float32bits(float32(v)))
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		return f.Close()
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := write(filepath.Join(*out, "synth_train.f32"), *n); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if err := write(filepath.Join(*out, "synth_test.f32"), *ntest); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return writeMeta(filepath.Join(*out, "synth.json"), *nf, *k, nil)
}

func writeMeta(path string, features, classes int, names []string) error {
	b, err := json.MarshalIndent(map[string]any{"features": features, "classes": classes, "class_names": names}, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// stixObject holds the STIX fields the ATT&CK set needs.
type stixObject struct {
	Type         string `json:"type"`
	ID           string `json:"id"`
	Name         string `json:"name"`
	Revoked      bool   `json:"revoked"`
	Deprecated   bool   `json:"x_mitre_deprecated"`
	Relationship string `json:"relationship_type"`
	Source       string `json:"source_ref"`
	Target       string `json:"target_ref"`
	ExternalRefs []struct {
		SourceName string `json:"source_name"`
		URL        string `json:"url"`
	} `json:"external_references"`
}

// attack builds one row per (group, cited report): the techniques and
// software that report is cited for in the group's "uses" relationships.
// Groups with fewer than 5 reports are dropped; every fifth report of a
// group (in key order) goes to the test split.
func attack(args []string) error {
	fs := flag.NewFlagSet("attack", flag.ContinueOnError)
	in := fs.String("in", "", "enterprise-attack JSON bundle (.json.gz)")
	out := fs.String("out", "out", "output directory")
	minReports := fs.Int("min-reports", 5, "least distinct reports per group")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(*in, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("attack: %w", err)
		}
		r = gz
	}
	var bundle struct{ Objects []stixObject }
	if err := json.NewDecoder(r).Decode(&bundle); err != nil {
		return fmt.Errorf("attack: decode bundle: %w", err)
	}
	live := map[string]stixObject{}
	for _, o := range bundle.Objects {
		if !o.Revoked && !o.Deprecated {
			live[o.ID] = o
		}
	}
	// reports[group][report key] = set of targets
	reports := map[string]map[string]map[string]bool{}
	for _, o := range bundle.Objects {
		if o.Type != "relationship" || o.Relationship != "uses" || o.Revoked || o.Deprecated {
			continue
		}
		g, ok := live[o.Source]
		if !ok || g.Type != "intrusion-set" {
			continue
		}
		t, ok := live[o.Target]
		if !ok || (t.Type != "attack-pattern" && t.Type != "malware" && t.Type != "tool") {
			continue
		}
		for _, ref := range o.ExternalRefs {
			if ref.SourceName == "" && ref.URL == "" {
				continue
			}
			key := ref.SourceName + "|" + ref.URL
			if reports[g.ID] == nil {
				reports[g.ID] = map[string]map[string]bool{}
			}
			if reports[g.ID][key] == nil {
				reports[g.ID][key] = map[string]bool{}
			}
			reports[g.ID][key][t.ID] = true
		}
	}
	var groups []string
	for g, rs := range reports {
		if len(rs) >= *minReports {
			groups = append(groups, g)
		}
	}
	slices.SortFunc(groups, func(a, b string) int { return strings.Compare(live[a].Name, live[b].Name) })
	featIdx := map[string]int{}
	var feats []string
	for _, g := range groups {
		for _, ts := range reports[g] {
			for t := range ts {
				if _, ok := featIdx[t]; !ok {
					featIdx[t] = -1
					feats = append(feats, t)
				}
			}
		}
	}
	slices.Sort(feats)
	for i, t := range feats {
		featIdx[t] = i
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	trainF, err := os.Create(filepath.Join(*out, "attack_train.libsvm"))
	if err != nil {
		return err
	}
	testF, err := os.Create(filepath.Join(*out, "attack_test.libsvm"))
	if err != nil {
		return err
	}
	tw, vw := bufio.NewWriter(trainF), bufio.NewWriter(testF)
	names := make([]string, len(groups))
	for c, g := range groups {
		names[c] = live[g].Name
		keys := make([]string, 0, len(reports[g]))
		for k := range reports[g] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			var idx []int
			for t := range reports[g][k] {
				idx = append(idx, featIdx[t])
			}
			slices.Sort(idx)
			var sb strings.Builder
			sb.WriteString(strconv.Itoa(c))
			for _, j := range idx {
				fmt.Fprintf(&sb, " %d:1", j)
			}
			sb.WriteByte('\n')
			w := tw
			if i%5 == 4 {
				w = vw
			}
			w.WriteString(sb.String())
		}
	}
	for _, w := range []*bufio.Writer{tw, vw} {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	trainF.Close()
	testF.Close()
	return writeMeta(filepath.Join(*out, "attack.json"), len(feats), len(groups), names)
}

// data is a loaded split in either form.
type data struct {
	ds     *gbdt.Dataset
	labels []int
}

func load(format, path string, nf int) (*data, error) {
	switch format {
	case "f32":
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		w := nf + 1
		n := len(b) / 4 / w
		vals := make([]float64, n*nf)
		rows := make([][]float64, n)
		y := make([]float64, n)
		for r := range n {
			y[r] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*r*w:])))
			row := vals[r*nf : (r+1)*nf : (r+1)*nf]
			for j := range row {
				row[j] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*(r*w+1+j):])))
			}
			rows[r] = row
		}
		return dense(rows, y)
	case "csv":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var rows [][]float64
		var y []float64
		for i, rec := range recs {
			v := make([]float64, len(rec))
			for j, s := range rec {
				if v[j], err = strconv.ParseFloat(s, 64); err != nil {
					return nil, fmt.Errorf("%s: line %d: %w", path, i+1, err)
				}
			}
			y = append(y, v[0])
			rows = append(rows, v[1:])
		}
		return dense(rows, y)
	case "libsvm":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		indptr := []int{0}
		var idx []int32
		var vals, y []float64
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) == 0 {
				continue
			}
			lab, err := strconv.ParseFloat(fields[0], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			y = append(y, lab)
			for _, kv := range fields[1:] {
				k, v, _ := strings.Cut(kv, ":")
				j, err1 := strconv.Atoi(k)
				x, err2 := strconv.ParseFloat(v, 64)
				if err1 != nil || err2 != nil {
					return nil, fmt.Errorf("%s: bad entry %q", path, kv)
				}
				idx = append(idx, int32(j))
				vals = append(vals, x)
			}
			indptr = append(indptr, len(idx))
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
		ds, err := gbdt.NewSparseDataset(nf, indptr, idx, vals, y)
		if err != nil {
			return nil, err
		}
		return &data{ds: ds, labels: ints(y)}, nil
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

func dense(rows [][]float64, y []float64) (*data, error) {
	ds, err := gbdt.NewDataset(rows, y)
	if err != nil {
		return nil, err
	}
	return &data{ds: ds, labels: ints(y)}, nil
}

func ints(y []float64) []int {
	out := make([]int, len(y))
	for i, v := range y {
		out[i] = int(v)
	}
	return out
}

// result is one learner's figures on one data set; the Python side writes
// the same fields.
type result struct {
	Name       string  `json:"name"`
	Learner    string  `json:"learner"`
	Version    string  `json:"version"`
	TrainRows  int     `json:"train_rows"`
	TestRows   int     `json:"test_rows"`
	Features   int     `json:"features"`
	Classes    int     `json:"classes"`
	TrainSec   float64 `json:"train_sec"`
	TrainCPU   float64 `json:"train_cpu_sec"` // user+system CPU time of training, all threads
	PredictRPS float64 `json:"predict_rows_per_sec"`
	Accuracy   float64 `json:"accuracy"`
	LogLoss    float64 `json:"logloss"`
	Trees      int     `json:"trees"`
}

func train(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	name := fs.String("name", "", "data set name for the report")
	format := fs.String("format", "f32", "f32, csv or libsvm")
	trainPath := fs.String("train", "", "training file")
	testPath := fs.String("test", "", "test file")
	nf := fs.Int("features", 0, "number of features")
	k := fs.Int("classes", 2, "number of classes")
	rounds := fs.Int("rounds", 100, "boosting rounds")
	leaves := fs.Int("leaves", 31, "max leaves")
	depth := fs.Int("depth", 8, "max depth")
	lr := fs.Float64("lr", 0.1, "learning rate")
	maxBin := fs.Int("maxbin", 255, "max bins")
	threads := fs.Int("threads", 2, "threads")
	lambda := fs.Float64("lambda", 1, "L2 penalty")
	minHess := fs.Float64("min-hess", 1, "min hessian sum in a leaf")
	out := fs.String("out", "", "result JSON file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of training")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tr, err := load(*format, *trainPath, *nf)
	if err != nil {
		return err
	}
	te, err := load(*format, *testPath, *nf)
	if err != nil {
		return err
	}
	obj := gbdt.Multiclass
	if *k == 2 {
		obj = gbdt.Binary
	}
	p := gbdt.Params{Objective: obj, NumClass: *k, NumRounds: *rounds, NumLeaves: *leaves, MaxDepth: *depth,
		LearningRate: *lr, MinDataInLeaf: 0, MinSumHessianInLeaf: *minHess, LambdaL2: *lambda,
		NumThreads: *threads, MaxBin: *maxBin, Seed: 1}
	runtime.GC()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start, cpu0 := time.Now(), cpuSeconds()
	m, err := gbdt.Train(p, tr.ds, nil)
	if err != nil {
		return err
	}
	trainSec, trainCPU := time.Since(start).Seconds(), cpuSeconds()-cpu0
	start = time.Now()
	pred := m.PredictBatch(te.ds, *threads)
	predSec := time.Since(start).Seconds()
	res := result{
		Name: *name, Learner: "spoor gbdt", Version: runtime.Version(),
		TrainRows: tr.ds.NumRows(), TestRows: te.ds.NumRows(), Features: *nf, Classes: *k,
		TrainSec: trainSec, TrainCPU: trainCPU, PredictRPS: float64(te.ds.NumRows()) / predSec,
		Accuracy: gbdt.Accuracy(te.labels, pred), LogLoss: gbdt.LogLoss(te.labels, pred), Trees: m.NumTrees(),
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, string(b))
	if *out != "" {
		return os.WriteFile(*out, append(b, '\n'), 0o644)
	}
	return nil
}

// cpuSeconds is the user and system CPU time of this process so far. On a
// shared machine it is steadier than wall time, which counts waiting for
// other processes.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// report prints a Markdown table from result files, pairing each data set's
// Go and XGBoost rows.
func report(paths []string, stdout io.Writer) error {
	byName := map[string][]result{}
	var order []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var r result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if _, ok := byName[r.Name]; !ok {
			order = append(order, r.Name)
		}
		byName[r.Name] = append(byName[r.Name], r)
	}
	fmt.Fprintln(stdout, "| data set | rows train/test × features, classes | learner | train s (wall) | train s (CPU) | predict rows/s | accuracy | logloss |")
	fmt.Fprintln(stdout, "|---|---|---|---:|---:|---:|---:|---:|")
	for _, n := range order {
		rs := byName[n]
		for _, r := range rs {
			fmt.Fprintf(stdout, "| %s | %d/%d × %d, %d | %s %s | %.2f | %.2f | %.0f | %.4f | %.4f |\n",
				r.Name, r.TrainRows, r.TestRows, r.Features, r.Classes, r.Learner, r.Version, r.TrainSec, r.TrainCPU, r.PredictRPS, r.Accuracy, r.LogLoss)
		}
		if len(rs) == 2 {
			a, b := rs[0], rs[1]
			fmt.Fprintf(stdout, "| %s | | %s ÷ %s | %.2f× | %.2f× | %.2f× | %+.2f pt | %+.1f %% |\n",
				n, a.Learner, b.Learner, a.TrainSec/b.TrainSec, a.TrainCPU/b.TrainCPU, a.PredictRPS/b.PredictRPS,
				100*(a.Accuracy-b.Accuracy), 100*(a.LogLoss/b.LogLoss-1))
		}
	}
	return nil
}
