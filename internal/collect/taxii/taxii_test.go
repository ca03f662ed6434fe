package taxii_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/taxii"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// server is an in-process TAXII 2.1 server: discovery at /taxii2/, one API
// root at /api1/, and collections whose objects it pages by a next token.
type server struct {
	mu      sync.Mutex
	objects []stored // collection "c1", in date_added order
	calls   []string // objects requests: the query of each
	t       *testing.T
}

type stored struct {
	added time.Time
	obj   map[string]any
}

const (
	user, pass = "analyst", "s3cret"
	t0s        = "2024-03-01T10:00:00.000000Z"
)

var t0, _ = time.Parse(time.RFC3339Nano, t0s)

func (s *server) add(objs ...map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range objs {
		s.objects = append(s.objects, stored{added: t0.Add(time.Duration(len(s.objects)) * time.Minute), obj: o})
	}
}

func taxiiError(w http.ResponseWriter, status int, title, desc string) {
	w.Header().Set("Content-Type", taxii.MediaType)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": title, "description": desc, "http_status": strconv.Itoa(status)})
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Accept") != taxii.MediaType {
		taxiiError(w, http.StatusNotAcceptable, "Not Acceptable", "send Accept: "+taxii.MediaType)
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
		taxiiError(w, http.StatusUnauthorized, "Unauthorized", "bad username or password")
		return
	}
	reply := func(v any) {
		w.Header().Set("Content-Type", taxii.MediaType)
		json.NewEncoder(w).Encode(v)
	}
	switch r.URL.Path {
	case "/taxii2/":
		reply(map[string]any{"title": "Test TAXII", "default": "/api1/", "api_roots": []string{"/api1/"}})
	case "/api1/collections/":
		reply(map[string]any{"collections": []map[string]any{
			{"id": "c1", "title": "Indicators", "can_read": true},
			{"id": "bad", "title": "Broken", "can_read": true},
			{"id": "huge", "title": "Huge", "can_read": true},
			{"id": "secret", "title": "Secret", "can_read": false},
		}})
	case "/api1/collections/c1/objects/":
		s.objectsPage(w, r)
	case "/api1/collections/bad/objects/":
		w.Header().Set("Content-Type", taxii.MediaType)
		fmt.Fprint(w, `{"more": false, "objects": [{"type": "indicator", "id": `)
	case "/api1/collections/huge/objects/":
		w.Header().Set("Content-Type", taxii.MediaType)
		fmt.Fprintf(w, `{"more": false, "objects": [], "padding": "%s"}`, strings.Repeat("x", 1<<20))
	default:
		taxiiError(w, http.StatusNotFound, "Not Found", "no such endpoint "+r.URL.Path)
	}
}

func (s *server) objectsPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	s.calls = append(s.calls, q.Encode())
	var after time.Time
	if v := q.Get("added_after"); v != "" {
		var err error
		if after, err = time.Parse(time.RFC3339Nano, v); err != nil {
			taxiiError(w, http.StatusBadRequest, "Bad Request", "bad added_after")
			return
		}
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("next"))
	var match []stored
	for _, o := range s.objects {
		if o.added.After(after) {
			match = append(match, o)
		}
	}
	end := min(offset+limit, len(match))
	page := match[offset:end]
	env := map[string]any{"more": end < len(match)}
	if end < len(match) {
		env["next"] = strconv.Itoa(end)
	}
	var objs []any
	for _, o := range page {
		objs = append(objs, o.obj)
	}
	env["objects"] = objs
	if len(page) > 0 {
		w.Header().Set("X-TAXII-Date-Added-First", page[0].added.Format(time.RFC3339Nano))
		w.Header().Set("X-TAXII-Date-Added-Last", page[len(page)-1].added.Format(time.RFC3339Nano))
	}
	w.Header().Set("Content-Type", taxii.MediaType)
	json.NewEncoder(w).Encode(env)
}

