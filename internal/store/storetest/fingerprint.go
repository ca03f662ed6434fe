package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ipasn"
	"github.com/spoor/spoor/internal/testenv"
)

// testGroupEvidence checks what FindGroupEvidence gathers for a group's
// fingerprint: techniques and software it uses (not through revoked
// links, not of revoked groups), its records' victims, and the events
// attributed to it with their indicators.
func testGroupEvidence(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	MustImport(t, s, FixtureBundle())
	for _, b := range galaxyBundle() {
		MustImport(t, s, b)
	}
	_, err := s.ImportIndicators(ctx, iocBatch(), nil)
	must(t, "import indicators", err)
	_, err = s.DeriveReportEvents(ctx)
	must(t, "derive report events", err)

	ev, err := s.FindGroupEvidence(ctx)
	must(t, "find group evidence", err)
	by := map[string]*intel.GroupEvidence{}
	for k, g := range ev {
		by[g.Name] = g
		if k > 0 && ev[k-1].GroupID >= g.GroupID {
			t.Errorf("evidence not ordered by group ID at %d", k)
		}
	}
	if by["Old Bear"] != nil {
		t.Error("a revoked group has evidence")
	}
	apt28 := by["APT28"]
	if apt28 == nil {
		t.Fatalf("no evidence for APT28 in %d groups", len(ev))
	}
	// The phishing link is revoked; the dangling one has no target.
	mustDiff(t, "APT28 techniques", []string{"T1059.001"}, apt28.Techniques)
	mustDiff(t, "APT28 software", []string{"XAgentOSX"}, apt28.Software)
	if !slices.Contains(apt28.VictimCountries, "GE") || !slices.Contains(apt28.Aliases, "Sednit") {
		t.Errorf("APT28 victims %v and aliases %v must include the merged galaxy record's GE and Sednit", apt28.VictimCountries, apt28.Aliases)
	}
	mustDiff(t, "APT29 software", []string{"Mimikatz"}, by["APT29"].Software)
	// Two reports back APT28's links (the PowerShell and the X-Agent
	// ones); the IOC list adds Operation A.
	var reports []string
	var opA *intel.Event
	for _, e := range apt28.Events {
		switch {
		case e.Title == "Operation A":
			opA = e
		case strings.HasPrefix(e.Key, "cited:") && e.DocumentID != 0:
			reports = append(reports, e.Title+": "+strings.Join(append(e.Techniques, e.Software...), ","))
		}
	}
	mustDiff(t, "APT28 report events", []string{"Kaspersky Sofacy: XAgentOSX", "Secureworks IRON TWILIGHT: T1059.001"}, reports,
		cmpopts.SortSlices(func(a, b string) bool { return a < b }))
	if opA == nil || len(apt28.Events) != 3 {
		t.Fatalf("APT28 events: %d, want 3 (two reports and Operation A)", len(apt28.Events))
	}
	var got []string
	for _, in := range opA.Indicators {
		got = append(got, string(in.Type)+":"+in.Value)
	}
	mustDiff(t, "Operation A indicators", []string{"domain:c2.evil.test", "ipv4:198.51.100.9"}, got)
	// Documentation space has no country.
	if len(opA.InfraCountries) != 0 {
		t.Errorf("Operation A's infrastructure countries %v, want none (198.51.100.9 is documentation space)", opA.InfraCountries)
	}
	// A public address is placed; a warninglisted one is not.
	_, err = s.ImportIndicators(ctx, &intel.IndicatorBatch{
		Sources: []intel.Source{{Name: "infra", Kind: intel.SourceIOCList, Credibility: 1}},
		Events:  []intel.EventRow{{Key: "apt29\x1finfra", Title: "Infra", GroupLabel: "APT29"}},
		Indicators: []intel.IndicatorRow{
			{Type: intel.IndicatorIPv4, Value: "81.2.69.142", Confidence: 1, Event: 1},
			{Type: intel.IndicatorIPv4, Value: "1.1.1.1", Warninglist: "public-resolvers", Confidence: 1, Event: 1},
		}, Rows: 2}, nil)
	must(t, "import infrastructure", err)
	ev, err = s.FindGroupEvidence(ctx)
	must(t, "find group evidence again", err)
	var infra, networks []string
	for _, g := range ev {
		for _, e := range g.Events {
			if e.Title == "Infra" {
				infra, networks = e.InfraCountries, e.InfraASNs
			}
		}
	}
	mustDiff(t, "infrastructure countries", []string{"GB"}, infra)
	// The network too, when the build embeds the ASN table (CI's does).
	if ipasn.Version() != "" {
		mustDiff(t, "infrastructure networks", []string{"AS20712"}, networks)
	} else if testenv.CI() {
		t.Error("CI: no ASN table embedded")
	}
	// APT29's Mimikatz link cites a report; Lazarus has none.
	if len(by["APT29"].Events) < 1 || len(by["Lazarus Group"].Events) != 0 || len(by["Lazarus Group"].Techniques) != 0 {
		t.Errorf("Lazarus has no uses and no events: %+v", by["Lazarus Group"])
	}
}

