package forumcrawl

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/collect/crawl"
)

// Engines with a preset.
const (
	PhpBB      = "phpbb"
	MyBB       = "mybb"
	VBulletin  = "vbulletin"
	XenForo    = "xenforo"
	Discourse  = "discourse"
	CustomHTML = "custom"
)

// Config is one forum to crawl.
type Config struct {
	Name   string // the forum's name in the store
	Engine string // phpbb, mybb, vbulletin, xenforo, discourse or custom
	// Start are the pages the crawl begins at: the board index, section
	// listings, or for Discourse /categories.json, /latest.json or
	// /c/{slug}/{id}.json. Links are followed on these hosts only.
	Start []string
	// Selectors override the engine preset field by field (a custom
	// engine gives them all).
	Selectors Selectors
	// Interval is the least time between two requests (the rate limit);
	// zero means the fetcher's default. A longer robots.txt Crawl-delay
	// wins.
	Interval time.Duration
	// Cookie is a session cookie ("name=value; name2=value2") sent to the
	// start URLs' hosts only, for forums that show posts to members. The
	// caller keeps it sealed at rest and gives it here in the clear.
	Cookie string
	// Proxy is a SOCKS5 proxy URL, socks5h://127.0.0.1:9050 for Tor.
	Proxy string
	// TimeZone is the IANA zone the board shows times in (its default,
	// or the session user's setting), for pages whose times carry no
	// offset; empty means UTC.
	TimeZone string
	// Full reads every page of every thread again, to notice edits on
	// pages an incremental run does not revisit.
	Full bool
	// MaxPages bounds the pages one thread is followed through, and the
	// listing pages of one run (a loop guard); zero means 10000.
	MaxPages int
}

// Selectors say where things are on an engine's pages. A field is a CSS
// selector whose first match's text is taken; "selector@attr" takes that
// attribute instead, and "@attr" an attribute of the post element itself.
// Several matches of a Marker are joined.
type Selectors struct {
	// Listing pages (board index, sections).
	Section      string // links to sections (sub-forums) to crawl
	SectionTitle string // the section's name on its own listing
	ThreadRow    string // one thread's row on a listing
	Thread       string // within a row: the link to the thread
	Marker       string // within a row: what changes when posts are added (replies, last post)
	ListNext     string // the link to the next listing page
	// ThreadKey is a regular expression whose first group, matched
	// against a thread link, is the thread's key.
	ThreadKey string

	// Thread pages.
	ThreadTitle string
	Post        string // one post's element
	PostKey     string // field holding the post id, e.g. "@id"
	PostKeyRe   string // regular expression whose first group is the id in it
	Author      string
	AuthorTitle string
	Time        string
	TimeRe      string // optional: first group is the time inside the Time text
	Body        string
	Quote       string // a quote block within the body
	// QuoteRef is a regular expression matched against every attribute
	// value inside a quote block; its first group is the quoted post's
	// key (a link to it, data-post-id, data-source).
	QuoteRef     string
	Edited       string // present when the post was edited
	EditedTime   string
	EditedTimeRe string
	Drop         string // elements inside the body not shown as text (controls)
	Next         string // the link to the thread's next page
	// TimeLayouts are Go time layouts for shown times, tried in order
	// after ISO 8601.
	TimeLayouts []string
}

// Preset returns the selectors of an HTML engine's default theme: phpBB
// 3.3 prosilver, MyBB 1.8 default, vBulletin 4 default, XenForo 2
// default. ok is false for Discourse (read through its API), custom and
// unknown engines.
func Preset(engine string) (s Selectors, ok bool) {
	s, ok = presets[engine]
	s.TimeLayouts = append([]string(nil), s.TimeLayouts...)
	return s, ok
}

