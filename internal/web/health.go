package web

// Liveness and readiness, for load balancers and orchestrators.

import (
	"context"
	"net/http"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// readyStore reports whether the database answers and its migrations are current
// (/readyz): nil, an internal error, or a user-facing reason.
type readyStore interface {
	Ready(ctx context.Context) error
}

// healthz says the process answers; readyz whether it can serve.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when the database is reachable and has exactly the
// migrations this binary knows, else 503 with the reason, so that a load
// balancer sends no traffic to a replica that cannot serve (its database
// is down, or a newer replica migrated it). The page is public: a
// database error is shown only as "database unreachable" and logged.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	err := s.store.Ready(ctx)
	if err == nil {
		_, _ = w.Write([]byte("ready\n"))
		return
	}
	reason := "database unreachable"
	if intel.ErrorCode(err) != intel.CodeInternal {
		reason = intel.ErrorMessage(err)
	}
	s.log.Warn("not ready", "reason", reason, "err", err)
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte("not ready: " + reason + "\n"))
}

// readyTimeout bounds a readiness check: a probe that hangs is as bad
// as one that fails.
const readyTimeout = 3 * time.Second