// testRelatedGroupPairs checks the known relations that evaluate group
// similarity: a galaxy link between records that stayed apart, and a name
// that one group has as an alias and another as its own, each pair once.
func testRelatedGroupPairs(t *testing.T, open Opener) {
	s := open(t)
	MustImport(t, s, FixtureBundle())
	for _, b := range galaxyBundle() {
		MustImport(t, s, b)
	}
	apt28 := MustFind(t, s, intel.KindGroup, "APT28")
	zebrocy := MustFind(t, s, intel.KindGroup, "Zebrocy Crew")
	// A group named as another's alias, which did not merge (one shared
	// name is not enough).
	MustImport(t, s, &intel.Bundle{
		Source:  intel.Source{Name: "hand", Kind: intel.SourceMISP, Credibility: 0.2},
		Objects: []intel.Object{{Kind: intel.KindGroup, StixID: "misp-galaxy:b1", Name: "Cozy Bear Cousins", Aliases: []string{"Lazarus Group"}}},
	})
	cousins := MustFind(t, s, intel.KindGroup, "Cozy Bear Cousins")
	lazarus := MustFind(t, s, intel.KindGroup, "Lazarus Group")
	if cousins.ID == lazarus.ID {
		t.Fatal("one shared name merged two groups")
	}
	pairs, err := s.FindRelatedGroupPairs(t.Context())
	must(t, "find related pairs", err)
	pair := func(a, b int64, why string) intel.RelatedPair {
		return intel.RelatedPair{A: min(a, b), B: max(a, b), Why: why}
	}
	want := []intel.RelatedPair{pair(apt28.ID, zebrocy.ID, "galaxy link"), pair(cousins.ID, lazarus.ID, "shared name")}
	slices.SortFunc(want, func(x, y intel.RelatedPair) int { return int(x.A - y.A) })
	mustDiff(t, "related pairs", want, pairs)
}

