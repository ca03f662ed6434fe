package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/forum/actors"
	"github.com/spoor/spoor/internal/intel"
)

// Hacker forums: the list, a forum's overview with its key-actor table,
// the author graph and an author's portrait — pages and the JSON they
// draw from (GET /api/v1/forums…), the same store calls and actors.Analyze
// as spoor forum list, actors and portrait. Post text is hostile: it is
// only ever written as escaped text, and clipped on pages.

type forumStore interface {
	ListForums(ctx context.Context) ([]forum.Forum, error)
	FindForumByID(ctx context.Context, id int64) (*forum.Forum, error)
	ForumSections(ctx context.Context, forumID int64) ([]forum.Section, error)
	ForumPosts(ctx context.Context, f forum.PostFilter) ([]forum.Post, error)
	FindForumAuthor(ctx context.Context, id int64) (*forum.Author, error)
	FindForumAuthors(ctx context.Context, handle, forumName string) ([]forum.Author, error)
	ForumVersion(ctx context.Context) (int64, error)
	forumEventStore
	AddForum(ctx context.Context, in forum.Input) (*forum.Forum, error)
	ForumPostsMentioning(ctx context.Context, texts []string, exceptForum string, limit int) ([]forum.Post, error)
}

// forumCache keeps the analyses of the forums last viewed, each for the
// forum version (newest import run) it was made from.
type forumCache struct {
	mu      sync.Mutex
	entries map[int64]forumEntry
}

type forumEntry struct {
	version int64
	a       *actors.Analysis
}

const forumCacheSize = 4

// forumAnalysis returns the ranked analysis of a forum's posts (with
// their text, for portraits), made once per stored version.
func (s *Server) forumAnalysis(ctx context.Context, f *forum.Forum) (*actors.Analysis, error) {
	v, err := s.store.ForumVersion(ctx)
	if err != nil {
		return nil, err
	}
	c := &s.forums
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[f.ID]; ok && e.version == v {
		return e.a, nil
	}
	posts, err := s.store.ForumPosts(ctx, forum.PostFilter{ForumID: f.ID, Text: true})
	if err != nil {
		return nil, err
	}
	a := actors.Analyze(posts, actors.DefaultWeights())
	if c.entries == nil || len(c.entries) >= forumCacheSize {
		c.entries = map[int64]forumEntry{}
	}
	c.entries[f.ID] = forumEntry{v, a}
	return a, nil
}

// forumView is one forum with its sections and best actors.
type forumView struct {
	Forum    *forum.Forum    `json:"forum"`
	Sections []forum.Section `json:"sections"`
	Ranking  actors.Ranking  `json:"ranking"`
}

func (s *Server) forumOverview(ctx context.Context, id int64, limit int) (*forumView, *actors.Analysis, error) {
	f, err := s.store.FindForumByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	secs, err := s.store.ForumSections(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.forumAnalysis(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	return &forumView{Forum: f, Sections: secs, Ranking: a.Ranking(f.Name, limit)}, a, nil
}

// forumPortrait draws an author of a forum, with the same handle on
// other forums among the candidates.
func (s *Server) forumPortrait(ctx context.Context, forumID, authorID int64) (*forum.Forum, *actors.Portrait, error) {
	au, err := s.store.FindForumAuthor(ctx, authorID)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.store.FindForumByID(ctx, forumID)
	if err != nil {
		return nil, nil, err
	}
	if au.Forum != f.Name {
		return nil, nil, intel.Errorf(intel.CodeNotFound, "no author %d on forum %d", authorID, forumID)
	}
	a, err := s.forumAnalysis(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	p, err := a.Portrait(forum.AuthorKey{Forum: au.Forum, Handle: au.Handle})
	if err != nil {
		return nil, nil, intel.Errorf(intel.CodeNotFound, "%v", err)
	}
	if err := actors.Complete(ctx, s.store, p, f.ID, au.ID); err != nil {
		return nil, nil, err
	}
	return f, p, nil
}

// authorID reads the {author} path segment.
func authorID(r *http.Request) (int64, error) {
	v := r.PathValue("author")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, intel.Errorf(intel.CodeNotFound, "no such author ID %q", v)
	}
	return n, nil
}

// graphLimit reads how many of the best actors the graph draws.
func graphLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 150, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 2 || n > 2000 {
		return 0, intel.Errorf(intel.CodeInvalid, "limit must be a number from 2 to 2000")
	}
	return n, nil
}

func (s *Server) apiForumList(w http.ResponseWriter, r *http.Request) {
	fs, err := s.store.ListForums(r.Context())
	answer(s, w, r, http.StatusOK, orEmpty(fs), err)
}

func (s *Server) apiForumGet(w http.ResponseWriter, r *http.Request) {
	withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) (*forumView, error) {
		v, _, err := s.forumOverview(ctx, id, 10)
		return v, err
	})
}

