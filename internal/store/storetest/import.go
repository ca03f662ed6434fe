package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

func counts(seen, created, updated, unchanged, inactive, rejected int) *intel.ImportCount {
	return &intel.ImportCount{Seen: seen, Created: created, Updated: updated, Unchanged: unchanged, Inactive: inactive, Rejected: rejected}
}

func testImport(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	var calls [][2]int
	st, err := s.ImportBundle(ctx, FixtureBundle(), func(done, total int) { calls = append(calls, [2]int{done, total}) })
	must(t, "import", err)
	mustDiff(t, "first import counts", map[string]*intel.ImportCount{
		"group":        counts(4, 3, 0, 0, 1, 0),
		"technique":    counts(3, 3, 0, 0, 0, 0),
		"software":     counts(2, 2, 0, 0, 0, 0),
		"campaign":     counts(1, 1, 0, 0, 0, 0),
		"relationship": counts(9, 7, 0, 0, 1, 1),
		"document":     counts(6, 6, 0, 0, 0, 0),
		"indicator":    counts(2, 2, 0, 0, 0, 0),
	}, st.Counts)
	if len(st.Warnings) != 1 {
		t.Errorf("warnings = %q, want one about the dangling relationship", st.Warnings)
	}
	if len(calls) == 0 || calls[len(calls)-1] != [2]int{22, 22} {
		t.Errorf("progress calls = %v, want to end with [22 22]", calls)
	}

	src, err := s.FindSourceByName(ctx, "MITRE ATT&CK")
	must(t, "find source", err)
	apt28 := MustFind(t, s, intel.KindGroup, "APT28")
	want := FixtureBundle().Objects[0]
	want.ID, want.SourceID, want.Confidence, want.TLP = apt28.ID, src.ID, 1, intel.TLPClear
	mustDiff(t, "APT28", &want, apt28)

	// Citations became documents, deduplicated by URL or by source name;
	// catalogue references (mitre-attack) did not.
	page, err := s.FindDocuments(ctx, intel.DocumentFilter{Limit: 100})
	must(t, "find documents", err)
	var titles []string
	for _, d := range page.Items {
		titles = append(titles, d.Title)
	}
	mustDiff(t, "document titles (newest first)", []string{
		"Spearphishing by Fancy Bear", "Hidden Report", "ESET Dukes", "Secureworks IRON TWILIGHT",
		"Kaspersky Sofacy", "FireEye APT28",
	}, titles)
	kasp := page.Items[4]
	// The reference's date is the document's.
	mustDiff(t, "citation document", &intel.Document{ID: kasp.ID, SourceID: src.ID, Title: "Kaspersky Sofacy",
		Published: time.Date(2015, 12, 4, 0, 0, 0, 0, time.UTC), Citation: "Kaspersky Lab's Global Research and Analysis Team. (2015, December 4). Sofacy APT hits high profile targets.",
		TLP: intel.TLPClear}, kasp)

	ind, err := s.FindIndicators(ctx, intel.IndicatorFilter{Type: intel.IndicatorDomain, Value: "evil.example.com"})
	must(t, "find indicator", err)
	if len(ind.Items) != 1 || ind.Items[0].SourceID != src.ID || ind.Items[0].Confidence != 0.7 {
		t.Errorf("indicator = %+v", ind.Items)
	}
}

// snapshot is what an import may change, read through the public API.
type snapshot struct {
	Counts     intel.Counts
	Objects    []*intel.Object
	Documents  []*intel.Document
	Indicators []*intel.Indicator
	Sources    []*intel.Source
	Profile    *intel.Profile
}

func takeSnapshot(t *testing.T, s *store.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	var snap snapshot
	var err error
	snap.Counts, err = s.Counts(ctx)
	must(t, "counts", err)
	objs, err := s.FindObjects(ctx, intel.ObjectFilter{IncludeInactive: true, Limit: 500})
	must(t, "objects", err)
	snap.Objects = objs.Items
	docs, err := s.FindDocuments(ctx, intel.DocumentFilter{Limit: 500})
	must(t, "documents", err)
	snap.Documents = docs.Items
	inds, err := s.FindIndicators(ctx, intel.IndicatorFilter{Limit: 500})
	must(t, "indicators", err)
	snap.Indicators = inds.Items
	snap.Sources, err = s.FindSources(ctx)
	must(t, "sources", err)
	if o, err := s.FindObjectByName(ctx, intel.KindGroup, "APT28"); err == nil {
		snap.Profile, err = s.FindProfile(ctx, o.ID)
		must(t, "profile", err)
	}
	return snap
}

