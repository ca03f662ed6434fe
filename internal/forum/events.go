package forum

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"
)

// Link is a stored group or piece of software an entity's name resolves
// to.
type Link struct {
	Kind string `json:"kind"` // group, malware, tool (software)
	ID   int64  `json:"id"`
	Name string `json:"name"` // the stored object's name
}

// Entity is one thing found in a post.
type Entity struct {
	// Type is group, malware, tool, target, indicator type names of
	// internal/ioc (ipv4, domain, url, email, btc…), price, contact, or
	// cue: a word that speaks most for the kind of activity the model
	// gave (Kind "kind:trade").
	Type  string `json:"type"`
	Text  string `json:"text"`
	Start int    `json:"start"` // byte offsets in EventText(title, text)
	End   int    `json:"end"`
	// Source is recogniser (internal/nlp), ioc (internal/ioc), pattern
	// (prices and contact handles), lookup (a stored name found in the
	// text) or model (cues).
	Source string `json:"source"`
	// Kind qualifies prices (currency) and contacts (telegram, jabber,
	// discord, icq, skype, email).
	Kind string `json:"kind,omitempty"`
	Link *Link  `json:"link,omitempty"`
}

// Event is a thread read as a threat event: the stored intel.Event's
// fields the forum pages show, with what the classifier said of the
// thread's opening post and the entities it found there.
type Event struct {
	ID          int64     `json:"id"` // the stored event's
	Forum       string    `json:"forum"`
	Section     string    `json:"section"`
	Thread      string    `json:"thread"` // the thread key
	ThreadTitle string    `json:"thread_title"`
	PostKey     string    `json:"post_key"` // the opening post
	Author      string    `json:"author"`
	AuthorID    int64     `json:"author_id,omitempty"`
	Time        time.Time `json:"time,omitzero"`
	Title       string    `json:"title"`
	Kind        string    `json:"kind"`
	KindScore   float64   `json:"kind_score"`
	Role        string    `json:"role,omitempty"`
	RoleScore   float64   `json:"role_score,omitempty"`
	Tactic      string    `json:"tactic,omitempty"`
	Techniques  []string  `json:"techniques"`
	Software    []string  `json:"software"`
	Group       string    `json:"group,omitempty"`
	GroupID     int64     `json:"group_id,omitempty"`
	Entities    []Entity  `json:"entities"`
	// Text is the opening post's text exactly as collected (lists only).
	Text string `json:"text,omitempty"`
}

// EventFilter selects a forum's threat events; zero fields select all.
type EventFilter struct {
	ForumID  int64
	AuthorID int64
	Kind     string
	// Technique is an ATT&CK ID; a technique finds its sub-techniques.
	Technique string
	// Since and Until bound the event's day, both included.
	Since, Until time.Time
	Limit        int // 0: 50
	Offset       int
	// WithoutText leaves the posts' text out (Event.Text ""): a portrait
	// counts an author's events and shows none of their text.
	WithoutText bool
}

// Facet is one value of a field with how many events have it.
type Facet struct {
	Value string `json:"value"`
	N     int    `json:"n"`
}

// EventPage is one page of threat events, how many the filter matches,
// and the kinds and techniques of the forum's events (the filter's
// choices).
type EventPage struct {
	Total      int     `json:"total"`
	Events     []Event `json:"events"`
	Kinds      []Facet `json:"kinds"`
	Techniques []Facet `json:"techniques"`
	Roles      []Facet `json:"roles"`
}

// DisplayText is a post's text or title as a reader sees it: the HTML
// character references some engines keep in their text (HackHound's
// "&#33;", "&amp;") decoded. The stored text stays as collected, and
// what DisplayText returns is text still to be escaped on output.
func DisplayText(s string) string {
	return html.UnescapeString(s)
}

// EventText is what the threat classifier reads of a thread's opening
// post, and what an Entity's offsets index: the title and the post,
// decoded (DisplayText), on two lines.
func EventText(title, text string) string {
	out := DisplayText(title)
	if text != "" {
		out += "\n" + DisplayText(text)
	}
	return out
}

// ParseEventFilter reads the filters a page, the API or the CLI are
// given: a kind of activity, an ATT&CK technique ID (T1234 or
// T1234.001) and dates (YYYY-MM-DD); each may be "".
func ParseEventFilter(kind, technique, since, until string) (EventFilter, error) {
	f := EventFilter{Kind: strings.TrimSpace(kind), Technique: strings.ToUpper(strings.TrimSpace(technique))}
	if f.Technique != "" && !techniqueID.MatchString(f.Technique) {
		return f, fmt.Errorf("technique %q is not an ATT&CK technique ID such as T1566 or T1566.001", technique)
	}
	for _, d := range []struct {
		name, v string
		to      *time.Time
	}{{"since", since, &f.Since}, {"until", until, &f.Until}} {
		if v := strings.TrimSpace(d.v); v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return f, fmt.Errorf("%s %q is not a date (YYYY-MM-DD)", d.name, d.v)
			}
			*d.to = t
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		return f, fmt.Errorf("until %s is before since %s", until, since)
	}
	return f, nil
}

var techniqueID = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