// testFingerprints checks stored fingerprints: nothing before a build, a
// rebuild replaces every row at once, a group deleted since its evidence
// was read is skipped, and the build the pages poll moves on.
func testFingerprints(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	if _, err := s.FindFingerprintBuild(ctx); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Fatalf("build before any: %v, want not found", err)
	}
	if _, _, err := s.FindFingerprints(ctx); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Fatalf("fingerprints before any: %v, want not found", err)
	}
	MustImport(t, s, FixtureBundle())
	apt28, err := s.FindObjectByName(ctx, intel.KindGroup, "APT28")
	must(t, "find APT28", err)
	apt29, err := s.FindObjectByName(ctx, intel.KindGroup, "APT29")
	must(t, "find APT29", err)
	tech, err := s.FindObjectByName(ctx, intel.KindTechnique, "PowerShell")
	must(t, "find technique", err)

	first, err := s.SaveFingerprints(ctx, []intel.Fingerprint{
		{GroupID: apt28.ID, Events: 3, Profile: []byte(`{"a":1}`)},
		{GroupID: apt29.ID, Events: 1, Profile: []byte(`{"b":2}`)},
		{GroupID: tech.ID, Events: 1, Profile: []byte(`{}`)}, // not a group
		{GroupID: 1 << 40, Events: 1, Profile: []byte(`{}`)}, // deleted since
	}, 0)
	must(t, "save", err)
	if first.Groups != 2 || first.ID == 0 {
		t.Errorf("first build: %+v, want 2 groups", first)
	}
	fp, err := s.FindFingerprint(ctx, apt28.ID)
	must(t, "find APT28's", err)
	if fp.Events != 3 || string(fp.Profile) != `{"a":1}` {
		t.Errorf("APT28's fingerprint: %d events, %s", fp.Events, fp.Profile)
	}
	second, err := s.SaveFingerprints(ctx, []intel.Fingerprint{{GroupID: apt29.ID, Events: 2, Profile: []byte(`{"b":3}`)}}, 0)
	must(t, "save again", err)
	latest, err := s.FindFingerprintBuild(ctx)
	must(t, "latest build", err)
	if latest.ID != second.ID || latest.ID <= first.ID || latest.Groups != 1 {
		t.Errorf("latest build %+v, want the second (%d)", latest, second.ID)
	}
	b, all, err := s.FindFingerprints(ctx)
	must(t, "all", err)
	if b.ID != second.ID || len(all) != 1 || all[0].GroupID != apt29.ID || string(all[0].Profile) != `{"b":3}` {
		t.Errorf("after the rebuild: build %d, %+v; want APT29's new one only", b.ID, all)
	}
	if _, err := s.FindFingerprint(ctx, apt28.ID); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("APT28's old fingerprint survived the rebuild: %v", err)
	}
}

// testDistinctGroups checks the "not the same group" answers: stored once
// per pair whichever way round, a new reason replaces the old, and bad
// pairs are refused.
func testDistinctGroups(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 2, "analyst")
	MustImport(t, s, FixtureBundle())
	apt28, err := s.FindObjectByName(ctx, intel.KindGroup, "APT28")
	must(t, "find APT28", err)
	apt29, err := s.FindObjectByName(ctx, intel.KindGroup, "APT29")
	must(t, "find APT29", err)
	tech, err := s.FindObjectByName(ctx, intel.KindTechnique, "PowerShell")
	must(t, "find technique", err)
	must(t, "mark", s.MarkGroupsDistinct(ctx, apt29.ID, apt28.ID, "different services"))
	must(t, "mark again", s.MarkGroupsDistinct(ctx, apt28.ID, apt29.ID, "GRU and SVR"))
	got, err := s.FindDistinctGroups(ctx)
	must(t, "find", err)
	lo, hi := min(apt28.ID, apt29.ID), max(apt28.ID, apt29.ID)
	if len(got) != 1 || got[0].A != lo || got[0].B != hi || got[0].Reason != "GRU and SVR" || got[0].DecidedBy != "analyst" {
		t.Errorf("distinct pairs %+v, want one with the newer reason", got)
	}
	for _, bad := range [][2]int64{{apt28.ID, apt28.ID}, {apt28.ID, tech.ID}, {apt28.ID, 1 << 40}} {
		if err := s.MarkGroupsDistinct(ctx, bad[0], bad[1], "x"); err == nil {
			t.Errorf("MarkGroupsDistinct(%v) accepted", bad)
		}
	}
	if err := s.MarkGroupsDistinct(ctx, apt28.ID, apt29.ID, " "); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("no reason: %v", err)
	}
}

