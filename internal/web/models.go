package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/reputation"
)

// modelVersions is, per model kind, the encoding this spoor reads: a
// stored model of another cannot be put in use.
var modelVersions = map[string]int{"attribution": attribute.EncodingVersion, reputation.ModelKind: reputation.FormatVersion}

// ModelReadable says whether this spoor can use a stored model of kind
// and version, and if not why: the CLI's spoor model pin asks it too.
func ModelReadable(kind string, version int) error {
	want, ok := modelVersions[kind]
	switch {
	case !ok:
		return intel.Errorf(intel.CodeInvalid, "spoor uses no %q models", kind)
	case version != want:
		return intel.Errorf(intel.CodeInvalid, "the %s model reads encoding %d and this spoor reads %d: it cannot be put in use", kind, version, want)
	}
	return nil
}

// ModelStore is what the model list and pins read and change.
type ModelStore interface {
	ListModels(ctx context.Context, kind string) ([]*intel.Model, error)
	PinModel(ctx context.Context, id int64, usable func(kind string, version int) error) (*intel.Model, error)
}

// StoredModel is a stored model as lists show it: which one of its kind
// is in use (the pinned one, else the newest).
type StoredModel struct {
	*intel.Model
	InUse bool `json:"in_use"`
	// Readable is false for a model this spoor cannot load (an older
	// encoding): it is listed but cannot be pinned.
	Readable bool `json:"readable"`
	// The stored JSON texts, as JSON rather than strings.
	Params     json.RawMessage `json:"params"`
	Summary    json.RawMessage `json:"summary"`
	Evaluation json.RawMessage `json:"evaluation"`
}

// ListModels lists the stored models of a kind ("" for all), newest
// first, marking the one in use per kind: the page, the API and spoor
// model list show this.
func ListModels(ctx context.Context, st ModelStore, kind string) ([]StoredModel, error) {
	models, err := st.ListModels(ctx, kind)
	if err != nil {
		return nil, err
	}
	chosen := map[string]int{}
	out := make([]StoredModel, len(models))
	for i, m := range models {
		out[i] = StoredModel{Model: m, Readable: ModelReadable(m.Kind, m.Version) == nil,
			Params: rawJSON(m.Params), Summary: rawJSON(m.Summary), Evaluation: rawJSON(m.Evaluation)}
		if c, ok := chosen[m.Kind]; !ok || m.Pinned && !models[c].Pinned {
			chosen[m.Kind] = i
		}
	}
	for _, i := range chosen {
		out[i].InUse = true
	}
	return out, nil
}

// PinModel puts a stored model in use, if this spoor can read it.
func PinModel(ctx context.Context, st ModelStore, id int64) (*intel.Model, error) {
	return st.PinModel(ctx, id, func(kind string, version int) error {
		if err := ModelReadable(kind, version); err != nil {
			return intel.Errorf(intel.CodeInvalid, "model %d: %s", id, intel.ErrorMessage(err))
		}
		return nil
	})
}

func (s *Server) apiModels(w http.ResponseWriter, r *http.Request) {
	out, err := ListModels(r.Context(), s.store, strings.TrimSpace(r.URL.Query().Get("kind")))
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
	m, err := PinModel(r.Context(), s.store, id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) apiModelUnpin(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if _, ok := modelVersions[kind]; !ok {
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
	if _, err := PinModel(r.Context(), s.store, id); err != nil {
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

// SummaryText writes the model's training summary (a JSON object) as
// "key value" pairs of its plain values, in key order: "events 7874,
// first 2012-05-15, groups 159, …".
func (m StoredModel) SummaryText() string {
	var fields map[string]any
	if json.Unmarshal(m.Summary, &fields) != nil {
		return ""
	}
	keys := make([]string, 0, len(fields))
	for k, v := range fields {
		switch v.(type) {
		case string, float64, bool:
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %v", strings.ReplaceAll(k, "_", " "), fields[k]))
	}
	return strings.Join(parts, ", ")
}
