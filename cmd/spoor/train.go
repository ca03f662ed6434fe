package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

func trainCmd() *command {
	return &command{
		name:  "train",
		usage: "attribution [--min-events 3] [--folds 5] [--until DATE] | reputation [--data CSV] [--out FILE] [--skip-bad] [--fpr 0.02] | nlp [--corpus dnrti|annoctr|techniques|FILE] [-o FILE] | forum [--data DIR] -o FILE",
		short: "train a model: attribution (stored in the base) or reputation (domain reputation)",
		long: `Train fits one of spoor's models and keeps it where the commands that use it
look.

  spoor train attribution   the gradient-boosted trees that name the group
                            behind an event, on every event of the groups
                            with --min-events or more; --folds > 0 first
                            evaluates on folds that keep each report
                            together (spoor eval attribution) and stores
                            the figures with the model in the base, as the
                            newest model of its kind (spoor model list shows
                            them; spoor model pin keeps an older one in use).
                            --until DATE trains on the events first seen
                            before it only (a report placed by its first
                            event; undated events left out), as a model of
                            that day would have been.
  spoor train reputation    the domain-reputation model from a labelled CSV
                            with the columns domain,label,category,family,
                            rank,source (plain or .gz): the binary and
                            category GBDTs, the character language models and
                            the threshold for --fpr, chosen on held-out
                            families. A malformed row is an error naming its
                            line, unless --skip-bad. Writes
                            reputation-model.json.gz beside the database (or
                            --out), which spoor reputation then uses.
  spoor train nlp           the entity labeller on --corpus dnrti (default),
                            annoctr or a CoNLL FILE (token first, BIO tag
                            last), with the gazetteer of ATT&CK, MISP galaxy,
                            country and sector names from --data-dir: the epochs
                            are chosen on the dev split (a tenth of a FILE),
                            then it is trained on train and dev together.
                            --corpus techniques trains the technique mapper on
                            ATT&CK's procedure examples. Writes -o (default
                            nlp-CORPUS.gz beside the database), which spoor
                            nlp tag --model FILE reads.
  spoor train forum         the forum threat classifiers on the labelled
                            files of DIR/hacker-forum (--data, the shared data
                            directory): cross-validation by thread, then for
                            technique, tactic, kind and role the better of
                            the perceptron and the fastText-style model
                            trained on every thread (seed --seed). Writes -o,
                            which spoor forum classify --model reads.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			minEvents := fs.Int("min-events", 3, "attribution: events a group needs to be a class")
			folds := fs.Int("folds", 5, "attribution: evaluate on this many folds first (0: no evaluation)")
			until := fs.String("until", "", "attribution: train on the events first seen before this date, YYYY-MM-DD")
			rep := addTrainReputationFlags(fs)
			nlpFlags := addTrainNLPFlags(fs)
			return func(ctx context.Context) error {
				if len(e.args) != 1 {
					return usagef("usage: spoor train attribution | reputation | nlp | forum")
				}
				switch e.args[0] {
				case "reputation":
					return trainReputation(ctx, e, rep)
				case "nlp":
					return trainNLP(e, nlpFlags)
				case "forum":
					return trainForum(e, dataDir(e, *rep.data), *nlpFlags.out, *rep.seed)
				case "attribution":
				default:
					return usagef("spoor train: unknown model %q (attribution, reputation, nlp, forum)", e.args[0])
				}
				if *minEvents < 1 || *folds < 0 || *folds == 1 {
					return usagef("--min-events must be at least 1 and --folds 0 or at least 2")
				}
				var cut time.Time
				if *until != "" {
					var err error
					if cut, err = time.Parse(time.DateOnly, *until); err != nil {
						return usagef("--until: %q is not a date (YYYY-MM-DD)", *until)
					}
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				m, err := trainAttribution(ctx, e, st, *minEvents, *folds, cut)
				if err != nil {
					return err
				}
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, m)
				}
				fmt.Fprintf(e.stdout, "stored attribution model %d: %s\n", m.ID, m.Summary)
				if m.Evaluation != "{}" {
					fmt.Fprintf(e.stdout, "evaluation: %s\n", m.Evaluation)
				}
				return nil
			}
		},
	}
}

// attributionSummary describes what a stored attribution model learnt from.
type attributionSummary struct {
	Events   int `json:"events"`
	Groups   int `json:"groups"`
	Features int `json:"features"`
	Trees    int `json:"trees"`
	// First and Last are the dates the training events were first seen
	// between; Undated how many had no date. Until is the cut of --until.
	First   string `json:"first,omitempty"`
	Last    string `json:"last,omitempty"`
	Undated int    `json:"undated"`
	Until   string `json:"until,omitempty"`
}

// trainAttribution trains the attribution model on every event in the
// store (those first seen before until, when it is not zero) and saves it,
// with its evaluation when folds > 0.
func trainAttribution(ctx context.Context, e *env, st *store.Store, minEvents, folds int, until time.Time) (*intel.Model, error) {
	// The events of cited reports are brought up to date first (as every
	// fingerprint rebuild does), so that a base collected by an older
	// spoor trains on them too.
	if _, err := st.DeriveReportEvents(ctx); err != nil {
		return nil, err
	}
	evidence, err := st.FindGroupEvidence(ctx)
	if err != nil {
		return nil, err
	}
	exs := attribute.Examples(evidence)
	var left int
	if !until.IsZero() {
		all := len(exs)
		if exs, left = attribute.Before(exs, until); len(exs) == 0 {
			return nil, intel.Errorf(intel.CodeInvalid, "train attribution: none of %d events was first seen before %s (%d undated)",
				all, until.Format(time.DateOnly), left)
		}
	}
	opt := attribute.DefaultOptions()
	opt.MinEvents = minEvents
	if opt.Tactics, err = techniqueTactics(ctx, st); err != nil {
		return nil, err
	}
	evaluation := []byte("{}")
	if folds > 0 {
		bar := newProgress(e.stderr, "evaluate")
		ev, err := attribute.Evaluate(exs, folds, opt, 0.3, func(f, n int) { bar.update(f, n) })
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "train attribution: %v", err)
		}
		bar.update(folds, folds)
		nameConfused(ev, evidence)
		if evaluation, err = json.Marshal(ev); err != nil {
			return nil, err
		}
	}
	newProgress(e.stderr, "train attribution").note(fmt.Sprintf("%d events", len(exs)))
	enc := attribute.NewEncoder(exs, minEvents, opt.Tactics)
	model, err := attribute.TrainGBDT(enc, exs, opt)
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "train attribution: %v", err)
	}
	attribute.FitPooling(enc, exs, opt, model)
	var data bytes.Buffer
	if err := model.Save(&data); err != nil {
		return nil, err
	}
	sum := attributionSummary{Groups: len(enc.Classes), Features: enc.NumFeatures(), Trees: model.Model.NumTrees()}
	var first, last time.Time
	for _, ex := range exs {
		if enc.Class(ex.Group) < 0 {
			continue
		}
		sum.Events++
		t := ex.Event.FirstSeen
		if t.IsZero() {
			sum.Undated++
			continue
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	if !first.IsZero() {
		sum.First, sum.Last = first.UTC().Format(time.DateOnly), last.UTC().Format(time.DateOnly)
	}
	if !until.IsZero() {
		sum.Until = until.Format(time.DateOnly)
		sum.Undated += left
	}
	summary, _ := json.Marshal(sum)
	params, _ := json.Marshal(opt)
	m := &intel.Model{Kind: "attribution", Version: attribute.EncodingVersion, Params: string(params),
		Summary: string(summary), Evaluation: string(evaluation), Data: data.String()}
	if err := st.SaveModel(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// techniqueTactics maps the stored ATT&CK techniques to their tactics, for
// the attribution encoder.
func techniqueTactics(ctx context.Context, st *store.Store) (attribute.Tactics, error) {
	all, err := st.FindAllObjects(ctx, intel.KindTechnique)
	if err != nil {
		return nil, err
	}
	out := attribute.Tactics{}
	for _, o := range all {
		if o.ExternalID != "" && len(o.Tactics) > 0 {
			out[o.ExternalID] = o.Tactics
		}
	}
	return out, nil
}
