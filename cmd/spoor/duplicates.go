package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/fingerprint"
)

func duplicatesCmd() *command {
	return &command{
		name:  "duplicates",
		usage: "[--min 0.35] [--dimensions 3] [--dimension-min 0.5] [--format json]",
		short: "stored groups that may be one group: very similar across several dimensions",
		long: `Duplicates lists pairs of stored groups whose fingerprints agree on at
least --dimensions dimensions (each scoring at least --dimension-min) with a
combined score of at least --min, best first, with the evidence they share.
Pairs an analyst answered with "spoor group distinct" (or the Duplicates
page's "Not the same") are left out. Merge a pair with "spoor group merge".`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			rule := fingerprint.DefaultDuplicateRule()
			fs.Float64Var(&rule.Min, "min", rule.Min, "lowest combined score")
			fs.IntVar(&rule.Dimensions, "dimensions", rule.Dimensions, "how many dimensions must agree")
			fs.Float64Var(&rule.DimensionMin, "dimension-min", rule.DimensionMin, "the score at which a dimension agrees")
			return func(ctx context.Context) error {
				if len(e.args) != 0 {
					return usagef("usage: spoor duplicates [flags]")
				}
				if rule.Min < 0.05 || rule.Min > 1 || rule.DimensionMin < 0 || rule.DimensionMin > 1 || rule.Dimensions < 1 || rule.Dimensions > len(fingerprint.Dimensions) {
					return usagef("--min must be 0.05 to 1, --dimension-min 0 to 1, --dimensions 1 to %d", len(fingerprint.Dimensions))
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				_, fps, err := st.FindFingerprints(ctx)
				if err != nil {
					return err
				}
				ix, err := fingerprint.FromStored(fps)
				if err != nil {
					return err
				}
				distinct, err := st.FindDistinctGroups(ctx)
				if err != nil {
					return err
				}
				pairs := ix.DuplicateViews(rule, fingerprint.DefaultWeights(), distinct, 10)
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, map[string]any{"rule": rule, "pairs": pairs})
				}
				if len(pairs) == 0 {
					_, err := fmt.Fprintln(e.stdout, "no possible duplicates")
					return err
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SCORE\tGROUP\tGROUP\tWHY\tAGREEING DIMENSIONS\tSHARED (rarest first)")
				for _, p := range pairs {
					var dims, shared []string
					for d, v := range p.Dimensions {
						if v >= rule.DimensionMin {
							dims = append(dims, fmt.Sprintf("%s %.2f", d, v))
						}
					}
					sort.Strings(dims)
					for _, d := range fingerprint.Dimensions {
						for _, ev := range p.Shared[d] {
							shared = append(shared, ev.Value)
						}
					}
					fmt.Fprintf(tw, "%.3f\t%s (#%d)\t%s (#%d)\t%s\t%s\t%s\n", p.Score, clip(p.AName, 32), p.A, clip(p.BName, 32), p.B, p.Why,
						strings.Join(dims, ", "), clip(strings.Join(shared, ", "), 60))
				}
				return tw.Flush()
			}
		},
	}
}
