package storetest

import (
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

	// The fixture's ATT&CK data cites this URL for APT28's use of
	// PowerShell: importing the report gives the citation its text.
	build := func(prefix string) *intel.ReportImport {
		text := prefix + "Fancy Bear deployed X-Agent <img src=x onerror=alert(1)> against energy firms in Ukraine, running PowerShell (T1059.001) for espionage."
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
	mustDiff(t, "entity links", map[string]int64{"Fancy Bear": apt28.ID, "X-Agent": xagent.ID,
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
}
