package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// testReportEvents: an imported report's linked entities keep their
// objects, the report becomes one event (keyed by the document, within
// the report's source) with its group, software, techniques, countries,
// sectors and indicators; an analyst's confirmations and rejections change
// the event and survive a re-import of a revised text; the group's
// evidence counts the report once although ATT&CK cites it too.
func testReportEvents(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 3, "bob")
	MustImport(t, s, FixtureBundle())
	apt28 := MustFind(t, s, intel.KindGroup, "APT28")
	xagent := MustFind(t, s, intel.KindSoftware, "XAgentOSX")
	ps := MustFind(t, s, intel.KindTechnique, "PowerShell")
	phish := MustFind(t, s, intel.KindTechnique, "Phishing")
	inactive, err := s.FindObjects(ctx, intel.ObjectFilter{Kind: intel.KindGroup, IncludeInactive: true, Limit: 100})
	must(t, "inactive groups", err)
	var oldBear int64 // revoked: an entity linked to it gives the event no group
	for _, o := range inactive.Items {
		if o.Name == "Old Bear" {
			oldBear = o.ID
		}
	}
	if oldBear == 0 {
		t.Fatal("the fixture's revoked Old Bear is missing")
	}

	// The fixture's ATT&CK data cites this URL for APT28's use of
	// PowerShell: importing the report gives the citation its text.
	build := func(prefix string) *intel.ReportImport {
		text := prefix + "Fancy Bear (once Old Bear) deployed X-Agent <img src=x onerror=alert(1)> against energy firms in Ukraine, running PowerShell (T1059.001) for espionage."
		at := func(sub string) (int, int) {
			k := strings.Index(text, sub)
			return k, k + len(sub)
		}
		ent := func(typ, sub string, conf float64, obj int64) intel.EntityMention {
			s, e := at(sub)
			return intel.EntityMention{Type: typ, Text: sub, Start: s, End: e, Confidence: conf, Model: "m", ObjectID: obj}
		}
		return &intel.ReportImport{
			Source: intel.Source{Name: "Secureworks", Kind: intel.SourceReport, Credibility: 0.8, TLP: intel.TLPGreen},
			Document: intel.Document{Title: "IRON TWILIGHT", URL: "https://example.com/iron-twilight",
				Published: day(2017, 3, 1), Text: text},
			Indicators: []intel.ReportIndicator{{Indicator: intel.Indicator{Type: intel.IndicatorDomain, Value: "evil.example.com",
				Confidence: 0.5}, Count: 1}},
			Terms: []intel.TermMention{{Kind: intel.EntryCountry, Key: "UA", Name: "Ukraine", Count: 1},
				{Kind: intel.EntrySector, Key: "energy", Name: "energy", Count: 1}},
			Entities: []intel.EntityMention{
				ent("HackOrg", "Fancy Bear", 0.9, apt28.ID),
				ent("HackOrg", "Old Bear", 0.9, oldBear),
				ent("Tool", "X-Agent", 0.8, xagent.ID),
				ent("Tool", "<img src=x onerror=alert(1)>", 0.3, 0),
				ent("Purp", "espionage", 0.7, 0),
				ent("Area", "Ukraine", 0.9, 987654), // no such object: left unlinked
			},
			Techniques: []intel.TechniqueMention{
				{Technique: "T1059.001", Score: 1, Method: "id", Model: "t", ObjectID: ps.ID},
				{Technique: "T1566", Score: 0.35, Method: "classifier", Model: "t", ObjectID: phish.ID},
			},
		}
	}
	imp := build("")
	st, err := s.ImportReport(ctx, imp)
	must(t, "import", err)
	if c := st.Counts["event"]; c == nil || c.Created != 1 {
		t.Errorf("event counts = %+v, want 1 created", c)
	}
	if !strings.Contains(strings.Join(st.Warnings, "\n"), "object 987654 does not exist") {
		t.Errorf("warnings = %q, want the unknown object named", st.Warnings)
	}
	docID := imp.Document.ID
	src, err := s.FindSourceByName(ctx, "Secureworks")
	must(t, "source", err)
	ents, err := s.FindDocumentEntities(ctx, docID)
	must(t, "entities", err)
	links := map[string]int64{}
	for _, e := range ents {
		links[e.Text] = e.ObjectID
	}
	mustDiff(t, "entity links", map[string]int64{"Fancy Bear": apt28.ID, "Old Bear": oldBear, "X-Agent": xagent.ID,
		"<img src=x onerror=alert(1)>": 0, "espionage": 0, "Ukraine": 0}, links)
	techs, err := s.FindDocumentTechniques(ctx, docID)
	must(t, "techniques", err)
	if len(techs) != 2 || techs[0].ObjectID != ps.ID || techs[1].ObjectID != phish.ID {
		t.Errorf("technique links = %+v, want PowerShell then Phishing", techs)
	}

	event := func(what string) *intel.Event {
		t.Helper()
		page, err := s.FindEvents(ctx, intel.EventFilter{SourceID: src.ID})
		must(t, what, err)
		if len(page.Items) != 1 {
			t.Fatalf("%s: %d events of the report's source, want 1", what, len(page.Items))
		}
		return page.Items[0]
	}
	e := event("events")
	want := &intel.Event{ID: e.ID, Title: "IRON TWILIGHT", GroupID: apt28.ID, GroupLabel: "APT28", Key: store.ReportEventKey(docID),
		DocumentID: docID, SourceID: src.ID, FirstSeen: day(2017, 3, 1), LastSeen: day(2017, 3, 1),
		Techniques: []string{"T1059.001"}, Software: []string{"XAgentOSX"}, Sectors: []string{"energy"}, Purpose: "espionage",
		VictimCountries: []string{"UA"}, Confidence: 0.8, TLP: intel.TLPGreen, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
		IndicatorCount: 1}
	mustDiff(t, "report event", want, e)

	audits := countAudit(t, s)
	st, err = s.ImportReport(ctx, build(""))
	must(t, "re-import", err)
	if c := st.Counts["event"]; c == nil || c.Unchanged != 1 {
		t.Errorf("re-import event counts = %+v, want 1 unchanged", c)
	}
	if n := countAudit(t, s); n != audits {
		t.Errorf("an unchanged re-import wrote %d audit rows", n-audits)
	}

	// The analyst rejects the X-Agent link and confirms the weak Phishing
	// mapping.
	must(t, "reject", s.ReviewMapping(ctx, &intel.MappingReview{DocumentID: docID, Kind: intel.ReviewEntity, Type: "Tool",
		Text: "x-agent", Decision: intel.ReviewRejected}))
	must(t, "confirm", s.ReviewMapping(ctx, &intel.MappingReview{DocumentID: docID, Kind: intel.ReviewTechnique,
		Technique: "t1566", Decision: intel.ReviewConfirmed}))
	if n := countAudit(t, s); n != audits+2 {
		t.Errorf("two decisions wrote %d audit rows, want 2", n-audits)
	}
	check := func(what string) {
		t.Helper()
		e := event(what)
		if strings.Join(e.Techniques, ",") != "T1059.001,T1566" || len(e.Software) != 0 || e.GroupID != apt28.ID {
			t.Errorf("%s: event techniques %v, software %v, group %d; want T1059.001,T1566, none, APT28",
				what, e.Techniques, e.Software, e.GroupID)
		}
		ents, err := s.FindDocumentEntities(ctx, docID)
		must(t, what, err)
		for _, en := range ents {
			if want := map[bool]string{true: intel.ReviewRejected}[en.Text == "X-Agent"]; en.Decision != want {
				t.Errorf("%s: entity %q decision %q, want %q", what, en.Text, en.Decision, want)
			}
		}
		techs, err := s.FindDocumentTechniques(ctx, docID)
		must(t, what, err)
		for _, tm := range techs {
			if want := map[bool]string{true: intel.ReviewConfirmed}[tm.Technique == "T1566"]; tm.Decision != want {
				t.Errorf("%s: technique %s decision %q, want %q", what, tm.Technique, tm.Decision, want)
			}
		}
	}
	check("after the decisions")
	reviews, err := s.FindDocumentReviews(ctx, docID)
	must(t, "reviews", err)
	if len(reviews) != 2 || reviews[0].Kind != intel.ReviewEntity || reviews[0].ObjectID != xagent.ID || reviews[0].DecidedBy != "bob" ||
		reviews[1].Technique != "T1566" || reviews[1].ObjectID != phish.ID {
		t.Errorf("reviews = %+v", reviews)
	}

	// A revised text (same URL) replaces the entity rows; the decisions
	// stand.
	st, err = s.ImportReport(ctx, build("Revised. "))
	must(t, "revised", err)
	if c := st.Counts["entity"]; c == nil || c.Created == 0 {
		t.Errorf("revised entity counts = %+v, want the rows replaced", c)
	}
	check("after the revised import")

	// ATT&CK cites the report for APT28's PowerShell; the group's
	// evidence holds one event for the report, with what both say.
	ev, err := s.FindGroupEvidence(ctx)
	must(t, "group evidence", err)
	for _, g := range ev {
		if g.GroupID != apt28.ID {
			continue
		}
		var same []*intel.Event
		for _, e := range g.Events {
			if e.DocumentID == docID {
				same = append(same, e)
			}
		}
		if len(same) != 1 {
			t.Fatalf("APT28 has %d events of the report, want 1", len(same))
		}
		if e := same[0]; strings.Join(e.Techniques, ",") != "T1059.001,T1566" || strings.Join(e.VictimCountries, ",") != "UA" ||
			len(e.Indicators) != 1 {
			t.Errorf("joined report event = %+v", e)
		}
	}

	wantCode(t, "unknown entity", s.ReviewMapping(ctx, &intel.MappingReview{DocumentID: docID, Kind: intel.ReviewEntity,
		Type: "Tool", Text: "Mimikatz", Decision: intel.ReviewConfirmed}), intel.CodeNotFound)
	wantCode(t, "unknown technique", s.ReviewMapping(ctx, &intel.MappingReview{DocumentID: docID, Kind: intel.ReviewTechnique,
		Technique: "T1003", Decision: intel.ReviewConfirmed}), intel.CodeNotFound)
	wantCode(t, "bad decision", s.ReviewMapping(ctx, &intel.MappingReview{DocumentID: docID, Kind: intel.ReviewTechnique,
		Technique: "T1566", Decision: "maybe"}), intel.CodeInvalid)

	// The analyst withdraws the rejection of X-Agent: undecided again, the
	// link's confidence puts the software back on the event; audited.
	audits = countAudit(t, s)
	w := &intel.MappingReview{DocumentID: docID, Kind: intel.ReviewEntity, Type: "Tool", Text: "X-Agent", Decision: intel.ReviewWithdrawn}
	must(t, "withdraw", s.ReviewMapping(ctx, w))
	if w.ObjectID != xagent.ID || w.DecidedBy != "bob" {
		t.Errorf("withdrawn review = %+v, want the X-Agent object and bob", w)
	}
	if n := countAudit(t, s); n != audits+1 {
		t.Errorf("a withdrawal wrote %d audit rows, want 1", n-audits)
	}
	if e := event("after the withdrawal"); strings.Join(e.Software, ",") != "XAgentOSX" || strings.Join(e.Techniques, ",") != "T1059.001,T1566" {
		t.Errorf("event after the withdrawal: software %v techniques %v, want XAgentOSX and both techniques", e.Software, e.Techniques)
	}
	reviews, err = s.FindDocumentReviews(ctx, docID)
	must(t, "reviews after the withdrawal", err)
	if len(reviews) != 1 || reviews[0].Technique != "T1566" {
		t.Errorf("reviews after the withdrawal = %+v, want only T1566's", reviews)
	}
	ents, err = s.FindDocumentEntities(ctx, docID)
	must(t, "entities after the withdrawal", err)
	for _, en := range ents {
		if en.Decision != "" {
			t.Errorf("entity %q still has decision %q", en.Text, en.Decision)
		}
	}
	// Withdrawing the confirmation of the weak Phishing mapping takes it
	// off the event (its score is under the threshold).
	must(t, "withdraw technique", s.ReviewMapping(ctx, &intel.MappingReview{DocumentID: docID, Kind: intel.ReviewTechnique,
		Technique: "T1566", Decision: intel.ReviewWithdrawn}))
	if e := event("after the second withdrawal"); strings.Join(e.Techniques, ",") != "T1059.001" {
		t.Errorf("event techniques after withdrawing T1566's confirmation: %v, want T1059.001", e.Techniques)
	}
	audits = countAudit(t, s)
	wantCode(t, "withdraw again", s.ReviewMapping(ctx, &intel.MappingReview{DocumentID: docID, Kind: intel.ReviewTechnique,
		Technique: "T1566", Decision: intel.ReviewWithdrawn}), intel.CodeNotFound)
	wantCode(t, "withdraw on an unknown entity", s.ReviewMapping(ctx, &intel.MappingReview{DocumentID: docID,
		Kind: intel.ReviewEntity, Type: "Tool", Text: "Mimikatz", Decision: intel.ReviewWithdrawn}), intel.CodeNotFound)
	if n := countAudit(t, s); n != audits {
		t.Errorf("failed withdrawals wrote %d audit rows", n-audits)
	}
}

