package report

import (
	"io"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
)

// ImportOptions control how a read report becomes a store import.
type ImportOptions struct {
	// Source published the report; its credibility is the indicators'
	// confidence and its TLP their marking. A zero Source is allowed.
	Source intel.Source
	// TLP marks the document; empty takes the source's.
	TLP intel.TLP
	// KeepSpecial keeps indicators in private, loopback, link-local,
	// multicast, reserved and documentation ranges, version-like IPv4 and
	// warninglisted values. By default they are left out: in a report they
	// are examples ("203.0.113.7"), lab addresses or software versions,
	// not attacker infrastructure.
	KeepSpecial bool
	// Now stamps first/last seen of the indicators when the report has no
	// publication date; nil means time.Now.
	Now func() time.Time
}

// specialFlags are the flags that make an indicator an example, not an
// observation.
const specialFlags = ioc.FlagPrivate | ioc.FlagLoopback | ioc.FlagLinkLocal | ioc.FlagMulticast |
	ioc.FlagReserved | ioc.FlagDocumentation | ioc.FlagVersionLike

// BuildImport turns a read report and its analysis into what the store
// writes with Store.ImportReport: the document, the indicators (seen at
// the report's publication date), the mentions of objects (entries with
// an ObjectID) and the countries and sectors it names (Terms).
func BuildImport(doc *Document, a *Analysis, opts ImportOptions) *intel.ReportImport {
	tlp := opts.TLP
	if tlp == "" {
		tlp = opts.Source.TLP
	}
	seen := doc.Published
	if seen.IsZero() {
		if opts.Now != nil {
			seen = opts.Now()
		} else {
			seen = time.Now()
		}
	}
	imp := &intel.ReportImport{
		Source: opts.Source,
		Document: intel.Document{
			Title:       doc.Title,
			URL:         doc.URL,
			Published:   doc.Published,
			Text:        doc.Text,
			ContentHash: doc.ContentHash,
			TLP:         tlp,
		},
	}
	// The input rules: a title with control characters, a URL of another
	// scheme, is repaired or dropped with a note. (A title left empty is
	// the store's error to give.)
	imp.Notes, _ = imp.Document.Tidy()
	for _, h := range a.Indicators {
		if !opts.KeepSpecial && h.Flags&specialFlags != 0 {
			continue
		}
		typ := intel.IndicatorType(h.Type.String())
		if !typ.Valid() {
			continue
		}
		imp.Indicators = append(imp.Indicators, intel.ReportIndicator{
			Indicator: intel.Indicator{
				Type:       typ,
				Value:      h.Value,
				FirstSeen:  seen,
				LastSeen:   seen,
				Confidence: opts.Source.Credibility,
				TLP:        tlp,
			},
			Count:       h.Count,
			FirstOffset: h.Offsets[0],
		})
	}
	for _, m := range a.Mentions {
		if m.Kind == intel.EntryCountry || m.Kind == intel.EntrySector {
			imp.Terms = append(imp.Terms, intel.TermMention{Kind: m.Kind, Key: m.Key, Name: m.Name, Count: m.Count,
				FirstOffset: m.Offsets[0]})
			continue
		}
		if m.ObjectID == 0 {
			continue
		}
		imp.Mentions = append(imp.Mentions, intel.Mention{
			ObjectID:    m.ObjectID,
			Name:        m.Name,
			Count:       m.Count,
			FirstOffset: m.Offsets[0],
		})
	}
	return imp
}

// Process reads a report of any supported format from r, analyses its text
// against known (nil for indicators only) and builds the store import. It
// is the one path the CLI, the API and the crawler share:
//
//	imp, a, err := report.Process(r, name, url, contentType, known, readOpts, importOpts)
//	stats, err := store.ImportReport(ctx, imp)
func Process(r io.Reader, name, pageURL, contentType string, known *Known, ro Options, imo ImportOptions) (*intel.ReportImport, *Analysis, error) {
	doc, err := Read(r, name, pageURL, contentType, ro)
	if err != nil {
		return nil, nil, err
	}
	a := Analyze(doc.Text, known)
	return BuildImport(doc, a, imo), a, nil
}
