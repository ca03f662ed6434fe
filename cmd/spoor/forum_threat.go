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
	"sort"
	"strings"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/forum/threat"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// forumDir is the hacker-forum directory of the shared data.
const forumDir = "hacker-forum"

// forumDataset reads the labelled forum files of the data directory and
// the ATT&CK names that resolve their techniques.
func forumDataset(dir string) (*threat.Dataset, *threat.Names, error) {
	a, err := readATTACK(dir)
	if err != nil {
		return nil, nil, err
	}
	rows, err := threat.ReadFiles(threat.LabelledFiles, func(n string) (io.ReadCloser, error) {
		return openData(filepath.Join(dir, forumDir, n))
	})
	if err != nil {
		return nil, nil, forumParseError(dir, err)
	}
	names := threat.NamesFromATTACK(a.Techniques)
	return threat.Build(rows, names, threat.HandKinds()), names, nil
}

// forumParseError names the file of a malformed row by its path.
func forumParseError(dir string, err error) error {
	var pe *threat.ParseError
	if errors.As(err, &pe) {
		return intel.Errorf(intel.CodeInvalid, "%s/%s", filepath.Join(dir, forumDir), pe.Error())
	}
	return err
}

// forumFamilies resolves the ransomware reference file, when the data
// directory has one.
func forumFamilies(dir string, names *threat.Names) (*threat.FamilyResolution, error) {
	path := filepath.Join(dir, forumDir, threat.FamiliesFile)
	if !fileExists(path) {
		return nil, nil
	}
	rc, err := openData(path)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	fams, err := threat.ReadFamilies(rc, threat.FamiliesFile)
	if err != nil {
		return nil, forumParseError(dir, err)
	}
	r := names.ResolveFamilies(fams)
	return &r, nil
}

// forumEvaluation is what spoor eval forum --format json prints.
type forumEvaluation struct {
	Dataset    *threat.Dataset    `json:"dataset"`
	Evaluation *threat.Evaluation `json:"evaluation"`
	// Ransomware is how the reference file's technique names resolve.
	Ransomware *threat.FamilyResolution `json:"ransomware,omitempty"`
}

