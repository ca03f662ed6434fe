package stix

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// This file writes a parsed pattern back out: as pattern text (String,
// which ParsePattern reads back into the same tree), as a JSON tree that
// the store keeps beside the pattern text (Tree), and as the literal
// values it names (Values), by which a kept pattern is found.

// Node is one node of a pattern's JSON tree. Op names the node:
// "FOLLOWEDBY", "OR", "AND" (observation or comparison joins, by
// Observation depth), "observation" (one bracketed observation),
// "qualified" (Args[0] with Qualifier), "EXISTS", or a comparison
// operator ("=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES",
// "ISSUBSET", "ISSUPERSET").
type Node struct {
	Op        string     `json:"op"`
	Args      []*Node    `json:"args,omitempty"`
	Qualifier *NodeQual  `json:"qualifier,omitempty"`
	Path      string     `json:"path,omitempty"`
	Negate    bool       `json:"not,omitempty"`
	Value     *NodeValue `json:"value,omitempty"`
}

// NodeQual is a qualifier in the JSON tree.
type NodeQual struct {
	Kind    string  `json:"kind"` // WITHIN, REPEATS, START
	Seconds float64 `json:"seconds,omitempty"`
	Times   int     `json:"times,omitempty"`
	Start   string  `json:"start,omitempty"`
	Stop    string  `json:"stop,omitempty"`
}

// NodeValue is a literal in the JSON tree.
type NodeValue struct {
	Kind string      `json:"kind"`
	Text string      `json:"text,omitempty"`
	Set  []NodeValue `json:"set,omitempty"`
}

// Tree returns the pattern as a JSON-ready tree.
func (p *Pattern) Tree() *Node { return obsNode(p.Root) }

// TreeJSON is Tree marshalled.
func (p *Pattern) TreeJSON() string {
	b, err := json.Marshal(p.Tree())
	if err != nil { // plain structs of strings and numbers
		panic(err)
	}
	return string(b)
}

func obsNode(e ObsExpr) *Node {
	switch e := e.(type) {
	case *ObsBinary:
		return &Node{Op: e.Op, Args: []*Node{obsNode(e.Left), obsNode(e.Right)}}
	case *ObsQualified:
		q := e.Qualifier
		nq := &NodeQual{Kind: q.Kind, Seconds: q.Seconds, Times: q.Times}
		if q.Kind == "START" {
			nq.Start, nq.Stop = q.Start.Format(time.RFC3339Nano), q.Stop.Format(time.RFC3339Nano)
		}
		return &Node{Op: "qualified", Args: []*Node{obsNode(e.Expr)}, Qualifier: nq}
	case *Observation:
		return &Node{Op: "observation", Args: []*Node{compNode(e.Comp)}}
	}
	return nil
}

func compNode(c CompExpr) *Node {
	switch c := c.(type) {
	case *CompBinary:
		return &Node{Op: c.Op, Args: []*Node{compNode(c.Left), compNode(c.Right)}}
	case *Exists:
		return &Node{Op: "EXISTS", Path: c.Path.String()}
	case *Comparison:
		v := valueNode(c.Value)
		return &Node{Op: c.Op, Path: c.Path.String(), Negate: c.Negate, Value: &v}
	}
	return nil
}

func valueNode(l Literal) NodeValue {
	v := NodeValue{Kind: l.Kind, Text: l.Text}
	for _, s := range l.Set {
		v.Set = append(v.Set, valueNode(s))
	}
	return v
}

// String writes the pattern as STIX pattern text. Parentheses are written
// where the tree needs them, so ParsePattern of the text gives the same
// tree; spacing is normalised.
func (p *Pattern) String() string {
	var b strings.Builder
	writeObs(&b, p.Root, 0)
	return b.String()
}

// Precedence of observation joins, loosest first; a qualified expression
// binds tighter than any join.
func obsLevel(e ObsExpr) int {
	switch e := e.(type) {
	case *ObsBinary:
		switch e.Op {
		case "FOLLOWEDBY":
			return 1
		case "OR":
			return 2
		}
		return 3
	case *ObsQualified:
		return 4
	}
	return 5
}

// writeObs writes e; min is the loosest level that may stand without
// parentheses in this place.
func writeObs(b *strings.Builder, e ObsExpr, min int) {
	if obsLevel(e) < min {
		b.WriteByte('(')
		writeObs(b, e, 0)
		b.WriteByte(')')
		return
	}
	switch e := e.(type) {
	case *ObsBinary:
		lv := obsLevel(e)
		writeObs(b, e.Left, lv)
		b.WriteString(" " + e.Op + " ")
		writeObs(b, e.Right, lv+1) // joins associate to the left
	case *ObsQualified:
		// A qualifier follows an observation or a parenthesised
		// expression; several qualifiers follow one another.
		writeObs(b, e.Expr, 4)
		q := e.Qualifier
		switch q.Kind {
		case "WITHIN":
			b.WriteString(" WITHIN " + strconv.FormatFloat(q.Seconds, 'f', -1, 64) + " SECONDS")
		case "REPEATS":
			b.WriteString(" REPEATS " + strconv.Itoa(q.Times) + " TIMES")
		case "START":
			b.WriteString(" START t'" + q.Start.Format(time.RFC3339Nano) + "' STOP t'" + q.Stop.Format(time.RFC3339Nano) + "'")
		}
	case *Observation:
		b.WriteByte('[')
		writeComp(b, e.Comp, 0)
		b.WriteByte(']')
	}
}

