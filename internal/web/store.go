package web

import (
	"context"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
)

// Store is what the web layer reads and writes: the interfaces of its
// resources, each declared in the file of the handlers that use it. Users,
// sessions and tokens go through *auth.Service instead. Writes carry the
// acting user in their context (intel.WithActor) so the store audits them.
type Store interface {
	objectStore
	groupStore
	eventStore
	documentStore
	indicatorStore
	searchStore
	countStore
	auditStore
	bundleStore
	sourceStore
	readyStore
	analysisStore
	duplicateStore
	attributionStore
	stixObjectStore
	handlingStore
	watchStore
	reputationStore
	forumStore
	generationStore
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

// handlingStore records sightings and streams indicators for the TAXII
// server and the feeds (sightings.go, taxii.go, feeds.go).
type handlingStore interface {
	RecordSightings(ctx context.Context, sgs []*intel.Sighting) error
	FindGroupSightings(ctx context.Context, groupID int64) ([]intel.IndicatorSighting, error)
	ExportSummary(ctx context.Context, f intel.ExportFilter) (intel.ExportSummary, error)
	ExportIndicators(ctx context.Context, f intel.ExportFilter, fn func(*intel.ExportIndicator) error) error
	ExportSTIXObjects(ctx context.Context, f intel.ExportFilter, fn func(*intel.ExportSTIXObject) error) error
	ExportMISPEvents(ctx context.Context, f intel.ExportFilter, fn func(*intel.ExportSTIXObject) error) error
}
