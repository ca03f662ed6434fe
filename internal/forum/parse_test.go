package forum_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/forum"
)

func readFile(t *testing.T, name string, opts forum.Options) (*forum.Result, error) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return forum.Read(bytes.NewReader(b), name, opts)
}

// brief is what a test compares of a post.
type brief struct {
	Forum, Section, Thread, Title, Key, Author, Time string
	Prec                                             analyze.Precision
	Pos                                              int
	Reply                                            string
	Quotes                                           []string
}

func briefs(ps []forum.Post) []brief {
	var out []brief
	for _, p := range ps {
		out = append(out, brief{p.Forum, p.Section, p.Thread, p.ThreadTitle, p.Key, p.Author, p.Time.String(), p.Time.Precision, p.Position, p.ReplyTo, p.Quotes})
	}
	return out
}

func TestReadHackHound(t *testing.T) {
	res, err := readFile(t, "hackhound.csv", forum.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "hackhound" || res.Blank != 1 || res.Skipped != 0 || len(res.Posts) != 6 {
		t.Fatalf("format %s, %d posts, %d blank, %d skipped", res.Format, len(res.Posts), res.Blank, res.Skipped)
	}
	k := func(i int) string { return res.Posts[i].Key }
	want := []brief{
		{"HackHound", "Malware Related Tools", "Malware Related Tools/free-rat-v12", "Free RAT v1.2", k(0), "alpha", "2012-10-12", analyze.PrecisionDay, 0, "", nil},
		{"HackHound", "Malware Related Tools", "Malware Related Tools/free-rat-v12", "Free RAT v1.2", k(1), "beta", "2012-10-13", analyze.PrecisionDay, 1, "", nil},
		{"HackHound", "Malware Related Tools", "Malware Related Tools/free-rat-v12", "Free RAT v1.2", k(2), "alpha", "2012-10-13", analyze.PrecisionDay, 2, "", nil},
		{"HackHound", "Malware Related Tools", "Malware Related Tools/free-rat-v12", "Free RAT v1.2", k(1) + "~2", "beta", "2012-10-13", analyze.PrecisionDay, 3, "", nil},
		{"HackHound", "Marketplace", "Marketplace/crypter-fud-help", "Crypter - FUD - Help", k(4), "gamma", "2013-11-02T14:35Z", analyze.PrecisionMinute, 0, "", nil},
		{"HackHound", "General Discussion", "General Discussion/intro", "Intro", k(5), "beta", "2014-01-05", analyze.PrecisionDay, 0, "", nil},
	}
	if diff := cmp.Diff(want, briefs(res.Posts), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
	if res.Posts[0].Text != `Releasing my RAT, "stable" build. Attached Files rat.zip` || res.Posts[0].AuthorTitle != "Newbie" ||
		res.Posts[4].Text != "Need help with\na multi-line post" || res.Posts[0].Source != "hackhound.csv" {
		t.Errorf("text as collected: %q %q %q", res.Posts[0].Text, res.Posts[0].AuthorTitle, res.Posts[4].Text)
	}
	// Keys are derived from the row and stable: the same file gives the
	// same keys, gzipped too.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	b, _ := os.ReadFile("testdata/hackhound.csv")
	zw.Write(b)
	zw.Close()
	again, err := forum.Read(&gz, "hackhound.csv.gz", forum.Options{Forum: "HH"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range again.Posts {
		if again.Posts[i].Key != res.Posts[i].Key || again.Posts[i].Forum != "HH" {
			t.Errorf("post %d: key %s forum %s, want %s HH", i, again.Posts[i].Key, again.Posts[i].Forum, res.Posts[i].Key)
		}
	}
	if !strings.HasPrefix(k(0), "h:") || k(0) == k(2) {
		t.Errorf("derived keys %q %q", k(0), k(2))
	}
}

func TestReadGeneric(t *testing.T) {
	for _, name := range []string{"generic.csv", "generic.jsonl"} {
		t.Run(name, func(t *testing.T) {
			res, err := readFile(t, name, forum.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := []brief{
				{"Bazaar", "Market", "t1", "Cards EU", "p1", "seller", "2024-03-12T10:15:00+03:00", analyze.PrecisionSecond, 0, "", nil},
				{"Bazaar", "Market", "t1", "t1", "p2", "buyer", "2024-03-12T10:15:00Z", analyze.PrecisionSecond, 1, "p1", nil},
				{"Bazaar", "Market", "t1", "t1", "p3", "seller", "2024-03-12", analyze.PrecisionDay, 2, "p2", []string{"p1", "p2"}},
				{"Bazaar", "Off topic", "t2", "Hello", res.Posts[3].Key, "newbie", "2024-03", analyze.PrecisionMonth, 0, "", nil},
			}
			if diff := cmp.Diff(want, briefs(res.Posts), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("posts (-want +got):\n%s", diff)
			}
			if res.Posts[0].URL != "https://bazaar.example/t1#p1" || res.Posts[0].Text != "EU cards, ICQ 123456" || !res.Posts[0].Time.HasOffset {
				t.Errorf("first post %+v", res.Posts[0])
			}
		})
	}
}

// A malformed row is an error naming file and line; with SkipBad it is
// counted and named, and the good rows are kept.
func TestReadBad(t *testing.T) {
	tests := []struct {
		name      string
		firstLine int
		firstErr  string
		kept      []string // authors
		skipped   int
	}{
		{"bad.csv", 3, `subforum "no forum here"`, []string{"alpha", "eps"}, 4},
		{"bad.jsonl", 2, "column", []string{"a", "f"}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readFile(t, tt.name, forum.Options{})
			var le *forum.LineError
			if !errors.As(err, &le) || le.Line != tt.firstLine || le.File != tt.name || !strings.Contains(err.Error(), tt.firstErr) {
				t.Fatalf("error %v; want %s:%d: …%s…", err, tt.name, tt.firstLine, tt.firstErr)
			}
			res, err := readFile(t, tt.name, forum.Options{SkipBad: true})
			if err != nil {
				t.Fatal(err)
			}
			var kept []string
			for _, p := range res.Posts {
				kept = append(kept, p.Author)
			}
			if !cmp.Equal(kept, tt.kept) || res.Skipped != tt.skipped || len(res.Problems) != tt.skipped ||
				!strings.HasPrefix(res.Problems[0], tt.name+":") {
				t.Errorf("kept %v, skipped %d, problems %q", kept, res.Skipped, res.Problems)
			}
		})
	}
}

func TestReadRefuses(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no header column", "forum,thread,author\nf,t,a\n", `no column "text"`},
		{"no forum", "thread,author,text\nt,a,x\n", "no forum"},
		{"NUL", "forum,thread,author,text\nf,t,a,\"x\x00y\"\n", "NUL"},
		{"bad UTF-8", "forum,thread,author,text\nf,t,a,\xff\xfe\n", "not UTF-8"},
		{"long handle", "forum,thread,author,text\nf,t," + strings.Repeat("a", 301) + ",x\n", "longer than 300"},
		{"bad position", "forum,thread,author,text,position\nf,t,a,x,-1\n", "position"},
		{"unknown format", "", "unknown forum dump format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := forum.Options{Format: "csv"}
			if tt.name == "unknown format" {
				opts.Format = "xml"
			}
			_, err := forum.Read(strings.NewReader(tt.in), "in.csv", opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
		})
	}
	// A text over the limit is refused, in JSON too.
	big := `{"forum":"f","thread":"t","author":"a","text":"` + strings.Repeat("x", forum.MaxText+1) + `"}`
	if _, err := forum.Read(strings.NewReader(big), "big.jsonl", forum.Options{}); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("huge text: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"hackhound.csv", "generic.csv", "generic.jsonl", "bad.csv", "bad.jsonl"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, name)
	}
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		for _, skip := range []bool{false, true} {
			res, err := forum.Read(bytes.NewReader(data), name, forum.Options{SkipBad: skip, Forum: "F"})
			if err != nil {
				var le *forum.LineError
				if skip && errors.As(err, &le) && !strings.Contains(le.Err.Error(), "header") && !strings.Contains(le.Err.Error(), "column") {
					t.Fatalf("SkipBad still failed on a row: %v", err)
				}
				continue
			}
			keys := map[string]bool{}
			for _, p := range res.Posts {
				if err := forum.CheckPost(&p); err != nil {
					t.Fatalf("a post that breaks the rules came out: %v", err)
				}
				if p.Key == "" || keys[p.Key] {
					t.Fatalf("post key %q empty or given twice", p.Key)
				}
				keys[p.Key] = true
			}
		}
	})
}
