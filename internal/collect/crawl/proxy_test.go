package crawl_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/spoor/spoor/internal/collect/crawl"
)

// socksServer is a minimal SOCKS5 proxy (no authentication, CONNECT only)
// on loopback. It records the address each CONNECT asked for and connects
// every request to upstream, as Tor would connect to a hidden service.
type socksServer struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	asked    []string
}

func newSocks(t *testing.T, upstream string) *socksServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &socksServer{ln: ln, upstream: upstream}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *socksServer) Asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

func (s *socksServer) serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 262)
	// Greeting: version, methods.
	if _, err := io.ReadFull(c, buf[:2]); err != nil {
		return
	}
	if _, err := io.ReadFull(c, buf[:buf[1]]); err != nil {
		return
	}
	c.Write([]byte{5, 0})
	// Request: version, CONNECT, reserved, address type.
	if _, err := io.ReadFull(c, buf[:4]); err != nil {
		return
	}
	var host string
	switch buf[3] {
	case 1:
		io.ReadFull(c, buf[:4])
		host = netip.AddrFrom4([4]byte(buf[:4])).String()
	case 3:
		io.ReadFull(c, buf[:1])
		n := int(buf[0])
		io.ReadFull(c, buf[:n])
		host = string(buf[:n])
	case 4:
		io.ReadFull(c, buf[:16])
		host = netip.AddrFrom16([16]byte(buf[:16])).String()
	default:
		return
	}
	io.ReadFull(c, buf[:2])
	port := binary.BigEndian.Uint16(buf[:2])
	s.mu.Lock()
	s.asked = append(s.asked, net.JoinHostPort(host, strconv.Itoa(int(port))))
	s.mu.Unlock()
	up, err := net.Dial("tcp", s.upstream)
	if err != nil {
		c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	defer up.Close()
	c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
	go io.Copy(up, c)
	io.Copy(c, up)
}

// The proxy is on loopback and must be reachable although loopback
// targets are refused; targets are checked before the proxy is asked, a
// hidden service goes to the proxy by name, and a clear-web name goes as
// the checked IP.
func TestProxy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<p>hello from %s</p>", r.Host)
	}))
	defer srv.Close()
	socks := newSocks(t, srv.Listener.Addr().String())
	resolver := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "public.example":
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		case "intranet.example":
			return []netip.Addr{netip.MustParseAddr("10.1.2.3")}, nil
		}
		return nil, fmt.Errorf("no such host %s", host)
	}
	for _, scheme := range []string{"socks5h", "socks5"} {
		f := crawl.New(crawl.Options{Proxy: scheme + "://" + socks.ln.Addr().String(), Resolver: resolver, Interval: 1})
		ctx := context.Background()

		before := len(socks.Asked())
		resp, err := f.Fetch(ctx, "http://forumxyz.onion/index.html")
		if err != nil {
			t.Fatalf("%s onion: %v", scheme, err)
		}
		if !strings.Contains(string(resp.Body), "hello from forumxyz.onion") {
			t.Errorf("%s onion body = %q", scheme, resp.Body)
		}
		asked := socks.Asked()[before:]
		if len(asked) == 0 || strings.Join(asked, "") != strings.Repeat("forumxyz.onion:80", len(asked)) {
			t.Errorf("%s onion: proxy asked for %v, want the name only", scheme, asked)
		}

		before = len(socks.Asked())
		if _, err := f.Fetch(ctx, "http://public.example/a"); err != nil {
			t.Fatalf("%s public: %v", scheme, err)
		}
		asked = socks.Asked()[before:]
		if len(asked) == 0 || asked[0] != "93.184.216.34:80" {
			t.Errorf("%s public: proxy asked for %v, want the checked IP", scheme, asked)
		}

		for _, target := range []string{"http://127.0.0.1:9050/", "http://[::1]/", "http://intranet.example/", "http://169.254.169.254/latest/meta-data/"} {
			before = len(socks.Asked())
			_, err := f.Fetch(ctx, target)
			if !errors.Is(err, crawl.ErrPrivateAddress) {
				t.Errorf("%s %s: err = %v, want ErrPrivateAddress", scheme, target, err)
			}
			if got := socks.Asked()[before:]; len(got) != 0 {
				t.Errorf("%s %s: proxy was asked for %v", scheme, target, got)
			}
		}
	}
}

func TestParseProxy(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"socks5h://127.0.0.1:9050", true},
		{"socks5://user:pw@proxy.example:1080", true},
		{"http://127.0.0.1:8080", false},
		{"socks5h://127.0.0.1", false},
		{"socks5h://127.0.0.1:9050/path", false},
		{"::", false},
	} {
		_, err := crawl.ParseProxy(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseProxy(%q) err = %v, want ok %v", tc.in, err, tc.ok)
		}
	}
	// A password never appears in the message.
	_, err := crawl.ParseProxy("ftp://u:secretpw@h:1")
	if err == nil || strings.Contains(err.Error(), "secretpw") {
		t.Errorf("err = %v", err)
	}
	// A fetcher with a bad proxy fails every fetch with ErrProxy.
	f := crawl.New(crawl.Options{Proxy: "http://127.0.0.1:1", Interval: 1})
	if _, err := f.Fetch(context.Background(), "http://forum.example/"); !errors.Is(err, crawl.ErrProxy) {
		t.Errorf("bad proxy fetch err = %v", err)
	}
}

// Cookies go to their own host only; Get sends the caller's validators
// and leaves the cache alone; JSON is accepted only when asked for.
func TestCookiesGetJSON(t *testing.T) {
	var mu sync.Mutex
	var cookies []string
	var conds []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		cookies = append(cookies, r.URL.Path+"="+r.Header.Get("Cookie"))
		conds = append(conds, r.URL.Path+"="+r.Header.Get("If-None-Match"))
		mu.Unlock()
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/away":
			http.Redirect(w, r, "http://localhost:"+strings.Split(r.Host, ":")[1]+"/other", http.StatusFound)
		case "/data.json":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("ETag", `"v1"`)
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			fmt.Fprint(w, `{"a":1}`)
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<p>x</p>")
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	ctx := context.Background()
	f := crawl.New(crawl.Options{AllowPrivate: true, Interval: 1, AcceptJSON: true, Cookies: map[string]string{host: "sid=abc"}})
	if _, err := f.Fetch(ctx, srv.URL+"/away"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := strings.Join(cookies, " ")
	mu.Unlock()
	if !strings.Contains(got, "/away=sid=abc") || strings.Contains(got, "/other=sid") {
		t.Errorf("cookies sent: %s", got)
	}
	r1, err := f.Get(ctx, srv.URL+"/data.json", nil)
	if err != nil || r1.ContentType != "application/json" || r1.ETag != `"v1"` {
		t.Fatalf("Get = %+v, %v", r1, err)
	}
	// The cache was not written: Fetch is unconditional.
	if r, err := f.Fetch(ctx, srv.URL+"/data.json"); err != nil || r.NotModified {
		t.Fatalf("Fetch after Get = %+v, %v", r, err)
	}
	r2, err := f.Get(ctx, srv.URL+"/data.json", &crawl.Validators{ETag: r1.ETag})
	if err != nil || !r2.NotModified {
		t.Fatalf("conditional Get = %+v, %v", r2, err)
	}
	plain := crawl.New(crawl.Options{AllowPrivate: true, Interval: 1})
	if _, err := plain.Fetch(ctx, srv.URL+"/data.json"); !errors.Is(err, crawl.ErrContentType) {
		t.Errorf("JSON without AcceptJSON: %v", err)
	}
}
