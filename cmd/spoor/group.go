package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/fingerprint"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

func groupCmd() *command {
	return &command{
		name:  "group",
		usage: "NAME|ALIAS|ATTACK-ID | merge KEEP OTHER --reason R | split GROUP --names A,B --reason R | distinct A B --reason R",
		short: "show a group (aliases, techniques, software, reports), or merge and split groups",
		long: `Group finds an attack group by its name, one of its aliases ("Fancy Bear"
finds APT28) or its ATT&CK ID (G0007) and prints its profile, with the
sources behind each alias and the log of how its records were merged.

  spoor group merge KEEP OTHER --reason R   moves OTHER's records, aliases and
                                            relationships into KEEP
  spoor group split GROUP --names A,B --reason R
                                            moves the records that give these
                                            names (or import keys) to a new group
  spoor group distinct A B --reason R       says A and B are not the same group:
                                            spoor duplicates leaves the pair out
All are audited, and later imports respect them. Merge and split rebuild
the fingerprints. A group is named by name, alias, ATT&CK ID or #ID (its
stored ID, for two groups of one name).`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			reason := fs.String("reason", "", "why (merge and split)")
			names := fs.String("names", "", "comma-separated names or import keys to split off")
			return func(ctx context.Context) error {
				if len(e.args) == 0 {
					return usagef("usage: spoor group NAME|ALIAS|ATTACK-ID")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				find := func(name string) (*intel.Object, error) {
					if id, err := strconv.ParseInt(strings.TrimPrefix(name, "#"), 10, 64); err == nil && strings.HasPrefix(name, "#") {
						o, err := st.FindObjectByID(ctx, id)
						if err == nil && o.Kind != intel.KindGroup {
							return nil, intel.Errorf(intel.CodeNotFound, "%s is a %s, not a group", name, o.Kind)
						}
						return o, err
					}
					return st.FindObjectByName(ctx, intel.KindGroup, name)
				}
				rebuild := func() error {
					_, err := fingerprint.Rebuild(ctx, st)
					return err
				}
				var g *intel.Object
				switch e.args[0] {
				case "merge":
					if len(e.args) != 3 || *reason == "" {
						return usagef("usage: spoor group merge KEEP OTHER --reason R")
					}
					keep, err := find(e.args[1])
					if err != nil {
						return err
					}
					other, err := find(e.args[2])
					if err != nil {
						return err
					}
					if g, err = st.MergeObjects(ctx, keep.ID, other.ID, *reason); err != nil {
						return err
					}
					if err := rebuild(); err != nil {
						return err
					}
				case "split":
					if len(e.args) != 2 || *names == "" || *reason == "" {
						return usagef("usage: spoor group split GROUP --names A,B --reason R")
					}
					from, err := find(e.args[1])
					if err != nil {
						return err
					}
					if g, err = st.SplitObject(ctx, from.ID, splitList(*names), *reason); err != nil {
						return err
					}
					if err := rebuild(); err != nil {
						return err
					}
				case "distinct":
					if len(e.args) != 3 || *reason == "" {
						return usagef("usage: spoor group distinct A B --reason R")
					}
					a, err := find(e.args[1])
					if err != nil {
						return err
					}
					b, err := find(e.args[2])
					if err != nil {
						return err
					}
					if err := st.MarkGroupsDistinct(ctx, a.ID, b.ID, *reason); err != nil {
						return err
					}
					g = a
				default:
					if g, err = find(strings.Join(e.args, " ")); err != nil {
						return err
					}
				}
				v, err := loadGroupView(ctx, st, g.ID)
				if err != nil {
					return err
				}
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, v)
				}
				return writeProfile(e.stdout, v)
			}
		},
	}
}

// groupView is a profile with the provenance of its aliases and its merge
// log, as the group command shows it.
type groupView struct {
	*intel.Profile
	AliasSources []intel.AliasInfo   `json:"alias_sources,omitempty"`
	Merges       []intel.MergeRecord `json:"merges,omitempty"`
	// Indicators are the most confident of the IndicatorTotal indicators
	// that events attributed to the group report.
	Indicators     []*intel.Indicator `json:"indicators,omitempty"`
	IndicatorTotal int                `json:"indicator_total"`
	// Mentions are the reports whose text names the group.
	Mentions []intel.DocumentMention `json:"mentions,omitempty"`
	// Fingerprint is the group's stored time, space and content profile;
	// absent when fingerprints were not built since the group was made.
	Fingerprint *fingerprint.View `json:"fingerprint,omitempty"`
}

func loadGroupView(ctx context.Context, st *store.Store, id int64) (*groupView, error) {
	p, err := st.FindProfile(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &groupView{Profile: p}
	if v.AliasSources, err = st.FindAliases(ctx, id); err != nil {
		return nil, err
	}
	if v.Merges, err = st.FindMerges(ctx, id); err != nil {
		return nil, err
	}
	if v.Indicators, v.IndicatorTotal, err = st.FindGroupIndicators(ctx, id, 20); err != nil {
		return nil, err
	}
	if v.Mentions, err = st.FindMentions(ctx, id); err != nil {
		return nil, err
	}
	fp, err := st.FindFingerprint(ctx, id)
	switch {
	case err == nil:
		prof, err := fingerprint.Decode(*fp)
		if err != nil {
			return nil, err
		}
		view := prof.View()
		v.Fingerprint = &view
	case intel.ErrorCode(err) != intel.CodeNotFound:
		return nil, err
	}
	return v, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func writeProfile(w io.Writer, v *groupView) error {
	p := v.Profile
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
	if v.IndicatorTotal > 0 {
		fmt.Fprintf(w, "\nindicators (%d; the %d most confident)\n", v.IndicatorTotal, len(v.Indicators))
		t := newTable(w, "TYPE", "VALUE", "CONFIDENCE", "LAST SEEN")
		for _, ind := range v.Indicators {
			t.row(string(ind.Type), clip(ind.Value, 70), fmt.Sprintf("%.2f", ind.Confidence), day(ind.LastSeen))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(v.AliasSources) > 0 && len(v.Merges) > 0 {
		fmt.Fprintf(w, "\nnames and their sources (%d)\n", len(v.AliasSources))
		t := newTable(w, "NAME", "SOURCES")
		for _, a := range v.AliasSources {
			t.row(a.Alias, strings.Join(a.Sources, "; "))
		}
		if err := t.flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "\nmerge log (%d)\n", len(v.Merges))
		t = newTable(w, "WHEN", "RULE", "SOURCE", "EVIDENCE", "BY")
		for _, m := range v.Merges {
			t.row(day(m.At), string(m.Rule), m.SourceName, clip(m.Evidence, 60), m.Login)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(v.Mentions) > 0 {
		fmt.Fprintf(w, "\nreports that mention it (%d)\n", len(v.Mentions))
		for _, m := range v.Mentions {
			fmt.Fprintf(w, "  %s  %s\n", clip(oneLine(m.Document.Title), 60), oneLine(m.Document.URL))
		}
	}
	if len(p.Documents) > 0 {
		fmt.Fprintf(w, "\ncited reports (%d)\n", len(p.Documents))
		for _, d := range p.Documents {
			fmt.Fprintf(w, "  %s  %s\n", clip(oneLine(d.Title), 60), oneLine(d.URL))
		}
	}
	return nil
}
