package main

import (
	"context"
	"flag"

	"github.com/spoor/spoor/internal/config"
)

func trainCmd() *command {
	return &command{
		name:  "train",
		usage: "reputation [--data CSV] [--out FILE] [--skip-bad] [--fpr 0.02]",
		short: "train a model: reputation (domain reputation from a labelled CSV)",
		long: `Train fits one of spoor's models and writes it where the commands that use
it look.

  spoor train reputation
                       the domain-reputation model from a labelled CSV with
                       the columns domain,label,category,family,rank,source
                       (plain or .gz): the binary and category GBDTs, the
                       character language models and the threshold for
                       --fpr, chosen on held-out families. A malformed row
                       is an error naming its line, unless --skip-bad.
                       Writes reputation-model.json.gz beside the database
                       (or --out), which spoor reputation then uses.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			rep := addTrainReputationFlags(fs)
			return func(ctx context.Context) error {
				if len(e.args) != 1 {
					return usagef("usage: spoor train reputation [--data CSV]")
				}
				switch e.args[0] {
				case "reputation":
					return trainReputation(ctx, e, rep)
				}
				return usagef("spoor train: unknown model %q (reputation)", e.args[0])
			}
		},
	}
}
