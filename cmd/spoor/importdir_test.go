package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// TestWorkerReadsOnlyImportDirs: a scheduled run (spoor worker, as spoor
// serve) reads server paths only inside --import-dir; the same source
// collected at the terminal reads what the person can.
func TestWorkerReadsOnlyImportDirs(t *testing.T) {
	c := newCLI(t)
	dir, elsewhere := t.TempDir(), t.TempDir()
	inside, outside := filepath.Join(dir, "inside.txt"), filepath.Join(elsewhere, "outside.txt")
	for p, v := range map[string]string{inside: "evil-inside.example.com\n", outside: "evil-outside.example.net\n"} {
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c.ok("source", "add", "Inside", "--input-format", "trail", "--location", inside, "--interval", "1h")
	c.ok("source", "add", "Outside", "--input-format", "trail", "--location", outside, "--interval", "1h")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out, errOut bytes.Buffer
	go func() {
		done <- run(ctx, []string{"worker", "--every", "20ms", "--import-dir", dir, "--log-level", "error"}, c.getenv, strings.NewReader(""), &out, &errOut)
	}()
	var runs []intel.CollectionRun
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if runs = decode[[]intel.CollectionRun](t, c.ok("source", "runs", "--format", "json")); len(runs) >= 2 {
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("worker: %v\n%s", err, errOut.String())
	}
	got := map[string]intel.CollectionRun{}
	for _, r := range runs {
		got[r.SourceName] = r
	}
	if r := got["Inside"]; r.Status != intel.RunOK {
		t.Errorf("scheduled run inside the import directory: %+v", r)
	}
	if r := got["Outside"]; r.Status != intel.RunFailed || !strings.Contains(r.Error, "location "+outside+": outside the import directories") {
		t.Errorf("scheduled run outside the import directory: %+v; want it refused, naming the location", r)
	}
	terminal := decode[[]intel.CollectionRun](t, c.ok("collect", "--format", "json", "Outside"))
	if len(terminal) != 1 || terminal[0].Status != intel.RunOK {
		t.Errorf("spoor collect Outside at the terminal: %+v", terminal)
	}
}

// The CLI writes through the same rules as the pages and the API.
func TestCLIRefusesHostileInput(t *testing.T) {
	c := newCLI(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"source", "add", "Partner", "--input-format", "taxii", "--location", "ftp://taxii.example.org/"},
			`location: a TAXII server is an http or https URL: URL scheme "ftp" is not allowed`},
		{[]string{"source", "add", "Feed\x1b[2J", "--input-format", "stix", "--location", "https://example.org/x.json"}, "name:"},
		{[]string{"source", "add", "Feed", "--input-format", "stix", "--location", "javascript:alert(1)"}, "location: URL scheme"},
	} {
		_, _, err := c.run("", tt.args...)
		if intel.ErrorCode(err) != intel.CodeInvalid || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("spoor %s: %v; want it refused naming %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}
