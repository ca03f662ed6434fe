package storetest

import (
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// stixBundle is what stix.Parse makes of a small vendor bundle: a group
// and its malware, two indicators from one STIX indicator, a report, and
// the links ImportLinks writes after ImportBundle.
func stixBundle() (*intel.Bundle, *intel.BundleLinks) {
	t0 := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	src := intel.Source{Name: "ACME TAXII", Kind: intel.SourceTAXII, Credibility: 0.5, TLP: intel.TLPGreen}
	b := &intel.Bundle{
		Source: src,
		Objects: []intel.Object{
			{Kind: intel.KindGroup, StixID: "intrusion-set--ember", Name: "Ember Bear", Country: "RU", Created: t0, Modified: t0},
			{Kind: intel.KindSoftware, StixID: "malware--wg", Name: "WhisperGate", SoftwareType: "malware", Created: t0, Modified: t0},
		},
		Indicators: []intel.Indicator{
			{Type: intel.IndicatorDomain, Value: "c2.example.com", Description: "C2", FirstSeen: t0, Confidence: 0.4},
			{Type: intel.IndicatorIPv4, Value: "198.51.100.1", Description: "C2", FirstSeen: t0, Confidence: 0.4},
		},
		Documents: []intel.Document{{Title: "Ember Bear wipes", URL: "https://blog.example.com/ember", Published: t0}},
	}
	l := &intel.BundleLinks{
		Source: src,
		Indicators: []intel.STIXIndicator{{StixID: "indicator--c2", Keys: []intel.IndicatorKey{
			{Type: intel.IndicatorDomain, Value: "c2.example.com"}, {Type: intel.IndicatorIPv4, Value: "198.51.100.1"},
			{Type: intel.IndicatorMD5, Value: "d41d8cd98f00b204e9800998ecf8427e"}, // not in the bundle: rejected
		}}},
		Indicates: []intel.IndicatorLink{
			{StixID: "relationship--ind", Type: "indicates", IndicatorRef: "indicator--c2", ObjectRef: "intrusion-set--ember"},
			// Its target arrives later: kept, and resolved once it does.
			{StixID: "relationship--later", Type: "indicates", IndicatorRef: "indicator--c2", ObjectRef: "malware--later"},
		},
		Reports: []intel.ReportLink{{Title: "Ember Bear wipes", URL: "https://blog.example.com/ember",
			ObjectRefs: []string{"intrusion-set--ember", "malware--wg"}, IndicatorRefs: []string{"indicator--c2"}}},
		Targets: []intel.Target{
			{ObjectRef: "intrusion-set--ember", StixID: "relationship--t1", Kind: intel.TargetCountry, Value: "DE"},
			{ObjectRef: "intrusion-set--ember", StixID: "relationship--t2", Kind: intel.TargetSector, Value: "energy"},
		},
		Sightings: []intel.Sighting{
			{StixID: "sighting--1", IndicatorRef: "indicator--c2", SeenAt: t0.Add(48 * time.Hour), FirstSeen: t0.Add(24 * time.Hour),
				LastSeen: t0.Add(48 * time.Hour), Count: 7, Where: []string{"Example GmbH", "DE"}, Note: "reported by ACME"},
			{StixID: "sighting--2", IndicatorRef: "indicator--unknown", SeenAt: t0, Count: 1},
		},
	}
	return b, l
}

func testSTIXLinks(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	b, l := stixBundle()

	if _, err := s.ImportLinks(ctx, l); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("ImportLinks before ImportBundle: err = %v, want invalid (source not stored)", err)
	}
	_, err := s.ImportBundle(ctx, b, nil)
	must(t, "import bundle", err)
	st, err := s.ImportLinks(ctx, l)
	must(t, "import links", err)
	mustDiff(t, "first import counts", map[string]*intel.ImportCount{
		"stix-indicator": counts(3, 2, 0, 0, 0, 1),
		"indicates":      counts(2, 2, 0, 0, 0, 0),
		"report-ref":     counts(3, 3, 0, 0, 0, 0),
		"target":         counts(2, 2, 0, 0, 0, 0),
		"sighting":       counts(3, 2, 0, 0, 0, 1), // one per yielded indicator; the unknown one is rejected
	}, st.Counts)
	if len(st.Warnings) != 2 {
		t.Errorf("warnings = %q, want the MD5 and the unknown sighting", st.Warnings)
	}

	// Re-import: nothing changes.
	st, err = s.ImportLinks(ctx, l)
	must(t, "re-import links", err)
	mustDiff(t, "re-import counts", map[string]*intel.ImportCount{
		"stix-indicator": counts(3, 0, 0, 2, 0, 1),
		"indicates":      counts(2, 0, 0, 2, 0, 0),
		"report-ref":     counts(3, 0, 0, 3, 0, 0),
		"target":         counts(2, 0, 0, 2, 0, 0),
		"sighting":       counts(3, 0, 0, 2, 0, 1),
	}, st.Counts)

	ember := MustFind(t, s, intel.KindGroup, "Ember Bear")
	wg := MustFind(t, s, intel.KindSoftware, "WhisperGate")
	dom, err := s.FindIndicators(ctx, intel.IndicatorFilter{Type: intel.IndicatorDomain, Value: "c2.example.com"})
	must(t, "find domain", err)
	ip, err := s.FindIndicators(ctx, intel.IndicatorFilter{Type: intel.IndicatorIPv4, Value: "198.51.100.1"})
	must(t, "find ip", err)
	if len(dom.Items) != 1 || len(ip.Items) != 1 {
		t.Fatalf("indicators: %d domains, %d IPs", len(dom.Items), len(ip.Items))
	}
	domID, ipID := dom.Items[0].ID, ip.Items[0].ID
	src, err := s.FindSourceByName(ctx, "ACME TAXII")
	must(t, "find source", err)

	rels, err := s.FindIndicatorRelations(ctx, ember.ID, 0)
	must(t, "indicator relations of the group", err)
	first, second := min(domID, ipID), max(domID, ipID)
	mustDiff(t, "indicators of Ember Bear", []intel.IndicatorRelation{
		{IndicatorID: first, ObjectID: ember.ID, Type: "indicates", SourceID: src.ID},
		{IndicatorID: second, ObjectID: ember.ID, Type: "indicates", SourceID: src.ID},
	}, rels)
	rels, err = s.FindIndicatorRelations(ctx, 0, ipID)
	must(t, "relations of the IP", err)
	mustDiff(t, "objects the IP indicates", []intel.IndicatorRelation{
		{IndicatorID: ipID, ObjectID: ember.ID, Type: "indicates", SourceID: src.ID}}, rels)
	if _, err := s.FindIndicatorRelations(ctx, 0, 0); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("relations of nothing: err = %v, want invalid", err)
	}

	targets, err := s.FindTargets(ctx, ember.ID)
	must(t, "targets", err)
	mustDiff(t, "victims of Ember Bear", []intel.Target{
		{ObjectID: ember.ID, ObjectRef: "intrusion-set--ember", StixID: "relationship--t1", Kind: "country", Value: "DE", SourceID: src.ID},
		{ObjectID: ember.ID, ObjectRef: "intrusion-set--ember", StixID: "relationship--t2", Kind: "sector", Value: "energy", SourceID: src.ID},
	}, targets)

	docs, err := s.FindDocuments(ctx, intel.DocumentFilter{Limit: 10})
	must(t, "documents", err)
	if len(docs.Items) != 1 {
		t.Fatalf("documents = %d, want the report", len(docs.Items))
	}
	objs, inds, err := s.FindReportCoverage(ctx, docs.Items[0].ID)
	must(t, "report coverage", err)
	mustDiff(t, "report objects", []int64{min(ember.ID, wg.ID), max(ember.ID, wg.ID)}, objs)
	mustDiff(t, "report indicators", []int64{first, second}, inds)
	// The report also became a citation of the objects it covers.
	prof, err := s.FindProfile(ctx, ember.ID)
	must(t, "profile", err)
	if len(prof.Documents) != 1 || prof.Documents[0].Title != "Ember Bear wipes" {
		t.Errorf("profile documents = %+v, want the report", prof.Documents)
	}

	sights, err := s.FindSightings(ctx, ipID)
	must(t, "sightings", err)
	if len(sights) != 1 {
		t.Fatalf("sightings of the IP = %+v, want one", sights)
	}
	t0 := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	mustDiff(t, "sighting", intel.Sighting{ID: sights[0].ID, IndicatorID: ipID, SeenAt: t0.Add(48 * time.Hour), Count: 7,
		SourceID: src.ID, Note: "reported by ACME", StixID: "sighting--1", FirstSeen: t0.Add(24 * time.Hour),
		LastSeen: t0.Add(48 * time.Hour), Where: []string{"Example GmbH", "DE"}, Origin: intel.SightingSTIX,
		RecordedBy: intel.ActorFrom(ctx).Login, RecordedAt: sights[0].RecordedAt}, sights[0])

	// A later pull updates the sighting and brings the missing malware:
	// the early indicates link now resolves.
	l.Sightings = l.Sightings[:1]
	l.Sightings[0].Count = 9
	st, err = s.ImportLinks(ctx, l)
	must(t, "update sighting", err)
	mustDiff(t, "updated sighting counts", counts(2, 0, 2, 0, 0, 0), st.Counts["sighting"])
	sights, err = s.FindSightings(ctx, domID)
	must(t, "sightings after update", err)
	if len(sights) != 1 || sights[0].Count != 9 {
		t.Errorf("sightings after update = %+v, want one with count 9", sights)
	}
	later := &intel.Bundle{Source: b.Source, Objects: []intel.Object{{Kind: intel.KindSoftware, StixID: "malware--later",
		Name: "Later Wiper", Created: t0, Modified: t0}}}
	_, err = s.ImportBundle(ctx, later, nil)
	must(t, "import later malware", err)
	lw := MustFind(t, s, intel.KindSoftware, "Later Wiper")
	rels, err = s.FindIndicatorRelations(ctx, lw.ID, 0)
	must(t, "relations of the later malware", err)
	if len(rels) != 2 {
		t.Errorf("indicators of the later malware = %+v, want both", rels)
	}
}

