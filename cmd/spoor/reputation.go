package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/reputation"
)

func reputationCmd() *command {
	return &command{
		name:  "reputation",
		usage: "[--format jsonl|table] [--model FILE] [--whitelist FILE] [--evidence=false] DOMAIN…|-",
		short: "domain reputation and threat category of names",
		long: `Reputation rates each domain (arguments, or one a line from stdin with -)
and prints one JSON line per domain in input order:
{"domain":…, "reputation":…, "score":…, "category":…, "tags":[…], "reasons":[…]}.

reputation is malicious, suspicious, benign, unknown or invalid (a string
that is no domain name; its reason says why, and the run goes on). score is
in [0, 1] with 0.5 at the model's threshold (chosen for a 2 % false-positive
rate on names of unseen families). A whitelisted name (the base's whitelist,
kept on the Reputation page or through the API, and --whitelist: one domain
a line, covering its subdomains) and a name on the popularity list are
benign before the model runs; expert rules (dynamic-DNS and free-hosting
parents, look-alikes of popular brands, threat-dictionary words, generated
labels, and the name's VirusTotal report when spoor import vt-domain
brought one) add to the model's log-odds and give the tags; category is one
of ransomware, apt, mobile_malware, exploit_kit_tds, backdoor_rat, botnet,
web_inject, stealer or other.

Rules on what the base holds about a name add theirs too, and say what they
counted: the feeds that list it, by their credibility ("in 2 feeds
(credibility 1.0 max)"; not counted when the name is warninglisted); its
registered domain's reputation when the base holds that domain ("parent
evil.com is malicious"); the other names held under that domain that feeds
list; and the groups and known-bad indicators it appears with in reports and
in events of sources that do not list it ("co-occurs with APT28 in 2
reports"). A feed's own events repeat its listing and add nothing.
--evidence=false leaves these out (the name's spelling and VirusTotal report
only).

The model is --model, else the newest one spoor train reputation stored in
the base, else the one built into spoor.`,
		flags: config.FlagDB,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			format := fs.String("format", "jsonl", "jsonl or table")
			modelPath := fs.String("model", "", "model file (default: the newest stored one, else the built-in one)")
			wlPath := fs.String("whitelist", "", "file of whitelisted domains, one a line ('#' comments), besides the base's")
			explain := fs.Bool("explain", true, "name the features that moved the model's score")
			evidence := fs.Bool("evidence", true, "use what the base holds about each name (feeds, events, reports, parent, siblings); false: spelling and VirusTotal reports only")
			return func(ctx context.Context) error {
				if *format != "jsonl" && *format != "table" {
					return usagef("--format: %q is not jsonl or table", *format)
				}
				if len(e.args) == 0 {
					return usagef("usage: spoor reputation DOMAIN…|-")
				}
				svc, err := newReputationService(e, *modelPath, *wlPath)
				if err != nil {
					return err
				}
				st, err := openDB(ctx, e.cfg.DB)
				if err != nil {
					return err
				}
				defer st.Close()
				svc.Store = st
				svc.Explain, svc.NoEvidence = *explain, !*evidence
				return scoreDomains(ctx, e, svc, *format)
			}
		},
	}
}

// newReputationService is the service of the CLI: a model file if given
// and a whitelist file if given; the caller adds the store.
func newReputationService(e *env, modelPath, wlPath string) (*reputation.Service, error) {
	svc := &reputation.Service{}
	if modelPath != "" {
		m, err := loadModelFile(modelPath, reputation.Load)
		if err != nil {
			return nil, err
		}
		svc.Model = m
	}
	wl, err := readWhitelistFile(wlPath)
	if err != nil {
		return nil, err
	}
	svc.File = wl
	return svc, nil
}

// readWhitelistFile reads a whitelist file; "" is none.
func readWhitelistFile(path string) (*reputation.Whitelist, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "open whitelist %s: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	wl, err := reputation.ReadWhitelist(f, path)
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "whitelist %v", err)
	}
	return wl, nil
}

// scoreChunk is how many names are rated at once: stdin is read and
// answered a chunk at a time, in input order.
const scoreChunk = 4096