// evalForum runs spoor eval forum: the thread-grouped cross-validation of
// the forum threat classifiers against the majority baseline.
func evalForum(e *env, dir string, folds int, seed uint64) error {
	if folds < 2 {
		return usagef("--folds must be at least 2")
	}
	ds, names, err := forumDataset(dir)
	if err != nil {
		return err
	}
	fams, err := forumFamilies(dir, names)
	if err != nil {
		return err
	}
	opt := threat.DefaultOptions()
	opt.Folds, opt.Seed = folds, seed
	opt.Linear.Seed, opt.FastText.Seed = seed, seed
	ev, err := threat.Evaluate(ds, opt)
	if err != nil {
		return err
	}
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, forumEvaluation{ds, ev, fams})
	}
	r := ds.Resolution
	fmt.Fprintf(e.stdout, "%d rows, %d threads, %d examples (threads with one title together; %d threads without title or post left out)\n",
		ds.Rows, ds.Threads, len(ds.Examples), ds.Untitled)
	fmt.Fprintf(e.stdout, "technique names: %d (%d exact, %d plural, %d within two edits, %d unmatched); tactic names: %d (%d unmatched); hand-labelled kinds: %d\n",
		r.TechniqueNames, r.Exact, r.Plural, r.Edit, r.UnmatchedRows(), r.TacticNames, len(r.TacticUnknown), ds.KindLabels)
	if fams != nil {
		fmt.Fprintf(e.stdout, "ransomware reference: %d families, %d technique names, %d resolved\n", fams.Families, fams.Names, fams.Resolved)
	}
	fmt.Fprintf(e.stdout, "%d folds by thread, seed %d; labels with fewer than %d examples left out\n\n", opt.Folds, opt.Seed, opt.MinClass)
	t := newTable(e.stdout, "TARGET", "MODEL", "EXAMPLES", "CLASSES", "ACCURACY", "MACRO-F1", "ANY-LABEL ACC", "LEFT OUT")
	for _, s := range ev.Rows {
		t.row(string(s.Target), s.Model, fmt.Sprint(s.Examples), fmt.Sprint(s.Classes), fmt.Sprintf("%.3f", s.Accuracy),
			fmt.Sprintf("%.3f", s.MacroF1), fmt.Sprintf("%.3f", s.AnyLabel), fmt.Sprint(ev.Dropped[s.Target]))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(r.Unmatched) > 0 {
		fmt.Fprintln(e.stdout, "\nunmatched technique names (rows):")
		for _, n := range sortedKeys(r.Unmatched) {
			fmt.Fprintf(e.stdout, "  %s (%d)\n", oneLine(n), r.Unmatched[n])
		}
	}
	if fams != nil && len(fams.Unmatched) > 0 {
		fmt.Fprintln(e.stdout, "\nunmatched ransomware technique names (cells):")
		for _, n := range sortedKeys(fams.Unmatched) {
			fmt.Fprintf(e.stdout, "  %s (%d)\n", oneLine(n), fams.Unmatched[n])
		}
	}
	return nil
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// trainForum runs spoor train forum: cross-validation, then per target the
// better model trained on every example, written to out.
func trainForum(e *env, dir, out string, seed uint64) error {
	if out == "" {
		return usagef("spoor train forum needs -o FILE")
	}
	ds, _, err := forumDataset(dir)
	if err != nil {
		return err
	}
	opt := threat.DefaultOptions()
	opt.Seed, opt.Linear.Seed, opt.FastText.Seed = seed, seed, seed
	m, err := threat.Train(ds, opt, nil)
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "train forum: %v", err)
	}
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "create %s: %v", tmp, errors.Unwrap(err))
	}
	if err := m.Save(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, m.Info)
	}
	for _, t := range threat.Targets {
		if m.Info.Models[t] != "" {
			fmt.Fprintf(e.stdout, "%s: %s on %d examples, %d classes\n", t, m.Info.Models[t], m.Info.Examples[t], len(m.Classes(t)))
		}
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", out)
	return nil
}

// forumClassifyOptions are spoor forum classify's flags.
type forumClassifyOptions struct {
	format, model *string
	minScore      *float64
}

func addForumClassifyFlags(fs *flag.FlagSet) forumClassifyOptions {
	return forumClassifyOptions{
		format:   fs.String("format", "jsonl", "output: jsonl (one object per input, in input order)"),
		model:    fs.String("model", "", "a model file from spoor train forum (default: the built-in model)"),
		minScore: fs.Float64("min-score", 0.3, "least score of a technique put on the event"),
	}
}

// forumClassifyOutput is one line of spoor forum classify.
type forumClassifyOutput struct {
	Input    int             `json:"input"`
	Text     string          `json:"text"`
	Labels   threat.Labels   `json:"labels"`
	Entities []threat.Entity `json:"entities"`
	Event    intel.Event     `json:"event"`
}

// storeLookup links a name to the store's group or software of that name,
// alias or ATT&CK ID (groups first, and within a kind names and IDs
// before aliases, as FindObjectByName ranks them). The names are read once: a forum's posts
// ask for every word and pair of words, far too many for a query each.
func storeLookup(ctx context.Context, st *store.Store) (threat.Lookup, func() error) {
	index, err := nameIndex(ctx, st)
	lookup := func(name string) (threat.Link, bool) {
		l, ok := index[intel.NormalizeName(name)]
		return l, ok
	}
	return lookup, func() error { return err }
}

