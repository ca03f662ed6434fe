package models_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/models"
	"github.com/spoor/spoor/internal/reputation"
)

// fakeStore lists models newest first, as the store does, and pins by ID
// after asking usable, as the store's PinModel does inside its
// transaction.
type fakeStore struct {
	models []*intel.Model
	pinned int64
}

func (f *fakeStore) ListModels(_ context.Context, kind string) ([]*intel.Model, error) {
	var out []*intel.Model
	for _, m := range f.models {
		if kind == "" || m.Kind == kind {
			c := *m
			c.Pinned = m.ID == f.pinned
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fakeStore) PinModel(_ context.Context, id int64, usable func(string, int) error) (*intel.Model, error) {
	for _, m := range f.models {
		if m.ID == id {
			if err := usable(m.Kind, m.Version); err != nil {
				return nil, err
			}
			f.pinned = id
			return m, nil
		}
	}
	return nil, intel.Errorf(intel.CodeNotFound, "no model %d", id)
}

func TestListMarksTheModelInUse(t *testing.T) {
	enc := attribute.EncodingVersion
	st := &fakeStore{models: []*intel.Model{
		{ID: 5, Kind: "attribution", Version: enc, Summary: `{"events": 7874, "first_event": "2012-05-15", "by_group": {"x": 1}}`},
		{ID: 4, Kind: reputation.ModelKind, Version: reputation.FormatVersion},
		{ID: 3, Kind: "attribution", Version: enc},
		{ID: 2, Kind: "attribution", Version: enc - 1},
	}}
	inUse := func(kind string) []int64 {
		t.Helper()
		got, err := models.List(context.Background(), st, kind)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, m := range got {
			if m.InUse {
				ids = append(ids, m.ID)
			}
			if m.Readable != (m.Version == enc || m.Kind == reputation.ModelKind) {
				t.Errorf("model %d (encoding %d): readable %v", m.ID, m.Version, m.Readable)
			}
		}
		return ids
	}
	if got := inUse(""); len(got) != 2 || got[0] != 5 || got[1] != 4 {
		t.Errorf("in use with no pin: %v, want the newest of each kind [5 4]", got)
	}
	if _, err := models.Pin(context.Background(), st, 3); err != nil {
		t.Fatal(err)
	}
	if got := inUse("attribution"); len(got) != 1 || got[0] != 3 {
		t.Errorf("in use after pinning 3: %v", got)
	}
	_, err := models.Pin(context.Background(), st, 2)
	if intel.ErrorCode(err) != intel.CodeInvalid || !strings.Contains(err.Error(), "model 2") {
		t.Errorf("pinning a model of another encoding: %v, want invalid naming it", err)
	}
	if got := inUse("attribution"); len(got) != 1 || got[0] != 3 {
		t.Errorf("a refused pin changed the model in use: %v", got)
	}
	list, _ := models.List(context.Background(), st, "attribution")
	if got, want := list[0].SummaryText(), "events 7874, first event 2012-05-15"; got != want {
		t.Errorf("summary text = %q, want %q (plain values only)", got, want)
	}
	if string(list[1].Summary) != "null" {
		t.Errorf("an empty summary = %s, want null", list[1].Summary)
	}
}

func TestReadableAndKnown(t *testing.T) {
	if err := models.Readable("attribution", attribute.EncodingVersion); err != nil {
		t.Errorf("this spoor's attribution encoding: %v", err)
	}
	if err := models.Readable("ner", 1); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("a kind spoor does not use: %v", err)
	}
	if !models.Known(reputation.ModelKind) || models.Known("ner") {
		t.Error("Known: reputation is a kind spoor uses, ner is not")
	}
}
