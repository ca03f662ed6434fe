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

// description renders a description's Markdown with its citations as
// footnotes. refs are the object's external references; docs the stored
// documents it cites (a citation links to the document of its name when
// there is one, else to the reference's URL).
func description(md string, refs []intel.ExternalRef, docs []intel.Document) template.HTML {
	urls := map[string]string{}
	for _, r := range refs {
		if r.URL != "" {
			urls[r.SourceName] = r.URL
		}
	}
	stored := map[string]int64{}
	for _, d := range docs {
		stored[d.Title] = d.ID
	}
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
			switch {
			case stored[name] != 0:
				fmt.Fprintf(&buf, `<a href="/documents/%d">%s</a>`, stored[name], template.HTMLEscapeString(name))
			case urls[name] != "":
				fmt.Fprintf(&buf, `<a href="%s">%s</a>`, template.HTMLEscapeString(urls[name]), template.HTMLEscapeString(name))
			default:
				buf.WriteString(template.HTMLEscapeString(name))
			}
			buf.WriteString("</li>")
		}
		buf.WriteString("</ol>")
	}
	return template.HTML(descriptionPolicy.SanitizeBytes(buf.Bytes()))
}
