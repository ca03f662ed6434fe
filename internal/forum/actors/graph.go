// Package actors finds the key actors of hacker forums: the directed,
// weighted graph of authors (replies, quotes, thread co-participation
// whose weight is shared over the thread's participants), PageRank, HITS
// hubs and authorities, betweenness, k-core and activity, a combined score
// that shows its parts and why, Louvain communities, and an author's
// portrait. It is pure: it takes forum posts and gives answers; the CLI,
// API and pages all call Analyze on the posts the store gives back.
package actors

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/spoor/spoor/internal/forum"
)

// Edge weights. A reply or a quote is one deliberate answer to one
// author; taking part in a thread is a weaker tie, spread over the thread's
// participants so that a big thread does not outweigh a conversation.
const (
	ReplyWeight = 1.0
	QuoteWeight = 1.0
	// CoWeight is what one author's first post in a thread gives in all
	// to the earlier participants: each of the n−1 others gets CoWeight/(n−1).
	CoWeight = 1.0
	// coWindow bounds the earlier participants a newcomer is tied to in
	// a big thread: the opener and the most recent others.
	coWindow = 50
)

// Edge is the tie from one author to another: From answered, quoted or
// joined a thread of To. Weight is the sum of its parts.
//
// The fields are 32 bits where that is enough (two billion authors or
// replies), so that the millions of ties of a big forum take 32 bytes
// each.
type Edge struct {
	From    int32   `json:"source"`
	To      int32   `json:"target"`
	Weight  float64 `json:"weight"`
	Replies int32   `json:"replies"`
	Quotes  int32   `json:"quotes"`
	// Co is the co-participation weight.
	Co float64 `json:"co"`
}

// Graph is the directed, weighted author graph. Authors are indexed
// 0…n−1 in the order of their first post.
type Graph struct {
	Authors []forum.AuthorKey
	Edges   []Edge // sorted by From, then To
	index   map[forum.AuthorKey]int
	// out[i] are the indexes into Edges of i's ties (CSR offsets).
	outStart []int
	// in[inStart[j]:inStart[j+1]] are the indexes into Edges of the ties
	// to j, in order.
	in      []int32
	inStart []int
}

// tieEvent is one reply, quote or co-participation of the author whose
// bucket holds it, to author to: kind is replyEvent, quoteEvent, or the
// number of participants of the thread (at least 2), of which the
// co-participation weight is made. Eight bytes: a million posts make
// about nine million events.
type tieEvent struct {
	to, kind int32
}

// Participant counts are at least 2, so these mark the other events.
const (
	replyEvent = -1
	quoteEvent = -2
)

// Index returns the author's index, or -1.
func (g *Graph) Index(k forum.AuthorKey) int {
	if i, ok := g.index[k]; ok {
		return i
	}
	return -1
}

// Out returns i's ties.
func (g *Graph) Out(i int) []Edge { return g.Edges[g.outStart[i]:g.outStart[i+1]] }

// In returns the ties to j.
func (g *Graph) In(j int) []int32 { return g.in[g.inStart[j]:g.inStart[j+1]] }

// activity counts one author's posts and threads.
type activity struct {
	posts, threads, started int
}

