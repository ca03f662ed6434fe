package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/nlp"
)

func nlpCmd() *command {
	return &command{
		name:  "nlp",
		usage: "eval [--techniques] [--format table|json] | tag [--model dnrti|annoctr|FILE] [--format conll|jsonl] FILE|- | techniques [--min-score 0.3] FILE|-",
		short: "read threat-report text: entities (who, with what, how, where) and ATT&CK techniques (offline)",
		long: `Nlp reads cyber-threat-intelligence prose with the models built into spoor
(or ones spoor train nlp wrote).

  spoor nlp eval         entity-level exact-match precision, recall and F1,
                         per type and micro, of the built-in models on the
                         DNRTI test split, on the DNRTI test sentences that do
                         not appear verbatim in its training split, and on
                         AnnoCTR's test split (from --data-dir, default
                         $SPOOR_DATA or ../shared/data). --techniques instead
                         evaluates the technique mapper on the ATT&CK
                         procedures of held-out groups against a TF-IDF
                         nearest-technique baseline.
  spoor nlp tag          tags FILE (or stdin with -). With --format conll
                         the input is CoNLL (one token a line, only the first
                         column read, a blank line between sentences) and the
                         output repeats each token with its predicted tag
                         after a tab. Otherwise the input is plain text and
                         each entity is printed as a JSON line with its type,
                         text, byte offsets and confidence (the posterior of
                         its tags).
  spoor nlp techniques   maps FILE (or stdin) to ATT&CK techniques: IDs and
                         names written in it and the classifier's technique
                         for each sentence scoring --min-score or more, one
                         JSON line per technique with its score, method and
                         supporting sentence.`,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			format := fs.String("format", "", "eval: table or json; tag: conll or jsonl (default jsonl)")
			model := fs.String("model", "dnrti", "tag: dnrti, annoctr or a model file from spoor train nlp")
			data := fs.String("data-dir", "", "eval: the shared data directory (default $SPOOR_DATA, else ../shared/data)")
			techniques := fs.Bool("techniques", false, "eval: evaluate the technique mapper instead")
			techModel := fs.String("technique-model", "", "techniques: a model file from spoor train nlp --corpus techniques")
			minScore := fs.Float64("min-score", 0.3, "techniques: least classifier score reported")
			return func(ctx context.Context) error {
				if len(e.args) == 0 {
					return usagef("usage: spoor nlp eval | tag FILE|- | techniques FILE|-")
				}
				switch e.args[0] {
				case "eval":
					if len(e.args) != 1 {
						return usagef("usage: spoor nlp eval [--techniques] [--format table|json]")
					}
					if *format == "" {
						*format = "table"
					}
					if *format != "table" && *format != "json" {
						return usagef("--format: %q is not table or json", *format)
					}
					dir := dataDir(e, *data)
					if *techniques {
						return evalTechniques(e, dir, *format)
					}
					return evalNLP(e, dir, *format)
				case "tag":
					if len(e.args) != 2 {
						return usagef("usage: spoor nlp tag [--model dnrti|annoctr|FILE] [--format conll|jsonl] FILE|-")
					}
					if *format == "" {
						*format = "jsonl"
					}
					if *format != "conll" && *format != "jsonl" {
						return usagef("--format: %q is not conll or jsonl", *format)
					}
					m, err := loadLabeller(*model)
					if err != nil {
						return err
					}
					return withInput(e, e.args[1], func(r io.Reader, name string) error {
						if *format == "conll" {
							return tagCoNLL(e.stdout, m, r, name)
						}
						return tagText(e.stdout, m, r, name)
					})
				case "techniques":
					if len(e.args) != 2 {
						return usagef("usage: spoor nlp techniques [--min-score 0.3] FILE|-")
					}
					m, err := loadTechniqueModel(*techModel)
					if err != nil {
						return err
					}
					return withInput(e, e.args[1], func(r io.Reader, name string) error {
						text, err := io.ReadAll(r)
						if err != nil {
							return fmt.Errorf("read %s: %w", name, err)
						}
						enc := json.NewEncoder(e.stdout)
						for _, h := range m.Map(string(text), nlp.MapOptions{MinScore: *minScore}) {
							h.Sentence = oneLine(h.Sentence)
							if err := enc.Encode(h); err != nil {
								return err
							}
						}
						return nil
					})
				default:
					return usagef("spoor nlp: unknown subcommand %q (eval, tag, techniques)", e.args[0])
				}
			}
		},
	}
}

