package crawl_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/crawl"
	"github.com/spoor/spoor/internal/intel"
)

// fakeClock is the fetcher's clock in tests: Sleep advances it at once and
// records what was asked, so request spacing is checked without waiting.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.t = c.t.Add(d)
	}
	return nil
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// site is a test report site: robots.txt, pages and a log of requests
// stamped with the fake clock.
type site struct {
	t      *testing.T
	clock  *fakeClock
	robots string
	mu     sync.Mutex
	log    []hitLog
	srv    *httptest.Server
}

type hitLog struct {
	path string
	at   time.Time
	hdr  http.Header
}

func newSite(t *testing.T, clock *fakeClock, robots string, pages map[string]http.HandlerFunc) *site {
	s := &site{t: t, clock: clock, robots: robots}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		if s.robots == "" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, s.robots)
	})
	for p, h := range pages {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			s.record(r)
			h(w, r)
		})
	}
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, hitLog{path: r.URL.RequestURI(), at: s.clock.Now(), hdr: r.Header.Clone()})
}

func (s *site) hits(path string) []hitLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []hitLog
	for _, h := range s.log {
		if h.path == path {
			out = append(out, h)
		}
	}
	return out
}

func html(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
}

func fetcher(clock *fakeClock, opts crawl.Options) *crawl.Fetcher {
	opts.AllowPrivate = opts.AllowPrivate || opts.AllowPrefixes == nil
	opts.Now, opts.Sleep = clock.Now, clock.Sleep
	return crawl.New(opts)
}

func TestRobotsDisallow(t *testing.T) {
	clock := newClock()
	s := newSite(t, clock, "User-agent: *\nDisallow: /private/\n\nUser-agent: spoor\nDisallow: /no-spoor/\n", map[string]http.HandlerFunc{
		"/private/x":  html("secret"),
		"/no-spoor/x": html("secret"),
		"/public/x":   html("<p>ok</p>"),
	})
	f := fetcher(clock, crawl.Options{})
	for _, p := range []string{"/no-spoor/x"} {
		_, err := f.Fetch(t.Context(), s.srv.URL+p)
		if !errors.Is(err, crawl.ErrDisallowed) {
			t.Errorf("%s: err = %v, want ErrDisallowed", p, err)
		}
		if intel.ErrorCode(err) != intel.CodeInvalid || !strings.Contains(err.Error(), "robots.txt") {
			t.Errorf("%s: error %q", p, err)
		}
		if len(s.hits(p)) != 0 {
			t.Errorf("%s was requested despite robots.txt", p)
		}
	}
	// The spoor group replaces the * group: /private/ is allowed to spoor.
	if _, err := f.Fetch(t.Context(), s.srv.URL+"/private/x"); err != nil {
		t.Errorf("/private/x for spoor: %v", err)
	}
	resp, err := f.Fetch(t.Context(), s.srv.URL+"/public/x")
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "<p>ok</p>" || resp.ContentType != "text/html" || resp.Status != 200 {
		t.Errorf("response = %+v", resp)
	}
	if n := len(s.hits("/robots.txt")); n != 1 {
		t.Errorf("robots.txt fetched %d times, want once (cached)", n)
	}
	if ua := s.hits("/public/x")[0].hdr.Get("User-Agent"); ua != "spoor" {
		t.Errorf("User-Agent = %q", ua)
	}

	// After the TTL, robots.txt is fetched again and new rules apply.
	s.robots = "User-agent: *\nDisallow: /public/\n"
	clock.Advance(25 * time.Hour)
	if _, err := f.Fetch(t.Context(), s.srv.URL+"/public/x"); !errors.Is(err, crawl.ErrDisallowed) {
		t.Errorf("after TTL: err = %v, want ErrDisallowed", err)
	}
	if n := len(s.hits("/robots.txt")); n != 2 {
		t.Errorf("robots.txt fetched %d times, want 2", n)
	}
}

func TestRobotsServerError(t *testing.T) {
	clock := newClock()
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) })
	mux.HandleFunc("/a", html("a"))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	_, err := fetcher(clock, crawl.Options{}).Fetch(t.Context(), srv.URL+"/a")
	if !errors.Is(err, crawl.ErrDisallowed) {
		t.Errorf("robots.txt 503: err = %v, want ErrDisallowed", err)
	}
}

func TestCrawlDelaySpacing(t *testing.T) {
	clock := newClock()
	s := newSite(t, clock, "User-agent: *\nCrawl-delay: 5\n", map[string]http.HandlerFunc{"/p/": html("page")})
	f := fetcher(clock, crawl.Options{})
	for i := range 4 {
		if _, err := f.Fetch(t.Context(), fmt.Sprintf("%s/p/%d", s.srv.URL, i)); err != nil {
			t.Fatal(err)
		}
	}
	var times []time.Time
	for i := range 4 {
		h := s.hits(fmt.Sprintf("/p/%d", i))
		if len(h) != 1 {
			t.Fatalf("page %d requested %d times", i, len(h))
		}
		times = append(times, h[0].at)
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 5*time.Second {
			t.Errorf("pages %d and %d were %v apart, want at least the 5 s Crawl-delay", i-1, i, gap)
		}
	}

	// Without a Crawl-delay the default interval applies.
	clock2 := newClock()
	s2 := newSite(t, clock2, "", map[string]http.HandlerFunc{"/p/": html("page")})
	f2 := fetcher(clock2, crawl.Options{Interval: 2 * time.Second})
	for i := range 3 {
		if _, err := f2.Fetch(t.Context(), fmt.Sprintf("%s/p/%d", s2.srv.URL, i)); err != nil {
			t.Fatal(err)
		}
	}
	a, b := s2.hits("/p/0")[0].at, s2.hits("/p/2")[0].at
	if gap := b.Sub(a); gap < 4*time.Second {
		t.Errorf("3 pages at a 2 s interval took %v, want at least 4 s", gap)
	}
}

