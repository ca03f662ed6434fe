package web

import (
	"context"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
)

// Store is what the web layer reads and writes. Users, sessions and
// tokens go through *auth.Service instead. Writes carry the acting user
// in their context (intel.WithActor) so the store audits them.
type Store interface {
	FindObjectByID(ctx context.Context, id int64) (*intel.Object, error)
	FindObjects(ctx context.Context, f intel.ObjectFilter) (intel.Page[*intel.Object], error)
	CreateObject(ctx context.Context, o *intel.Object) error
	UpdateObject(ctx context.Context, id int64, u intel.ObjectUpdate) (*intel.Object, error)
	DeleteObject(ctx context.Context, id int64) error
	FindProfile(ctx context.Context, id int64) (*intel.Profile, error)
	FindObjectByName(ctx context.Context, kind intel.ObjectKind, name string) (*intel.Object, error)

	// Provenance of groups: where each name comes from, the source
	// records merged into a group and the log of how they got there.
	FindAliases(ctx context.Context, objectID int64) ([]intel.AliasInfo, error)
	FindRecords(ctx context.Context, objectID int64) ([]intel.ObjectRecord, error)
	FindMerges(ctx context.Context, objectID int64) ([]intel.MergeRecord, error)
	MergeObjects(ctx context.Context, keepID, mergeID int64, reason string) (*intel.Object, error)
	SplitObject(ctx context.Context, id int64, keysOrNames []string, reason string) (*intel.Object, error)
	FindTargets(ctx context.Context, objectID int64) ([]intel.Target, error)
	FindMentions(ctx context.Context, objectID int64) ([]intel.DocumentMention, error)
	FindGroupIndicators(ctx context.Context, objectID int64, limit int) ([]*intel.Indicator, int, error)

	FindEvents(ctx context.Context, f intel.EventFilter) (intel.Page[*intel.Event], error)
	FindEventByID(ctx context.Context, id int64) (*intel.Event, error)
	EventCounts(ctx context.Context) (intel.Counts, error)

	FindDocumentByID(ctx context.Context, id int64) (*intel.Document, error)
	FindDocuments(ctx context.Context, f intel.DocumentFilter) (intel.Page[*intel.Document], error)
	CreateDocument(ctx context.Context, d *intel.Document) error
	UpdateDocument(ctx context.Context, id int64, u intel.DocumentUpdate) (*intel.Document, error)
	DeleteDocument(ctx context.Context, id int64) error
	FindDocumentMentions(ctx context.Context, documentID int64) ([]intel.Mention, error)
	FindDocumentTerms(ctx context.Context, documentID int64) ([]intel.TermMention, error)
	FindDocumentIndicators(ctx context.Context, documentID int64) ([]intel.ReportIndicator, error)

	FindIndicatorByID(ctx context.Context, id int64) (*intel.Indicator, error)
	FindIndicators(ctx context.Context, f intel.IndicatorFilter) (intel.Page[*intel.Indicator], error)
	CreateIndicator(ctx context.Context, i *intel.Indicator) error
	UpdateIndicator(ctx context.Context, id int64, u intel.IndicatorUpdate) (*intel.Indicator, error)
	DeleteIndicator(ctx context.Context, id int64) error
	FindIndicatorSources(ctx context.Context, id int64) ([]intel.Provenance, error)
	FindSightings(ctx context.Context, indicatorID int64) ([]intel.Sighting, error)
	RecordSightings(ctx context.Context, sgs []*intel.Sighting) error
	ExportSummary(ctx context.Context, f intel.ExportFilter) (intel.ExportSummary, error)
	ExportIndicators(ctx context.Context, f intel.ExportFilter, fn func(*intel.ExportIndicator) error) error
	FindIndicatorRelations(ctx context.Context, objectID, indicatorID int64) ([]intel.IndicatorRelation, error)

	Search(ctx context.Context, q intel.SearchQuery) ([]intel.SearchHit, error)
	Counts(ctx context.Context) (intel.Counts, error)
	FindAudit(ctx context.Context, f intel.AuditFilter) (intel.Page[*intel.AuditEntry], error)

	// ImportBundle writes a bundle in one transaction: the Extract page
	// saves the indicators an analyst picked through it.
	ImportBundle(ctx context.Context, b *intel.Bundle, progress func(done, total int)) (*intel.ImportStats, error)

	FindSources(ctx context.Context) ([]*intel.Source, error)
	FindSourceByID(ctx context.Context, id int64) (*intel.Source, error)
	FindSourceByName(ctx context.Context, name string) (*intel.Source, error)
	UpdateSource(ctx context.Context, id int64, u intel.SourceUpdate) (*intel.Source, error)
	FindRuns(ctx context.Context, sourceID int64, limit int) ([]*intel.CollectionRun, error)
	FindLatestRuns(ctx context.Context) (map[int64]*intel.CollectionRun, error)

	// Ready reports whether the database answers and its migrations are
	// current (/readyz): nil, an internal error, or a user-facing reason.
	Ready(ctx context.Context) error
}

// Collector runs and defines sources; *collect.Collector is one. The
// Sources page and API call it exactly as `spoor source add` and
// `spoor collect` do. Without one (Deps.Collector nil) sources are shown
// read-only.
type Collector interface {
	// Define saves a source to collect later, scoring its credibility.
	Define(ctx context.Context, src *intel.Source) error
	// Collect reads a source once and records the run, which it returns
	// even when the run failed.
	Collect(ctx context.Context, src *intel.Source, opts collect.Options) (*intel.CollectionRun, error)
	// FormatNames lists the input formats, sorted.
	FormatNames() []string
	// CheckLocation refuses a server path the collector would not read
	// (outside its import directories).
	CheckLocation(location string) error
}
