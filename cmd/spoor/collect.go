package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

func collectCmd() *command {
	return &command{
		name:  "collect",
		usage: "[--all] [--mirror DIR] [--ranks FILE] [SOURCE…]",
		short: "collect sources now: the built-in catalogue and the sources you defined",
		long: `Collect runs sources now, the same way the scheduler of "spoor serve" and
"spoor worker" runs them when they are due. SOURCE names a source you defined
("spoor source add") or a catalogue entry ("spoor source catalogue"); --all
runs every catalogue entry, then every enabled source you defined.

--mirror DIR reads catalogue entries from an offline mirror of their public
files (for example ../shared/data) instead of their URLs; the sources keep their
public URLs. With --mirror, DIR/domain-reputation/tranco_top40k.csv, when it is
there, ranks sites for credibility unless --ranks names another list.

Every run is recorded with its counts or its error; collecting again adds
nothing that is already stored. The exit status is 1 if any source failed.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			all := fs.Bool("all", false, "collect every catalogue entry and every enabled source")
			mirror := fs.String("mirror", "", "read catalogue entries from this offline mirror directory")
			ranks := fs.String("ranks", "", `popularity list ("rank,domain" CSV) for credibility`)
			full := fs.Bool("full", false, "read everything again: forget what earlier runs read (MISP feed marks, TAXII positions)")
			return func(ctx context.Context) error {
				if !*all && len(e.args) == 0 {
					return usagef("usage: spoor collect [--all] [--mirror DIR] [--full] [SOURCE…]")
				}
				if *ranks == "" && *mirror != "" {
					if p := filepath.Join(*mirror, filepath.FromSlash(collect.RanksMirror)); fileExists(p) {
						*ranks = p
					}
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				c, err := e.collector(st, *ranks)
				if err != nil {
					return err
				}
				plan, err := collectionPlan(ctx, st, *all, e.args, *mirror)
				if err != nil {
					return err
				}
				runs, failed := runPlan(ctx, e, c, plan, *full)
				if err := refreshAnalysis(ctx, e, c); err != nil {
					return err
				}
				if err := printRuns(e, runs); err != nil {
					return err
				}
				if len(failed) > 0 {
					return intel.Errorf(intel.CodeInvalid, "%d of %d sources failed: %s", len(failed), len(runs), strings.Join(failed, ", "))
				}
				return ctx.Err()
			}
		},
	}
}

// runPlan collects each planned source in turn, with progress on stderr;
// a failed source is recorded and named, and does not stop the others.
func runPlan(ctx context.Context, e *env, c *collect.Collector, plan []planned, full bool) (runs []*intel.CollectionRun, failed []string) {
	for _, p := range plan {
		bar := newProgress(e.stderr, p.src.Name)
		run, err := c.Collect(ctx, p.src, collect.Options{From: p.from, Trigger: "cli", Progress: bar.update, Full: full})
		if err != nil {
			failed = append(failed, p.src.Name)
			if run == nil { // not even started: say why here
				run = &intel.CollectionRun{SourceName: p.src.Name, Status: intel.RunFailed, Error: errorLine(err)}
			}
		}
		run.SourceName = p.src.Name
		runs = append(runs, run)
		if ctx.Err() != nil {
			break
		}
	}
	return runs, failed
}

type planned struct {
	src  *intel.Source
	from string // read from here instead of the source's location
}

// collectionPlan resolves what to collect: catalogue entries (from the
// mirror when given) and stored sources, by name or all of them.
func collectionPlan(ctx context.Context, st *store.Store, all bool, names []string, mirror string) ([]planned, error) {
	fromCatalogue := func(entry collect.CatalogueEntry) planned {
		p := planned{src: entry.Source()}
		if stored, err := st.FindSourceByName(ctx, entry.Name); err == nil && stored.CredibilityManual {
			p.src.Credibility, p.src.CredibilityReason, p.src.CredibilityManual = stored.Credibility, stored.CredibilityReason, true
		}
		if mirror != "" && entry.Mirror != "" {
			p.from = filepath.Join(mirror, entry.Mirror)
		}
		return p
	}
	var plan []planned
	seen := map[string]bool{}
	if all {
		for _, entry := range collect.Catalogue() {
			plan = append(plan, fromCatalogue(entry))
			seen[entry.Name] = true
		}
		sources, err := st.FindSources(ctx)
		if err != nil {
			return nil, err
		}
		for _, src := range sources {
			if src.Format != "" && src.Location != "" && src.Enabled && !seen[src.Name] {
				plan = append(plan, planned{src: src})
				seen[src.Name] = true
			}
		}
	}
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		if entry, ok := catalogueEntry(name); ok {
			plan = append(plan, fromCatalogue(entry))
			continue
		}
		src, err := st.FindSourceByName(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("%w (spoor source list shows the sources)", err)
		}
		plan = append(plan, planned{src: src})
	}
	if mirror != "" {
		for _, p := range plan {
			if p.from != "" && !fileExists(p.from) {
				return nil, intel.Errorf(intel.CodeInvalid, "mirror %s has no %s (for %q)", mirror, strings.TrimPrefix(p.from, mirror+string(filepath.Separator)), p.src.Name)
			}
		}
	}
	return plan, nil
}

func catalogueEntry(name string) (collect.CatalogueEntry, bool) {
	for _, e := range collect.Catalogue() {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return collect.CatalogueEntry{}, false
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func printRuns(e *env, runs []*intel.CollectionRun) error {
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, runs)
	}
	t := newTable(e.stdout, "SOURCE", "STATUS", "CREATED", "UPDATED", "UNCHANGED", "REJECTED", "TIME", "ERROR")
	for _, r := range runs {
		tot := r.Totals()
		took := "-"
		if !r.FinishedAt.IsZero() {
			took = r.FinishedAt.Sub(r.StartedAt).Round(10 * time.Millisecond).String()
		}
		t.row(r.SourceName, r.Status, fmt.Sprint(tot.Created), fmt.Sprint(tot.Updated), fmt.Sprint(tot.Unchanged),
			fmt.Sprint(tot.Rejected), took, clip(r.Error, 100))
	}
	return t.flush()
}

func workerCmd() *command {
	return &command{
		name:  "worker",
		usage: "[--db DB] [--every D] [--import-dir DIR]…",
		short: "run due collections in the background, without the web server",
		long: `Worker runs the collection scheduler alone: every --every it collects the
sources whose next run is due. Any number of workers and "spoor serve"
replicas share one PostgreSQL base; each due run is claimed by exactly one.
Like spoor serve, it reads server paths only inside the --import-dir
directories.`,
		flags: config.FlagDB | config.FlagLogLevel | config.FlagImportDirs,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			every := fs.Duration("every", time.Minute, "how often to look for due sources")
			return func(ctx context.Context) error {
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				c, err := e.serverCollector(st)
				if err != nil {
					return err
				}
				log := e.logger()
				log.Info("worker started", "every", every.String())
				c.Schedule(ctx, *every, logRun(log))
				if errors.Is(ctx.Err(), context.Canceled) {
					return nil
				}
				return ctx.Err()
			}
		},
	}
}
