package collect

import (
	"context"
	"fmt"
	"io"

	"github.com/spoor/spoor/internal/collect/taxii"
	"github.com/spoor/spoor/internal/intel"
)

// Formats returns the input formats spoor reads, by name, with the
// default credibility scheme for the publishers IOC lists name per row.
func Formats() map[string]Format { return NewCollector(nil, nil).Formats }

// formats returns the input formats, read through c where a format needs
// the collector's settings.
func (c *Collector) formats() map[string]Format {
	list := []Format{
		{Name: "stix", Kind: intel.SourceSTIX, Short: "STIX 2.1 bundle or one object (JSON, plain or gzip): ATT&CK, vendor bundles; every object modelled or kept whole", Run: runSTIX},
		{Name: "misp-event", Kind: intel.SourceMISP, Short: "MISP event JSON (one event or a list, with or without uuid): indicators, the event as a document, its galaxy groups, sightings; the event kept whole", Run: runMISPEvent},
		{Name: "misp-feed", Kind: intel.SourceMISP, Short: "MISP feed, a directory or URL (manifest.json + <uuid>.json events); reads only events changed since the last run; option authkey for a MISP server", Pull: c.pullMISPFeed},
		{Name: "misp-galaxy", Kind: intel.SourceMISP, Short: "MISP galaxy cluster (threat actors, tools, Malpedia…): groups merged on explicit cross-references", Run: c.runMISPGalaxy},
		{Name: "trail", Kind: intel.SourceIOCList, Short: "one indicator per line, # comments (maltrail style); options type=, tags=", Run: c.listFormat(readTrail)},
		{Name: "csv", Kind: intel.SourceIOCList, Short: "CSV with a header; options value=COLUMN (default value), type_column=, first_seen=, group=, …", Run: c.listFormat(readCSV)},
		{Name: "apt-iocs", Kind: intel.SourceIOCList, Short: "grouped APT IOC CSV (group, campaign, type, value, date, source): indicators and events", Run: c.listFormat(readAPTIOCs)},
		{Name: "sample", Kind: intel.SourceInternal, Short: "a PE sample, a lure PDF or Office (OOXML) document, or an e-mail, read and never run: its activity times (compile time, document dates, Date:), hashes and indicators as one event; option group= attributes it", Run: c.runSample},
		{Name: "report", Kind: intel.SourceReport, Short: "an HTML or PDF report (file or URL, fetched politely): text, indicators, named groups and software", Pull: c.pullReport},
		{Name: "taxii", Kind: intel.SourceTAXII, Short: "TAXII 2.1 collection (location: server URL; options api_root, collection, username, password, token)", Pull: c.pullTAXII},
	}
	m := make(map[string]Format, len(list))
	for _, f := range list {
		m[f.Name] = f
	}
	return m
}

func runSTIX(ctx context.Context, st Store, r io.Reader, name string, src *intel.Source, progress func(int, int)) (*intel.ImportStats, error) {
	res, err := ImportSTIX(ctx, st, r, name, *src, progress)
	if err != nil {
		return nil, err
	}
	// What the parser made of each type, and the pattern comparisons
	// that gave no value, are worth seeing in the run record.
	if len(res.Ignored) > 0 {
		res.Stats.Warnings = append(res.Stats.Warnings, "pattern comparisons without an indicator value (the patterns are kept): "+countList(res.Ignored))
	}
	res.Stats.Warnings = append(res.Stats.Warnings, res.Notes...)
	return res.Stats, nil
}

// pullTAXII pulls what a TAXII collection added since the last pull.
func (c *Collector) pullTAXII(ctx context.Context, st Store, src *intel.Source, location string, progress func(int, int)) (*intel.ImportStats, error) {
	if location != src.Location {
		return nil, intel.Errorf(intel.CodeInvalid, "a TAXII source reads from its server, not from %s", location)
	}
	cfg, err := taxii.ConfigFromSource(*src, c.reveal(src))
	if err != nil {
		return nil, err
	}
	// The download client refuses private addresses (redirects too)
	// unless the source allows them.
	res, err := taxii.Pull(ctx, downloadClient(src.AllowPrivate), cfg, st, st, progress)
	if err != nil {
		return nil, err
	}
	stats := res.Import
	if stats == nil {
		stats = &intel.ImportStats{}
	}
	mergeStats(stats, res.Links)
	stats.Warnings = append(stats.Warnings, fmt.Sprintf("pulled %d objects in %d pages", res.Objects, res.Pages))
	stats.Warnings = append(stats.Warnings, res.Notes...)
	return stats, nil
}
