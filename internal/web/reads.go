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

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
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
		select {
		case s.reads <- struct{}{}:
			defer func() { <-s.reads }()
		case <-ctx.Done():
			if context.Cause(ctx) == errReadLimit {
				w.Header().Set("Retry-After", "1")
				s.error(w, r, &statusError{Status: http.StatusServiceUnavailable, Code: codeTimeout,
					Message: fmt.Sprintf("the server is busy: this request waited %s, its time limit, for one of the %d reads that run at once; try again",
						s.readTimeout, cap(s.reads))})
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
