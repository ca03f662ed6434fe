package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/notify"
	"github.com/spoor/spoor/internal/reputation"
	"github.com/spoor/spoor/internal/store"
)

func importCmd() *command {
	return &command{
		name:  "import",
		usage: "FORMAT [--source NAME] [--url URL] [--credibility X] [--tlp T] [--group G] FILE|URL|- | samples [--group G] DIR|FILE…",
		short: "import a file, URL or stdin in one format (stix, …) now",
		long: `Import reads one input in FORMAT ("spoor import formats" lists them) and writes
what it says in one transaction: a bad input changes nothing, and importing
the same input again changes nothing. The data is recorded as coming from the
source --source (created if new); its credibility is scored from --url (the
site the file was published on: 1 for well-known organisations, 0.2 for blogs,
0.4–0.8 by popularity rank, 0 unknown) unless --credibility sets it.

  spoor import sample [--group G] FILE        one PE sample, lure PDF or Office
                                              document, or e-mail, never run
  spoor import samples [--group G] DIR|FILE…  every file under each DIR, one
                                              transaction each; files that are
                                              none of these are named and skipped
Each becomes one event keyed by its SHA-256 with its activity times (compile
time, document creation and modification dates with the writer's UTC offset,
the e-mail's Date:), its hashes and the indicators it holds, attributed to G
when given: the time dimension and attribution read them. The source is
"samples" unless --source names another.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			name := fs.String("source", "", `source name (default "import: " and the file name)`)
			site := fs.String("url", "", "URL the input was published at, for credibility and provenance")
			cred := fs.Float64("credibility", math.NaN(), "fix the source's credibility, 0..1")
			tlp := fs.String("tlp", "clear", "TLP marking: clear, green, amber, amber+strict, red")
			ranks := fs.String("ranks", "", `popularity list ("rank,domain" CSV, e.g. Tranco) for credibility`)
			group := fs.String("group", "", "sample, samples: the group the artifacts are attributed to")
			return func(ctx context.Context) error {
				if len(e.args) == 1 && e.args[0] == "formats" {
					return printFormats(e.stdout)
				}
				if *group != "" && (len(e.args) == 0 || e.args[0] != "sample" && e.args[0] != "samples") {
					return usagef("--group goes with spoor import sample or samples")
				}
				if len(e.args) >= 1 && (e.args[0] == "samples" || e.args[0] == "sample") {
					if len(e.args) < 2 || e.args[0] == "sample" && len(e.args) != 2 {
						return usagef("usage: spoor import sample [--group G] FILE, or spoor import samples [--group G] DIR|FILE…")
					}
					if *name == "" {
						*name = "samples"
					}
					return importSamples(ctx, e, e.args[1:], *name, *group, *ranks)
				}
				if len(e.args) != 2 {
					return usagef("usage: spoor import FORMAT [flags] FILE|URL|-  (spoor import formats lists them)")
				}
				format, location := e.args[0], e.args[1]
				if format == "vt-domain" {
					return importVT(ctx, e, location)
				}
				if _, ok := collect.Formats()[format]; !ok {
					return usagef("unknown format %q; spoor import formats lists them", format)
				}
				marking, err := intel.ParseTLP(*tlp)
				if err != nil {
					return err
				}
				if *name == "" {
					*name = "import: " + filepath.Base(location)
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				// A known source keeps its settings (a catalogue source its
				// schedule); only what the flags say changes.
				src, err := st.FindSourceByName(ctx, *name)
				switch {
				case intel.ErrorCode(err) == intel.CodeNotFound:
					src = &intel.Source{Name: *name, Format: format, TLP: marking}
				case err != nil:
					return err
				}
				if *site != "" {
					src.URL = *site
				} else if src.URL == "" && isURL(location) {
					src.URL = location
				}
				if isFlagSet(fs, "tlp") {
					src.TLP = marking
				}
				if !math.IsNaN(*cred) {
					src.Credibility, src.CredibilityManual, src.CredibilityReason = *cred, true, "set on the command line"
				}
				if *group != "" {
					src.Options = setOption(src.Options, "group", *group)
				}
				c, err := e.collector(st, *ranks)
				if err != nil {
					return err
				}
				isNew := src.ID == 0
				pr := newProgress(e.stderr, "import")
				run, err := c.Collect(ctx, src, collect.Options{From: location, Trigger: "cli", Progress: pr.update})
				pr.end()
				if err != nil {
					// A first import that failed stored nothing: the
					// source row it made would only be clutter.
					if isNew && src.ID != 0 {
						if _, derr := st.DeleteFailedSource(ctx, src.ID); derr != nil {
							err = errors.Join(err, derr)
						}
					}
					return err
				}
				if err := refreshAnalysis(ctx, e, c); err != nil {
					return err
				}
				return printRun(e, run)
			}
		},
	}
}

// setOption returns o with key set to v.
func setOption(o intel.SourceOptions, key, v string) intel.SourceOptions {
	out := maps.Clone(o)
	if out == nil {
		out = intel.SourceOptions{}
	}
	out[key] = v
	return out
}

// importSamples imports every file under paths in format "sample", one
// collection run (one transaction) each, into the source name: a file
// that is no artifact is named and skipped, the others still land. It
// fails when any file failed, after importing the rest.
func importSamples(ctx context.Context, e *env, paths []string, name, group, ranks string) error {
	var files []string
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return intel.Errorf(intel.CodeInvalid, "samples: %v", err)
		}
	}
	if len(files) == 0 {
		return intel.Errorf(intel.CodeInvalid, "samples: no files under %s", strings.Join(paths, ", "))
	}
	st, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	src, err := st.FindSourceByName(ctx, name)
	switch {
	case intel.ErrorCode(err) == intel.CodeNotFound:
		src = &intel.Source{Name: name, Format: "sample", TLP: intel.TLPAmber, Credibility: 1, CredibilityManual: true,
			CredibilityReason: "the analyst's own samples"}
	case err != nil:
		return err
	case src.Format != "sample":
		return intel.Errorf(intel.CodeInvalid, "source %q reads %s, not samples: name another with --source", name, src.Format)
	}
	if group != "" {
		src.Options = setOption(src.Options, "group", group)
	}
	c, err := e.collector(st, ranks)
	if err != nil {
		return err
	}
	var runs []*intel.CollectionRun
	var failed []string
	for _, f := range files {
		run, err := c.Collect(ctx, src, collect.Options{From: f, Trigger: "cli"})
		if err != nil {
			fmt.Fprintf(e.stderr, "skipped %s: %s\n", f, intel.ErrorMessage(err))
			failed = append(failed, f)
			continue
		}
		if run.SourceName == "" {
			run.SourceName = src.Name
		}
		runs = append(runs, run)
	}
	if len(runs) > 0 {
		if err := refreshAnalysis(ctx, e, c); err != nil {
			return err
		}
		if err := printRuns(e, runs); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return intel.Errorf(intel.CodeInvalid, "samples: %d of %d files were not imported (named above)", len(failed), len(files))
	}
	return nil
}

func isFlagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func isURL(s string) bool { return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") }

// collector returns the collector of a command typed at a terminal over
// st, with a popularity list for credibility when one is given: it reads
// standard input and any file the person can (collect.AnyFile).
func (e *env) collector(st *store.Store, ranks string) (*collect.Collector, error) {
	cred := collect.DefaultCredibility()
	if ranks != "" {
		f, err := os.Open(ranks)
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "rank list: %v", err)
		}
		defer f.Close()
		if _, err := cred.LoadRanks(f); err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "rank list %s: %v", ranks, err)
		}
	}
	c := collect.NewCollector(st, cred)
	c.Stdin, c.Files = e.stdin, collect.AnyFile{}
	// Watches hear of what the command collects; deliveries finish
	// before it returns and closes the store.
	c.Notify = notify.New(st, notify.Options{Sync: true, Logger: e.logger()})
	c.Reputation = &reputation.Service{Store: st}
	if e.keys != nil {
		c.Secrets = e.keys // the keys of the store openStore opened
	}
	if p, err := exec.LookPath("pdftotext"); err == nil {
		c.PDFToText = p // poppler reads unusual PDF fonts better than the built-in reader
	}
	return c, nil
}

// serverCollector returns the collector of spoor serve and spoor worker:
// the locations it reads come through the pages, the API and the
// schedule, so it reads files only inside the import directories
// (--import-dir) and never its standard input.
func (e *env) serverCollector(st *store.Store) (*collect.Collector, error) {
	dirs, err := collect.NewImportDirs(e.cfg.ImportDirs)
	if err != nil {
		return nil, err
	}
	c, err := e.collector(st, "")
	if err != nil {
		return nil, err
	}
	c.Stdin, c.Files = nil, dirs
	return c, nil
}

func printFormats(w io.Writer) error {
	t := newTable(w, "FORMAT", "KIND", "READS")
	formats := collect.Formats()
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		t.row(n, string(formats[n].Kind), formats[n].Short)
	}
	return t.flush()
}

var importKinds = []string{"group", "technique", "software", "campaign", "relationship", "document", "indicator", "event", "sighting"}

func printRun(e *env, run *intel.CollectionRun) error {
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, run)
	}
	return writeStats(e.stdout, run.Stats)
}

// writeStats prints what an import did, a row per kind of record.
func writeStats(w io.Writer, stats *intel.ImportStats) error {
	if stats == nil {
		return nil
	}
	t := newTable(w, "KIND", "ACTIVE", "CREATED", "UPDATED", "UNCHANGED", "INACTIVE", "REJECTED")
	kinds := slices.Clone(importKinds)
	for k := range stats.Counts {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		c, ok := stats.Counts[k]
		if !ok {
			continue
		}
		t.row(k, fmt.Sprint(c.Active()), fmt.Sprint(c.Created), fmt.Sprint(c.Updated),
			fmt.Sprint(c.Unchanged), fmt.Sprint(c.Inactive), fmt.Sprint(c.Rejected))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(stats.Types) > 0 {
		// What the parser made of each type of the input: modelled as
		// spoor records, kept whole, flagged with reasons.
		fmt.Fprintln(w)
		tt := newTable(w, "INPUT TYPE", "SEEN", "MODELLED", "KEPT", "FLAGGED", "REASONS")
		for _, typ := range slices.Sorted(maps.Keys(stats.Types)) {
			c := stats.Types[typ]
			var reasons []string
			for _, r := range slices.Sorted(maps.Keys(c.Reasons)) {
				reasons = append(reasons, fmt.Sprintf("%s %d", r, c.Reasons[r]))
			}
			tt.row(typ, fmt.Sprint(c.Seen), fmt.Sprint(c.Modelled), fmt.Sprint(c.Kept), fmt.Sprint(c.Flagged),
				oneLine(strings.Join(reasons, "; ")))
		}
		if err := tt.flush(); err != nil {
			return err
		}
	}
	for _, warn := range stats.Warnings {
		fmt.Fprintln(w, oneLine(warn))
	}
	return nil
}
