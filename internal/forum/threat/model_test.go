package threat_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/forum/threat"
)

// fixtureNames is a small ATT&CK name table.
func fixtureNames() *threat.Names {
	return threat.NewNames([]threat.TechniqueName{
		{ID: "T1056", Name: "Input Capture"}, {ID: "T1027", Name: "Obfuscated Files or Information"},
		{ID: "T1036", Name: "Masquerading"}, {ID: "T1110", Name: "Brute Force"}, {ID: "T1078", Name: "Valid Accounts"},
		{ID: "T1587", Name: "Develop Capabilities"}, {ID: "T1219", Name: "Remote Access Software"},
		{ID: "T1566", Name: "Phishing"}, {ID: "T1589", Name: "Gather Victim Identity Information"},
		{ID: "T1566.001", Name: "Phishing"}, // a sub-technique of the same name loses to its parent
	})
}

func TestNames(t *testing.T) {
	n := fixtureNames()
	for _, tc := range []struct{ in, id, how string }{
		{"input capture", "T1056", "exact"},
		{"Obfuscated files or information", "T1027", "exact"},
		{"Phishing", "T1566", "exact"},
		{"Develop capability", "T1587", "plural"},
		{"Remote Access Softwares", "T1219", "plural"},
		{"Gather Victim Identify Information", "T1589", "edit"},
		{"Teleportation", "", ""},
		{"Phish", "", ""}, // short names need an exact match
	} {
		got, how, ok := n.Technique(tc.in)
		if got.ID != tc.id || how != tc.how || ok != (tc.id != "") {
			t.Errorf("Technique(%q) = %s %s %v, want %s %s", tc.in, got.ID, how, ok, tc.id, tc.how)
		}
	}
	for in, want := range map[string]string{
		"Defense evasion": "defense-evasion", "Reconassiance": "reconnaissance", "Persisitence": "persistence",
		"Persistenace": "persistence", "Control and Command": "command-and-control", "TA0040": "impact", "User Execution": "",
	} {
		got, ok := threat.ResolveTactic(in)
		if got.ShortName != want || ok != (want != "") {
			t.Errorf("ResolveTactic(%q) = %q, want %q", in, got.ShortName, want)
		}
	}
}

