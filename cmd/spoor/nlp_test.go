package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/nlp"
	"github.com/spoor/spoor/internal/testenv"
)

func TestNLPUsageErrors(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{
		{"nlp"}, {"nlp", "frob"}, {"nlp", "tag"}, {"nlp", "tag", "--format", "xml", "-"},
		{"nlp", "eval", "--format", "conll"}, {"nlp", "techniques"}, {"train", "nlp", "extra"},
	} {
		_, _, err := c.run("", args...)
		var ue *usageError
		if !errors.As(err, &ue) || exitCode(err) != 2 {
			t.Errorf("spoor %v: err = %v, want a usage error", args, err)
		}
	}
}

// TestNLPTagCoNLL: same tokens in the same order, a tab and a tag after
// each, a blank line after each sentence; only the first column is read.
func TestNLPTagCoNLL(t *testing.T) {
	c := newCLI(t)
	in := "APT28\tB-HackOrg\textra\nused\tO\nX-Agent\tO\n\n\nTurla O\nattacked O\nembassies O\n.\n"
	out, errOut, err := c.run(in, "nlp", "tag", "--format", "conll", "-")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	want := [][]string{{"APT28", "used", "X-Agent"}, {"Turla", "attacked", "embassies", "."}}
	sents := strings.Split(strings.TrimSuffix(out, "\n\n"), "\n\n")
	if len(sents) != len(want) {
		t.Fatalf("output has %d sentences, want 2:\n%s", len(sents), out)
	}
	valid := map[string]bool{"O": true}
	for _, ty := range nlp.DNRTITypes {
		valid["B-"+ty], valid["I-"+ty] = true, true
	}
	for i, s := range sents {
		lines := strings.Split(s, "\n")
		if len(lines) != len(want[i]) {
			t.Fatalf("sentence %d: %q", i, lines)
		}
		for j, l := range lines {
			tok, tag, ok := strings.Cut(l, "\t")
			if !ok || tok != want[i][j] || !valid[tag] {
				t.Errorf("sentence %d line %d = %q, want %s<TAB>tag", i, j, l, want[i][j])
			}
		}
	}
	if !strings.HasPrefix(out, "APT28\tB-HackOrg\n") {
		t.Errorf("APT28 not tagged as a group:\n%s", out)
	}
}

func TestNLPTagText(t *testing.T) {
	c := newCLI(t)
	text := "In 2016, APT28 used X-Agent against the government of Ukraine.\n\nLazarus Group targeted banks."
	out, errOut, err := c.run(text, "nlp", "tag", "-")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	found := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var e nlp.Entity
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if text[e.Start:e.End] != e.Text || e.Confidence <= 0 || e.Confidence > 1 {
			t.Errorf("entity %+v: offsets or confidence wrong", e)
		}
		found[e.Text] = e.Type
	}
	for name, typ := range map[string]string{"APT28": "HackOrg", "Ukraine": "Area", "Lazarus Group": "HackOrg"} {
		if found[name] != typ {
			t.Errorf("%s: type %q, want %s (all: %v)", name, found[name], typ, found)
		}
	}
}

func TestNLPTechniques(t *testing.T) {
	c := newCLI(t)
	text := "The actor used T1566.001 to get in. It then ran encoded PowerShell commands to download the second stage."
	out, errOut, err := c.run(text, "nlp", "techniques", "-")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	var hits []nlp.TechniqueHit
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var h nlp.TechniqueHit
		if err := json.Unmarshal([]byte(l), &h); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		hits = append(hits, h)
	}
	ids := map[string]nlp.TechniqueHit{}
	for _, h := range hits {
		ids[h.ID] = h
	}
	if h := ids["T1566.001"]; h.Method != "id" || h.Score != 1 || !strings.Contains(h.Sentence, "T1566.001") {
		t.Errorf("T1566.001: %+v", h)
	}
	if h := ids["T1059.001"]; h.ID == "" || !strings.Contains(h.Sentence, "PowerShell") {
		t.Errorf("T1059.001 (PowerShell) missing: %+v", hits)
	}
}