// dataDir is the shared data directory: flag, $SPOOR_DATA, ../shared/data.
func dataDir(e *env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if d := e.getenv("SPOOR_DATA"); d != "" {
		return d
	}
	return filepath.Join("..", "shared", "data")
}

// withInput runs fn on the named file, or stdin for "-".
func withInput(e *env, path string, fn func(io.Reader, string) error) error {
	if path == "-" {
		return fn(e.stdin, "stdin")
	}
	f, err := os.Open(path)
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "open %s: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	return fn(f, path)
}

// openData opens a file of the data directory, decompressing .gz.
func openData(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "open %s: %v (set --data-dir or SPOOR_DATA to the shared data directory)", path, errors.Unwrap(err))
	}
	if !strings.HasSuffix(path, ".gz") {
		return f, nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, intel.Errorf(intel.CodeInvalid, "%s: %v", path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{zr, f}, nil
}

// corpusFiles names the train, dev and test files of a corpus.
var corpusFiles = map[string][3]string{
	"dnrti":   {"ti-text/dnrti/train.txt.gz", "ti-text/dnrti/valid.txt.gz", "ti-text/dnrti/test.txt.gz"},
	"annoctr": {"ti-text/annoctr/ner_bio_train.bio.gz", "ti-text/annoctr/ner_bio_dev.bio.gz", "ti-text/annoctr/ner_bio_test.bio.gz"},
}

// readCorpus reads one split file of corpus.
func readCorpus(dir, corpus, rel string) ([]nlp.Sentence, error) {
	path := filepath.Join(dir, rel)
	rc, err := openData(path)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var s []nlp.Sentence
	if corpus == "annoctr" {
		s, err = nlp.ReadAnnoCTR(rc, path)
	} else {
		s, err = nlp.ReadDNRTI(rc, path)
	}
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "%v", err)
	}
	return s, nil
}

func readSplits(dir, corpus string) (train, dev, test []nlp.Sentence, err error) {
	files := corpusFiles[corpus]
	if train, err = readCorpus(dir, corpus, files[0]); err != nil {
		return
	}
	if dev, err = readCorpus(dir, corpus, files[1]); err != nil {
		return
	}
	test, err = readCorpus(dir, corpus, files[2])
	return
}

// loadLabeller reads a built-in model by name or a model file.
func loadLabeller(name string) (*nlp.Labeller, error) {
	if name == "dnrti" || name == "annoctr" {
		return nlp.DefaultLabeller(name)
	}
	if !fileExists(name) {
		return nil, intel.Errorf(intel.CodeInvalid, "--model: %q is not dnrti, annoctr or a readable model file", name)
	}
	return loadModelFile(name, nlp.LoadLabeller)
}

func loadTechniqueModel(path string) (*nlp.TechniqueModel, error) {
	if path == "" {
		return nlp.DefaultTechniques()
	}
	return loadModelFile(path, nlp.LoadTechniques)
}

// loadModelFile reads a model file with its package's loader; a file that
// cannot be opened or read is the user's mistake, named with its path.
func loadModelFile[M any](path string, load func(io.Reader) (M, error)) (M, error) {
	var m M
	f, err := os.Open(path)
	if err != nil {
		return m, intel.Errorf(intel.CodeInvalid, "open model %s: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	if m, err = load(f); err != nil {
		return m, intel.Errorf(intel.CodeInvalid, "%s: %v", path, err)
	}
	return m, nil
}

// tagCoNLL reads CoNLL sentences (first column) and writes token<TAB>tag.
func tagCoNLL(w io.Writer, m *nlp.Labeller, r io.Reader, name string) error {
	bw := bufio.NewWriter(w)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var toks []string
	flush := func() {
		if len(toks) == 0 {
			return
		}
		for i, t := range m.Tag(toks) {
			fmt.Fprintf(bw, "%s\t%s\n", toks[i], t)
		}
		bw.WriteString("\n")
		toks = toks[:0]
	}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if strings.HasPrefix(line, "<DOCSTART>") || strings.HasPrefix(line, "-DOCSTART-") {
			// A document marker stays a one-token sentence of its own.
			flush()
			fmt.Fprintf(bw, "%s\tO\n\n", strings.Fields(line)[0])
			continue
		}
		tok := line
		if k := strings.IndexAny(line, "\t "); k >= 0 {
			tok = line[:k]
		}
		toks = append(toks, tok)
	}
	if err := sc.Err(); err != nil {
		return intel.Errorf(intel.CodeInvalid, "read %s: %v", name, err)
	}
	flush()
	return bw.Flush()
}