func TestConditionalGet(t *testing.T) {
	clock := newClock()
	const etag = `"v1"`
	const lastMod = "Mon, 01 Jan 2024 00:00:00 GMT"
	s := newSite(t, clock, "", map[string]http.HandlerFunc{
		"/etag": func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "report v1")
		},
		"/lm": func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("If-Modified-Since") == lastMod {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Last-Modified", lastMod)
			w.Header().Set("Content-Type", "application/pdf")
			fmt.Fprint(w, "%PDF-1.4 fake")
		},
	})
	cache := crawl.NewMemoryCache()
	f := fetcher(clock, crawl.Options{Cache: cache})
	for _, p := range []string{"/etag", "/lm"} {
		first, err := f.Fetch(t.Context(), s.srv.URL+p)
		if err != nil {
			t.Fatal(err)
		}
		if first.NotModified || len(first.Body) == 0 {
			t.Errorf("%s first fetch = %+v", p, first)
		}
		second, err := f.Fetch(t.Context(), s.srv.URL+p)
		if err != nil {
			t.Fatal(err)
		}
		if !second.NotModified || second.Status != http.StatusNotModified || second.Body != nil {
			t.Errorf("%s second fetch = %+v, want NotModified", p, second)
		}
	}
	// The cache outlives the Fetcher: a new one still asks conditionally.
	again, err := fetcher(clock, crawl.Options{Cache: cache}).Fetch(t.Context(), s.srv.URL+"/etag")
	if err != nil || !again.NotModified {
		t.Errorf("new fetcher, shared cache: %+v, %v", again, err)
	}
}

func TestLimits(t *testing.T) {
	clock := newClock()
	big := strings.Repeat("x", 5000)
	s := newSite(t, clock, "", map[string]http.HandlerFunc{
		"/big": html(big),
		"/big-chunked": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			for range 5 {
				fmt.Fprint(w, big[:1000])
				w.(http.Flusher).Flush()
			}
		},
		"/png": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, "\x89PNG\r\n\x1a\n")
		},
		"/octet-exe": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			fmt.Fprint(w, "MZ\x90\x00\x03\x00\x00\x00")
		},
		"/octet-pdf": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			fmt.Fprint(w, "%PDF-1.7\n")
		},
		"/gone": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) },
	})
	f := fetcher(clock, crawl.Options{MaxBytes: 4096})
	for _, tc := range []struct {
		path string
		want error
	}{
		{"/big", crawl.ErrTooLarge},
		{"/big-chunked", crawl.ErrTooLarge},
		{"/png", crawl.ErrContentType},
		{"/octet-exe", crawl.ErrContentType},
		{"/gone", crawl.ErrStatus},
	} {
		_, err := f.Fetch(t.Context(), s.srv.URL+tc.path)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.path, err, tc.want)
		}
	}
	resp, err := f.Fetch(t.Context(), s.srv.URL+"/octet-pdf")
	if err != nil || resp.ContentType != "application/pdf" {
		t.Errorf("sniffed PDF: %+v, %v", resp, err)
	}
	for _, u := range []string{"ftp://example.com/x", "file:///etc/passwd", "http://user:pw@example.com/", "/relative"} {
		if _, err := f.Fetch(t.Context(), u); !errors.Is(err, crawl.ErrScheme) {
			t.Errorf("%s: err = %v, want ErrScheme", u, err)
		}
	}
}

func TestPrivateAddressesRefused(t *testing.T) {
	clock := newClock()
	s := newSite(t, clock, "", map[string]http.HandlerFunc{"/r": html("report")})
	port := s.srv.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	resolver := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "rebind.example":
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		case "mapped.example":
			return []netip.Addr{netip.MustParseAddr("::ffff:10.1.2.3")}, nil
		}
		return nil, fmt.Errorf("no such host %s", host)
	}
	f := crawl.New(crawl.Options{Now: clock.Now, Sleep: clock.Sleep, Resolver: resolver, Timeout: 5 * time.Second})
	for _, u := range []string{
		fmt.Sprintf("http://127.0.0.1:%d/r", port),
		fmt.Sprintf("http://[::1]:%d/r", port),
		"http://169.254.169.254/latest/meta-data/",
		"http://10.0.0.1/r",
		"http://100.64.0.1/r",
		"http://0.0.0.0/r",
		fmt.Sprintf("http://rebind.example:%d/r", port),
		"http://mapped.example/r",
	} {
		_, err := f.Fetch(t.Context(), u)
		if !errors.Is(err, crawl.ErrPrivateAddress) {
			t.Errorf("%s: err = %v, want ErrPrivateAddress", u, err)
		}
	}
	if n := len(s.hits("/r")) + len(s.hits("/robots.txt")); n != 0 {
		t.Errorf("the loopback server got %d requests", n)
	}

	// AllowPrivate (a source an admin marked internal) reaches it.
	ok := crawl.New(crawl.Options{Now: clock.Now, Sleep: clock.Sleep, Resolver: resolver, AllowPrivate: true})
	if _, err := ok.Fetch(t.Context(), fmt.Sprintf("http://rebind.example:%d/r", port)); err != nil {
		t.Errorf("AllowPrivate: %v", err)
	}
}

