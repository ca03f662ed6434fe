package collect_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/collect/crawl"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
)

const (
	feedEvent1 = "5f0c0a3e-1111-4c1a-9a0e-000000000001"
	feedEvent2 = "5f0c0a3e-2222-4c1a-9a0e-000000000002"
)

// copyFeed copies the MISP feed fixture into a new directory.
func copyFeed(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"manifest.json", feedEvent1 + ".json", feedEvent2 + ".json"} {
		b, err := os.ReadFile(filepath.Join("misp", "testdata", "feed", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func collectFeed(t *testing.T, c *collect.Collector, src *intel.Source) *intel.CollectionRun {
	t.Helper()
	run, err := c.Collect(context.Background(), src, collect.Options{Trigger: "test"})
	if err != nil {
		t.Fatalf("collect %s: %v", src.Location, err)
	}
	return run
}

func documents(run *intel.CollectionRun) intel.ImportCount {
	if c := run.Stats.Counts["document"]; c != nil {
		return *c
	}
	return intel.ImportCount{}
}

// A MISP feed directory is read again only for the events whose manifest
// timestamp moved since the last successful run.
func TestMISPFeedReadsOnlyChangedEvents(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := collect.NewCollector(st, nil)
	dir := copyFeed(t)
	if c.Files, err = collect.NewImportDirs([]string{dir}); err != nil {
		t.Fatal(err)
	}
	src := &intel.Source{Name: "feed", Format: "misp-feed", Location: dir}

	if d := documents(collectFeed(t, c, src)); d.Created != 2 {
		t.Fatalf("first run documents %+v, want 2 created", d)
	}
	run := collectFeed(t, c, src)
	if d := documents(run); d.Seen != 2 || d.Unchanged != 2 || d.Created+d.Updated != 0 {
		t.Errorf("second run documents %+v, want 2 unchanged", d)
	}
	if !strings.Contains(strings.Join(run.Stats.Warnings, "\n"), "2 events not read") {
		t.Errorf("second run warnings %q", run.Stats.Warnings)
	}
	if marks, err := st.FindSourceMarks(ctx, src.ID, "misp-feed"); err != nil || marks[feedEvent2] != 1706745600 || len(marks) != 2 {
		t.Errorf("marks = %v, %v", marks, err)
	}

	// The second event changes: a new attribute and a newer timestamp.
	ev := `{"Event": {"uuid": "` + feedEvent2 + `", "info": "Second event", "date": "2024-02-01",
 "Attribute": [{"type": "url", "value": "http://203.0.113.5/payload.exe", "to_ids": true},
  {"type": "domain", "value": "second-wave.example.org", "to_ids": true}]}}`
	write(t, filepath.Join(dir, feedEvent2+".json"), ev)
	manifest, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	write(t, filepath.Join(dir, "manifest.json"), strings.Replace(string(manifest), `"timestamp": "1706745600"`, `"timestamp": "1706832000"`, 1))
	run = collectFeed(t, c, src)
	if !strings.Contains(strings.Join(run.Stats.Warnings, "\n"), "1 event not read") {
		t.Errorf("after a change warnings %q, want the unchanged event skipped", run.Stats.Warnings)
	}
	if ind := run.Stats.Counts["indicator"]; ind == nil || ind.Created != 1 {
		t.Errorf("after a change indicators %+v, want the new domain created", ind)
	}
	if page, err := st.FindIndicators(ctx, intel.IndicatorFilter{Type: intel.IndicatorDomain, Value: "second-wave.example.org"}); err != nil || len(page.Items) != 1 {
		t.Errorf("new attribute not stored: %+v, %v", page, err)
	}

	// A full run forgets the marks and reads every event again.
	run, err = c.Collect(ctx, src, collect.Options{Trigger: "test", Full: true})
	if err != nil || strings.Contains(strings.Join(run.Stats.Warnings, "\n"), "not read") || documents(run).Seen < 2 {
		t.Errorf("full run: %+v (warnings %q), %v; want every event read", documents(run), run.Stats.Warnings, err)
	}
	if marks, err := st.FindSourceMarks(ctx, src.ID, "misp-feed"); err != nil || len(marks) != 2 {
		t.Errorf("marks after a full run = %v, %v", marks, err)
	}

	// A run that fails keeps the old marks: the next run reads again.
	write(t, filepath.Join(dir, feedEvent1+".json"), `{"Event": {"uuid": `)
	write(t, filepath.Join(dir, "manifest.json"), strings.Replace(string(manifest), `"timestamp": "1705312345"`, `"timestamp": "1705400000"`, 1))
	if run, err := c.Collect(ctx, src, collect.Options{Trigger: "test"}); err == nil || run.Status != intel.RunFailed {
		t.Fatalf("a broken event: run %+v, %v; want a failed run", run, err)
	}
	if marks, _ := st.FindSourceMarks(ctx, src.ID, "misp-feed"); marks[feedEvent1] != 1705312345 {
		t.Errorf("a failed run moved the marks: %v", marks)
	}
}

// A MISP feed published over HTTP is read file by file through the
// download client: .json.gz events, and the private-address refusal.
func TestMISPFeedOverHTTP(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir := copyFeed(t)
	files := map[string][]byte{}
	for _, name := range []string{"manifest.json", feedEvent1 + ".json", feedEvent2 + ".json"} {
		files[name], _ = os.ReadFile(filepath.Join(dir, name))
	}
	// The second event is published gzipped only.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(files[feedEvent2+".json"])
	zw.Close()
	files[feedEvent2+".json.gz"] = gz.Bytes()
	delete(files, feedEvent2+".json")
	var requests []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests = append(requests, r.URL.Path)
		b, ok := files[strings.TrimPrefix(r.URL.Path, "/feeds/osint/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)

	c := collect.NewCollector(st, nil)
	refused := &intel.Source{Name: "loopback feed", Format: "misp-feed", Location: srv.URL + "/feeds/osint"}
	run, err := c.Collect(ctx, refused, collect.Options{Trigger: "test"})
	if err == nil || run.Status != intel.RunFailed || !strings.Contains(run.Error, crawl.ErrPrivateAddress.Error()) {
		t.Fatalf("a loopback feed without allow_private: run %+v, %v; want refused", run, err)
	}
	if len(requests) != 0 {
		t.Errorf("requests reached the server: %v", requests)
	}

	src := &intel.Source{Name: "internal feed", Format: "misp-feed", Location: srv.URL + "/feeds/osint", AllowPrivate: true}
	if d := documents(collectFeed(t, c, src)); d.Created != 2 {
		t.Fatalf("documents %+v, want 2 created", d)
	}
	want := []string{"/feeds/osint/manifest.json", "/feeds/osint/" + feedEvent1 + ".json",
		"/feeds/osint/" + feedEvent2 + ".json", "/feeds/osint/" + feedEvent2 + ".json.gz"}
	if strings.Join(requests, " ") != strings.Join(want, " ") {
		t.Errorf("requests %v, want %v", requests, want)
	}
	requests = nil
	if d := documents(collectFeed(t, c, src)); d.Unchanged != 2 || len(requests) != 1 {
		t.Errorf("second run documents %+v after requests %v; want only the manifest read", d, requests)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
