package actors

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/spoor/spoor/internal/forum"
)

// Weights say how much each measure counts in the key-actor score; each
// measure is first scaled to 0…1 by the highest value in the graph.
type Weights struct {
	PageRank    float64 `json:"pagerank"`
	Authority   float64 `json:"authority"`
	Hub         float64 `json:"hub"`
	Betweenness float64 `json:"betweenness"`
	Core        float64 `json:"kcore"`
	Activity    float64 `json:"activity"`
}

// DefaultWeights favour being answered (PageRank, authority) and brokering
// between circles (betweenness) over posting a lot: a key actor is one
// others respond to, not the loudest.
func DefaultWeights() Weights {
	return Weights{PageRank: 0.30, Authority: 0.15, Hub: 0.10, Betweenness: 0.20, Core: 0.10, Activity: 0.15}
}

// Part is one measure's share of an actor's score.
type Part struct {
	Name string `json:"name"`
	// Value is the measure itself (PageRank mass, k-core number, posts…),
	// Norm its scaled value, Rank the actor's place by it alone.
	Value        float64 `json:"value"`
	Norm         float64 `json:"norm"`
	Weight       float64 `json:"weight"`
	Contribution float64 `json:"contribution"`
	Rank         int     `json:"rank"`
}

// Actor is one author's place in the graph.
type Actor struct {
	Rank      int     `json:"rank"`
	ID        int64   `json:"id,omitempty"`
	Forum     string  `json:"forum"`
	Handle    string  `json:"handle"`
	Score     float64 `json:"score"`
	Parts     []Part  `json:"parts"`
	Why       string  `json:"why"`
	Community int     `json:"community"`
	Posts     int     `json:"posts"`
	Threads   int     `json:"threads"`
	Started   int     `json:"threads_started"`
	Degree    int     `json:"degree"` // distinct authors tied either way
}

// Community is one circle of authors.
type Community struct {
	ID      int      `json:"id"`
	Size    int      `json:"size"`
	Leaders []string `json:"leaders"` // its best-ranked handles
}

// Analysis is a forum's (or every forum's) author graph ranked.
type Analysis struct {
	Graph       *Graph
	Actors      []Actor // by rank
	Communities []Community
	Weights     Weights
	// Posts are the posts analysed (portraits read them).
	Posts []forum.Post
	// byNode maps a graph index to its place in Actors.
	byNode []int
	// texts are the authors' texts reduced, made on the first portrait.
	textsOnce sync.Once
	texts     map[forum.AuthorKey]*authorText
}

// Analyze builds the graph of posts and ranks its authors by the weighted
// combination of PageRank, HITS authority and hub, betweenness, k-core and
// activity. Posts whose AuthorID is set give their actors that ID.
func Analyze(posts []forum.Post, w Weights) *Analysis {
	g, act := BuildGraph(posts)
	n := len(g.Authors)
	a := &Analysis{Graph: g, Weights: w, Posts: posts}
	if n == 0 {
		return a
	}
	pr := g.pageRank(0.85)
	hub, auth := g.hits()
	adj := g.undirected()
	bc := g.betweenness(adj)
	core := g.coreNumbers(adj)
	degree := make([]int, n)
	for i, nb := range adj {
		degree[i] = len(nb)
	}
	// The neighbour lists go before Louvain makes its weighted ones: a
	// big forum holds one of them at a time.
	adj = nil
	comm := g.communities()
	ids := make([]int64, n)
	for i := range posts {
		if posts[i].AuthorID != 0 {
			ids[g.index[posts[i].AuthorKey()]] = posts[i].AuthorID
		}
	}
	activity := make([]float64, n)
	coreF := make([]float64, n)
	for i := range n {
		activity[i] = float64(act[i].posts)
		coreF[i] = float64(core[i])
	}
	type measure struct {
		name   string
		values []float64
		weight float64
		scale  func(float64) float64
	}
	measures := []measure{
		{"pagerank", pr, w.PageRank, nil},
		{"authority", auth, w.Authority, nil},
		{"hub", hub, w.Hub, nil},
		{"betweenness", bc, w.Betweenness, nil},
		{"kcore", coreF, w.Core, nil},
		// Posting counts on a log scale: the hundredth post says less
		// than the tenth.
		{"activity", activity, w.Activity, math.Log1p},
	}
	total := 0.0
	for _, m := range measures {
		total += m.weight
	}
	if total == 0 {
		total = 1
	}
	a.Actors = make([]Actor, n)
	for i := range n {
		a.Actors[i] = Actor{ID: ids[i], Forum: g.Authors[i].Forum, Handle: g.Authors[i].Handle, Community: comm[i],
			Posts: act[i].posts, Threads: act[i].threads, Started: act[i].started, Degree: degree[i],
			Parts: make([]Part, 0, len(measures))}
	}
	for _, m := range measures {
		top := 0.0
		for _, v := range m.values {
			top = max(top, scaled(m.scale, v))
		}
		ranks := ranksOf(m.values)
		for i := range n {
			norm := 0.0
			if top > 0 {
				norm = scaled(m.scale, m.values[i]) / top
			}
			c := norm * m.weight / total
			a.Actors[i].Parts = append(a.Actors[i].Parts, Part{Name: m.name, Value: round(m.values[i], 6), Norm: round(norm, 4),
				Weight: round(m.weight/total, 4), Contribution: round(c, 4), Rank: ranks[i]})
			a.Actors[i].Score += c
		}
	}
	for i := range a.Actors {
		a.Actors[i].Score = round(a.Actors[i].Score, 4)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		ax, ay := &a.Actors[x], &a.Actors[y]
		return cmp.Or(cmp.Compare(ay.Score, ax.Score), cmp.Compare(ay.Posts, ax.Posts),
			cmp.Compare(ax.Forum, ay.Forum), cmp.Compare(ax.Handle, ay.Handle))
	})
	sorted := make([]Actor, n)
	a.byNode = make([]int, n)
	for r, i := range order {
		sorted[r] = a.Actors[i]
		sorted[r].Rank = r + 1
		a.byNode[i] = r
	}
	a.Actors = sorted
	for i := range a.Actors {
		a.Actors[i].Why = why(&a.Actors[i], n)
	}
	sizes := map[int]int{}
	for _, c := range comm {
		sizes[c]++
	}
	a.Communities = make([]Community, len(sizes))
	for c, s := range sizes {
		a.Communities[c] = Community{ID: c, Size: s}
	}
	for _, act := range a.Actors {
		c := &a.Communities[act.Community]
		if len(c.Leaders) < 3 {
			c.Leaders = append(c.Leaders, act.Handle)
		}
	}
	return a
}

