package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
)

func sourceCmd() *command {
	return &command{
		name:  "source",
		usage: "list|catalogue|runs|add|set [flags] [NAME]",
		short: "list, define and tune sources: credibility, schedule, last runs",
		long: `Source manages where intelligence comes from:
  spoor source list                       sources with credibility, schedule and last run
  spoor source catalogue                  the built-in public sources
  spoor source runs [NAME]                the latest collection runs
  spoor source add NAME --input-format F --location URL|PATH [--interval 24h] [--tlp T] [--allow-private] [--option K=V]…
  spoor source set NAME [--credibility X] [--interval D] [--enable|--disable] [--location L]
A new source's credibility is scored from its site; --credibility fixes it.`,
		flags: config.FlagDB | config.FlagFormat,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			format := fs.String("input-format", "", "input format of a new source (spoor import formats)")
			location := fs.String("location", "", "URL or path to collect from")
			interval := fs.Duration("interval", 0, "how often to collect (0: only on demand)")
			tlp := fs.String("tlp", "clear", "TLP marking of what the source provides")
			cred := fs.Float64("credibility", math.NaN(), "fix the credibility, 0..1")
			enable := fs.Bool("enable", false, "enable the source")
			disable := fs.Bool("disable", false, "disable the source")
			allowPrivate := fs.Bool("allow-private", false, "let crawlers fetch private addresses for this source")
			var options listFlag
			fs.Var(&options, "option", "a format setting KEY=VALUE, e.g. collection=… for TAXII (repeatable)")
			return func(ctx context.Context) error {
				if len(e.args) == 0 {
					return usagef("usage: spoor source list|catalogue|runs|add|set [NAME]")
				}
				verb, rest := e.args[0], e.args[1:]
				if verb == "catalogue" {
					t := newTable(e.stdout, "NAME", "FORMAT", "EVERY", "URL", "MIRROR")
					for _, c := range collect.Catalogue() {
						t.row(c.Name, c.Format, c.Interval.String(), c.URL, c.Mirror)
					}
					return t.flush()
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				switch verb {
				case "list":
					sources, err := st.FindSources(ctx)
					if err != nil {
						return err
					}
					latest, err := st.FindLatestRuns(ctx)
					if err != nil {
						return err
					}
					if e.cfg.Format == "json" {
						return printJSON(e.stdout, sources)
					}
					t := newTable(e.stdout, "NAME", "FORMAT", "CRED", "WHY", "EVERY", "NEXT", "LAST RUN", "STATUS")
					for _, s := range sources {
						last, status := "-", "-"
						if r := latest[s.ID]; r != nil {
							last, status = r.StartedAt.UTC().Format("2006-01-02 15:04"), r.Status
						}
						every := "manual"
						if s.Interval > 0 {
							every = time.Duration(s.Interval).String()
						}
						if !s.Enabled {
							every += " (disabled)"
						}
						t.row(s.Name, s.Format, fmt.Sprintf("%.1f", s.Credibility), clip(s.CredibilityReason, 40), every,
							day(s.NextRunAt), last, status)
					}
					return t.flush()
				case "runs":
					var id int64
					if len(rest) == 1 {
						src, err := st.FindSourceByName(ctx, rest[0])
						if err != nil {
							return err
						}
						id = src.ID
					}
					runs, err := st.FindRuns(ctx, id, 20)
					if err != nil {
						return err
					}
					return printRuns(e, runs)
				case "add":
					if len(rest) != 1 || *format == "" || *location == "" {
						return usagef("usage: spoor source add NAME --input-format F --location URL|PATH [--interval D]")
					}
					marking, err := intel.ParseTLP(*tlp)
					if err != nil {
						return err
					}
					src := &intel.Source{Name: rest[0], Format: *format, Location: *location, Interval: intel.Duration(*interval),
						TLP: marking, Enabled: !*disable, AllowPrivate: *allowPrivate}
					for _, kv := range options {
						k, v, ok := strings.Cut(kv, "=")
						if !ok || k == "" {
							return usagef("--option %q: want KEY=VALUE", kv)
						}
						if src.Options == nil {
							src.Options = map[string]string{}
						}
						src.Options[k] = v
					}
					if isURL(*location) {
						src.URL = *location
					}
					c, err := e.collector(st, "")
					if err != nil {
						return err
					}
					if err := c.Define(ctx, src); err != nil {
						return err
					}
					if !math.IsNaN(*cred) {
						if _, err := st.UpdateSource(ctx, src.ID, intel.SourceUpdate{Credibility: cred}); err != nil {
							return err
						}
					}
					fmt.Fprintf(e.stdout, "source %q added (credibility %.1f: %s)\n", src.Name, src.Credibility, src.CredibilityReason)
					return nil
				case "set":
					if len(rest) != 1 {
						return usagef("usage: spoor source set NAME [flags]")
					}
					src, err := st.FindSourceByName(ctx, rest[0])
					if err != nil {
						return err
					}
					var u intel.SourceUpdate
					if !math.IsNaN(*cred) {
						u.Credibility = cred
					}
					if isFlagSet(fs, "interval") {
						d := intel.Duration(*interval)
						u.Interval = &d
					}
					if *enable || *disable {
						on := *enable
						u.Enabled = &on
					}
					if isFlagSet(fs, "location") {
						u.Location = location
					}
					if isFlagSet(fs, "allow-private") {
						u.AllowPrivate = allowPrivate
					}
					if isFlagSet(fs, "tlp") {
						marking, err := intel.ParseTLP(*tlp)
						if err != nil {
							return err
						}
						u.TLP = &marking
					}
					src, err = st.UpdateSource(ctx, src.ID, u)
					if err != nil {
						return err
					}
					if e.cfg.Format == "json" {
						return printJSON(e.stdout, src)
					}
					fmt.Fprintf(e.stdout, "source %q: credibility %.1f (%s), every %v, enabled %v\n",
						src.Name, src.Credibility, src.CredibilityReason, time.Duration(src.Interval), src.Enabled)
					return nil
				}
				return usagef("unknown source command %q: use list, catalogue, runs, add or set", verb)
			}
		},
	}
}

// logRun logs how a scheduled run ended.
func logRun(log *slog.Logger) func(*intel.CollectionRun, error) {
	return func(r *intel.CollectionRun, err error) {
		if err != nil {
			log.Error("scheduler", "err", err)
			return
		}
		tot := r.Totals()
		if r.Status == intel.RunFailed {
			log.Warn("collection failed", "source_id", r.SourceID, "run_id", r.ID, "error", r.Error)
			return
		}
		log.Info("collected", "source_id", r.SourceID, "run_id", r.ID, "created", tot.Created, "updated", tot.Updated, "rejected", tot.Rejected)
	}
}
