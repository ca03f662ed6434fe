package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/fingerprint"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// similarityFlags are the flags every similarity command shares.
type similarityFlags struct {
	min     *float64
	weights *string
}

func addSimilarityFlags(fs *flag.FlagSet, defMin float64) similarityFlags {
	return similarityFlags{
		min: fs.Float64("min", defMin, "lowest combined score to list, 0 to 1"),
		weights: fs.String("weights", "", "dimension weights, e.g. techniques=2,software=2.5,indicators=3,terms=1,time=1,space=1 "+
			"(unnamed dimensions keep their default; 0 leaves one out)"),
	}
}

func (f similarityFlags) parse() (fingerprint.Weights, error) {
	if *f.min < 0 || *f.min > 1 {
		return nil, usagef("--min must be between 0 and 1")
	}
	return parseWeights(*f.weights)
}

// parseWeights reads "dim=w,dim=w" over the default weights.
func parseWeights(s string) (fingerprint.Weights, error) {
	w := fingerprint.DefaultWeights()
	for _, part := range splitList(s) {
		name, val, ok := strings.Cut(part, "=")
		d := fingerprint.Dimension(strings.TrimSpace(name))
		x, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if !ok || !slices.Contains(fingerprint.Dimensions, d) || err != nil || x < 0 {
			return nil, usagef("--weights: %q is not dimension=weight (dimensions: %s; weights ≥ 0)", part, dimensionNames())
		}
		w[d] = x
	}
	return w, nil
}

func dimensionNames() string {
	var names []string
	for _, d := range fingerprint.Dimensions {
		names = append(names, string(d))
	}
	return strings.Join(names, ", ")
}

// loadIndex reads every group's evidence and builds the similarity index.
func loadIndex(ctx context.Context, st *store.Store) (*fingerprint.Index, error) {
	ev, err := st.FindGroupEvidence(ctx)
	if err != nil {
		return nil, err
	}
	return fingerprint.Build(ev), nil
}

