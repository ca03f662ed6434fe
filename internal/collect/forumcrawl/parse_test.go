package forumcrawl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

func TestRenderText(t *testing.T) {
	quote := cascadia.MustCompile("blockquote")
	drop := cascadia.MustCompile(".drop")
	for _, tc := range []struct{ name, in, want string }{
		{"whitespace collapses", "  a \n\t b  <b> c </b>d ", "a b c d"},
		{"br breaks, twice leaves a blank line", "one<br>two<br><br>three", "one\ntwo\n\nthree"},
		{"blocks are lines", "<p>one</p><p>two</p><div>three <span>four</span></div>", "one\ntwo\nthree four"},
		{"lists", "Features:<ul><li>a</li><li>b <i>c</i></li></ul>after", "Features:\n- a\n- b c\nafter"},
		{"list items with whitespace", "<ol>\n <li>\n  a\n </li>\n <li>b</li></ol>", "- a\n- b"},
		{"quote", "<blockquote><cite>bob wrote:</cite>hi<br>there</blockquote>reply", "> bob wrote:\n> hi\n> there\nreply"},
		{"nested quote", "<blockquote>outer<blockquote>inner</blockquote></blockquote>x", "> outer\n> > inner\nx"},
		{"quote with a blank line", "<blockquote>a<br><br>b</blockquote>", "> a\n>\n> b"},
		{"pre keeps spaces", "<pre>  x  = 1\n  y</pre>", "  x  = 1\n  y"},
		{"scripts, styles, controls, dropped", `a<script>alert(1)</script><style>p{}</style><button>Like</button><span class="drop">x</span>b`, "ab"},
		{"images are their alt", `ok <img alt=":)"> <img src="x.png">`, "ok :)"},
		{"entities and nbsp", "a&nbsp;&nbsp;b &amp; &lt;c&gt;", "a  b & <c>"},
		{"table cells", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
		{"hostile markup is text", `<a href="javascript:alert(1)" onclick="x()">click</a>`, "click"},
	} {
		n, err := html.ParseFragment(strings.NewReader(tc.in), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
		if err != nil {
			t.Fatal(err)
		}
		root := &html.Node{Type: html.ElementNode, Data: "div"}
		for _, c := range n {
			root.AppendChild(c)
		}
		if got := renderText(root, quote.Match, drop.Match); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	est, _ := time.LoadLocation("America/New_York")
	for _, tc := range []struct {
		in      string
		layouts []string
		loc     *time.Location
		want    time.Time
		prec    string
	}{
		{"2024-03-01T10:15:00+00:00", nil, time.UTC, time.Date(2024, 3, 1, 10, 15, 0, 0, time.UTC), "second"},
		{"03-01-2024, 10:15 PM", presets[MyBB].TimeLayouts, time.UTC, time.Date(2024, 3, 1, 22, 15, 0, 0, time.UTC), "minute"},
		{"03-01-2024, 10:15 PM", presets[MyBB].TimeLayouts, est, time.Date(2024, 3, 2, 3, 15, 0, 0, time.UTC), "minute"},
		{"Fri Mar 01, 2024 9:02 am", presets[PhpBB].TimeLayouts, time.UTC, time.Date(2024, 3, 1, 9, 2, 0, 0, time.UTC), "minute"},
		{"2024-03-01T10:15:00+0000", presets[XenForo].TimeLayouts, time.UTC, time.Date(2024, 3, 1, 10, 15, 0, 0, time.UTC), "second"},
		{"Yesterday", presets[MyBB].TimeLayouts, time.UTC, time.Time{}, ""},
	} {
		got := parseTime(tc.in, tc.layouts, tc.loc)
		if !got.Time.Equal(tc.want) || got.Precision.String() != tc.prec && !(tc.prec == "" && got.Precision == 0) {
			t.Errorf("parseTime(%q) = %v %v, want %v %s", tc.in, got.Time, got.Precision, tc.want, tc.prec)
		}
	}
}

// seeds adds every test page under testdata/dir as a fuzz seed.
func seeds(f *testing.F, dir, suffix string) {
	f.Helper()
	err := filepath.Walk(filepath.Join("testdata", dir), func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.Contains(path, suffix) {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil {
			f.Add(b)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
}

// FuzzParseHTML runs every engine preset over hostile HTML: no panic, and
// every post it returns has a key and text without carriage returns.
func FuzzParseHTML(f *testing.F) {
	for _, d := range []string{"phpbb", "mybb", "vbulletin", "xenforo"} {
		seeds(f, d, ".html")
	}
	f.Add([]byte(`<div class="post" id="p1"><p class="author"><span class="username">a</span></p><div class="content"><blockquote><blockquote>x`))
	var engines []*htmlEngine
	for _, name := range []string{PhpBB, MyBB, VBulletin, XenForo} {
		e, err := compileHTML(presets[name])
		if err != nil {
			f.Fatal(err)
		}
		engines = append(engines, e)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, e := range engines {
			tp, err := e.parseThread("https://forum.example/viewtopic.php?t=1", body, time.UTC)
			if err != nil {
				continue
			}
			for _, p := range tp.Posts {
				if p.Key == "" || strings.Contains(p.Text, "\r") {
					t.Fatalf("post %+v", p)
				}
			}
			if _, err := e.parseListing("https://forum.example/index.php", body); err != nil {
				t.Fatalf("listing: %v", err)
			}
		}
	})
}

// FuzzParseDiscourse runs the Discourse readers over hostile JSON.
func FuzzParseDiscourse(f *testing.F) {
	seeds(f, "discourse", ".json")
	f.Add([]byte(`{"post_stream":{"posts":[{"id":1,"post_number":1,"cooked":"<aside class=\"quote\" data-post=\"1\" data-topic=\"0\">x</aside>","reply_to_post_number":1}],"stream":[1,2]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		numbers := map[int]int{}
		if _, posts, err := parseDiscourseTopic("https://forum.example/t/1.json", "https://forum.example/t/x/1", body, numbers); err == nil {
			for _, p := range posts {
				if p.Key == "" || p.Key == "0" {
					t.Fatalf("post %+v", p)
				}
			}
		}
		lst, _, err := parseDiscourseListing("https://forum.example/latest.json", body, map[int]string{})
		if err == nil {
			for _, th := range lst.Threads {
				if th.Key == "" {
					t.Fatalf("thread %+v", th)
				}
			}
		}
	})
}

// MyBB shows recent posts with a relative day whose title is the date.
func TestRelativeDay(t *testing.T) {
	e, err := compileHTML(presets[MyBB])
	if err != nil {
		t.Fatal(err)
	}
	page := `<div class="post" id="post_7"><div class="author_information"><span class="largetext"><a href="member.php?uid=1">eve</a></span></div>
<span class="post_date"><span title="03-12-2024">Yesterday</span>, 10:15 PM <span class="post_edit" id="edited_by_7"><span class="edited_post">(This post was last modified: <span title="03-13-2024">Today</span>, 08:00 AM by eve.)</span></span></span>
<div class="post_body">hi</div></div>`
	tp, err := e.parseThread("https://forum.example/showthread.php?tid=1", []byte(page), time.UTC)
	if err != nil || len(tp.Posts) != 1 {
		t.Fatalf("%+v, %v", tp, err)
	}
	p := tp.Posts[0]
	if !p.Time.Time.Equal(time.Date(2024, 3, 12, 22, 15, 0, 0, time.UTC)) || !p.Edited ||
		!p.EditedTime.Time.Equal(time.Date(2024, 3, 13, 8, 0, 0, 0, time.UTC)) || p.Author != "eve" {
		t.Errorf("post = %+v", p)
	}
}
