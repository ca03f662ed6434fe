package forumcrawl

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// renderText turns a post body into the text a reader sees: block
// elements and <br> break lines, whitespace collapses as in a browser
// (kept inside <pre>), images become their alt text, scripts, styles,
// form controls and dropped elements vanish, and quote blocks are kept
// with their lines prefixed "> ".
func renderText(n *html.Node, isQuote, isDrop func(*html.Node) bool) string {
	w := &textWriter{isQuote: isQuote, isDrop: isDrop}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
	return strings.Join(w.finish(), "\n")
}

// plainText is the collapsed text of n on one line (titles, names,
// markers). Images are left out: beside a name they are decoration (rank
// stars, status icons), not text.
func plainText(n *html.Node) string {
	w := &textWriter{isQuote: func(*html.Node) bool { return false }, isDrop: func(n *html.Node) bool { return n.DataAtom == atom.Img }}
	w.node(n)
	return strings.Join(strings.Fields(strings.Join(w.finish(), " ")), " ")
}

type textWriter struct {
	isQuote, isDrop func(*html.Node) bool
	lines           []string
	cur             strings.Builder
	space           bool // a collapsed space is pending
	pre             int
	titleDates      bool // an element titled with a date is that date (shown times)
}

// titledDate is a date in a title attribute: "03-12-2024", "2024-03-12",
// "12.03.2024".
var titledDate = regexp.MustCompile(`^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}$`)

// blocks are the elements a browser lays out as blocks by default, and
// <cite>, which every forum theme shows on a line of its own.
var blocks = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Cite: true,
	atom.Dd: true, atom.Details: true, atom.Dialog: true, atom.Div: true, atom.Dl: true, atom.Dt: true,
	atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Header: true, atom.Hr: true, atom.Li: true, atom.Main: true, atom.Nav: true, atom.Ol: true,
	atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true, atom.Table: true, atom.Tr: true,
	atom.Ul: true, atom.Caption: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true,
}

var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Head: true,
	atom.Iframe: true, atom.Object: true, atom.Embed: true, atom.Button: true, atom.Input: true,
	atom.Select: true, atom.Textarea: true, atom.Svg: true, atom.Math: true,
}

func (w *textWriter) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.ElementNode:
	case html.DocumentNode:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.node(c)
		}
		return
	default:
		return
	}
	if skipped[n.DataAtom] || w.isDrop(n) {
		return
	}
	if w.titleDates {
		if t, ok := attr(n, "title"); ok && titledDate.MatchString(strings.TrimSpace(t)) {
			w.text(strings.TrimSpace(t))
			return
		}
	}
	if w.isQuote(n) {
		sub := &textWriter{isQuote: w.isQuote, isDrop: w.isDrop}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			sub.node(c)
		}
		w.block()
		for _, l := range sub.finish() {
			if l == "" {
				w.lines = append(w.lines, ">")
			} else {
				w.lines = append(w.lines, "> "+l)
			}
		}
		return
	}
	switch n.DataAtom {
	case atom.Br:
		w.newline()
		return
	case atom.Img:
		if alt, ok := attr(n, "alt"); ok {
			w.text(alt)
		}
		return
	case atom.Td, atom.Th:
		if w.cur.Len() > 0 {
			w.space = true
		}
	}
	block := blocks[n.DataAtom]
	if block {
		w.block()
	}
	if n.DataAtom == atom.Li {
		// The space is pending, so the item's own leading whitespace
		// does not double it.
		w.cur.WriteString("-")
		w.space = true
	}
	if n.DataAtom == atom.Pre {
		w.pre++
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
	if n.DataAtom == atom.Pre {
		w.pre--
	}
	if block {
		w.block()
	}
}

func (w *textWriter) text(s string) {
	if w.pre > 0 {
		for i, part := range strings.Split(s, "\n") {
			if i > 0 {
				w.newline()
			}
			w.cur.WriteString(part)
		}
		return
	}
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r', '\f':
			if w.cur.Len() > 0 {
				w.space = true
			}
			continue
		case '\u00a0':
			r = ' '
		}
		if w.space {
			w.cur.WriteByte(' ')
			w.space = false
		}
		w.cur.WriteRune(r)
	}
}

// newline ends the current line, empty or not (<br>).
func (w *textWriter) newline() {
	w.lines = append(w.lines, strings.TrimRight(w.cur.String(), " "))
	w.cur.Reset()
	w.space = false
}

// block ends the current line if it has text.
func (w *textWriter) block() {
	if w.cur.Len() > 0 {
		w.newline()
	}
	w.space = false
}

// finish returns the lines without leading and trailing empty ones, and
// runs of empty lines cut to one.
func (w *textWriter) finish() []string {
	w.block()
	var out []string
	for _, l := range w.lines {
		if l == "" && (len(out) == 0 || out[len(out)-1] == "") {
			continue
		}
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}
