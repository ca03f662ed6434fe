package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type repLine struct {
	Domain     string   `json:"domain"`
	Reputation string   `json:"reputation"`
	Score      float64  `json:"score"`
	Category   string   `json:"category"`
	Tags       []string `json:"tags"`
	Reasons    []string `json:"reasons"`
}

func decodeLines(t *testing.T, out string) []repLine {
	t.Helper()
	var rs []repLine
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r repLine
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		rs = append(rs, r)
	}
	return rs
}

func TestReputationKeepsOrderAndReportsInvalid(t *testing.T) {
	c := newCLI(t)
	stdin := "kernel.org\n\n# a comment\nnot a domain\nxkqzvbnmwrtplk.top\nhttp://x.com/a\nkx7.duckdns.org\n"
	out, errOut, err := c.run(stdin, "reputation", "first.example.org", "-", "Last.Example.ORG")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	rs := decodeLines(t, out)
	var got []string
	for _, r := range rs {
		got = append(got, r.Domain+" "+r.Reputation)
	}
	want := []string{"first.example.org ", "kernel.org ", "not a domain invalid", "xkqzvbnmwrtplk.top malicious",
		"http://x.com/a invalid", "kx7.duckdns.org ", "last.example.org "}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(got), len(want), out)
	}
	for i := range want {
		// Only the order and the invalid/obvious verdicts are fixed here;
		// other reputations depend on the model.
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d: %q, want %q…", i+1, got[i], want[i])
		}
	}
	if rs[2].Reasons[0] == "" || rs[4].Reasons[0] != "a URL or path, not a bare domain" {
		t.Errorf("invalid reasons: %q, %q", rs[2].Reasons, rs[4].Reasons)
	}
	if !strings.Contains(strings.Join(rs[5].Tags, ","), "dynamic-dns") {
		t.Errorf("dynamic-DNS name without its tag: %+v", rs[5])
	}
	if rs[3].Category == "" || rs[3].Category == "benign" {
		t.Errorf("malicious name without a category: %+v", rs[3])
	}
	if !strings.Contains(out, `"tags":[]`) && !strings.Contains(out, `"reasons":[`) {
		t.Errorf("empty lists must print as []: %s", out)
	}
}

func TestReputationWhitelistAndFlags(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	wl := filepath.Join(dir, "wl.txt")
	os.WriteFile(wl, []byte("# ours\nduckdns.org\n"), 0o644)
	out := c.ok("reputation", "--whitelist", wl, "kx7.duckdns.org")
	if r := decodeLines(t, out)[0]; r.Reputation != "benign" || r.Reasons[0] != "whitelisted (duckdns.org)" {
		t.Errorf("whitelisted: %+v", r)
	}
	os.WriteFile(wl, []byte("fine.org\nnot a domain\n"), 0o644)
	if _, _, err := c.run("", "reputation", "--whitelist", wl, "a.org"); err == nil || !strings.Contains(errorLine(err), "wl.txt:2") {
		t.Errorf("bad whitelist: %v", err)
	}
	if _, _, err := c.run("", "reputation", "--format", "xml", "a.org"); exitCode(err) != 2 {
		t.Errorf("bad format: %v", err)
	}
	if _, _, err := c.run("", "reputation"); exitCode(err) != 2 {
		t.Errorf("no domains: %v", err)
	}
	out = c.ok("reputation", "--format", "table", "kernel.org")
	if !strings.HasPrefix(out, "DOMAIN") || !strings.Contains(out, "kernel.org") {
		t.Errorf("table:\n%s", out)
	}
}

