package crawl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/temoto/robotstxt"
	"golang.org/x/time/rate"

	"github.com/spoor/spoor/internal/intel"
)

// Defaults for a zero Options.
const (
	DefaultUserAgent    = "spoor"
	DefaultMaxBytes     = 32 << 20
	DefaultTimeout      = time.Minute
	DefaultMaxRedirects = 5
	DefaultRobotsTTL    = 24 * time.Hour
	// DefaultInterval is the least time between two requests to one host
	// when its robots.txt gives no Crawl-delay.
	DefaultInterval = time.Second
	// maxCrawlDelay caps a robots.txt Crawl-delay: a site asking for an
	// hour between requests is read at this pace instead of stalling a
	// collection run.
	maxCrawlDelay = time.Minute
	// maxRobotsBytes bounds robots.txt, as Google does (500 KiB).
	maxRobotsBytes = 500 << 10
)

// Errors a fetch can fail with; each is in the chain of the returned error
// (errors.Is), and the error is an *intel.Error with CodeInvalid and a
// one-line message naming the URL.
var (
	ErrDisallowed     = errors.New("disallowed by robots.txt")
	ErrPrivateAddress = errors.New("private or local network address")
	ErrTooLarge       = errors.New("response too large")
	ErrContentType    = errors.New("content type not accepted")
	ErrStatus         = errors.New("unexpected HTTP status")
	ErrRedirects      = errors.New("too many redirects")
	ErrScheme         = errors.New("URL scheme not accepted")
)

// Response is what a fetch got.
type Response struct {
	URL          string // the final URL, after redirects
	Status       int
	ContentType  string // media type without parameters, lower case
	Body         []byte // nil when NotModified
	NotModified  bool   // the server answered 304 to a conditional GET
	ETag         string
	LastModified string
}

// Validators are what a conditional GET sends back to the server.
type Validators struct {
	ETag         string
	LastModified string
}

// Cache remembers the validators of fetched URLs. Implementations must be
// safe for concurrent use.
type Cache interface {
	// Get returns the validators stored for url; ok is false when none are.
	Get(ctx context.Context, url string) (v Validators, ok bool, err error)
	// Put stores the validators of url's latest full response.
	Put(ctx context.Context, url string, v Validators) error
}

// Resolver resolves a host name to addresses. net.DefaultResolver's
// LookupNetIP fits; tests inject their own.
type Resolver func(ctx context.Context, host string) ([]netip.Addr, error)

// Options configure a Fetcher. The zero value is a polite, safe fetcher.
type Options struct {
	UserAgent    string        // default "spoor"; also the robots.txt group looked up
	MaxBytes     int64         // response body limit; default 32 MiB
	Timeout      time.Duration // per request; default 1 minute
	MaxRedirects int           // default 5
	RobotsTTL    time.Duration // how long a host's robots.txt is cached; default 24 h
	// Interval is the least time between requests to one host; a longer
	// robots.txt Crawl-delay (capped at one minute) wins. Default 1 s.
	Interval time.Duration
	// AllowPrivate lets the fetcher connect to private, loopback,
	// link-local, multicast, unspecified and CGNAT addresses. Only for a
	// source an admin marked as internal, and for tests.
	AllowPrivate bool
	// AllowPrefixes exempts these networks from the private-address
	// refusal (an intranet report server), keeping it for the rest.
	AllowPrefixes []netip.Prefix
	// Cache keeps ETag and Last-Modified per URL; nil means an in-memory
	// cache for the Fetcher's life.
	Cache Cache
	// Resolver resolves host names; nil means the system resolver.
	Resolver Resolver
	// Now and Sleep are the clock of the rate limiter and the robots
	// cache; nil means the real ones. Tests inject a fake clock to check
	// the spacing of requests without waiting.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Transport, when set, replaces the dialing transport (tests of
	// everything but the address checks). The address checks live in the
	// default transport's dialer, so a custom one must do its own.
	Transport http.RoundTripper
	// Proxy, when set, is a SOCKS5 proxy every connection goes through:
	// "socks5://host:port" or "socks5h://host:port" (Tor:
	// socks5h://127.0.0.1:9050), with optional user:password. The
	// proxy's own address is exempt from the private-address refusal (it
	// is usually loopback); targets are not: see proxy.go.
	Proxy string
	// Cookies are Cookie header values by URL host (host or host:port, as
	// in the URL): a forum session sent to that host only, never to
	// another host a redirect leads to.
	Cookies map[string]string
	// AcceptJSON adds application/json to the accepted content types
	// (forum engines with a JSON API).
	AcceptJSON bool
}