// testCitedReportEvents checks the stored events of cited reports: one per
// group and report with what the report is cited for (a campaign's
// citations count for the group it is attributed to), nothing new when
// derived again, a pair whose only link is revoked removed, dated by the
// reference ("(2015, December 4)"), and the
// events found by technique, a technique finding its sub-techniques.
func testCitedReportEvents(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "importer")
	b := FixtureBundle()
	// Operation Ghost, attributed to APT29, is cited for phishing.
	b.Relationships = append(b.Relationships, intel.Link{StixID: "relationship--ghost-phish", Type: "uses",
		SourceRef: "campaign--ghost", TargetRef: "attack-pattern--phish",
		Refs: []intel.ExternalRef{{SourceName: "ESET Ghost", URL: "https://example.com/eset-ghost", Description: "ESET. (2019). Operation Ghost."}}})
	MustImport(t, s, b)

	got, err := s.DeriveReportEvents(ctx)
	must(t, "derive report events", err)
	mustDiff(t, "first derivation", intel.DerivedEvents{Total: 4, Created: 4}, got)
	again, err := s.DeriveReportEvents(ctx)
	must(t, "derive again", err)
	mustDiff(t, "second derivation", intel.DerivedEvents{Total: 4}, again)

	apt28 := MustFind(t, s, intel.KindGroup, "APT28")
	apt29 := MustFind(t, s, intel.KindGroup, "APT29")
	describe := func(f intel.EventFilter) []string {
		t.Helper()
		page, err := s.FindEvents(ctx, f)
		must(t, "find events", err)
		var out []string
		for _, e := range page.Items {
			if e.DocumentID == 0 || e.SourceID == 0 || !strings.HasPrefix(e.Key, "cited:") {
				t.Errorf("event %q: document %d, source %d, key %q; want a cited report's event", e.Title, e.DocumentID, e.SourceID, e.Key)
			}
			out = append(out, e.GroupLabel+"|"+e.Title+"|"+e.FirstSeen.Format(time.DateOnly)+"|"+strings.Join(append(e.Techniques, e.Software...), ","))
		}
		slices.Sort(out)
		return out
	}
	mustDiff(t, "APT28's events", []string{
		"APT28|Kaspersky Sofacy|2015-12-04|XAgentOSX",
		"APT28|Secureworks IRON TWILIGHT|2017-01-01|T1059.001",
	}, describe(intel.EventFilter{GroupID: apt28.ID}))
	mustDiff(t, "APT29's events", []string{
		"APT29|ESET Ghost|2019-01-01|T1566",
		"APT29|FireEye APT28|2015-01-01|Mimikatz",
	}, describe(intel.EventFilter{GroupID: apt29.ID}))
	mustDiff(t, "T1059 with its sub-techniques", []string{"APT28|Secureworks IRON TWILIGHT|2017-01-01|T1059.001"},
		describe(intel.EventFilter{Technique: "t1059"}))
	mustDiff(t, "T1059.00 is no technique", []string(nil), describe(intel.EventFilter{Technique: "T1059.00"}))

	// Which groups use T1059 and when: APT28, once, through its
	// PowerShell sub-technique.
	uses, err := s.FindTechniqueTimeline(ctx, "T1059")
	must(t, "technique timeline", err)
	mustDiff(t, "T1059 timeline", []intel.TechniqueUse{{GroupID: apt28.ID, Group: "APT28", Events: 1,
		Dates: []time.Time{time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)}}}, uses)
	none, err := s.FindTechniqueTimeline(ctx, "T1027")
	must(t, "technique timeline of an unused technique", err)
	if len(none) != 0 {
		t.Errorf("T1027 is used by %v, want nobody", none)
	}

	// A newer release revokes the PowerShell link: its report no longer
	// backs anything of APT28's.
	newer := FixtureBundle()
	for i := range newer.Relationships {
		if newer.Relationships[i].StixID == "relationship--01" {
			newer.Relationships[i].Revoked = true
			newer.Relationships[i].Modified = newer.Relationships[i].Modified.AddDate(0, 1, 0)
		}
	}
	MustImport(t, s, newer)
	after, err := s.DeriveReportEvents(ctx)
	must(t, "derive after the revocation", err)
	if after.Deleted != 1 || after.Created != 0 {
		t.Errorf("after the revocation: %+v, want one event removed and none added", after)
	}
	mustDiff(t, "APT28's events after the revocation", []string{"APT28|Kaspersky Sofacy|2015-12-04|XAgentOSX"},
		describe(intel.EventFilter{GroupID: apt28.ID}))
}
