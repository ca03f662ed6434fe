package storetest

import (
	"testing"
	"time"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// forumEventSaves are the threat events of forumPosts' two threads.
func forumEventSaves() []store.ForumEventSave {
	mar := time.Date(2024, 3, 12, 7, 15, 0, 0, time.UTC)
	apr := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
	return []store.ForumEventSave{
		{Event: &intel.Event{Title: "Selling crypter", Key: "forum:Events Forum:t1", Purpose: "trade", Confidence: 0.6, Techniques: []string{"T1027.002"},
			Software: []string{"crypter"}, FirstSeen: mar, LastSeen: mar, Times: []time.Time{mar}},
			Reading: forum.Event{Thread: "t1", PostKey: "p1", Author: "zeus", Kind: "trade", KindScore: 0.6, Role: "Vendor", RoleScore: 0.7, Tactic: "TA0005",
				Entities: []forum.Entity{{Type: "contact", Kind: "jabber", Text: "zeus@xmpp.example", Start: 39, End: 56, Source: "pattern"},
					{Type: "tool", Text: "crypter", Start: 8, End: 15, Source: "lookup", Link: &forum.Link{Kind: "tool", ID: 7, Name: "Crypter"}}}}},
		{Event: &intel.Event{Title: "Tutorial", Key: "forum:Events Forum:t2", Purpose: "tutorial", Confidence: 0.5, FirstSeen: apr, LastSeen: apr, Times: []time.Time{apr}},
			Reading: forum.Event{Thread: "t2", PostKey: "p4", Author: "buyer", Kind: "tutorial", KindScore: 0.5}},
	}
}

// A forum's threat events keep their reading (kind, role, tactic,
// entities) with the event, once per thread; they list newest first with
// the opening post's text as collected, filtered by kind, technique (with
// sub-techniques), day and author, with the forum's kinds, roles and
// techniques as facets.
func testForumEvents(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "deriver")
	_, err := s.ImportForumPosts(ctx, "Events Forum", store.ForumImport{Source: "dump.jsonl", Format: "jsonl"}, forumPosts())
	must(t, "import", err)
	src := &intel.Source{Name: "forum: Events Forum", Kind: intel.SourceForum, Credibility: 0.2}
	must(t, "source", s.UpsertSource(ctx, src))
	// An event stored before readings were kept gets its reading.
	first := forumEventSaves()[:1]
	n, err := s.SaveSourceEvents(ctx, src.ID, []*intel.Event{first[0].Event})
	if err != nil || n != 1 {
		t.Fatalf("save the event alone: %d, %v", n, err)
	}
	n, err = s.SaveForumEvents(ctx, src.ID, "Events Forum", forumEventSaves())
	if err != nil || n != 1 {
		t.Fatalf("save forum events: %d new (%v), want 1", n, err)
	}
	if n, err = s.SaveForumEvents(ctx, src.ID, "Events Forum", forumEventSaves()); err != nil || n != 0 {
		t.Errorf("save forum events again: %d new (%v), want 0", n, err)
	}
	f, err := s.FindForum(ctx, "Events Forum")
	must(t, "find forum", err)
	page, err := s.ForumEvents(ctx, forum.EventFilter{ForumID: f.ID})
	must(t, "list", err)
	if page.Total != 2 || len(page.Events) != 2 {
		t.Fatalf("events: total %d, %d listed, want 2", page.Total, len(page.Events))
	}
	got := page.Events[1] // the older one, the crypter sale
	want := forumEventSaves()[0].Reading
	mustDiff(t, "entities", want.Entities, got.Entities)
	if got.Kind != "trade" || got.Role != "Vendor" || got.RoleScore != 0.7 || got.Tactic != "TA0005" || got.Author != "zeus" || got.AuthorID == 0 ||
		got.Section != "Malware" || got.ThreadTitle != "Selling crypter" || got.PostKey != "p1" || got.Text != "FUD crypter, <b>jabber</b> zeus@xmpp.example" ||
		got.ID == 0 || !got.Time.Equal(time.Date(2024, 3, 12, 7, 15, 0, 0, time.UTC)) {
		t.Errorf("stored reading %+v", got)
	}
	mustDiff(t, "techniques and software", [][]string{{"T1027.002"}, {"crypter"}}, [][]string{got.Techniques, got.Software})
	bare, err := s.ForumEvents(ctx, forum.EventFilter{ForumID: f.ID, WithoutText: true})
	must(t, "list without text", err)
	if len(bare.Events) != 2 || bare.Events[1].Text != "" || bare.Events[1].Title != got.Title || bare.Events[1].Kind != got.Kind {
		t.Errorf("without text: %+v, want the same events with no text", bare.Events)
	}
	mustDiff(t, "kinds", []forum.Facet{{Value: "trade", N: 1}, {Value: "tutorial", N: 1}}, page.Kinds)
	mustDiff(t, "roles", []forum.Facet{{Value: "Vendor", N: 1}}, page.Roles)
	mustDiff(t, "techniques", []forum.Facet{{Value: "T1027.002", N: 1}}, page.Techniques)

	titles := func(flt forum.EventFilter) []string {
		t.Helper()
		flt.ForumID = f.ID
		p, err := s.ForumEvents(ctx, flt)
		must(t, "list", err)
		out := []string{}
		for _, e := range p.Events {
			out = append(out, e.Title)
		}
		if p.Total != len(out) {
			t.Errorf("%+v: total %d, %d listed", flt, p.Total, len(out))
		}
		return out
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, time.UTC) }
	mustDiff(t, "newest first", []string{"Tutorial", "Selling crypter"}, titles(forum.EventFilter{}))
	mustDiff(t, "kind", []string{"Tutorial"}, titles(forum.EventFilter{Kind: "tutorial"}))
	mustDiff(t, "technique with sub-techniques", []string{"Selling crypter"}, titles(forum.EventFilter{Technique: "T1027"}))
	mustDiff(t, "other technique", []string{}, titles(forum.EventFilter{Technique: "T1566"}))
	mustDiff(t, "until the day, included", []string{"Selling crypter"}, titles(forum.EventFilter{Until: day(3, 12)}))
	mustDiff(t, "since the next day", []string{"Tutorial"}, titles(forum.EventFilter{Since: day(3, 13)}))
	mustDiff(t, "one day", []string{"Selling crypter"}, titles(forum.EventFilter{Since: day(3, 12), Until: day(3, 12)}))
	mustDiff(t, "author", []string{"Selling crypter"}, titles(forum.EventFilter{AuthorID: got.AuthorID}))
	p, err := s.ForumEvents(ctx, forum.EventFilter{ForumID: f.ID, Limit: 1, Offset: 1})
	if err != nil || p.Total != 2 || len(p.Events) != 1 || p.Events[0].Title != "Selling crypter" {
		t.Errorf("second page: %+v, %v", p, err)
	}
	_, err = s.ForumEvents(ctx, forum.EventFilter{Since: day(4, 1), Until: day(3, 1)})
	wantCode(t, "until before since", err, intel.CodeInvalid)
	_, err = s.SaveForumEvents(ctx, src.ID, "Events Forum", []store.ForumEventSave{{Event: &intel.Event{Title: "x", Key: "k", Confidence: 1},
		Reading: forum.Event{Thread: "no such thread", Kind: "leak"}}})
	wantCode(t, "unknown thread", err, intel.CodeInvalid)
	if p, _ := s.ForumEvents(ctx, forum.EventFilter{ForumID: f.ID}); p == nil || p.Total != 2 {
		t.Errorf("a failed save changed the events: %+v", p)
	}
}

