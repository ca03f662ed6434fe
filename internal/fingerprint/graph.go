package fingerprint

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// RelatedGroup is one group similar to another, as `spoor related` and the
// API answer it: the combined score, its parts, and the shared evidence.
type RelatedGroup struct {
	GroupID    int64                    `json:"group_id"`
	Group      string                   `json:"group"`
	Score      float64                  `json:"score"`
	Dimensions map[Dimension]float64    `json:"dimensions"`
	Shared     map[Dimension][]Evidence `json:"shared"`
}

// RelatedGroups lists the groups whose score with the group at i is at
// least min, best first, at most limit, each with up to evidence shared
// items per dimension.
func (ix *Index) RelatedGroups(i int, min float64, limit int, w Weights, evidence int) []RelatedGroup {
	var out []RelatedGroup
	for _, p := range ix.Related(i, min, limit, w) {
		j := ix.byGroup[p.B]
		out = append(out, RelatedGroup{GroupID: p.B, Group: ix.profiles[j].Name, Score: p.Score,
			Dimensions: p.Dimensions, Shared: ix.Shared(i, j, evidence)})
	}
	return out
}

// Node is a group in the similarity graph.
type Node struct {
	ID         int64  `json:"id"`
	Group      string `json:"group"`
	Events     int    `json:"events"`
	Techniques int    `json:"techniques"`
	Software   int    `json:"software"`
	Indicators int    `json:"indicators"`
}

// Edge links two groups whose combined score reached the threshold.
type Edge struct {
	Source     int64                 `json:"source"`
	Target     int64                 `json:"target"`
	Score      float64               `json:"score"`
	Dimensions map[Dimension]float64 `json:"dimensions"`
}

// Graph is the similarity graph: the groups with at least one edge, and
// the edges, best first, with the threshold and weights that drew them.
type Graph struct {
	Min     float64 `json:"min"`
	Weights Weights `json:"weights"`
	Nodes   []Node  `json:"nodes"`
	Edges   []Edge  `json:"edges"`
}

// BuildGraph draws the graph of every pair scoring at least min.
func (ix *Index) BuildGraph(min float64, w Weights) Graph {
	g := Graph{Min: min, Weights: w, Nodes: []Node{}, Edges: []Edge{}}
	inGraph := map[int64]bool{}
	for _, p := range ix.Graph(min, w) {
		g.Edges = append(g.Edges, Edge{Source: p.A, Target: p.B, Score: p.Score, Dimensions: p.Dimensions})
		inGraph[p.A], inGraph[p.B] = true, true
	}
	for _, p := range ix.profiles {
		if inGraph[p.GroupID] {
			g.Nodes = append(g.Nodes, Node{ID: p.GroupID, Group: p.Name, Events: p.Events,
				Techniques: len(p.Techniques), Software: len(p.Software), Indicators: len(p.Indicators)})
		}
	}
	return g
}

// WriteGraphML writes the graph as GraphML, which Gephi and Cytoscape
// open: node label and counts, edge score and one attribute per dimension.
func WriteGraphML(w io.Writer, g Graph) error {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString(`<graphml xmlns="http://graphml.graphdrawing.org/xmlns">` + "\n")
	// Key IDs are unique across nodes and edges (GraphML requires it), so
	// node counts are "n_…" and edge parts "e_…"; attr.name is the plain name.
	keys := [][3]string{{"label", "node", "string"}, {"events", "node", "int"}, {"techniques", "node", "int"},
		{"software", "node", "int"}, {"indicators", "node", "int"}, {"score", "edge", "double"}}
	for _, d := range Dimensions {
		keys = append(keys, [3]string{string(d), "edge", "double"})
	}
	for _, k := range keys {
		fmt.Fprintf(&b, `  <key id="%s_%s" for="%s" attr.name="%s" attr.type="%s"/>`+"\n", k[1][:1], k[0], k[1], k[0], k[2])
	}
	b.WriteString(`  <graph id="spoor" edgedefault="undirected">` + "\n")
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, `    <node id="g%d"><data key="n_label">%s</data><data key="n_events">%d</data><data key="n_techniques">%d</data><data key="n_software">%d</data><data key="n_indicators">%d</data></node>`+"\n",
			n.ID, xmlText(n.Group), n.Events, n.Techniques, n.Software, n.Indicators)
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, `    <edge source="g%d" target="g%d"><data key="e_score">%s</data>`, e.Source, e.Target, num(e.Score))
		for _, d := range Dimensions {
			if v, ok := e.Dimensions[d]; ok {
				fmt.Fprintf(&b, `<data key="e_%s">%s</data>`, d, num(v))
			}
		}
		b.WriteString("</edge>\n")
	}
	b.WriteString("  </graph>\n</graphml>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteDOT writes the graph for Graphviz: nodes labelled by group name,
// edges by score.
func WriteDOT(w io.Writer, g Graph) error {
	var b strings.Builder
	b.WriteString("graph spoor {\n  node [shape=box];\n")
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "  g%d [label=%s];\n", n.ID, dotString(n.Group))
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  g%d -- g%d [label=%q, weight=%s];\n", e.Source, e.Target, strconv.FormatFloat(e.Score, 'f', 2, 64), num(e.Score))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// dotString quotes s as a DOT string: backslashes and quotes escaped,
// line breaks and other control characters dropped.
func dotString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