func uuid(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func common(typ string, n int) map[string]any {
	return map[string]any{"type": typ, "spec_version": "2.1", "id": typ + "--" + uuid(n),
		"created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z"}
}

func group(n int, name string) map[string]any {
	o := common("intrusion-set", n)
	o["name"] = name
	return o
}

func indicator(n int, pattern string) map[string]any {
	o := common("indicator", n)
	o["pattern"], o["pattern_type"], o["valid_from"] = pattern, "stix", "2024-01-01T00:00:00Z"
	return o
}

func rel(n int, typ, src, dst string) map[string]any {
	o := common("relationship", n)
	o["relationship_type"], o["source_ref"], o["target_ref"] = typ, src, dst
	return o
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newServer(t *testing.T) (*server, *httptest.Server) {
	s := &server{t: t}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

func config(hs *httptest.Server, collection string) taxii.Config {
	return taxii.Config{
		Source:   intel.Source{Name: "Test TAXII", Kind: intel.SourceTAXII, Credibility: 0.6, TLP: intel.TLPGreen},
		URL:      hs.URL + "/taxii2/",
		Username: user, Password: pass, Collection: collection, PageSize: 3,
	}
}

func countIndicators(t *testing.T, st *store.Store) int {
	t.Helper()
	p, err := st.FindIndicators(t.Context(), intel.IndicatorFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(p.Items)
}

func TestPullIncremental(t *testing.T) {
	srv, hs := newServer(t)
	g := group(1, "Ember Bear")
	srv.add(g)
	for i := 1; i <= 5; i++ {
		srv.add(indicator(10+i, fmt.Sprintf("[ipv4-addr:value = '198.51.100.%d']", i)))
	}
	// The relationship is on the last page, its ends on the first two.
	srv.add(rel(20, "indicates", "indicator--"+uuid(11), "intrusion-set--"+uuid(1)))
	st := openStore(t)
	ctx := t.Context()
	var progressed []int
	stats, err := taxii.Pull(ctx, nil, config(hs, "Indicators"), st, st, func(done, total int) {
		if total == 0 {
			progressed = append(progressed, done)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Pages != 3 || stats.Objects != 7 || stats.Collection != "c1" || stats.APIRoot != hs.URL+"/api1/" {
		t.Errorf("first pull: %d pages, %d objects, collection %q, root %q; want 3 pages of 7 objects from c1",
			stats.Pages, stats.Objects, stats.Collection, stats.APIRoot)
	}
	if fmt.Sprint(progressed) != "[3 6 7]" {
		t.Errorf("download progress = %v, want [3 6 7]", progressed)
	}
	if n := countIndicators(t, st); n != 5 {
		t.Errorf("indicators after the first pull = %d, want 5", n)
	}
	if c := stats.Links.Counts["indicates"]; c == nil || c.Created != 1 {
		t.Errorf("indicates links = %+v, want one across pages", c)
	}
	grp, err := st.FindObjectByName(ctx, intel.KindGroup, "Ember Bear")
	if err != nil {
		t.Fatal(err)
	}
	rels, err := st.FindIndicatorRelations(ctx, grp.ID, 0)
	if err != nil || len(rels) != 1 {
		t.Errorf("indicators of the group = %+v, %v; want one", rels, err)
	}
	last := t0.Add(6 * time.Minute)
	state, err := st.FindTAXIIState(ctx, "Test TAXII", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if !state.AddedAfter.Equal(last) || state.ObjectsTotal != 7 || state.LastPull.IsZero() {
		t.Errorf("state after the first pull = %+v, want added_after %v and 7 objects", state, last)
	}

	// Two objects arrive; the second pull asks only for them.
	srv.add(indicator(30, "[domain-name:value = 'new.example.com']"))
	sighting := common("sighting", 31)
	sighting["sighting_of_ref"], sighting["count"] = "indicator--"+uuid(12), 4
	srv.add(sighting)
	srv.mu.Lock()
	srv.calls = nil
	srv.mu.Unlock()
	stats, err = taxii.Pull(ctx, nil, config(hs, "c1"), st, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Pages != 1 || stats.Objects != 2 || !stats.AddedAfter.Equal(last) {
		t.Errorf("second pull: %d pages, %d objects after %v; want 1 page of 2 after %v", stats.Pages, stats.Objects, stats.AddedAfter, last)
	}
	if len(srv.calls) != 1 || !strings.Contains(srv.calls[0], "added_after=2024-03-01T10%3A06%3A00Z") {
		t.Errorf("second pull requests = %q, want one with added_after of the last object", srv.calls)
	}
	if n := countIndicators(t, st); n != 6 {
		t.Errorf("indicators after the second pull = %d, want 6", n)
	}
	// The sighting names an indicator of the first pull: found by STIX ID.
	ind, err := st.FindIndicators(ctx, intel.IndicatorFilter{Type: intel.IndicatorIPv4, Value: "198.51.100.2"})
	if err != nil || len(ind.Items) != 1 {
		t.Fatalf("find 198.51.100.2: %v", err)
	}
	sights, err := st.FindSightings(ctx, ind.Items[0].ID)
	if err != nil || len(sights) != 1 || sights[0].Count != 4 {
		t.Errorf("sightings = %+v, %v; want one with count 4", sights, err)
	}
	state, _ = st.FindTAXIIState(ctx, "Test TAXII", "c1")
	if !state.AddedAfter.Equal(t0.Add(8*time.Minute)) || state.ObjectsTotal != 9 {
		t.Errorf("state after the second pull = %+v", state)
	}

	// Nothing new: one empty page, state unchanged but for the pull time.
	stats, err = taxii.Pull(ctx, nil, config(hs, "c1"), st, st, nil)
	if err != nil || stats.Objects != 0 || stats.Pages != 1 || !stats.Newest.Equal(t0.Add(8*time.Minute)) {
		t.Errorf("empty pull = %+v, %v", stats, err)
	}
}

func TestPullErrors(t *testing.T) {
	_, hs := newServer(t)
	st := openStore(t)
	tests := []struct {
		name string
		cfg  func(c *taxii.Config)
		want string
	}{
		{"bad password", func(c *taxii.Config) { c.Password = "wrong" },
			"taxii: GET " + hs.URL + "/taxii2/: 401 Unauthorized: Unauthorized: bad username or password"},
		{"bearer not accepted", func(c *taxii.Config) { c.Token = "tok" }, "401 Unauthorized"},
		{"no api root", func(c *taxii.Config) { c.URL, c.APIRoot = "", hs.URL+"/nope/" },
			"taxii: GET " + hs.URL + "/nope/collections/: 404 Not Found: Not Found: no such endpoint /nope/collections/"},
		{"unknown collection", func(c *taxii.Config) { c.Collection = "zzz" }, `taxii: no collection "zzz" at ` + hs.URL + "/api1/"},
		{"unreadable collection", func(c *taxii.Config) { c.Collection = "secret" }, `cannot be read with these credentials`},
		{"several collections", func(c *taxii.Config) { c.Collection = "" }, "has 3 readable collections: name one"},
		{"malformed envelope", func(c *taxii.Config) { c.Collection = "bad" }, "bad page 1:1:57: $.objects[0]: unexpected end of input"},
		{"size limit", func(c *taxii.Config) { c.Collection, c.MaxResponse = "huge", 64<<10 }, "the response is larger than 65536 bytes"},
		{"not http", func(c *taxii.Config) { c.URL = "file:///etc/passwd" }, `"file:///etc/passwd" is not an http(s) URL`},
		{"no name", func(c *taxii.Config) { c.Source.Name = "" }, "the source needs a name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(hs, "c1")
			tt.cfg(&cfg)
			_, err := taxii.Pull(t.Context(), nil, cfg, st, st, nil)
			if err == nil {
				t.Fatalf("Pull succeeded, want %q", tt.want)
			}
			if intel.ErrorCode(err) != intel.CodeInvalid || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %q (code %s)\nwant one invalid line containing %q", err, intel.ErrorCode(err), tt.want)
			}
		})
	}
	// No failed pull saved a state.
	state, err := st.FindTAXIIState(t.Context(), "Test TAXII", "bad")
	if err != nil || !state.LastPull.IsZero() {
		t.Errorf("state after a failed pull = %+v, %v; want none", state, err)
	}
}

func TestPullTimeout(t *testing.T) {
	block := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-block
	}))
	defer hs.Close()
	defer close(block)
	st := openStore(t)
	cfg := config(hs, "c1")
	cfg.Timeout = 50 * time.Millisecond
	_, err := taxii.Pull(t.Context(), nil, cfg, st, st, nil)
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Errorf("err = %v, want a timeout", err)
	}
}

func TestConfigFromSource(t *testing.T) {
	src := intel.Source{Name: "feed", Location: "https://taxii.example.com/taxii2/", Options: map[string]string{
		"collection": "c1", "username": "u", "password": "p", "page_size": "50", "api_root": "https://taxii.example.com/api/"}}
	// The store keeps the password sealed: the config asks for the plain
	// value of secret options only, and only of those that are set.
	var asked []string
	plain := func(o string) (string, error) { asked = append(asked, o); return "opened " + src.Options[o], nil }
	c, err := taxii.ConfigFromSource(src, plain)
	if err != nil {
		t.Fatal(err)
	}
	if c.URL != src.Location || c.Collection != "c1" || c.Username != "u" || c.Password != "opened p" || c.PageSize != 50 || c.APIRoot != "https://taxii.example.com/api/" {
		t.Errorf("config = %+v", c)
	}
	if strings.Join(asked, ",") != "password" {
		t.Errorf("asked to reveal %v, want only the password", asked)
	}
	src.Options["token"] = "enc:v1:…"
	refused := errors.New("cannot decrypt option token of source \"feed\": wrong key")
	if _, err := taxii.ConfigFromSource(src, func(string) (string, error) { return "", refused }); !errors.Is(err, refused) {
		t.Errorf("a secret that does not open: err = %v", err)
	}
	delete(src.Options, "token")
	src.Options["page_size"] = "-1"
	if _, err := taxii.ConfigFromSource(src, plain); err == nil || !strings.Contains(err.Error(), "page_size") {
		t.Errorf("bad page size: err = %v", err)
	}
}
