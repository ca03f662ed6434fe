package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/models"
)

func modelCmd() *command {
	return &command{
		name:  "model",
		usage: "list [--kind K] | pin ID | unpin KIND",
		short: "stored models (attribution, reputation): list them, pin the one to use",
		long: `Model shows the trained models stored in the base and chooses which one of a
kind is used:
  spoor model list [--kind attribution|reputation] [--format json]
  spoor model pin ID
  spoor model unpin KIND
list prints each model newest first with its encoding version, size, the
summary of what it was trained on, and which one of its kind is in use. The
newest model of a kind is used unless one is pinned: a pinned model stays in
use when newer ones are trained, until unpin. Servers pick the change up at
their next request. Pins are audited.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			kind := fs.String("kind", "", "list: only models of this kind")
			return func(ctx context.Context) error {
				if len(e.args) == 0 {
					return usagef("usage: spoor model list|pin|unpin …")
				}
				verb, rest := e.args[0], e.args[1:]
				switch {
				case verb == "list" && len(rest) == 0, verb == "pin" && len(rest) == 1, verb == "unpin" && len(rest) == 1:
				case verb == "list" || verb == "pin" || verb == "unpin":
					return usagef("usage: spoor model %s", map[string]string{"list": "list [--kind K]", "pin": "pin ID", "unpin": "unpin KIND"}[verb])
				default:
					return usagef("unknown model command %q: use list, pin or unpin", verb)
				}
				var id int64
				if verb == "pin" {
					var err error
					if id, err = strconv.ParseInt(rest[0], 10, 64); err != nil || id < 1 {
						return usagef("model ID %q is not a number (spoor model list shows them)", rest[0])
					}
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				switch verb {
				case "pin":
					m, err := models.Pin(ctx, st, id)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "model %d is the %s model in use until spoor model unpin %s\n", m.ID, m.Kind, m.Kind)
					return nil
				case "unpin":
					changed, err := st.UnpinModel(ctx, rest[0])
					if err != nil {
						return err
					}
					if !changed {
						fmt.Fprintf(e.stdout, "no %s model was pinned\n", rest[0])
						return nil
					}
					fmt.Fprintf(e.stdout, "the newest %s model is in use again\n", rest[0])
					return nil
				}
				models, err := models.List(ctx, st, *kind)
				if err != nil {
					return err
				}
				if e.cfg.Format == "json" {
					return printJSON(e.stdout, models)
				}
				t := newTable(e.stdout, "ID", "KIND", "ENCODING", "CREATED", "IN USE", "BYTES", "TRAINED ON")
				for _, m := range models {
					use := ""
					switch {
					case m.InUse && m.Pinned:
						use = "pinned"
					case m.InUse:
						use = "newest"
					case !m.Readable:
						use = "older encoding"
					}
					t.row(strconv.FormatInt(m.ID, 10), m.Kind, strconv.Itoa(m.Version), m.CreatedAt.UTC().Format("2006-01-02 15:04"),
						use, strconv.FormatInt(m.Bytes, 10), m.SummaryText())
				}
				return t.flush()
			}
		},
	}
}