// tagText reads plain text and writes its entities as JSON lines.
func tagText(w io.Writer, m *nlp.Labeller, r io.Reader, name string) error {
	text, err := io.ReadAll(r)
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "read %s: %v", name, err)
	}
	enc := json.NewEncoder(w)
	for _, ent := range m.Entities(string(text)) {
		if err := enc.Encode(ent); err != nil {
			return err
		}
	}
	return nil
}

// nlpEvaluation is what spoor nlp eval --format json prints.
type nlpEvaluation struct {
	DNRTI       nlp.Scores `json:"dnrti"`
	DNRTIUnseen nlp.Scores `json:"dnrti_unseen"`
	AnnoCTR     nlp.Scores `json:"annoctr"`
	// Baseline is the most-frequent-tag baseline on the same sets.
	Baseline struct {
		DNRTI       nlp.Scores `json:"dnrti"`
		DNRTIUnseen nlp.Scores `json:"dnrti_unseen"`
		AnnoCTR     nlp.Scores `json:"annoctr"`
	} `json:"baseline"`
}

func evalNLP(e *env, dir, format string) error {
	var ev nlpEvaluation
	for _, corpus := range []string{"dnrti", "annoctr"} {
		train, dev, test, err := readSplits(dir, corpus)
		if err != nil {
			return err
		}
		m, err := nlp.DefaultLabeller(corpus)
		if err != nil {
			return err
		}
		// The baseline learns from what the shipped model learnt from.
		base := nlp.TrainFrequentTag(append(append([]nlp.Sentence{}, train...), dev...))
		if corpus == "dnrti" {
			unseen := nlp.Unseen(train, test)
			ev.DNRTI, ev.DNRTIUnseen = nlp.Evaluate(m, test), nlp.Evaluate(m, unseen)
			ev.Baseline.DNRTI, ev.Baseline.DNRTIUnseen = nlp.Evaluate(base, test), nlp.Evaluate(base, unseen)
		} else {
			ev.AnnoCTR = nlp.Evaluate(m, test)
			ev.Baseline.AnnoCTR = nlp.Evaluate(base, test)
		}
	}
	if format == "json" {
		return printJSON(e.stdout, ev)
	}
	for _, x := range []struct {
		name string
		s    nlp.Scores
	}{{"dnrti", ev.DNRTI}, {"dnrti_unseen", ev.DNRTIUnseen}, {"annoctr", ev.AnnoCTR}} {
		fmt.Fprintf(e.stdout, "%s: %d sentences, micro P %.3f R %.3f F1 %.3f\n", x.name, x.s.Sentences, x.s.Micro.Precision, x.s.Micro.Recall, x.s.Micro.F1)
		t := newTable(e.stdout, "  type", "gold", "P", "R", "F1")
		for _, k := range x.s.Types() {
			p := x.s.PerType[k]
			t.row("  "+k, fmt.Sprint(p.Gold), fmt.Sprintf("%.3f", p.Precision), fmt.Sprintf("%.3f", p.Recall), fmt.Sprintf("%.3f", p.F1))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "baseline (most frequent training tag): dnrti F1 %.3f, dnrti_unseen F1 %.3f, annoctr F1 %.3f\n",
		ev.Baseline.DNRTI.MicroF1, ev.Baseline.DNRTIUnseen.MicroF1, ev.Baseline.AnnoCTR.MicroF1)
	return nil
}

const attackBundle = "mitre-attack/enterprise-attack-13.1.json.gz"

func readATTACK(dir string) (*nlp.ATTACK, error) {
	path := filepath.Join(dir, attackBundle)
	rc, err := openData(path)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	a, err := nlp.ReadATTACK(rc, path)
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "%v", err)
	}
	return a, nil
}