// BuildGraph draws the author graph of posts (of one forum or several:
// an author is a handle on one forum, so there are no ties across forums
// unless a post answers a post of another). Posts of a thread are taken in
// Position order; replies and quotes name post keys of the same forum.
func BuildGraph(posts []forum.Post) (*Graph, []activity) {
	g := &Graph{index: map[forum.AuthorKey]int{}}
	node := func(k forum.AuthorKey) int {
		if i, ok := g.index[k]; ok {
			return i
		}
		g.index[k] = len(g.Authors)
		g.Authors = append(g.Authors, k)
		return len(g.Authors) - 1
	}
	type tkey struct{ forum, thread string }
	threads := map[tkey][]int32{} // post indexes
	var order []tkey
	// Post keys by forum, for replies and quotes (built only when a post
	// has one).
	byKey := map[string]map[string]int{}
	linked := false
	for i := range posts {
		if posts[i].ReplyTo != "" || len(posts[i].Quotes) > 0 {
			linked = true
			break
		}
	}
	if linked {
		// Sized by each forum's posts, so that the maps of a million keys
		// are made once rather than grown.
		sizes := map[string]int{}
		for i := range posts {
			sizes[posts[i].Forum]++
		}
		for f, k := range sizes {
			byKey[f] = make(map[string]int, k)
		}
	}
	// au[i] is the author of post i.
	au := make([]int32, len(posts))
	for i := range posts {
		p := &posts[i]
		au[i] = int32(node(p.AuthorKey()))
		t := tkey{p.Forum, p.Thread}
		if _, ok := threads[t]; !ok {
			order = append(order, t)
		}
		threads[t] = append(threads[t], int32(i))
		if linked {
			byKey[p.Forum][p.Key] = i
		}
	}
	n := len(g.Authors)
	act := make([]activity, n)
	for _, a := range au {
		act[a].posts++
	}
	for _, t := range order {
		idx := threads[t]
		slices.SortStableFunc(idx, func(x, y int32) int { return cmp.Compare(posts[x].Position, posts[y].Position) })
	}
	// A million posts make millions of ties. Each reply, quote and
	// co-participation is an event of a tie; the events are walked twice,
	// first to count them by author, then to put each in its author's
	// bucket, so that they take one slice of their exact size and the ties
	// one more, and no map of ties grows. Each bucket is then sorted by the
	// other author, keeping the order met, so that a tie's co-participation
	// weight is summed in the order of its events.
	count := make([]int, n+1)
	var events []tieEvent
	emit := func(a, b int, kind int32) { count[a+1]++ }
	fill := func(a, b int, kind int32) {
		events[count[a]] = tieEvent{to: int32(b), kind: kind}
		count[a]++
	}
	var seen []int
	mark := make([]int, n) // thread number + 1 of the author's last thread
	walk := func(first bool) {
		for i := range posts {
			p := &posts[i]
			if p.ReplyTo == "" && len(p.Quotes) == 0 {
				continue
			}
			a := int(au[i])
			if p.ReplyTo != "" {
				if j, ok := byKey[p.Forum][p.ReplyTo]; ok {
					if b := int(au[j]); b != a {
						emit(a, b, replyEvent)
					}
				}
			}
			for _, q := range p.Quotes {
				if j, ok := byKey[p.Forum][q]; ok {
					if b := int(au[j]); b != a {
						emit(a, b, quoteEvent)
					}
				}
			}
		}
		clear(mark)
		for ti, t := range order {
			seen = seen[:0]
			for _, i := range threads[t] {
				a := int(au[i])
				if mark[a] != ti+1 {
					mark[a] = ti + 1
					seen = append(seen, a)
				}
			}
			if first {
				act[seen[0]].started++
				for _, a := range seen {
					act[a].threads++
				}
			}
			if len(seen) < 2 {
				continue
			}
			for k := 1; k < len(seen); k++ {
				a := seen[k]
				emit(a, seen[0], int32(len(seen)))
				for m := max(1, k-coWindow+1); m < k; m++ {
					emit(a, seen[m], int32(len(seen)))
				}
			}
		}
	}
	walk(true)
	for i := 0; i < n; i++ {
		count[i+1] += count[i]
	}
	events = make([]tieEvent, count[n])
	start := slices.Clone(count)
	emit = fill
	walk(false)
	// What found the events goes before the ties are made of them.
	byKey, threads, order, au, mark = nil, nil, nil, nil, nil
	ties := 0
	for a := 0; a < n; a++ {
		bucket := events[start[a]:start[a+1]]
		slices.SortStableFunc(bucket, func(x, y tieEvent) int { return cmp.Compare(x.to, y.to) })
		for k := range bucket {
			if k == 0 || bucket[k].to != bucket[k-1].to {
				ties++
			}
		}
	}
	g.Edges = make([]Edge, 0, ties)
	for a := 0; a < n; a++ {
		for _, ev := range events[start[a]:start[a+1]] {
			if len(g.Edges) == 0 || g.Edges[len(g.Edges)-1].From != int32(a) || g.Edges[len(g.Edges)-1].To != ev.to {
				g.Edges = append(g.Edges, Edge{From: int32(a), To: ev.to})
			}
			e := &g.Edges[len(g.Edges)-1]
			switch ev.kind {
			case replyEvent:
				e.Replies++
			case quoteEvent:
				e.Quotes++
			default:
				// Each of the n−1 others gets CoWeight/(n−1).
				e.Co += CoWeight / float64(ev.kind-1)
			}
		}
	}
	events = nil
	for i := range g.Edges {
		e := &g.Edges[i]
		e.Weight = ReplyWeight*float64(e.Replies) + QuoteWeight*float64(e.Quotes) + e.Co
	}
	g.outStart = make([]int, n+1)
	for _, e := range g.Edges {
		g.outStart[e.From+1]++
	}
	for i := 0; i < n; i++ {
		g.outStart[i+1] += g.outStart[i]
	}
	// The ties to each author, in one slice: inStart are its offsets.
	g.inStart = make([]int, n+1)
	for _, e := range g.Edges {
		g.inStart[e.To+1]++
	}
	for i := 0; i < n; i++ {
		g.inStart[i+1] += g.inStart[i]
	}
	g.in = make([]int32, len(g.Edges))
	next := slices.Clone(g.inStart[:n])
	for k, e := range g.Edges {
		g.in[next[e.To]] = int32(k)
		next[e.To]++
	}
	return g, act
}

