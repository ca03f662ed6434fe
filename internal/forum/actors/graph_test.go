package actors_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/forum/actors"
)

func post(thread, key, author string, pos int, reply string, quotes ...string) forum.Post {
	return forum.Post{Forum: "F", Section: "S", Thread: thread, Key: key, Author: author, Position: pos, ReplyTo: reply, Quotes: quotes}
}

// Replies and quotes tie the answering author to the answered one; taking
// part in a thread ties a newcomer to everyone before, with the weight
// shared over the thread's participants.
func TestBuildGraph(t *testing.T) {
	posts := []forum.Post{
		post("t1", "1", "a", 0, ""),
		post("t1", "2", "b", 1, "1"),
		post("t1", "3", "c", 2, "", "2"),
		post("t1", "4", "a", 3, "3"),
		post("t2", "5", "b", 0, ""),
		post("t2", "6", "b", 1, "5"), // a reply to oneself ties nothing
	}
	a := actors.Analyze(posts, actors.DefaultWeights())
	g := a.Graph
	idx := func(h string) int { return g.Index(forum.AuthorKey{Forum: "F", Handle: h}) }
	tie := func(from, to string) *actors.Edge {
		for _, e := range g.Out(idx(from)) {
			if int(e.To) == idx(to) {
				return &e
			}
		}
		return nil
	}
	// t1 has three participants: each newcomer gives 1/2 to each earlier one.
	tests := []struct {
		from, to        string
		replies, quotes int32
		co              float64
	}{
		{"b", "a", 1, 0, 0.5},
		{"c", "a", 0, 0, 0.5},
		{"c", "b", 0, 1, 0.5},
		{"a", "c", 1, 0, 0},
	}
	for _, tt := range tests {
		e := tie(tt.from, tt.to)
		if e == nil || e.Replies != tt.replies || e.Quotes != tt.quotes || math.Abs(e.Co-tt.co) > 1e-9 ||
			math.Abs(e.Weight-(float64(tt.replies)+float64(tt.quotes)+tt.co)) > 1e-9 {
			t.Errorf("%s→%s = %+v, want %d replies, %d quotes, co %.2f", tt.from, tt.to, e, tt.replies, tt.quotes, tt.co)
		}
	}
	if len(g.Edges) != 4 {
		t.Errorf("%d ties, want 4: %+v", len(g.Edges), g.Edges)
	}
	b := a.Actor(forum.AuthorKey{Forum: "F", Handle: "b"})
	if b.Posts != 3 || b.Threads != 2 || b.Started != 1 {
		t.Errorf("b's activity %+v", b)
	}
	for _, act := range a.Actors {
		sum := 0.0
		for _, p := range act.Parts {
			sum += p.Contribution
		}
		if math.Abs(sum-act.Score) > 0.001 || len(act.Parts) != 6 || act.Why == "" {
			t.Errorf("%s: score %.4f, parts sum %.4f, why %q", act.Handle, act.Score, sum, act.Why)
		}
	}
}