func evalTechniques(e *env, dir, format string) error {
	a, err := readATTACK(dir)
	if err != nil {
		return err
	}
	opt := nlp.TechniqueTrainOptions{Epochs: 10, Seed: 1, Bags: 3}
	if opt.Temperature, opt.Alpha, err = nlp.SelectTechniqueParams(a.Techniques, a.Procedures, opt); err != nil {
		return err
	}
	ev, err := nlp.EvaluateTechniques(a.Techniques, a.Procedures, 5, opt)
	if err != nil {
		return err
	}
	if format == "json" {
		return printJSON(e.stdout, ev)
	}
	fmt.Fprintf(e.stdout, "procedures of %d groups in %d folds (temperature %g, alpha %g)\n", ev.Groups, ev.Folds, ev.Temperature, ev.Alpha)
	t := newTable(e.stdout, "method", "procedures", "top-1", "top-5", "macro-F1", "parent top-1")
	for _, x := range []struct {
		name string
		s    nlp.TechniqueScores
	}{{"classifier", ev.Classifier}, {"perceptron alone", ev.Perceptron}, {"tf-idf nearest (baseline)", ev.TFIDFNearest}} {
		t.row(x.name, fmt.Sprint(x.s.Procedures), fmt.Sprintf("%.3f", x.s.Top1), fmt.Sprintf("%.3f", x.s.Top5), fmt.Sprintf("%.3f", x.s.MacroF1), fmt.Sprintf("%.3f", x.s.ParentTop1))
	}
	return t.flush()
}

// gazetteer builds the labeller's gazetteer from the ATT&CK bundle, MISP
// galaxy clusters and the built-in country and sector names.
func gazetteer(dir string, a *nlp.ATTACK) (*nlp.Gazetteer, error) {
	entries := append([]nlp.GazEntry{}, a.Names...)
	for _, g := range []struct{ file, typ string }{
		{"threat-actor", "group"}, {"microsoft-activity-group", "group"}, {"360net", "group"},
		{"tool", "tool"}, {"malpedia", "malware"},
	} {
		path := filepath.Join(dir, "misp-galaxy", "cluster-"+g.file+".json.gz")
		rc, err := openData(path)
		if err != nil {
			return nil, err
		}
		es, err := nlp.ReadGalaxy(rc, path, g.typ)
		rc.Close()
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "%v", err)
		}
		entries = append(entries, es...)
	}
	return nlp.NewGazetteer(append(entries, nlp.BuiltinNames()...)), nil
}

// nlpModelFile is where spoor train nlp writes by default.
func nlpModelFile(cfg *config.Config, corpus string) string {
	name := "nlp-" + filepath.Base(strings.TrimSuffix(corpus, filepath.Ext(corpus))) + ".gz"
	if cfg.IsPostgres() {
		return name
	}
	return filepath.Join(filepath.Dir(cfg.DB), name)
}

type trainNLPFlags struct {
	corpus, out, data *string
	epochs            *int
	noGaz             *bool
}

func addTrainNLPFlags(fs *flag.FlagSet) trainNLPFlags {
	return trainNLPFlags{
		corpus: fs.String("corpus", "dnrti", "nlp: dnrti, annoctr, techniques, or a CoNLL FILE (token first, tag last)"),
		out:    fs.String("o", "", "nlp: model file to write (default: nlp-CORPUS.gz beside the database); forum: the model file"),
		data:   fs.String("data-dir", "", "nlp: the shared data directory (default $SPOOR_DATA, else ../shared/data)"),
		epochs: fs.Int("epochs", 0, "nlp: most passes over the training data (default 40; techniques 10)"),
		noGaz:  fs.Bool("no-gazetteer", false, "nlp: train without the gazetteer features"),
	}
}

