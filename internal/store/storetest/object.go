package storetest

import (
	"fmt"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

func testSources(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	src := &intel.Source{Name: "CIRCL", Kind: intel.SourceMISP, URL: "https://circl.lu", Credibility: 0.8, TLP: intel.TLPGreen}
	must(t, "upsert", s.UpsertSource(ctx, src))
	if src.ID == 0 || src.CreatedAt.IsZero() {
		t.Fatalf("upsert did not set ID and CreatedAt: %+v", src)
	}
	again := &intel.Source{Name: "CIRCL", Kind: intel.SourceMISP, URL: "https://www.circl.lu", Credibility: 0.9}
	must(t, "upsert again", s.UpsertSource(ctx, again))
	if again.ID != src.ID {
		t.Errorf("upsert of the same name gave ID %d, want %d", again.ID, src.ID)
	}
	got, err := s.FindSourceByName(ctx, "CIRCL")
	must(t, "find", err)
	mustDiff(t, "source", again, got)
	_, err = s.FindSourceByName(ctx, "nope")
	wantCode(t, "find missing source", err, intel.CodeNotFound)
	wantCode(t, "invalid source", s.UpsertSource(ctx, &intel.Source{Name: "x", Credibility: 2}), intel.CodeInvalid)
	must(t, "upsert", s.UpsertSource(ctx, &intel.Source{Name: "Abuse.ch", Kind: intel.SourceIOCList}))
	all, err := s.FindSources(ctx)
	must(t, "find all", err)
	var names []string
	for _, x := range all {
		names = append(names, x.Name)
	}
	mustDiff(t, "sources by name", []string{"Abuse.ch", "CIRCL"}, names)
}

func testObjects(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 7, "alice")
	o := &intel.Object{Kind: intel.KindGroup, Name: "Turla", Aliases: []string{"Snake", "snake", "Turla", "Venomous Bear"},
		ExternalID: "G0010", Description: "Russian espionage group.", Country: "RU", Confidence: 0.9, TLP: intel.TLPGreen,
		Refs: []intel.ExternalRef{{SourceName: "mitre-attack", ExternalID: "G0010"}}, Created: day(2017, 5, 31)}
	must(t, "create", s.CreateObject(ctx, o))
	if o.ID == 0 {
		t.Fatal("create did not set ID")
	}
	got, err := s.FindObjectByID(ctx, o.ID)
	must(t, "find by ID", err)
	want := *o
	want.Aliases = []string{"Snake", "Venomous Bear"} // duplicates and the name dropped
	mustDiff(t, "created object", &want, got)
	if got.UpdatedAt.IsZero() {
		t.Error("UpdatedAt not stamped")
	}

	for _, name := range []string{"turla", "SNAKE", "venomous-bear", "g0010"} {
		got, err := s.FindObjectByName(ctx, intel.KindGroup, name)
		if err != nil || got.ID != o.ID {
			t.Errorf("FindObjectByName(%q) = %v, %v", name, got, err)
		}
	}
	_, err = s.FindObjectByName(ctx, intel.KindSoftware, "Turla")
	wantCode(t, "find by name of another kind", err, intel.CodeNotFound)
	// A name beats another object's alias.
	snake := &intel.Object{Kind: intel.KindGroup, Name: "Snake"}
	must(t, "create Snake", s.CreateObject(ctx, snake))
	if got, _ := s.FindObjectByName(ctx, intel.KindGroup, "snake"); got == nil || got.ID != snake.ID {
		t.Errorf("FindObjectByName(snake) = %v, want the group named Snake", got)
	}

	// By IDs, in one call: the ones that exist, the same as one by one,
	// across more IDs than one statement holds.
	ids := []int64{snake.ID, 0, o.ID, snake.ID + 100000}
	for i := range 600 {
		ids = append(ids, snake.ID+200000+int64(i))
	}
	byID, err := s.FindObjectsByIDs(ctx, ids)
	must(t, "find by IDs", err)
	if len(byID) != 2 {
		t.Errorf("FindObjectsByIDs = %d objects, want Turla and Snake", len(byID))
	}
	mustDiff(t, "Turla by IDs", got, byID[o.ID])
	if byID[snake.ID] == nil || byID[snake.ID].Name != "Snake" {
		t.Errorf("Snake by IDs = %+v", byID[snake.ID])
	}
	if none, err := s.FindObjectsByIDs(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("FindObjectsByIDs(none) = %v, %v", none, err)
	}

	name, aliases, desc := "Turla Group", []string{"Waterbug"}, "Updated."
	upd, err := s.UpdateObject(ctx, o.ID, intel.ObjectUpdate{Name: &name, Aliases: &aliases, Description: &desc})
	must(t, "update", err)
	want.Name, want.Aliases, want.Description = name, aliases, desc
	mustDiff(t, "updated object", &want, upd)
	got, err = s.FindObjectByID(ctx, o.ID)
	must(t, "find updated", err)
	mustDiff(t, "updated object read back", &want, got)
	if _, err := s.FindObjectByName(ctx, intel.KindGroup, "Venomous Bear"); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("old alias still resolves: %v", err)
	}
	empty := ""
	_, err = s.UpdateObject(ctx, o.ID, intel.ObjectUpdate{Name: &empty})
	wantCode(t, "update with empty name", err, intel.CodeInvalid)
	_, err = s.UpdateObject(ctx, 424242, intel.ObjectUpdate{Name: &name})
	wantCode(t, "update missing", err, intel.CodeNotFound)

	wantCode(t, "create invalid", s.CreateObject(ctx, &intel.Object{Kind: "actor", Name: "x"}), intel.CodeInvalid)
	wantCode(t, "create without name", s.CreateObject(ctx, &intel.Object{Kind: intel.KindGroup}), intel.CodeInvalid)
	dup := &intel.Object{Kind: intel.KindGroup, Name: "Dup", StixID: "intrusion-set--dup"}
	must(t, "create with stix id", s.CreateObject(ctx, dup))
	dup2 := &intel.Object{Kind: intel.KindGroup, Name: "Dup 2", StixID: "intrusion-set--dup"}
	wantCode(t, "create with a taken stix id", s.CreateObject(ctx, dup2), intel.CodeConflict)

	must(t, "delete", s.DeleteObject(ctx, o.ID))
	_, err = s.FindObjectByID(ctx, o.ID)
	wantCode(t, "find deleted", err, intel.CodeNotFound)
	if err != nil && intel.ErrorMessage(err) != fmt.Sprintf("object %d not found", o.ID) {
		t.Errorf("not-found message = %q", intel.ErrorMessage(err))
	}
	wantCode(t, "delete again", s.DeleteObject(ctx, o.ID), intel.CodeNotFound)

	// Deleting an object removes its relationships.
	MustImport(t, s, FixtureBundle())
	xagent := MustFind(t, s, intel.KindSoftware, "X-Agent")
	must(t, "delete X-Agent", s.DeleteObject(ctx, xagent.ID))
	p, err := s.FindProfile(ctx, MustFind(t, s, intel.KindGroup, "APT28").ID)
	must(t, "profile", err)
	if len(p.Software) != 0 {
		t.Errorf("relationship to a deleted object survived: %+v", p.Software)
	}
}

