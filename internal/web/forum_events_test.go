package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// The hostile thread of seedForumEvents: markup in its title and post,
// HTML character references as HackHound keeps them.
const (
	hostileTitle = `<svg onload=alert(5)>Leak &amp; dump &#33;`
	hostileText  = `<script>alert(6)</script> grab <a href="javascript:alert(8)" onmouseover="alert(10)">it</a> jabber: evil@xmpp.example`
)

// seedForumEvents stores threat events of the fixture forum's threads as
// spoor forum events stores them: a crypter sale, a DDoS service and a
// hostile leak whose entities cover markup.
func seedForumEvents(t *testing.T, e *testEnv, f *forum.Forum) {
	t.Helper()
	hostile := []forum.Post{{Forum: f.Name, Section: "Leaks", Thread: "t500", ThreadTitle: hostileTitle, Key: "5001", Author: "leaker",
		Text: hostileText, Position: 0},
		{Forum: f.Name, Section: "Leaks", Thread: "t600", ThreadTitle: "Huge dump", Key: "6001", Author: "leaker",
			Text: strings.Repeat("<b>dump</b> ", 40000) + "<script>alert(11)</script>", Position: 0}}
	if _, err := e.Store.ImportForumPosts(t.Context(), "", store.ForumImport{Source: "hostile.jsonl", Format: "jsonl"}, hostile); err != nil {
		t.Fatal(err)
	}
	text := forum.EventText(hostileTitle, hostileText)
	span := func(typ, kind, s, source string) forum.Entity {
		i := strings.Index(text, s)
		if i < 0 {
			t.Fatalf("%q not in %q", s, text)
		}
		return forum.Entity{Type: typ, Kind: kind, Text: s, Start: i, End: i + len(s), Source: source}
	}
	crypter := forum.EventText("Selling FUD crypter v2", "Selling FUD crypter v2")
	at := func(d int) time.Time { return time.Date(2024, 3, d, 8, 0, 0, 0, time.UTC) }
	ev := func(thread, title, kind string, day int, techniques ...string) *intel.Event {
		return &intel.Event{Title: title, Key: "forum:" + f.Name + ":" + thread, Purpose: kind, Confidence: 0.6, Techniques: techniques,
			FirstSeen: at(day), LastSeen: at(day), Times: []time.Time{at(day)}, TLP: intel.TLPAmber}
	}
	crypterEvent := ev("t100", "Selling FUD crypter v2", "trade", 4, "T1027")
	crypterEvent.Software = []string{"crypter"}
	saves := []store.ForumEventSave{
		{Event: crypterEvent, Reading: forum.Event{Thread: "t100", PostKey: "1001", Author: "zeus_vendor",
			Kind: "trade", KindScore: 0.8, Role: "Vendor", RoleScore: 0.7, Entities: []forum.Entity{{Type: "tool", Text: "crypter", Start: strings.Index(crypter, "crypter"),
				End: strings.Index(crypter, "crypter") + 7, Source: "recogniser"}}}},
		{Event: ev("t200", "DDoS service, 100 Gbps", "service", 6), Reading: forum.Event{Thread: "t200", PostKey: "2001", Author: "stresser_pro",
			Kind: "service", KindScore: 0.9, Role: "Vendor", RoleScore: 0.6, Entities: []forum.Entity{{Type: "cue", Kind: "kind:service", Text: "DDoS",
				Start: 0, End: 4, Source: "model"}}}},
		{Event: ev("t500", "Leak & dump !", "leak", 20, "T1567"), Reading: forum.Event{Thread: "t500", PostKey: "5001", Author: "leaker",
			Kind: "leak", KindScore: 0.5, Entities: []forum.Entity{span("malware", "", "<script>alert(6)</script>", "recogniser"),
				span("contact", "jabber", "evil@xmpp.example", "pattern"), {Type: "tool", Text: "beyond", Start: len(text) + 3, End: len(text) + 9, Source: "lookup"}}}},
		{Event: ev("t600", "Huge dump", "leak", 1), Reading: forum.Event{Thread: "t600", PostKey: "6001", Author: "leaker", Kind: "leak", KindScore: 0.4,
			// An entity past the page's clip.
			Entities: []forum.Entity{{Type: "malware", Text: "<script>alert(11)</script>", Start: 10 + 12*40000, End: 10 + 12*40000 + 26, Source: "recogniser"}}}},
	}
	src := &intel.Source{Name: "forum: " + f.Name, Kind: intel.SourceForum, Format: "forum", Credibility: 0.2}
	if err := e.Store.UpsertSource(t.Context(), src); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.SaveForumEvents(t.Context(), src.ID, f.Name, saves); err != nil {
		t.Fatal(err)
	}
}