// A hub-and-spoke forum: everyone answers the vendor, who answers no one;
// a broker links two circles. Ranks, betweenness, k-core and communities
// say so.
func TestAnalyzeShapes(t *testing.T) {
	var posts []forum.Post
	n := 0
	add := func(thread, author string, pos int, reply string) string {
		n++
		key := fmt.Sprint(n)
		posts = append(posts, post(thread, key, author, pos, reply))
		return key
	}
	// Circle one: a vendor answered by five buyers in five threads.
	for i := range 5 {
		th := fmt.Sprintf("v%d", i)
		op := add(th, "vendor", 0, "")
		for j := range 5 {
			add(th, fmt.Sprintf("buyer%d", j), j+1, op)
		}
	}
	// Circle two: four coders answering each other.
	for i := range 4 {
		th := fmt.Sprintf("c%d", i)
		op := add(th, fmt.Sprintf("coder%d", i), 0, "")
		for j := range 4 {
			if j != i {
				add(th, fmt.Sprintf("coder%d", j), j+1, op)
			}
		}
	}
	// The broker posts in both.
	add("v0", "broker", 9, "1")
	add("c0", "broker", 9, "")
	a := actors.Analyze(posts, actors.DefaultWeights())
	if a.Actors[0].Handle != "vendor" {
		t.Errorf("first actor %s, want vendor: %+v", a.Actors[0].Handle, a.Actors[:3])
	}
	part := func(h, name string) actors.Part {
		for _, p := range a.Actor(forum.AuthorKey{Forum: "F", Handle: h}).Parts {
			if p.Name == name {
				return p
			}
		}
		t.Fatalf("no part %s", name)
		return actors.Part{}
	}
	if p := part("broker", "betweenness"); p.Rank > 2 || p.Value == 0 {
		t.Errorf("broker betweenness %+v, want among the top two", p)
	}
	if p := part("vendor", "authority"); p.Rank != 1 {
		t.Errorf("vendor authority %+v, want first", p)
	}
	if part("buyer0", "kcore").Value < 2 || part("broker", "kcore").Value > part("buyer0", "kcore").Value {
		t.Errorf("k-cores: buyer0 %v, broker %v", part("buyer0", "kcore").Value, part("broker", "kcore").Value)
	}
	comm := func(h string) int { return a.Actor(forum.AuthorKey{Forum: "F", Handle: h}).Community }
	if comm("buyer0") != comm("vendor") || comm("coder1") != comm("coder2") || comm("buyer0") == comm("coder1") {
		t.Errorf("communities: buyer0 %d vendor %d coder1 %d coder2 %d", comm("buyer0"), comm("vendor"), comm("coder1"), comm("coder2"))
	}
	// The same posts give the same ranking.
	again := actors.Analyze(posts, actors.DefaultWeights())
	for i := range a.Actors {
		if a.Actors[i].Handle != again.Actors[i].Handle || a.Actors[i].Score != again.Actors[i].Score || a.Actors[i].Community != again.Actors[i].Community {
			t.Fatalf("rank %d differs between runs: %+v / %+v", i+1, a.Actors[i], again.Actors[i])
		}
	}
	v := a.View(4)
	if len(v.Nodes) != 4 || v.Authors != len(a.Actors) {
		t.Errorf("view %+v", v)
	}
}

// Portraits: contacts, same-contact candidates, neighbours, weekdays.
func TestPortrait(t *testing.T) {
	ts, _ := forum.ParseTime("2024-03-11T09:00:00Z") // a Monday
	p1 := post("t1", "1", "zeus", 0, "")
	p1.Text, p1.Time = "Selling the crypter, jabber: zeus@xmpp.example.org, see http://evil.example.com/panel", ts
	p2 := post("t1", "2", "buyer", 1, "1")
	p2.Text = "how much?"
	p3 := post("t2", "3", "z3us", 0, "")
	// Character references as HackHound keeps them are read decoded.
	p3.Text = "my jabber&#58; zeus@xmpp.example.org, tom &amp; jerry"
	other := forum.Post{Forum: "G", Section: "S", Thread: "x", Key: "9", Author: "ZEUS", Text: "hi"}
	a := actors.Analyze([]forum.Post{p1, p2, p3, other}, actors.DefaultWeights())
	p, err := a.Portrait(forum.AuthorKey{Forum: "F", Handle: "zeus"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Contacts) != 1 || p.Contacts[0] != "jabber:zeus@xmpp.example.org" {
		t.Errorf("contacts %v", p.Contacts)
	}
	reasons := map[string]string{}
	for _, c := range p.Candidates {
		reasons[c.Forum+"/"+c.Handle] = fmt.Sprint(c.Reasons)
	}
	if reasons["F/z3us"] != "[both posted jabber:zeus@xmpp.example.org]" || reasons["G/ZEUS"] != "[same handle on G]" {
		t.Errorf("candidates %v", reasons)
	}
	if len(p.Neighbours) != 1 || p.Neighbours[0].Handle != "buyer" || p.Neighbours[0].Replies != 1 {
		t.Errorf("neighbours %+v", p.Neighbours)
	}
	if p.Time.WeekdayCounts[0] != 1 || p.Time.Used.Hours != 1 || p.First != "2024-03-11" {
		t.Errorf("time %+v first %s", p.Time.WeekdayCounts, p.First)
	}
	found := false
	for _, i := range p.Indicators {
		if i.Value == "http://evil.example.com/panel" {
			found = true
		}
	}
	if !found || len(p.Languages) == 0 || p.Languages[0].Name != "en" {
		t.Errorf("indicators %+v languages %+v", p.Indicators, p.Languages)
	}
	z3, err := a.Portrait(forum.AuthorKey{Forum: "F", Handle: "z3us"})
	if err != nil {
		t.Fatal(err)
	}
	for _, term := range z3.Terms {
		if term.Name == "amp" || term.Name == "58" {
			t.Errorf("the term %q of a character reference", term.Name)
		}
	}
	if _, err := a.Portrait(forum.AuthorKey{Forum: "F", Handle: "nobody"}); err == nil {
		t.Error("a portrait of no author")
	}
}
