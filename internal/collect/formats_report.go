package collect

import (
	"bytes"
	"context"
	"fmt"

	"github.com/spoor/spoor/internal/collect/crawl"
	"github.com/spoor/spoor/internal/collect/report"
	"github.com/spoor/spoor/internal/intel"
)

// pullReport reads one report: a URL through the polite crawler (robots,
// rate limit, conditional GET, no private addresses unless the source
// allows them), or a file; then links its text to the base's names, reads
// it with the built-in models (entities, techniques) and stores it with
// its indicators, mentions, entities and techniques in one transaction.
func (c *Collector) pullReport(ctx context.Context, st Store, src *intel.Source, location string, _ func(int, int)) (*intel.ImportStats, error) {
	dict, err := st.MentionDictionary(ctx)
	if err != nil {
		return nil, err
	}
	known := report.NewKnown(append(dict, report.Vocabulary()...))
	ro := report.Options{PDFToText: c.PDFToText}
	imo := report.ImportOptions{Source: *src}

	var imp *intel.ReportImport
	if isURL(location) {
		f := c.reportFetcher(st, src.AllowPrivate)
		resp, err := f.Fetch(ctx, location)
		if err != nil {
			return nil, err
		}
		if resp.NotModified {
			stats := &intel.ImportStats{}
			stats.Count("document").Seen = 1
			stats.Count("document").Unchanged = 1
			stats.Warnings = append(stats.Warnings, "not modified since the last fetch")
			return stats, nil
		}
		imp, _, err = report.Process(bytes.NewReader(resp.Body), resp.URL, resp.URL, resp.ContentType, known, ro, imo)
		if err != nil {
			return nil, err
		}
	} else {
		fh, err := c.files().Open(location)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		imp, _, err = report.Process(fh, location, "", "", known, ro, imo)
		if err != nil {
			return nil, err
		}
	}
	if err := readReport(imp, known); err != nil {
		return nil, err
	}
	stats, err := st.ImportReport(ctx, imp)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", location, err)
	}
	stats.Warnings = append(stats.Warnings, imp.Notes...)
	return stats, nil
}

// reportFetcher returns the collector's polite fetcher for report pages,
// built once per private-address setting, so that robots.txt verdicts and
// the per-host pace carry over from one report (and run) to the next.
func (c *Collector) reportFetcher(st Store, allowPrivate bool) *crawl.Fetcher {
	i := 0
	if allowPrivate {
		i = 1
	}
	c.fetchersOnce[i].Do(func() {
		c.fetchers[i] = crawl.New(crawl.Options{Cache: crawl.StoreCache(st, nil), AllowPrivate: allowPrivate})
	})
	return c.fetchers[i]
}

func isURL(s string) bool {
	return len(s) > 8 && (s[:7] == "http://" || s[:8] == "https://")
}
