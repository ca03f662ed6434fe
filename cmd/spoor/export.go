package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/export"
	"github.com/spoor/spoor/internal/intel"
)

func exportCmd() *command {
	return &command{
		name:  "export",
		usage: "--format FORMAT [--group G] [--type T,…] [--since T] [--min-confidence X] [--tlp-max TLP] [--exclude-warninglisted] [--objects=false] [--flagged] [-o FILE]",
		short: "write indicators as STIX, MISP, CSV, block lists, DNS zones, IDS rules or Zeek intel",
		long: `Export writes the stored indicators that the filters select in one format
("spoor export formats" lists them) to standard output, or with -o to FILE,
which is replaced in one step (written beside it, then renamed), so a
resolver or sensor that reads it never sees half a file. A new file is
private (0600; the export may hold TLP:AMBER); an existing one keeps its
mode, so chmod it once for the daemon that reads it.

Filters: --group (name, alias or ATT&CK ID: indicators of its events and
STIX "indicates" links), --type (comma-separated), --since (a time, a date or
an age such as 30d: indicators seen or changed since), --min-confidence
(0..1), --tlp-max (unmarked counts as clear; groups above it are not named),
--exclude-warninglisted. The same store gives the same bytes: indicators are
sorted by type and value, identifiers are UUIDv5 of stored keys, and times
come from the store.

The STIX bundle also holds the STIX objects kept whole at import (identities,
locations, observables, pattern indicators, notes, custom x- objects, their
relationships, …) exactly as they came in, within --tlp-max (by their TLP
marking, else their source's) and --since; --objects=false, or a filter by
type, group, confidence or warninglist, leaves them out. A relationship goes
out only with both ends in the bundle (a group end under the ID the export
gives the group); the others are counted on standard error. An object flagged
at import (a property that is not what STIX says, a value that is not what its
path says, a pattern that does not parse) is left out and counted, with the
relationships to it, so that the bundle holds nothing known to be invalid;
--flagged writes them too, as they came in.

The MISP export is spoor's event of the selected indicators; when the store
keeps MISP events (every MISP import keeps its events whole: objects with
their templates and relations, tags, galaxies, sightings, proposals, event
reports), it is a list of events as MISP's JSON export writes it
({"response": [{"Event": …}, …]}): each kept event as it was imported (an
event that had no uuid gets the one the import derived), then spoor's event.
The same filters as for kept STIX objects apply; an event's TLP is its TLP
tag, else its source's, raised by the TLP tags of its attributes.

Suricata and Snort SIDs are drawn from --sid-base and --sid-count: a rule's
SID is the base plus a hash of what it matches, modulo the count, so it keeps
its SID from one export to the next; when two rules land on one SID, the one
written first keeps it and the other takes the next free SID. A rule's SID
thus moves only when a new rule that sorts before it lands on the same SID
(about n/count of n rules). The RPZ zone names no origin; --zone is the name
it is served under, which bounds the names in it.

What a format cannot carry (hashes in a DNS zone, a domain that is not a
host name) is left out and counted on standard error.`,
		flags: config.FlagDB,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			format := fs.String("format", "", "output format (spoor export formats lists them)")
			group := fs.String("group", "", "only indicators of this group (name, alias or ATT&CK ID)")
			types := fs.String("type", "", "only these indicator types, comma-separated (ipv4,cidr,domain,url,…)")
			since := fs.String("since", "", "only indicators seen or changed since: 2024-05-01, an RFC 3339 time, or 30d, 12h")
			minConf := fs.Float64("min-confidence", 0, "only indicators of at least this confidence, 0..1")
			tlpMax := fs.String("tlp-max", "", "only indicators marked at most this TLP: clear, green, amber, amber+strict, red")
			noWarn := fs.Bool("exclude-warninglisted", false, "leave out indicators on a warninglist or in a special range")
			objects := fs.Bool("objects", true, "STIX: also write the kept STIX objects, MISP: the kept MISP events, as imported (not with --type, --group, --min-confidence, --exclude-warninglisted)")
			flagged := fs.Bool("flagged", false, "STIX: also write the kept objects flagged at import (they may not be valid STIX)")
			var out string
			fs.StringVar(&out, "o", "", "write to this file (replaced atomically) instead of standard output")
			fs.StringVar(&out, "output", "", "same as -o")
			sidBase := fs.Int("sid-base", export.DefaultSIDBase, "first SID of Suricata and Snort rules")
			sidCount := fs.Int("sid-count", export.DefaultSIDCount, "how many SIDs the rules may use")
			zone := fs.String("zone", export.DefaultZone, "name the RPZ zone is served under")
			return func(ctx context.Context) error {
				if len(e.args) == 1 && e.args[0] == "formats" {
					t := newTable(e.stdout, "FORMAT", "WRITES")
					for _, f := range export.Formats() {
						t.row(f[0], f[1])
					}
					return t.flush()
				}
				if len(e.args) > 0 || *format == "" {
					return usagef("usage: spoor export --format FORMAT [flags]  (spoor export formats lists them)")
				}
				req := export.Request{Group: strings.TrimSpace(*group),
					Options: export.Options{SIDBase: *sidBase, SIDCount: *sidCount, Zone: *zone}}
				var err error
				if req.Format, err = export.ParseFormat(*format); err != nil {
					return err
				}
				if req.Filter, err = exportFilter(*types, *since, *minConf, *tlpMax, *noWarn); err != nil {
					return err
				}
				req.Filter.NoSTIXObjects = !*objects
				req.Filter.Flagged = *flagged
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				var stats *export.Stats
				write := func(w io.Writer) error {
					stats, err = export.Run(ctx, st, w, req)
					return err
				}
				if out == "" {
					err = write(e.stdout)
				} else {
					err = writeAtomic(out, write)
				}
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stderr, stats)
				return nil
			}
		},
	}
}

// exportFilter reads the filter flags.
func exportFilter(types, since string, minConf float64, tlpMax string, noWarn bool) (intel.ExportFilter, error) {
	f := intel.ExportFilter{MinConfidence: minConf, ExcludeWarninglisted: noWarn}
	for _, t := range splitList(types) {
		f.Types = append(f.Types, intel.IndicatorType(strings.ToLower(t)))
	}
	if since != "" {
		t, err := export.ParseSince(since, time.Now())
		if err != nil {
			return f, err
		}
		f.Since = t
	}
	if tlpMax != "" {
		t, err := intel.ParseTLP(tlpMax)
		if err != nil {
			return f, err
		}
		f.TLPMax = t
	}
	return f, f.Validate()
}

// writeAtomic writes a file through fn in one step: into a temporary file
// beside it, synced, then renamed over it, so readers see the old file or
// the new one, never a part. A failure leaves the old file as it was.
func writeAtomic(path string, fn func(io.Writer) error) (err error) {
	mode := fs.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return intel.Errorf(intel.CodeInvalid, "%s is not a regular file", path)
		}
		mode = fi.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("export: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return intel.Errorf(intel.CodeInvalid, "cannot write beside %s: %v", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := fn(tmp); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
