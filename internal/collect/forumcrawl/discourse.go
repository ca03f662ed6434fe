package forumcrawl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/spoor/spoor/internal/analyze"
)

// Discourse is read through its JSON API: /categories.json lists
// categories, /latest.json and /c/{slug}/{id}.json list topics (paged by
// more_topics_url), /t/{id}.json holds a topic's first posts and the ids
// of all of them (post_stream.stream), and /t/{id}/posts.json?post_ids[]=…
// the rest, asked for in chunks of discourseChunk.
const discourseChunk = 20

type dcCategories struct {
	CategoryList struct {
		Categories []struct {
			ID   int    `json:"id"`
			Name string `json:"name"`
			Slug string `json:"slug"`
		} `json:"categories"`
	} `json:"category_list"`
}

type dcTopicList struct {
	TopicList *struct {
		MoreTopicsURL string `json:"more_topics_url"`
		Topics        []struct {
			ID           int    `json:"id"`
			Title        string `json:"title"`
			Slug         string `json:"slug"`
			PostsCount   int    `json:"posts_count"`
			LastPostedAt string `json:"last_posted_at"`
			CategoryID   int    `json:"category_id"`
		} `json:"topics"`
	} `json:"topic_list"`
}

type dcPost struct {
	ID                int     `json:"id"`
	Username          string  `json:"username"`
	UserTitle         *string `json:"user_title"`
	CreatedAt         string  `json:"created_at"`
	UpdatedAt         string  `json:"updated_at"`
	Cooked            string  `json:"cooked"`
	PostNumber        int     `json:"post_number"`
	ReplyToPostNumber *int    `json:"reply_to_post_number"`
	Version           int     `json:"version"`
	TopicID           int     `json:"topic_id"`
}

type dcTopic struct {
	ID         int    `json:"id"`
	Title      string `json:"title"`
	Slug       string `json:"slug"`
	PostStream struct {
		Posts  []dcPost `json:"posts"`
		Stream []int    `json:"stream"`
	} `json:"post_stream"`
}

// discourseBase is the forum's root (scheme, host and any subfolder) as
// seen in a listing or topic URL.
func discourseBase(u *url.URL) *url.URL {
	b := *u
	b.RawQuery, b.Fragment = "", ""
	p := b.Path
	for _, cut := range []string{"/latest", "/c/", "/categories", "/t/", "/top", "/new"} {
		if i := strings.Index(p, cut); i >= 0 {
			p = p[:i]
			break
		}
	}
	b.Path = strings.TrimSuffix(p, "/")
	b.RawPath = ""
	return &b
}

// parseDiscourseListing reads /categories.json (sections) or a topic list
// (threads and the next page). names maps category ids to names, filled
// from /categories.json, so topics of /latest.json get their section.
func parseDiscourseListing(pageURL string, body []byte, names map[int]string) (*listing, map[int]int, error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return nil, nil, fmt.Errorf("page %s: %w", pageURL, err)
	}
	base := discourseBase(u)
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, nil, fmt.Errorf("page %s: %w", pageURL, jsonErr(body, err))
	}
	out := &listing{}
	if _, ok := probe["category_list"]; ok {
		var cats dcCategories
		if err := json.Unmarshal(body, &cats); err != nil {
			return nil, nil, fmt.Errorf("page %s: category_list: %w", pageURL, jsonErr(body, err))
		}
		for _, c := range cats.CategoryList.Categories {
			names[c.ID] = c.Name
			out.Sections = append(out.Sections, link{
				URL:  base.JoinPath("c", c.Slug, strconv.Itoa(c.ID)+".json").String(),
				Text: c.Name,
			})
		}
		return out, nil, nil
	}
	var tl dcTopicList
	if err := json.Unmarshal(body, &tl); err != nil {
		return nil, nil, fmt.Errorf("page %s: topic_list: %w", pageURL, jsonErr(body, err))
	}
	if tl.TopicList == nil {
		return nil, nil, fmt.Errorf("page %s: neither category_list nor topic_list", pageURL)
	}
	cats := map[int]int{}
	for _, t := range tl.TopicList.Topics {
		if t.ID <= 0 {
			continue
		}
		key := strconv.Itoa(t.ID)
		cats[t.ID] = t.CategoryID
		out.Threads = append(out.Threads, threadLink{
			Key:    key,
			Title:  t.Title,
			URL:    base.JoinPath("t", t.Slug, key).String(),
			Marker: fmt.Sprintf("%d posts, last %s", t.PostsCount, t.LastPostedAt),
		})
	}
	if m := tl.TopicList.MoreTopicsURL; m != "" {
		next, err := u.Parse(m)
		if err == nil {
			// more_topics_url names the HTML page ("/latest?page=1");
			// its JSON is the same path with .json.
			if !strings.HasSuffix(next.Path, ".json") {
				next.Path += ".json"
				next.RawPath = ""
			}
			out.Next = next.String()
		}
	}
	return out, cats, nil
}

