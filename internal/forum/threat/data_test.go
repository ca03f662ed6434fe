package threat_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/forum/threat"
)

func openFixture(n string) (io.ReadCloser, error) { return os.Open(filepath.Join("testdata", n)) }

func readFixture(t *testing.T, names ...string) []threat.Row {
	t.Helper()
	rows, err := threat.ReadFiles(names, openFixture)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestReadLabelled(t *testing.T) {
	rows := readFixture(t, "topics.csv", "annotated.csv", "links.csv")
	type row struct {
		Line       int
		Thread     string
		Title      string
		Techniques []string
		Tactics    []string
		Role       string
		Content    bool
	}
	var got []row
	for _, r := range rows {
		got = append(got, row{r.Line, r.Thread, r.Title, r.Techniques, r.Tactics, r.Role, r.Content != ""})
	}
	want := []row{
		{2, "0x00sec.org/t/1201", "Writing a tiny keylogger in C", []string{"Input Capture"}, []string{"Collection"}, "", false},
		{3, "0x00sec.org/t/1202", "Where to start with malware?", []string{"none"}, []string{"none"}, "", false},
		{4, "0x00sec.org/t/1203", `Crypter "FUD", free`, []string{"Obfuscated files or information", "Masquerading"}, []string{"Defense evasion"}, "", false},
		{2, "forum.example/tid/501", "Need someone to crack a mail account", []string{"Brute force", "Valid Accounts"}, []string{"Credential Access"}, "Buyer", true},
		{3, "forum.example/tid/777", "Need someone to crack a mail account", []string{"Brute Force"}, []string{"Credential Access"}, "Buyer", false},
		{4, "forum.example/tid/502", "[TUT] Port forwarding for beginners", []string{"Develop capability"}, []string{"Resource development"}, "Author", true},
		{5, "forum.example/tid/503", "★ Free RAT ★", []string{"Remote Access Softwares"}, []string{"Command and Control"}, "", false},
		{6, "forum.example/tid/504", "Gone thread", []string{"Teleportation"}, []string{"Reconassiance"}, "", false},
		{2, "forum.example/tid/501", "", []string{"Phishing"}, nil, "", false},
		{3, "forum.example/tid/999", "", []string{"Brute Force"}, nil, "", false},
		{4, "forum.example/tid/502", "", nil, nil, "", false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if rows[0].File != "topics.csv" || rows[3].URL != "https://forum.example/showthread.php?tid=501" {
		t.Errorf("provenance: %+v", rows[0])
	}
}

func TestReadLabelledErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "x.csv:1: empty file"},
		{"no thread column", "Topic,Technique\na,b\n", "x.csv:1: header"},
		{"no label column", "Topic,Thread\na,/t/a/1\n", "x.csv:1: header has neither"},
		{"no link", "Topic,Thread,Technique\na,/t/a/1,X\nb,,Y\n", "x.csv:3: no thread link"},
		{"not a thread", "Topic,Thread,Technique\na,mailto:x,X\n", "x.csv:2: thread link"},
		{"cells", "Topic,Thread,Technique\na,/t/a/1,X\nb,/t/b/2\n", "x.csv:3:"},
		{"quote", "Topic,Thread,Technique\na,/t/a/1,X\n\"b,/t/b/2,Y\n", "x.csv:3:"},
		{"not utf-8", "Topic,Thread,Technique\n\xff,/t/a/1,X\n", "x.csv:2: not UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := threat.ReadLabelled(strings.NewReader(tc.in), "x.csv")
			var pe *threat.ParseError
			if err == nil || !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v, want a ParseError starting %q", err, tc.want)
			}
		})
	}
}

func TestThreadKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://hackforums.net/showthread.php?tid=6105591", "hackforums.net/tid/6105591"},
		{"https://www.HackForums.net/showthread.php?tid=6204382&action=newpost", "hackforums.net/tid/6204382"},
		{"https://hackforums.net/showthread.php?pid=1&tid=42", "hackforums.net/tid/42"},
		{"/t/xorcry-a-simple-python-ransomware/31148/2", "0x00sec.org/t/31148"},
		{"https://0x00sec.org/t/some-topic/624", "0x00sec.org/t/624"},
		{"https://forum.example/threads/x.12/#post-3", "https://forum.example/threads/x.12/"},
		{"not a link", ""},
	} {
		got, ok := threat.ThreadKey(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("ThreadKey(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func TestRepairMojibake(t *testing.T) {
	for in, want := range map[string]string{
		"‚òÖ‚òÖULTIMATE‚òÖ‚òÖ": "★★ULTIMATE★★",
		"*~¬∞¬∞Easy¬∞¬∞~*":     "*~°°Easy°°~*",
		"plain ascii":          "plain ascii",
		"déjà vu":              "déjà vu", // not Mac Roman mojibake: kept
		"“quoted”":             "“quoted”",
	} {
		if got := threat.RepairMojibake(in); got != want {
			t.Errorf("RepairMojibake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadFamilies(t *testing.T) {
	rc, _ := openFixture("families.csv")
	defer rc.Close()
	fams, err := threat.ReadFamilies(rc, "families.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []threat.Family{
		{Name: "Examplelocker", Reports: []string{"https://a.example/r1", "https://b.example/r2"}, Line: 2, Techniques: map[string][]string{
			"Initial Access": {"Phishing", "Valid Accounts"}, "Impact": {"Data Encrypted for Impact", "Inhibit System Recovery"}}},
		{Name: "Tinycrypt", Reports: []string{"https://c.example/r3"}, Line: 3, Techniques: map[string][]string{"Impact": {"Data Encrypted for Impact"}}},
	}
	if diff := cmp.Diff(want, fams); diff != "" {
		t.Errorf("families (-want +got):\n%s", diff)
	}
	for _, tc := range []struct{ in, want string }{
		{"Name,Report\n", "f.csv:1: header"},
		{"Ransomware,Report,Impact\n,https://x,Y\n", "f.csv:2: no family name"},
		{"Ransomware,Report,Impact\nA,https://x\n", "f.csv:2:"},
	} {
		if _, err := threat.ReadFamilies(strings.NewReader(tc.in), "f.csv"); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("ReadFamilies(%q) error %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestReadKinds(t *testing.T) {
	rc, _ := openFixture("kinds.tsv")
	defer rc.Close()
	k, err := threat.ReadKinds(rc, "kinds.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"0x00sec.org/t/1201": "release", "0x00sec.org/t/1202": "request", "forum.example/tid/501": "trade"}, k); diff != "" {
		t.Error(diff)
	}
	for _, tc := range []struct{ in, want string }{
		{"a\tnonsense\n", "k:1: unknown kind"},
		{"# c\n\njust-a-key\n", "k:3: want"},
		{"a\trelease\na\tleak\n", "k:2: thread a labelled twice"},
	} {
		if _, err := threat.ReadKinds(strings.NewReader(tc.in), "k"); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("ReadKinds(%q) error %v, want %q", tc.in, err, tc.want)
		}
	}
}

// The shipped hand labels read, name threads by ThreadKey's form and
// cover every kind but none too thinly to evaluate.
func TestHandKinds(t *testing.T) {
	k := threat.HandKinds()
	if len(k) < 150 || len(k) > 300 {
		t.Fatalf("%d hand labels, want 150–300", len(k))
	}
	n := map[string]int{}
	for key, kind := range k {
		if got, ok := threat.ThreadKey("https://" + strings.Replace(key, "/tid/", "/showthread.php?tid=", 1)); !ok || got != key {
			t.Errorf("label key %q is not a thread key (%q)", key, got)
		}
		n[kind]++
	}
	for _, kind := range threat.Kinds {
		if n[kind] < 3 {
			t.Errorf("kind %s has %d labels, fewer than the 3 a class needs", kind, n[kind])
		}
	}
}

func FuzzReadLabelled(f *testing.F) {
	for _, n := range []string{"topics.csv", "annotated.csv", "links.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("Topic,Thread,Technique\n\"a\nb\",/t/x/1,\"NA, na\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := threat.ReadLabelled(strings.NewReader(in), "f.csv")
		if err != nil {
			var pe *threat.ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		for _, r := range rows {
			if r.Thread == "" || r.Line < 2 {
				t.Fatalf("row without thread or line: %+v", r)
			}
		}
	})
}

func FuzzReadFamilies(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "families.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Fuzz(func(t *testing.T, in string) {
		fams, err := threat.ReadFamilies(strings.NewReader(in), "f.csv")
		if err != nil {
			var pe *threat.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		for _, fam := range fams {
			if fam.Name == "" {
				t.Fatal("family without a name")
			}
		}
	})
}

func FuzzReadKinds(f *testing.F) {
	f.Add("# x\na\trelease\nb\tleak\n")
	f.Fuzz(func(t *testing.T, in string) {
		k, err := threat.ReadKinds(strings.NewReader(in), "k")
		if err != nil {
			return
		}
		for key, kind := range k {
			if key == "" || kind == "" {
				t.Fatalf("empty key or kind: %q %q", key, kind)
			}
		}
	})
}
