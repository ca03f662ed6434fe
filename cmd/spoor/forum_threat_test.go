package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/forum/threat"
)

// forumDataDir writes a data directory with the five labelled forum files
// and an ATT&CK bundle of three techniques: threads whose words say their
// technique, tactic and role.
func forumDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "hacker-forum"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "mitre-attack"), 0o755); err != nil {
		t.Fatal(err)
	}
	var objs []string
	for i, tc := range [][3]string{{"T1110", "Brute Force", "credential-access"}, {"T1566", "Phishing", "initial-access"}, {"T1219", "Remote Access Software", "command-and-control"}} {
		objs = append(objs, fmt.Sprintf(`{"type":"attack-pattern","id":"attack-pattern--0000000%d-0000-4000-8000-000000000000","name":%q,`+
			`"kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":%q}],"external_references":[{"source_name":"mitre-attack","external_id":%q}]}`, i, tc[1], tc[2], tc[0]))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	fmt.Fprintf(zw, `{"type":"bundle","id":"bundle--1","objects":[%s]}`, strings.Join(objs, ","))
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "mitre-attack", "enterprise-attack-13.1.json.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	words := map[string][]string{
		"Brute Force":            {"bruteforce", "cracker", "combo", "wordlist"},
		"Phishing":               {"phishing", "scampage", "lure", "mailer"},
		"Remote Access Software": {"rat", "njrat", "slave", "darkcomet"},
	}
	tactic := map[string]string{"Brute Force": "Credential Access", "Phishing": "Initial Access", "Remote Access Software": "Command and Control"}
	role := map[string]string{"Brute Force": "Buyer", "Phishing": "Author", "Remote Access Software": "Information Seeker"}
	var b strings.Builder
	b.WriteString("Topic,Technique,Tactic,Role,Thread,Content\n")
	names := []string{"Brute Force", "Phishing", "Remote Access Software"}
	for i := 0; i < 45; i++ {
		n := names[i%3]
		w := words[n]
		fmt.Fprintf(&b, "%s %s %s thread %d,%s,%s,%s,https://f.example/showthread.php?tid=%d,\n", w[i%4], w[(i+1)%4], w[(i+2)%4], i, n, tactic[n], role[n], i)
	}
	files := map[string]string{
		"0x00sec_topics_technique.csv":       "Topic,Thread,Tactic,Technique\nXOR ransomware,/t/xor/1,Impact,NA\n",
		"hackforums_topics_technique.csv":    "Topic,Technique,Tactic,Thread\n",
		"hackforums_threads_annotated_a.csv": b.String(),
		"hackforums_threads_annotated_b.csv": "Topic,Technique,Tactic,Thread,Note,Content\n",
		"hackforums_threads_annotated_c.csv": "thread_link,TACTIC,TECHNIQUE,NOTE\nhttps://f.example/showthread.php?tid=1,,Teleportation,\n",
	}
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, "hacker-forum", n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestEvalTrainClassifyForum(t *testing.T) {
	c := newCLI(t)
	dir := forumDataDir(t)
	out, errOut, err := c.run("", "eval", "forum", "--data", dir, "--format", "json", "--folds", "3")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	var ev forumEvaluation
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Dataset.Resolution.Unmatched["Teleportation"] != 1 {
		t.Errorf("unmatched names not reported: %+v", ev.Dataset.Resolution)
	}
	scores := map[string]threat.Score{}
	for _, r := range ev.Evaluation.Rows {
		scores[string(r.Target)+"/"+r.Model] = r
	}
	for _, target := range []string{"technique", "tactic", "role"} {
		base := scores[target+"/majority"]
		lin := scores[target+"/linear"]
		if base.Examples != 45 || lin.MacroF1 <= base.MacroF1 || lin.Accuracy < 0.9 {
			t.Errorf("%s: linear %+v, majority %+v", target, lin, base)
		}
	}
	table, _, err := c.run("", "eval", "forum", "--data", dir, "--folds", "3")
	if err != nil || !strings.Contains(table, "MACRO-F1") || !strings.Contains(table, "Teleportation (1)") {
		t.Errorf("table output (%v):\n%s", err, table)
	}

	model := filepath.Join(t.TempDir(), "forum.gz")
	if out, errOut, err = c.run("", "train", "forum", "--data", dir, "-o", model); err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	if !strings.Contains(out, "wrote "+model) || !strings.Contains(out, "technique: ") {
		t.Errorf("train output: %s", out)
	}
	out, errOut, err = c.run("", "forum", "classify", "--model", model, "njrat slave darkcomet", "phishing scampage lure")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	for i, want := range []string{"T1219", "T1566"} {
		var o forumClassifyOutput
		if err := json.Unmarshal([]byte(lines[i]), &o); err != nil {
			t.Fatal(err)
		}
		if o.Input != i+1 || o.Labels[threat.TargetTechnique][0].Label != want {
			t.Errorf("line %d: input %d technique %+v, want %s", i, o.Input, o.Labels[threat.TargetTechnique], want)
		}
	}
	if _, _, err := c.run("", "train", "forum", "--data", dir); err == nil || exitCode(err) != 2 {
		t.Errorf("train forum without -o: %v", err)
	}
	if _, _, err := c.run("", "eval", "forum", "--data", t.TempDir()); err == nil || !strings.Contains(err.Error(), "enterprise-attack") {
		t.Errorf("eval forum on an empty directory: %v", err)
	}
}

