package forumcrawl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/collect/crawl"
)

// Post is one post as the forum showed it.
type Post struct {
	Forum       string // the configured forum's name
	Section     string // the section (sub-forum, category) the thread was listed in
	ThreadKey   string // the engine's thread id
	ThreadTitle string
	Key         string // the engine's post id, unique within the forum
	Author      string // handle as shown
	AuthorTitle string // rank or user title as shown ("Junior Member"), if any
	// Time is when the post was made, at the precision the page gave
	// (a datetime attribute: second; "10:15 PM": minute). Zero when the
	// page shows no time the forum's layouts read; TimeText keeps what
	// was shown either way.
	Time     analyze.Timestamp
	TimeText string
	// Text is the post's text as a reader sees it: block elements and <br>
	// are line breaks, whitespace is collapsed as a browser does, images
	// become their alt text, scripts and styles are gone, and a quoted
	// block is kept with every line prefixed "> " (nested quotes "> > ").
	Text    string
	ReplyTo []string // keys of the posts this one answers, where the engine records it (Discourse)
	Quotes  []string // keys of the posts quoted, where the quote markup links them
	// Edited is true when the page says the post was edited; EditedTime
	// is when, if shown.
	Edited     bool
	EditedTime analyze.Timestamp
	URL        string // the page the post was read from, with the post's anchor
}

// Version identifies the post's content: author, text and edit mark. A
// sink that holds a post of the same key and a different Version has been
// given an edit. The author's title is left out: ranks change with a
// poster's post count, not with the post.
func (p *Post) Version() string {
	h := sha256.New()
	for _, s := range []string{p.Author, p.Text, p.EditedTime.Time.String()} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	if p.Edited {
		h.Write([]byte{1})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// ThreadState is what a sink remembers of one thread between runs, saved
// in the same transaction as the posts of the page it describes, so that
// after a kill the next run continues from the last page whose posts were
// stored.
type ThreadState struct {
	Key     string
	Title   string
	Section string
	URL     string // the thread's first page
	// Marker is what the section listing showed for the thread (reply
	// count, last post) when the thread was last read to its end; a
	// listing that shows the same marker means nothing was added.
	Marker string
	// LastPage is the number (1-based) and URL of the last page whose
	// posts were all saved, with its validators for a conditional GET.
	LastPage    int
	LastPageURL string
	Validators  crawl.Validators
	// Done is true when the thread was read to its last page.
	Done bool
}

// SaveResult is what a sink did with one page of posts.
type SaveResult struct {
	Added  int // posts whose key it did not hold
	Edited int // posts it held with a different Version, stored as a new version
}

// Sink stores what the crawler collects. The store implements it; the
// tests have an in-memory one.
//
// Save must be transactional: the posts and the thread's state are
// stored together or not at all. A post whose key (within the forum) is
// held with the same Version adds nothing; with another Version it is an
// edit, stored as a new version of the post (the earlier text is kept,
// since posts are kept as collected; the newest version is the current
// one). The crawler gives Save every post of every page it reads, known
// or not, and relies on the sink to tell them apart.
type Sink interface {
	// Known returns the state of every thread of forum the sink holds,
	// by thread key.
	Known(ctx context.Context, forum string) (map[string]ThreadState, error)
	// Save stores one page of a thread: its posts and the thread's state
	// after it. posts may be empty (the page answered 304, or holds no
	// post): the state is stored all the same.
	Save(ctx context.Context, forum string, thread ThreadState, posts []Post) (SaveResult, error)
}

// Progress is reported after every page.
type Progress struct {
	Forum   string
	Section string
	Thread  string // thread title; empty for a listing page
	URL     string
	Stats   Stats // so far
}

// Stats count one run.
type Stats struct {
	Listings    int // section listing pages fetched
	Pages       int // thread pages (or Discourse post chunks) fetched, 304s included
	NotModified int // of those, answered 304
	Threads     int // threads seen on the listings
	Skipped     int // of those, unchanged since the last run and not fetched
	Posts       int // posts read
	Added       int // posts new to the sink
	Edited      int // new versions of posts the sink held
	Disallowed  int // URLs robots.txt kept the crawler from
}

func (s Stats) String() string {
	return fmt.Sprintf("listings %d, pages %d (304: %d), threads %d (unchanged %d), posts %d, added %d, edited %d, disallowed %d",
		s.Listings, s.Pages, s.NotModified, s.Threads, s.Skipped, s.Posts, s.Added, s.Edited, s.Disallowed)
}
