package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/export"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
	"github.com/spoor/spoor/internal/match"
	"github.com/spoor/spoor/internal/notify"
)

func matchCmd() *command {
	return &command{
		name:  "match",
		usage: "[--format jsonl|text] [--record] [--since T] [--sensor NAME] [--allow FILE] [--warninglist FILE] FILE…|-",
		short: "find stored indicators in logs (access, DNS, Zeek, EVE JSON, syslog, CSV; plain or gzip)",
		long: `Match reads logs of any text shape — web proxy and access logs, DNS query
logs (BIND, dnsmasq, Zeek dns.log), Zeek TSV, JSON lines such as Suricata EVE,
syslog, CSV — plain or gzip-compressed, FILE by FILE ("-" is standard input),
and prints every line that holds a stored indicator: an IP address (also one
inside a stored CIDR range), a domain or one of its subdomains (never a longer
name: notevil.com does not match evil.com), a URL (scheme, host and default
port normalised; also a host and a path written in separate fields), an MD5,
SHA-1, SHA-256 or SHA-512 hash, an e-mail address. Values match as whole
tokens, never as substrings.

With --format jsonl (the default) each hit is one line
{"file","line","indicator":{"type","value"},"text","groups","sources","confidence"};
--format text prints file:line, the indicator and the line.

Indicators on a warninglist (as stored, on a built-in list, or on a
--warninglist FILE such as a Tranco list) and values of --allow FILE (one a
line; a domain allows its subdomains) never match; standard error counts
them by reason, with what was read and found. --since keeps indicators seen
or changed since a time (2024-05-01, RFC 3339, or an age such as 30d).

--record stores a sighting per indicator and log file: the number of lines
it was on, the time of the run, --sensor (default: this host's name) as
where it was seen, and the user ($USER) as who recorded it.`,
		flags: config.FlagDB,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			format := fs.String("format", "jsonl", "output: jsonl or text")
			record := fs.Bool("record", false, "store a sighting per indicator and log file")
			since := fs.String("since", "", "only indicators seen or changed since: 2024-05-01, an RFC 3339 time, or 30d, 12h")
			sensor := fs.String("sensor", "", "host or sensor the logs come from, for --record (default: this host's name)")
			var allowFiles, listFiles listFlag
			fs.Var(&allowFiles, "allow", "a file of values that never match, one a line (repeatable)")
			fs.Var(&listFiles, "warninglist", "a warninglist file whose values never match (repeatable)")
			return func(ctx context.Context) error {
				if len(e.args) == 0 {
					return usagef("usage: spoor match [flags] FILE…|-")
				}
				if *format != "jsonl" && *format != "text" {
					return usagef("--format: %q is not jsonl or text", *format)
				}
				f := intel.ExportFilter{Types: match.Types}
				if *since != "" {
					t, err := export.ParseSince(*since, time.Now())
					if err != nil {
						return err
					}
					f.Since = t
				}
				opts := match.Options{Warninglists: ioc.DefaultWarninglists()}
				for _, path := range listFiles {
					wl, err := loadWarninglist(ctx, path)
					if err != nil {
						return err
					}
					opts.Warninglists = append(opts.Warninglists, wl)
				}
				for _, path := range allowFiles {
					vals, err := readValues(path)
					if err != nil {
						return err
					}
					opts.Allow = append(opts.Allow, vals...)
				}
				who := strings.TrimSpace(e.getenv("USER"))
				if who == "" {
					who = intel.SystemActor.Login
				}
				where := strings.TrimSpace(*sensor)
				if where == "" {
					where, _ = os.Hostname()
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				b := match.NewBuilder(opts)
				if err := st.ExportIndicators(ctx, f, func(in *intel.ExportIndicator) error {
					b.AddExport(in)
					return nil
				}); err != nil {
					return err
				}
				ix := b.Index()
				out := bufio.NewWriterSize(e.stdout, 64<<10)
				enc := json.NewEncoder(out)
				sc := ix.NewScanner()
				var total match.Stats
				started := time.Now()
				var sightings []*intel.Sighting
				for _, name := range e.args {
					counts := map[int64]*intel.Sighting{}
					var order []int64
					stats, err := scanFile(ctx, sc, name, e.stdin, func(h *match.Hit) error {
						if *record {
							sg := counts[h.Indicator.ID]
							if sg == nil {
								sg = &intel.Sighting{IndicatorID: h.Indicator.ID, Sensor: where, LogFile: logName(name),
									Origin: intel.SightingMatch, Note: "spoor match"}
								counts[h.Indicator.ID] = sg
								order = append(order, h.Indicator.ID)
							}
							sg.Count++
						}
						if *format == "text" {
							groups := ""
							if len(h.Groups) > 0 {
								groups = " [" + strings.Join(h.Groups, ", ") + "]"
							}
							_, err := fmt.Fprintf(out, "%s:%d: %s %s%s: %s\n", oneLine(h.File), h.Line, h.Indicator.Type,
								oneLine(h.Indicator.Value), oneLine(groups), oneLine(h.Text))
							return err
						}
						return enc.Encode(h)
					})
					total.Add(stats)
					if err != nil {
						out.Flush()
						return err
					}
					for _, id := range order {
						sightings = append(sightings, counts[id])
					}
				}
				if err := out.Flush(); err != nil {
					return err
				}
				elapsed := time.Since(started)
				fmt.Fprintf(e.stderr, "match: %d indicators indexed (%s); %d files, %d bytes, %d lines in %s (%.0f MB/s); %d hits on %d lines\n",
					ix.Len(), countList(ix.Counts()), len(e.args), total.Bytes, total.Lines, elapsed.Round(time.Millisecond),
					float64(total.Bytes)/1e6/max(elapsed.Seconds(), 1e-9), total.Hits, total.LinesWithHit)
				if sk := ix.Skipped(); len(sk) > 0 {
					fmt.Fprintf(e.stderr, "match: never matched: %s\n", countList(sk))
				}
				if *record && len(sightings) > 0 {
					now := time.Now()
					for _, sg := range sightings {
						sg.SeenAt = now
					}
					rctx := intel.WithActor(ctx, intel.Actor{Login: who})
					if err := st.RecordSightings(rctx, sightings); err != nil {
						return err
					}
					notify.New(st, notify.Options{Sync: true, Logger: e.logger()}).Sighted(rctx, sightings)
					fmt.Fprintf(e.stderr, "match: recorded %d sightings (sensor %s)\n", len(sightings), oneLine(where))
				}
				return nil
			}
		},
	}
}

// scanFile scans one named log, "-" being stdin.
func scanFile(ctx context.Context, sc *match.Scanner, name string, stdin io.Reader, fn func(*match.Hit) error) (match.Stats, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return match.Stats{}, intel.Errorf(intel.CodeInvalid, "cannot read %s: %v", name, err)
		}
		defer f.Close()
		r = f
	}
	if err := ctx.Err(); err != nil {
		return match.Stats{}, err
	}
	var fnErr error
	st, err := sc.Scan(r, name, func(h *match.Hit) error {
		fnErr = fn(h)
		return fnErr
	})
	if err != nil && err != fnErr && intel.ErrorCode(err) == intel.CodeInternal {
		return st, intel.Errorf(intel.CodeInvalid, "read %v", err)
	}
	return st, err
}

// logName is the log file a sighting names: an absolute path, or stdin.
func logName(name string) string {
	if name == "-" {
		return "stdin"
	}
	if abs, err := filepath.Abs(name); err == nil {
		return abs
	}
	return name
}

// readValues reads one value a line, skipping blank lines and # comments.
func readValues(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "cannot read allow list %s: %v", path, err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, nil
}

// countList writes a count map as "a 3, b 1", sorted by key.
func countList[K ~string](m map[K]int) string {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