func compLevel(c CompExpr) int {
	if c, ok := c.(*CompBinary); ok {
		if c.Op == "OR" {
			return 1
		}
		return 2
	}
	return 3
}

func writeComp(b *strings.Builder, c CompExpr, min int) {
	if compLevel(c) < min {
		b.WriteByte('(')
		writeComp(b, c, 0)
		b.WriteByte(')')
		return
	}
	switch c := c.(type) {
	case *CompBinary:
		lv := compLevel(c)
		writeComp(b, c.Left, lv)
		b.WriteString(" " + c.Op + " ")
		writeComp(b, c.Right, lv+1)
	case *Exists:
		b.WriteString("EXISTS " + c.Path.String())
	case *Comparison:
		b.WriteString(c.Path.String())
		if c.Negate {
			b.WriteString(" NOT")
		}
		b.WriteString(" " + c.Op + " ")
		writeLiteral(b, c.Value)
	}
}

func writeLiteral(b *strings.Builder, l Literal) {
	switch l.Kind {
	case "string":
		b.WriteString(quote(l.Text))
	case "binary":
		b.WriteString("b" + quote(l.Text))
	case "hex":
		b.WriteString("h" + quote(l.Text))
	case "timestamp":
		b.WriteString("t" + quote(l.Text))
	case "set":
		b.WriteByte('(')
		for i, s := range l.Set {
			if i > 0 {
				b.WriteString(", ")
			}
			writeLiteral(b, s)
		}
		b.WriteByte(')')
	default: // int, float, bool: as written
		b.WriteString(l.Text)
	}
}

// PatternValue is one literal a pattern compares an object path with.
type PatternValue struct {
	Path  string `json:"path"`
	Op    string `json:"op"`
	Value string `json:"value"`
}

// Values returns every comparison of the pattern with its literal (each
// member of an IN list apart), in pattern order, once each. They are what
// a kept pattern is searched by.
func (p *Pattern) Values() []PatternValue {
	var out []PatternValue
	seen := map[PatternValue]bool{}
	add := func(v PatternValue) {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	var comp func(c CompExpr)
	comp = func(c CompExpr) {
		switch c := c.(type) {
		case *CompBinary:
			comp(c.Left)
			comp(c.Right)
		case *Comparison:
			path := c.Path.String()
			if c.Value.Kind == "set" {
				for _, s := range c.Value.Set {
					add(PatternValue{Path: path, Op: c.Op, Value: s.Text})
				}
				return
			}
			add(PatternValue{Path: path, Op: c.Op, Value: c.Value.Text})
		}
	}
	var obs func(e ObsExpr)
	obs = func(e ObsExpr) {
		switch e := e.(type) {
		case *ObsBinary:
			obs(e.Left)
			obs(e.Right)
		case *ObsQualified:
			obs(e.Expr)
		case *Observation:
			comp(e.Comp)
		}
	}
	obs(p.Root)
	return out
}

// Simple reports whether the pattern is one observation of one
// non-negated equality, without qualifiers: the pattern that is an
// indicator value and nothing more.
func (p *Pattern) Simple() bool {
	o, ok := p.Root.(*Observation)
	if !ok {
		return false
	}
	c, ok := o.Comp.(*Comparison)
	return ok && c.Op == "=" && !c.Negate
}

// Outline writes the pattern's structure one node a line, indented by
// depth: joins, observations, qualifiers and comparisons, for a person to
// read.
func (p *Pattern) Outline() []string {
	var out []string
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		pad := strings.Repeat("  ", depth)
		switch {
		case n.Op == "observation":
			out = append(out, pad+"observation")
		case n.Op == "qualified":
			q := n.Qualifier
			switch q.Kind {
			case "WITHIN":
				out = append(out, pad+"WITHIN "+strconv.FormatFloat(q.Seconds, 'f', -1, 64)+" SECONDS")
			case "REPEATS":
				out = append(out, pad+"REPEATS "+strconv.Itoa(q.Times)+" TIMES")
			default:
				out = append(out, pad+"START "+q.Start+" STOP "+q.Stop)
			}
		case n.Op == "EXISTS":
			out = append(out, pad+"EXISTS "+n.Path)
		case n.Value != nil:
			var b strings.Builder
			b.WriteString(pad + n.Path)
			if n.Negate {
				b.WriteString(" NOT")
			}
			b.WriteString(" " + n.Op + " ")
			writeLiteral(&b, literalOf(*n.Value))
			out = append(out, b.String())
		default: // AND, OR, FOLLOWEDBY
			out = append(out, pad+n.Op)
		}
		for _, a := range n.Args {
			walk(a, depth+1)
		}
	}
	walk(p.Tree(), 0)
	return out
}

func literalOf(v NodeValue) Literal {
	l := Literal{Kind: v.Kind, Text: v.Text}
	for _, s := range v.Set {
		l.Set = append(l.Set, literalOf(s))
	}
	return l
}
