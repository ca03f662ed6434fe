package collect

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spoor/spoor/internal/ioc"

	"github.com/spoor/spoor/internal/collect/ioclist"
	"github.com/spoor/spoor/internal/intel"
)

// Names of the warninglists screening adds from domain reputation.
const (
	PopularList   = "popular-domains"
	WhitelistList = "reputation-whitelist"
)

// screener is the screener of one list import: the built-in warninglists,
// and with c.Reputation the popular domains of its model and its
// whitelist as it stands now; nil leaves the parser its default.
func (c *Collector) screener(ctx context.Context) (*ioclist.Screener, error) {
	if c.Reputation == nil {
		return nil, nil
	}
	m, err := c.Reputation.ModelInUse(ctx)
	if err != nil {
		return nil, fmt.Errorf("screening: %w", err)
	}
	wl, err := c.Reputation.Whitelist(ctx)
	if err != nil {
		return nil, fmt.Errorf("screening: %w", err)
	}
	return ioclist.NewScreener(ioc.NewWarninglist(PopularList, m.PopularDomains()...),
		ioc.NewWarninglist(WhitelistList, wl.Domains()...)), nil
}

// listOptions are the ioclist options of a source: its own credibility
// for rows that name no publisher, the collector's scheme for those that
// do, and the tags and type its settings give.
func (c *Collector) listOptions(src *intel.Source) (ioclist.Options, intel.IndicatorType, error) {
	opts := ioclist.Options{Source: *src, SourceFor: c.publisher}
	if tags := src.Options["tags"]; tags != "" {
		for _, t := range strings.Split(tags, ",") {
			if t = strings.TrimSpace(t); t != "" {
				opts.Tags = append(opts.Tags, t)
			}
		}
	}
	want, err := ioclist.ParseType(src.Options["type"])
	if err != nil {
		return opts, "", intel.Errorf(intel.CodeInvalid, "source %q: option type: %v", src.Name, err)
	}
	return opts, want, nil
}

// publisher turns a row's publisher ("eset/malware-ioc", or a file of it:
// "eset/malware-ioc:winnti/README.adoc") into a source scored by the
// credibility scheme; "owner/repo" names a repository on GitHub.
func (c *Collector) publisher(name string) intel.Source {
	repo, _, _ := strings.Cut(name, ":")
	src := intel.Source{Name: repo, Kind: intel.SourceIOCList, TLP: intel.TLPClear}
	if strings.Count(repo, "/") == 1 && !strings.ContainsAny(repo, " .") {
		src.URL = "https://github.com/" + repo
	}
	src.Credibility, src.CredibilityReason = c.Credibility.Score(src.URL)
	return src
}

// listFormat adapts an ioclist reader to a Format's Run.
func (c *Collector) listFormat(read func(r io.Reader, name string, src *intel.Source, opts ioclist.Options, want intel.IndicatorType) (*intel.IndicatorBatch, error)) func(context.Context, Store, io.Reader, string, *intel.Source, func(int, int)) (*intel.ImportStats, error) {
	return func(ctx context.Context, st Store, r io.Reader, name string, src *intel.Source, progress func(int, int)) (*intel.ImportStats, error) {
		opts, want, err := c.listOptions(src)
		if err != nil {
			return nil, err
		}
		if opts.Screener, err = c.screener(ctx); err != nil {
			return nil, err
		}
		// The batch streams: the store reads the list as it writes it,
		// in runs of rows, so memory does not grow with the list.
		batch, err := read(r, name, src, opts, want)
		if err != nil {
			return nil, err
		}
		return st.ImportIndicators(ctx, batch, progress)
	}
}

func readTrail(r io.Reader, name string, _ *intel.Source, opts ioclist.Options, want intel.IndicatorType) (*intel.IndicatorBatch, error) {
	return ioclist.StreamTrail(r, name, want, opts), nil
}

func readAPTIOCs(r io.Reader, name string, _ *intel.Source, opts ioclist.Options, _ intel.IndicatorType) (*intel.IndicatorBatch, error) {
	return ioclist.StreamAPTIOCs(r, name, opts)
}

// readCSV maps columns from the source's options: value=, type=,
// first_seen=, last_seen=, tags=, description=, confidence=, tlp=, group=,
// campaign=, group_id=, source= name the header of each field.
func readCSV(r io.Reader, name string, src *intel.Source, opts ioclist.Options, want intel.IndicatorType) (*intel.IndicatorBatch, error) {
	o := src.Options
	m := ioclist.Mapping{
		Value: o["value"], Type: o["type_column"], FirstSeen: o["first_seen"], LastSeen: o["last_seen"],
		Tags: o["tags_column"], Description: o["description"], Confidence: o["confidence"], TLP: o["tlp"],
		Group: o["group"], Campaign: o["campaign"], GroupID: o["group_id"], Source: o["source"],
	}
	if m.Value == "" {
		m.Value = "value"
	}
	return ioclist.StreamCSV(r, name, m, want, opts)
}