func testImportIdempotent(t *testing.T, open Opener) {
	s := open(t)
	MustImport(t, s, FixtureBundle())
	before := takeSnapshot(t, s)
	st := MustImport(t, s, FixtureBundle())
	mustDiff(t, "second import counts", map[string]*intel.ImportCount{
		"group":        counts(4, 0, 0, 3, 1, 0),
		"technique":    counts(3, 0, 0, 3, 0, 0),
		"software":     counts(2, 0, 0, 2, 0, 0),
		"campaign":     counts(1, 0, 0, 1, 0, 0),
		"relationship": counts(9, 0, 0, 7, 1, 1),
		"document":     counts(6, 0, 0, 6, 0, 0),
		"indicator":    counts(2, 0, 0, 2, 0, 0),
	}, st.Counts)
	// Nothing changed: not even the stamps of when spoor last wrote a row.
	mustDiff(t, "tables after re-import", before, takeSnapshot(t, s))
	// cmpOpts ignore UpdatedAt; it must not move either.
	for i, o := range takeSnapshot(t, s).Objects {
		if !o.UpdatedAt.Equal(before.Objects[i].UpdatedAt) {
			t.Errorf("%s: UpdatedAt moved on an unchanged re-import", o.Name)
		}
	}

	// A changed object is updated, its aliases replaced, the rest unchanged.
	b := FixtureBundle()
	b.Objects[1].Aliases = []string{"Cozy Bear", "NOBELIUM"}
	b.Objects[1].Modified = b.Objects[1].Modified.AddDate(0, 1, 0)
	b.Indicators[0].LastSeen = day(2024, 1, 1)
	b.Indicators[0].FirstSeen = day(2024, 1, 1) // later: the earliest stays
	b.Indicators[0].Confidence = 0.2            // lower: the highest stays
	st = MustImport(t, s, b)
	if c := st.Counts["group"]; c.Updated != 1 || c.Unchanged != 2 {
		t.Errorf("group counts after change = %+v, want 1 updated, 2 unchanged", c)
	}
	if c := st.Counts["indicator"]; c.Updated != 1 || c.Unchanged != 1 {
		t.Errorf("indicator counts after change = %+v, want 1 updated, 1 unchanged", c)
	}
	if o := MustFind(t, s, intel.KindGroup, "nobelium"); o.Name != "APT29" {
		t.Errorf("alias NOBELIUM finds %q, want APT29", o.Name)
	}
	if _, err := s.FindObjectByName(t.Context(), intel.KindGroup, "The Dukes"); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("dropped alias still finds a group: %v", err)
	}
	ind, err := s.FindIndicators(t.Context(), intel.IndicatorFilter{Value: "evil.example.com"})
	must(t, "find indicator", err)
	got := ind.Items[0]
	if !got.FirstSeen.Equal(day(2023, 1, 1)) || !got.LastSeen.Equal(day(2024, 1, 1)) || got.Confidence != 0.7 {
		t.Errorf("merged indicator first=%v last=%v confidence=%v, want 2023-01-01, 2024-01-01, 0.7", got.FirstSeen, got.LastSeen, got.Confidence)
	}
}

func testImportRollback(t *testing.T, open Opener) {
	s := open(t)
	MustImport(t, s, FixtureBundle())
	before := takeSnapshot(t, s)
	audit, err := s.FindAudit(t.Context(), intel.AuditFilter{})
	must(t, "audit", err)

	// Valid changes first, then an invalid object: nothing may stick.
	b := FixtureBundle()
	b.Source.Credibility = 0.5
	b.Objects[0].Description = "changed"
	b.Objects = append(b.Objects, intel.Object{Kind: intel.KindGroup, StixID: "intrusion-set--new", Name: "New Group"},
		intel.Object{Kind: intel.KindGroup, StixID: "intrusion-set--bad", Name: ""})
	b.Indicators = append(b.Indicators, intel.Indicator{Type: intel.IndicatorDomain, Value: "new.example.net"})
	_, err = s.ImportBundle(t.Context(), b, nil)
	wantCode(t, "import with an invalid object", err, intel.CodeInvalid)
	mustDiff(t, "tables after failed import", before, takeSnapshot(t, s))
	after, err := s.FindAudit(t.Context(), intel.AuditFilter{})
	must(t, "audit", err)
	mustDiff(t, "audit after failed import", audit, after)

	// An invalid indicator at the very end fails the same way.
	b = FixtureBundle()
	b.Objects[2].Name = "Lazarus renamed"
	b.Indicators = append(b.Indicators, intel.Indicator{Type: "bogus", Value: "x"})
	_, err = s.ImportBundle(t.Context(), b, nil)
	wantCode(t, "import with an invalid indicator", err, intel.CodeInvalid)
	mustDiff(t, "tables after failed import", before, takeSnapshot(t, s))
}