// scoreDomains rates the arguments, or stdin's lines for "-", streaming
// the answers in input order.
func scoreDomains(ctx context.Context, e *env, svc *reputation.Service, format string) error {
	w := bufio.NewWriter(e.stdout)
	defer w.Flush()
	var t *table
	if format == "table" {
		t = newTable(w, "DOMAIN", "REPUTATION", "SCORE", "CATEGORY", "TAGS", "FIRST REASON")
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var pending []string
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		res, err := svc.Score(ctx, pending)
		if err != nil {
			return err
		}
		pending = pending[:0]
		for _, r := range res {
			if t == nil {
				if err := enc.Encode(r); err != nil {
					return err
				}
				continue
			}
			first := ""
			if len(r.Reasons) > 0 {
				first = r.Reasons[0]
			}
			t.row(clip(r.Domain, 60), r.Reputation, strconv.FormatFloat(r.Score, 'f', 3, 64), r.Category,
				strings.Join(r.Tags, ","), clip(first, 80))
		}
		return nil
	}
	emit := func(d string) error {
		pending = append(pending, d)
		if len(pending) >= scoreChunk {
			return flush()
		}
		return nil
	}
	for _, a := range e.args {
		if a != "-" {
			if err := emit(a); err != nil {
				return err
			}
			continue
		}
		in := bufio.NewScanner(e.stdin)
		in.Buffer(make([]byte, 64<<10), 1<<20)
		for in.Scan() {
			line := strings.TrimSpace(in.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if err := emit(line); err != nil {
				return err
			}
		}
		if err := in.Err(); err != nil {
			return intel.Errorf(intel.CodeInvalid, "read stdin: %v", err)
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if t != nil {
		return t.flush()
	}
	return nil
}

// trainReputationFlags are the flags of spoor train reputation.
type trainReputationFlags struct {
	data, out *string
	skipBad   *bool
	eval      *bool
	fpr       *float64
	familyCap *int
	seed      *uint64
}

func addTrainReputationFlags(fs *flag.FlagSet) trainReputationFlags {
	return trainReputationFlags{
		data:      fs.String("data", "", "reputation: labelled CSV (domain,label,category,family,rank,source), plain or .gz; forum: the shared data directory"),
		out:       fs.String("out", "", "reputation: write the model to this file instead of storing it in the base"),
		eval:      fs.Bool("eval", false, "reputation: evaluate first (spoor eval reputation, several minutes) and store the figures with the model"),
		skipBad:   fs.Bool("skip-bad", false, "reputation: skip malformed rows and count them"),
		fpr:       fs.Float64("fpr", 0.02, "reputation: false-positive rate the threshold is chosen for"),
		familyCap: fs.Int("family-cap", 2000, "reputation: at most this many names of one family train the binary model (0: all)"),
		seed:      fs.Uint64("seed", 1, "reputation: seed of the validation split; forum: seed of the folds and models"),
	}
}

// readLabelled reads and prepares a labelled CSV.
func readLabelled(ctx context.Context, e *env, path string, skipBad bool) ([]reputation.Example, reputation.ReadStats, reputation.DataSummary, error) {
	in, name, err := collect.Open(ctx, path, e.stdin)
	if err != nil {
		return nil, reputation.ReadStats{}, reputation.DataSummary{}, err
	}
	defer in.Close()
	rows, st, err := reputation.ReadCSV(in, skipBad)
	if err != nil {
		if le, ok := errors.AsType[*reputation.LineError](err); ok {
			return nil, st, reputation.DataSummary{}, intel.Errorf(intel.CodeInvalid, "%s: %v (--skip-bad skips such rows)", name, le)
		}
		return nil, st, reputation.DataSummary{}, intel.Errorf(intel.CodeInvalid, "read %s: %v", name, err)
	}
	exs, sum := reputation.Prepare(rows)
	return exs, st, sum, nil
}

// trainReputation runs spoor train reputation: the model goes into the
// base as the newest of its kind (with its evaluation when --eval), or to
// --out.
func trainReputation(ctx context.Context, e *env, f trainReputationFlags) error {
	if *f.data == "" {
		return usagef("spoor train reputation needs --data CSV (training from the store comes later)")
	}
	if !(*f.fpr > 0 && *f.fpr < 1) {
		return usagef("--fpr must be between 0 and 1")
	}
	start := time.Now()
	exs, st, sum, err := readLabelled(ctx, e, *f.data, *f.skipBad)
	if err != nil {
		return err
	}
	bar := newProgress(e.stderr, "train reputation")
	var ev *reputation.Evaluation
	if *f.eval {
		ev, err = reputation.Evaluate(exs, sum, reputation.EvalOptions{Folds: 10, LongTail: reputation.LongTail(), Seed: *f.seed,
			Train: reputation.TrainOptions{TargetFPR: *f.fpr, FamilyCap: *f.familyCap}, Progress: bar.note})
		if err != nil {
			return intel.Errorf(intel.CodeInvalid, "eval reputation on %s: %v", *f.data, err)
		}
	}
	m, err := reputation.Train(exs, reputation.TrainOptions{TargetFPR: *f.fpr, Seed: *f.seed, FamilyCap: *f.familyCap, Progress: bar.note})
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "train reputation on %s: %v", *f.data, err)
	}
	m.Info.TrainedAt = time.Now().UTC().Format(time.RFC3339)
	m.Info.Data = filepath.Base(*f.data)
	res := map[string]any{"read": st, "data": sum, "info": m.Info}
	where := ""
	if out := *f.out; out != "" {
		if err := writeModel(out, m); err != nil {
			return err
		}
		fi, _ := os.Stat(out)
		res["model"], res["bytes"] = out, fi.Size()
		where = fmt.Sprintf("wrote %s (%d bytes", out, fi.Size())
	} else {
		rec, err := reputation.StoredModel(m, ev)
		if err != nil {
			return fmt.Errorf("train reputation: %w", err)
		}
		db, err := openDB(ctx, e.cfg.DB)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.SaveModel(ctx, rec); err != nil {
			return err
		}
		res["model"], res["model_id"], res["bytes"] = fmt.Sprintf("stored model %d", rec.ID), rec.ID, len(rec.Data)
		where = fmt.Sprintf("stored model %d in the base (%d bytes", rec.ID, len(rec.Data))
	}
	res["evaluated"] = ev != nil
	res["seconds"] = time.Since(start).Seconds()
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "read %d rows (%d skipped): %d distinct names, %d benign, %d malicious, %d suspicious (left out), "+
		"%d conflicting labels and %d invalid names dropped\n", st.Rows, st.Skipped, sum.Distinct, sum.Benign, sum.Malicious,
		sum.Suspicious, sum.Conflicts, sum.InvalidNames)
	fmt.Fprintf(e.stdout, "validation (families unseen in training, %d benign, %d malicious): recall %.3f at false-positive rate %.3f (target %.3f); category macro-F1 %.3f\n",
		m.Info.Valid.Benign, m.Info.Valid.Malicious, m.Info.ValidRecall, m.Info.ValidFPR, m.Info.TargetFPR, m.Info.CategoryMacroF1)
	if ev != nil {
		fmt.Fprintln(e.stdout, "evaluation stored with the model (spoor eval reputation's figures; the model page shows them)")
	}
	fmt.Fprintf(e.stdout, "%s: %d + %d trees) in %.0f s\n", where, m.Info.BinaryTrees, m.Info.CategoryTrees, time.Since(start).Seconds())
	return nil
}

