package storetest

import (
	"testing"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/store"
)

// testForumCrawl: a crawled page's posts and its thread's state are kept
// together; the same page again changes nothing; an edited post gets a
// new version whose text is the post's from then on, the first kept.
func testForumCrawl(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "crawler")
	posts := forumPosts()[:2]
	page := func(p []forum.Post, versions ...string) []store.ForumCrawlPost {
		out := make([]store.ForumCrawlPost, len(p))
		for i := range p {
			out[i] = store.ForumCrawlPost{Post: p[i], Version: versions[i]}
		}
		return out
	}
	r, err := s.SaveForumCrawl(ctx, "Bazaar", "t1", `{"Key":"t1","LastPage":1}`, page(posts, "a1", "b1"))
	must(t, "first page", err)
	if r.Added != 2 || r.Edited != 0 {
		t.Errorf("first save %+v, want 2 added", r)
	}
	r, err = s.SaveForumCrawl(ctx, "Bazaar", "t1", `{"Key":"t1","LastPage":1}`, page(posts, "a1", "b1"))
	must(t, "same page", err)
	if r.Added != 0 || r.Edited != 0 {
		t.Errorf("the same page again: %+v, want nothing", r)
	}
	edited := append([]forum.Post(nil), posts...)
	edited[1].Text = "price? (edited: 400$ ok?)"
	r, err = s.SaveForumCrawl(ctx, "Bazaar", "t1", `{"Key":"t1","LastPage":2,"Done":true}`, page(edited, "a1", "b2"))
	must(t, "edit", err)
	if r.Added != 0 || r.Edited != 1 {
		t.Errorf("edit: %+v, want one edited", r)
	}
	states, err := s.ForumCrawlStates(ctx, "Bazaar")
	must(t, "states", err)
	mustDiff(t, "crawl state", map[string]string{"t1": `{"Key":"t1","LastPage":2,"Done":true}`}, states)
	f, err := s.FindForum(ctx, "Bazaar")
	must(t, "forum", err)
	stored, err := s.ForumPosts(ctx, forum.PostFilter{ForumID: f.ID, Text: true})
	must(t, "posts", err)
	if len(stored) != 2 || stored[1].Text != edited[1].Text {
		t.Errorf("stored posts %+v, want the edit's text current", stored)
	}
	if none, err := s.ForumCrawlStates(ctx, "Never Crawled"); err != nil || len(none) != 0 {
		t.Errorf("states of a forum never crawled: %v %v", none, err)
	}
	if _, err := s.SaveForumCrawl(ctx, "Bazaar", "", "{}", nil); err == nil {
		t.Error("a crawl state without a thread key was saved")
	}
}