func TestBuild(t *testing.T) {
	rows := readFixture(t, "topics.csv", "annotated.csv", "links.csv")
	rc, _ := openFixture("kinds.tsv")
	kinds, err := threat.ReadKinds(rc, "kinds.tsv")
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	ds := threat.Build(rows, fixtureNames(), kinds)
	type ex struct {
		Threads []string
		Labels  map[threat.Target][]string
	}
	var got []ex
	for _, e := range ds.Examples {
		got = append(got, ex{e.Threads, e.Labels})
	}
	want := []ex{
		{[]string{"0x00sec.org/t/1201"}, map[threat.Target][]string{"technique": {"T1056"}, "tactic": {"collection"}, "kind": {"release"}}},
		{[]string{"0x00sec.org/t/1202"}, map[threat.Target][]string{"technique": {"none"}, "tactic": {"none"}, "kind": {"request"}}},
		{[]string{"0x00sec.org/t/1203"}, map[threat.Target][]string{"technique": {"T1027", "T1036"}, "tactic": {"defense-evasion"}}},
		// Two threads of one title are one example; the link-only file
		// adds its technique to the thread it names.
		{[]string{"forum.example/tid/501", "forum.example/tid/777"}, map[threat.Target][]string{
			"technique": {"T1110", "T1078", "T1566"}, "tactic": {"credential-access"}, "role": {"Buyer"}, "kind": {"trade"}}},
		{[]string{"forum.example/tid/502"}, map[threat.Target][]string{"technique": {"T1587"}, "tactic": {"resource-development"}, "role": {"Author"}}},
		{[]string{"forum.example/tid/503"}, map[threat.Target][]string{"technique": {"T1219"}, "tactic": {"command-and-control"}}},
		{[]string{"forum.example/tid/504"}, map[threat.Target][]string{"tactic": {"reconnaissance"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("examples (-want +got):\n%s", diff)
	}
	if ds.Untitled != 1 || ds.Rows != 11 || ds.Threads != 9 || ds.KindLabels != 3 {
		t.Errorf("counts: untitled %d rows %d threads %d kinds %d", ds.Untitled, ds.Rows, ds.Threads, ds.KindLabels)
	}
	if diff := cmp.Diff(map[string]int{"Teleportation": 1}, ds.Resolution.Unmatched); diff != "" {
		t.Errorf("unmatched names: %s", diff)
	}
	if r := ds.Resolution; r.Plural != 2 || r.TechniqueNames != 12 {
		t.Errorf("resolution %+v", r)
	}
	if e := ds.Examples[3]; !strings.Contains(e.Text(), "telegram @mailbuyer01") || !strings.HasPrefix(e.Text(), "Need someone") {
		t.Errorf("text of the joined example: %q", e.Text())
	}
}

// GroupFolds never splits a group and keeps the folds even.
func TestGroupFoldsNeverSplitsAGroup(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 20; trial++ {
		groups := make([]int, 200+rng.IntN(200))
		for i := range groups {
			groups[i] = rng.IntN(60)
		}
		k := 2 + rng.IntN(5)
		folds := GroupFoldsOf(groups, k, uint64(trial))
		foldOf := map[int]int{}
		size := make([]int, k)
		for i, g := range groups {
			if f, ok := foldOf[g]; ok && f != folds[i] {
				t.Fatalf("trial %d: group %d in folds %d and %d", trial, g, f, folds[i])
			}
			foldOf[g] = folds[i]
			size[folds[i]]++
		}
		for f, n := range size {
			if n == 0 {
				t.Fatalf("trial %d: fold %d empty", trial, f)
			}
		}
	}
	if diff := cmp.Diff(GroupFoldsOf([]int{5, 1, 5, 2, 3}, 2, 9), GroupFoldsOf([]int{5, 1, 5, 2, 3}, 2, 9)); diff != "" {
		t.Error("folds depend on more than the seed")
	}
}

var GroupFoldsOf = threat.GroupFolds

// No title of the real data sits on both sides of a fold: rows of one
// thread, and threads of one title, share a group.
func TestBuildGroupsTitlesAcrossFiles(t *testing.T) {
	in := "Topic,Thread,Technique\nSame Title,https://f.example/showthread.php?tid=1,Phishing\n" +
		"same   title,https://f.example/showthread.php?tid=2,Brute Force\nOther,https://f.example/showthread.php?tid=3,Phishing\n"
	rows, err := threat.ReadLabelled(strings.NewReader(in), "a.csv")
	if err != nil {
		t.Fatal(err)
	}
	links := "thread_link,TECHNIQUE\nhttps://f.example/showthread.php?tid=2,Valid Accounts\nhttps://f.example/showthread.php?tid=3&page=2,Masquerading\n"
	more, err := threat.ReadLabelled(strings.NewReader(links), "b.csv")
	if err != nil {
		t.Fatal(err)
	}
	ds := threat.Build(append(rows, more...), fixtureNames(), nil)
	if len(ds.Examples) != 2 {
		t.Fatalf("%d examples, want 2 (tid 1 and 2 share a title)", len(ds.Examples))
	}
	xs := ds.For(threat.TargetTechnique)
	titles := map[int]string{}
	for _, x := range xs {
		t0, _, _ := strings.Cut(strings.ToLower(x.Text), "\n")
		titles[x.Group] = strings.Join(strings.Fields(t0), " ")
	}
	seen := map[string]int{}
	for g, title := range titles {
		if h, ok := seen[title]; ok && h != g {
			t.Fatalf("title %q in groups %d and %d", title, h, g)
		}
		seen[title] = g
	}
	if got := ds.Examples[0].Labels[threat.TargetTechnique]; !cmp.Equal(got, []string{"T1566", "T1110", "T1078"}) {
		t.Errorf("labels of the joined threads: %v", got)
	}
}

// separable builds threads whose class is written in their words, each
// thread posted twice under two keys with one title.
func separable(n int, seed uint64) *threat.Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	vocab := map[string][]string{
		"T1110": {"bruteforce", "cracker", "combo", "wordlist", "hydra"},
		"T1566": {"phishing", "scampage", "spoofed", "lure", "mailer"},
		"T1219": {"rat", "remote", "njrat", "darkcomet", "slave"},
	}
	noise := []string{"help", "need", "best", "free", "new", "guide", "working", "2020"}
	var b strings.Builder
	b.WriteString("Topic,Thread,Technique,Role\n")
	ids := []string{"T1110", "T1566", "T1219"}
	names := map[string]string{"T1110": "Brute Force", "T1566": "Phishing", "T1219": "Remote Access Software"}
	roles := map[string]string{"T1110": "Buyer", "T1566": "Author", "T1219": "Vendor"}
	for i := 0; i < n; i++ {
		id := ids[i%3]
		var w []string
		for j := 0; j < 4; j++ {
			w = append(w, vocab[id][rng.IntN(5)], noise[rng.IntN(len(noise))])
		}
		title := fmt.Sprintf("%s %d", strings.Join(w, " "), i)
		for copy := 0; copy < 2; copy++ {
			fmt.Fprintf(&b, "%s,https://f.example/showthread.php?tid=%d,%s,%s\n", title, 2*i+copy, names[id], roles[id])
		}
	}
	rows, err := threat.ReadLabelled(strings.NewReader(b.String()), "sep.csv")
	if err != nil {
		panic(err)
	}
	return threat.Build(rows, fixtureNames(), nil)
}

func TestClassifierBeatsMajority(t *testing.T) {
	ds := separable(150, 1)
	opt := threat.DefaultOptions()
	opt.FastText.Epochs = 30
	ev, err := threat.Evaluate(ds, opt)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]threat.Score{}
	for _, r := range ev.Rows {
		got[string(r.Target)+"/"+r.Model] = r
	}
	for _, target := range []string{"technique", "role"} {
		base := got[target+"/majority"]
		if base.Examples != 150 || base.Accuracy > 0.4 {
			t.Errorf("%s majority: %+v", target, base)
		}
		for _, m := range []string{"linear", "fasttext"} {
			if s := got[target+"/"+m]; s.Accuracy < 0.9 || s.MacroF1 < 0.9 {
				t.Errorf("%s %s: accuracy %.3f macro-F1 %.3f, want ≥ 0.9 on separable threads", target, m, s.Accuracy, s.MacroF1)
			}
		}
	}
	if _, ok := got["kind/majority"]; ok {
		t.Error("kind evaluated without kind labels")
	}
}

func TestSaveLoadSamePredictions(t *testing.T) {
	ds := separable(60, 2)
	opt := threat.DefaultOptions()
	opt.FastText.Epochs = 10
	m, err := threat.Train(ds, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	saved := buf.Bytes()
	back, err := threat.Load(bytes.NewReader(saved))
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"hydra combo wordlist", "phishing scampage", "njrat slave", "", "nothing known here"} {
		if diff := cmp.Diff(m.Classify(text, 3, 0), back.Classify(text, 3, 0)); diff != "" {
			t.Errorf("%q: loaded model differs (-saved +loaded):\n%s", text, diff)
		}
	}
	if diff := cmp.Diff(m.Info, back.Info); diff != "" {
		t.Errorf("info differs: %s", diff)
	}
	// Training again with the same seed gives the same file.
	m2, err := threat.Train(ds, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf2 bytes.Buffer
	if err := m2.Save(&buf2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(saved, buf2.Bytes()) {
		t.Error("training is not reproducible with a fixed seed")
	}
	if _, err := threat.Load(bytes.NewReader(saved[:len(saved)/2])); !errors.Is(err, threat.ErrTruncated) {
		t.Errorf("truncated file: %v", err)
	}
	if _, err := threat.Load(strings.NewReader("this is a plain text file, not a model")); err == nil || !strings.Contains(err.Error(), "not a spoor-forum-threat file") {
		t.Errorf("other file: %v", err)
	}
}

func TestDefaultModel(t *testing.T) {
	m, err := threat.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range threat.Targets {
		if len(m.Classes(target)) < 2 || m.Info.Models[target] == "" {
			t.Errorf("built-in model has no %s classifier", target)
		}
	}
	l := m.Classify("[TUT] How to crypt your RAT and make it FUD", 2, 0)
	if k, _ := l.Top(threat.TargetKind); k.Label != "tutorial" {
		t.Errorf("kind of a [TUT] title: %+v", l[threat.TargetKind])
	}
}

func TestResolveFamilies(t *testing.T) {
	rc, _ := openFixture("families.csv")
	defer rc.Close()
	fams, err := threat.ReadFamilies(rc, "families.csv")
	if err != nil {
		t.Fatal(err)
	}
	n := threat.NewNames([]threat.TechniqueName{{ID: "T1566", Name: "Phishing"}, {ID: "T1078", Name: "Valid Accounts"}, {ID: "T1486", Name: "Data Encrypted for Impact"}})
	got := n.ResolveFamilies(fams)
	want := threat.FamilyResolution{Families: 2, Names: 5, Resolved: 4, Unmatched: map[string]int{"Inhibit System Recovery": 1},
		Techniques: map[string][]string{"Examplelocker": {"T1078", "T1486", "T1566"}, "Tinycrypt": {"T1486"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestKindByRules(t *testing.T) {
	for in, want := range map[string]string{
		"[TUT] SQLMap usage":                    "tutorial",
		"WTS fresh fullz, 10$ each":             "trade",
		"Cheap DDoS service, 24/7":              "service",
		"Hiring coders for a crew":              "recruitment",
		"Million email:pass combo hits":         "leak",
		"GhostRat v0.1 released":                "release",
		"how do i hide my ip?":                  "request",
		"I'm an old hacker, times have changed": "discussion",
	} {
		if got := threat.KindByRules(in); got != want {
			t.Errorf("KindByRules(%q) = %s, want %s", in, got, want)
		}
	}
}
