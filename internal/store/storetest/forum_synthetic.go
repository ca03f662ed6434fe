package storetest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/forum"
)

// SyntheticForumPosts generates a forum of n posts by about authors
// authors for benchmarks: threads of 2 to 30 posts in 20 sections,
// posters drawn with a heavy tail (a few post a lot, most rarely), half
// the posts replying to an earlier post of the thread and one in ten
// quoting one, times to the minute over three years. The same arguments
// give the same posts.
func SyntheticForumPosts(n, authors int) []forum.Post {
	r := rand.New(rand.NewPCG(uint64(n), uint64(authors)))
	zipf := rand.NewZipf(r, 1.2, 8, uint64(authors-1))
	handles := make([]string, authors)
	for i := range handles {
		handles[i] = fmt.Sprintf("user%06d", i)
	}
	sections := make([]string, 20)
	for i := range sections {
		sections[i] = fmt.Sprintf("Section %02d", i)
	}
	words := []string{"crypter", "fud", "rat", "botnet", "panel", "price", "vouch", "selling", "buying", "tutorial", "exploit",
		"ddos", "cards", "dump", "escrow", "update", "stub", "loader", "stealer", "proxy", "thanks", "works", "help", "how"}
	start := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	posts := make([]forum.Post, 0, n)
	thread := 0
	for len(posts) < n {
		size := 2 + r.IntN(29)
		key := fmt.Sprintf("t%07d", thread)
		title := "Thread " + key
		sec := sections[r.IntN(len(sections))]
		at := start.Add(time.Duration(r.Int64N(3*365*24*60)) * time.Minute)
		first := len(posts)
		for pos := 0; pos < size && len(posts) < n; pos++ {
			// Every author posts at least once: the first pass walks them.
			var author string
			if len(posts) < authors {
				author = handles[len(posts)]
			} else {
				author = handles[zipf.Uint64()]
			}
			text := ""
			for range 4 + r.IntN(8) {
				text += words[r.IntN(len(words))] + " "
			}
			p := forum.Post{Section: sec, Thread: key, ThreadTitle: title, Key: fmt.Sprintf("p%08d", len(posts)), Author: author,
				Time: analyze.FromTime(at, analyze.PrecisionMinute), TimeText: at.Format(time.RFC3339), Text: text, Position: pos, Source: "synthetic"}
			if pos > 0 && r.IntN(2) == 0 {
				p.ReplyTo = posts[first+r.IntN(pos)].Key
			}
			if pos > 0 && r.IntN(10) == 0 {
				p.Quotes = []string{posts[first+r.IntN(pos)].Key}
			}
			posts = append(posts, p)
			at = at.Add(time.Duration(1+r.IntN(600)) * time.Minute)
		}
		thread++
	}
	return posts
}