// topicURL is the JSON of a topic's first page.
func topicURL(threadURL, key string) string {
	u, err := url.Parse(threadURL)
	if err != nil {
		return ""
	}
	return discourseBase(u).JoinPath("t", key+".json").String()
}

// postsURL asks for the posts with these ids.
func postsURL(threadURL, key string, ids []int) string {
	u, err := url.Parse(threadURL)
	if err != nil {
		return ""
	}
	b := discourseBase(u).JoinPath("t", key, "posts.json")
	q := url.Values{}
	for _, id := range ids {
		q.Add("post_ids[]", strconv.Itoa(id))
	}
	b.RawQuery = q.Encode()
	return b.String()
}

// parseDiscourseTopic reads /t/{id}.json or a posts.json chunk. numbers
// maps the topic's post numbers to post ids, so that replies and quotes
// (which Discourse records by number) become post keys; it grows with
// every chunk read.
func parseDiscourseTopic(pageURL, threadURL string, body []byte, numbers map[int]int) (*dcTopic, []Post, error) {
	var t dcTopic
	if err := json.Unmarshal(body, &t); err != nil {
		return nil, nil, fmt.Errorf("page %s: %w", pageURL, jsonErr(body, err))
	}
	for _, p := range t.PostStream.Posts {
		if p.ID > 0 && p.PostNumber > 0 {
			numbers[p.PostNumber] = p.ID
		}
	}
	var posts []Post
	for _, dp := range t.PostStream.Posts {
		if dp.ID <= 0 {
			continue
		}
		p := Post{
			Key:      strconv.Itoa(dp.ID),
			Author:   dp.Username,
			TimeText: dp.CreatedAt,
			URL:      threadURL + "/" + strconv.Itoa(dp.PostNumber),
		}
		if dp.UserTitle != nil {
			p.AuthorTitle = *dp.UserTitle
		}
		if ts, err := analyze.ParseISO(dp.CreatedAt); err == nil {
			p.Time = ts
		}
		if dp.Version > 1 {
			p.Edited = true
			if ts, err := analyze.ParseISO(dp.UpdatedAt); err == nil {
				p.EditedTime = ts
			}
		}
		if dp.ReplyToPostNumber != nil {
			if id, ok := numbers[*dp.ReplyToPostNumber]; ok {
				p.ReplyTo = []string{strconv.Itoa(id)}
			}
		}
		p.Text, p.Quotes = cookedText(dp.Cooked, dp.TopicID, numbers)
		posts = append(posts, p)
	}
	return &t, posts, nil
}

var (
	dcQuote = cascadia.MustCompile("aside.quote")
	dcDrop  = cascadia.MustCompile("div.quote-controls, script, style")
)

// cookedText renders a post's cooked HTML and the posts its quotes name
// (aside.quote data-post is a post number in data-topic).
func cookedText(cooked string, topic int, numbers map[int]int) (string, []string) {
	nodes, err := html.ParseFragment(bytes.NewReader([]byte(cooked)), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return "", nil
	}
	root := &html.Node{Type: html.ElementNode, Data: "div"}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	text := renderText(root, dcQuote.Match, dcDrop.Match)
	var quotes []string
	seen := map[string]bool{}
	for _, q := range dcQuote.MatchAll(root) {
		if nestedQuote(q, root) {
			continue // quoted by the quoted post, not by this one
		}
		num, _ := attr(q, "data-post")
		tid, _ := attr(q, "data-topic")
		n, err := strconv.Atoi(num)
		if err != nil || (tid != "" && tid != strconv.Itoa(topic)) {
			continue
		}
		if id, ok := numbers[n]; ok && !seen[strconv.Itoa(id)] {
			seen[strconv.Itoa(id)] = true
			quotes = append(quotes, strconv.Itoa(id))
		}
	}
	return text, quotes
}

// jsonErr names the line and column of a JSON syntax error.
func jsonErr(body []byte, err error) error {
	if se, ok := err.(*json.SyntaxError); ok {
		line := 1 + bytes.Count(body[:min(int(se.Offset), len(body))], []byte("\n"))
		return fmt.Errorf("line %d: %w", line, err)
	}
	return err
}

func nestedQuote(n, root *html.Node) bool {
	for p := n.Parent; p != nil && p != root; p = p.Parent {
		if dcQuote.Match(p) {
			return true
		}
	}
	return false
}
