package forumcrawl

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/spoor/spoor/internal/analyze"
)

// field is a compiled Selectors field: the first match's text, or an
// attribute of it, or an attribute of the element itself.
type field struct {
	sel  cascadia.Selector // nil: the element itself
	attr string            // empty: text
}

func compileField(name, spec string, required bool) (*field, error) {
	if spec == "" {
		if required {
			return nil, fmt.Errorf("selector %s is required", name)
		}
		return nil, nil
	}
	css, attr, _ := strings.Cut(spec, "@")
	f := &field{attr: strings.TrimSpace(attr)}
	if strings.TrimSpace(css) != "" {
		sel, err := cascadia.Compile(css)
		if err != nil {
			return nil, fmt.Errorf("selector %s %q: %w", name, spec, err)
		}
		f.sel = sel
	} else if f.attr == "" {
		return nil, fmt.Errorf("selector %s %q: neither a selector nor an attribute", name, spec)
	}
	return f, nil
}

// get returns the field's value in n, and whether it was there.
func (f *field) get(n *html.Node) (string, bool) {
	if f == nil {
		return "", false
	}
	target := n
	if f.sel != nil {
		if target = f.sel.MatchFirst(n); target == nil {
			return "", false
		}
	}
	if f.attr != "" {
		v, ok := attr(target, f.attr)
		return strings.TrimSpace(v), ok
	}
	return plainText(target), true
}

// getTime is get for a shown time: an element inside it whose title is
// a date stands for that date. MyBB shows recent posts as
// <span title="03-12-2024">Yesterday</span>, 10:15 PM.
func (f *field) getTime(n *html.Node) (string, bool) {
	if f == nil || f.attr != "" {
		return f.get(n)
	}
	target := n
	if f.sel != nil {
		if target = f.sel.MatchFirst(n); target == nil {
			return "", false
		}
	}
	w := &textWriter{isQuote: func(*html.Node) bool { return false }, isDrop: func(n *html.Node) bool { return n.DataAtom == atom.Img }, titleDates: true}
	w.node(target)
	return strings.Join(strings.Fields(strings.Join(w.finish(), " ")), " "), true
}

// all returns the values of every match, joined with " | ".
func (f *field) all(n *html.Node) string {
	if f == nil {
		return ""
	}
	if f.sel == nil {
		v, _ := f.get(n)
		return v
	}
	var parts []string
	for _, m := range f.sel.MatchAll(n) {
		if f.attr != "" {
			v, _ := attr(m, f.attr)
			parts = append(parts, strings.TrimSpace(v))
		} else {
			parts = append(parts, plainText(m))
		}
	}
	return strings.Join(parts, " | ")
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, name) {
			return a.Val, true
		}
	}
	return "", false
}

// htmlEngine is a compiled Selectors.
type htmlEngine struct {
	section, sectionTitle, threadRow, thread, marker, listNext  *field
	threadKey                                                   *regexp.Regexp
	threadTitle, post, postKey, author, authorTitle, time, body *field
	postKeyRe, timeRe, quoteRef, editedTimeRe                   *regexp.Regexp
	quote, drop, edited                                         cascadia.Selector
	editedTime, next                                            *field
	layouts                                                     []string
}

