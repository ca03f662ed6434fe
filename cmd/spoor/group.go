package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
)

func groupCmd() *command {
	return &command{
		name:  "group",
		usage: "NAME|ALIAS|ATTACK-ID",
		short: "show a group: aliases, techniques, software, campaigns and cited reports",
		long: `Group finds an attack group by its name, one of its aliases ("Fancy Bear"
finds APT28) or its ATT&CK ID (G0007) and prints its profile.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			return func(ctx context.Context) error {
				name := strings.Join(e.args, " ")
				if strings.TrimSpace(name) == "" {
					return usagef("usage: spoor group NAME|ALIAS|ATTACK-ID")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				g, err := st.FindObjectByName(ctx, intel.KindGroup, name)
				if err != nil {
					return err
				}
				p, err := st.FindProfile(ctx, g.ID)
				if err != nil {
					return err
				}
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, p)
				}
				return writeProfile(e.stdout, p)
			}
		},
	}
}

func writeProfile(w io.Writer, p *intel.Profile) error {
	g := p.Object
	fmt.Fprintf(w, "%s", oneLine(g.Name))
	if g.ExternalID != "" {
		fmt.Fprintf(w, " (%s)", oneLine(g.ExternalID))
	}
	fmt.Fprintln(w)
	if len(g.Aliases) > 0 {
		fmt.Fprintf(w, "aliases:    %s\n", oneLine(strings.Join(g.Aliases, ", ")))
	}
	if g.Country != "" {
		fmt.Fprintf(w, "country:    %s\n", oneLine(g.Country))
	}
	if g.URL != "" {
		fmt.Fprintf(w, "url:        %s\n", oneLine(g.URL))
	}
	if g.Description != "" {
		fmt.Fprintf(w, "\n%s\n", clip(oneLine(g.Description), 400))
	}
	section := func(title string, rel []intel.Related, extra func(o intel.Object) string) error {
		if len(rel) == 0 {
			return nil
		}
		fmt.Fprintf(w, "\n%s (%d)\n", title, len(rel))
		t := newTable(w, "ID", "NAME", "")
		for _, r := range rel {
			t.row(r.Other.ExternalID, r.Other.Name, extra(r.Other))
		}
		return t.flush()
	}
	if err := section("techniques", p.Techniques, func(o intel.Object) string { return strings.Join(o.Tactics, ", ") }); err != nil {
		return err
	}
	if err := section("software", p.Software, func(o intel.Object) string { return o.SoftwareType }); err != nil {
		return err
	}
	if err := section("campaigns", p.Campaigns, func(o intel.Object) string {
		return day(o.FirstSeen) + " .. " + day(o.LastSeen)
	}); err != nil {
		return err
	}
	if err := section("related groups", p.Groups, func(o intel.Object) string { return "" }); err != nil {
		return err
	}
	if len(p.Documents) > 0 {
		fmt.Fprintf(w, "\ncited reports (%d)\n", len(p.Documents))
		for _, d := range p.Documents {
			fmt.Fprintf(w, "  %s  %s\n", clip(oneLine(d.Title), 60), oneLine(d.URL))
		}
	}
	return nil
}
