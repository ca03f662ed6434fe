package web

import (
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

func TestDescription(t *testing.T) {
	refs := []intel.ExternalRef{{SourceName: "Vendor 2016", URL: "https://vendor.example/report"}, {SourceName: "Bad", URL: "javascript:alert(1)"}}
	docs := []intel.Document{{ID: 7, Title: "Stored Report"}}
	for _, tc := range []struct {
		name, md  string
		want, not []string
	}{
		{"links and code", "Uses [Mimikatz](https://attack.mitre.org/software/S0002) and `cmd.exe`.",
			[]string{`<a href="https://attack.mitre.org/software/S0002" rel="nofollow">Mimikatz</a>`, "<code>cmd.exe</code>"}, []string{"]("}},
		{"citations become footnotes", "Seen in 2016.(Citation: Vendor 2016) Again.(Citation: Stored Report)(Citation: Vendor 2016)",
			[]string{`2016.<a href="#cite-1" rel="nofollow">[1]</a> Again.`, `<li id="cite-1"><a href="https://vendor.example/report" rel="nofollow">Vendor 2016</a></li>`,
				`<li id="cite-2"><a href="/documents/7" rel="nofollow">Stored Report</a></li>`}, []string{"Citation:", `id="cite-3"`}},
		{"raw HTML is inert", `<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))`,
			nil, []string{"<script", "<img", "onerror", "javascript:"}},
		{"a hostile reference URL is dropped", "Bad.(Citation: Bad)", []string{`<li id="cite-1">Bad</li>`}, []string{"javascript:"}},
	} {
		got := string(description(tc.md, refs, docs))
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %s lacks %s", tc.name, got, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %s holds %s", tc.name, got, n)
			}
		}
	}
}

func TestInlineDescription(t *testing.T) {
	refs := []intel.ExternalRef{{SourceName: "Vendor 2016", URL: "https://vendor.example/report"}, {SourceName: "Bad", URL: "javascript:alert(1)"},
		{SourceName: `Odd "name" <b>`, URL: "https://odd.example/a>b"}}
	docs := []intel.Document{{ID: 7, Title: "Stored Report"}}
	for _, tc := range []struct {
		name, md  string
		want, not []string
	}{
		{"a use with its citation", "[APT28](https://attack.mitre.org/groups/G0007) used `certutil`.(Citation: Stored Report)",
			[]string{`<a href="https://attack.mitre.org/groups/G0007" rel="nofollow">APT28</a> used <code>certutil</code>. <a href="/documents/7" title="Stored Report" rel="nofollow">[Stored Report]</a>`},
			[]string{"<p>", "Citation:", "]("}},
		{"a citation without a document links to its URL", "Seen.(Citation: Vendor 2016)",
			[]string{`<a href="https://vendor.example/report" title="Vendor 2016" rel="nofollow">[Vendor 2016]</a>`}, nil},
		{"a citation that links nowhere stays text", "Seen.(Citation: Unknown 2020)", []string{"Seen. [Unknown 2020]"}, []string{"<a"}},
		{"paragraphs are joined", "One.\n\nTwo.", []string{"One. Two."}, []string{"<p>"}},
		{"raw HTML is inert", `<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))`,
			nil, []string{"<script", "<img", "onerror", "javascript:"}},
		{"a hostile reference URL is dropped", "Bad.(Citation: Bad)", nil, []string{"javascript:"}},
		{"a citation name with markup stays text", "Odd.(Citation: Odd \"name\" <b>)",
			[]string{`title="Odd &#34;name&#34; &lt;b&gt;"`, `[Odd &#34;name&#34; &lt;b&gt;]</a>`}, []string{"<b>"}},
	} {
		got := string(inlineDescription(tc.md, refs, docs))
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %s lacks %s", tc.name, got, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %s holds %s", tc.name, got, n)
			}
		}
	}
}
