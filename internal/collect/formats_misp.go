package collect

import (
	"context"
	"fmt"
	"io"
	"io/fs"
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

// feedMarks is the kind of source marks a MISP feed keeps: event UUID →
// the manifest timestamp last imported.
const feedMarks = "misp-feed"

// pullMISPFeed imports the events of a MISP feed (manifest.json and one
// <uuid>.json per event), from a directory or from the URL it is
// published at. Only events whose manifest timestamp is newer than at the
// source's last successful run are read; the others count as unchanged
// documents. The marks are saved once the import has committed. A feed
// a MISP server publishes to its users is read with the source's authkey
// option, sent as MISP's Authorization header.
func (c *Collector) pullMISPFeed(ctx context.Context, st Store, src *intel.Source, location string, progress func(int, int)) (*intel.ImportStats, error) {
	var fsys fs.FS
	if isURL(location) {
		authkey, err := c.reveal(src)("authkey")
		if err != nil {
			return nil, err
		}
		u, err := newURLFS(ctx, location, src.AllowPrivate, authkey)
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "source %q: bad feed URL %q: %v", src.Name, location, err)
		}
		fsys = u
	} else {
		dir, closer, err := c.files().OpenDir(location)
		if intel.ErrorCode(err) == intel.CodeForbidden {
			return nil, err
		}
		if err != nil {
			return nil, intel.Errorf(intel.CodeInvalid, "source %q: a MISP feed location is a directory or URL with manifest.json, not %q", src.Name, location)
		}
		defer closer.Close()
		fsys = dir
	}
	since := map[string]int64{}
	if src.ID != 0 {
		var err error
		if since, err = st.FindSourceMarks(ctx, src.ID, feedMarks); err != nil {
			return nil, err
		}
	}
	res, err := misp.ParseFeed(fsys, location, *src, since)
	if err != nil {
		return nil, err
	}
	stats, err := importEvents(ctx, st, &res.EventResult, location, progress)
	if err != nil {
		return nil, err
	}
	if res.Unchanged > 0 {
		c := stats.Count("document")
		c.Seen += res.Unchanged
		c.Unchanged += res.Unchanged
		what := "events"
		if res.Unchanged == 1 {
			what = "event"
		}
		stats.Warnings = append(stats.Warnings, fmt.Sprintf("%d %s not read: unchanged since the last run (manifest timestamps)", res.Unchanged, what))
	}
	if src.ID != 0 {
		if err := st.SaveSourceMarks(ctx, src.ID, feedMarks, res.Timestamps); err != nil {
			return nil, fmt.Errorf("source %q: save feed marks: %w", src.Name, err)
		}
	}
	return stats, nil
}

func importEvents(ctx context.Context, st Store, res *misp.EventResult, name string, progress func(int, int)) (*intel.ImportStats, error) {
	stats, err := st.ImportBundle(ctx, res.Bundle, progress)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	if res.Links != nil && res.Links.Len() > 0 {
		// The attributes' sightings, in a second idempotent transaction
		// as a STIX bundle's links are.
		links, err := st.ImportLinks(ctx, res.Links)
		if err != nil {
			return nil, fmt.Errorf("import %s: sightings: %w", name, err)
		}
		mergeStats(stats, links)
	}
	stats.Types = res.Types
	res.AddTo(stats)
	stats.Warnings = append(stats.Warnings, res.Notes...)
	if len(res.Ignored) > 0 {
		stats.Warnings = append(stats.Warnings, "not indicators: "+countList(res.Ignored))
	}
	return stats, nil
}

// runMISPGalaxy imports a galaxy cluster file. Country names in it are
// normalised with MISP's country cluster found beside it (the same
// directory or URL prefix), when there is one.
func (c *Collector) runMISPGalaxy(ctx context.Context, st Store, r io.Reader, name string, src *intel.Source, progress func(int, int)) (*intel.ImportStats, error) {
	countries, note := c.siblingCountries(ctx, name, src.AllowPrivate)
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
	stats.Warnings = append(stats.Warnings, res.Notes...)
	return stats, nil
}

// siblingCountries loads the country cluster that sits beside a cluster
// file: cluster-country.json[.gz] in a mirror, country.json upstream.
// It is read under the collector's rules, as the cluster was.
func (c *Collector) siblingCountries(ctx context.Context, name string, allowPrivate bool) (misp.Countries, string) {
	slash := strings.LastIndexAny(name, `/\`)
	dir, base := name[:slash+1], name[slash+1:]
	var candidates []string
	switch {
	case strings.HasPrefix(base, "cluster-"):
		candidates = []string{dir + "cluster-country.json.gz", dir + "cluster-country.json"}
	default:
		candidates = []string{dir + "country.json", dir + "country.json.gz"}
	}
	for _, cand := range candidates {
		if cand == name {
			continue
		}
		r, _, err := c.open(ctx, cand, allowPrivate)
		if err != nil {
			continue
		}
		countries, err := misp.ParseCountries(r, cand)
		r.Close()
		if err != nil {
			return nil, "country table " + cand + " unreadable: " + intel.ErrorMessage(err)
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
