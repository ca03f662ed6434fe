package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/sample/sampletest"
)

func TestAttributeSampleRefusesNonPE(t *testing.T) {
	c := similarCLI(t)
	dir := t.TempDir()
	for name, body := range map[string]string{"notes.txt": "plain text, not a PE", "cut.exe": "MZ\x90\x00"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := c.run("", "attribute", "--sample", p)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("attribute --sample %s: %v, want an error naming the file", name, err)
		}
	}
}

// TestAttributeSampleOnStdin: a PE given as the one input is read as a
// sample (never run): its hash, a known indicator of one group's files,
// puts that group first.
func TestAttributeSampleOnStdin(t *testing.T) {
	c := similarCLI(t)
	exe := sampletest.BuildPE(1577880000, []byte("beacon to update.gamma-c2.example every hour\x00"))
	sum := sha256.Sum256(exe)
	var csv strings.Builder
	csv.WriteString("group,campaign_or_file,ioc_type,ioc_value,date,date_kind,source_path,source,actor_kind,attack_group_id,attack_group_name\n")
	for i := range 3 {
		fmt.Fprintf(&csv, "Gamma Panda,gamma-%d.txt,sha256,%x,2023-0%d-01,repo_first_added,lab:gamma-%d.txt,lab,apt,G0903,Gamma Panda\n", i, sum, i+1, i)
		fmt.Fprintf(&csv, "Gamma Panda,gamma-%d.txt,domain,c2-%d.gamma-panda.net,2023-0%d-01,repo_first_added,lab:gamma-%d.txt,lab,apt,G0903,Gamma Panda\n", i, i, i+1, i)
	}
	for i := range 3 {
		fmt.Fprintf(&csv, "Alpha Bear,alpha-%d.txt,domain,c2-%d.alpha-bear.net,2023-0%d-01,repo_first_added,lab:alpha-%d.txt,lab,apt,G0901,Alpha Bear\n", i, i, i+1, i)
	}
	list := filepath.Join(t.TempDir(), "iocs.csv")
	if err := os.WriteFile(list, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("import", "apt-iocs", list, "--credibility", "1")
	c.ok("train", "attribution", "--folds", "0")
	out, stderr, err := c.run(string(exe), "attribute", "--format", "json", "-")
	if err != nil {
		t.Fatalf("attribute - (a PE): %v %s", err, stderr)
	}
	var got attribute.Result
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Candidates) == 0 || got.Candidates[0].Group != "Gamma Panda" {
		t.Fatalf("the sample's hash is Gamma Panda's: %s", out)
	}
	if !strings.Contains(stderr, "compiled 2020-01-01T12:00:00Z") {
		t.Errorf("the compile time is reported: %q", stderr)
	}
	// A cut-short PE is read as a sample, not as prose, and the error says so.
	if _, _, err := c.run("MZ\x90\x00", "attribute", "-"); err == nil || !strings.Contains(err.Error(), "sample stdin: not a valid PE file") {
		t.Errorf("a cut-short PE on stdin: %v", err)
	}
}
