package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
)

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func extractCmd() *command {
	return &command{
		name:  "extract",
		usage: "[--format jsonl|csv|text] [--types ipv4,domain,…] [--no-refang] [--warninglists] FILE|-",
		short: "find indicators (IPs, domains, URLs, hashes, CVEs, …) in text, defanged or not",
		long: `Extract streams FILE (or stdin) and prints every indicator it finds, with
its canonical value: refanged (hxxp → http, [.] → .), lower-cased where case
does not matter. With --format jsonl each line is exactly
{"type":…,"value":…,"raw":…,"offset":…}, offset being the byte offset of the
raw text in the input. --format csv adds the flags (private, documentation,
version-like, …) and the warninglist of each value.

--warninglists drops known-benign values (popular domains, public resolvers,
documentation ranges, example domains) and says on stderr how many each list
dropped; --warninglist FILE adds a list of your own (one value per line, or a
"rank,domain" CSV such as a Tranco list); --show-warned keeps the hits and names
their list in the csv and text formats.`,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			format := fs.String("format", "jsonl", "output: jsonl, csv or text")
			types := fs.String("types", "", "comma-separated types to report (default all): "+typeNames())
			noRefang := fs.Bool("no-refang", false, "report values exactly as written")
			useLists := fs.Bool("warninglists", false, "check the built-in warninglists")
			showWarned := fs.Bool("show-warned", false, "keep warninglist hits in the output, with the list's name")
			var listFiles listFlag
			fs.Var(&listFiles, "warninglist", "a warninglist file to check (repeatable)")
			return func(ctx context.Context) error {
				if len(e.args) != 1 {
					return usagef("usage: spoor extract [flags] FILE|-")
				}
				opts := ioc.DefaultOptions()
				opts.Refang = !*noRefang
				if *types != "" {
					set, err := ioc.ParseTypes(*types)
					if err != nil {
						return intel.Errorf(intel.CodeInvalid, "--types: %v", err)
					}
					opts.Types = set
				}
				if *useLists {
					opts.Warninglists = ioc.DefaultWarninglists()
				}
				for _, path := range listFiles {
					wl, err := loadWarninglist(ctx, path)
					if err != nil {
						return err
					}
					opts.Warninglists = append(opts.Warninglists, wl)
				}
				in, name, err := collect.Open(ctx, e.args[0], e.stdin)
				if err != nil {
					return err
				}
				defer in.Close()
				w, err := newMatchWriter(*format, e.stdout)
				if err != nil {
					return err
				}
				warned := map[string]int{}
				sc := ioc.NewScanner(in, opts)
				for sc.Scan() {
					m := sc.Match()
					if m.Warninglist != "" {
						warned[m.Warninglist]++
						if !*showWarned {
							continue
						}
					}
					if err := w.write(m); err != nil {
						return err
					}
				}
				if err := sc.Err(); err != nil {
					return intel.Errorf(intel.CodeInvalid, "read %s: %v", name, err)
				}
				if err := w.flush(); err != nil {
					return err
				}
				reportWarned(e.stderr, warned, *showWarned)
				return nil
			}
		},
	}
}

func typeNames() string {
	var names []string
	for _, t := range ioc.AllTypes() {
		names = append(names, t.String())
	}
	return strings.Join(names, ",")
}

func loadWarninglist(ctx context.Context, path string) (*ioc.Warninglist, error) {
	f, _, err := collect.Open(ctx, path, nil)
	if err != nil {
		return nil, fmt.Errorf("warninglist: %w", err)
	}
	defer f.Close()
	wl, err := ioc.LoadWarninglist(path, f)
	if err != nil {
		return nil, intel.Errorf(intel.CodeInvalid, "warninglist %s: %v", path, err)
	}
	return wl, nil
}

func reportWarned(w io.Writer, warned map[string]int, kept bool) {
	if len(warned) == 0 {
		return
	}
	var names []string
	for n := range warned {
		names = append(names, n)
	}
	sort.Strings(names)
	verb := "dropped"
	if kept {
		verb = "flagged"
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, warned[n])
	}
	fmt.Fprintf(w, "warninglists %s: %s\n", verb, strings.Join(parts, ", "))
}

// matchWriter prints matches in one output format.
type matchWriter struct {
	write func(ioc.Match) error
	flush func() error
}

// jsonlMatch is the exact JSONL contract: these four keys, in this order.
type jsonlMatch struct {
	Type   string `json:"type"`
	Value  string `json:"value"`
	Raw    string `json:"raw"`
	Offset int64  `json:"offset"`
}

func newMatchWriter(format string, out io.Writer) (*matchWriter, error) {
	bw := bufio.NewWriterSize(out, 64<<10)
	switch format {
	case "jsonl":
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		return &matchWriter{
			write: func(m ioc.Match) error {
				return enc.Encode(jsonlMatch{m.Type.String(), m.Value, m.Raw, m.Offset})
			},
			flush: bw.Flush,
		}, nil
	case "csv":
		cw := csv.NewWriter(bw)
		if err := cw.Write([]string{"type", "value", "raw", "offset", "flags", "warninglist"}); err != nil {
			return nil, err
		}
		return &matchWriter{
			write: func(m ioc.Match) error {
				return cw.Write([]string{m.Type.String(), m.Value, m.Raw, strconv.FormatInt(m.Offset, 10),
					strings.Join(m.Flags.Names(), "|"), m.Warninglist})
			},
			flush: func() error { cw.Flush(); return cmpErr(cw.Error(), bw.Flush()) },
		}, nil
	case "text":
		return &matchWriter{
			write: func(m ioc.Match) error {
				line := m.Type.String() + "\t" + oneLine(m.Value)
				if m.Warninglist != "" {
					line += "\t(warninglist: " + m.Warninglist + ")"
				}
				_, err := fmt.Fprintln(bw, line)
				return err
			},
			flush: bw.Flush,
		}, nil
	}
	return nil, usagef("unknown format %q: use jsonl, csv or text", format)
}

func cmpErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
