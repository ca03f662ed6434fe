package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// escapedXSS is how the payload looks once escaped in HTML.
const escapedXSS = "&lt;script&gt;alert(1)&lt;/script&gt;"

// provenance is what seedProvenance adds to a test base.
type provenance struct {
	Pawn     *intel.Object // a galaxy group no rule merges into APT28
	Event    *intel.Event  // attributed to APT28, with a hostile title
	C2, IP   *intel.Indicator
	Report   *intel.Document // a report whose text names APT28
	ReportIP *intel.Indicator
}

// seedProvenance imports, through the store calls the collectors use, a
// second source's record of APT28 (merged by its ATT&CK ID, with a
// hostile alias), a galaxy group of its own, an IOC list from two sources
// with an event attributed to APT28, and a report that mentions APT28.
func seedProvenance(t *testing.T, e *testEnv) *provenance {
	t.Helper()
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	holds := func(k string) intel.XRef { return intel.XRef{Key: k, Type: intel.XRefHolds} }
	galaxy := &intel.Bundle{
		Source: intel.Source{Name: "galaxy", Kind: intel.SourceMISP, Credibility: 0.6},
		Objects: []intel.Object{
			{Kind: intel.KindGroup, StixID: "misp-galaxy:sofacy", Name: "Sofacy Group", Aliases: []string{"Sednit", xss},
				Country: "RU", Sectors: []string{"Government"}, VictimCountries: []string{"GE"}, Motivations: []string{"Espionage"},
				XRefs: []intel.XRef{holds("uuid:s1"), holds("attack:G0007")}, Confidence: 1},
			{Kind: intel.KindGroup, StixID: "misp-galaxy:pawn", Name: "Pawn Storm", XRefs: []intel.XRef{holds("uuid:p1")}, Confidence: 1},
		},
	}
	if _, err := e.Store.ImportBundle(ctx, galaxy, nil); err != nil {
		t.Fatalf("import galaxy: %v", err)
	}
	day := func(m, d int) time.Time { return time.Date(2023, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	batch := &intel.IndicatorBatch{
		Sources: []intel.Source{
			{Name: "blog", Kind: intel.SourceIOCList, Credibility: 0.2},
			{Name: "vendor", Kind: intel.SourceIOCList, Credibility: 1, TLP: intel.TLPGreen},
		},
		Events: []intel.EventRow{{Key: "apt28/op-a", Title: "Operation " + xss, GroupLabel: "apt_28", GroupExternalID: "G0007",
			FirstSeen: day(1, 1), LastSeen: day(3, 1), Source: 1}},
		Indicators: []intel.IndicatorRow{
			{Type: intel.IndicatorDomain, Value: "c2.evil.test", Description: "blog says phishing", FirstSeen: day(1, 5),
				LastSeen: day(1, 5), Confidence: 1, Source: 0},
			{Type: intel.IndicatorDomain, Value: "c2.evil.test", Description: "vendor says C2", FirstSeen: day(1, 1),
				LastSeen: day(3, 1), Confidence: 0.5, Source: 1, Event: 1},
			{Type: intel.IndicatorIPv4, Value: "198.51.100.9", FirstSeen: day(2, 1), LastSeen: day(2, 1), Confidence: 1, Source: 1, Event: 1},
		},
		Rows: 3,
	}
	if _, err := e.Store.ImportIndicators(ctx, batch, nil); err != nil {
		t.Fatalf("import indicators: %v", err)
	}
	group, err := e.Store.FindObjectByName(ctx, intel.KindGroup, "Sofacy Group")
	if err != nil || group.ID != e.Group.ID {
		t.Fatalf("the galaxy record did not merge into APT28: %+v %v", group, err)
	}
	p := &provenance{}
	if p.Pawn, err = e.Store.FindObjectByName(ctx, intel.KindGroup, "Pawn Storm"); err != nil || p.Pawn.ID == e.Group.ID {
		t.Fatalf("Pawn Storm: %+v %v", p.Pawn, err)
	}
	events, err := e.Store.FindEvents(ctx, intel.EventFilter{GroupID: e.Group.ID})
	if err != nil || len(events.Items) != 1 {
		t.Fatalf("events of APT28: %+v %v", events, err)
	}
	p.Event = events.Items[0]
	p.C2 = mustIndicator(t, e, intel.IndicatorDomain, "c2.evil.test")
	p.IP = mustIndicator(t, e, intel.IndicatorIPv4, "198.51.100.9")

	text := "APT28, also tracked as Sofacy, contacted 185.220.101.7 again. APT28 is busy."
	imp := &intel.ReportImport{
		Source:   intel.Source{Name: "paper-kite-labs", Kind: intel.SourceReport, Credibility: 0.6},
		Document: intel.Document{Title: "Operation Paper Kite", URL: "https://labs.example.com/paper-kite", Text: text, Published: day(5, 17)},
		Indicators: []intel.ReportIndicator{{Indicator: intel.Indicator{Type: intel.IndicatorIPv4, Value: "185.220.101.7", Confidence: 1},
			Count: 1, FirstOffset: strings.Index(text, "185")}},
		Mentions: []intel.Mention{{ObjectID: e.Group.ID, Name: "APT28", Count: 2}},
		Terms: []intel.TermMention{{Kind: intel.EntryCountry, Key: "UA", Name: "Ukrainian", Count: 2},
			{Kind: intel.EntrySector, Key: "government", Name: "Ministry", Count: 1}},
	}
	if _, err := e.Store.ImportReport(ctx, imp); err != nil {
		t.Fatalf("import report: %v", err)
	}
	if p.Report, err = e.Store.FindDocumentByID(ctx, imp.Document.ID); err != nil {
		t.Fatal(err)
	}
	p.ReportIP = mustIndicator(t, e, intel.IndicatorIPv4, "185.220.101.7")
	return p
}

func mustIndicator(t *testing.T, e *testEnv, typ intel.IndicatorType, value string) *intel.Indicator {
	t.Helper()
	page, err := e.Store.FindIndicators(t.Context(), intel.IndicatorFilter{Type: typ, Value: value})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("indicator %s %s: %+v %v", typ, value, page.Items, err)
	}
	return page.Items[0]
}

func TestGroupProvenance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := seedProvenance(t, e)
	g := "/groups/" + id(e.Group.ID)
	ev := "/events/" + id(p.Event.ID)
	runScenarios(t, e, []scenario{
		{Name: "group page", URL: g, As: "reader", ExpectedStatus: 200, ExpectedContent: []string{
			// Names with their sources, the hostile alias escaped.
			`<table id="alias-sources"`, "<td>Sofacy Group</td>", "<li>galaxy</li>", "<li>test-attack</li>", "<td>" + escapedXSS + "</td>",
			// The group's fields from the second source, and victims.
			"<dt>Targeted sectors</dt>", "<li>Government</li>", "<dt>Victim countries</dt>", "<li>GE</li>", "<li>Espionage</li>",
			// The merge log: rule, source, evidence.
			`<table id="merge-log"`, `<span class="badge">key</span>`, "<td>galaxy</td>", "attack:G0007",
			// Indicators of the attributed event, most confident first.
			`<table id="group-indicators"`, "2 from attributed events", `<a href="/indicators/` + id(p.C2.ID) + `">c2.evil.test</a>`,
			`<a href="/indicators/` + id(p.IP.ID) + `">198.51.100.9</a>`,
			// Its events with source and indicator count.
			`<table id="group-events"`, `<a href="` + ev + `">Operation ` + escapedXSS + `</a>`, "<td>vendor</td>", "<td>2</td>",
			// Cited reports and reports that mention it.
			"Crowdstrike", `<table id="mentions"`, `<a href="/documents/` + id(p.Report.ID) + `">Operation Paper Kite</a>`, "<td>APT28</td>",
			`<table id="records"`, "misp-galaxy:sofacy"},
			NotExpectedContent: []string{xss, `id="merge-form"`, `name="key"`, `action="` + g + `/split"`}},
		{Name: "analyst gets the forms", URL: g, As: "analyst", ExpectedStatus: 200, ExpectedContent: []string{
			`<form action="` + g + `/merge" method="post" class="stack" id="merge-form">`,
			`<input type="checkbox" name="key" value="misp-galaxy:sofacy"`, `<span class="hint">primary</span>`, "Split off"}},
		{Name: "group JSON carries the provenance", URL: "/api/v1" + g, Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{
			`"object":{"id":` + id(e.Group.ID), `"techniques":[`,
			`{"alias":"Sofacy Group","sources":["galaxy"]}`, `"alias":"\u003cscript\u003ealert(1)\u003c/script\u003e"`,
			`"records":[{`, `"key":"misp-galaxy:sofacy"`, `"merges":[{`, `"rule":"key"`, `"evidence":"attack:G0007"`,
			`"targets":[`, `"indicator_total":2`, `"value":"c2.evil.test"`, `"events":[{`, `"indicator_count":2`, `"source_name":"vendor"`,
			`"more_events":false`, `"mentions":[{"document":{`, `"mention_total":1`}},
		{URL: "/api/v1" + g + "/aliases", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`{"items":[{"alias":"APT28","sources":["test-attack"]}`}},
		{URL: "/api/v1" + g + "/records", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"primary":true`, `"source_name":"galaxy"`}},
		{URL: "/api/v1" + g + "/merges", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"key":"misp-galaxy:sofacy"`, `"source_name":"galaxy"`}},
		{URL: "/api/v1" + g + "/targets", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"items":[`}},
		{URL: "/api/v1" + g + "/mentions", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"title":"Operation Paper Kite"`, `"count":2`}},
		{URL: "/api/v1" + g + "/indicators?limit=1", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"total":2`}},
		{URL: "/api/v1" + g + "/events", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"group_id":` + id(e.Group.ID)}},
		{Name: "sub-resource of a technique", URL: "/api/v1/groups/" + id(e.Technique.ID) + "/aliases", Bearer: "reader", ExpectedStatus: 404},
		{Name: "events of a technique", URL: "/api/v1/groups/" + id(e.Technique.ID) + "/events", Bearer: "reader", ExpectedStatus: 404},
		{Name: "bad limit", URL: "/api/v1" + g + "/indicators?limit=0", Bearer: "reader", ExpectedStatus: 400},
		{URL: "/api/v1/events?group_id=" + id(e.Group.ID), Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"title":"Operation \u003cscript\u003e`}},
		{URL: "/api/v1/events?group_id=x", Bearer: "reader", ExpectedStatus: 400},
		{URL: "/api/v1" + ev, Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"indicators":[{`, `"value":"198.51.100.9"`}},
		{URL: "/api/v1/events/99999", Bearer: "reader", ExpectedStatus: 404},
		{Name: "event page lists its indicators", URL: ev, As: "reader", ExpectedStatus: 200, ExpectedContent: []string{
			"<h1>Operation " + escapedXSS + "</h1>", `<a href="/groups/` + id(e.Group.ID) + `">APT28</a>`, "the source says “apt_28”",
			`<a href="/indicators/` + id(p.C2.ID) + `">c2.evil.test</a>`, `<a href="/indicators/` + id(p.IP.ID) + `">198.51.100.9</a>`, "vendor"},
			NotExpectedContent: []string{xss}},
		{URL: "/events?group_id=" + id(e.Group.ID), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`<a href="` + ev + `">Operation ` + escapedXSS + `</a>`}, NotExpectedContent: []string{xss}},
		{URL: "/events?group_id=" + id(e.Technique.ID), As: "reader", ExpectedStatus: 404},
		{Name: "indicator page shows both sources", URL: "/indicators/" + id(p.C2.ID), As: "reader", ExpectedStatus: 200, ExpectedContent: []string{
			`<table id="provenance"`, `<a href="/sources/`, ">vendor</a></td>\n<td class=\"num\">0.50</td>", ">blog</a></td>\n<td class=\"num\">0.20</td>", "2 sources",
			`<h2>Events that hold it</h2>`, `<a href="` + ev + `">Operation ` + escapedXSS + `</a>`}},
		{Name: "indicator JSON", URL: "/api/v1/indicators/" + id(p.C2.ID), Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{
			`"value":"c2.evil.test"`, `"sources":[{`, `"source_name":"vendor"`, `"confidence":0.5`, `"source_name":"blog"`, `"confidence":0.2`,
			`"sightings":[]`, `"related":[]`, `"events":[{`, `"indicator_count":2`}},
		{Name: "document page", URL: "/documents/" + id(p.Report.ID), As: "reader", ExpectedStatus: 200, ExpectedContent: []string{
			`<table id="doc-mentions"`, `<a href="/groups/` + id(e.Group.ID) + `">APT28</a>`, "G0007",
			`<table id="doc-indicators"`, `<a href="/indicators/` + id(p.ReportIP.ID) + `">185.220.101.7</a>`,
			`<dl id="doc-terms"`, `<a href="/documents?country=UA" title="written Ukrainian, 2×; reports that name it">Ukraine <span class="ext">UA</span></a>`,
			`<dt>Sectors</dt>`, `<a href="/documents?sector=government" title="written Ministry, 1×; reports that name it">government</a>`}},
		{Name: "documents that name a country", URL: "/documents?country=UA", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{
			`that name Ukraine`, `<a href="/documents/` + id(p.Report.ID) + `">Operation Paper Kite</a>`}},
		{Name: "documents that name a sector and a country", URL: "/documents?sector=Ministry&country=PL", As: "reader", ExpectedStatus: 200,
			ExpectedContent:    []string{`that name Poland and the government sector`, "No document names Poland and the government sector."},
			NotExpectedContent: []string{"Operation Paper Kite"}},
		{Name: "documents JSON by country name", URL: "/api/v1/documents?country=ukraine", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"title":"Operation Paper Kite"`}},
		{Name: "unknown country", URL: "/api/v1/documents?country=Atlantis", Bearer: "reader", ExpectedStatus: 400,
			ExpectedContent: []string{`country \"Atlantis\": not an ISO 3166 code or country name`}},
		{Name: "unknown sector", URL: "/documents?sector=" + url.QueryEscape(xss), As: "reader", ExpectedStatus: 400,
			NotExpectedContent: []string{xss}},
		{Name: "document JSON", URL: "/api/v1/documents/" + id(p.Report.ID), Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{
			`"mentions":[{`, `"object_kind":"group","object_name":"APT28"`, `"indicators":[{"indicator":{`,
			`"countries":[{"document_id":` + id(p.Report.ID) + `,"kind":"country","key":"UA","name":"Ukrainian","count":2,`,
			`"label":"Ukraine"`, `"sectors":[{`, `"key":"government"`}},
		// The list's event and the imported report's own (unattributed:
		// no entity of it links a group).
		{Name: "dashboard counts events", URL: "/", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{
			`<span class="n">2</span> <span class="label">Events</span>`, `<span class="n">1</span> <span class="label">Attributed events</span>`}},
		{URL: "/api/v1/counts", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"event":2`, `"event_attributed":1`}},
	})

	// The new pages keep the CSP promise: nothing inline.
	for _, u := range []string{g, ev, "/events", "/indicators/" + id(p.C2.ID), "/documents/" + id(p.Report.ID)} {
		body := scenario{URL: u, As: "admin", ExpectedStatus: 200}.run(t, e).Body.String()
		for _, re := range []interface{ FindString(string) string }{scriptTagRE, onAttrRE, styleRE} {
			if m := re.FindString(body); m != "" && !strings.Contains(m, " src=") {
				t.Errorf("%s: inline code %q", u, m)
			}
		}
	}
}

func TestGroupMergeSplit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := seedProvenance(t, e)
	g, pawn := "/groups/"+id(e.Group.ID), "/groups/"+id(p.Pawn.ID)
	api := "/api/v1" + g
	runScenarios(t, e, []scenario{
		{Name: "reader cannot merge (page)", Method: "POST", URL: g + "/merge", As: "reader",
			Form: url.Values{"other": {"Pawn Storm"}, "reason": {"x"}}, ExpectedStatus: 403},
		{Name: "reader cannot split (page)", Method: "POST", URL: g + "/split", As: "reader",
			Form: url.Values{"key": {"misp-galaxy:sofacy"}, "reason": {"x"}}, ExpectedStatus: 403},
		{Name: "reader cannot merge (API)", Method: "POST", URL: api + "/merge", Bearer: "reader",
			JSON: `{"other":"Pawn Storm","reason":"x"}`, ExpectedStatus: 403},
		{Name: "reader cannot split (API)", Method: "POST", URL: api + "/split", Bearer: "reader",
			JSON: `{"keys":["misp-galaxy:sofacy"],"reason":"x"}`, ExpectedStatus: 403},
		{Name: "split without reason (API)", Method: "POST", URL: api + "/split", Bearer: "analyst",
			JSON: `{"keys":["misp-galaxy:sofacy"]}`, ExpectedStatus: 400, ExpectedContent: []string{"a reason is required"}},
		{Name: "split with a blank reason (page)", Method: "POST", URL: g + "/split", As: "analyst",
			Form: url.Values{"key": {"misp-galaxy:sofacy"}, "reason": {"  "}}, ExpectedStatus: 400,
			ExpectedContent: []string{`<p class="error" role="alert">say why the records are another group: a reason is required</p>`,
				`value="misp-galaxy:sofacy" aria-label="split off misp-galaxy:sofacy" checked>`}},
		{Name: "split of nothing", Method: "POST", URL: api + "/split", Bearer: "analyst",
			JSON: `{"reason":"x"}`, ExpectedStatus: 400, ExpectedContent: []string{"pick the records"}},
		{Name: "split of the primary record", Method: "POST", URL: api + "/split", Bearer: "analyst",
			JSON: `{"names":["APT28"],"reason":"x"}`, ExpectedStatus: 400, ExpectedContent: []string{"primary record"}},
		{Name: "split of a technique", Method: "POST", URL: "/api/v1/groups/" + id(e.Technique.ID) + "/split", Bearer: "analyst",
			JSON: `{"names":["x"],"reason":"x"}`, ExpectedStatus: 404},
		{Name: "merge without reason (page)", Method: "POST", URL: g + "/merge", As: "analyst",
			Form: url.Values{"other": {"Pawn Storm"}}, ExpectedStatus: 400,
			ExpectedContent: []string{"a reason is required", `id="merge-other" name="other" value="Pawn Storm"`}},
		{Name: "merge of an unknown group (page)", Method: "POST", URL: g + "/merge", As: "analyst",
			Form: url.Values{"other": {"Ghost " + xss}, "reason": {"r"}}, ExpectedStatus: 400,
			ExpectedContent: []string{"no group &#34;Ghost " + escapedXSS + "&#34; to merge in"}, NotExpectedContent: []string{xss}},
		{Name: "merge into itself", Method: "POST", URL: api + "/merge", Bearer: "analyst",
			JSON: `{"other":"Fancy Bear","reason":"x"}`, ExpectedStatus: 400, ExpectedContent: []string{"is this group"}},
		{Name: "merge by both", Method: "POST", URL: api + "/merge", Bearer: "analyst",
			JSON: `{"other":"Pawn Storm","other_id":` + id(p.Pawn.ID) + `,"reason":"x"}`, ExpectedStatus: 400},
		{Name: "merge of a technique", Method: "POST", URL: api + "/merge", Bearer: "analyst",
			JSON: `{"other_id":` + id(e.Technique.ID) + `,"reason":"x"}`, ExpectedStatus: 400},
		{Name: "unknown field", Method: "POST", URL: api + "/merge", Bearer: "analyst",
			JSON: `{"keep":1,"reason":"x"}`, ExpectedStatus: 400, ExpectedContent: []string{`unknown field \"keep\"`}},
	})

	// Merge by name through the API, then split the same record off: the
	// names move and come back, and the log says who and why.
	scenario{Method: "POST", URL: api + "/merge", Bearer: "analyst", JSON: `{"other":"Pawn Storm","reason":"same GRU unit"}`,
		ExpectedStatus: 200, ExpectedContent: []string{`"id":` + id(e.Group.ID), `"name":"APT28"`, `"Pawn Storm"`}}.run(t, e)
	findGroup := func(name string) int64 {
		t.Helper()
		o, err := e.Store.FindObjectByName(t.Context(), intel.KindGroup, name)
		if err != nil {
			t.Fatalf("find %s: %v", name, err)
		}
		return o.ID
	}
	if got := findGroup("Pawn Storm"); got != e.Group.ID {
		t.Fatalf("after the merge Pawn Storm is group %d, want APT28 %d", got, e.Group.ID)
	}
	runScenarios(t, e, []scenario{
		{Name: "the merged group is gone", URL: "/api/v1" + pawn, Bearer: "reader", ExpectedStatus: 404},
		{Name: "the merge is logged", URL: api + "/merges", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{
			`"other_id":` + id(p.Pawn.ID), `"rule":"manual-merge"`, `"evidence":"merged \"Pawn Storm\": same GRU unit"`, `"login":"analyst"`}},
		{Name: "the page shows it", URL: g, As: "reader", ExpectedStatus: 200, ExpectedContent: []string{
			`<span class="badge">manual-merge</span>`, "same GRU unit", "<td>analyst</td>", "<td>Pawn Storm</td>"}},
	})
	w := scenario{Method: "POST", URL: api + "/split", Bearer: "analyst", JSON: `{"keys":["misp-galaxy:pawn"],"reason":"different operators"}`,
		ExpectedStatus: 201, ExpectedContent: []string{`"name":"Pawn Storm"`}}.run(t, e)
	var split intel.Object
	if err := json.Unmarshal(w.Body.Bytes(), &split); err != nil || split.ID == 0 || split.ID == e.Group.ID {
		t.Fatalf("split answered %s (%v)", w.Body, err)
	}
	if got := findGroup("Pawn Storm"); got != split.ID {
		t.Errorf("after the split Pawn Storm is group %d, want the new %d", got, split.ID)
	}
	if got := findGroup("Sednit"); got != e.Group.ID {
		t.Errorf("the split moved Sednit to %d", got)
	}
	scenario{Name: "APT28 lost the name", URL: api + "/aliases", Bearer: "reader", ExpectedStatus: 200,
		NotExpectedContent: []string{"Pawn Storm"}}.run(t, e)

	// The same round trip through the page forms, which land on the
	// resulting group.
	scenario{Method: "POST", URL: g + "/merge", As: "analyst", Form: url.Values{"other": {"Pawn Storm"}, "reason": {"one actor after all"}},
		ExpectedStatus: 303, ExpectedHeader: map[string]string{"Location": g}}.run(t, e)
	if got := findGroup("Pawn Storm"); got != e.Group.ID {
		t.Fatalf("after the form merge Pawn Storm is group %d", got)
	}
	w = scenario{Method: "POST", URL: g + "/split", As: "analyst", Form: url.Values{"key": {"misp-galaxy:pawn"}, "reason": {"two actors again"}},
		ExpectedStatus: 303}.run(t, e)
	again := findGroup("Pawn Storm")
	if again == e.Group.ID || w.Header().Get("Location") != "/groups/"+id(again) {
		t.Errorf("the form split went to %q; Pawn Storm is %d", w.Header().Get("Location"), again)
	}
	scenario{Name: "the new group's page", URL: "/groups/" + id(again), As: "reader", ExpectedStatus: 200, ExpectedContent: []string{
		"<h1>Pawn Storm", `<span class="badge">manual-split</span>`, "two actors again", `<a href="` + g + `">other group</a>`}}.run(t, e)
	audit, err := e.Store.FindAudit(t.Context(), intel.AuditFilter{UserID: e.As["analyst"].User.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range audit.Items {
		if strings.HasPrefix(a.Action, "group.") { // not the analyst's sign-in
			actions = append(actions, a.Action)
		}
	}
	if strings.Join(actions, " ") != "group.split group.merge group.split group.merge" {
		t.Errorf("audited actions (newest first) = %q", actions)
	}
}