// writeModel writes through a temporary file, so a failed write leaves the
// old model in place.
func writeModel(path string, m *reputation.Model) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".reputation-*.tmp")
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "write model: %v", err)
	}
	defer os.Remove(tmp.Name())
	if err := m.Save(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write model %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write model %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write model %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return intel.Errorf(intel.CodeInvalid, "write model %s: %v", path, err)
	}
	return nil
}

// evalReputationFlags are spoor eval reputation's own flags (--folds and
// --seed are eval's).
type evalReputationFlags struct {
	data, longTail    *string
	sample, familyCap *int
	skipBad           *bool
}

func addEvalReputationFlags(fs *flag.FlagSet) evalReputationFlags {
	return evalReputationFlags{
		data:      fs.String("data", "", "reputation: labelled CSV (domain,label,category,family,rank,source), plain or .gz; forum: the shared data directory"),
		longTail:  fs.String("long-tail", "", "reputation: file of benign names on no popularity list (default: the built-in list)"),
		sample:    fs.Int("sample", 120000, "reputation: names in the cross-validation (every benign one, malicious ones at random)"),
		skipBad:   fs.Bool("skip-bad", false, "reputation: skip malformed rows and count them"),
		familyCap: fs.Int("family-cap", 2000, "reputation: at most this many names of one family train the binary model (0: all)"),
	}
}

