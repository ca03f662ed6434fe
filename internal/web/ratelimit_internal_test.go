package web

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestClientAddr(t *testing.T) {
	s := &Server{proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}}
	for _, tc := range []struct {
		name, peer string
		header     map[string]string
		want       string
	}{
		{"direct", "192.0.2.1:1234", nil, "192.0.2.1"},
		{"direct IPv6", "[2001:db8::1]:443", nil, "2001:db8::1"},
		{"mapped IPv4", "[::ffff:192.0.2.9]:443", nil, "192.0.2.9"},
		{"headers from an untrusted peer", "192.0.2.1:1234", map[string]string{"X-Forwarded-For": "203.0.113.1", "Forwarded": "for=203.0.113.2"}, "192.0.2.1"},
		{"proxy, X-Forwarded-For", "10.0.0.1:80", map[string]string{"X-Forwarded-For": "203.0.113.1"}, "203.0.113.1"},
		{"proxy chain", "10.0.0.1:80", map[string]string{"X-Forwarded-For": "198.51.100.1, 203.0.113.1, 10.2.2.2"}, "203.0.113.1"},
		{"hop with a port", "10.0.0.1:80", map[string]string{"X-Forwarded-For": "203.0.113.1:5555"}, "203.0.113.1"},
		{"all trusted", "10.0.0.1:80", map[string]string{"X-Forwarded-For": "10.3.3.3, 10.2.2.2"}, "10.3.3.3"},
		{"garbled hop", "10.0.0.1:80", map[string]string{"X-Forwarded-For": "203.0.113.1, nonsense"}, "10.0.0.1"},
		{"no header", "10.0.0.1:80", nil, "10.0.0.1"},
		{"Forwarded first", "10.0.0.1:80", map[string]string{"Forwarded": `for="[2001:db8::7]:4711";proto=https`, "X-Forwarded-For": "203.0.113.1"}, "2001:db8::7"},
		{"Forwarded list", "[2001:db8:ffff::1]:80", map[string]string{"Forwarded": `for=198.51.100.1, for=203.0.113.1;by=10.0.0.1, For="10.0.0.2"`}, "203.0.113.1"},
		{"Forwarded unknown", "10.0.0.1:80", map[string]string{"Forwarded": "for=unknown"}, "10.0.0.1"},
		{"no port", "192.0.2.1", nil, "192.0.2.1"},
		{"not an address", "pipe", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			if got := addrString(s.clientAddr(r)); got != tc.want {
				t.Errorf("clientAddr = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLockoutCounts(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	l := newLockout(func() time.Time { return now })
	a := netip.MustParseAddr("192.0.2.1")

	// Parallel guesses: each begun check counts until it ends.
	var open []attempt
	for range pairBurst {
		at, ok, _ := l.begin(a, "alice")
		if !ok {
			t.Fatal("refused within the burst")
		}
		open = append(open, at)
	}
	if _, ok, wait := l.begin(a, "alice"); ok || wait != lockoutForgive {
		t.Errorf("a sixth check in flight: ok %v, wait %v; want refused for %v", ok, wait, lockoutForgive)
	}
	// Undecided checks give their place back; a success forgives the
	// pair's failures.
	l.end(open[0], undecided)
	l.end(open[1], succeeded)
	if _, ok, _ := l.begin(a, "alice"); !ok {
		t.Error("refused after a success")
	}
	// An address that never failed is never refused.
	if _, ok, _ := l.begin(netip.MustParseAddr("192.0.2.2"), "alice"); !ok {
		t.Error("another address refused")
	}
	// Failures drain: one per lockoutForgive.
	for _, at := range open[2:] {
		l.end(at, failed)
	}
	for range pairBurst {
		if at, ok, _ := l.begin(a, "bob"); ok {
			l.end(at, failed)
		}
	}
	if _, ok, _ := l.begin(a, "bob"); ok {
		t.Fatal("bob not locked after the burst")
	}
	now = now.Add(lockoutForgive)
	if _, ok, _ := l.begin(a, "bob"); !ok {
		t.Error("still locked after one failure drained")
	}
}

func TestLockoutMemoryIsBounded(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	l := newLockout(func() time.Time { return now })
	for i := range maxKeys + 500 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		at, _, _ := l.begin(a, fmt.Sprint("user", i))
		l.end(at, failed)
	}
	if n, m := len(l.pairs.m), len(l.addrs.m); n > maxKeys || m > maxKeys {
		t.Errorf("counts hold %d pairs and %d addresses, want at most %d", n, m, maxKeys)
	}
}
