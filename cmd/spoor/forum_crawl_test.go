package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/collect/forumcrawl"
	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/forum/actors"
)

// phpbbForum serves the crawler's hand-written phpBB forum (a page per
// path and query, as its tests name them).
func phpbbForum(t *testing.T) *httptest.Server {
	dir := filepath.Join("..", "..", "internal", "collect", "forumcrawl", "testdata", "phpbb")
	names := strings.NewReplacer("&", "__", "=", "-")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if r.URL.RawQuery != "" {
			name += "__" + names.Replace(r.URL.RawQuery)
		}
		for _, ext := range []string{".html", ""} {
			if b, err := os.ReadFile(filepath.Join(dir, name+ext)); err == nil {
				if name != "robots.txt" {
					w.Header().Set("Content-Type", "text/html; charset=UTF-8")
				}
				w.Write(b)
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestForumCrawlAndEvents: a forum added with its engine and start URL is
// crawled into the store, a second crawl adds nothing, its authors rank,
// and its threads become threat events once.
func TestForumCrawlAndEvents(t *testing.T) {
	c := newCLI(t)
	srv := phpbbForum(t)
	c.ok("forum", "add", "Bazaar", "--engine", "phpbb", "--start-url", srv.URL+"/index.php", "--rate", "0s")
	if _, _, err := c.run("", "forum", "crawl", "Bazaar"); err == nil || !strings.Contains(err.Error(), "private") {
		t.Errorf("a loopback forum crawled without --allow-private: %v", err)
	}
	crawlStats := func() forumcrawl.Stats {
		t.Helper()
		var st forumcrawl.Stats
		if err := json.Unmarshal([]byte(c.ok("forum", "crawl", "Bazaar", "--allow-private", "--format", "json")), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	first := crawlStats()
	if first.Added == 0 || first.Added != first.Posts {
		t.Fatalf("first crawl: %+v, want every post read added", first)
	}
	second := crawlStats()
	if second.Added != 0 || second.Edited != 0 {
		t.Errorf("second crawl added %d, edited %d: %+v", second.Added, second.Edited, second)
	}
	list := c.ok("forum", "list", "--format", "json")
	if !strings.Contains(list, `"name": "Bazaar"`) || !strings.Contains(list, `"posts": 8`) {
		t.Errorf("forum list: %s", list)
	}
	if out := c.ok("forum", "actors", "--forum", "Bazaar", "--format", "json"); !strings.Contains(out, `"handle"`) {
		t.Errorf("actors of the crawled forum: %s", out)
	}
	var ev struct {
		Events []json.RawMessage `json:"events"`
		New    int               `json:"new"`
	}
	if err := json.Unmarshal([]byte(c.ok("forum", "events", "Bazaar", "--format", "json")), &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Events) == 0 || ev.New != len(ev.Events) {
		t.Fatalf("forum events: %d events, %d new", len(ev.Events), ev.New)
	}
	if err := json.Unmarshal([]byte(c.ok("forum", "events", "Bazaar", "--format", "json")), &ev); err != nil || ev.New != 0 {
		t.Errorf("forum events again: %d new (%v), want 0", ev.New, err)
	}
	if out := c.ok("source", "list"); !strings.Contains(out, "forum: Bazaar") {
		t.Errorf("no forum source:\n%s", out)
	}

	// --list reads the stored events with their readings, filtered by kind.
	var page forum.EventPage
	if err := json.Unmarshal([]byte(c.ok("forum", "events", "Bazaar", "--list", "--format", "json")), &page); err != nil {
		t.Fatal(err)
	}
	if page.Total != len(ev.Events) || len(page.Kinds) == 0 || page.Events[0].Kind == "" || page.Events[0].Text == "" {
		t.Fatalf("forum events --list: %+v, want the %d events with kind and text", page, len(ev.Events))
	}
	kind := page.Kinds[0]
	if err := json.Unmarshal([]byte(c.ok("forum", "events", "Bazaar", "--list", "--kind", kind.Value, "--format", "json")), &page); err != nil {
		t.Fatal(err)
	}
	if page.Total != kind.N {
		t.Errorf("--kind %s: %d events, the facet says %d", kind.Value, page.Total, kind.N)
	}
	for _, e := range page.Events {
		if e.Kind != kind.Value {
			t.Errorf("--kind %s lists a %s event", kind.Value, e.Kind)
		}
	}
	// The portrait of an event's author lists it.
	author := page.Events[0].Author
	var p actors.Portrait
	if err := json.Unmarshal([]byte(c.ok("forum", "portrait", author, "--forum", "Bazaar", "--format", "json")), &p); err != nil {
		t.Fatal(err)
	}
	if p.EventsTotal == 0 || len(p.ThreatEvents) != p.EventsTotal || p.ThreatEvents[0].Author != author || len(p.Kinds) == 0 {
		t.Errorf("portrait of %s: %d threat events %+v, kinds %v", author, p.EventsTotal, p.ThreatEvents, p.Kinds)
	}
	if out := c.ok("forum", "portrait", author, "--forum", "Bazaar"); !strings.Contains(out, "threat events:") {
		t.Errorf("portrait text lacks the events:\n%s", out)
	}
	if _, _, err := c.run("", "forum", "events", "Bazaar", "--list", "--since", "yesterday"); err == nil || !strings.Contains(err.Error(), "since") {
		t.Errorf("a bad --since: %v", err)
	}
}