var presets = map[string]Selectors{
	PhpBB: {
		Section:      "a.forumtitle",
		SectionTitle: "h2.forum-title",
		ThreadRow:    "ul.topiclist.topics > li.row",
		Thread:       "a.topictitle",
		Marker:       "dd.posts, dd.lastpost",
		ListNext:     ".pagination a[rel=next]",
		ThreadKey:    `[?&]t=(\d+)`,
		ThreadTitle:  "h2.topic-title",
		Post:         "div.post",
		PostKey:      "@id",
		PostKeyRe:    `^p(\d+)$`,
		Author:       "p.author .username, p.author .username-coloured",
		AuthorTitle:  "dd.profile-rank",
		Time:         "p.author time@datetime",
		Body:         "div.content",
		Quote:        "blockquote",
		QuoteRef:     `(?:[?&]p=|^)(\d+)(?:#|$)`,
		Edited:       "div.notice",
		EditedTime:   "div.notice",
		EditedTimeRe: ` on (.+?), edited`,
		Drop:         "script, style",
		Next:         ".pagination a[rel=next]",
		TimeLayouts:  []string{"Mon Jan 02, 2006 3:04 pm", "Mon Jan 02, 2006 15:04"},
	},
	MyBB: {
		Section:      "td.trow1 strong > a[href*='forumdisplay.php'], td.trow2 strong > a[href*='forumdisplay.php']",
		SectionTitle: ".navigation .active",
		ThreadRow:    "tr.inline_row",
		Thread:       "span.subject_old > a, span.subject_new > a",
		Marker:       "a[href^='javascript:MyBB.whoPosted'], span.lastpost",
		ListNext:     ".pagination a.pagination_next",
		ThreadKey:    `[?&]tid=(\d+)`,
		ThreadTitle:  ".navigation .active",
		Post:         "div.post",
		PostKey:      "@id",
		PostKeyRe:    `^post_(\d+)$`,
		Author:       ".author_information .largetext a",
		AuthorTitle:  ".author_information .smalltext",
		Time:         "span.post_date",
		TimeRe:       `(\d{2}-\d{2}-\d{4}, \d{1,2}:\d{2} [AP]M)`,
		Body:         "div.post_body",
		Quote:        "blockquote.mycode_quote",
		QuoteRef:     `[?&]pid=(\d+)`,
		Edited:       "span.edited_post",
		EditedTime:   "span.edited_post",
		EditedTimeRe: `modified: (\d{2}-\d{2}-\d{4}, \d{1,2}:\d{2} [AP]M)`,
		Drop:         "script, style",
		Next:         ".pagination a.pagination_next",
		TimeLayouts:  []string{"01-02-2006, 03:04 PM", "01-02-2006, 3:04 PM"},
	},
	VBulletin: {
		Section:      "h2.forumtitle > a",
		SectionTitle: "h1 span.forumtitle",
		ThreadRow:    "li.threadbit",
		Thread:       "a.title",
		Marker:       "ul.threadstats li:first-child, dl.threadlastpost",
		ListNext:     "a[rel=next]",
		ThreadKey:    `[?&]t=(\d+)`,
		ThreadTitle:  "span.threadtitle",
		Post:         "li.postcontainer",
		PostKey:      "@id",
		PostKeyRe:    `^post_(\d+)$`,
		Author:       ".username_container a.username",
		AuthorTitle:  "span.usertitle",
		Time:         "span.postdate span.date",
		Body:         "div[id^=post_message_] > blockquote.postcontent",
		Quote:        "div.bbcode_container",
		QuoteRef:     `[?&]p=(\d+)`,
		Edited:       "blockquote.lastedited",
		EditedTime:   "blockquote.lastedited",
		EditedTimeRe: `; (\d{2}-\d{2}-\d{4} at \d{1,2}:\d{2} [AP]M)`,
		Drop:         "script, style, .bbcode_postedby img",
		Next:         "a[rel=next]",
		TimeLayouts:  []string{"01-02-2006, 03:04 PM", "01-02-2006 at 03:04 PM", "01-02-2006, 3:04 PM"},
	},
	XenForo: {
		Section:      "h3.node-title > a",
		SectionTitle: "h1.p-title-value",
		ThreadRow:    "div.structItem--thread",
		Thread:       "div.structItem-title a[href*='/threads/']",
		Marker:       ".structItem-cell--meta dl:first-child dd, .structItem-latestDate",
		ListNext:     "a.pageNav-jump--next",
		ThreadKey:    `/threads/(?:[^/]*\.)?(\d+)/`,
		ThreadTitle:  "h1.p-title-value",
		Post:         "article.message--post",
		PostKey:      "@data-content",
		PostKeyRe:    `^post-(\d+)$`,
		Author:       "@data-author",
		AuthorTitle:  "h5.userTitle",
		Time:         "header.message-attribution time.u-dt@datetime",
		Body:         "article.message-body div.bbWrapper",
		Quote:        "blockquote.bbCodeBlock--quote",
		QuoteRef:     `(?:^post: |[?&]id=)(\d+)`,
		Edited:       "div.message-lastEdit",
		EditedTime:   "div.message-lastEdit time@datetime",
		Drop:         "script, style, .bbCodeBlock-expandLink",
		Next:         "a.pageNav-jump--next",
		TimeLayouts:  []string{"2006-01-02T15:04:05-0700"},
	},
}