// evalReputation runs spoor eval reputation.
func evalReputation(ctx context.Context, e *env, fs *flag.FlagSet, f evalReputationFlags, folds int, seed uint64) error {
	if *f.data == "" {
		return usagef("spoor eval reputation needs --data CSV")
	}
	setFolds := false
	fs.Visit(func(fl *flag.Flag) { setFolds = setFolds || fl.Name == "folds" })
	if !setFolds {
		folds = 10
	}
	if folds < 2 || *f.sample < 100 {
		return usagef("--folds must be at least 2 and --sample at least 100")
	}
	lt := reputation.LongTail()
	if *f.longTail != "" {
		b, err := os.ReadFile(*f.longTail)
		if err != nil {
			return intel.Errorf(intel.CodeInvalid, "read %s: %v", *f.longTail, errors.Unwrap(err))
		}
		lt = nil
		for line := range strings.SplitSeq(string(b), "\n") {
			line, _, _ = strings.Cut(line, "#")
			if line = strings.TrimSpace(line); line != "" {
				lt = append(lt, line)
			}
		}
	}
	exs, _, sum, err := readLabelled(ctx, e, *f.data, *f.skipBad)
	if err != nil {
		return err
	}
	bar := newProgress(e.stderr, "eval reputation")
	ev, err := reputation.Evaluate(exs, sum, reputation.EvalOptions{Folds: folds, Sample: *f.sample, LongTail: lt, Seed: seed,
		Train: reputation.TrainOptions{FamilyCap: *f.familyCap}, Progress: bar.note})
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "eval reputation: %v", err)
	}
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, ev)
	}
	return writeReputationEval(e.stdout, ev)
}