// The threat-event page and API list a forum's events newest first,
// filter by kind, technique and day, and show hostile titles and posts as
// decoded, escaped text with the entities marked around escaped text.
func TestForumEvents(t *testing.T) {
	e := newEnv(t)
	f := seedForum(t, e)
	seedForumEvents(t, e, f)
	page := fmt.Sprintf("/forums/%d/events", f.ID)
	api := "/api/v1" + page
	hostileInert := []string{"<script>alert", "<svg", `href="javascript:`, "onmouseover=\"", "<a href=\"javascript", "&amp;#33;", "<b>dump", "alert(11)"}
	runScenarios(t, e, []scenario{
		{Name: "anonymous API", URL: api, ExpectedStatus: http.StatusUnauthorized},
		{Name: "anonymous page", URL: page, ExpectedStatus: http.StatusSeeOther},
		{Name: "all", URL: api, As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"total":4`, `"kind":"leak"`, `"role":"Vendor"`, `{"value":"T1027","n":1}`, `"post_key":"5001"`}},
		{Name: "by kind", URL: api + "?kind=service", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"total":1`, `"thread":"t200"`},
			NotExpectedContent: []string{`"thread":"t100"`}},
		{Name: "by technique", URL: api + "?technique=t1027", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"total":1`, `"thread":"t100"`}},
		{Name: "by day", URL: api + "?since=2024-03-05&until=2024-03-06", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"total":1`, `"thread":"t200"`}},
		{Name: "bad technique", URL: api + "?technique=phishing", As: "reader", ExpectedStatus: 400, ExpectedContent: []string{"technique"}},
		{Name: "bad date", URL: page + "?since=March", As: "reader", ExpectedStatus: 400, ExpectedContent: []string{"since"}},
		{Name: "until before since", URL: api + "?since=2024-03-05&until=2024-03-01", As: "reader", ExpectedStatus: 400},
		{Name: "no forum", URL: fmt.Sprintf("/forums/%d/events", f.ID+99), As: "reader", ExpectedStatus: 404},
		{Name: "page", URL: page, As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="forum-events"`, "4 of 4 events", "Selling FUD crypter v2", `<span class="tag role">Vendor`,
				`href="/forums/` + fmt.Sprint(f.ID) + `/events?technique=T1027"`, `<option value="leak">leak (2)</option>`,
				// The title decoded (&#33; is "!", &amp; is "&"), then escaped.
				"&lt;svg onload=alert(5)&gt;Leak &amp; dump !",
				`<mark class="ent ent-malware" title="malware, found by recogniser">&lt;script&gt;alert(6)&lt;/script&gt;</mark>`,
				`<mark class="ent ent-contact" title="contact (jabber), found by pattern">evil@xmpp.example</mark>`,
				`&lt;a href=&#34;javascript:alert(8)&#34; onmouseover=&#34;alert(10)&#34;&gt;it&lt;/a&gt;`,
				`<mark class="ent ent-tool" title="tool, found by recogniser">crypter</mark>`,
				`<mark class="ent ent-cue" title="speaks for kind service (the model&#39;s weights)">DDoS</mark>`},
			NotExpectedContent: hostileInert},
		{Name: "page by kind", URL: page + "?kind=leak", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"1–2 of 2 events", `<option value="leak" selected>`, "clipped"}, NotExpectedContent: append([]string{"Selling FUD crypter"}, hostileInert...)},
		{Name: "nothing matches", URL: page + "?kind=recruitment", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{"No threat events match."}},
		{Name: "overview links it", URL: fmt.Sprintf("/forums/%d", f.ID), As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`id="forum-events-link"`}},
	})
	// The API gives the post as collected (references and markup as
	// written), with offsets into its decoded text.
	var p forum.EventPage
	w := scenario{URL: page + "?kind=leak", As: "reader"}.run(t, e)
	if w.Body.Len() > 100_000 {
		t.Errorf("the events page is %d bytes: the huge post is not clipped", w.Body.Len())
	}
	w = scenario{URL: api + "?kind=leak&since=2024-03-10", As: "reader"}.run(t, e)
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || len(p.Events) != 1 {
		t.Fatalf("leak events since March 10: %v, %d events", err, len(p.Events))
	}
	got := p.Events[0]
	if got.Text != hostileText || got.ThreadTitle != hostileTitle {
		t.Errorf("the API changed the post: %q / %q", got.ThreadTitle, got.Text)
	}
	text := forum.EventText(got.ThreadTitle, got.Text)
	if c := got.Entities[1]; text[c.Start:c.End] != "evil@xmpp.example" {
		t.Errorf("contact offsets %d–%d point at %q", c.Start, c.End, text[c.Start:c.End])
	}
	if strings.Contains(w.Body.String(), "<script>") {
		t.Errorf("the JSON writes <script> unescaped")
	}
	// Pages: one event a page, newest first, with a link to the next.
	w = scenario{URL: api + "?limit=1&offset=1", As: "reader"}.run(t, e)
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Total != 4 || len(p.Events) != 1 || p.Events[0].Thread != "t200" {
		t.Errorf("second page: %v, total %d, %d events", err, p.Total, len(p.Events))
	}
	w = scenario{URL: page + "?limit=1", As: "reader"}.run(t, e)
	if !strings.Contains(w.Body.String(), `rel="next"`) || strings.Contains(w.Body.String(), `rel="prev"`) {
		t.Errorf("first page of one: no next link or a prev one")
	}
}

