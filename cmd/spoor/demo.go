package main

import (
	"context"
	"flag"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/config"
)

func demoCmd() *command {
	return &command{
		name:  "demo",
		usage: "[--db DB] [--addr ADDR] [--no-serve] BUNDLE",
		short: "import a STIX bundle (ATT&CK) into the local store and serve it",
		long: `Demo is the one-command start: it imports BUNDLE (a STIX 2.1 file, .gz or
URL, such as ATT&CK Enterprise), prints the counts, gives the "admin" user a
fresh password, prints it, and serves the web application. Run it again and
the import changes nothing.`,
		flags: config.FlagDB | config.FlagAddr | config.FlagLogLevel | config.FlagImportDirs | config.FlagAllowedHosts,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			noServe := fs.Bool("no-serve", false, "import and print the login, then exit")
			return func(ctx context.Context) error {
				if len(e.args) != 1 {
					return usagef("usage: spoor demo [flags] BUNDLE (e.g. ../shared/data/mitre-attack/enterprise-attack-13.1.json.gz)")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				// The demo bundle is ATT&CK: collect it as the catalogue's
				// ATT&CK source, read from the given file or URL, so that a
				// later "spoor collect" finds it unchanged.
				src := collect.Catalogue()[0].Source()
				c, err := e.collector(st, "")
				if err != nil {
					return err
				}
				run, err := c.Collect(ctx, src, collect.Options{From: e.args[0], Trigger: "cli", Progress: newProgress(e.stderr, "import").update})
				if err != nil {
					return err
				}
				if err := refreshAnalysis(ctx, e, c); err != nil {
					return err
				}
				if err := writeStats(e.stdout, run.Stats); err != nil {
					return err
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