func testObjectPaging(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	const n = 23
	want := map[int64]string{}
	for i := range n {
		// Equal names force the ID tie-break across a page boundary.
		o := &intel.Object{Kind: intel.KindTechnique, Name: fmt.Sprintf("Technique %02d", i/2)}
		must(t, "create", s.CreateObject(ctx, o))
		want[o.ID] = o.Name
	}
	must(t, "create group", s.CreateObject(ctx, &intel.Object{Kind: intel.KindGroup, Name: "Technique 00 group"}))
	got := map[int64]string{}
	var order []string
	after := ""
	pages := 0
	for {
		page, err := s.FindObjects(ctx, intel.ObjectFilter{Kind: intel.KindTechnique, After: after, Limit: 5})
		must(t, "page", err)
		pages++
		for _, o := range page.Items {
			if _, dup := got[o.ID]; dup {
				t.Errorf("object %d on two pages", o.ID)
			}
			got[o.ID] = o.Name
			order = append(order, o.Name)
		}
		if page.Next == "" {
			break
		}
		if pages > n {
			t.Fatal("paging does not end")
		}
		after = page.Next
	}
	mustDiff(t, "all pages", want, got)
	if pages != 5 {
		t.Errorf("%d pages of 5 for %d objects, want 5", pages, n)
	}
	for i := 1; i < len(order); i++ {
		if order[i] < order[i-1] {
			t.Errorf("not ordered by name: %q after %q", order[i], order[i-1])
		}
	}
	page, err := s.FindObjects(ctx, intel.ObjectFilter{NamePrefix: "technique 1", Limit: 100})
	must(t, "prefix", err)
	for _, o := range page.Items {
		if o.Name[:11] != "Technique 1" {
			t.Errorf("prefix filter returned %q", o.Name)
		}
	}
	if len(page.Items) != 3 { // i/2 for i in 20..22: 10, 10, 11
		t.Errorf("prefix 'technique 1' gave %d objects, want 3", len(page.Items))
	}
	_, err = s.FindObjects(ctx, intel.ObjectFilter{After: "not a cursor!"})
	wantCode(t, "bad cursor", err, intel.CodeInvalid)
	page, err = s.FindObjects(ctx, intel.ObjectFilter{NamePrefix: "%"})
	must(t, "prefix %", err)
	if len(page.Items) != 0 {
		t.Errorf("prefix %% matched %d objects: LIKE wildcard not escaped", len(page.Items))
	}
}
