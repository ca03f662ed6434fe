package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/intel"
)

// A forum's threat events — its threads that spoor forum events
// classified — as a page with filters and as JSON, through the store call
// spoor forum events --list makes. Post text is hostile: the highlighted
// text is built as a list of plain-text parts from the entities' offsets
// and written by the template, escaped, part by part; no markup is ever
// made from the text.

type forumEventStore interface {
	ForumEvents(ctx context.Context, f forum.EventFilter) (*forum.EventPage, error)
}

// forumEventFilter reads the filters of the page and the API.
func forumEventFilter(r *http.Request) (forum.EventFilter, error) {
	q := r.URL.Query()
	f, err := forum.ParseEventFilter(q.Get("kind"), q.Get("technique"), q.Get("since"), q.Get("until"))
	if err != nil {
		return f, intel.Errorf(intel.CodeInvalid, "%v", err)
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 500 {
			return f, intel.Errorf(intel.CodeInvalid, "limit must be a number from 1 to 500")
		}
	}
	if v := q.Get("offset"); v != "" {
		if f.Offset, err = strconv.Atoi(v); err != nil || f.Offset < 0 {
			return f, intel.Errorf(intel.CodeInvalid, "offset must be a number of events to skip")
		}
	}
	return f, nil
}

func (s *Server) forumEvents(ctx context.Context, id int64, flt forum.EventFilter) (*forum.Forum, *forum.EventPage, error) {
	f, err := s.store.FindForumByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	flt.ForumID = f.ID
	page, err := s.store.ForumEvents(ctx, flt)
	return f, page, err
}

func (s *Server) apiForumEvents(w http.ResponseWriter, r *http.Request) {
	flt, err := forumEventFilter(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	withID(s, w, r, http.StatusOK, func(ctx context.Context, id int64) (*forum.EventPage, error) {
		_, page, err := s.forumEvents(ctx, id, flt)
		return page, err
	})
}

// textPart is a run of a post's text: plain, or an entity (Type set).
type textPart struct {
	Text  string
	Type  string // a CSS class suffix: letters and digits only
	Title string
}

// eventItem is one event as the page shows it.
type eventItem struct {
	E       forum.Event
	Title   string // the thread title, decoded
	Parts   []textPart
	Clipped bool
	Links   []objectLink
}

// objectLink is a stored group or software an entity links to.
type objectLink struct {
	Kind, Name, Href string
}

type forumEventsData struct {
	Forum      *forum.Forum
	Page       *forum.EventPage
	Items      []eventItem
	Kind       string
	Technique  string
	Since      string
	Until      string
	From, To   int
	Prev, Next string
}

func (s *Server) forumEventsPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	flt, err := forumEventFilter(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f, page, err := s.forumEvents(r.Context(), id, flt)
	if err != nil {
		s.error(w, r, err)
		return
	}
	q := r.URL.Query()
	data := forumEventsData{Forum: f, Page: page, Kind: q.Get("kind"), Technique: q.Get("technique"), Since: q.Get("since"), Until: q.Get("until")}
	for _, e := range page.Events {
		it := eventItem{E: e, Title: forum.DisplayText(e.ThreadTitle)}
		it.Parts, it.Clipped = postParts(forum.EventText(e.ThreadTitle, e.Text), e.Entities, maxPostShown)
		it.Links = entityLinks(e.Entities)
		data.Items = append(data.Items, it)
	}
	limit := flt.Limit
	if limit == 0 {
		limit = 50
	}
	if len(page.Events) > 0 {
		data.From, data.To = flt.Offset+1, flt.Offset+len(page.Events)
	}
	page1 := func(offset int) string {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(offset))
		return r.URL.Path + "?" + q.Encode()
	}
	if flt.Offset > 0 {
		data.Prev = page1(max(0, flt.Offset-limit))
	}
	if flt.Offset+len(page.Events) < page.Total {
		data.Next = page1(flt.Offset + limit)
	}
	s.render(w, r, http.StatusOK, "forum_events", data)
}

// postParts cuts text into parts at the entities' offsets (textRuns),
// the text clipped to maxBytes at a character boundary.
func postParts(text string, ents []forum.Entity, maxBytes int) ([]textPart, bool) {
	clipped := false
	if len(text) > maxBytes {
		cut := maxBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text, clipped = text[:cut], true
	}
	sorted := append([]forum.Entity(nil), ents...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	var parts []textPart
	for _, r := range textRuns(text, len(sorted), func(i int) (int, int) { return sorted[i].Start, sorted[i].End }) {
		p := textPart{Text: r.Text}
		if r.Span >= 0 {
			p.Type, p.Title = cssWord(sorted[r.Span].Type), entityTitle(sorted[r.Span])
		}
		parts = append(parts, p)
	}
	return parts, clipped
}

// cssWord keeps the letters and digits of an entity type.
func cssWord(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, strings.ToLower(s))
}

func entityTitle(e forum.Entity) string {
	if e.Type == "cue" {
		return "speaks for " + strings.Replace(e.Kind, ":", " ", 1) + " (the model's weights)"
	}
	t := e.Type
	if e.Kind != "" {
		t += " (" + e.Kind + ")"
	}
	if e.Link != nil {
		t += ": " + e.Link.Kind + " " + e.Link.Name
	}
	return t + ", found by " + e.Source
}

// entityLinks lists the stored objects the entities link to, once each.
func entityLinks(ents []forum.Entity) []objectLink {
	seen := map[int64]bool{}
	var out []objectLink
	for _, e := range ents {
		if e.Link == nil || e.Link.ID == 0 || seen[e.Link.ID] {
			continue
		}
		seen[e.Link.ID] = true
		kind := intel.KindSoftware
		if e.Link.Kind == "group" {
			kind = intel.KindGroup
		}
		out = append(out, objectLink{Kind: e.Link.Kind, Name: e.Link.Name, Href: "/" + kindPath(string(kind)) + "/" + url.PathEscape(strconv.FormatInt(e.Link.ID, 10))})
	}
	return out
}
