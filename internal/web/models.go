package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/models"
)

func (s *Server) apiModels(w http.ResponseWriter, r *http.Request) {
	out, err := models.List(r.Context(), s.store, strings.TrimSpace(r.URL.Query().Get("kind")))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiModelPin(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.error(w, r, intel.Errorf(intel.CodeInvalid, "model ID %q is not a number", r.PathValue("id")))
		return
	}
	m, err := models.Pin(r.Context(), s.store, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) apiModelUnpin(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !models.Known(kind) {
		s.error(w, r, intel.Errorf(intel.CodeNotFound, "spoor uses no %q models", kind))
		return
	}
	if _, err := s.store.UnpinModel(r.Context(), kind); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// modelPinForm and modelUnpinForm are the model page's buttons; both
// return to the page.
func (s *Server) modelPinForm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	if err != nil || id < 1 {
		s.error(w, r, intel.Errorf(intel.CodeInvalid, "model ID %q is not a number", r.PostForm.Get("id")))
		return
	}
	if _, err := models.Pin(r.Context(), s.store, id); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/attribute/model", http.StatusSeeOther)
}

func (s *Server) modelUnpinForm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if _, err := s.store.UnpinModel(r.Context(), "attribution"); err != nil {
		s.error(w, r, fmt.Errorf("unpin: %w", err))
		return
	}
	http.Redirect(w, r, "/attribute/model", http.StatusSeeOther)
}