// selectors returns the preset merged with the overrides.
func (c *Config) selectors() Selectors {
	s, _ := Preset(c.Engine)
	o := c.Selectors
	for _, f := range []struct{ dst, src *string }{
		{&s.Section, &o.Section}, {&s.SectionTitle, &o.SectionTitle}, {&s.ThreadRow, &o.ThreadRow},
		{&s.Thread, &o.Thread}, {&s.Marker, &o.Marker}, {&s.ListNext, &o.ListNext}, {&s.ThreadKey, &o.ThreadKey},
		{&s.ThreadTitle, &o.ThreadTitle}, {&s.Post, &o.Post}, {&s.PostKey, &o.PostKey}, {&s.PostKeyRe, &o.PostKeyRe},
		{&s.Author, &o.Author}, {&s.AuthorTitle, &o.AuthorTitle}, {&s.Time, &o.Time}, {&s.TimeRe, &o.TimeRe},
		{&s.Body, &o.Body}, {&s.Quote, &o.Quote}, {&s.QuoteRef, &o.QuoteRef}, {&s.Edited, &o.Edited},
		{&s.EditedTime, &o.EditedTime}, {&s.EditedTimeRe, &o.EditedTimeRe}, {&s.Drop, &o.Drop}, {&s.Next, &o.Next},
	} {
		if *f.src != "" {
			*f.dst = *f.src
		}
	}
	if len(o.TimeLayouts) > 0 {
		s.TimeLayouts = o.TimeLayouts
	}
	return s
}

// Validate checks the configuration: a name, a known engine, absolute
// http(s) start URLs, selectors that compile, a usable proxy and zone.
func (c *Config) Validate() error {
	_, err := c.compile()
	return err
}

// compiled is a checked configuration.
type compiled struct {
	cfg   Config
	hosts map[string]bool
	loc   *time.Location
	html  *htmlEngine // nil for Discourse
}

func (c *Config) compile() (*compiled, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if strings.TrimSpace(c.Name) == "" {
		bad("forum name is required")
	}
	out := &compiled{cfg: *c, hosts: map[string]bool{}, loc: time.UTC}
	if out.cfg.MaxPages <= 0 {
		out.cfg.MaxPages = 10000
	}
	if len(c.Start) == 0 {
		bad("forum %q: at least one start URL is required", c.Name)
	}
	for _, s := range c.Start {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("forum %q: start URL %q is not an absolute http or https URL", c.Name, s)
			continue
		}
		out.hosts[strings.ToLower(u.Host)] = true
	}
	if c.Proxy != "" {
		if _, err := crawl.ParseProxy(c.Proxy); err != nil {
			bad("forum %q: %w", c.Name, err)
		}
	}
	if c.TimeZone != "" {
		loc, err := time.LoadLocation(c.TimeZone)
		if err != nil {
			bad("forum %q: time zone %q: %w", c.Name, c.TimeZone, err)
		} else {
			out.loc = loc
		}
	}
	if strings.ContainsAny(c.Cookie, "\r\n") {
		bad("forum %q: the cookie has a line break", c.Name)
	}
	switch c.Engine {
	case Discourse:
	case PhpBB, MyBB, VBulletin, XenForo, CustomHTML:
		e, err := compileHTML(c.selectors())
		if err != nil {
			bad("forum %q (%s): %w", c.Name, c.Engine, err)
		}
		out.html = e
	default:
		bad("forum %q: engine %q is not one of phpbb, mybb, vbulletin, xenforo, discourse, custom", c.Name, c.Engine)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// FetcherOptions returns base with the forum's rate limit, cookie (for
// the start URLs' hosts), proxy and, for Discourse, JSON accepted. The
// caller makes the fetcher (crawl.New) and so keeps its own cache,
// resolver and private-address policy.
func (c *Config) FetcherOptions(base crawl.Options) crawl.Options {
	if c.Interval > 0 {
		base.Interval = c.Interval
	}
	if c.Proxy != "" {
		base.Proxy = c.Proxy
	}
	if c.Engine == Discourse {
		base.AcceptJSON = true
	}
	if c.Cookie != "" {
		cookies := map[string]string{}
		for k, v := range base.Cookies {
			cookies[k] = v
		}
		for _, s := range c.Start {
			if u, err := url.Parse(s); err == nil && u.Host != "" {
				cookies[u.Host] = c.Cookie
			}
		}
		base.Cookies = cookies
	}
	return base
}

// compileRe compiles an optional regular expression that needs a group.
func compileRe(name, expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if re.NumSubexp() < 1 {
		return nil, fmt.Errorf("%s %q: needs a group for the value", name, expr)
	}
	return re, nil
}
