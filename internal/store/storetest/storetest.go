// Package storetest is the conformance suite every store backend runs:
// store/sqlite always, store/postgres when a test database is configured.
// Run takes a function that opens a fresh, empty, migrated store.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// Opener opens a fresh, empty store for one test and closes it when the
// test ends (t.Cleanup).
type Opener func(t *testing.T) *store.Store

// Run runs the conformance suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"Sources", testSources},
		{"Collection", testCollection}, {"RunProgress", testRunProgress},
		{"Secrets", testSecrets},
		{"Objects", testObjects}, {"ObjectFilters", testObjectFilters}, {"EventList", testEventList}, {"SourceEvents", testSourceEvents},
		{"ObjectPaging", testObjectPaging},
		{"Documents", testDocuments},
		{"Indicators", testIndicators}, {"IndicatorList", testIndicatorList}, {"ListSorts", testListSorts},
		{"Import", testImport},
		{"ImportIdempotent", testImportIdempotent},
		{"ImportRollback", testImportRollback}, {"ImportBatchedLinks", testImportBatchedLinks},
		{"ImportCancelled", testImportCancelled},
		{"Inactive", testInactive},
		{"Profile", testProfile},
		{"Search", testSearch},
		{"SearchHostile", testSearchHostile}, {"SearchBounded", testSearchBounded},
		{"Counts", testCounts}, {"CountsKept", testCountsKept},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"Tokens", testTokens},
		{"PasswordEndsSessions", testPasswordEndsSessions},
		{"LastAdmin", testLastAdmin},
		{"Audit", testAudit},
		{"STIXLinks", testSTIXLinks}, {"TAXIIState", testTAXIIState}, {"STIXObjects", testSTIXObjects}, {"ExportSTIXObjects", testExportSTIXObjects}, {"ExportMISPEvents", testExportMISPEvents},
		{"Merge", testMerge},
		{"ImportReport", testImportReport}, {"ReportTerms", testReportTerms}, {"ReportEntities", testReportEntities}, {"ReportEvents", testReportEvents}, {"ReportReread", testReportReread}, {"SourceMarks", testSourceMarks}, {"IndicatorOwnSource", testIndicatorOwnSource}, {"RunLeases", testRunLeases}, {"FetchState", testFetchState},
		{"InputRules", testInputRules},
		{"IOCImport", testIOCImport}, {"IOCImportIdempotent", testIOCImportIdempotent}, {"IOCImportRollback", testIOCImportRollback},
		{"IOCImportChunks", testIOCImportChunks}, {"IOCImportChunkRollback", testIOCImportChunkRollback},
		{"IOCImportDefersIndexes", testIOCImportDefersIndexes},
		{"GroupEvidence", testGroupEvidence},
		{"CitedReportEvents", testCitedReportEvents},
		{"RelatedGroupPairs", testRelatedGroupPairs},
		{"Models", testModels}, {"AttributionChecks", testAttributionChecks}, {"IOCEventTimes", testIOCEventTimes}, {"Fingerprints", testFingerprints}, {"CreateEvent", testCreateEvent}, {"DistinctGroups", testDistinctGroups},
		{"SchemaStatus", testSchemaStatus}, {"StuckRuns", testStuckRuns},
		{"Export", testExport}, {"ExportPaging", testExportPaging},
		{"Sightings", testSightings},
		{"Watches", testWatches},
		{"SightedSearch", testSightedSearch},
		{"SightedExport", testSightedExport},
		{"Whitelist", testWhitelist}, {"DomainReports", testDomainReports}, {"DomainEvidence", testDomainEvidence},
		{"DomainReputationStore", testDomainReputationStore},
		{"Forums", testForums}, {"ForumCrawl", testForumCrawl}, {"ForumEvents", testForumEvents}, {"ForumPostsMentioning", testForumPostsMentioning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open)
		})
	}
}

// ctxAs returns a context whose writes are made by the given actor.
func ctxAs(t *testing.T, userID int64, login string) context.Context {
	t.Helper()
	return intel.WithActor(t.Context(), intel.Actor{UserID: userID, Login: login})
}

// cmpOpts compare domain values: empty and nil slices are equal, and
// UpdatedAt/CreatedAt stamped by the store are checked separately.
var cmpOpts = []cmp.Option{
	cmpopts.EquateEmpty(),
	cmpopts.IgnoreFields(intel.Object{}, "UpdatedAt"),
	cmpopts.IgnoreFields(intel.Document{}, "CreatedAt", "UpdatedAt"),
	cmpopts.IgnoreFields(intel.Indicator{}, "CreatedAt", "UpdatedAt"),
}

func mustDiff(t *testing.T, what string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, append(opts, cmpOpts...)...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// wantCode fails the test unless err carries the intel error code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := intel.ErrorCode(err); got != code {
		t.Errorf("%s: error code = %q (%v), want %q", what, got, err, code)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// day returns midnight UTC of a date, a time that survives storage exactly.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// MustImport imports b or fails the test.
func MustImport(t testing.TB, s *store.Store, b *intel.Bundle) *intel.ImportStats {
	t.Helper()
	st, err := s.ImportBundle(context.Background(), b, nil)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return st
}

// MustFind finds the active object by name or fails the test.
func MustFind(t testing.TB, s *store.Store, kind intel.ObjectKind, name string) *intel.Object {
	t.Helper()
	o, err := s.FindObjectByName(context.Background(), kind, name)
	if err != nil {
		t.Fatalf("find %s %q: %v", kind, name, err)
	}
	return o
}