// Fetcher fetches report pages politely. It is safe for concurrent use;
// its state (robots cache, per-host limiters) is its own, not the
// package's.
type Fetcher struct {
	opts   Options
	client *http.Client
	cache  Cache

	mu     sync.Mutex
	robots map[string]*robotsEntry // by scheme://host
	limits map[string]*rate.Limiter
}

type robotsEntry struct {
	data    *robotstxt.RobotsData
	fetched time.Time
	delay   time.Duration
}

// New returns a Fetcher.
func New(opts Options) *Fetcher {
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.RobotsTTL <= 0 {
		opts.RobotsTTL = DefaultRobotsTTL
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.Resolver == nil {
		opts.Resolver = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	f := &Fetcher{opts: opts, cache: opts.Cache, robots: map[string]*robotsEntry{}, limits: map[string]*rate.Limiter{}}
	if f.cache == nil {
		f.cache = NewMemoryCache()
	}
	rt := opts.Transport
	if rt == nil {
		dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: f.control}
		dial := f.dialer(dialer)
		if opts.Proxy != "" {
			dial = f.proxyDialer(opts.Proxy)
		}
		rt = &http.Transport{
			// No proxy from the environment: through a proxy the address
			// checks would see the proxy, not the target. A configured
			// SOCKS proxy is dialed by proxyDialer, which checks targets.
			Proxy:                 nil,
			DialContext:           dial,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          20,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   15 * time.Second,
			ResponseHeaderTimeout: opts.Timeout,
		}
	}
	f.client = &http.Client{
		Transport: rt,
		Timeout:   opts.Timeout,
		// Redirects are followed by Fetch itself, so that every hop is
		// checked against robots.txt, the scheme and the rate limit.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return f
}

// Transport returns the fetcher's transport: it dials only addresses the
// fetcher may reach, checked on the socket itself. Downloads that are not
// page crawls (a feed file) use it to get the same refusal of private
// targets.
func (f *Fetcher) Transport() http.RoundTripper { return f.client.Transport }

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// refused returns the user-facing error for a fetch of u that failed with
// one of the sentinel errors.
func refused(u string, sentinel error, format string, args ...any) error {
	return &intel.Error{Code: intel.CodeInvalid, Message: "fetch " + u + ": " + fmt.Sprintf(format, args...), Err: sentinel}
}

// Fetch gets rawURL: robots.txt permitting, at the host's pace, as a
// conditional GET when the cache has validators, following up to
// MaxRedirects redirects with every hop checked again, refusing private
// addresses (unless allowed), bodies over MaxBytes, and content other than
// HTML, PDF and plain text (and JSON with AcceptJSON).
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*Response, error) {
	if _, err := f.checkURL(rawURL); err != nil {
		return nil, err
	}
	v, cached, err := f.cache.Get(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: cache: %w", rawURL, err)
	}
	return f.fetch(ctx, rawURL, v, cached, true)
}

// Get is Fetch with the caller's validators instead of the cache's: a
// conditional GET when v is not nil, an unconditional one when it is, and
// the cache neither read nor written. A caller that stores validators
// with what it made of the page (a forum crawler keeps them with the
// posts) uses Get, so that a 304 never stands for a page it has not
// processed.
func (f *Fetcher) Get(ctx context.Context, rawURL string, v *Validators) (*Response, error) {
	if v == nil {
		return f.fetch(ctx, rawURL, Validators{}, false, false)
	}
	return f.fetch(ctx, rawURL, *v, v.ETag != "" || v.LastModified != "", false)
}

func (f *Fetcher) fetch(ctx context.Context, rawURL string, v Validators, cached, useCache bool) (*Response, error) {
	cur, err := f.checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	for hop := 0; ; hop++ {
		if err := f.allowed(ctx, cur); err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, cur.String(), nil)
		if err != nil {
			return nil, refused(cur.String(), ErrScheme, "%v", err)
		}
		req.Header.Set("User-Agent", f.opts.UserAgent)
		if f.opts.AcceptJSON {
			req.Header.Set("Accept", "application/json, text/html;q=0.9, application/xhtml+xml;q=0.9, text/plain;q=0.8")
		} else {
			req.Header.Set("Accept", "text/html, application/xhtml+xml, application/pdf, text/plain;q=0.9")
		}
		if c := f.opts.Cookies[cur.Host]; c != "" {
			req.Header.Set("Cookie", c)
		}
		// Validators belong to the URL asked for; a redirect chain ends
		// somewhere else, but servers key them by the final resource, and
		// a stale validator only costs a full response.
		if cached {
			if v.ETag != "" {
				req.Header.Set("If-None-Match", v.ETag)
			}
			if v.LastModified != "" {
				req.Header.Set("If-Modified-Since", v.LastModified)
			}
		}
		resp, err := f.do(ctx, req)
		if err != nil {
			return nil, err
		}
		switch {
		case isRedirect(resp.StatusCode):
			loc := resp.Header.Get("Location")
			resp.Body.Close()
			if hop >= f.opts.MaxRedirects {
				return nil, refused(rawURL, ErrRedirects, "more than %d redirects", f.opts.MaxRedirects)
			}
			next, err := cur.Parse(loc)
			if err != nil || loc == "" {
				return nil, refused(cur.String(), ErrStatus, "%s with a bad Location %q", resp.Status, loc)
			}
			if cur, err = f.checkURL(next.String()); err != nil {
				return nil, err
			}
			continue
		case resp.StatusCode == http.StatusNotModified && cached:
			resp.Body.Close()
			return &Response{URL: cur.String(), Status: resp.StatusCode, NotModified: true, ETag: v.ETag, LastModified: v.LastModified}, nil
		case resp.StatusCode < 200 || resp.StatusCode > 299:
			resp.Body.Close()
			return nil, refused(cur.String(), ErrStatus, "%s", resp.Status)
		}
		out, err := f.read(cur.String(), resp)
		if err != nil {
			return nil, err
		}
		if useCache && (out.ETag != "" || out.LastModified != "") {
			if err := f.cache.Put(ctx, rawURL, Validators{ETag: out.ETag, LastModified: out.LastModified}); err != nil {
				return nil, fmt.Errorf("fetch %s: cache: %w", rawURL, err)
			}
		}
		return out, nil
	}
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// checkURL accepts absolute http and https URLs with a host and no user
// information (credentials in a URL would be sent to whatever the
// redirect chain ends at).
func (f *Fetcher) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, refused(raw, ErrScheme, "bad URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, refused(raw, ErrScheme, "only http and https URLs are fetched")
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, refused(raw, ErrScheme, "the URL has no host")
	}
	if u.User != nil {
		return nil, refused(raw, ErrScheme, "URLs with credentials are not fetched")
	}
	u.Fragment = ""
	return u, nil
}

