package main

import (
	"os"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/forum/actors"
	"github.com/spoor/spoor/internal/testenv"
)

// spoor forum import is idempotent, names the bad line or skips it, and
// actors and portrait rank and describe what was imported.
func TestForumCommands(t *testing.T) {
	c := newCLI(t)
	out := c.ok("forum", "import", "testdata/forum.jsonl")
	if !strings.Contains(out, "Bazaar: 6 posts read (jsonl), 6 added; new: 2 sections, 2 threads, 3 authors") {
		t.Errorf("first import: %q", out)
	}
	if out := c.ok("forum", "import", "testdata/forum.jsonl"); !strings.Contains(out, "6 posts read (jsonl), 0 added") {
		t.Errorf("second import: %q", out)
	}
	_, _, err := c.run("", "forum", "import", "testdata/forum-bad.csv")
	if err == nil || !strings.Contains(err.Error(), "forum-bad.csv:3: no thread") {
		t.Errorf("bad row: %v", err)
	}
	out, errOut, err := c.run("", "forum", "import", "testdata/forum-bad.csv", "--skip-bad")
	if err != nil || !strings.Contains(out, "2 added") || !strings.Contains(out, "1 malformed rows skipped") || !strings.Contains(errOut, "forum-bad.csv:3") {
		t.Errorf("--skip-bad: %q %q %v", out, errOut, err)
	}
	if _, _, err := c.run("", "forum", "import", "testdata/forum.jsonl", "--format", "xml"); err == nil {
		t.Error("an unknown dump format was taken")
	}

	list := decode[[]forum.Forum](t, c.ok("forum", "list", "--format", "json"))
	if len(list) != 1 || list[0].Name != "Bazaar" || list[0].Posts != 8 || list[0].Authors != 5 {
		t.Errorf("list %+v", list)
	}
	r := decode[actors.Ranking](t, c.ok("forum", "actors", "--forum", "Bazaar", "--format", "json"))
	// The seller and the buyer who answer each other lead.
	top := r.Actors[0].Handle + " " + r.Actors[1].Handle
	if r.Authors != 5 || len(r.Actors) != 5 || !strings.Contains(top, "seller") || !strings.Contains(top, "buyer") || len(r.Actors[0].Parts) != 6 || r.Actors[0].Why == "" {
		t.Errorf("actors %+v", r)
	}
	table := c.ok("forum", "actors")
	if !strings.Contains(table, "PAGERANK") || !strings.Contains(table, "seller") {
		t.Errorf("actors table:\n%s", table)
	}
	p := decode[actors.Portrait](t, c.ok("forum", "portrait", "seller", "--format", "json"))
	if p.Posts != 3 || p.Actor.Rank > 2 || len(p.Contacts) != 1 || p.Contacts[0] != "icq:123456" || p.Time.UTCOffset == nil {
		t.Errorf("portrait %+v", p)
	}
	text := c.ok("forum", "portrait", "reseller")
	if strings.Contains(text, "\x1b") || !strings.Contains(text, "reseller on Bazaar") {
		t.Errorf("portrait text holds a terminal escape or lacks the handle:\n%q", text)
	}
	if _, _, err := c.run("", "forum", "portrait", "nobody"); err == nil {
		t.Error("a portrait of nobody")
	}

	// A crawl configuration: the cookie is sealed and never printed.
	out, _, err = c.run("phpbb_sid=hunter2\n", "forum", "add", "Exploit Bazaar", "--engine", "phpbb",
		"--start-url", "https://bazaar.example/index.php", "--proxy", "socks5h://127.0.0.1:9050", "--cookie-stdin")
	if err != nil || !strings.Contains(out, "cookie ********") || strings.Contains(out, "hunter2") {
		t.Errorf("add: %q %v", out, err)
	}
	if j := c.ok("forum", "list", "--format", "json"); strings.Contains(j, "hunter2") || !strings.Contains(j, `"has_cookie": true`) {
		t.Errorf("list shows %s", j)
	}
	db, _ := os.ReadFile(c.db)
	if strings.Contains(string(db), "hunter2") {
		t.Error("the database file holds the cookie in plain text")
	}
	if _, _, err := c.run("", "forum", "add", "Bad", "--proxy", "ftp://x"); err == nil {
		t.Error("a bad proxy was taken")
	}
}

// The acceptance path: the HackHound dump imported, then the key actors
// listed with their score parts.
func TestAcceptanceForumHackHound(t *testing.T) {
	testenv.Acceptance(t)
	path := testenv.DataFile(t, "hacker-forum", "hackhound_posts.csv.gz")
	c := newCLI(t)
	if out := c.ok("forum", "import", path); !strings.Contains(out, "HackHound: 4178 posts read (hackhound), 4178 added") {
		t.Fatalf("import: %q", out)
	}
	r := decode[actors.Ranking](t, c.ok("forum", "actors", "--format", "json"))
	if r.Authors != 794 || len(r.Actors) != 25 {
		t.Fatalf("%d authors, %d actors", r.Authors, len(r.Actors))
	}
	for _, a := range r.Actors {
		if len(a.Parts) != 6 || a.Score <= 0 || a.Why == "" || a.Forum != "HackHound" {
			t.Errorf("actor %+v", a)
		}
	}
	for _, a := range r.Actors[:10] {
		p := decode[actors.Portrait](t, c.ok("forum", "portrait", a.Handle, "--forum", "HackHound", "--format", "json"))
		if p.Posts != a.Posts || p.Actor.Rank != a.Rank {
			t.Errorf("portrait of %s: %d posts rank %d", a.Handle, p.Posts, p.Actor.Rank)
		}
	}
}
