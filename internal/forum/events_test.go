package forum

import (
	"strings"
	"testing"
	"time"
)

// HackHound keeps character references in its text: a reader sees them
// decoded; markup stays text to escape, not markup.
func TestDisplayText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Saying Hello&#33;", "Saying Hello!"},
		{"Tom &amp; Jerry &quot;RAT&quot;", `Tom & Jerry "RAT"`},
		{"&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"},
		{"no references & a lone ampersand", "no references & a lone ampersand"},
	} {
		if got := DisplayText(c.in); got != c.want {
			t.Errorf("DisplayText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := EventText("Hi&#33;", "a &amp; b"); got != "Hi!\na & b" {
		t.Errorf("EventText = %q", got)
	}
	if got := EventText("title only", ""); got != "title only" {
		t.Errorf("EventText without a post = %q", got)
	}
}

func TestParseEventFilter(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		name                          string
		kind, technique, since, until string
		want                          EventFilter
		err                           string
	}{
		{name: "none"},
		{name: "all", kind: " leak ", technique: "t1566.001", since: "2024-03-01", until: "2024-03-02",
			want: EventFilter{Kind: "leak", Technique: "T1566.001", Since: day(1), Until: day(2)}},
		{name: "not a technique", technique: "phishing", err: `technique "phishing"`},
		{name: "not a date", since: "March", err: `since "March" is not a date`},
		{name: "until before since", since: "2024-03-02", until: "2024-03-01", err: "until 2024-03-01 is before since"},
	} {
		got, err := ParseEventFilter(c.kind, c.technique, c.since, c.until)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}

// A forum's configuration as a form or the API give it: start URLs one a
// line, the rate as written, the rules of Check.
func TestInputForum(t *testing.T) {
	f, err := Input{Name: " Board ", Engine: "mybb", StartURLs: []string{"https://b.example/\r\n\n https://b.example/s/ ", ""}, RateLimit: "1.5s",
		Cookie: " sid=1 "}.Forum()
	if err != nil || f.Name != "Board" || strings.Join(f.StartURLs, ",") != "https://b.example/,https://b.example/s/" ||
		f.RateLimit != 1500*time.Millisecond || f.Cookie != "sid=1" {
		t.Errorf("forum %+v, %v", f, err)
	}
	if f, err := (Input{Name: "Dump"}).Forum(); err != nil || f.Engine != "import" || f.RateLimit != DefaultRateLimit {
		t.Errorf("defaults: %+v, %v", f, err)
	}
	for _, c := range []struct {
		in   Input
		want string
	}{
		{Input{Name: "x", RateLimit: "soon"}, `rate limit "soon"`},
		{Input{Name: "x", RateLimit: "2h"}, "rate limit 2h0m0s is not between"},
		{Input{Name: "x", StartURLs: []string{"javascript:alert(1)"}}, "start URL"},
		{Input{Name: "x", Engine: "wordpress"}, `engine "wordpress"`},
		{Input{Name: " "}, "a forum needs a name"},
	} {
		if _, err := c.in.Forum(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.in, err, c.want)
		}
	}
}
