package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
)

func searchCmd() *command {
	return &command{
		name:  "search",
		usage: "[--kind K] [--limit N] QUERY...",
		short: "full-text search over groups, techniques, software, documents and indicators",
		long: `Search ranks groups, techniques, software, campaigns, documents and
indicators that match the words of QUERY, best first. Exact names, aliases
and ATT&CK IDs rank first. Words are taken literally.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			kind := fs.String("kind", "", "only this kind: group, technique, software, campaign, document or indicator")
			limit := fs.Int("limit", 20, "most results to show")
			return func(ctx context.Context) error {
				q := strings.Join(e.args, " ")
				if strings.TrimSpace(q) == "" {
					return usagef("usage: spoor search [flags] QUERY...")
				}
				query := intel.SearchQuery{Text: q, Limit: *limit}
				if *kind != "" {
					query.Kinds = []string{*kind}
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				hits, err := st.Search(ctx, query)
				if err != nil {
					return err
				}
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, hits)
				}
				if len(hits) == 0 {
					fmt.Fprintln(e.stdout, "no results")
					return nil
				}
				t := newTable(e.stdout, "KIND", "ID", "EXTERNAL", "TITLE", "SNIPPET")
				for _, h := range hits {
					snip := strings.NewReplacer(intel.HighlightStart, "", intel.HighlightEnd, "").Replace(h.Snippet)
					t.row(h.Kind, fmt.Sprint(h.ID), h.ExternalID, clip(h.Title, 40), clip(snip, 70))
				}
				return t.flush()
			}
		},
	}
}