// writeLabelled writes a small labelled CSV in the shape of domains.csv.gz.
func writeLabelled(t *testing.T, path string, extra string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("domain,label,category,family,rank,source\n")
	syl := []string{"ka", "ro", "mi", "ne", "lo", "ta", "ver", "sun", "bel", "dor"}
	for i := range 300 {
		fmt.Fprintf(&b, "%s%s%s.org,benign,benign,,%d,tranco\n", syl[i%10], syl[(i/10)%10], syl[(i/100)%10], i+1)
	}
	cats := []string{"ransomware", "apt", "botnet", "stealer", "malware_other"}
	for f := range 30 {
		for j := range 15 {
			fmt.Fprintf(&b, "%s%d%c%cq%d.top,malicious,%s,fam%d,,maltrail:x\n", strings.Repeat("x", 1+f%3), f*100+j, 'a'+byte(f%20), 'z'-byte(j), j, cats[f%5], f)
		}
	}
	b.WriteString(extra)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTrainReputation(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "labelled.csv")
	writeLabelled(t, data, "bad.top,malicious\n")
	_, _, err := c.run("", "train", "reputation", "--data", data)
	if err == nil || !strings.Contains(errorLine(err), "line 752") || !strings.Contains(errorLine(err), "--skip-bad") {
		t.Fatalf("malformed row: %v, want an error naming line 752", err)
	}
	out := c.ok("train", "reputation", "--data", data, "--skip-bad", "--format", "json")
	var res struct {
		Model string `json:"model"`
		Read  struct {
			Rows, Skipped int
			SkippedLines  []int `json:"skipped_lines"`
		} `json:"read"`
		Info struct {
			TargetFPR float64 `json:"target_fpr"`
		} `json:"info"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Read.Rows != 750 || res.Read.Skipped != 1 || !cmp.Equal(res.Read.SkippedLines, []int{752}) || res.Info.TargetFPR != 0.02 {
		t.Errorf("train result: %+v", res)
	}
	// The trained model is stored in the base, and spoor reputation uses
	// it from then on: it knows the training names' popularity.
	if res.Model != "stored model 1" {
		t.Errorf("model %q, want stored model 1", res.Model)
	}
	r := decodeLines(t, c.ok("reputation", "karomi.org"))[0]
	if r.Reputation != "benign" || !strings.Contains(r.Reasons[0], "popularity list (rank 211)") {
		t.Errorf("after training: %+v", r)
	}
	// --out writes a file instead, which --model reads.
	file := filepath.Join(dir, "model.json.gz")
	c.ok("train", "reputation", "--data", data, "--skip-bad", "--out", file, "--fpr", "0.05")
	if r := decodeLines(t, c.ok("reputation", "--model", file, "karomi.org"))[0]; r.Reputation != "benign" {
		t.Errorf("with --model: %+v", r)
	}
	if _, _, err := c.run("", "train", "reputation"); exitCode(err) != 2 {
		t.Errorf("no --data: %v", err)
	}
	if _, _, err := c.run("", "train", "nothing"); exitCode(err) != 2 {
		t.Errorf("unknown model: %v", err)
	}
	bad := filepath.Join(dir, "bad-model.json.gz")
	os.WriteFile(bad, []byte("{}"), 0o644)
	if _, _, err := c.run("", "reputation", "--model", bad, "a.org"); err == nil || !strings.Contains(errorLine(err), "bad-model.json.gz") {
		t.Errorf("bad model: %v", err)
	}
}

// TestImportVTDomain: reports are read from a file or a directory, one bad
// report stores nothing and names its file and line, and a stored report
// reaches spoor reputation's rules.
func TestImportVTDomain(t *testing.T) {
	c := newCLI(t)
	fixtures := filepath.Join("..", "..", "internal", "reputation", "testdata", "vt")
	_, _, err := c.run("", "import", "vt-domain", fixtures)
	if err == nil || !strings.Contains(errorLine(err), "not-domain.json:1") {
		t.Fatalf("a directory with a bad report: %v, want an error naming not-domain.json:1", err)
	}
	if r := decodeLines(t, c.ok("reputation", "secure-login-paypa1.top"))[0]; strings.Contains(strings.Join(r.Reasons, " "), "VirusTotal") {
		t.Errorf("a failed import stored a report: %+v", r)
	}
	dir := t.TempDir()
	for _, name := range []string{"bad-domain.json", "reports.jsonl"} {
		b, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	out := c.ok("import", "vt-domain", dir)
	if !strings.Contains(out, "3 VirusTotal domain reports in 2 files: 3 stored") {
		t.Errorf("import: %s", out)
	}
	r := decodeLines(t, c.ok("reputation", "secure-login-paypa1.top"))[0]
	if r.Reputation != "malicious" || !strings.Contains(strings.Join(r.Reasons, " "), "rule vt-detections") {
		t.Errorf("with its report: %+v", r)
	}
	if out := c.ok("import", "vt-domain", filepath.Join(dir, "bad-domain.json")); !strings.Contains(out, "1 stored") {
		t.Errorf("the same report again: %s", out)
	}
}

// TestReputationEvidence: a name a credible feed lists, imported with
// spoor import, is rated with that listing among its reasons, and so is
// a new subdomain through its parent; --evidence=false rates the spelling
// alone.
func TestReputationEvidence(t *testing.T) {
	c := newCLI(t)
	list := filepath.Join(t.TempDir(), "c2.txt")
	if err := os.WriteFile(list, []byte("# C2 names\nkite-relay.net\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("import", "trail", "--source", "vendor-c2", "--credibility", "1", list)
	rs := decodeLines(t, c.ok("reputation", "kite-relay.net", "new.kite-relay.net"))
	if all := strings.Join(rs[0].Reasons, "\n"); rs[0].Reputation != "malicious" ||
		!strings.Contains(all, "rule listed-by-feed (+3.0): in 1 feed (credibility 1.0 max): vendor-c2") {
		t.Errorf("listed name: %s\n%s", rs[0].Reputation, all)
	}
	if all := strings.Join(rs[1].Reasons, "\n"); !strings.Contains(all, "rule parent-malicious (+1.5): parent kite-relay.net is malicious") {
		t.Errorf("new subdomain of a listed name:\n%s", all)
	}
	for _, r := range decodeLines(t, c.ok("reputation", "--evidence=false", "kite-relay.net", "new.kite-relay.net")) {
		if all := strings.Join(r.Reasons, "\n"); strings.Contains(all, "listed-by-feed") || strings.Contains(all, "parent-") {
			t.Errorf("--evidence=false: %s still rated on the base:\n%s", r.Domain, all)
		}
	}
}
