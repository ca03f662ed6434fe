package web

// Bounds on read requests: a time limit per request and a limit on how
// many run at once.
//
// Without them, under load, every query of every request waited for a
// connection of the store's read pool, and database/sql hands a freed
// connection to a waiter picked at random: a page that runs thirty small
// queries (a group page) drew thirty times and waited seconds, while one
// slow query held a connection as long as it liked. Now a read request
// first takes one of MaxReads slots, in arrival order (a channel's blocked
// senders are queued first come, first served), so the requests admitted
// find connections free; and its context ends ReadTimeout after it
// arrived, which stops its queries and answers 503 naming the limit.
// Searches, the slow reads, have a quarter of the slots to themselves, so
// that a burst of them does not make the cheap reads wait.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

const (
	// DefaultReadTimeout is Deps.ReadTimeout when unset: long enough for
	// the slowest page of a large base on a small machine, short enough
	// that a stuck query gives its connection back.
	DefaultReadTimeout = 10 * time.Second
	// DefaultMaxReads is Deps.MaxReads when unset: the SQLite read pool's
	// size on a small machine.
	DefaultMaxReads = 4
)

// codeTimeout is the code of a read that ran out of time.
const codeTimeout = "timeout"

// errReadLimit is the cause of a read request's context ending at its
// time limit, which tells that end from a client going away.
var errReadLimit = errors.New("read time limit reached")

// isBoundedRead reports whether a request is a read that the bounds apply
// to: a page or API GET. Static files and the health check need no
// database slot; feeds, TAXII and export downloads stream for as long as
// the export takes.
func isBoundedRead(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	for _, prefix := range []string{"/static/", "/feeds/", "/taxii2/"} {
		if strings.HasPrefix(p, prefix) {
			return false
		}
	}
	return p != "/healthz" && p != "/exports/download"
}

// isSearch reports whether a read is a search, which runs in the
// searches' own slots.
func isSearch(r *http.Request) bool {
	return r.URL.Path == "/search" || r.URL.Path == "/api/v1/search"
}

// limitReads applies the time limit and the slots to read requests.
func (s *Server) limitReads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isBoundedRead(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		if s.readTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeoutCause(ctx, s.readTimeout, errReadLimit)
			defer cancel()
			r = r.WithContext(ctx)
		}
		slots := s.reads
		if isSearch(r) {
			slots = s.searchReads
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		case <-ctx.Done():
			if context.Cause(ctx) == errReadLimit {
				w.Header().Set("Retry-After", "1")
				s.error(w, r, &statusError{Status: http.StatusServiceUnavailable, Code: codeTimeout,
					Message: fmt.Sprintf("the server is busy: this request waited %s, its time limit, for one of the %d reads of its kind that run at once; try again",
						s.readTimeout, cap(slots))})
			}
			return // the client went away
		}
		next.ServeHTTP(w, r)
	})
}

// readTimeoutError is what a read that ran out of time answers, whatever
// error its queries returned on the way (the drivers report the end of a
// context differently: interrupted, canceled, deadline exceeded).
func (s *Server) readTimeoutError(r *http.Request, err error) error {
	if context.Cause(r.Context()) != errReadLimit {
		return err
	}
	if _, ok := errors.AsType[*statusError](err); ok {
		return err
	}
	if c := intel.ErrorCode(err); c != intel.CodeInternal && c != "" {
		return err // a user error found before the time ran out
	}
	return &statusError{Status: http.StatusServiceUnavailable, Code: codeTimeout,
		Message: fmt.Sprintf("the request took longer than its time limit of %s and was stopped; narrow it (a longer search, a filter) or try again", s.readTimeout)}
}

// generationStore tells whether the base changed (store.Store.Generation:
// a number every write moves, in the database, so every replica sees it).
type generationStore interface {
	Generation(ctx context.Context) (int64, error)
}

// viewCache keeps values built from the base, by key, until the data
// generation moves: a group page ran some thirty queries for a view that
// changes only when something is written. At most max entries are kept;
// when full, the cache starts again empty.
type viewCache[K comparable, V any] struct {
	mu  sync.Mutex
	gen int64
	m   map[K]V
	max int
}

// get returns the value of key, built by build at the current generation
// when none is kept. Values are shared between requests: callers must not
// change them.
func (c *viewCache[K, V]) get(ctx context.Context, st generationStore, key K, build func(context.Context) (V, error)) (V, error) {
	gen, err := st.Generation(ctx)
	if err != nil {
		var zero V
		return zero, err
	}
	c.mu.Lock()
	if c.m == nil || c.gen != gen {
		c.m, c.gen = map[K]V{}, gen
	}
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	// Built outside the lock: one slow view does not hold up the others.
	// The generation was read before building, so a write committed
	// meanwhile leaves a value kept under the older generation, which
	// the next read replaces.
	v, err = build(ctx)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if len(c.m) >= c.max {
			c.m = map[K]V{}
		}
		c.m[key] = v
	}
	c.mu.Unlock()
	return v, nil
}
