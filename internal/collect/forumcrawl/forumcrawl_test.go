package forumcrawl_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/crawl"
	"github.com/spoor/spoor/internal/collect/forumcrawl"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// forum serves a test forum from testdata/<dir>: a URL's file is its path
// with the query appended ("viewforum.php?f=2&start=2" →
// "viewforum.php__f-2__start-2.html"); after change() the files of
// changed/ replace or add to the others, as a live forum changes between
// two crawls. Every response has an ETag, and a matching If-None-Match
// gets a 304.
type forum struct {
	t       *testing.T
	dir     string
	srv     *httptest.Server
	mu      sync.Mutex
	changed bool
	hits    []string
}

func newForum(t *testing.T, dir string) *forum {
	f := &forum{t: t, dir: filepath.Join("testdata", dir)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *forum) change() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changed = true
}

// Hits returns the requests since the last call, robots.txt left out.
func (f *forum) Hits() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, h := range f.hits {
		if h != "/robots.txt" {
			out = append(out, h)
		}
	}
	f.hits = nil
	return out
}

var fileChars = strings.NewReplacer("&", "__", "=", "-", "[", "", "]", "", "%5B", "", "%5D", "")

func (f *forum) file(path, query string) ([]byte, string) {
	name := strings.TrimPrefix(path, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index"
	}
	if query != "" {
		name += "__" + fileChars.Replace(query)
	}
	f.mu.Lock()
	changed := f.changed
	f.mu.Unlock()
	var dirs []string
	if changed {
		dirs = append(dirs, filepath.Join(f.dir, "changed"))
	}
	dirs = append(dirs, f.dir)
	for _, d := range dirs {
		for _, ext := range []string{".html", ""} {
			if b, err := os.ReadFile(filepath.Join(d, filepath.FromSlash(name)+ext)); err == nil {
				ct := "text/html; charset=UTF-8"
				if strings.Contains(name, ".json") {
					ct = "application/json; charset=utf-8"
				}
				if name == "robots.txt" {
					ct = "text/plain"
				}
				return b, ct
			}
		}
	}
	return nil, ""
}

func (f *forum) serve(w http.ResponseWriter, r *http.Request) {
	hit := r.URL.Path
	if r.URL.RawQuery != "" {
		hit += "?" + r.URL.RawQuery
	}
	f.mu.Lock()
	f.hits = append(f.hits, hit)
	f.mu.Unlock()
	body, ct := f.discourse(r)
	if body == nil {
		body, ct = f.file(r.URL.Path, r.URL.RawQuery)
	}
	if body == nil {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Write(body)
}

var (
	dcTopic = regexp.MustCompile(`^/t/(\d+)\.json$`)
	dcPosts = regexp.MustCompile(`^/t/(\d+)/posts\.json$`)
)

// discourse answers a topic's JSON as Discourse does, from a file holding
// all its posts: /t/{id}.json has the first 20 posts and the stream of
// every id; /t/{id}/posts.json?post_ids[]=… has the posts asked for.
func (f *forum) discourse(r *http.Request) ([]byte, string) {
	var id string
	var want map[int]bool
	if m := dcTopic.FindStringSubmatch(r.URL.Path); m != nil {
		id = m[1]
	} else if m := dcPosts.FindStringSubmatch(r.URL.Path); m != nil {
		id = m[1]
		want = map[int]bool{}
		for _, s := range r.URL.Query()["post_ids[]"] {
			n, _ := strconv.Atoi(s)
			want[n] = true
		}
	} else {
		return nil, ""
	}
	raw, _ := f.file("/t/"+id+".full.json", "")
	if raw == nil {
		return nil, ""
	}
	var topic map[string]any
	if err := json.Unmarshal(raw, &topic); err != nil {
		f.t.Errorf("%s: %v", id, err)
		return nil, ""
	}
	ps := topic["post_stream"].(map[string]any)
	posts := ps["posts"].([]any)
	var stream []int
	var keep []any
	for _, p := range posts {
		pid := int(p.(map[string]any)["id"].(float64))
		stream = append(stream, pid)
		if (want == nil && len(keep) < 20) || want[pid] {
			keep = append(keep, p)
		}
	}
	var out []byte
	if want == nil {
		ps["posts"], ps["stream"] = keep, stream
		out, _ = json.Marshal(topic)
	} else {
		out, _ = json.Marshal(map[string]any{"post_stream": map[string]any{"posts": keep}, "id": topic["id"]})
	}
	return out, "application/json; charset=utf-8"
}

// memSink is an in-memory Sink: thread states, and every version of every
// post by key. It fails the test if asked to store a version it holds.
type memSink struct {
	t        *testing.T
	mu       sync.Mutex
	threads  map[string]forumcrawl.ThreadState
	posts    map[string][]forumcrawl.Post // by key, versions oldest first
	order    []string
	saves    int
	failAt   int // Save number that fails (a kill during the transaction); 0 none
	onSaved  func(added int)
	addedSum int
}

func newSink(t *testing.T) *memSink {
	return &memSink{t: t, threads: map[string]forumcrawl.ThreadState{}, posts: map[string][]forumcrawl.Post{}}
}

func (s *memSink) Known(_ context.Context, _ string) (map[string]forumcrawl.ThreadState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]forumcrawl.ThreadState{}
	for k, v := range s.threads {
		out[k] = v
	}
	return out, nil
}

