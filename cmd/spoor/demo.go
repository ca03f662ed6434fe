package main

import (
	"context"
	"flag"
	"path/filepath"
	"strings"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

func demoCmd() *command {
	return &command{
		name:  "demo",
		usage: "[--db DB] [--addr ADDR] [--no-serve] --mirror DIR | BUNDLE",
		short: "collect the offline mirror (or import one STIX bundle) and serve it",
		long: `Demo is the one-command start. With --mirror DIR it collects every
catalogue source from an offline mirror of their files (ATT&CK, the MISP
galaxies, the APT IOC lists: what "spoor collect --all --mirror DIR" does);
with BUNDLE it imports one STIX 2.1 file, .gz or URL, such as ATT&CK
Enterprise. It builds the group fingerprints the analysis pages show, gives
the "admin" user a fresh password, prints it, and serves the web
application. Run it again and the collection changes nothing.`,
		flags: config.FlagDB | config.FlagAddr | config.FlagLogLevel | config.FlagImportDirs | config.FlagAllowedHosts,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			noServe := fs.Bool("no-serve", false, "import and print the login, then exit")
			mirror := fs.String("mirror", "", "collect every catalogue source from this offline mirror directory")
			return func(ctx context.Context) error {
				if (*mirror == "") == (len(e.args) != 1) {
					return usagef("usage: spoor demo [flags] --mirror DIR | BUNDLE (e.g. --mirror ../shared/data)")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				// The demo bundle is ATT&CK: collect it as the catalogue's
				// ATT&CK source, read from the given file or URL, so that a
				// later "spoor collect" finds it unchanged.
				if *mirror != "" {
					if err := demoMirror(ctx, e, st, *mirror); err != nil {
						return err
					}
				} else {
					src := collect.Catalogue()[0].Source()
					c, err := e.collector(st, "")
					if err != nil {
						return err
					}
					pr := newProgress(e.stderr, "import")
					run, err := c.Collect(ctx, src, collect.Options{From: e.args[0], Trigger: "cli", Progress: pr.update})
					pr.end()
					if err != nil {
						return err
					}
					if err := refreshAnalysis(ctx, e, c); err != nil {
						return err
					}
					if err := writeStats(e.stdout, run.Stats); err != nil {
						return err
					}
				}
				if err := ensureAdmin(ctx, e, st, true); err != nil {
					return err
				}
				if *noServe {
					return nil
				}
				// The bundle was named at the terminal; what the server
				// reads from now on comes through its pages.
				sc, err := e.serverCollector(st)
				if err != nil {
					return err
				}
				return serveHTTP(ctx, e, st, sc, "", nil)
			}
		},
	}
}

// demoMirror collects the whole catalogue from an offline mirror, as
// `spoor collect --all --mirror DIR` does, and prints the runs.
func demoMirror(ctx context.Context, e *env, st *store.Store, mirror string) error {
	ranks := ""
	if p := filepath.Join(mirror, filepath.FromSlash(collect.RanksMirror)); fileExists(p) {
		ranks = p
	}
	c, err := e.collector(st, ranks)
	if err != nil {
		return err
	}
	plan, err := collectionPlan(ctx, st, true, nil, mirror)
	if err != nil {
		return err
	}
	runs, failed := runPlan(ctx, e, c, plan, false)
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