func scaled(f func(float64) float64, v float64) float64 {
	if f == nil {
		return v
	}
	return f(v)
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// ranksOf gives each value its place, 1 for the highest; ties share the
// better place.
func ranksOf(v []float64) []int {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(v[y], v[x]) })
	out := make([]int, len(v))
	for r, i := range idx {
		if r > 0 && v[i] == v[idx[r-1]] {
			out[i] = out[idx[r-1]]
		} else {
			out[i] = r + 1
		}
	}
	return out
}

var partWords = map[string]string{
	"pagerank":    "PageRank (answered by well-answered authors)",
	"authority":   "authority (answered by many active repliers)",
	"hub":         "hub (answers the authorities)",
	"betweenness": "betweenness (a broker between circles)",
	"kcore":       "k-core (in the dense core)",
	"activity":    "activity",
}

// why says in words what makes the score: the parts that contribute most,
// with the actor's place by each.
func why(a *Actor, n int) string {
	parts := slices.Clone(a.Parts)
	slices.SortStableFunc(parts, func(x, y Part) int { return cmp.Compare(y.Contribution, x.Contribution) })
	var out []string
	for _, p := range parts[:min(3, len(parts))] {
		if p.Contribution <= 0 {
			break
		}
		s := fmt.Sprintf("#%d of %d by %s", p.Rank, n, partWords[p.Name])
		switch p.Name {
		case "kcore":
			s += fmt.Sprintf(", core %d", int(p.Value))
		case "activity":
			s += fmt.Sprintf(", %d posts in %d threads", a.Posts, a.Threads)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return "no ties to other authors"
	}
	return strings.Join(out, "; ")
}

// Actor returns the actor of an author, or nil.
func (a *Analysis) Actor(k forum.AuthorKey) *Actor {
	i := a.Graph.Index(k)
	if i < 0 {
		return nil
	}
	return &a.Actors[a.byNode[i]]
}

// ActorAt returns the actor of a graph index.
func (a *Analysis) ActorAt(i int) *Actor { return &a.Actors[a.byNode[i]] }

// Ranking is the ranked actors of an analysis as the CLI and API show
// them: the best limit actors with their score parts, and the graph's size.
type Ranking struct {
	Forum       string      `json:"forum"` // "" for every forum
	Authors     int         `json:"authors"`
	Ties        int         `json:"ties"`
	Communities []Community `json:"communities"`
	Weights     Weights     `json:"weights"`
	Actors      []Actor     `json:"actors"`
}

// Ranking returns the best limit actors (every one when limit ≤ 0).
func (a *Analysis) Ranking(forum string, limit int) Ranking {
	if limit <= 0 || limit > len(a.Actors) {
		limit = len(a.Actors)
	}
	r := Ranking{Forum: forum, Authors: len(a.Actors), Ties: len(a.Graph.Edges), Communities: a.Communities, Weights: a.Weights,
		Actors: a.Actors[:limit]}
	if r.Communities == nil {
		r.Communities = []Community{}
	}
	if r.Actors == nil {
		r.Actors = []Actor{}
	}
	return r
}

// GraphView is the author graph as the graph page draws it: the best
// actors as nodes and the ties between them.
type GraphView struct {
	Authors int         `json:"authors"` // in the whole graph
	Nodes   []GraphNode `json:"nodes"`
	Edges   []Edge      `json:"edges"` // Source/Target are node IDs
}

// GraphNode is one author of the drawn graph.
type GraphNode struct {
	ID        int     `json:"id"` // index in the graph
	AuthorID  int64   `json:"author_id,omitempty"`
	Handle    string  `json:"handle"`
	Forum     string  `json:"forum"`
	Rank      int     `json:"rank"`
	Score     float64 `json:"score"`
	Community int     `json:"community"`
	Posts     int     `json:"posts"`
}

// View returns the subgraph of the best limit actors.
func (a *Analysis) View(limit int) GraphView {
	g := a.Graph
	v := GraphView{Authors: len(a.Actors), Nodes: []GraphNode{}, Edges: []Edge{}}
	keep := map[int]bool{}
	for _, act := range a.Actors[:min(limit, len(a.Actors))] {
		i := g.Index(forum.AuthorKey{Forum: act.Forum, Handle: act.Handle})
		keep[i] = true
		v.Nodes = append(v.Nodes, GraphNode{ID: i, AuthorID: act.ID, Handle: act.Handle, Forum: act.Forum, Rank: act.Rank,
			Score: act.Score, Community: act.Community, Posts: act.Posts})
	}
	for _, e := range g.Edges {
		if keep[int(e.From)] && keep[int(e.To)] {
			e.Weight, e.Co = round(e.Weight, 4), round(e.Co, 4)
			v.Edges = append(v.Edges, e)
		}
	}
	return v
}