func testImportCancelled(t *testing.T, open Opener) {
	s := open(t)
	MustImport(t, s, FixtureBundle())
	before := takeSnapshot(t, s)
	// A bundle larger than the progress interval, cancelled from the
	// progress callback midway.
	b := SyntheticBundle(SyntheticSize{Groups: 300, Techniques: 300, Software: 300, Relationships: 600, RefsPerRelationship: 1})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := s.ImportBundle(ctx, b, func(done, total int) {
		if done >= 500 && done < total {
			cancel()
		}
	})
	if err == nil {
		t.Fatal("cancelled import succeeded")
	}
	mustDiff(t, "tables after cancelled import", before, takeSnapshot(t, s))
}

func testInactive(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	MustImport(t, s, FixtureBundle())
	// The revoked group is stored, but lists, lookups and search skip it.
	if _, err := s.FindObjectByName(ctx, intel.KindGroup, "Old Bear"); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("FindObjectByName(revoked) err = %v, want not found", err)
	}
	if o := MustFind(t, s, intel.KindGroup, "Fancy Bear"); o.Name != "APT28" {
		t.Errorf("alias Fancy Bear found %q", o.Name)
	}
	page, err := s.FindObjects(ctx, intel.ObjectFilter{Kind: intel.KindGroup})
	must(t, "find objects", err)
	mustDiff(t, "active groups", []string{"APT28", "APT29", "Lazarus Group"}, names(page.Items))
	page, err = s.FindObjects(ctx, intel.ObjectFilter{Kind: intel.KindGroup, IncludeInactive: true})
	must(t, "find objects", err)
	mustDiff(t, "all groups", []string{"APT28", "APT29", "Lazarus Group", "Old Bear"}, names(page.Items))
	hits, err := s.Search(ctx, intel.SearchQuery{Text: "Old Bear"})
	must(t, "search", err)
	for _, h := range hits {
		if h.Title == "Old Bear" {
			t.Errorf("search returned the revoked group: %+v", h)
		}
	}
	old := page.Items[3]
	got, err := s.FindObjectByID(ctx, old.ID)
	must(t, "find revoked by ID", err)
	if !got.Revoked {
		t.Errorf("revoked group reads back with Revoked=false")
	}
}

func names(objs []*intel.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Name)
	}
	return out
}

func testProfile(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	MustImport(t, s, FixtureBundle())
	apt28 := MustFind(t, s, intel.KindGroup, "APT28")
	p, err := s.FindProfile(ctx, apt28.ID)
	must(t, "profile", err)
	type edge struct {
		Type, Other string
		Outgoing    bool
		Refs        int
	}
	edges := func(rs []intel.Related) []edge {
		var out []edge
		for _, r := range rs {
			out = append(out, edge{r.Relationship.Type, r.Other.Name, r.Outgoing, len(r.Relationship.Refs)})
		}
		return out
	}
	docTitles := func(ds []intel.Document) []string {
		var out []string
		for _, d := range ds {
			if d.Text != "" {
				t.Errorf("profile document %q carries its text", d.Title)
			}
			out = append(out, d.Title)
		}
		return out
	}
	mustDiff(t, "APT28 object", apt28, &p.Object)
	mustDiff(t, "APT28 techniques", []edge{{"uses", "PowerShell", true, 1}}, edges(p.Techniques))
	mustDiff(t, "APT28 software", []edge{{"uses", "XAgentOSX", true, 1}}, edges(p.Software))
	mustDiff(t, "APT28 groups (revoked hidden)", []edge(nil), edges(p.Groups))
	mustDiff(t, "APT28 documents", []string{"FireEye APT28", "Kaspersky Sofacy", "Secureworks IRON TWILIGHT"}, docTitles(p.Documents))
	if d := p.Techniques[0].Relationship.Description; d != "intrusion-set--28 uses attack-pattern--ps." {
		t.Errorf("relationship description = %q", d)
	}

	apt29 := MustFind(t, s, intel.KindGroup, "Cozy Bear")
	p, err = s.FindProfile(ctx, apt29.ID)
	must(t, "profile", err)
	mustDiff(t, "APT29 software", []edge{{"uses", "Mimikatz", true, 1}}, edges(p.Software))
	mustDiff(t, "APT29 campaigns", []edge{{"attributed-to", "Operation Ghost", false, 1}}, edges(p.Campaigns))
	mustDiff(t, "APT29 documents", []string{"ESET Dukes", "FireEye APT28"}, docTitles(p.Documents))

	_, err = s.FindProfile(ctx, 999999)
	wantCode(t, "profile of a missing object", err, intel.CodeNotFound)
}

