package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/sample/sampletest"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// TestImportSamples: a directory of a PE, a phishing e-mail and a file
// that is neither becomes one event per artifact, attributed to the group
// given, with its activity times and hashes; the stray file is named and
// skipped, the rest landing; importing again adds nothing.
func TestImportSamples(t *testing.T) {
	c := similarCLI(t)
	dir := t.TempDir()
	compiled := time.Date(2024, 3, 12, 10, 15, 0, 0, time.UTC)
	files := map[string][]byte{
		"drop/a.exe":  sampletest.BuildPE(uint32(compiled.Unix()), []byte("connect update.gamma-c2.info\x00")),
		"phish.eml":   []byte("From: hr@mail-update.info\r\nSubject: <script>alert(1)</script> review\r\nDate: Tue, 12 Mar 2024 14:15:00 +0400\r\n\r\nhi\r\n"),
		"notes/x.txt": []byte("nothing to see\n"),
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, err := c.run("", "import", "samples", "--group", "Alpha Bear", dir)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 files") || !strings.Contains(stderr, "x.txt") {
		t.Fatalf("import samples: %v\n%s\n%s; want the text file named and skipped", err, out, stderr)
	}
	st, err := sqlite.Open(t.Context(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	alpha, err := st.FindObjectByName(t.Context(), intel.KindGroup, "Alpha Bear")
	if err != nil {
		t.Fatal(err)
	}
	page, err := st.FindEvents(t.Context(), intel.EventFilter{GroupID: alpha.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*intel.Event{}
	for _, e := range page.Items {
		if strings.HasPrefix(e.Key, "sample:") {
			got[e.Title] = e
		}
	}
	st.Close()
	exe, mail := got["pe a.exe"], got["email phish.eml: <script>alert(1)</script> review"]
	if len(got) != 2 || exe == nil || mail == nil {
		t.Fatalf("sample events %v", got)
	}
	if len(exe.Times) != 1 || !exe.Times[0].Equal(compiled) || exe.IndicatorCount < 4 {
		t.Errorf("PE event: times %v, %d indicators; want the compile time and its hashes and C2", exe.Times, exe.IndicatorCount)
	}
	if len(mail.Times) != 1 || !mail.Times[0].Equal(compiled) {
		t.Errorf("e-mail event times %v, want 14:15 at +04:00 = %v", mail.Times, compiled)
	}
	// Again, one file: nothing new.
	var runs []intel.CollectionRun
	if err := json.Unmarshal([]byte(c.ok("import", "sample", "--group", "Alpha Bear", "--format", "json", filepath.Join(dir, "drop/a.exe"))), &runs); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].SourceName != "samples" || runs[0].Totals().Created != 0 || runs[0].Totals().Unchanged == 0 {
		t.Errorf("a second import: %+v; want the samples source, nothing created", runs)
	}
	if _, _, err := c.run("", "import", "stix", "--group", "x", "testdata/similar-groups.json"); err == nil {
		t.Error("--group with a format that is not sample must be a usage error")
	}
}