// do sends one request after waiting for the host's turn.
func (f *Fetcher) do(ctx context.Context, req *http.Request) (*http.Response, error) {
	if err := f.wait(ctx, req.URL.Host); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrPrivateAddress) {
			return nil, refused(req.URL.String(), ErrPrivateAddress, "%s resolves to a private or local network address", req.URL.Hostname())
		}
		return nil, &intel.Error{Code: intel.CodeInvalid, Message: fmt.Sprintf("fetch %s: %v", req.URL, unwrapURLError(err)), Err: err}
	}
	return resp, nil
}

func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// read takes the body of a 2xx response within the limits.
func (f *Fetcher) read(u string, resp *http.Response) (*Response, error) {
	defer resp.Body.Close()
	if resp.ContentLength > f.opts.MaxBytes {
		return nil, refused(u, ErrTooLarge, "the response is %d bytes, over the %d-byte limit", resp.ContentLength, f.opts.MaxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.opts.MaxBytes+1))
	if err != nil {
		return nil, &intel.Error{Code: intel.CodeInvalid, Message: fmt.Sprintf("fetch %s: read: %v", u, err), Err: err}
	}
	if int64(len(body)) > f.opts.MaxBytes {
		return nil, refused(u, ErrTooLarge, "the response is over the %d-byte limit", f.opts.MaxBytes)
	}
	ct, err := contentType(resp.Header.Get("Content-Type"), body, f.opts.AcceptJSON)
	if err != nil {
		return nil, refused(u, ErrContentType, "%v", err)
	}
	return &Response{URL: u, Status: resp.StatusCode, ContentType: ct, Body: body,
		ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}, nil
}

