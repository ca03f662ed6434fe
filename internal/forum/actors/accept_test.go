package actors_test

import (
	"os"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/forum/actors"
	"github.com/spoor/spoor/internal/testenv"
)

// The HackHound dump reads whole: every post, one forum, day precision,
// and its graph ranks authors by ties of co-participation.
func TestAcceptanceHackHound(t *testing.T) {
	testenv.Acceptance(t)
	path := testenv.DataFile(t, "hacker-forum", "hackhound_posts.csv.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := forum.Read(f, "hackhound_posts.csv.gz", forum.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "hackhound" || len(res.Posts) != 4178 || res.Blank != 5 || res.Skipped != 0 {
		t.Fatalf("read %s: %d posts, %d blank, %d skipped; want hackhound, 4178, 5, 0", res.Format, len(res.Posts), res.Blank, res.Skipped)
	}
	authors := map[string]bool{}
	keys := map[string]bool{}
	for _, p := range res.Posts {
		authors[p.Author] = true
		if keys[p.Key] {
			t.Fatalf("post key %s given twice", p.Key)
		}
		keys[p.Key] = true
		if p.Forum != "HackHound" || p.Time.Precision.String() != "day" {
			t.Fatalf("post %+v: want forum HackHound and day precision", p)
		}
	}
	if len(authors) < 700 {
		t.Errorf("%d authors; the dump has about 796", len(authors))
	}
	start := time.Now()
	a := actors.Analyze(res.Posts, actors.DefaultWeights())
	t.Logf("analysed %d authors, %d ties, %d communities in %v", len(a.Actors), len(a.Graph.Edges), len(a.Communities), time.Since(start))
	for _, act := range a.Actors[:10] {
		t.Logf("%d %s %.3f %s", act.Rank, act.Handle, act.Score, act.Why)
	}
	start = time.Now()
	for _, act := range a.Actors[:10] {
		p, err := a.Portrait(forum.AuthorKey{Forum: act.Forum, Handle: act.Handle})
		if err != nil {
			t.Fatal(err)
		}
		if p.Posts != act.Posts || p.Time.WeekdayCounts == [7]int{} || len(p.Sections) == 0 || len(p.Terms) == 0 || len(p.Neighbours) == 0 {
			t.Errorf("portrait of %s: %+v", act.Handle, p)
		}
		t.Logf("%s: %d posts %s..%s sections %v terms %v langs %v cands %v contacts %v inds %d", p.Handle, p.Posts, p.First, p.Last,
			p.Sections[:min(3, len(p.Sections))], p.Terms[:min(5, len(p.Terms))], p.Languages, p.Candidates, p.Contacts, len(p.Indicators))
	}
	t.Logf("10 portraits in %v", time.Since(start))
	if a.Actors[0].Score <= a.Actors[len(a.Actors)-1].Score || len(a.Actors[0].Parts) != 6 {
		t.Errorf("top actor %+v", a.Actors[0])
	}
}