func (s *Server) apiForumActors(w http.ResponseWriter, r *http.Request) {
	limit, err := queryLimit(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) (actors.Ranking, error) {
		v, _, err := s.forumOverview(ctx, id, limit)
		if err != nil {
			return actors.Ranking{}, err
		}
		return v.Ranking, nil
	})
}

func (s *Server) apiForumGraph(w http.ResponseWriter, r *http.Request) {
	limit, err := graphLimit(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) (actors.GraphView, error) {
		_, a, err := s.forumOverview(ctx, id, 1)
		if err != nil {
			return actors.GraphView{}, err
		}
		return a.View(limit), nil
	})
}

func (s *Server) apiForumAuthor(w http.ResponseWriter, r *http.Request) {
	aid, err := authorID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) (*actors.Portrait, error) {
		_, p, err := s.forumPortrait(ctx, id, aid)
		return p, err
	})
}

// forumsData is the forum list with the Add forum form (admins).
type forumsData struct {
	formMessage
	Forums  []forum.Forum
	Engines []string
	// The form as sent, but the cookie, which is never written back.
	In forum.Input
}

func (s *Server) forumsPage(w http.ResponseWriter, r *http.Request) {
	s.renderForums(w, r, http.StatusOK, &forumsData{In: forum.Input{Engine: "phpbb", RateLimit: forum.DefaultRateLimit.String()}})
}

func (s *Server) renderForums(w http.ResponseWriter, r *http.Request, status int, data *forumsData) {
	fs, err := s.store.ListForums(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	data.Forums, data.Engines = fs, forum.Engines
	s.render(w, r, status, "forums", data)
}

// forumAdd is the Add forum form: the store call spoor forum add makes
// (the cookie sealed there, the change audited).
func (s *Server) forumAdd(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	v := r.PostForm
	in := forum.Input{Name: v.Get("name"), Engine: v.Get("engine"), StartURLs: []string{v.Get("start_urls")}, RateLimit: v.Get("rate_limit"),
		Proxy: v.Get("proxy"), Cookie: v.Get("cookie")}
	f, err := s.store.AddForum(r.Context(), in)
	if err != nil {
		in.Cookie = ""
		s.formFailed(w, r, err, "forums", s.forumsFormData(r, in))
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/forums/%d", f.ID), http.StatusSeeOther)
}

// forumsFormData is the forum list page again with the form as sent.
func (s *Server) forumsFormData(r *http.Request, in forum.Input) *forumsData {
	fs, _ := s.store.ListForums(r.Context())
	return &forumsData{Forums: fs, Engines: forum.Engines, In: in}
}

func (s *Server) apiForumCreate(w http.ResponseWriter, r *http.Request) {
	withBody(s, w, r, http.StatusCreated, func(ctx context.Context, in forum.Input) (*forum.Forum, error) {
		return s.store.AddForum(ctx, in)
	})
}

func (s *Server) forumPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	v, _, err := s.forumOverview(r.Context(), id, 100)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "forum", v)
}

func (s *Server) forumGraphPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f, err := s.store.FindForumByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "forum_graph", f)
}

// maxPostShown is how much of a post a page shows.
const maxPostShown = 2000

// portraitPage data: the portrait with its posts clipped.
type portraitPage struct {
	Forum    *forum.Forum
	P        *actors.Portrait
	Clipped  map[string]bool
	WeekDays []string
}

func (s *Server) forumAuthorPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	aid, err := authorID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f, p, err := s.forumPortrait(r.Context(), id, aid)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := portraitPage{Forum: f, P: p, Clipped: map[string]bool{}, WeekDays: []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}}
	for i, post := range p.Recent {
		if r := []rune(post.Text); len(r) > maxPostShown {
			p.Recent[i].Text = string(r[:maxPostShown])
			data.Clipped[post.Key] = true
		}
	}
	s.render(w, r, http.StatusOK, "forum_author", data)
}