func (s *memSink) Save(_ context.Context, forum string, st forumcrawl.ThreadState, posts []forumcrawl.Post) (forumcrawl.SaveResult, error) {
	s.mu.Lock()
	s.saves++
	if s.failAt != 0 && s.saves == s.failAt {
		s.mu.Unlock()
		return forumcrawl.SaveResult{}, errors.New("disk gone")
	}
	var res forumcrawl.SaveResult
	for _, p := range posts {
		if p.Forum != forum || p.ThreadKey != st.Key || p.Key == "" {
			s.t.Errorf("post %+v saved with thread %s of forum %s", p, st.Key, forum)
		}
		vs := s.posts[p.Key]
		switch {
		case len(vs) == 0:
			res.Added++
			s.order = append(s.order, p.Key)
		case vs[len(vs)-1].Version() == p.Version():
			continue
		default:
			for _, v := range vs {
				if v.Version() == p.Version() {
					s.t.Errorf("post %s: version %s stored twice", p.Key, p.Version())
				}
			}
			res.Edited++
		}
		s.posts[p.Key] = append(vs, p)
	}
	s.threads[st.Key] = st
	s.addedSum += res.Added
	cb := s.onSaved
	sum := s.addedSum
	s.mu.Unlock()
	if cb != nil {
		cb(sum)
	}
	return res, nil
}

// current returns the newest version of every post, in the order first
// stored.
func (s *memSink) current() []forumcrawl.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []forumcrawl.Post
	for _, k := range s.order {
		vs := s.posts[k]
		out = append(out, vs[len(vs)-1])
	}
	return out
}

func (s *memSink) versions(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.posts[key])
}

// fetcher returns the polite fetcher, allowed to reach the loopback test
// server, on a clock that does not wait.
func fetcher(cfg forumcrawl.Config) *crawl.Fetcher {
	now := time.Date(2024, 3, 6, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	return crawl.New(cfg.FetcherOptions(crawl.Options{
		AllowPrivate: true,
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return now
		},
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(d)
			return ctx.Err()
		},
	}))
}

// engineCase is one test forum and what a crawl of it must find.
type engineCase struct {
	engine, dir string
	start       []string // paths on the test server
	posts       int      // posts in the first state
	added       int      // posts the change adds
	edited      string   // key of the post the change edits
	newThread   string   // key of the thread the change adds
	disallowed  int      // listing links robots.txt disallows
}

var engines = []engineCase{
	{engine: forumcrawl.PhpBB, dir: "phpbb", start: []string{"/index.php"}, posts: 8, added: 3, edited: "103", newThread: "21", disallowed: 1},
	{engine: forumcrawl.MyBB, dir: "mybb", start: []string{"/index.php"}, posts: 8, added: 3, edited: "103", newThread: "21", disallowed: 1},
	{engine: forumcrawl.VBulletin, dir: "vbulletin", start: []string{"/forum.php"}, posts: 8, added: 3, edited: "103", newThread: "21", disallowed: 1},
	{engine: forumcrawl.Discourse, dir: "discourse", start: []string{"/categories.json"}, posts: 28, added: 3, edited: "1022", newThread: "21", disallowed: 1},
	{engine: forumcrawl.XenForo, dir: "xenforo", start: []string{"/forums/"}, posts: 8, added: 3, edited: "103", newThread: "21", disallowed: 1},
}