// pageRank is weighted PageRank over the ties (an author answered by many
// who are themselves answered ranks high); dangling authors spread evenly.
func (g *Graph) pageRank(damp float64) []float64 {
	n := len(g.Authors)
	if n == 0 {
		return nil
	}
	outW := make([]float64, n)
	for _, e := range g.Edges {
		outW[e.From] += e.Weight
	}
	pr := make([]float64, n)
	next := make([]float64, n)
	for i := range pr {
		pr[i] = 1 / float64(n)
	}
	for iter := 0; iter < 60; iter++ {
		dangling := 0.0
		for i := range n {
			if outW[i] == 0 {
				dangling += pr[i]
			}
			next[i] = 0
		}
		for _, e := range g.Edges {
			next[e.To] += pr[e.From] * e.Weight / outW[e.From]
		}
		base := (1-damp)/float64(n) + damp*dangling/float64(n)
		diff := 0.0
		for i := range n {
			v := base + damp*next[i]
			diff += math.Abs(v - pr[i])
			next[i] = v
		}
		pr, next = next, pr
		if diff < 1e-9 {
			break
		}
	}
	return pr
}

// hits returns weighted hub and authority scores (L2-normalised): a hub
// answers many authorities, an authority is answered by many hubs.
func (g *Graph) hits() (hub, auth []float64) {
	n := len(g.Authors)
	hub, auth = make([]float64, n), make([]float64, n)
	for i := range hub {
		hub[i] = 1
	}
	norm := func(v []float64) {
		s := 0.0
		for _, x := range v {
			s += x * x
		}
		if s = math.Sqrt(s); s > 0 {
			for i := range v {
				v[i] /= s
			}
		}
	}
	prevA := make([]float64, n)
	for iter := 0; iter < 60; iter++ {
		copy(prevA, auth)
		clear(auth)
		for _, e := range g.Edges {
			auth[e.To] += e.Weight * hub[e.From]
		}
		norm(auth)
		clear(hub)
		for _, e := range g.Edges {
			hub[e.From] += e.Weight * auth[e.To]
		}
		norm(hub)
		d := 0.0
		for i := range auth {
			d += math.Abs(auth[i] - prevA[i])
		}
		if d < 1e-9 {
			break
		}
	}
	return hub, auth
}

// betweennessWork bounds the work of betweenness (searches × ties):
// within it every author is a source; beyond it a fixed sample of
// sources, at least minPivots, scaled up (Brandes and Pich's estimate).
const (
	betweennessWork = 2e8
	minPivots       = 32
)

