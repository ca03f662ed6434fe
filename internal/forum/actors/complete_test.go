package actors

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/forum"
)

// fakeStore answers Complete as the store would over two forums.
type fakeStore struct {
	authors []forum.Author
	posts   []forum.Post
	events  forum.EventPage
	asked   forum.EventFilter
	// mentionCalls counts the look-ups of contact strings.
	mentionCalls int
}

func (f *fakeStore) FindForumAuthors(_ context.Context, handle, forumName string) ([]forum.Author, error) {
	var out []forum.Author
	for _, a := range f.authors {
		if strings.EqualFold(a.Handle, handle) && (forumName == "" || a.Forum == forumName) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeStore) ForumPostsMentioning(_ context.Context, texts []string, except string, limit int) ([]forum.Post, error) {
	f.mentionCalls++
	var out []forum.Post
	for _, p := range f.posts {
		holds := slices.ContainsFunc(texts, func(t string) bool { return strings.Contains(strings.ToLower(p.Text), strings.ToLower(t)) })
		if p.Forum != except && holds && len(out) < limit {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *fakeStore) ForumEvents(_ context.Context, flt forum.EventFilter) (*forum.EventPage, error) {
	f.asked = flt
	page := f.events
	if flt.WithoutText { // as the store does
		page.Events = slices.Clone(page.Events)
		for i := range page.Events {
			page.Events[i].Text = ""
		}
	}
	return &page, nil
}

// Complete finds the handle and the contact strings on other forums
// (a number alone is no ICQ contact), keeps the analysis' candidates, and
// sums the author's threat events (software: linked names only).
func TestComplete(t *testing.T) {
	st := &fakeStore{
		authors: []forum.Author{{ID: 1, Forum: "Bazaar", Handle: "zeus"}, {ID: 9, Forum: "Board", Handle: "Zeus"}},
		posts: []forum.Post{
			{Forum: "Board", Author: "z3us", AuthorID: 10, Text: "ICQ&#58; 55512345 for deals"},
			{Forum: "Board", Author: "counter", AuthorID: 11, Text: "post number 55512345 of the thread"},
			{Forum: "Bazaar", Author: "zeus", AuthorID: 1, Text: "icq 55512345"},
			{Forum: "Board", Author: "Zeus", AuthorID: 9, Text: "jabber: zeus@xmpp.example.org"},
		},
		events: forum.EventPage{Total: 2, Kinds: []forum.Facet{{Value: "trade", N: 2}}, Roles: []forum.Facet{{Value: "Vendor", N: 2}},
			Techniques: []forum.Facet{{Value: "T1027", N: 1}},
			Events: []forum.Event{
				{ID: 5, Kind: "trade", Text: "long text", Software: []string{"Zeus"}, Entities: []forum.Entity{
					{Type: "tool", Text: "zbot", Link: &forum.Link{Kind: "malware", ID: 3, Name: "Zeus"}}, {Type: "tool", Text: "crypter"}}},
				{ID: 4, Kind: "trade", Software: []string{"Crypter"}, Entities: []forum.Entity{{Type: "tool", Text: "crypter"},
					{Type: "tool", Text: "Crypter X", Link: &forum.Link{Kind: "tool", ID: 8, Name: "Crypter"}}}},
			}},
	}
	p := &Portrait{Forum: "Bazaar", Handle: "zeus", Contacts: []string{"icq:55512345", "jabber:zeus@xmpp.example.org"},
		Candidates: []Candidate{{ID: 2, Forum: "Bazaar", Handle: "zeus2", Reasons: []string{"similar writing (trigram cosine 0.80)"}}}}
	if err := Complete(context.Background(), st, p, 7, 1); err != nil {
		t.Fatal(err)
	}
	want := []Candidate{
		{ID: 9, Forum: "Board", Handle: "Zeus", Reasons: []string{"both posted jabber:zeus@xmpp.example.org (on Board)", "same handle on Board"}},
		{ID: 2, Forum: "Bazaar", Handle: "zeus2", Reasons: []string{"similar writing (trigram cosine 0.80)"}},
		{ID: 10, Forum: "Board", Handle: "z3us", Reasons: []string{"both posted icq:55512345 (on Board)"}},
	}
	if d := cmp.Diff(want, p.Candidates); d != "" {
		t.Errorf("candidates (-want +got):\n%s", d)
	}
	if st.mentionCalls != 1 {
		t.Errorf("%d look-ups of the contacts, want one for all of them", st.mentionCalls)
	}
	if st.asked.ForumID != 7 || st.asked.AuthorID != 1 || !st.asked.WithoutText {
		t.Errorf("events asked with %+v", st.asked)
	}
	if d := cmp.Diff([]Count{{Name: "Crypter", N: 1}, {Name: "Zeus", N: 1}}, p.Software); d != "" {
		t.Errorf("software (-want +got):\n%s", d)
	}
	if p.EventsTotal != 2 || len(p.ThreatEvents) != 2 || p.ThreatEvents[0].Text != "" || p.Kinds[0] != (Count{Name: "trade", N: 2}) ||
		p.Roles[0].Name != "Vendor" || p.Techniques[0].Name != "T1027" {
		t.Errorf("events: %d %+v kinds %v roles %v techniques %v", p.EventsTotal, p.ThreatEvents, p.Kinds, p.Roles, p.Techniques)
	}
}
