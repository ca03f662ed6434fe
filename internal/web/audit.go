package web

// The audit trail (admin only): the page and /api/v1/audit.

import (
	"context"
	"net/http"

	"github.com/spoor/spoor/internal/intel"
)

// auditStore reads the audit trail.
type auditStore interface {
	FindAudit(ctx context.Context, f intel.AuditFilter) (intel.Page[*intel.AuditEntry], error)
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	page, err := s.audit(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(page))
}

func (s *Server) audit(r *http.Request) (intel.Page[*intel.AuditEntry], error) {
	limit, err := queryLimit(r)
	if err != nil {
		return intel.Page[*intel.AuditEntry]{}, err
	}
	uid, err := queryInt64(r, "user_id")
	if err != nil {
		return intel.Page[*intel.AuditEntry]{}, err
	}
	return s.store.FindAudit(r.Context(), intel.AuditFilter{UserID: uid, After: r.URL.Query().Get("after"), Limit: limit})
}

type auditData struct {
	Items []*intel.AuditEntry
	Next  string
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	page, err := s.audit(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit", auditData{Items: page.Items, Next: nextURL(r, page.Next)})
}