func TestRedirects(t *testing.T) {
	clock := newClock()
	var target string
	s := newSite(t, clock, "User-agent: *\nDisallow: /blocked\n", map[string]http.HandlerFunc{
		"/to-metadata": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		},
		"/to-v6-loopback": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://[::1]/", http.StatusMovedPermanently)
		},
		"/to-blocked": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/blocked", http.StatusFound) },
		"/to-ftp": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "ftp://example.com/", http.StatusFound)
		},
		"/to-final": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusSeeOther) },
		"/final":    html("final report"),
		"/loop":     func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) },
		"/blocked":  html("blocked"),
	})
	target = s.srv.URL + "/final"
	// Only the test server's own address is exempt; every other private
	// address stays refused.
	f := fetcher(clock, crawl.Options{AllowPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	for _, tc := range []struct {
		path string
		want error
	}{
		{"/to-metadata", crawl.ErrPrivateAddress},
		{"/to-v6-loopback", crawl.ErrPrivateAddress},
		{"/to-blocked", crawl.ErrDisallowed},
		{"/to-ftp", crawl.ErrScheme},
		{"/loop", crawl.ErrRedirects},
	} {
		_, err := f.Fetch(t.Context(), s.srv.URL+tc.path)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.path, err, tc.want)
		}
	}
	if len(s.hits("/blocked")) != 0 {
		t.Error("a redirect reached a path robots.txt disallows")
	}
	resp, err := f.Fetch(t.Context(), s.srv.URL+"/to-final")
	if err != nil {
		t.Fatal(err)
	}
	if resp.URL != target || string(resp.Body) != "final report" {
		t.Errorf("redirected response = %+v", resp)
	}
}

func TestPrivate(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		want bool
	}{
		{"127.0.0.1", true}, {"127.255.0.9", true}, {"::1", true}, {"10.0.0.1", true}, {"172.16.5.4", true},
		{"192.168.1.1", true}, {"169.254.169.254", true}, {"fe80::1", true}, {"fc00::1", true}, {"fd12::1", true},
		{"224.0.0.1", true}, {"ff02::1", true}, {"0.0.0.0", true}, {"::", true}, {"100.64.0.1", true},
		{"100.127.255.255", true}, {"255.255.255.255", true}, {"::ffff:127.0.0.1", true}, {"64:ff9b::a00:1", true},
		{"2002:a00:1::", true}, {"198.18.0.1", true}, {"192.0.0.8", true},
		{"8.8.8.8", false}, {"100.128.0.1", false}, {"100.63.255.255", false}, {"2001:4860:4860::8888", false},
		{"64:ff9b::808:808", false}, {"172.32.0.1", false}, {"185.220.101.7", false},
	} {
		if got := crawl.Private(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("Private(%s) = %v, want %v", tc.ip, got, tc.want)
		}
	}
}

// fakeStateStore stands in for *store.Store behind StoreCache.
type fakeStateStore struct {
	m map[string]intel.FetchState
}

func (s *fakeStateStore) FindFetchState(_ context.Context, u string) (*intel.FetchState, error) {
	st, ok := s.m[u]
	if !ok {
		return nil, intel.Errorf(intel.CodeNotFound, "no fetch state for %s", u)
	}
	return &st, nil
}

func (s *fakeStateStore) SaveFetchState(_ context.Context, st *intel.FetchState) error {
	s.m[st.URL] = *st
	return nil
}

func TestStoreCache(t *testing.T) {
	st := &fakeStateStore{m: map[string]intel.FetchState{}}
	clock := newClock()
	c := crawl.StoreCache(st, clock.Now)
	if _, ok, err := c.Get(t.Context(), "https://x/"); ok || err != nil {
		t.Fatalf("empty: %v %v", ok, err)
	}
	if err := c.Put(t.Context(), "https://x/", crawl.Validators{ETag: `"e"`, LastModified: "lm"}); err != nil {
		t.Fatal(err)
	}
	v, ok, err := c.Get(t.Context(), "https://x/")
	if err != nil || !ok || v.ETag != `"e"` || v.LastModified != "lm" || !st.m["https://x/"].FetchedAt.Equal(clock.Now()) {
		t.Errorf("got %+v %v %v", v, ok, err)
	}
}