// TestTrainNLPFileAndModelErrors trains on a small CoNLL file without the
// gazetteer, tags with the result, and refuses a truncated model file.
func TestTrainNLPFileAndModelErrors(t *testing.T) {
	c := newCLI(t)
	model := filepath.Join(t.TempDir(), "m.gz")
	c.ok("train", "nlp", "--corpus", "testdata/nlp-tiny.conll", "--no-gazetteer", "--epochs", "5", "-o", model)
	out, _, err := c.run("APT28\nused\nSofacy\n", "nlp", "tag", "--model", model, "--format", "conll", "-")
	if err != nil || !strings.HasPrefix(out, "APT28\tB-HackOrg\n") {
		t.Fatalf("tag with trained model: %v\n%s", err, out)
	}
	b, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.gz")
	if err := os.WriteFile(cut, b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.run("x\n", "nlp", "tag", "--model", cut, "--format", "conll", "-")
	if err == nil || !strings.Contains(errorLine(err), "truncated") || !strings.Contains(errorLine(err), "cut.gz") {
		t.Errorf("truncated model: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.conll")
	if err := os.WriteFile(bad, []byte("a O\nb\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.run("", "train", "nlp", "--corpus", bad, "--no-gazetteer", "-o", model)
	if err == nil || !strings.Contains(errorLine(err), "bad.conll:2") {
		t.Errorf("bad corpus line: %v", err)
	}
}

// TestAcceptanceNLPEval runs spoor nlp eval on the shipped models and
// holds them to floors a little under the figures in docs/benchmarks.md.
func TestAcceptanceNLPEval(t *testing.T) {
	testenv.Acceptance(t)
	testenv.DataFile(t, "ti-text", "dnrti", "test.txt.gz")
	c := newCLI(t)
	var ev struct {
		DNRTI struct {
			MicroF1 float64 `json:"micro_f1"`
		} `json:"dnrti"`
		DNRTIUnseen struct {
			MicroF1 float64 `json:"micro_f1"`
		} `json:"dnrti_unseen"`
		AnnoCTR struct {
			MicroF1 float64                    `json:"micro_f1"`
			PerType map[string]json.RawMessage `json:"per_type"`
		} `json:"annoctr"`
	}
	out := c.ok("nlp", "eval", "--format", "json", "--data-dir", testenv.DataDir(t))
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatal(err)
	}
	t.Logf("dnrti %.3f unseen %.3f annoctr %.3f", ev.DNRTI.MicroF1, ev.DNRTIUnseen.MicroF1, ev.AnnoCTR.MicroF1)
	if ev.DNRTI.MicroF1 < 0.85 || ev.DNRTIUnseen.MicroF1 < 0.68 || ev.AnnoCTR.MicroF1 < 0.68 || len(ev.AnnoCTR.PerType) != len(nlp.AnnoCTRTypes) {
		t.Errorf("nlp eval below the floors: %s", out)
	}
}

// TestNLPTagCoNLLDocStart keeps AnnoCTR's document markers as one-token
// sentences, so that the output lines up with the input.
func TestNLPTagCoNLLDocStart(t *testing.T) {
	c := newCLI(t)
	in := "<DOCSTART>\tO\tO\tO\tO\tO\tO\n\nTurla\tO\tO\tO\tB-GROUP\tO\tB-GROUP\nused\tO\tO\tO\tO\tO\tO\n"
	out, errOut, err := c.run(in, "nlp", "tag", "--model", "annoctr", "--format", "conll", "-")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 6 || lines[0] != "<DOCSTART>\tO" || lines[1] != "" || !strings.HasPrefix(lines[2], "Turla\t") || !strings.HasPrefix(lines[3], "used\t") || lines[4] != "" {
		t.Errorf("output %q", out)
	}
}
