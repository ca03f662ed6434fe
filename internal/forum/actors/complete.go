package actors

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/forum"
)

// Store is what Complete reads of the other forums and of the threat
// events: the store's calls (spoor forum portrait and the portrait page
// both pass theirs).
type Store interface {
	FindForumAuthors(ctx context.Context, handle, forumName string) ([]forum.Author, error)
	ForumPostsMentioning(ctx context.Context, texts []string, exceptForum string, limit int) ([]forum.Post, error)
	ForumEvents(ctx context.Context, f forum.EventFilter) (*forum.EventPage, error)
}

// maxPortraitEvents is how many threat events a portrait lists;
// maxContactPosts how many posts of other forums are read per contact
// (all the contacts' posts are read together).
const (
	maxPortraitEvents = 20
	maxContactPosts   = 200
)

// Complete adds to a portrait drawn from one forum's analysis what lies
// beyond it: the authors of the same handle on other forums and those who
// posted one of its contact strings there (candidates, never merged), and
// the author's threat events with their kinds, roles, techniques and
// software. forumID and authorID are the author's stored forum and ID.
func Complete(ctx context.Context, st Store, p *Portrait, forumID, authorID int64) error {
	others, err := st.FindForumAuthors(ctx, p.Handle, "")
	if err != nil {
		return err
	}
	at := map[forum.AuthorKey]int{}
	for i, c := range p.Candidates {
		at[forum.AuthorKey{Forum: c.Forum, Handle: c.Handle}] = i
	}
	added := false
	add := func(k forum.AuthorKey, id int64, reason string) {
		i, ok := at[k]
		if !ok {
			p.Candidates = append(p.Candidates, Candidate{ID: id, Forum: k.Forum, Handle: k.Handle})
			i, at[k], added = len(p.Candidates)-1, len(p.Candidates)-1, true
		}
		if c := &p.Candidates[i]; !slices.Contains(c.Reasons, reason) {
			c.Reasons = append(c.Reasons, reason)
		}
	}
	for _, o := range others {
		if o.Forum != p.Forum {
			add(forum.AuthorKey{Forum: o.Forum, Handle: o.Handle}, o.ID, "same handle on "+o.Forum)
		}
	}
	values := make([]string, len(p.Contacts))
	for i, c := range p.Contacts {
		_, values[i], _ = strings.Cut(c, ":")
	}
	posts, err := st.ForumPostsMentioning(ctx, values, p.Forum, maxContactPosts*len(values))
	if err != nil {
		return err
	}
	for _, post := range posts {
		// The text holds a value; the candidate needs the contact itself
		// ("icq 55512345", not any number with those digits).
		found := Contacts(forum.DisplayText(post.Text))
		for _, c := range p.Contacts {
			if slices.Contains(found, c) {
				add(forum.AuthorKey{Forum: post.Forum, Handle: post.Author}, post.AuthorID, "both posted "+c+" (on "+post.Forum+")")
			}
		}
	}
	if added {
		for i := range p.Candidates {
			slices.Sort(p.Candidates[i].Reasons)
		}
		slices.SortStableFunc(p.Candidates, func(x, y Candidate) int { return cmp.Compare(len(y.Reasons), len(x.Reasons)) })
	}

	page, err := st.ForumEvents(ctx, forum.EventFilter{ForumID: forumID, AuthorID: authorID, Limit: 1000, WithoutText: true})
	if err != nil {
		return err
	}
	p.EventsTotal = page.Total
	p.Kinds, p.Roles, p.Techniques = facetCounts(page.Kinds), facetCounts(page.Roles), facetCounts(page.Techniques)
	software := map[string]int{}
	for i, e := range page.Events {
		names := map[string]bool{}
		for _, s := range e.Software {
			names[s] = true
		}
		// Only linked names: the recogniser's unlinked spans on forum text
		// ("Please Login", "Register") are noise, as the events say.
		for _, en := range e.Entities {
			if en.Link != nil && (en.Link.Kind == "malware" || en.Link.Kind == "tool") {
				names[en.Link.Name] = true
			}
		}
		for n := range names {
			software[n]++
		}
		if i < maxPortraitEvents {
			p.ThreatEvents = append(p.ThreatEvents, e)
		}
	}
	p.Software = counts(software, 20)
	return nil
}

func facetCounts(fs []forum.Facet) []Count {
	out := make([]Count, len(fs))
	for i, f := range fs {
		out[i] = Count{Name: f.Value, N: f.N}
	}
	return out
}
