package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/forum/actors"
	"github.com/spoor/spoor/internal/store"
)

// seedForum imports the fixture forum (testdata/forum.jsonl) and a huge
// post, through the parser and store calls spoor forum import makes.
func seedForum(t *testing.T, e *testEnv) *forum.Forum {
	t.Helper()
	f, err := os.Open("testdata/forum.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := forum.Read(f, "forum.jsonl", forum.Options{})
	if err != nil {
		t.Fatal(err)
	}
	huge := forum.Post{Forum: "Dark Bazaar", Section: "Market", Thread: "t400", Key: "4005", Author: "cardking", Position: 4,
		Text: strings.Repeat("<b>dump</b> ", 40000) + "<script>alert(9)</script>"}
	res.Posts = append(res.Posts, huge)
	if _, err := e.Store.ImportForumPosts(t.Context(), "", store.ForumImport{Source: "forum.jsonl", Format: res.Format}, res.Posts); err != nil {
		t.Fatal(err)
	}
	fs, err := e.Store.FindForum(t.Context(), "Dark Bazaar")
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func authorIDOf(t *testing.T, e *testEnv, handle string) int64 {
	t.Helper()
	as, err := e.Store.FindForumAuthors(t.Context(), handle, "Dark Bazaar")
	if err != nil || len(as) != 1 {
		t.Fatalf("author %q: %v %v", handle, as, err)
	}
	return as[0].ID
}

// The forum pages and API answer readers, rank the vendor who is answered
// most first, and show hostile handles and post text as inert text.
func TestForums(t *testing.T) {
	e := newEnv(t)
	f := seedForum(t, e)
	zeus := authorIDOf(t, e, "zeus_vendor")
	hostile := authorIDOf(t, e, "<img src=x onerror=alert(7)>")
	card := authorIDOf(t, e, "cardking")
	base := fmt.Sprintf("/forums/%d", f.ID)
	runScenarios(t, e, []scenario{
		{Name: "anonymous API", URL: "/api/v1/forums", ExpectedStatus: http.StatusUnauthorized},
		{Name: "anonymous page", URL: base, ExpectedStatus: http.StatusSeeOther},
		{Name: "list", URL: "/api/v1/forums", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"name":"Dark Bazaar"`, `"posts":18`, `"authors":7`}},
		{Name: "actors", URL: "/api/v1" + base + "/actors", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"rank":1,`, `"name":"pagerank"`, `"name":"betweenness"`, `"why":`}},
		{Name: "graph", URL: "/api/v1" + base + "/graph?limit=5", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"authors":7`, `"replies":`}},
		{Name: "bad graph limit", URL: "/api/v1" + base + "/graph?limit=1", As: "reader", ExpectedStatus: 400},
		{Name: "portrait", URL: fmt.Sprintf("/api/v1%s/authors/%d", base, zeus), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"contacts":["icq:55512345","jabber:zeus@xmpp.example.org"]`, `"utc_offset":"+03:00"`, `"handle":"cardking"`, `both posted icq:55512345`}},
		{Name: "author of another forum", URL: fmt.Sprintf("/api/v1/forums/%d/authors/%d", f.ID+1, zeus), As: "reader", ExpectedStatus: 404},
		{Name: "overview page", URL: base, As: "reader", ExpectedStatus: 200,
			ExpectedContent:    []string{"Key actors", "zeus_vendor", "&lt;img src=x onerror=alert(7)&gt;", "Tutorials"},
			NotExpectedContent: []string{"<img src=x"}},
		{Name: "graph page", URL: base + "/graph", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`id="forum-graph-app"`}},
		{Name: "hostile portrait", URL: fmt.Sprintf("%s/authors/%d", base, hostile), As: "reader", ExpectedStatus: 200,
			ExpectedContent:    []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;a href=&#34;javascript:alert(3)&#34;", "onclick=&#34;alert(4)&#34;"},
			NotExpectedContent: []string{"<script>alert", "<img src=x", `href="javascript:`, "<style>body"}},
		{Name: "huge post", URL: fmt.Sprintf("%s/authors/%d", base, card), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"clipped"}, NotExpectedContent: []string{"alert(9)", "<b>dump"}},
	})
	// The vendor everyone answers and the buyer in every thread lead.
	var rk actors.Ranking
	w := scenario{URL: "/api/v1" + base + "/actors", As: "reader"}.run(t, e)
	if err := json.Unmarshal(w.Body.Bytes(), &rk); err != nil || len(rk.Actors) != 7 {
		t.Fatalf("ranking: %v %+v", err, rk)
	}
	top := map[string]bool{rk.Actors[0].Handle: true, rk.Actors[1].Handle: true}
	if !top["zeus_vendor"] || !top["buyer_one"] || rk.Actors[0].ID == 0 || len(rk.Actors[0].Parts) != 6 {
		t.Errorf("top two actors %+v", rk.Actors[:2])
	}
	// The huge page stays small: the post is clipped.
	w = scenario{URL: fmt.Sprintf("%s/authors/%d", base, card), As: "reader"}.run(t, e)
	if w.Body.Len() > 100_000 {
		t.Errorf("the portrait page is %d bytes; the huge post is not clipped", w.Body.Len())
	}
	// The API gives the hostile text back as JSON text, escaped for HTML.
	w = scenario{URL: fmt.Sprintf("/api/v1%s/authors/%d", base, hostile), As: "reader"}.run(t, e)
	var p actors.Portrait
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || len(p.Recent) != 1 || !strings.HasPrefix(p.Recent[0].Text, "<script>") {
		t.Errorf("portrait JSON: %v %+v", err, p.Recent)
	}
	if strings.Contains(w.Body.String(), "<script>") {
		t.Errorf("the JSON writes <script> unescaped")
	}
}
