package web

// Descriptions: ATT&CK and galaxy descriptions are Markdown with
// "(Citation: Name)" markers. They are rendered with goldmark (raw HTML
// left out), the citations turned into numbered footnotes that link to
// the stored document (or the reference's URL), and the result sanitised
// with bluemonday: descriptions come from outside and are as hostile as
// any input.

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"

	"github.com/spoor/spoor/internal/intel"
)

var (
	markdownRenderer = goldmark.New() // without html.WithUnsafe: raw HTML is omitted
	// descriptionPolicy allows what Markdown makes: paragraphs, lists,
	// emphasis, code, links (http, https, mailto; rel="nofollow noopener").
	descriptionPolicy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.AllowURLSchemes("http", "https", "mailto")
		p.RequireNoFollowOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(false)
		p.AllowAttrs("id").Matching(regexp.MustCompile(`^cite-\d+$`)).OnElements("li")
		p.AllowAttrs("class").Matching(regexp.MustCompile(`^footnotes$`)).OnElements("ol")
		return p
	}()
	citationMarker = regexp.MustCompile(`\s*\(Citation: ([^)]+)\)`)
)

// citations resolves a description's citation names to where they link:
// the stored document of that title, else the reference's URL, else
// nowhere ("").
type citations struct {
	urls   map[string]string
	stored map[string]int64
}

func newCitations(refs []intel.ExternalRef, docs []intel.Document) citations {
	c := citations{urls: map[string]string{}, stored: map[string]int64{}}
	for _, r := range refs {
		if r.URL != "" {
			c.urls[r.SourceName] = r.URL
		}
	}
	for _, d := range docs {
		c.stored[d.Title] = d.ID
	}
	return c
}

func (c citations) href(name string) string {
	if id := c.stored[name]; id != 0 {
		return fmt.Sprintf("/documents/%d", id)
	}
	return c.urls[name]
}

// description renders a description's Markdown with its citations as
// footnotes. refs are the object's external references; docs the stored
// documents it cites (a citation links to the document of its name when
// there is one, else to the reference's URL).
func description(md string, refs []intel.ExternalRef, docs []intel.Document) template.HTML {
	cites := newCitations(refs, docs)
	var notes []string
	number := map[string]int{}
	body := citationMarker.ReplaceAllStringFunc(md, func(m string) string {
		name := strings.TrimSpace(citationMarker.FindStringSubmatch(m)[1])
		n, ok := number[name]
		if !ok {
			notes = append(notes, name)
			n = len(notes)
			number[name] = n
		}
		// A Markdown link to the footnote: goldmark escapes the number
		// and the sanitiser keeps only the fragment.
		return fmt.Sprintf("[\\[%d\\]](#cite-%d)", n, n)
	})
	var buf bytes.Buffer
	if err := markdownRenderer.Convert([]byte(body), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(md))
	}
	if len(notes) > 0 {
		buf.WriteString(`<ol class="footnotes">`)
		for i, name := range notes {
			fmt.Fprintf(&buf, `<li id="cite-%d">`, i+1)
			if h := cites.href(name); h != "" {
				fmt.Fprintf(&buf, `<a href="%s">%s</a>`, template.HTMLEscapeString(h), template.HTMLEscapeString(name))
			} else {
				buf.WriteString(template.HTMLEscapeString(name))
			}
			buf.WriteString("</li>")
		}
		buf.WriteString("</ol>")
	}
	return template.HTML(descriptionPolicy.SanitizeBytes(buf.Bytes()))
}

// inlineDescription renders a short description that sits in a table
// cell (how a group uses a technique): Markdown links and code kept,
// paragraphs joined, each citation a bracketed link straight to its
// document, named in its title. refs and docs are as for description.
func inlineDescription(md string, refs []intel.ExternalRef, docs []intel.Document) template.HTML {
	cites := newCitations(refs, docs)
	body := citationMarker.ReplaceAllStringFunc(md, func(m string) string {
		name := strings.TrimSpace(citationMarker.FindStringSubmatch(m)[1])
		label := markdownEscaper.Replace(name)
		if h := cites.href(name); h != "" {
			// A Markdown link with a title: goldmark escapes both, and the
			// sanitiser checks the URL's scheme.
			return fmt.Sprintf(" [\\[%s\\]](<%s> %q)", label, strings.NewReplacer("<", "%3C", ">", "%3E").Replace(h), name)
		}
		return " \\[" + label + "\\]"
	})
	var buf bytes.Buffer
	if err := markdownRenderer.Convert([]byte(body), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(md))
	}
	html := strings.NewReplacer("<p>", "", "</p>\n", " ", "</p>", " ").Replace(buf.String())
	return template.HTML(inlinePolicy.Sanitize(strings.TrimSpace(html)))
}

// markdownEscaper escapes what a citation name may hold that Markdown
// would read as markup.
var markdownEscaper = strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`, `*`, `\*`, `_`, `\_`, "`", "\\`", `<`, `\<`, `>`, `\>`)

// inlinePolicy allows the inline part of what Markdown makes: links,
// emphasis and code.
var inlinePolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("em", "strong", "code", "br")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("title").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireNoFollowOnLinks(true)
	return p
}()