// A portrait lists the author's threat events with their kinds, roles,
// techniques and software, and the authors of other forums with the same
// handle or one of its contact strings as candidates (never merged); a
// hostile title is decoded and escaped there too.
func TestForumPortraitEvents(t *testing.T) {
	e := newEnv(t)
	f := seedForum(t, e)
	seedForumEvents(t, e, f)
	other := []forum.Post{
		{Forum: "Other Board", Section: "Lounge", Thread: "o1", ThreadTitle: "hi", Key: "o1", Author: "zeus_vendor", Text: "new here"},
		{Forum: "Other Board", Section: "Lounge", Thread: "o1", Key: "o2", Author: "z3us", Text: "deals on ICQ 55512345", Position: 1},
		{Forum: "Other Board", Section: "Lounge", Thread: "o1", Key: "o3", Author: "counter", Text: "post 55512345 of the year", Position: 2},
	}
	if _, err := e.Store.ImportForumPosts(t.Context(), "", store.ForumImport{Source: "other.jsonl", Format: "jsonl"}, other); err != nil {
		t.Fatal(err)
	}
	zeus := authorIDOf(t, e, "zeus_vendor")
	as, err := e.Store.FindForumAuthors(t.Context(), "leaker", f.Name)
	if err != nil || len(as) != 1 {
		t.Fatal(as, err)
	}
	runScenarios(t, e, []scenario{
		{Name: "portrait page", URL: fmt.Sprintf("/forums/%d/authors/%d", f.ID, zeus), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="portrait-events"`, "Selling FUD crypter v2", `<ol id="portrait-kinds"`, "trade", "Vendor", ">T1027</a>",
				`<ol id="portrait-software" class="counts"><li>crypter`, "same handle on Other Board", "both posted icq:55512345 (on Other Board)"},
			NotExpectedContent: []string{"counter"}},
		{Name: "portrait JSON", URL: fmt.Sprintf("/api/v1/forums/%d/authors/%d", f.ID, zeus), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"threat_events_total":1`, `"kinds":[{"name":"trade","n":1}]`, `"handle":"z3us"`}},
		{Name: "hostile portrait", URL: fmt.Sprintf("/forums/%d/authors/%d", f.ID, as[0].ID), As: "reader", ExpectedStatus: 200,
			ExpectedContent:    []string{"&lt;svg onload=alert(5)&gt;Leak &amp; dump !", "leak"},
			NotExpectedContent: []string{"<svg", "<script>alert", "&amp;#33;"}},
	})
}
