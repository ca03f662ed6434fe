package main

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// mirrorWithATTACK writes a mirror directory holding the small ATT&CK
// fixture where the catalogue expects the ATT&CK bundle.
func mirrorWithATTACK(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "mitre-attack", "enterprise-attack-13.1.json.gz")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/attack-small.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return dir
}

func TestCollectFromMirror(t *testing.T) {
	c := newCLI(t)
	mirror := mirrorWithATTACK(t)
	first := decode[[]intel.CollectionRun](t, c.ok("collect", "--format", "json", "--mirror", mirror, "MITRE ATT&CK Enterprise"))
	if len(first) != 1 || first[0].Status != intel.RunOK || first[0].Totals().Created == 0 {
		t.Fatalf("first collection: %+v", first)
	}
	second := decode[[]intel.CollectionRun](t, c.ok("collect", "--format", "json", "--mirror", mirror, "MITRE ATT&CK Enterprise"))
	if tot := second[0].Totals(); tot.Created != 0 || tot.Updated != 0 || tot.Unchanged == 0 {
		t.Errorf("second collection changed the base: %+v", tot)
	}

	// The source keeps its public URL and schedule, and its credibility
	// comes from its publisher, MITRE.
	list := decode[[]intel.Source](t, c.ok("source", "list", "--format", "json"))
	if len(list) != 1 || list[0].Location == "" || !strings.HasPrefix(list[0].Location, "https://") ||
		list[0].Credibility != 1 || list[0].Interval == 0 {
		t.Errorf("sources after a mirror collection: %+v", list)
	}

	// --all on a mirror that lacks a catalogue file says which one.
	_, _, err := c.run("", "collect", "--all", "--mirror", mirror)
	if err == nil || !strings.Contains(errorLine(err), "has no misp-galaxy") {
		t.Errorf("collect --all on a partial mirror: %v", err)
	}
}

func TestSourceCommands(t *testing.T) {
	c := newCLI(t)
	out := c.ok("source", "add", "Vendor bundle", "--input-format", "stix", "--location", "https://unit42.paloaltonetworks.com/bundle.json", "--interval", "6h")
	if !strings.Contains(out, "credibility 1.0: well-known organisation: Palo Alto Networks") {
		t.Errorf("source add: %q", out)
	}
	out = c.ok("source", "add", "Blog feed", "--input-format", "stix", "--location", "https://someone.github.io/x.json")
	if !strings.Contains(out, "credibility 0.2: blog host: github.io") {
		t.Errorf("source add blog: %q", out)
	}
	if _, _, err := c.run("", "source", "add", "Bad", "--input-format", "nope", "--location", "x"); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("unknown format: %v", err)
	}
	out = c.ok("source", "set", "Blog feed", "--credibility", "0.6", "--disable")
	if !strings.Contains(out, "credibility 0.6 (set by system)") || !strings.Contains(out, "enabled false") {
		t.Errorf("source set: %q", out)
	}
	list := c.ok("source", "list")
	for _, want := range []string{"Vendor bundle", "6h0m0s", "Blog feed", "manual (disabled)"} {
		if !strings.Contains(list, want) {
			t.Errorf("source list lacks %q:\n%s", want, list)
		}
	}
	// A failing collection is recorded and named.
	missing := filepath.Join(t.TempDir(), "missing.json")
	c.ok("source", "set", "Vendor bundle", "--location", missing)
	_, _, err := c.run("", "collect", "Vendor bundle")
	if err == nil || !strings.Contains(errorLine(err), "1 of 1 sources failed: Vendor bundle") {
		t.Errorf("collect of an unreachable source: %v", err)
	}
	runs := c.ok("source", "runs", "Vendor bundle")
	if !strings.Contains(runs, "failed") {
		t.Errorf("runs:\n%s", runs)
	}
}
