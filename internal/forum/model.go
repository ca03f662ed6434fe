// Package forum models hacker forums as collected — forums (with their
// crawl configuration), sections, threads, posts and their authors — and
// reads forum dumps: the HackHound CSV and a generic post format as CSV or
// JSON lines. It is pure: parsers take an io.Reader; the store keeps posts
// exactly as a parser or crawler produced them; internal/forum/actors
// ranks their authors.
//
// An author belongs to one forum. The same handle on two forums is two
// authors; a portrait lists the other as a candidate for the same person,
// never merges them.
package forum

import (
	"time"

	"github.com/spoor/spoor/internal/analyze"
)

// Forum is one forum spoor collects from: an import target, or a crawl
// configuration (engine preset, start URLs, politeness) for the crawler.
type Forum struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Engine string `json:"engine"` // phpbb, mybb, vbulletin, xenforo, discourse; "import" for dumps
	// StartURLs are where a crawl begins (board index, sections).
	StartURLs []string `json:"start_urls"`
	// RateLimit is the least time between two requests of a crawl.
	RateLimit time.Duration `json:"rate_limit_ms"`
	// Proxy is an optional proxy URL (socks5h://127.0.0.1:9050 for Tor).
	Proxy string `json:"proxy,omitempty"`
	// Cookie is the session cookie a crawl sends: sealed at rest, written
	// as ******** in every output (HasCookie says whether one is set).
	Cookie    string    `json:"-"`
	HasCookie bool      `json:"has_cookie"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Counts of what is stored (filled by lists).
	Sections int `json:"sections"`
	Threads  int `json:"threads"`
	Posts    int `json:"posts"`
	Authors  int `json:"authors"`
	// First and Last are the earliest and latest post times.
	First time.Time `json:"first,omitzero"`
	Last  time.Time `json:"last,omitzero"`
}

// Section is a board or subforum.
type Section struct {
	Name    string `json:"name"`
	Threads int    `json:"threads"`
	Posts   int    `json:"posts"`
}

// Thread is one discussion of a section; Key is the forum's identifier of
// it (its ID or URL slug), unique within the forum.
type Thread struct {
	Key     string `json:"key"`
	Section string `json:"section"`
	Title   string `json:"title"`
	URL     string `json:"url,omitempty"`
	Posts   int    `json:"posts"`
	// LastPosted is the newest stored post time (crawlers resume from it).
	LastPosted time.Time `json:"last_posted,omitzero"`
}

// Author is one handle on one forum.
type Author struct {
	ID     int64  `json:"id"`
	Forum  string `json:"forum"`
	Handle string `json:"handle"`
	// Title is the forum's rank or user title as last seen ("Newbie").
	Title string `json:"title,omitempty"`
	Posts int    `json:"posts"`
}

// Post is one message as collected. Key identifies it within its forum:
// the forum's post ID where there is one, else a key derived from what
// the dump says of it (DeriveKey), so that importing the same dump again
// finds the same keys.
type Post struct {
	Forum       string `json:"forum"`
	Section     string `json:"section"`
	Thread      string `json:"thread"` // thread key
	ThreadTitle string `json:"thread_title"`
	Key         string `json:"post"`
	Author      string `json:"author"`
	AuthorTitle string `json:"author_title,omitempty"`
	// AuthorID is the stored author's ID (0 before the store saw it).
	AuthorID int64 `json:"author_id,omitempty"`
	// Time is when it was posted, with its precision; TimeText is the
	// time as the source wrote it.
	Time     analyze.Timestamp `json:"-"`
	TimeText string            `json:"time"`
	Text     string            `json:"text"`
	// ReplyTo is the key of the post this one answers, where the source
	// says; Quotes the keys of the posts it quotes.
	ReplyTo string   `json:"reply_to,omitempty"`
	Quotes  []string `json:"quotes,omitempty"`
	URL     string   `json:"url,omitempty"`
	// Position is the post's place in its thread as collected, 0 for the
	// opener.
	Position int `json:"position"`
	// Source says where the post came from: the dump's file name or the
	// crawled page.
	Source string `json:"source,omitempty"`
}

// AuthorKey names an author across forums.
type AuthorKey struct {
	Forum  string `json:"forum"`
	Handle string `json:"handle"`
}

// AuthorKey names the post's author across forums.
func (p *Post) AuthorKey() AuthorKey { return AuthorKey{p.Forum, p.Author} }

// PostFilter selects stored posts.
type PostFilter struct {
	ForumID  int64 // 0: every forum
	AuthorID int64 // 0: every author
	// Text reads the posts' text and what else was written as collected
	// (time as written, author title, URL, source); the graph does
	// without them.
	Text bool
}
