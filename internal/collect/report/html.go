package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// minArticleText is the shortest readability result we trust. Below it the
// page is usually a listing or a script shell, and the plain walk over the
// whole body keeps more of what the page says.
const minArticleText = 200

// HTML reads an HTML report: its main text without navigation, header,
// footer and sidebars (go-readability), its title and its publication date
// (meta article:published_time and friends, JSON-LD datePublished, <time>
// elements). When readability finds no article, a plain walk over the body
// that skips nav, header, footer, aside, script and style gives the text.
// name is how errors refer to the input; pageURL may be empty.
func HTML(data []byte, name, pageURL string, opts Options) (doc *Document, err error) {
	if int64(len(data)) > opts.maxBytes() {
		return nil, unreadable(name, "report is larger than the %d-byte limit", opts.maxBytes())
	}
	if bytes.HasPrefix(bytes.TrimLeft(data, "\x00\t\r\n "), []byte("%PDF-")) {
		return nil, unreadable(name, "not an HTML report: the input is a PDF")
	}
	if looksBinary(data) {
		return nil, unreadable(name, "not an HTML report: the input is binary data")
	}
	// The readability port walks the tree with many heuristics; a panic on
	// a page nobody foresaw must not take the importer down.
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, unreadable(name, "cannot read the HTML page: %v", r)
		}
	}()
	utf8Data := toUTF8(data)
	var u *url.URL
	if pageURL != "" {
		if u, err = url.Parse(pageURL); err != nil {
			return nil, unreadable(name, "bad page URL %q: %v", pageURL, err)
		}
	}
	root, err := html.Parse(bytes.NewReader(utf8Data))
	if err != nil {
		return nil, unreadable(name, "cannot parse the HTML page: %v", err)
	}
	// Metadata first: readability rewrites the tree it is given.
	meta := readMeta(root, opts.now())

	var text, title string
	art, rerr := readability.FromDocument(root, u)
	if rerr == nil && art.Node != nil {
		var b strings.Builder
		if art.RenderText(&b) == nil {
			text = cleanText(b.String(), opts.maxText())
		}
		title = strings.TrimSpace(art.Title())
		if meta.published.IsZero() {
			if t, err := art.PublishedTime(); err == nil && plausible(t, opts.now()) {
				meta.published = t.UTC()
			}
		}
	}
	if len(text) < minArticleText {
		again, err := html.Parse(bytes.NewReader(utf8Data))
		if err != nil {
			return nil, unreadable(name, "cannot parse the HTML page: %v", err)
		}
		// The walk's rules for chrome are stricter than readability's on
		// short pages (it keeps a lone <nav>), so its answer wins here.
		text = cleanText(plainText(again), opts.maxText())
	}
	if text == "" {
		return nil, unreadable(name, "the HTML page has no text")
	}
	if title == "" {
		title = meta.title
	}
	if title == "" {
		title = firstLine(text)
	}
	return newDocument(title, pageURL, meta.published, text, FormatHTML), nil
}

// toUTF8 decodes a page in a legacy encoding (declared by a BOM or a meta
// charset) into UTF-8; pages already in UTF-8 pass through.
func toUTF8(data []byte) []byte {
	enc, encName, _ := charset.DetermineEncoding(data, "text/html")
	if encName == "utf-8" || enc == nil {
		return data
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return data
	}
	return out
}

type pageMeta struct {
	title     string
	published time.Time
}

