package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
	"github.com/spoor/spoor/internal/store"
)

// forumPosts is a small forum: a thread with a reply and a quote, a
// second thread in another section, times of every precision.
func forumPosts() []forum.Post {
	at := func(s string) analyze.Timestamp {
		ts, err := analyze.Parse(s)
		if err != nil {
			panic(err)
		}
		return ts
	}
	return []forum.Post{
		{Section: "Malware", Thread: "t1", ThreadTitle: "Selling crypter", Key: "p1", Author: "zeus", AuthorTitle: "Vendor",
			Time: at("2024-03-12T10:15:00+03:00"), TimeText: "2024-03-12T10:15:00+03:00", Text: "FUD crypter, <b>jabber</b> zeus@xmpp.example", Position: 0, Source: "dump.jsonl"},
		{Section: "Malware", Thread: "t1", ThreadTitle: "Selling crypter", Key: "p2", Author: "buyer", Time: at("2024-03-12"), TimeText: "2024-03-12",
			Text: "price?", ReplyTo: "p1", Position: 1, URL: "https://forum.example/t1#p2", Source: "dump.jsonl"},
		{Section: "Malware", Thread: "t1", ThreadTitle: "Selling crypter", Key: "p3", Author: "zeus", Text: "500$", Quotes: []string{"p2"}, Position: 2, Source: "dump.jsonl"},
		{Section: "Tutorials", Thread: "t2", ThreadTitle: "Tutorial", Key: "p4", Author: "buyer", Time: at("2024-04"), TimeText: "2024-04", Text: "how to", Position: 0, Source: "dump.jsonl"},
	}
}