func (ec engineCase) config(f *forum) forumcrawl.Config {
	cfg := forumcrawl.Config{Name: ec.dir + " test", Engine: ec.engine, Interval: time.Second}
	for _, s := range ec.start {
		cfg.Start = append(cfg.Start, f.srv.URL+s)
	}
	return cfg
}

// golden compares the posts with testdata/golden/<name>.txt.
func golden(t *testing.T, name string, posts []forumcrawl.Post) {
	t.Helper()
	var b strings.Builder
	for _, p := range posts {
		fmt.Fprintf(&b, "== %s  thread %s %q  section %q\n", p.Key, p.ThreadKey, p.ThreadTitle, p.Section)
		fmt.Fprintf(&b, "author %q title %q\n", p.Author, p.AuthorTitle)
		fmt.Fprintf(&b, "time %s (%s) shown %q\n", p.Time.Time.Format(time.RFC3339), p.Time.Precision, p.TimeText)
		if p.Edited {
			fmt.Fprintf(&b, "edited %s (%s)\n", p.EditedTime.Time.Format(time.RFC3339), p.EditedTime.Precision)
		}
		if len(p.Quotes) > 0 || len(p.ReplyTo) > 0 {
			fmt.Fprintf(&b, "quotes %v reply-to %v\n", p.Quotes, p.ReplyTo)
		}
		fmt.Fprintf(&b, "url %s\n", regexp.MustCompile(`http://127\.0\.0\.1:\d+`).ReplaceAllString(p.URL, "BASE"))
		b.WriteString(p.Text)
		b.WriteString("\n\n")
	}
	path := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if string(want) != b.String() {
		t.Errorf("posts differ from %s (run with -update and diff):\n%s", path, b.String())
	}
}

// TestAcceptanceForumCrawl is the acceptance test: each forum is collected
// completely, then again adding nothing and fetching no thread page; after
// the forum changes (posts appended, a new page, a new thread, an edit),
// a third run adds exactly the new posts and the edit.
func TestAcceptanceForumCrawl(t *testing.T) {
	for _, ec := range engines {
		t.Run(ec.dir, func(t *testing.T) {
			f := newForum(t, ec.dir)
			cfg := ec.config(f)
			sink := newSink(t)
			ctx := context.Background()

			var last forumcrawl.Progress
			reports := 0
			st1, err := forumcrawl.Crawl(ctx, cfg, fetcher(cfg), sink, func(p forumcrawl.Progress) { last = p; reports++ })
			if err != nil {
				t.Fatalf("first run: %v", err)
			}
			if reports != st1.Listings+st1.Pages || last.Forum != cfg.Name || last.Stats.Added != st1.Added || last.Stats.Pages != st1.Pages {
				t.Errorf("progress: %d reports, last %+v; stats %v", reports, last, st1)
			}
			hits1 := f.Hits()
			if st1.Added != ec.posts || len(sink.current()) != ec.posts || st1.Edited != 0 {
				t.Errorf("first run: %v; sink holds %d posts, want %d", st1, len(sink.current()), ec.posts)
			}
			if st1.Disallowed != ec.disallowed {
				t.Errorf("first run: disallowed %d, want %d", st1.Disallowed, ec.disallowed)
			}
			golden(t, ec.dir, sink.current())

			st2, err := forumcrawl.Crawl(ctx, cfg, fetcher(cfg), sink, nil)
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			hits2 := f.Hits()
			if st2.Added != 0 || st2.Edited != 0 || st2.Pages != 0 || st2.Skipped != st2.Threads {
				t.Errorf("second run: %v, want nothing added and no thread page fetched", st2)
			}
			t.Logf("first run: %v (%d requests)", st1, len(hits1))
			t.Logf("second run: %v (%d requests)", st2, len(hits2))

			f.change()
			st3, err := forumcrawl.Crawl(ctx, cfg, fetcher(cfg), sink, nil)
			if err != nil {
				t.Fatalf("run after the change: %v", err)
			}
			hits3 := f.Hits()
			t.Logf("after the change: %v (%d requests)", st3, len(hits3))
			if st3.Added != ec.added || st3.Edited != 1 {
				t.Errorf("after the change: %v, want %d added and 1 edited", st3, ec.added)
			}
			if n := sink.versions(ec.edited); n != 2 {
				t.Errorf("edited post %s has %d versions, want 2", ec.edited, n)
			}
			if _, ok := sink.threads[ec.newThread]; !ok {
				t.Errorf("new thread %s not collected", ec.newThread)
			}
			if st3.Pages >= st1.Pages {
				t.Errorf("after the change %d thread pages were fetched, the first run %d: not incremental", st3.Pages, st1.Pages)
			}
			golden(t, ec.dir+"-changed", sink.current())

			st4, err := forumcrawl.Crawl(ctx, cfg, fetcher(cfg), sink, nil)
			if err != nil || st4.Added != 0 || st4.Edited != 0 || st4.Pages != 0 {
				t.Errorf("run after the change, again: %v, %v", st4, err)
			}
		})
	}
}

