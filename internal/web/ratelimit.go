package web

import (
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sign-in lockout. Only failed password checks count, per (address,
// account) and per address, and a failure is forgiven every
// lockoutForgive. An address that has failed pairBurst times for one
// account, or addrBurst times in all, waits; no one else does, so no one
// can lock a user out from another address, and a correct password from
// an address that has not been failing is never refused. A success
// forgives that address's failures for that account. The counts live in
// memory, per replica.
const (
	pairBurst      = 5
	addrBurst      = 20
	lockoutForgive = 10 * time.Second
)

// lockout counts failed password checks.
type lockout struct {
	mu    sync.Mutex
	now   func() time.Time
	pairs failures // by address + "\x00" + account
	addrs failures // by address
}

func newLockout(now func() time.Time) *lockout {
	return &lockout{now: now, pairs: failures{burst: pairBurst}, addrs: failures{burst: addrBurst}}
}

// attempt is one password check under way, from begin to end.
type attempt struct{ addr, pair string }

// outcome is how a password check ended.
type outcome int

const (
	failed    outcome = iota // the password was wrong
	succeeded                // it was right
	undecided                // nothing was checked (an internal error)
)

// begin reserves a password check of account from addr. It reports false,
// with how long to wait, when the address has failed too often; else the
// check counts as a failure until end says otherwise, so that parallel
// guesses cannot all slip in before the first one fails.
func (l *lockout) begin(addr netip.Addr, account string) (attempt, bool, time.Duration) {
	a := attempt{addr: addrKey(addr)}
	a.pair = a.addr + "\x00" + accountKey(account)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	wait := max(l.pairs.wait(a.pair, now), l.addrs.wait(a.addr, now))
	if wait > 0 {
		return a, false, wait
	}
	l.pairs.add(a.pair, now, 1)
	l.addrs.add(a.addr, now, 1)
	return a, true, 0
}

// end settles an attempt begun with begin.
func (l *lockout) end(a attempt, o outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	switch o {
	case succeeded:
		l.pairs.reset(a.pair)
		l.addrs.add(a.addr, now, -1)
	case undecided:
		l.pairs.add(a.pair, now, -1)
		l.addrs.add(a.addr, now, -1)
	}
}

// failures is a leaky count per key: each failure adds one, and one
// drains away every lockoutForgive.
type failures struct {
	burst int
	m     map[string]*failCount
}

type failCount struct {
	n  float64
	at time.Time
}

// maxKeys bounds the memory an attacker can make a count use.
const maxKeys = 10000

func (f *failures) level(k string, now time.Time) float64 {
	c := f.m[k]
	if c == nil {
		return 0
	}
	return math.Max(0, c.n-now.Sub(c.at).Seconds()/lockoutForgive.Seconds())
}

// wait is how long k must wait before one more failure fits its burst.
func (f *failures) wait(k string, now time.Time) time.Duration {
	over := f.level(k, now) + 1 - float64(f.burst)
	if over <= 0 {
		return 0
	}
	return time.Duration(over * float64(lockoutForgive))
}

func (f *failures) add(k string, now time.Time, d float64) {
	if f.m == nil {
		f.m = map[string]*failCount{}
	}
	if _, ok := f.m[k]; !ok && len(f.m) >= maxKeys {
		f.evict(now)
	}
	f.m[k] = &failCount{n: math.Max(0, f.level(k, now)+d), at: now}
}

func (f *failures) reset(k string) { delete(f.m, k) }

// evict forgets the counts that have drained; when none has, the
// lowest, so that a flood of new addresses cannot grow the map, and
// forgets first what matters least.
func (f *failures) evict(now time.Time) {
	low, lowKey := math.Inf(1), ""
	for k := range f.m {
		n := f.level(k, now)
		if n == 0 {
			delete(f.m, k)
			continue
		}
		if n < low {
			low, lowKey = n, k
		}
	}
	if len(f.m) >= maxKeys {
		delete(f.m, lowKey)
	}
}

// addrKey is the address a count is kept for: an IPv4 address, or the
// /64 of an IPv6 one (a single host is commonly given a whole /64).
func addrKey(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// accountKey folds a login as the store does, bounded in length.
func accountKey(login string) string {
	k := strings.ToLower(strings.TrimSpace(login))
	if len(k) > 256 {
		k = k[:256]
	}
	return k
}

// retryAfter is the Retry-After value for a wait: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.FormatInt(int64(math.Ceil(max(d, time.Second).Seconds())), 10)
}

// clientAddr is the address of the client: the peer address without its
// port, unless the peer is a trusted proxy (Deps.TrustedProxies); then
// the nearest address in Forwarded (or else X-Forwarded-For) that is not
// a trusted proxy, read from the right, since each proxy appends the
// address it saw and only the trusted ones can be believed. A value that
// cannot be read stops the walk at the last trusted hop, so a garbled
// header shares the proxy's budget instead of inventing a client.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	peer := parseAddr(r.RemoteAddr)
	if !s.trusted(peer) {
		return peer
	}
	hops := forwardedFor(r.Header)
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a := parseAddr(hops[i])
		if !a.IsValid() {
			break
		}
		client = a
		if !s.trusted(a) {
			break
		}
	}
	return client
}

func (s *Server) trusted(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor lists the client addresses of the Forwarded header's for=
// parameters (RFC 7239), or, without one, of X-Forwarded-For, first hop
// first.
func forwardedFor(h http.Header) []string {
	var hops []string
	for _, line := range h.Values("Forwarded") {
		for elem := range strings.SplitSeq(line, ",") {
			for pair := range strings.SplitSeq(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					hops = append(hops, strings.Trim(v, `"`))
				}
			}
		}
	}
	if len(hops) > 0 {
		return hops
	}
	for _, line := range h.Values("X-Forwarded-For") {
		for v := range strings.SplitSeq(line, ",") {
			hops = append(hops, strings.TrimSpace(v))
		}
	}
	return hops
}

// addrString is a's text, or "" when there is no address.
func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// parseAddr reads an address with or without a port ("192.0.2.1",
// "192.0.2.1:80", "[2001:db8::1]:80", "2001:db8::1"), unmapping IPv4 in
// IPv6; anything else is the invalid Addr.
func parseAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap()
	}
	return netip.Addr{}
}