// testForumPostsMentioning finds the posts of other forums that hold any
// of several contact strings, in one call: case folded, LIKE wildcards
// in a string taken literally, the asking forum left out, bounded.
func testForumPostsMentioning(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 1, "alice")
	post := func(key, author, text string) forum.Post {
		return forum.Post{Section: "Market", Thread: "t-" + key, Key: key, Author: author, Text: text, Position: 1}
	}
	_, err := s.SaveForumPosts(ctx, "Bazaar", []forum.Post{post("b1", "zeus", "ICQ 55512345, jabber zeus@xmpp.example")})
	must(t, "save Bazaar", err)
	_, err = s.SaveForumPosts(ctx, "Board", []forum.Post{
		post("o1", "z3us", "deals on icq 55512345"),
		post("o2", "kelihos", "write to ZEUS@XMPP.EXAMPLE"),
		post("o3", "noise", "100% legit, call 5551_2345"),
		post("o4", "other", "nothing to see"),
	})
	must(t, "save Board", err)
	authors := func(ps []forum.Post) []string {
		out := []string{}
		for _, p := range ps {
			out = append(out, p.Forum+"/"+p.Author)
		}
		return out
	}
	got, err := s.ForumPostsMentioning(ctx, []string{"55512345", "zeus@xmpp.example", " "}, "Bazaar", 10)
	must(t, "mentioning", err)
	mustDiff(t, "posts holding either string", []string{"Board/z3us", "Board/kelihos"}, authors(got))
	if got[0].Text != "deals on icq 55512345" || got[0].AuthorID == 0 {
		t.Errorf("post %+v, want its text and author ID", got[0])
	}
	got, err = s.ForumPostsMentioning(ctx, []string{"100%", "5551_"}, "Bazaar", 10)
	must(t, "wildcards", err)
	mustDiff(t, "wildcards taken literally", []string{"Board/noise"}, authors(got))
	got, err = s.ForumPostsMentioning(ctx, []string{"55512345", "zeus@xmpp.example"}, "Bazaar", 1)
	must(t, "bounded", err)
	if len(got) != 1 {
		t.Errorf("limit 1: %d posts", len(got))
	}
	if got, err := s.ForumPostsMentioning(ctx, []string{"", "  "}, "Bazaar", 10); err != nil || len(got) != 0 {
		t.Errorf("no strings: %v, %v", got, err)
	}
}