// TestAcceptanceForumCrawlResume kills a crawl midway (the context is cancelled once some
// posts are stored, or the sink's transaction fails) and checks that the
// next run stores the rest exactly once, without reading again what was
// stored.
func TestAcceptanceForumCrawlResume(t *testing.T) {
	for _, ec := range engines {
		for _, kill := range []string{"cancel", "failed save"} {
			t.Run(ec.dir+"/"+kill, func(t *testing.T) {
				f := newForum(t, ec.dir)
				cfg := ec.config(f)
				full := newSink(t)
				if _, err := forumcrawl.Crawl(context.Background(), cfg, fetcher(cfg), full, nil); err != nil {
					t.Fatal(err)
				}
				fullHits := len(f.Hits())

				sink := newSink(t)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if kill == "cancel" {
					sink.onSaved = func(added int) {
						if added >= ec.posts/2 {
							cancel()
						}
					}
				} else {
					sink.failAt = 3
				}
				st1, err := forumcrawl.Crawl(ctx, cfg, fetcher(cfg), sink, nil)
				if err == nil {
					t.Fatalf("killed run: no error (%v)", st1)
				}
				if kill == "cancel" && !errors.Is(err, context.Canceled) {
					t.Errorf("killed run: err = %v, want context.Canceled", err)
				}
				got := len(sink.current())
				if got == 0 || got >= ec.posts {
					t.Fatalf("killed run stored %d posts of %d: not midway", got, ec.posts)
				}
				killedHits := len(f.Hits())
				sink.onSaved, sink.failAt = nil, 0
				done := 0
				for _, st := range sink.threads {
					if st.Done {
						done++
					}
				}

				st2, err := forumcrawl.Crawl(context.Background(), cfg, fetcher(cfg), sink, nil)
				if err != nil {
					t.Fatalf("resumed run: %v", err)
				}
				resumedHits := len(f.Hits())
				if st1.Added+st2.Added != ec.posts || len(sink.current()) != ec.posts || st2.Edited != 0 {
					t.Errorf("killed run added %d, resumed run %v; sink holds %d, want %d", st1.Added, st2, len(sink.current()), ec.posts)
				}
				// Threads the killed run finished are not fetched again.
				if st2.Skipped != done {
					t.Errorf("resumed run skipped %d threads; the killed run had finished %d", st2.Skipped, done)
				}
				keys := func(ps []forumcrawl.Post) []string {
					var out []string
					for _, p := range ps {
						out = append(out, p.Key+" "+p.Version())
					}
					sort.Strings(out)
					return out
				}
				if a, b := keys(sink.current()), keys(full.current()); strings.Join(a, ",") != strings.Join(b, ",") {
					t.Errorf("resumed collection differs from an uninterrupted one:\n%v\n%v", a, b)
				}
				t.Logf("%s: killed after %d posts (%d requests), resumed %v (%d requests); uninterrupted %d requests",
					kill, st1.Added, killedHits, st2, resumedHits, fullHits)
			})
		}
	}
}