func compileHTML(s Selectors) (*htmlEngine, error) {
	e := &htmlEngine{layouts: s.TimeLayouts}
	var errs []error
	fld := func(dst **field, name, spec string, required bool) {
		f, err := compileField(name, spec, required)
		if err != nil {
			errs = append(errs, err)
		}
		*dst = f
	}
	re := func(dst **regexp.Regexp, name, expr string, required bool) {
		if expr == "" && required {
			errs = append(errs, fmt.Errorf("expression %s is required", name))
			return
		}
		r, err := compileRe(name, expr)
		if err != nil {
			errs = append(errs, err)
		}
		*dst = r
	}
	sel := func(dst *cascadia.Selector, name, spec string) {
		if spec == "" {
			return
		}
		c, err := cascadia.Compile(spec)
		if err != nil {
			errs = append(errs, fmt.Errorf("selector %s %q: %w", name, spec, err))
		}
		*dst = c
	}
	fld(&e.section, "Section", s.Section, false)
	fld(&e.sectionTitle, "SectionTitle", s.SectionTitle, false)
	fld(&e.threadRow, "ThreadRow", s.ThreadRow, false)
	fld(&e.thread, "Thread", s.Thread, true)
	fld(&e.marker, "Marker", s.Marker, false)
	fld(&e.listNext, "ListNext", s.ListNext, false)
	re(&e.threadKey, "ThreadKey", s.ThreadKey, true)
	fld(&e.threadTitle, "ThreadTitle", s.ThreadTitle, false)
	fld(&e.post, "Post", s.Post, true)
	fld(&e.postKey, "PostKey", s.PostKey, true)
	re(&e.postKeyRe, "PostKeyRe", s.PostKeyRe, false)
	fld(&e.author, "Author", s.Author, true)
	fld(&e.authorTitle, "AuthorTitle", s.AuthorTitle, false)
	fld(&e.time, "Time", s.Time, false)
	re(&e.timeRe, "TimeRe", s.TimeRe, false)
	fld(&e.body, "Body", s.Body, true)
	sel(&e.quote, "Quote", s.Quote)
	re(&e.quoteRef, "QuoteRef", s.QuoteRef, false)
	sel(&e.edited, "Edited", s.Edited)
	fld(&e.editedTime, "EditedTime", s.EditedTime, false)
	re(&e.editedTimeRe, "EditedTimeRe", s.EditedTimeRe, false)
	sel(&e.drop, "Drop", s.Drop)
	fld(&e.next, "Next", s.Next, false)
	if e.post != nil && e.post.sel == nil {
		errs = append(errs, errors.New("selector Post must select elements"))
	}
	if e.body != nil && e.body.sel == nil {
		errs = append(errs, errors.New("selector Body must select elements"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

// link is a followed link.
type link struct{ URL, Text string }

// threadLink is a thread as a listing shows it.
type threadLink struct {
	Key, Title, URL, Marker string
}

// listing is what a section listing (or the board index) holds.
type listing struct {
	Title    string
	Sections []link
	Threads  []threadLink
	Next     string
}

// parseListing reads a listing page fetched from pageURL.
func (e *htmlEngine) parseListing(pageURL string, body []byte) (*listing, error) {
	doc, base, err := parseDoc(pageURL, body)
	if err != nil {
		return nil, err
	}
	out := &listing{}
	out.Title, _ = e.sectionTitle.get(doc)
	if e.section != nil {
		for _, n := range e.section.sel.MatchAll(doc) {
			if u := resolve(base, n); u != "" {
				out.Sections = append(out.Sections, link{URL: u, Text: plainText(n)})
			}
		}
	}
	rows := []*html.Node{doc}
	if e.threadRow != nil {
		rows = e.threadRow.sel.MatchAll(doc)
	}
	seen := map[string]bool{}
	for _, row := range rows {
		links := []*html.Node{}
		if e.threadRow != nil {
			if n := e.thread.sel.MatchFirst(row); n != nil {
				links = append(links, n)
			}
		} else {
			links = e.thread.sel.MatchAll(row)
		}
		for _, n := range links {
			u := resolve(base, n)
			m := e.threadKey.FindStringSubmatch(u)
			if u == "" || m == nil || seen[m[1]] {
				continue
			}
			seen[m[1]] = true
			tl := threadLink{Key: m[1], Title: plainText(n), URL: u}
			if e.threadRow != nil {
				tl.Marker = e.marker.all(row)
			}
			out.Threads = append(out.Threads, tl)
		}
	}
	if e.listNext != nil {
		if n := e.listNext.sel.MatchFirst(doc); n != nil {
			out.Next = resolve(base, n)
		}
	}
	return out, nil
}

// threadPage is one page of a thread.
type threadPage struct {
	Title string
	Posts []Post
	Next  string
}

// parseThread reads a thread page fetched from pageURL. Posts carry
// everything but Forum, Section and ThreadKey, which the crawler knows.
func (e *htmlEngine) parseThread(pageURL string, body []byte, loc *time.Location) (*threadPage, error) {
	doc, base, err := parseDoc(pageURL, body)
	if err != nil {
		return nil, err
	}
	out := &threadPage{}
	out.Title, _ = e.threadTitle.get(doc)
	for _, pn := range e.post.sel.MatchAll(doc) {
		p, ok := e.parsePost(pn, base, loc)
		if !ok {
			continue
		}
		p.ThreadTitle = out.Title
		out.Posts = append(out.Posts, p)
	}
	if e.next != nil {
		if n := e.next.sel.MatchFirst(doc); n != nil {
			out.Next = resolve(base, n)
		}
	}
	return out, nil
}

// parsePost reads one post element; ok is false when it has no key (a
// deleted-post placeholder, an ad in a post's clothing).
func (e *htmlEngine) parsePost(pn *html.Node, base *url.URL, loc *time.Location) (Post, bool) {
	var p Post
	key, ok := e.postKey.get(pn)
	if e.postKeyRe != nil {
		m := e.postKeyRe.FindStringSubmatch(key)
		if m == nil {
			return p, false
		}
		key = m[1]
	}
	if !ok || key == "" {
		return p, false
	}
	p.Key = key
	p.Author, _ = e.author.get(pn)
	p.AuthorTitle, _ = e.authorTitle.get(pn)
	if s, ok := e.time.getTime(pn); ok {
		p.TimeText = pick(e.timeRe, s)
		p.Time = parseTime(p.TimeText, e.layouts, loc)
	}
	if b := e.body.sel.MatchFirst(pn); b != nil {
		p.Text = renderText(b, e.isQuote, e.isDrop)
		p.Quotes = e.quoteRefs(b)
	}
	if e.edited != nil && e.edited.MatchFirst(pn) != nil {
		p.Edited = true
		if s, ok := e.editedTime.getTime(pn); ok {
			p.EditedTime = parseTime(pick(e.editedTimeRe, s), e.layouts, loc)
		}
	}
	u := *base
	if id, ok := attr(pn, "id"); ok && id != "" {
		u.Fragment = id
	}
	p.URL = u.String()
	return p, true
}

func (e *htmlEngine) isQuote(n *html.Node) bool { return e.quote != nil && e.quote.Match(n) }
func (e *htmlEngine) isDrop(n *html.Node) bool  { return e.drop != nil && e.drop.Match(n) }

// quoteRefs are the keys of the posts quoted in body: QuoteRef matched
// against the attributes of each outermost quote block (a quote nested in
// a quote was quoted by the quoted post, not by this one).
func (e *htmlEngine) quoteRefs(body *html.Node) []string {
	if e.quote == nil || e.quoteRef == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	var inQuote func(n *html.Node, top bool)
	inQuote = func(n *html.Node, top bool) {
		if n.Type == html.ElementNode && !top && e.isQuote(n) {
			return
		}
		for _, a := range n.Attr {
			if m := e.quoteRef.FindStringSubmatch(a.Val); m != nil && !seen[m[1]] {
				seen[m[1]] = true
				out = append(out, m[1])
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			inQuote(c, false)
		}
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && e.isQuote(n) {
			inQuote(n, true)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(body)
	return out
}

// pick returns re's first group in s, or s when re is nil or misses.
func pick(re *regexp.Regexp, s string) string {
	if re == nil {
		return s
	}
	if m := re.FindStringSubmatch(s); m != nil {
		return strings.TrimSpace(m[1])
	}
	return s
}

// parseTime reads a shown time: ISO 8601 (datetime attributes), then the
// engine's layouts in the board's zone. The precision is what the form
// holds. An unreadable time is the zero Timestamp.
func parseTime(s string, layouts []string, loc *time.Location) analyze.Timestamp {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return analyze.Timestamp{}
	}
	if ts, err := analyze.ParseISO(s); err == nil {
		return ts
	}
	for _, l := range layouts {
		t, err := time.ParseInLocation(l, s, loc)
		if err != nil {
			continue
		}
		ts := analyze.FromTime(t, layoutPrecision(l))
		// Only an offset written in the time is the writer's; the board's
		// configured zone says nothing of the poster's clock.
		if strings.Contains(l, "07") {
			_, off := t.Zone()
			ts.Offset, ts.HasOffset = time.Duration(off)*time.Second, off != 0
		}
		return ts
	}
	return analyze.Timestamp{}
}

func layoutPrecision(l string) analyze.Precision {
	switch {
	case strings.Contains(l, "05"):
		return analyze.PrecisionSecond
	case strings.Contains(l, "04"):
		return analyze.PrecisionMinute
	case strings.Contains(l, "15") || strings.Contains(l, "3"):
		return analyze.PrecisionHour
	}
	return analyze.PrecisionDay
}

// parseDoc parses an HTML page and its base URL (a <base href> counts).
func parseDoc(pageURL string, body []byte) (*html.Node, *url.URL, error) {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil, nil, fmt.Errorf("page %s: %w", pageURL, err)
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("page %s: %w", pageURL, err)
	}
	if b := baseSel.MatchFirst(doc); b != nil {
		if h, ok := attr(b, "href"); ok {
			if u, err := base.Parse(h); err == nil {
				base = u
			}
		}
	}
	return doc, base, nil
}

var baseSel = cascadia.MustCompile("head base[href]")

// resolve returns the absolute URL of a link element (its href), without
// the fragment; empty when it has none or it is not http(s).
func resolve(base *url.URL, n *html.Node) string {
	h, ok := attr(n, "href")
	if !ok {
		return ""
	}
	u, err := base.Parse(strings.TrimSpace(h))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	u.Fragment = ""
	return u.String()
}
