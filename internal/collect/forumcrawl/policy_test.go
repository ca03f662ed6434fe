package forumcrawl_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/crawl"
	"github.com/spoor/spoor/internal/collect/forumcrawl"
)

// A forum on a private address is refused by the fetcher's guard: the
// crawl fails naming it and stores nothing.
func TestCrawlRefusesPrivateAddress(t *testing.T) {
	f := newForum(t, "phpbb")
	cfg := engineFor("phpbb").config(f)
	sink := newSink(t)
	fetch := crawl.New(cfg.FetcherOptions(crawl.Options{Interval: time.Millisecond}))
	st, err := forumcrawl.Crawl(context.Background(), cfg, fetch, sink, nil)
	if !errors.Is(err, crawl.ErrPrivateAddress) {
		t.Fatalf("err = %v, want ErrPrivateAddress", err)
	}
	if len(sink.current()) != 0 || st.Listings != 0 || len(f.Hits()) != 0 {
		t.Errorf("stats %v, %d posts stored, server hit: the guard did not hold", st, len(sink.current()))
	}
}

// The session cookie goes with every request to the forum's host.
func TestCrawlSendsCookie(t *testing.T) {
	f := newForum(t, "xenforo")
	var mu sync.Mutex
	var without []string
	inner := f.srv.Config.Handler
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/robots.txt" && r.Header.Get("Cookie") != "xf_session=s3cr3t; xf_user=54" {
			mu.Lock()
			without = append(without, r.URL.Path)
			mu.Unlock()
			http.Error(w, "log in", http.StatusForbidden)
			return
		}
		inner.ServeHTTP(w, r)
	})
	cfg := engineFor("xenforo").config(f)
	cfg.Cookie = "xf_session=s3cr3t; xf_user=54"
	sink := newSink(t)
	if _, err := forumcrawl.Crawl(context.Background(), cfg, fetcher(cfg), sink, nil); err != nil {
		t.Fatal(err)
	}
	if len(without) != 0 || len(sink.current()) != 8 {
		t.Errorf("requests without the cookie: %v; %d posts", without, len(sink.current()))
	}
}

// A Full run reads every page again and adds nothing to a complete
// collection; a page that fails is reported and the rest still collected.
func TestCrawlFullAndFailures(t *testing.T) {
	f := newForum(t, "mybb")
	ec := engineFor("mybb")
	cfg := ec.config(f)
	sink := newSink(t)
	ctx := context.Background()
	st1, err := forumcrawl.Crawl(ctx, cfg, fetcher(cfg), sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Full = true
	st2, err := forumcrawl.Crawl(ctx, cfg, fetcher(cfg), sink, nil)
	if err != nil || st2.Pages != st1.Pages || st2.Added != 0 || st2.Edited != 0 || st2.Skipped != 0 {
		t.Errorf("full run: %v, %v; first run %v", st2, err, st1)
	}

	broken := newForum(t, "mybb")
	inner := broken.srv.Config.Handler
	broken.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("tid") == "11" {
			http.Error(w, "database error", http.StatusInternalServerError)
			return
		}
		inner.ServeHTTP(w, r)
	})
	cfg = ec.config(broken)
	sink = newSink(t)
	st, err := forumcrawl.Crawl(ctx, cfg, fetcher(cfg), sink, nil)
	if !errors.Is(err, crawl.ErrStatus) || !strings.Contains(err.Error(), "tid=11") {
		t.Errorf("err = %v, want the failed thread page", err)
	}
	if st.Added != ec.posts-2 {
		t.Errorf("with one thread failing: %v, want %d added", st, ec.posts-2)
	}
}

// A hidden service is crawled through a SOCKS5 proxy on loopback: the
// proxy is reachable though loopback targets are refused, and the onion
// name goes to the proxy unresolved.
func TestCrawlThroughProxy(t *testing.T) {
	f := newForum(t, "phpbb")
	socks := newSocks(t, f.srv.Listener.Addr().String())
	cfg := forumcrawl.Config{
		Name: "onion", Engine: forumcrawl.PhpBB, Interval: time.Millisecond,
		Start: []string{"http://darkboardxyzabc.onion/index.php"},
		Proxy: "socks5h://" + socks.addr,
	}
	sink := newSink(t)
	fetch := crawl.New(cfg.FetcherOptions(crawl.Options{}))
	st, err := forumcrawl.Crawl(context.Background(), cfg, fetch, sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Added != 8 {
		t.Errorf("through the proxy: %v", st)
	}
	for _, a := range socks.asked() {
		if a != "darkboardxyzabc.onion:80" {
			t.Errorf("proxy asked for %s", a)
		}
	}
	// A start URL on loopback is still refused with the proxy set.
	cfg.Start = []string{f.srv.URL + "/index.php"}
	_, err = forumcrawl.Crawl(context.Background(), cfg, crawl.New(cfg.FetcherOptions(crawl.Options{})), newSink(t), nil)
	if !errors.Is(err, crawl.ErrPrivateAddress) {
		t.Errorf("loopback target through the proxy: %v", err)
	}
}

// socks is a minimal SOCKS5 proxy (no authentication, CONNECT) that
// connects every request to upstream and records what it was asked for.
type socks struct {
	addr string
	mu   sync.Mutex
	log  []string
}

func (s *socks) asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func newSocks(t *testing.T, upstream string) *socks {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &socks{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b := make([]byte, 262)
				if _, err := io.ReadFull(c, b[:2]); err != nil {
					return
				}
				io.ReadFull(c, b[:b[1]])
				c.Write([]byte{5, 0})
				if _, err := io.ReadFull(c, b[:4]); err != nil {
					return
				}
				var host string
				switch b[3] {
				case 1:
					io.ReadFull(c, b[:4])
					host = netip.AddrFrom4([4]byte(b[:4])).String()
				case 3:
					io.ReadFull(c, b[:1])
					n := int(b[0])
					io.ReadFull(c, b[:n])
					host = string(b[:n])
				default:
					return
				}
				io.ReadFull(c, b[:2])
				s.mu.Lock()
				s.log = append(s.log, net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(b[:2])))))
				s.mu.Unlock()
				up, err := net.Dial("tcp", upstream)
				if err != nil {
					return
				}
				defer up.Close()
				c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	return s
}