func testTAXIIState(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "collector")
	st, err := s.FindTAXIIState(ctx, "feed", "coll-1")
	must(t, "find unknown state", err)
	mustDiff(t, "never pulled", &intel.TAXIIState{Source: "feed", Collection: "coll-1"}, st)

	t1 := time.Date(2024, 3, 1, 10, 0, 0, 123456000, time.UTC)
	want := &intel.TAXIIState{Source: "feed", Collection: "coll-1", AddedAfter: t1, LastPull: t1.Add(time.Minute), ObjectsTotal: 12}
	must(t, "save", s.SaveTAXIIState(ctx, want))
	must(t, "save other collection", s.SaveTAXIIState(ctx, &intel.TAXIIState{Source: "feed", Collection: "coll-2", ObjectsTotal: 1}))
	got, err := s.FindTAXIIState(ctx, "feed", "coll-1")
	must(t, "find", err)
	// Stored to the millisecond, rounded down: never later than given.
	want.AddedAfter, want.LastPull = t1.Truncate(time.Millisecond), t1.Add(time.Minute).Truncate(time.Millisecond)
	mustDiff(t, "state", want, got)

	want.AddedAfter, want.ObjectsTotal = want.AddedAfter.Add(time.Hour), 20
	must(t, "save again", s.SaveTAXIIState(ctx, want))
	got, err = s.FindTAXIIState(ctx, "feed", "coll-1")
	must(t, "find again", err)
	mustDiff(t, "replaced state", want, got)

	if err := s.SaveTAXIIState(ctx, &intel.TAXIIState{Source: "feed"}); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("state without collection: err = %v, want invalid", err)
	}
}