func writeReputationEval(w io.Writer, ev *reputation.Evaluation) error {
	d := ev.Data
	fmt.Fprintf(w, "%d rows, %d distinct names: %d benign, %d malicious (%d families), %d suspicious left out, %d conflicting and %d invalid dropped\n",
		d.Rows, d.Distinct, d.Benign, d.Malicious, d.Families, d.Suspicious, d.Conflicts, d.InvalidNames)
	fmt.Fprintf(w, "thresholds for a %.1f %% false-positive rate, chosen on each training side's held-out names; time split: %s\n",
		100*ev.TargetFPR, ev.TimeSplit)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	for _, sp := range ev.Splits {
		fmt.Fprintf(w, "\n== %s split: %d-fold cross-validation on %d benign + %d malicious names (mean [q1 median q3])\n",
			sp.Split, sp.CV.Folds, sp.CV.Mix.Benign, sp.CV.Mix.Malicious)
		t := newTable(w, "MODEL", "F1", "F1 50/50", "RECALL", "FPR", "CATEGORY MACRO-F1")
		for _, m := range sp.CV.Models {
			cat := "-"
			if m.CategoryMacroF1 != nil {
				cat = m.CategoryMacroF1.String()
			}
			t.row(m.Model, m.F1.String(), m.F1Balanced.String(), m.Recall.String(), m.FPR.String(), cat)
		}
		if err := t.flush(); err != nil {
			return err
		}
		h := sp.Holdout
		if h == nil {
			continue
		}
		fmt.Fprintf(w, "\n%s split, 80/20 hold-out: train %d benign + %d malicious, test %d benign + %d malicious; long-tail set %d benign names\n",
			sp.Split, h.Train.Benign, h.Train.Malicious, h.Test.Benign, h.Test.Malicious, ev.LongTail)
		t = newTable(w, "MODEL", "TN", "FP", "FN", "TP", "RECALL", "FPR", "F1", "F1 50/50", "CAT MACRO-F1", "LONG-TAIL FPR", "FLAGGED", "LT F1 50/50")
		for _, m := range h.Models {
			c := m.Confusion
			t.row(m.Model, strconv.Itoa(c[0][0]), strconv.Itoa(c[0][1]), strconv.Itoa(c[1][0]), strconv.Itoa(c[1][1]), f(m.Recall), f(m.FPR),
				f(m.F1), f(m.F1Balanced), f(m.CategoryMacroF1), f(m.LongTailFPR), f(m.LongTailFlagged), f(m.LongTailF1Balanced))
		}
		if err := t.flush(); err != nil {
			return err
		}
		m := h.Models[0]
		fmt.Fprintf(w, "\n%s: per category, share detected and category recall; category confusion (rows truth, columns predicted, %s)\n",
			m.Model, strings.Join(reputation.Categories, " "))
		t = newTable(w, append([]string{"CATEGORY", "DETECTED", "CAT RECALL"}, shortCats()...)...)
		for i, c := range reputation.Categories {
			row := []string{c, f(m.DetectedByCategory[c]), f(m.CategoryRecall[c])}
			for _, v := range m.CategoryConfusion[i] {
				row = append(row, strconv.Itoa(v))
			}
			t.row(row...)
		}
		if err := t.flush(); err != nil {
			return err
		}
		if wl := h.Whitelist; wl != nil {
			fmt.Fprintf(w, "\nwhitelist of the popularity list's %d registered domains (with subdomains): recall %s → %s (%d malicious test names whitelisted); long-tail FPR %s → %s (%d long-tail names whitelisted)\n",
				wl.Entries, f(wl.RecallWithout), f(wl.RecallWith), wl.MaliciousWhitelisted, f(wl.LongTailFPRWithout), f(wl.LongTailFPRWith), wl.LongTailWhitelisted)
		}
		fmt.Fprintf(w, "popularity rule (exact name on the training side's list): fires on %d benign and %d malicious test names\n", h.PopularBenign, h.PopularMalicious)
	}
	return nil
}

func shortCats() []string {
	var out []string
	for _, c := range reputation.Categories {
		out = append(out, strings.ToUpper(c[:min(4, len(c))]))
	}
	return out
}

// importVT runs spoor import vt-domain FILE|DIR: every report is read
// first, and all are stored in one transaction, so one bad report stores
// nothing.
func importVT(ctx context.Context, e *env, location string) error {
	files := []string{location}
	if fi, err := os.Stat(location); err == nil && fi.IsDir() {
		files = nil
		err := filepath.WalkDir(location, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := strings.TrimSuffix(d.Name(), ".gz")
			if !d.IsDir() && (strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".jsonl")) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return intel.Errorf(intel.CodeInvalid, "read %s: %v", location, err)
		}
		if len(files) == 0 {
			return intel.Errorf(intel.CodeInvalid, "%s holds no .json or .jsonl file", location)
		}
	}
	var reports []*intel.DomainReport
	for _, path := range files {
		in, name, err := collect.Open(ctx, path, e.stdin)
		if err != nil {
			return err
		}
		reps, err := reputation.ReadVT(in, name)
		in.Close()
		if err != nil {
			return intel.Errorf(intel.CodeInvalid, "%v", err)
		}
		for _, r := range reps {
			reports = append(reports, &intel.DomainReport{Domain: r.Domain, AnalysedAt: r.AnalysedAt, Features: r.Features,
				Tags: r.Tags, Report: string(r.Attributes)})
		}
	}
	st, err := openDB(ctx, e.cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.SaveDomainReports(ctx, reports, location)
	if err != nil {
		return err
	}
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, map[string]any{"files": len(files), "reports": len(reports), "stored": n})
	}
	fmt.Fprintf(e.stdout, "%d VirusTotal domain reports in %d files: %d stored (%d older than the one held)\n",
		len(reports), len(files), n, len(reports)-n)
	return nil
}