// testImportBatchedLinks holds the importer's batched writes to what one
// row at a time wrote: a relationship given twice in one bundle is one
// row with the second's text and citations, a reference given twice is
// one link, and a re-import replaces a relationship's citations.
func testImportBatchedLinks(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	ref := func(name string) intel.ExternalRef {
		return intel.ExternalRef{SourceName: name, URL: "https://example.com/" + name, Description: name + ". (2024)."}
	}
	bundle := func(first, second []intel.ExternalRef) *intel.Bundle {
		g := intel.Object{Kind: intel.KindGroup, StixID: "intrusion-set--dup", Name: "Dup Panda", Created: t0, Modified: t0,
			Refs: []intel.ExternalRef{ref("report-a"), ref("report-a")}}
		tech := intel.Object{Kind: intel.KindTechnique, StixID: "attack-pattern--dup", ExternalID: "T1105", Name: "Ingress Tool Transfer",
			Created: t0, Modified: t0}
		link := func(desc string, refs []intel.ExternalRef) intel.Link {
			return intel.Link{StixID: "relationship--dup", Type: "uses", SourceRef: g.StixID, TargetRef: tech.StixID,
				Description: desc, Refs: refs, Created: t0, Modified: t0}
		}
		rels := []intel.Link{link("first", first)}
		if second != nil {
			rels = append(rels, link("second", second))
		}
		// More relationships than one batched statement holds, so that
		// the queue is written in several parts.
		objs := []intel.Object{g, tech}
		for i := range 1100 {
			tool := intel.Object{Kind: intel.KindSoftware, StixID: fmt.Sprintf("tool--t%04d", i),
				Name: fmt.Sprintf("Tool %04d", i), SoftwareType: "tool", Created: t0, Modified: t0}
			objs = append(objs, tool)
			rels = append(rels, intel.Link{StixID: fmt.Sprintf("relationship--t%04d", i), Type: "uses", SourceRef: g.StixID,
				TargetRef: tool.StixID, Refs: []intel.ExternalRef{ref(fmt.Sprintf("tool-report-%d", i%7))}, Created: t0, Modified: t0})
		}
		return &intel.Bundle{Source: intel.Source{Name: "dup test", Kind: intel.SourceSTIX, Credibility: 0.8, TLP: intel.TLPClear},
			Objects: objs, Relationships: rels}
	}
	docTitles := func(p *intel.Profile) []string {
		var out []string
		for _, d := range p.Documents {
			if !strings.HasPrefix(d.Title, "tool-report-") {
				out = append(out, d.Title)
			}
		}
		slices.Sort(out)
		return out
	}
	st, err := s.ImportBundle(ctx, bundle([]intel.ExternalRef{ref("report-b")}, []intel.ExternalRef{ref("report-c"), ref("report-c")}), nil)
	must(t, "import", err)
	if c := st.Counts["relationship"]; c.Seen != 1102 || c.Created != 1101 || c.Updated != 1 {
		t.Errorf("relationship counts = %+v, want 1102 seen, 1101 created, 1 updated", c)
	}
	g := MustFind(t, s, intel.KindGroup, "Dup Panda")
	p, err := s.FindProfile(ctx, g.ID)
	must(t, "profile", err)
	if len(p.Techniques) != 1 || p.Techniques[0].Relationship.Description != "second" {
		t.Fatalf("techniques = %+v, want the one relationship with the second's text", p.Techniques)
	}
	if len(p.Software) != 1100 {
		t.Errorf("software = %d, want 1100", len(p.Software))
	}
	// report-b was the first copy's, replaced by the second's report-c.
	mustDiff(t, "cited reports", []string{"report-a", "report-c"}, docTitles(p))
	tools := 0
	for _, d := range p.Documents {
		if strings.HasPrefix(d.Title, "tool-report-") {
			tools++
		}
	}
	if tools != 7 {
		t.Errorf("tool reports cited = %d, want 7", tools)
	}

	_, err = s.ImportBundle(ctx, bundle([]intel.ExternalRef{ref("report-d")}, nil), nil)
	must(t, "re-import", err)
	p, err = s.FindProfile(ctx, g.ID)
	must(t, "profile after re-import", err)
	mustDiff(t, "cited reports after re-import", []string{"report-a", "report-d"}, docTitles(p))
	if len(p.Techniques) != 1 || p.Techniques[0].Relationship.Description != "first" {
		t.Errorf("techniques after re-import = %+v, want the one relationship with the new text", p.Techniques)
	}
}