// nameIndex maps the normalised names, ATT&CK IDs and aliases of the
// stored groups and software to their links.
func nameIndex(ctx context.Context, st *store.Store) (map[string]threat.Link, error) {
	type object struct {
		link    threat.Link
		names   []string
		aliases []string
	}
	var all []object
	for _, kind := range []intel.ObjectKind{intel.KindGroup, intel.KindSoftware} {
		f := intel.ObjectFilter{Kind: kind, Limit: 500}
		for {
			page, err := st.FindObjects(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, o := range page.Items {
				k := "group"
				if kind == intel.KindSoftware {
					k = "malware"
					if o.SoftwareType == "tool" {
						k = "tool"
					}
				}
				all = append(all, object{threat.Link{Kind: k, ID: o.ID, Name: o.Name}, []string{o.Name, o.ExternalID}, o.Aliases})
			}
			if page.Next == "" {
				break
			}
			f.After = page.Next
		}
	}
	index := map[string]threat.Link{}
	add := func(name string, l threat.Link) {
		if k := intel.NormalizeName(name); k != "" {
			if _, taken := index[k]; !taken {
				index[k] = l
			}
		}
	}
	for _, groups := range []bool{true, false} {
		for _, aliases := range []bool{false, true} {
			for _, o := range all {
				if (o.link.Kind == "group") != groups {
					continue
				}
				names := o.names
				if aliases {
					names = o.aliases
				}
				for _, n := range names {
					add(n, o.link)
				}
			}
		}
	}
	return index, nil
}

// forumClassify classifies the inputs; lookup (nil: none) links names to
// stored groups and software.
func forumClassify(ctx context.Context, opts forumClassifyOptions, args []string, stdin io.Reader, stdout io.Writer, lookup threat.Lookup) error {
	if len(args) == 0 {
		return usagef("usage: spoor forum classify [--format jsonl] [--model FILE] TEXT…|-")
	}
	if *opts.format != "jsonl" {
		return usagef("--format: %q is not jsonl", *opts.format)
	}
	if *opts.minScore < 0 || *opts.minScore > 1 {
		return usagef("--min-score must be between 0 and 1")
	}
	var m *threat.Model
	var err error
	if *opts.model == "" {
		m, err = threat.Default()
	} else {
		m, err = loadModelFile(*opts.model, threat.Load)
	}
	if err != nil {
		return err
	}
	x := &threat.Extractor{Model: m, MinScore: *opts.minScore, Lookup: lookup}
	enc := json.NewEncoder(stdout)
	n := 0
	one := func(text string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		n++
		title, post, _ := strings.Cut(text, "\n")
		te, err := x.Extract(threat.Post{Title: title, Text: post})
		if err != nil {
			return err
		}
		return enc.Encode(forumClassifyOutput{Input: n, Text: text, Labels: te.Labels, Entities: te.Entities, Event: te.Event})
	}
	for _, a := range args {
		if a != "-" {
			if err := one(a); err != nil {
				return err
			}
			continue
		}
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				if err := one(line); err != nil {
					return err
				}
			}
		}
		if err := sc.Err(); err != nil {
			return intel.Errorf(intel.CodeInvalid, "read stdin: %v", err)
		}
	}
	return nil
}

// forumClassifyCmd is spoor forum classify.
func forumClassifyCmd() *command {
	return &command{
		name:  "forum classify",
		usage: "[--format jsonl] [--model FILE] [--min-score 0.3] [--link] TEXT…|-",
		short: "classify forum titles or posts: ATT&CK technique and tactic, kind of activity, poster role, entities (offline)",
		long: `Forum classify reads each TEXT argument, or each line of stdin for -, as a
forum thread title (a first line, then the post, when given as one argument)
and prints one JSON line per input, in input order: the labels of the
built-in model (or --model, from spoor train forum) for technique, tactic,
kind of activity and poster role, each with scores; the entities found
(groups, tools, malware and targets from the entity recogniser, indicators,
prices and contact handles); and the event the analysis would read. With
--link, names in the text that are a stored group's or software's name,
alias or ATT&CK ID (--db) are linked to it, and the event names them.`,
		flags: config.FlagDB,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			opts := addForumClassifyFlags(fs)
			link := fs.Bool("link", false, "link names to the store's groups and software (--db)")
			return func(ctx context.Context) error {
				if !*link {
					return forumClassify(ctx, opts, e.args, e.stdin, e.stdout, nil)
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				lookup, lookupErr := storeLookup(ctx, st)
				if err := forumClassify(ctx, opts, e.args, e.stdin, e.stdout, lookup); err != nil {
					return err
				}
				return lookupErr()
			}
		},
	}
}