// betweenness is Brandes' betweenness on the unweighted graph of ties,
// either way: how often an author lies on the shortest chains between two
// others — a broker between circles. (Directed, it would be almost always
// 0: ties point from later posters to earlier ones.)
func (g *Graph) betweenness(adj [][]int32) []float64 {
	n := len(g.Authors)
	bc := make([]float64, n)
	sources := make([]int, 0, n)
	scale := 1.0
	entries := 1
	for _, a := range adj {
		entries += len(a)
	}
	if pivots := max(minPivots, int(betweennessWork/float64(entries))); pivots >= n {
		for i := range n {
			sources = append(sources, i)
		}
	} else {
		r := rand.New(rand.NewPCG(1, 2))
		sources = append(sources, r.Perm(n)[:pivots]...)
		scale = float64(n) / float64(pivots)
	}
	sigma := make([]float64, n)
	dist := make([]int, n)
	delta := make([]float64, n)
	stack := make([]int, 0, n)
	queue := make([]int, 0, n)
	for i := range dist {
		dist[i] = -1
	}
	for _, s := range sources {
		stack, queue = stack[:0], queue[:0]
		sigma[s], dist[s] = 1, 0
		queue = append(queue, s)
		for h := 0; h < len(queue); h++ {
			v := queue[h]
			stack = append(stack, v)
			for _, w32 := range adj[v] {
				w := int(w32)
				if dist[w] < 0 {
					dist[w] = dist[v] + 1
					queue = append(queue, w)
				}
				if dist[w] == dist[v]+1 {
					sigma[w] += sigma[v]
				}
			}
		}
		for k := len(stack) - 1; k >= 0; k-- {
			w := stack[k]
			for _, v := range adj[w] {
				if dist[v] >= 0 && dist[v] == dist[w]-1 {
					delta[v] += sigma[v] / sigma[w] * (1 + delta[w])
				}
			}
			if w != s {
				bc[w] += delta[w] * scale / 2 // each pair is counted from both ends
			}
		}
		for _, v := range stack {
			sigma[v], dist[v], delta[v] = 0, -1, 0
		}
	}
	return bc
}

// coreNumbers is each author's k-core number in the undirected graph of
// ties (Batagelj–Zaversnik): the largest k such that the author is in a
// group where everyone has ties to at least k others of it.
func (g *Graph) coreNumbers(adj [][]int32) []int {
	n := len(g.Authors)
	deg := make([]int, n)
	maxDeg := 0
	for i := range adj {
		deg[i] = len(adj[i])
		maxDeg = max(maxDeg, deg[i])
	}
	bin := make([]int, maxDeg+1)
	for _, d := range deg {
		bin[d]++
	}
	start := 0
	for d := range bin {
		bin[d], start = start, start+bin[d]
	}
	pos, vert := make([]int, n), make([]int, n)
	for v := range n {
		pos[v] = bin[deg[v]]
		vert[pos[v]] = v
		bin[deg[v]]++
	}
	for d := maxDeg; d > 0; d-- {
		bin[d] = bin[d-1]
	}
	if maxDeg >= 0 && len(bin) > 0 {
		bin[0] = 0
	}
	for i := range n {
		v := vert[i]
		for _, u32 := range adj[v] {
			if u := int(u32); deg[u] > deg[v] {
				du, pu := deg[u], pos[u]
				pw := bin[du]
				w := vert[pw]
				if u != w {
					pos[u], vert[pu] = pw, w
					pos[w], vert[pw] = pu, u
				}
				bin[du]++
				deg[u]--
			}
		}
	}
	return deg
}

// undirected returns each author's distinct neighbours either way, each
// list a part of one slice.
func (g *Graph) undirected() [][]int32 {
	n := len(g.Authors)
	start := g.degrees()
	flat := make([]int32, 2*len(g.Edges))
	next := slices.Clone(start[:n])
	for _, e := range g.Edges {
		flat[next[e.From]] = e.To
		next[e.From]++
		flat[next[e.To]] = e.From
		next[e.To]++
	}
	adj := make([][]int32, n)
	for i := range adj {
		a := flat[start[i]:start[i+1]:start[i+1]]
		slices.Sort(a)
		adj[i] = slices.Compact(a)
	}
	return adj
}

// degrees returns the offsets of each author's ties either way in one
// slice: author i's are [start[i], start[i+1]).
func (g *Graph) degrees() []int {
	n := len(g.Authors)
	start := make([]int, n+1)
	for _, e := range g.Edges {
		start[e.From+1]++
		start[e.To+1]++
	}
	for i := 0; i < n; i++ {
		start[i+1] += start[i]
	}
	return start
}