// contentType accepts HTML, PDF and plain text, and JSON when json is
// set. A missing or generic type is sniffed from the body.
func contentType(header string, body []byte, json bool) (string, error) {
	mt := ""
	if header != "" {
		t, _, err := mime.ParseMediaType(header)
		if err == nil {
			mt = strings.ToLower(t)
		}
	}
	if mt == "" || mt == "application/octet-stream" || mt == "binary/octet-stream" {
		sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(body))
		if bytes.HasPrefix(body, []byte("%PDF-")) {
			sniffed = "application/pdf"
		}
		mt = sniffed
	}
	switch mt {
	case "text/html", "application/xhtml+xml", "application/pdf", "text/plain":
		return mt, nil
	case "application/json":
		if json {
			return mt, nil
		}
	}
	if json {
		return "", fmt.Errorf("content type %q is not JSON, HTML, PDF or plain text", mt)
	}
	return "", fmt.Errorf("content type %q is not HTML, PDF or plain text", mt)
}

// limiter returns the host's rate limiter, creating it at the default
// pace.
func (f *Fetcher) limiter(host string) *rate.Limiter {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.limits[host]
	if !ok {
		l = rate.NewLimiter(rate.Every(f.opts.Interval), 1)
		f.limits[host] = l
	}
	return l
}

// wait blocks until the host may be asked again. It reserves on the
// injected clock and sleeps with the injected sleep, so tests see the
// spacing without waiting for it.
func (f *Fetcher) wait(ctx context.Context, host string) error {
	l := f.limiter(host)
	now := f.opts.Now()
	r := l.ReserveN(now, 1)
	if !r.OK() {
		return fmt.Errorf("rate limit for %s cannot be met", host)
	}
	if err := f.opts.Sleep(ctx, r.DelayFrom(now)); err != nil {
		r.CancelAt(now)
		return err
	}
	return nil
}

// allowed checks robots.txt for u, fetching and caching it per host.
func (f *Fetcher) allowed(ctx context.Context, u *url.URL) error {
	key := u.Scheme + "://" + u.Host
	now := f.opts.Now()
	f.mu.Lock()
	e, ok := f.robots[key]
	f.mu.Unlock()
	if !ok || now.Sub(e.fetched) >= f.opts.RobotsTTL {
		var err error
		if e, err = f.fetchRobots(ctx, u); err != nil {
			return err
		}
		e.fetched = now
		f.mu.Lock()
		f.robots[key] = e
		f.mu.Unlock()
		interval := max(f.opts.Interval, e.delay)
		f.limiter(u.Host).SetLimitAt(now, rate.Every(interval))
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	// TestAgent, not FindGroup(...).Test: only it honours the "disallow
	// all" a 5xx robots.txt stands for.
	if !e.data.TestAgent(path, f.opts.UserAgent) {
		return refused(u.String(), ErrDisallowed, "robots.txt of %s disallows %s for %q", u.Host, path, f.opts.UserAgent)
	}
	return nil
}

// fetchRobots gets /robots.txt of u's host. A missing file (4xx) allows
// everything; a server error (5xx) disallows everything for the TTL, as
// RFC 9309 says; an unreachable host fails the fetch.
func (f *Fetcher) fetchRobots(ctx context.Context, u *url.URL) (*robotsEntry, error) {
	ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	status, body, err := f.getRobots(ctx, ru, 0)
	if err != nil {
		return nil, err
	}
	data, err := robotstxt.FromStatusAndBytes(status, body)
	if err != nil {
		// An unparsable file is treated as empty: the site tried to say
		// something and there is no rule we could follow.
		data, _ = robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
	}
	g := data.FindGroup(f.opts.UserAgent)
	return &robotsEntry{data: data, delay: min(g.CrawlDelay, maxCrawlDelay)}, nil
}

// getRobots fetches robots.txt following redirects (RFC 9309 asks for at
// least five), with the same address checks as any request.
func (f *Fetcher) getRobots(ctx context.Context, ru *url.URL, hop int) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ru.String(), nil)
	if err != nil {
		return 0, nil, refused(ru.String(), ErrScheme, "%v", err)
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	resp, err := f.do(ctx, req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if isRedirect(resp.StatusCode) && hop < f.opts.MaxRedirects {
		next, err := ru.Parse(resp.Header.Get("Location"))
		if err != nil {
			return http.StatusNotFound, nil, nil
		}
		if next, err = f.checkURL(next.String()); err != nil {
			return 0, nil, err
		}
		return f.getRobots(ctx, next, hop+1)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRobotsBytes))
	if err != nil {
		return 0, nil, &intel.Error{Code: intel.CodeInvalid, Message: fmt.Sprintf("fetch %s: %v", ru, err), Err: err}
	}
	return resp.StatusCode, body, nil
}