func relatedCmd() *command {
	return &command{
		name:  "related",
		usage: "GROUP [--min 0.1] [--limit 20] [--weights …]",
		short: "groups whose fingerprints resemble a group's, with the evidence they share",
		long: `Related compares a group's fingerprint (techniques, software, indicators,
description terms, activity hours, victim countries) with every other
group's and lists the most similar, best first: the combined score, its
part per dimension, and the techniques, software and indicators both share,
rarest first. A dimension counts only where both groups have data. The
default threshold is the group page's.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			sf := addSimilarityFlags(fs, fingerprint.RelatedMin)
			limit := fs.Int("limit", 20, "at most this many groups")
			return func(ctx context.Context) error {
				if len(e.args) == 0 {
					return usagef("usage: spoor related GROUP")
				}
				w, err := sf.parse()
				if err != nil {
					return err
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				g, err := st.FindObjectByName(ctx, intel.KindGroup, strings.Join(e.args, " "))
				if err != nil {
					return err
				}
				ix, err := loadIndex(ctx, st)
				if err != nil {
					return err
				}
				i, ok := ix.Lookup(g.ID)
				if !ok {
					return intel.Errorf(intel.CodeNotFound, "group %q has no fingerprint", g.Name)
				}
				out := relatedResult{Group: relatedSelf{ID: g.ID, Name: g.Name, Profile: ix.Profile(i)},
					Related: ix.RelatedGroups(i, *sf.min, *limit, w, 10), Weights: w}
				if out.Related == nil {
					out.Related = []fingerprint.RelatedGroup{}
				}
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, out)
				}
				return writeRelated(e.stdout, out)
			}
		},
	}
}

type relatedSelf struct {
	ID      int64                `json:"id"`
	Name    string               `json:"name"`
	Profile *fingerprint.Profile `json:"fingerprint"`
}

type relatedResult struct {
	Group   relatedSelf                `json:"group"`
	Weights fingerprint.Weights        `json:"weights"`
	Related []fingerprint.RelatedGroup `json:"related"`
}

func writeRelated(w io.Writer, r relatedResult) error {
	p := r.Group.Profile
	fmt.Fprintf(w, "%s: %d events, %d techniques, %d software, %d indicators, %d victim countries\n\n", oneLine(r.Group.Name),
		p.Events, len(p.Techniques), len(p.Software), len(p.Indicators), len(p.VictimCountries))
	if len(r.Related) == 0 {
		fmt.Fprintln(w, "no group reaches the threshold")
		return nil
	}
	t := newTable(w, "SCORE", "GROUP", "TECH", "SOFT", "IOC", "TERMS", "TIME", "SPACE", "SHARED (rarest first)")
	for _, g := range r.Related {
		part := func(d fingerprint.Dimension) string {
			if v, ok := g.Dimensions[d]; ok {
				return strconv.FormatFloat(v, 'f', 2, 64)
			}
			return "-"
		}
		var shared []string
		for _, d := range []fingerprint.Dimension{fingerprint.DimIndicators, fingerprint.DimSoftware, fingerprint.DimTechniques} {
			for k, ev := range g.Shared[d] {
				if k == 3 {
					break
				}
				shared = append(shared, ev.Value)
			}
		}
		t.row(strconv.FormatFloat(g.Score, 'f', 3, 64), clip(g.Group, 32), part(fingerprint.DimTechniques), part(fingerprint.DimSoftware),
			part(fingerprint.DimIndicators), part(fingerprint.DimTerms), part(fingerprint.DimTime), part(fingerprint.DimSpace),
			clip(strings.Join(shared, ", "), 80))
	}
	return t.flush()
}

func graphCmd() *command {
	return &command{
		name:  "graph",
		usage: "[--min 0.3] [--weights …] [--format json|graphml|dot|table]",
		short: "the graph of groups whose fingerprints are similar above a threshold",
		long: `Graph scores every pair of groups and prints those whose combined similarity
reaches --min: as JSON ({"nodes":[…], "edges":[…]}), GraphML (for Gephi and
Cytoscape), DOT (for Graphviz) or a table of edges.`,
		flags: config.FlagDB,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			sf := addSimilarityFlags(fs, 0.3)
			format := fs.String("format", "table", "table, json, graphml or dot")
			return func(ctx context.Context) error {
				w, err := sf.parse()
				if err != nil {
					return err
				}
				switch *format {
				case "table", "json", "graphml", "dot":
				default:
					return usagef("--format: %q is not table, json, graphml or dot", *format)
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				ix, err := loadIndex(ctx, st)
				if err != nil {
					return err
				}
				g := ix.BuildGraph(*sf.min, w)
				switch *format {
				case "json":
					return printJSON(e.stdout, g)
				case "graphml":
					return fingerprint.WriteGraphML(e.stdout, g)
				case "dot":
					return fingerprint.WriteDOT(e.stdout, g)
				}
				names := map[int64]string{}
				for _, n := range g.Nodes {
					names[n.ID] = n.Group
				}
				fmt.Fprintf(e.stdout, "%d groups, %d edges at score ≥ %.2f\n\n", len(g.Nodes), len(g.Edges), g.Min)
				t := newTable(e.stdout, "SCORE", "GROUP", "GROUP")
				for _, ed := range g.Edges {
					t.row(strconv.FormatFloat(ed.Score, 'f', 3, 64), clip(names[ed.Source], 40), clip(names[ed.Target], 40))
				}
				return t.flush()
			}
		},
	}
}

func evalCmd() *command {
	return &command{
		name:  "eval",
		usage: "related [--ratio 20] [--seed 1] [--weights …] | attribution [--split report|time] [--until DATE] [--folds 5] [--min-events 3] [--abstain 0.3] | reputation [--data CSV] [--folds 10] | forum [--data DIR] [--folds 5]",
		short: "measure how well spoor's models do on the base (related: group similarity)",
		long: `Eval computes the figures docs/benchmarks.md quotes.

  spoor eval related   how well the group similarity finds known relations:
                       pairs of distinct groups that a MISP galaxy links or
                       that share a name (one's alias, the other's name) are
                       the positives, random pairs the negatives; ROC AUC and
                       precision at 20 for the combined score, each dimension
                       alone, and plain technique Jaccard as the baseline.
                       Group names and aliases are kept out of the terms
                       dimension, so the shared names cannot leak into it.
  spoor eval attribution
                       how well spoor names the group behind an event: the
                       gradient-boosted trees, naive Bayes, the nearest
                       fingerprint and the majority class, trained and tested
                       on folds that keep each report's events together
                       (--split report) or on the events first seen from
                       --until on after training on the ones before (--split
                       time); plain technique Jaccard beside them; top-1/3/5
                       accuracy micro and macro-averaged over groups,
                       macro-F1, log loss, calibration error, coverage and
                       accuracy when abstaining below --abstain, and the
                       pairs of groups the trees confuse most.
  spoor eval reputation
                       how well spoor rates domains, on a labelled CSV
                       (--data): 10-fold cross-validation (on a --sample of
                       names) and an 80/20 hold-out (on all), each on a
                       random split and on one that keeps every malware
                       family on one side; the GBDT with and without the
                       expert rules, the rules alone, a decision tree and
                       k nearest neighbours; recall, false-positive rate,
                       F1 at the test mix and at 50/50, category macro-F1,
                       confusion matrices, and the false-positive rate on
                       long-tail benign names (--long-tail, default the
                       built-in list).
  spoor eval forum     how well spoor classifies hacker-forum threads, on
                       the labelled files of DIR/hacker-forum (--data, the
                       shared data directory; default $SPOOR_DATA, else
                       ../shared/data) with technique names resolved through
                       DIR's ATT&CK bundle: the averaged perceptron over word
                       and character n-grams, the fastText-style model and
                       the majority baseline, on --folds that keep each
                       thread (and every thread of the same title) on one
                       side; accuracy and macro-F1 for technique, tactic,
                       kind of activity (hand labels) and poster role.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			sf := addSimilarityFlags(fs, 0)
			ratio := fs.Int("ratio", 20, "random negative pairs per positive")
			seed := fs.Uint64("seed", 1, "seed of the random negatives")
			folds := fs.Int("folds", 5, "attribution: folds of the cross-validation")
			minEvents := fs.Int("min-events", 3, "attribution: events a group needs to be a class")
			abstain := fs.Float64("abstain", 0.3, "attribution: answer \"unknown group\" below this top probability")
			events := fs.String("events", "all", "attribution: all, reports (techniques and software) or indicators (IOC-list events)")
			split := fs.String("split", "report", "attribution: report (folds that keep each report together) or time (train before --until, test after)")
			until := fs.String("until", "", "attribution --split time: the cut, YYYY-MM-DD (default: four fifths of the dated events before it)")
			rep := addEvalReputationFlags(fs)
			return func(ctx context.Context) error {
				if len(e.args) == 1 && e.args[0] == "forum" {
					return evalForum(e, dataDir(e, *rep.data), *folds, *seed)
				}
				if len(e.args) == 1 && e.args[0] == "reputation" {
					return evalReputation(ctx, e, fs, rep, *folds, *seed)
				}
				if len(e.args) == 1 && e.args[0] == "attribution" {
					if *folds < 2 || *minEvents < 1 || *abstain < 0 || *abstain > 1 {
						return usagef("--folds must be at least 2, --min-events at least 1, --abstain between 0 and 1")
					}
					if *events != "all" && *events != "reports" && *events != "indicators" {
						return usagef("--events: %q is not all, reports or indicators", *events)
					}
					var cut time.Time
					switch {
					case *split != "report" && *split != "time":
						return usagef("--split: %q is not report or time", *split)
					case *until != "" && *split != "time":
						return usagef("--until goes with --split time")
					case *until != "":
						var err error
						if cut, err = time.Parse(time.DateOnly, *until); err != nil {
							return usagef("--until: %q is not a date (YYYY-MM-DD)", *until)
						}
					}
					return evalAttribution(ctx, e, attributionEval{folds: *folds, minEvents: *minEvents, abstain: *abstain,
						events: *events, split: *split, cut: cut})
				}
				if len(e.args) != 1 || e.args[0] != "related" {
					return usagef("usage: spoor eval related | attribution | reputation | forum")
				}
				if *ratio < 1 {
					return usagef("--ratio must be at least 1")
				}
				w, err := sf.parse()
				if err != nil {
					return err
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				ix, err := loadIndex(ctx, st)
				if err != nil {
					return err
				}
				pairs, err := st.FindRelatedGroupPairs(ctx)
				if err != nil {
					return err
				}
				related := make([][2]int64, 0, len(pairs))
				for _, p := range pairs {
					related = append(related, [2]int64{p.A, p.B})
				}
				ev := fingerprint.Evaluate(ix, related, *ratio, *seed, w)
				if ev.Positives == 0 || ev.Negatives == 0 {
					return intel.Errorf(intel.CodeInvalid, "no known related groups to evaluate on (%d related pairs, %d groups): "+
						"collect the MISP galaxies (spoor collect --all) first", ev.Positives, ix.Len())
				}
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, ev)
				}
				fmt.Fprintf(e.stdout, "%d groups; %d related pairs, %d random pairs (seed %d)\n\n", ix.Len(), ev.Positives, ev.Negatives, ev.Seed)
				t := newTable(e.stdout, "SCORER", "ROC AUC", "P@20", "POSITIVES WITH DATA")
				for _, r := range ev.Rows {
					t.row(r.Scorer, strconv.FormatFloat(r.AUC, 'f', 3, 64), strconv.FormatFloat(r.P20, 'f', 2, 64), strconv.Itoa(r.Covered))
				}
				return t.flush()
			}
		},
	}
}