// readMeta finds the title and the publication date. Sources are tried in
// order of how reliably they mean "published": JSON-LD datePublished, meta
// tags, then a <time> element (one marked pubdate or itemprop=datePublished
// first, else the first with a datetime).
func readMeta(root *html.Node, now time.Time) pageMeta {
	var m pageMeta
	var ldDate, metaDate, timeDate, firstTime time.Time
	var titleTag, ogTitle string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Title:
				if titleTag == "" {
					titleTag = strings.TrimSpace(nodeText(n))
				}
			case atom.Meta:
				key := strings.ToLower(attr(n, "property") + attr(n, "name") + attr(n, "itemprop"))
				content := attr(n, "content")
				switch key {
				case "article:published_time", "datepublished", "date", "pubdate", "publishdate", "publish-date",
					"publish_date", "dc.date.issued", "dc.date", "dcterms.created", "sailthru.date", "parsely-pub-date",
					"og:published_time", "citation_publication_date":
					if t, ok := parseDate(content, now); ok && metaDate.IsZero() {
						metaDate = t
					}
				case "og:title":
					ogTitle = strings.TrimSpace(content)
				}
			case atom.Script:
				if strings.Contains(strings.ToLower(attr(n, "type")), "ld+json") && ldDate.IsZero() {
					if t, ok := jsonLDDate(nodeText(n), now); ok {
						ldDate = t
					}
				}
			case atom.Time:
				dt := attr(n, "datetime")
				if dt == "" {
					dt = nodeText(n)
				}
				if t, ok := parseDate(dt, now); ok {
					if hasAttr(n, "pubdate") || strings.EqualFold(attr(n, "itemprop"), "datePublished") {
						if timeDate.IsZero() {
							timeDate = t
						}
					} else if firstTime.IsZero() {
						firstTime = t
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	for _, t := range []time.Time{ldDate, metaDate, timeDate, firstTime} {
		if !t.IsZero() {
			m.published = t
			break
		}
	}
	m.title = ogTitle
	if m.title == "" {
		m.title = titleTag
	}
	return m
}

// jsonLDDate finds datePublished anywhere in a JSON-LD block (a single
// object, an array, or an @graph), falling back to dateCreated.
func jsonLDDate(src string, now time.Time) (time.Time, bool) {
	var v any
	if err := json.Unmarshal([]byte(strings.TrimSpace(src)), &v); err != nil {
		return time.Time{}, false
	}
	var find func(v any, key string, depth int) string
	find = func(v any, key string, depth int) string {
		if depth > 8 {
			return ""
		}
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x[key].(string); ok && s != "" {
				return s
			}
			for _, c := range x {
				if s := find(c, key, depth+1); s != "" {
					return s
				}
			}
		case []any:
			for _, c := range x {
				if s := find(c, key, depth+1); s != "" {
					return s
				}
			}
		}
		return ""
	}
	for _, key := range []string{"datePublished", "dateCreated"} {
		if t, ok := parseDate(find(v, key, 0), now); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// dateLayouts lists the date formats seen on report sites.
func dateLayouts() []string {
	return []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04",
		"2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05 -0700",
		"2006-01-02 15:04:05",
		"2006-01-02",
		"2006/01/02",
		time.RFC1123Z,
		time.RFC1123,
		"Mon, 2 Jan 2006 15:04:05 -0700",
		"January 2, 2006",
		"Jan 2, 2006",
		"2 January 2006",
		"2 Jan 2006",
		"20060102",
	}
}

// parseDate reads the date formats seen on report sites. Dates before
// 1990 or more than a day in the future are rejected: they are template
// placeholders or clock errors, not publication dates.
func parseDate(s string, now time.Time) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	for _, layout := range dateLayouts() {
		if t, err := time.Parse(layout, s); err == nil && plausible(t, now) {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func plausible(t, now time.Time) bool {
	return t.Year() >= 1990 && !t.After(now.Add(24*time.Hour))
}

// isSkipped reports whether the plain walk leaves an element's text out:
// page chrome and non-text content.
func isSkipped(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Nav, atom.Header, atom.Footer,
		atom.Aside, atom.Form, atom.Button, atom.Select, atom.Svg, atom.Iframe, atom.Head, atom.Menu:
		return true
	}
	return false
}

// isBlock reports whether an element starts a new line in the plain walk.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Br, atom.Li, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Pre, atom.Blockquote, atom.Table, atom.Section, atom.Article, atom.Main, atom.Ul, atom.Ol,
		atom.Dl, atom.Dt, atom.Dd, atom.Hr, atom.Figure, atom.Figcaption:
		return true
	}
	return false
}

// plainText is the fallback reader: the text of the body, one line per
// block element, without the elements in skipped and without elements
// whose role, id or class says navigation, menu, sidebar, footer, cookie
// banner or share buttons.
func plainText(root *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node, pre bool)
	walk = func(n *html.Node, pre bool) {
		switch n.Type {
		case html.TextNode:
			if pre {
				b.WriteString(n.Data)
			} else if f := strings.Fields(n.Data); len(f) > 0 {
				if strings.IndexFunc(n.Data[:1], isSpace) == 0 {
					b.WriteByte(' ')
				}
				b.WriteString(strings.Join(f, " "))
				if strings.IndexFunc(n.Data[len(n.Data)-1:], isSpace) == 0 {
					b.WriteByte(' ')
				}
			}
			return
		case html.ElementNode:
			if isSkipped(n.DataAtom) || isChrome(n) {
				return
			}
			if isBlock(n.DataAtom) {
				b.WriteByte('\n')
				defer b.WriteByte('\n')
			} else if n.DataAtom == atom.Td || n.DataAtom == atom.Th {
				b.WriteByte(' ')
			}
			pre = pre || n.DataAtom == atom.Pre
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, pre)
		}
	}
	walk(root, false)
	return b.String()
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' }

// isChrome reports whether an element's role, id or class marks it as
// page furniture rather than content.
func isChrome(n *html.Node) bool {
	switch strings.ToLower(attr(n, "role")) {
	case "navigation", "banner", "contentinfo", "complementary", "menu", "menubar", "search":
		return true
	}
	if hasAttr(n, "hidden") || strings.EqualFold(attr(n, "aria-hidden"), "true") {
		return true
	}
	idc := strings.ToLower(attr(n, "id") + " " + attr(n, "class"))
	for _, w := range []string{"nav", "menu", "sidebar", "footer", "breadcrumb", "cookie", "share", "social", "subscribe", "newsletter", "related"} {
		if containsWord(idc, w) {
			return true
		}
	}
	return false
}

// containsWord reports whether w occurs in s as a whole word, where words
// are split at anything but letters and digits ("site-nav" holds "nav",
// "canvas" does not).
func containsWord(s, w string) bool {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		if f == w {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return true
		}
	}
	return false
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// String describes the document for logs and test failures.
func (d *Document) String() string {
	return fmt.Sprintf("%s %q (%d bytes of text)", d.Format, d.Title, len(d.Text))
}