// spoor forum classify: arguments and stdin lines in input order, one
// JSON object each, with the built-in model.
func TestForumClassify(t *testing.T) {
	c := newCLI(t)
	stdin := "Selling fresh CC with CVV, 10$ each, telegram @cardshop01\n\n[TUT] How to make your RAT FUD\n"
	out, errb, err := c.run(stdin, "forum", "classify", "--format", "jsonl", "WTB RDP access, paying 0.01 BTC", "-")
	if err != nil {
		t.Fatalf("%v: %s", err, errb)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	wantText := []string{"WTB RDP access, paying 0.01 BTC", "Selling fresh CC with CVV, 10$ each, telegram @cardshop01", "[TUT] How to make your RAT FUD"}
	if len(lines) != len(wantText) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(wantText), out)
	}
	for i, l := range lines {
		var o forumClassifyOutput
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatal(err)
		}
		if o.Input != i+1 || o.Text != wantText[i] {
			t.Errorf("line %d: input %d text %q", i, o.Input, o.Text)
		}
		for _, target := range threat.Targets {
			if len(o.Labels[target]) == 0 {
				t.Errorf("line %d: no %s label", i, target)
			}
		}
		if o.Event.Title != wantText[i] {
			t.Errorf("line %d: event title %q", i, o.Event.Title)
		}
	}
	var second forumClassifyOutput
	_ = json.Unmarshal([]byte(lines[1]), &second)
	kinds := map[string]string{}
	for _, e := range second.Entities {
		kinds[e.Type+"/"+e.Kind] = e.Text
	}
	if kinds["price/USD"] != "10$" || kinds["contact/telegram"] != "cardshop01" {
		t.Errorf("entities of the second line: %+v", second.Entities)
	}

	for _, args := range [][]string{{}, {"--format", "xml", "x"}, {"--min-score", "2", "x"}, {"--nope", "x"}} {
		_, _, err := c.run("", append([]string{"forum", "classify"}, args...)...)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
	if _, _, err := c.run("", "forum", "classify", "--model", filepath.Join(t.TempDir(), "none.gz"), "x"); err == nil || !strings.Contains(err.Error(), "none.gz") {
		t.Errorf("missing model: %v", err)
	}
}

// forum classify --link names the stored group and software a post
// mentions by alias, and the event carries them.
func TestForumClassifyLink(t *testing.T) {
	c := newCLI(t)
	c.ok("import", "stix", "testdata/attack-small.json")
	out := c.ok("forum", "classify", "--link", "Selling X-Agent builds, same crew as Fancy Bear; mimikatz included")
	var o forumClassifyOutput
	if err := json.Unmarshal([]byte(out), &o); err != nil {
		t.Fatal(err)
	}
	linked := map[string]string{}
	for _, e := range o.Entities {
		if e.Link != nil {
			linked[e.Link.Name] = e.Type
		}
	}
	for name, kind := range map[string]string{"APT28": "group", "CHOPSTICK": "malware", "Mimikatz": "tool"} {
		if linked[name] != kind {
			t.Errorf("%s not linked as %s: %v", name, kind, linked)
		}
	}
	if o.Event.GroupLabel != "APT28" || o.Event.GroupID == 0 {
		t.Errorf("event group %q %d", o.Event.GroupLabel, o.Event.GroupID)
	}
	for _, s := range []string{"CHOPSTICK", "Mimikatz"} {
		found := false
		for _, x := range o.Event.Software {
			found = found || x == s
		}
		if !found {
			t.Errorf("event software %v lacks %s", o.Event.Software, s)
		}
	}
}
