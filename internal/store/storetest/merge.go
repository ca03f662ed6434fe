package storetest

import (
	"slices"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// galaxyBundle is a MISP-galaxy-like bundle over FixtureBundle's groups:
// one value per merge rule, and one that shares a single alias only.
func galaxyBundle() []*intel.Bundle {
	holds := func(k string) intel.XRef { return intel.XRef{Key: k, Type: intel.XRefHolds} }
	return []*intel.Bundle{{
		Source: intel.Source{Name: "galaxy", Kind: intel.SourceMISP, Credibility: 0.6},
		Objects: []intel.Object{
			// (a) an ATT&CK ID held by APT28's record.
			{Kind: intel.KindGroup, StixID: "misp-galaxy:a1", Name: "Sofacy Group", Aliases: []string{"Sednit"},
				Country: "RU", Sectors: []string{"Government"}, VictimCountries: []string{"GE"},
				XRefs: []intel.XRef{holds("uuid:a1"), holds("attack:G0007")}},
			// (c) two names of APT29 and of no other group.
			{Kind: intel.KindGroup, StixID: "misp-galaxy:a2", Name: "Cozy Duke", Aliases: []string{"Cozy Bear", "The Dukes"},
				XRefs: []intel.XRef{holds("uuid:a2")}},
			// One alias shared with Lazarus only: not enough.
			{Kind: intel.KindGroup, StixID: "misp-galaxy:a3", Name: "Guardians", Aliases: []string{"HIDDEN COBRA"},
				XRefs: []intel.XRef{holds("uuid:a3")}},
			// A link to a group that holds another value of this source,
			// with no name in common: the source lists them apart.
			{Kind: intel.KindGroup, StixID: "misp-galaxy:a5", Name: "Zebrocy Crew",
				XRefs: []intel.XRef{holds("uuid:a5"), {Key: "uuid:28", Type: "similar"}}},
		},
	}, {
		Source: intel.Source{Name: "other galaxy", Kind: intel.SourceMISP, Credibility: 0.6},
		Objects: []intel.Object{
			// (b) a "similar" link to the UUID of APT28's STIX ID (MISP's
			// mitre-intrusion-set clusters share ATT&CK's UUIDs).
			{Kind: intel.KindGroup, StixID: "misp-galaxy:a4", Name: "Pawn Storm",
				XRefs: []intel.XRef{holds("uuid:a4"), {Key: "uuid:28", Type: "similar"}}},
		},
	}}
}

func testMerge(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 3, "analyst")
	MustImport(t, s, FixtureBundle())
	apt28 := MustFind(t, s, intel.KindGroup, "APT28")
	apt29 := MustFind(t, s, intel.KindGroup, "APT29")
	lazarus := MustFind(t, s, intel.KindGroup, "Lazarus Group")
	bs := galaxyBundle()
	st := MustImport(t, s, bs[0])
	mustDiff(t, "galaxy import group counts", counts(4, 2, 2, 0, 0, 0), st.Counts["group"])
	st = MustImport(t, s, bs[1])
	mustDiff(t, "other galaxy import group counts", counts(1, 0, 1, 0, 0, 0), st.Counts["group"])

	for _, tt := range []struct {
		name string
		want int64 // 0: a group of its own
	}{
		{"Sofacy Group", apt28.ID}, {"Sednit", apt28.ID}, {"Pawn Storm", apt28.ID},
		{"Cozy Duke", apt29.ID}, {"Guardians", 0}, {"HIDDEN COBRA", lazarus.ID}, {"Zebrocy Crew", 0},
	} {
		got := MustFind(t, s, intel.KindGroup, tt.name)
		if tt.want != 0 && got.ID != tt.want {
			t.Errorf("%s found group %d %q, want %d", tt.name, got.ID, got.Name, tt.want)
		}
		if tt.want == 0 && (got.ID == lazarus.ID || got.ID == apt28.ID || got.ID == apt29.ID) {
			t.Errorf("%s merged into %q on a single shared alias", tt.name, got.Name)
		}
	}
	got := MustFind(t, s, intel.KindGroup, "APT28")
	if got.Country != "RU" || !slices.Equal(got.Sectors, []string{"Government"}) || !slices.Equal(got.VictimCountries, []string{"GE"}) {
		t.Errorf("APT28 country %q sectors %q victims %q, want the galaxy's carried over", got.Country, got.Sectors, got.VictimCountries)
	}

	aliases, err := s.FindAliases(ctx, apt28.ID)
	must(t, "aliases", err)
	mustDiff(t, "APT28 aliases with sources", []intel.AliasInfo{
		{Alias: "APT28", Sources: []string{"MITRE ATT&CK"}},
		{Alias: "Fancy Bear", Sources: []string{"MITRE ATT&CK"}},
		{Alias: "Sofacy", Sources: []string{"MITRE ATT&CK"}},
		{Alias: "STRONTIUM", Sources: []string{"MITRE ATT&CK"}},
		{Alias: "Sofacy Group", Sources: []string{"galaxy"}},
		{Alias: "Sednit", Sources: []string{"galaxy"}},
		{Alias: "Pawn Storm", Sources: []string{"other galaxy"}},
	}, aliases)
	type entry struct {
		Rule     intel.MergeRule
		Key      string
		Evidence string
	}
	log := func(id int64) []entry {
		t.Helper()
		ms, err := s.FindMerges(ctx, id)
		must(t, "merges", err)
		var out []entry
		for _, m := range ms {
			out = append(out, entry{m.Rule, m.Key, m.Evidence})
		}
		return out
	}
	mustDiff(t, "APT28 merge log", []entry{
		{intel.RuleKey, "misp-galaxy:a1", "attack:G0007"},
		{intel.RuleRelated, "misp-galaxy:a4", "similar uuid:28"},
	}, log(apt28.ID))
	mustDiff(t, "APT29 merge log", []entry{{intel.RuleSynonyms, "misp-galaxy:a2", "names cozybear, thedukes"}}, log(apt29.ID))

	reimport := func(what string) {
		t.Helper()
		for _, b := range galaxyBundle() {
			st := MustImport(t, s, b)
			if c := st.Counts["group"]; c.Created != 0 || c.Updated != 0 {
				t.Errorf("re-import %s: group counts %+v, want nothing created or updated", what, c)
			}
		}
	}
	reimport("after automatic merges")

	// A manual merge moves the record and survives a re-import.
	guardians := MustFind(t, s, intel.KindGroup, "Guardians")
	_, err = s.MergeObjects(ctx, lazarus.ID, guardians.ID, "same actor per analyst")
	must(t, "merge", err)
	reimport("after a manual merge")
	if g := MustFind(t, s, intel.KindGroup, "Guardians"); g.ID != lazarus.ID {
		t.Errorf("after manual merge Guardians finds %d, want Lazarus %d", g.ID, lazarus.ID)
	}
	if _, err := s.FindObjectByID(ctx, guardians.ID); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("merged group still exists: %v", err)
	}
	ms, err := s.FindMerges(ctx, lazarus.ID)
	must(t, "merges", err)
	if len(ms) != 1 || ms[0].Rule != intel.RuleManualMerge || ms[0].Login != "analyst" || ms[0].OtherID != guardians.ID {
		t.Errorf("Lazarus merge log = %+v, want one manual merge by analyst", ms)
	}

	// A manual split makes a new group that a re-import keeps.
	_, err = s.SplitObject(ctx, apt28.ID, []string{"APT28"}, "primary")
	wantCode(t, "split of the primary record", err, intel.CodeInvalid)
	pawn, err := s.SplitObject(ctx, apt28.ID, []string{"misp-galaxy:a4"}, "different actor")
	must(t, "split", err)
	if pawn.Name != "Pawn Storm" || pawn.ID == apt28.ID {
		t.Errorf("split made %+v", pawn)
	}
	reimport("after a manual split")
	if g := MustFind(t, s, intel.KindGroup, "Pawn Storm"); g.ID != pawn.ID {
		t.Errorf("after split and re-import Pawn Storm finds %d %q, want %d", g.ID, g.Name, pawn.ID)
	}
	if a := MustFind(t, s, intel.KindGroup, "Sofacy Group"); a.ID != apt28.ID {
		t.Errorf("split moved Sofacy Group too")
	}

	audit, err := s.FindAudit(ctx, intel.AuditFilter{UserID: 3})
	must(t, "audit", err)
	var actions []string
	for _, e := range audit.Items {
		actions = append(actions, e.Action)
	}
	mustDiff(t, "audited manual decisions (newest first)", []string{"group.split", "group.merge"}, actions)
}