// testReportReread: a report's stored entities linked again (one link
// added, one dropped) are written with the model they had, the event
// follows, the analyst's decision stays; a reading of an older text is a
// conflict that writes nothing; the same reading again changes nothing
// and writes no audit row. ReportDocumentIDs lists the documents with
// text only.
func testReportReread(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 3, "bob")
	MustImport(t, s, FixtureBundle())
	apt28 := MustFind(t, s, intel.KindGroup, "APT28")
	xagent := MustFind(t, s, intel.KindSoftware, "XAgentOSX")
	text := "Fancy Bear deployed X-Agent against ministries."
	imp := &intel.ReportImport{Document: intel.Document{Title: "Old", URL: "https://example.com/old", Text: text},
		Entities: []intel.EntityMention{
			{Type: "HackOrg", Text: "Fancy Bear", Start: 0, End: 10, Confidence: 0.9, Model: "old"},
			{Type: "Tool", Text: "X-Agent", Start: 20, End: 27, Confidence: 0.8, Model: "old", ObjectID: apt28.ID},
		}}
	_, err := s.ImportReport(ctx, imp)
	must(t, "import", err)
	bare := &intel.Document{Title: "Citation only", URL: "https://example.com/cited"}
	must(t, "citation", s.CreateDocument(ctx, bare))
	ids, err := s.ReportDocumentIDs(ctx)
	must(t, "report ids", err)
	if !slices.Contains(ids, imp.Document.ID) || slices.Contains(ids, bare.ID) {
		t.Errorf("report document ids %v: want %d (the report) and not %d (a citation without text)", ids, imp.Document.ID, bare.ID)
	}
	docID := imp.Document.ID
	must(t, "reject", s.ReviewMapping(ctx, &intel.MappingReview{DocumentID: docID, Kind: intel.ReviewEntity, Type: "Tool",
		Text: "X-Agent", Decision: intel.ReviewRejected, ObjectID: xagent.ID}))
	d, err := s.FindDocumentByID(ctx, docID)
	must(t, "document", err)
	ents, err := s.FindDocumentEntities(ctx, docID)
	must(t, "entities", err)
	ents[0].ObjectID, ents[1].ObjectID = apt28.ID, 0

	wantCode(t, "stale reading", func() error {
		_, err := s.RereadReport(ctx, docID, "not-the-hash", ents, nil)
		return err
	}(), intel.CodeConflict)
	audits := countAudit(t, s)
	st, err := s.RereadReport(ctx, docID, d.ContentHash, ents, nil)
	must(t, "reread", err)
	if c := st.Counts["entity"]; c == nil || c.Updated != 2 {
		t.Errorf("entity counts = %+v, want 2 updated", c)
	}
	if n := countAudit(t, s); n != audits+1 {
		t.Errorf("a reread wrote %d audit rows, want 1", n-audits)
	}
	got, err := s.FindDocumentEntities(ctx, docID)
	must(t, "entities after", err)
	if len(got) != 2 || got[0].ObjectID != apt28.ID || got[0].Model != "old" || got[1].ObjectID != 0 || got[1].Decision != intel.ReviewRejected {
		t.Errorf("entities after the reread = %+v, want Fancy Bear linked to APT28 (model kept), X-Agent unlinked and still rejected", got)
	}
	page, err := s.FindEvents(ctx, intel.EventFilter{})
	must(t, "events", err)
	found := false
	for _, e := range page.Items {
		if e.Key == store.ReportEventKey(docID) {
			found = true
			if e.GroupID != apt28.ID || len(e.Software) != 0 {
				t.Errorf("report event = group %d software %v, want APT28 and none", e.GroupID, e.Software)
			}
		}
	}
	if !found {
		t.Errorf("no event of the reread report among %+v", page.Items)
	}
	audits = countAudit(t, s)
	st, err = s.RereadReport(ctx, docID, d.ContentHash, got, nil)
	must(t, "reread again", err)
	if c := st.Counts["entity"]; c == nil || c.Unchanged != 2 || c.Updated+c.Created != 0 || st.Counts["event"].Unchanged != 1 {
		t.Errorf("second reread counts = %+v / %+v, want all unchanged", c, st.Counts["event"])
	}
	if n := countAudit(t, s); n != audits {
		t.Errorf("an unchanged reread wrote %d audit rows", n-audits)
	}
	wantCode(t, "unknown document", func() error {
		_, err := s.RereadReport(ctx, 987654, d.ContentHash, nil, nil)
		return err
	}(), intel.CodeNotFound)
}
