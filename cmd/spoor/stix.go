package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
)

func stixCmd() *command {
	return &command{
		name:  "stix",
		usage: "[STIX-ID] [--type T] [--value V] [--ref STIX-ID] [--flagged] [--limit 50] [--raw]",
		short: "STIX objects kept whole: list them, or show one with its relationships and reports",
		long: `Stix lists the STIX objects an import kept whole (identities, locations,
vulnerabilities, infrastructure, observables, notes, groupings, custom x-
objects, pattern indicators, relationships to any of them, MISP events as
x-misp-event), by STIX ID: --type selects a type, --value an object that
holds a value (a pattern's literal, an observable's value), --ref the
relationships and sightings that name an object, --flagged the objects
with an invalid value. With a STIX ID it shows that object: what spoor
made of it, its flags, its pattern, the kept relationships that name it
and the reports whose object_refs list it; --raw prints its JSON as the
source wrote it.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			typ := fs.String("type", "", "only objects of this STIX type")
			value := fs.String("value", "", "only objects that hold this value")
			ref := fs.String("ref", "", "only relationships and sightings that name this STIX ID")
			flagged := fs.Bool("flagged", false, "only flagged objects")
			limit := fs.Int("limit", 50, "at most this many objects")
			raw := fs.Bool("raw", false, "with a STIX ID: print the object's JSON as written")
			return func(ctx context.Context) error {
				if len(e.args) > 1 {
					return usagef("usage: spoor stix [STIX-ID] [flags]")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				if len(e.args) == 1 {
					v, err := st.FindSTIXObject(ctx, e.args[0])
					if err != nil {
						return err
					}
					switch {
					case *raw:
						_, err := fmt.Fprintf(e.stdout, "%s\n", v.Object.Raw)
						return err
					case e.cfg.Format == "json":
						return printJSON(e.stdout, v)
					}
					return writeSTIXObject(e.stdout, v)
				}
				page, err := st.FindSTIXObjects(ctx, intel.STIXObjectFilter{Type: *typ, Value: *value, Ref: *ref,
					Flagged: *flagged, Limit: *limit})
				if err != nil {
					return err
				}
				if page.Items == nil {
					page.Items = []*intel.STIXObject{}
				}
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, page)
				}
				t := newTable(e.stdout, "STIX ID", "NAME", "MODELLED", "FLAGS")
				for _, o := range page.Items {
					t.row(o.StixID, oneLine(o.Name), o.Modelled, oneLine(strings.Join(o.Flags, "; ")))
				}
				if err := t.flush(); err != nil {
					return err
				}
				if page.Next != "" {
					fmt.Fprintln(e.stdout, "more objects: raise --limit")
				}
				return nil
			}
		},
	}
}

func writeSTIXObject(w io.Writer, v *intel.STIXObjectView) error {
	o := v.Object
	fmt.Fprintf(w, "%s (%s)\n", o.StixID, o.Type)
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-12s %s\n", k+":", oneLine(v))
		}
	}
	line("name", o.Name)
	line("spec", o.SpecVersion)
	if !o.Modified.IsZero() {
		line("modified", o.Modified.Format("2006-01-02T15:04:05Z07:00"))
	}
	modelled := o.Modelled
	if modelled == "" {
		modelled = "kept only"
	}
	line("modelled", modelled)
	line("source ref", o.SourceRef)
	line("target ref", o.TargetRef)
	if o.Pattern != "" {
		line("pattern", o.PatternType+": "+o.Pattern)
		if o.PatternTree != "" {
			// The structure, read again from the pattern text.
			if p, err := stix.ParsePattern(o.Pattern); err == nil {
				for _, l := range p.Outline() {
					fmt.Fprintf(w, "%-12s %s\n", "", oneLine(l))
				}
			}
		}
	}
	for _, f := range o.Flags {
		line("flag", f)
	}
	for _, r := range v.Relationships {
		line("related", fmt.Sprintf("%s %s → %s (%s)", r.Name, r.SourceRef, r.TargetRef, r.StixID))
	}
	for _, d := range v.Reports {
		line("report", d.Title)
	}
	return nil
}
