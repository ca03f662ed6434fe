// Package models says which stored models (attribution, reputation) this
// spoor can use and which one of each kind is in use: the pinned one, else
// the newest. The model page, the API and spoor model list and pin call
// it.
package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/reputation"
)

// modelVersions is, per model kind, the encoding this spoor reads: a
// stored model of another cannot be put in use.
var versions = map[string]int{"attribution": attribute.EncodingVersion, reputation.ModelKind: reputation.FormatVersion}

// Readable says whether this spoor can use a stored model of kind and
// version, and if not why.
func Readable(kind string, version int) error {
	want, ok := versions[kind]
	switch {
	case !ok:
		return intel.Errorf(intel.CodeInvalid, "spoor uses no %q models", kind)
	case version != want:
		return intel.Errorf(intel.CodeInvalid, "the %s model reads encoding %d and this spoor reads %d: it cannot be put in use", kind, version, want)
	}
	return nil
}

// Known says whether spoor uses models of kind.
func Known(kind string) bool {
	_, ok := versions[kind]
	return ok
}

// Store is what the model list and pins read and change.
type Store interface {
	ListModels(ctx context.Context, kind string) ([]*intel.Model, error)
	PinModel(ctx context.Context, id int64, usable func(kind string, version int) error) (*intel.Model, error)
}

// Stored is a stored model as lists show it: which one of its kind
// is in use (the pinned one, else the newest).
type Stored struct {
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

// List lists the stored models of a kind ("" for all), newest first,
// marking the one in use per kind: the page, the API and spoor model list
// show this.
func List(ctx context.Context, st Store, kind string) ([]Stored, error) {
	models, err := st.ListModels(ctx, kind)
	if err != nil {
		return nil, err
	}
	chosen := map[string]int{}
	out := make([]Stored, len(models))
	for i, m := range models {
		out[i] = Stored{Model: m, Readable: Readable(m.Kind, m.Version) == nil,
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

// Pin puts a stored model in use, if this spoor can read it.
func Pin(ctx context.Context, st Store, id int64) (*intel.Model, error) {
	return st.PinModel(ctx, id, func(kind string, version int) error {
		if err := Readable(kind, version); err != nil {
			return intel.Errorf(intel.CodeInvalid, "model %d: %s", id, intel.ErrorMessage(err))
		}
		return nil
	})
}

// SummaryText writes the model's training summary (a JSON object) as
// "key value" pairs of its plain values, in key order: "events 7874,
// first 2012-05-15, groups 159, …".
func (m Stored) SummaryText() string {
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

// rawJSON is stored JSON text as a message, null when empty.
func rawJSON(s string) json.RawMessage {
	if strings.TrimSpace(s) == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}