// trainNLP runs spoor train nlp.
func trainNLP(e *env, f trainNLPFlags) error {
	dir := dataDir(e, *f.data)
	out := *f.out
	if out == "" {
		out = nlpModelFile(&e.cfg, *f.corpus)
	}
	start := time.Now()
	var save func(io.Writer) error
	var summary any
	switch *f.corpus {
	case "techniques":
		a, err := readATTACK(dir)
		if err != nil {
			return err
		}
		opt := nlp.TechniqueTrainOptions{Epochs: *f.epochs, Seed: 1, Bags: 3}
		if opt.Epochs <= 0 {
			opt.Epochs = 10
		}
		if opt.Temperature, opt.Alpha, err = nlp.SelectTechniqueParams(a.Techniques, a.Procedures, opt); err != nil {
			return err
		}
		m, err := nlp.TrainTechniques(a.Techniques, a.Procedures, opt)
		if err != nil {
			return err
		}
		save, summary = m.Save, m.Info
	default:
		m, err := trainLabeller(e, dir, *f.corpus, *f.epochs, !*f.noGaz)
		if err != nil {
			return err
		}
		save, summary = m.Save, m.Info
	}
	tmp := out + ".tmp"
	fh, err := os.Create(tmp)
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "create %s: %v", tmp, errors.Unwrap(err))
	}
	if err := save(fh); err != nil {
		fh.Close()
		os.Remove(tmp)
		return err
	}
	if err := fh.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	fi, _ := os.Stat(out)
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, map[string]any{"model": out, "bytes": fi.Size(), "seconds": time.Since(start).Seconds(), "info": summary})
	}
	js, _ := json.Marshal(summary)
	fmt.Fprintf(e.stdout, "wrote %s (%d bytes) in %.1fs: %s\n", out, fi.Size(), time.Since(start).Seconds(), js)
	return nil
}

// trainLabeller trains on a corpus: the epochs are chosen on its dev split,
// then the model is trained again on train and dev together for that many
// epochs. A CoNLL file has no dev split: a tenth of its sentences serve.
func trainLabeller(e *env, dir, corpus string, epochs int, useGaz bool) (*nlp.Labeller, error) {
	if epochs <= 0 {
		epochs = 40
	}
	var train, dev []nlp.Sentence
	var types []string
	switch corpus {
	case "dnrti", "annoctr":
		var err error
		if train, dev, _, err = readSplits(dir, corpus); err != nil {
			return nil, err
		}
		types = nlp.DNRTITypes
		if corpus == "annoctr" {
			types = nlp.AnnoCTRTypes
		}
	default:
		f, err := os.Open(corpus)
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "--corpus: %q is not dnrti, annoctr, techniques or a readable CoNLL file: %v", corpus, errors.Unwrap(err))
		}
		all, ts, err := nlp.ReadCoNLL(f, corpus)
		f.Close()
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "%v", err)
		}
		for i, s := range all {
			if i%10 == 9 {
				dev = append(dev, s)
			} else {
				train = append(train, s)
			}
		}
		types = ts
	}
	opt := nlp.TrainOptions{Epochs: epochs, Dev: dev, Seed: 1}
	if useGaz {
		a, err := readATTACK(dir)
		if err != nil {
			return nil, err
		}
		if opt.Gazetteer, err = gazetteer(dir, a); err != nil {
			return nil, err
		}
	}
	bar := newProgress(e.stderr, "train nlp "+filepath.Base(corpus))
	opt.Progress = func(ep int, f1 float64) { bar.update(ep, epochs) }
	m, err := nlp.Train(train, types, opt)
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "%v", err)
	}
	best, devF1 := m.Info.Epochs, m.Info.DevF1
	opt.Dev, opt.Epochs, opt.Temperature = nil, best, m.Info.Temperature
	bar = newProgress(e.stderr, "train nlp "+filepath.Base(corpus)+" on train+dev")
	opt.Progress = func(ep int, f1 float64) { bar.update(ep, best) }
	m, err = nlp.Train(append(append([]nlp.Sentence{}, train...), dev...), types, opt)
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "%v", err)
	}
	m.Info.DevF1 = devF1
	m.Info.Corpus = corpus
	m.Info.Name = filepath.Base(corpus)
	m.Info.Trained = time.Now().UTC().Format(time.DateOnly)
	return m, nil
}
