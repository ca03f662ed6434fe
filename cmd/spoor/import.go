package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
)

func importCmd() *command {
	return &command{
		name:  "import",
		usage: "stix [--source NAME] [--credibility X] [--tlp T] FILE|URL|-",
		short: "import a STIX 2.1 bundle (plain or .gz) from a file, URL or stdin",
		long: `Import reads a STIX 2.1 bundle such as MITRE ATT&CK and writes its
groups, techniques, software, campaigns, relationships and cited reports in
one transaction: a bad bundle changes nothing. Objects are keyed by STIX ID,
so importing the same bundle again changes nothing. Revoked and deprecated
objects are kept for provenance but hidden.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			var src sourceFlags
			src.register(fs, "MITRE ATT&CK", 1)
			return func(ctx context.Context) error {
				if len(e.args) != 2 || e.args[0] != "stix" {
					return usagef("usage: spoor import stix [flags] FILE|URL|-")
				}
				source, err := src.source(intel.SourceSTIX, e.args[1])
				if err != nil {
					return err
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				res, err := importSTIX(ctx, e, st, e.args[1], source)
				if err != nil {
					return err
				}
				return printImport(e, res)
			}
		},
	}
}

// sourceFlags describe the source an import comes from.
type sourceFlags struct {
	name        string
	credibility float64
	tlp         string
}

func (s *sourceFlags) register(fs *flag.FlagSet, name string, credibility float64) {
	fs.StringVar(&s.name, "source", name, "name of the source the data comes from")
	fs.Float64Var(&s.credibility, "credibility", credibility, "credibility of the source, 0..1")
	fs.StringVar(&s.tlp, "tlp", "clear", "TLP marking of the data: clear, green, amber, amber+strict, red")
}

func (s *sourceFlags) source(kind intel.SourceKind, location string) (intel.Source, error) {
	tlp, err := intel.ParseTLP(s.tlp)
	if err != nil {
		return intel.Source{}, err
	}
	src := intel.Source{Name: s.name, Kind: kind, Credibility: s.credibility, TLP: tlp}
	if u := location; len(u) > 8 && (u[:7] == "http://" || u[:8] == "https://") {
		src.URL = u
	}
	return src, src.Validate()
}

// importSTIX opens a location and imports it with a progress bar.
func importSTIX(ctx context.Context, e *env, sink collect.Sink, location string, src intel.Source) (*collect.STIXResult, error) {
	r, name, err := collect.Open(ctx, location, e.stdin)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	bar := newProgress(e.stderr, "import")
	bar.note("reading " + name)
	return collect.ImportSTIX(ctx, sink, r, name, src, bar.update)
}

var importKinds = []string{"group", "technique", "software", "campaign", "relationship", "document", "indicator"}

func printImport(e *env, res *collect.STIXResult) error {
	if e.cfg.Format == "json" {
		return printJSON(e.stdout, res)
	}
	return writeImportTable(e.stdout, res)
}

func writeImportTable(w io.Writer, res *collect.STIXResult) error {
	t := newTable(w, "KIND", "ACTIVE", "CREATED", "UPDATED", "UNCHANGED", "INACTIVE", "REJECTED")
	for _, k := range importKinds {
		c, ok := res.Stats.Counts[k]
		if !ok {
			continue
		}
		t.row(k, fmt.Sprint(c.Active()), fmt.Sprint(c.Created), fmt.Sprint(c.Updated),
			fmt.Sprint(c.Unchanged), fmt.Sprint(c.Inactive), fmt.Sprint(c.Rejected))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(res.Ignored) > 0 {
		var types []string
		for k := range res.Ignored {
			types = append(types, k)
		}
		sort.Strings(types)
		fmt.Fprint(w, "not imported:")
		for _, k := range types {
			fmt.Fprintf(w, " %s %d", k, res.Ignored[k])
		}
		fmt.Fprintln(w)
	}
	for _, warn := range res.Stats.Warnings {
		fmt.Fprintln(w, "warning:", oneLine(warn))
	}
	return nil
}