// dialer resolves the host itself, drops addresses the fetcher must not
// reach, and dials the rest by IP; control checks again on the socket, so
// what is checked is what is connected to (no DNS rebinding between a
// check and the dial).
func (f *Fetcher) dialer(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		var ips []netip.Addr
		if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
			ips = []netip.Addr{ip}
		} else if ips, err = f.opts.Resolver(ctx, host); err != nil {
			return nil, err
		}
		var errs []error
		for _, ip := range ips {
			if !f.permitted(ip) {
				errs = append(errs, fmt.Errorf("%s: %w", ip, ErrPrivateAddress))
				continue
			}
			c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
		}
		if len(errs) == 0 {
			return nil, fmt.Errorf("%s has no address", host)
		}
		return nil, errors.Join(errs...)
	}
}

// control is the dialer's last check, on the address the socket is about
// to connect to.
func (f *Fetcher) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	if !f.permitted(ap.Addr()) {
		return fmt.Errorf("%s: %w", ap.Addr(), ErrPrivateAddress)
	}
	return nil
}

func (f *Fetcher) permitted(ip netip.Addr) bool {
	if f.opts.AllowPrivate {
		return true
	}
	ip = ip.Unmap()
	for _, p := range f.opts.AllowPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return !Private(ip)
}

// Private reports whether ip is an address a fetcher of public reports
// must not connect to: unspecified, loopback, private (RFC 1918, RFC 4193),
// link-local (including cloud metadata at 169.254.169.254), multicast,
// CGNAT (100.64.0.0/10), "this network" (0.0.0.0/8), IPv4 reserved and
// broadcast (240.0.0.0/4), IETF protocol assignments (192.0.0.0/24),
// benchmarking (198.18.0.0/15), and IPv6 forms that embed an IPv4 address
// (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) when the embedded
// address is one of those.
func Private(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return true
	}
	if ip.Is4() {
		b := ip.As4()
		switch {
		case b[0] == 0, // this network
			b[0] == 100 && b[1]&0xc0 == 64,        // CGNAT 100.64.0.0/10
			b[0] == 192 && b[1] == 0 && b[2] == 0, // IETF protocol assignments
			b[0] == 198 && b[1]&0xfe == 18,        // benchmarking 198.18.0.0/15
			b[0] >= 240:                           // reserved and broadcast
			return true
		}
		return false
	}
	b := ip.As16()
	switch {
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && allZero(b[4:12]): // NAT64
		return Private(netip.AddrFrom4([4]byte(b[12:16])))
	case b[0] == 0x20 && b[1] == 0x02: // 6to4
		return Private(netip.AddrFrom4([4]byte(b[2:6])))
	case allZero(b[0:12]): // IPv4-compatible (deprecated)
		return true
	}
	return false
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// memoryCache is the default Cache: validators for the Fetcher's life.
type memoryCache struct {
	mu sync.Mutex
	m  map[string]Validators
}

// NewMemoryCache returns an in-memory Cache.
func NewMemoryCache() Cache { return &memoryCache{m: map[string]Validators{}} }

func (c *memoryCache) Get(_ context.Context, url string) (Validators, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[url]
	return v, ok, nil
}

func (c *memoryCache) Put(_ context.Context, url string, v Validators) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[url] = v
	return nil
}

// FetchStateStore is what StoreCache needs of the store.
type FetchStateStore interface {
	FindFetchState(ctx context.Context, url string) (*intel.FetchState, error)
	SaveFetchState(ctx context.Context, st *intel.FetchState) error
}

// StoreCache keeps validators in the store (table fetch_state), so that
// conditional GETs work across runs and workers.
func StoreCache(s FetchStateStore, now func() time.Time) Cache {
	if now == nil {
		now = time.Now
	}
	return storeCache{s: s, now: now}
}

type storeCache struct {
	s   FetchStateStore
	now func() time.Time
}

func (c storeCache) Get(ctx context.Context, url string) (Validators, bool, error) {
	st, err := c.s.FindFetchState(ctx, url)
	if intel.ErrorCode(err) == intel.CodeNotFound {
		return Validators{}, false, nil
	}
	if err != nil {
		return Validators{}, false, err
	}
	return Validators{ETag: st.ETag, LastModified: st.LastModified}, true, nil
}

func (c storeCache) Put(ctx context.Context, url string, v Validators) error {
	return c.s.SaveFetchState(ctx, &intel.FetchState{URL: url, ETag: v.ETag, LastModified: v.LastModified, FetchedAt: c.now()})
}
