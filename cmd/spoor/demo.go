package main

import (
	"context"
	"flag"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
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
		flags: config.FlagDB | config.FlagAddr | config.FlagLogLevel,
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
				src := intel.Source{Name: "MITRE ATT&CK", Kind: intel.SourceSTIX, Credibility: 1, TLP: intel.TLPClear}
				res, err := importSTIX(ctx, e, st, e.args[0], src)
				if err != nil {
					return err
				}
				if err := writeImportTable(e.stdout, res); err != nil {
					return err
				}
				if err := ensureAdmin(ctx, e, st, true); err != nil {
					return err
				}
				if *noServe {
					return nil
				}
				return serveHTTP(ctx, e, st, "", nil)
			}
		},
	}
}
