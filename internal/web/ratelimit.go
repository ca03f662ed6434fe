package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Login attempts: a burst of 5, then one per 10 seconds, per client IP
// and per login name, so that neither one address nor one account can be
// guessed at speed.
const (
	loginBurst = 5
	loginRate  = rate.Limit(0.1)
)

// limiter keeps a token bucket per key.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	limit   rate.Limit
	burst   int
	now     func() time.Time
}

func newLimiter(limit rate.Limit, burst int, now func() time.Time) *limiter {
	return &limiter{buckets: map[string]*rate.Limiter{}, limit: limit, burst: burst, now: now}
}

// maxBuckets bounds the memory an attacker can make the limiter use.
const maxBuckets = 10000

// allow reports whether every key may act now; each key spends a token.
func (l *limiter) allow(keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.buckets) >= maxBuckets {
		// Drop buckets that have refilled: forgetting them changes nothing.
		for k, b := range l.buckets {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.buckets, k)
			}
		}
	}
	ok := true
	for _, k := range keys {
		b := l.buckets[k]
		if b == nil {
			b = rate.NewLimiter(l.limit, l.burst)
			l.buckets[k] = b
		}
		if !b.AllowN(now, 1) {
			ok = false
		}
	}
	return ok
}

// clientIP is the peer address of the request. Proxy headers are not
// trusted: behind a proxy, every client shares the proxy's budget, which
// fails safe.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func loginKeys(r *http.Request, login string) []string {
	return []string{"ip:" + clientIP(r), "login:" + strings.ToLower(strings.TrimSpace(login))}
}