// attributionEval is what `spoor eval attribution` was asked for.
type attributionEval struct {
	folds, minEvents int
	abstain          float64
	events, split    string
	cut              time.Time // --split time; zero: four fifths before it
}

// evalAttribution runs `spoor eval attribution`.
func evalAttribution(ctx context.Context, e *env, a attributionEval) error {
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	evidence, err := st.FindGroupEvidence(ctx)
	if err != nil {
		return err
	}
	opt := attribute.DefaultOptions()
	opt.MinEvents = a.minEvents
	if opt.Tactics, err = techniqueTactics(ctx, st); err != nil {
		return err
	}
	var exs []attribute.Example
	for _, ex := range attribute.Examples(evidence) {
		// Report events carry techniques and software; IOC-list events
		// carry indicators.
		if a.events == "all" || (a.events == "reports") == (ex.Event.DocumentID != 0) {
			exs = append(exs, ex)
		}
	}
	bar := newProgress(e.stderr, "eval attribution")
	var ev *attribute.Evaluation
	if a.split == "time" {
		ev, err = attribute.EvaluateTime(exs, a.cut, opt, a.abstain, func(f, n int) { bar.update(f, n) })
		bar.update(1, 1)
	} else {
		ev, err = attribute.Evaluate(exs, a.folds, opt, a.abstain, func(f, n int) { bar.update(f, n) })
		bar.update(a.folds, a.folds)
	}
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "eval attribution: %v", err)
	}
	nameConfused(ev, evidence)
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, ev)
	}
	if ev.Split == "time" {
		fmt.Fprintf(e.stdout, "%d events (%s) of %d groups with %d or more; trained on %d first seen before %s, tested on %d from then on "+
			"(%d undated left out); %d test events of groups unknown to the training side left out\n\n",
			ev.Examples, a.events, ev.Groups, a.minEvents, ev.Train, ev.Cut.Format(time.DateOnly), ev.Test, ev.Undated, ev.Unseen)
	} else {
		fmt.Fprintf(e.stdout, "%d events (%s) of %d groups with %d or more; %d folds by report; %d test events of groups unknown to their training side left out\n\n",
			ev.Examples, a.events, ev.Groups, a.minEvents, ev.Folds, ev.Unseen)
	}
	t := newTable(e.stdout, "MODEL", "EVALUATED", "TOP-1", "TOP-3", "TOP-5", "MACRO TOP-1", "MACRO TOP-5", "MACRO-F1", "LOG LOSS", "ECE",
		"COVERAGE", "ACC. ANSWERED")
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	for _, s := range ev.Models {
		t.row(s.Model, strconv.Itoa(s.Evaluated), f(s.Top1), f(s.Top3), f(s.Top5), f(s.MacroTop1), f(s.MacroTop5), f(s.MacroF1),
			f(s.LogLoss), f(s.ECE), f(s.Coverage), f(s.AnsweredAccuracy))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(ev.Confused) == 0 {
		return nil
	}
	fmt.Fprintf(e.stdout, "\nmost confused by the trees (true group → answered):\n")
	t = newTable(e.stdout, "EVENTS", "TRUE GROUP", "ANSWERED")
	for _, c := range ev.Confused {
		t.row(strconv.Itoa(c.Count), c.TruthName, c.PredName)
	}
	return t.flush()
}

// nameConfused names the groups of an evaluation's confused pairs.
func nameConfused(ev *attribute.Evaluation, evidence []*intel.GroupEvidence) {
	names := make(map[int64]string, len(evidence))
	for _, g := range evidence {
		names[g.GroupID] = g.Name
	}
	for i := range ev.Confused {
		ev.Confused[i].TruthName, ev.Confused[i].PredName = names[ev.Confused[i].Truth], names[ev.Confused[i].Predicted]
	}
}