// Forum posts are stored exactly as collected and idempotently on
// (forum, post key); a forum's session cookie is sealed; a bad post
// fails the whole import.
func testForums(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 1, "admin")

	// A crawl configuration; its cookie needs a key and is sealed.
	cfg := &forum.Forum{Name: "Exploit Bazaar", Engine: "phpbb", StartURLs: []string{"https://bazaar.example/index.php"},
		RateLimit: 2 * time.Second, Proxy: "socks5h://127.0.0.1:9050", Cookie: "phpbb_sid=hunter2"}
	wantCode(t, "cookie without a key", s.SaveForum(ctx, cfg), intel.CodeInvalid)
	key := secret.NewKey()
	s.UseSecrets(secret.NewBox(key))
	cfg.Cookie = "phpbb_sid=hunter2"
	must(t, "save forum", s.SaveForum(ctx, cfg))
	var raw string
	if err := s.DB().QueryRowContext(ctx, s.Dialect().Rebind(`SELECT cookie FROM forums WHERE name = ?`), cfg.Name).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, "hunter2") || !secret.IsSealed(raw) {
		t.Errorf("cookie stored as %q; want it sealed", raw)
	}
	if c, err := s.ForumCookie(ctx, cfg.Name); err != nil || c != "phpbb_sid=hunter2" {
		t.Errorf("ForumCookie = %q, %v", c, err)
	}
	// Saving again without a cookie keeps it; a bad proxy is refused.
	cfg.Cookie, cfg.RateLimit = "", time.Second
	must(t, "save forum again", s.SaveForum(ctx, cfg))
	if c, _ := s.ForumCookie(ctx, cfg.Name); c != "phpbb_sid=hunter2" {
		t.Errorf("cookie after a save without one: %q", c)
	}
	// A key rotation re-seals the cookie; FindSecrets lists it.
	secrets, err := s.FindSecrets(ctx)
	must(t, "find secrets", err)
	if len(secrets) != 1 || secrets[0].Place != secret.ForumCookie(cfg.Name) {
		t.Errorf("secrets %+v; want the forum cookie", secrets)
	}
	k2 := secret.NewKey()
	n, err := s.ResealSecrets(ctx, secret.NewBox(k2, key))
	must(t, "reseal", err)
	s.UseSecrets(secret.NewBox(k2))
	if c, err := s.ForumCookie(ctx, cfg.Name); n != 1 || err != nil || c != "phpbb_sid=hunter2" {
		t.Errorf("after rotation (%d resealed): cookie %q, %v", n, c, err)
	}
	wantCode(t, "bad proxy", s.SaveForum(ctx, &forum.Forum{Name: "x", Proxy: "ftp://h"}), intel.CodeInvalid)
	got, err := s.FindForum(ctx, cfg.Name)
	must(t, "find forum", err)
	if got.Engine != "phpbb" || got.RateLimit != time.Second || !got.HasCookie || got.Proxy != cfg.Proxy ||
		!cmp.Equal(got.StartURLs, cfg.StartURLs) {
		t.Errorf("stored forum %+v", got)
	}

	// Import, twice: the second adds nothing.
	posts := forumPosts()
	r, err := s.ImportForumPosts(ctx, "Dump Forum", store.ForumImport{Source: "dump.jsonl", Format: "jsonl"}, posts)
	must(t, "import", err)
	if r.Seen != 4 || r.Added != 4 || r.Threads != 2 || r.Sections != 2 || r.Authors != 2 {
		t.Errorf("first import %+v", r)
	}
	added, err := s.SaveForumPosts(ctx, "Dump Forum", posts)
	must(t, "save again", err)
	if added != 0 {
		t.Errorf("the same posts again added %d", added)
	}
	added, err = s.SaveForumPosts(ctx, "Dump Forum", []forum.Post{{Section: "Malware", Thread: "t1", Key: "p5", Author: "newbie", Text: "+1", Position: 3}})
	must(t, "save a new post", err)
	if added != 1 {
		t.Errorf("a new post added %d", added)
	}

	// A bad post fails the import and stores nothing of it.
	bad := []forum.Post{{Section: "Malware", Thread: "t9", Key: "p9", Author: "x", Text: "ok"}, {Section: "Malware", Thread: "t9", Key: "", Author: "y"}}
	_, err = s.ImportForumPosts(ctx, "Dump Forum", store.ForumImport{Source: "bad", Format: "jsonl"}, bad)
	wantCode(t, "post without a key", err, intel.CodeInvalid)

	df, err := s.FindForum(ctx, "Dump Forum")
	must(t, "find dump forum", err)
	if df.Posts != 5 || df.Threads != 2 || df.Authors != 3 || df.Engine != "import" {
		t.Errorf("dump forum %+v; want 5 posts, 2 threads, 3 authors", df)
	}
	stored, err := s.ForumPosts(ctx, forum.PostFilter{ForumID: df.ID, Text: true})
	must(t, "posts", err)
	if len(stored) != 5 {
		t.Fatalf("%d posts stored", len(stored))
	}
	for i, want := range posts {
		want.Forum = "Dump Forum"
		got := stored[i]
		if got.AuthorID == 0 {
			t.Errorf("post %s has no author ID", got.Key)
		}
		got.AuthorID = 0
		if want.Time.Precision != 0 {
			want.Time.Time = want.Time.Time.UTC()
		}
		if got.Author == "buyer" && got.Key == "p2" {
			want.AuthorTitle = ""
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("post %s as stored (-want +got):\n%s", want.Key, diff)
		}
	}
	keys, err := s.ForumPostKeys(ctx, "Dump Forum", "t1")
	must(t, "post keys", err)
	if !cmp.Equal(keys, map[string]bool{"p1": true, "p2": true, "p3": true, "p5": true}) {
		t.Errorf("post keys of t1: %v", keys)
	}
	threads, err := s.ForumThreads(ctx, "Dump Forum")
	must(t, "threads", err)
	if len(threads) != 2 || threads[0].Key != "t1" || threads[0].Posts != 4 || threads[1].Section != "Tutorials" {
		t.Errorf("threads %+v", threads)
	}
	sections, err := s.ForumSections(ctx, df.ID)
	must(t, "sections", err)
	if len(sections) != 2 || sections[0] != (forum.Section{Name: "Malware", Threads: 1, Posts: 4}) {
		t.Errorf("sections %+v", sections)
	}
	authors, err := s.FindForumAuthors(ctx, "ZEUS", "")
	must(t, "authors", err)
	if len(authors) != 1 || authors[0].Handle != "zeus" || authors[0].Posts != 2 || authors[0].Title != "Vendor" {
		t.Errorf("authors of zeus %+v", authors)
	}
	a, err := s.FindForumAuthor(ctx, authors[0].ID)
	must(t, "author", err)
	if a.Forum != "Dump Forum" || a.Handle != "zeus" {
		t.Errorf("author %+v", a)
	}
	mine, err := s.ForumPosts(ctx, forum.PostFilter{AuthorID: a.ID})
	must(t, "posts of zeus", err)
	if len(mine) != 2 || mine[0].Text != "" || mine[0].Key != "p1" || mine[0].Time.Precision == 0 || mine[1].Quotes[0] != "p2" {
		t.Errorf("posts of zeus without text: %+v", mine)
	}
	if v, err := s.ForumVersion(ctx); err != nil || v == 0 {
		t.Errorf("ForumVersion = %d, %v", v, err)
	}
	all, err := s.ListForums(ctx)
	must(t, "list", err)
	if len(all) != 2 || all[0].Name != "Dump Forum" || all[1].Name != "Exploit Bazaar" {
		t.Errorf("forums %+v", all)
	}
}