func TestConfigValidate(t *testing.T) {
	ok := forumcrawl.Config{Name: "f", Engine: forumcrawl.PhpBB, Start: []string{"https://forum.example/index.php"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*forumcrawl.Config)
		want string
	}{
		{"no name", func(c *forumcrawl.Config) { c.Name = " " }, "name is required"},
		{"engine", func(c *forumcrawl.Config) { c.Engine = "ipb" }, `engine "ipb"`},
		{"no start", func(c *forumcrawl.Config) { c.Start = nil }, "start URL is required"},
		{"relative start", func(c *forumcrawl.Config) { c.Start = []string{"/index.php"} }, "not an absolute"},
		{"ftp start", func(c *forumcrawl.Config) { c.Start = []string{"ftp://forum.example/"} }, "not an absolute"},
		{"proxy", func(c *forumcrawl.Config) { c.Proxy = "http://127.0.0.1:8080" }, "socks5"},
		{"zone", func(c *forumcrawl.Config) { c.TimeZone = "Mars/Olympus" }, "time zone"},
		{"cookie", func(c *forumcrawl.Config) { c.Cookie = "a=b\r\nX-Evil: 1" }, "line break"},
		{"selector", func(c *forumcrawl.Config) { c.Selectors.Post = "div[" }, "selector Post"},
		{"regexp", func(c *forumcrawl.Config) { c.Selectors.ThreadKey = `t=\d+` }, "needs a group"},
		{"custom needs selectors", func(c *forumcrawl.Config) { c.Engine = forumcrawl.CustomHTML }, "selector Thread is required"},
	} {
		c := ok
		c.Selectors = forumcrawl.Selectors{}
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// A custom engine with its own selectors reads a forum whose markup no
// preset knows (here: phpBB's pages described from scratch).
func TestCustomEngine(t *testing.T) {
	f := newForum(t, "phpbb")
	p, _ := forumcrawl.Preset(forumcrawl.PhpBB)
	cfg := forumcrawl.Config{Name: "custom", Engine: forumcrawl.CustomHTML, Start: []string{f.srv.URL + "/viewforum.php?f=3"},
		Selectors: forumcrawl.Selectors{
			ThreadRow: "li.row", Thread: "a.topictitle", Marker: "dd.posts", ThreadKey: `t=(\d+)`,
			Post: "div.post", PostKey: "@id", PostKeyRe: `^p(\d+)$`, Author: "p.author strong", Time: "p.author time",
			Body: "div.content", Quote: "blockquote", QuoteRef: p.QuoteRef, TimeLayouts: p.TimeLayouts,
		}}
	sink := newSink(t)
	st, err := forumcrawl.Crawl(context.Background(), cfg, fetcher(cfg), sink, nil)
	if err != nil || st.Added != 2 {
		t.Fatalf("custom: %v, %v", st, err)
	}
	// Without a marker the listing cannot say a thread is unchanged: the
	// thread's last page is asked for again with its validators, and the
	// 304 costs nothing. After the change, the new thread is read, and the
	// old one answers 304 again.
	cfg.Selectors.Marker, cfg.Selectors.ThreadRow = "", ""
	st2, err := forumcrawl.Crawl(context.Background(), cfg, fetcher(cfg), sink, nil)
	if err != nil || st2.Pages != 1 || st2.NotModified != 1 || st2.Added != 0 || st2.Skipped != 0 {
		t.Errorf("custom, second run: %v, %v", st2, err)
	}
	f.change()
	st3, err := forumcrawl.Crawl(context.Background(), cfg, fetcher(cfg), sink, nil)
	if err != nil || st3.Pages != 2 || st3.NotModified != 1 || st3.Added != 1 {
		t.Errorf("custom, after the change: %v, %v", st3, err)
	}
	got := sink.current()
	if got[1].Author != "buyer42" || got[1].Time.Time != time.Date(2024, 2, 28, 23, 30, 0, 0, time.UTC) ||
		got[1].Time.Precision.String() != "minute" || len(got[1].Quotes) != 1 || got[1].Quotes[0] != "201" {
		t.Errorf("custom post = %+v", got[1])
	}
}

func engineFor(dir string) engineCase {
	for _, ec := range engines {
		if ec.dir == dir {
			return ec
		}
	}
	panic("no test forum " + dir)
}
