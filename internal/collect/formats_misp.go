package collect

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spoor/spoor/internal/collect/misp"
	"github.com/spoor/spoor/internal/intel"
)

// runMISPEvent imports a MISP event file (one event or a list).
func runMISPEvent(ctx context.Context, st Store, r io.Reader, name string, src *intel.Source, progress func(int, int)) (*intel.ImportStats, error) {
	res, err := misp.ParseEvent(r, name, *src)
	if err != nil {
		return nil, err
	}
	return importEvents(ctx, st, res, name, progress)
}

// pullMISPFeed imports the events of a MISP feed directory (manifest.json
// and one <uuid>.json per event).
func pullMISPFeed(ctx context.Context, st Store, src *intel.Source, location string, progress func(int, int)) (*intel.ImportStats, error) {
	if fi, err := os.Stat(location); err != nil || !fi.IsDir() {
		return nil, intel.Errorf(intel.CodeInvalid, "source %q: a MISP feed location is a directory with manifest.json, not %q", src.Name, location)
	}
	// Every event is read each time: the import is idempotent, and the
	// manifest's timestamps only save parsing.
	res, err := misp.ParseFeed(os.DirFS(location), location, *src, nil)
	if err != nil {
		return nil, err
	}
	return importEvents(ctx, st, &res.EventResult, location, progress)
}

func importEvents(ctx context.Context, st Store, res *misp.EventResult, name string, progress func(int, int)) (*intel.ImportStats, error) {
	stats, err := st.ImportBundle(ctx, res.Bundle, progress)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	res.AddTo(stats)
	if len(res.Ignored) > 0 {
		stats.Warnings = append(stats.Warnings, "not indicators: "+countList(res.Ignored))
	}
	return stats, nil
}

// runMISPGalaxy imports a galaxy cluster file. Country names in it are
// normalised with MISP's country cluster found beside it (the same
// directory or URL prefix), when there is one.
func runMISPGalaxy(ctx context.Context, st Store, r io.Reader, name string, src *intel.Source, progress func(int, int)) (*intel.ImportStats, error) {
	countries, note := siblingCountries(ctx, name)
	res, err := misp.ParseCluster(r, name, *src, countries)
	if err != nil {
		return nil, err
	}
	stats, err := st.ImportBundle(ctx, res.Bundle, progress)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	if note != "" {
		stats.Warnings = append(stats.Warnings, note)
	}
	return stats, nil
}

// siblingCountries loads the country cluster that sits beside a cluster
// file: cluster-country.json[.gz] in a mirror, country.json upstream.
func siblingCountries(ctx context.Context, name string) (misp.Countries, string) {
	slash := strings.LastIndexAny(name, `/\`)
	dir, base := name[:slash+1], name[slash+1:]
	var candidates []string
	switch {
	case strings.HasPrefix(base, "cluster-"):
		candidates = []string{dir + "cluster-country.json.gz", dir + "cluster-country.json"}
	default:
		candidates = []string{dir + "country.json", dir + "country.json.gz"}
	}
	for _, c := range candidates {
		if c == name {
			continue
		}
		r, _, err := Open(ctx, c, nil)
		if err != nil {
			continue
		}
		countries, err := misp.ParseCountries(r, c)
		r.Close()
		if err != nil {
			return nil, "country table " + c + " unreadable: " + intel.ErrorMessage(err)
		}
		return countries, ""
	}
	return nil, "no country cluster beside " + name + ": country names kept as ISO codes only"
}

// countList writes "a 2, b 1" in key order.
func countList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
