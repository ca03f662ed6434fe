package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

func testModels(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 2, "analyst")
	if _, err := s.FindLatestModel(ctx, "attribution"); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Fatalf("no model yet: %v", err)
	}
	if err := s.SaveModel(ctx, &intel.Model{Kind: "attribution"}); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("a model without data: %v", err)
	}
	first := &intel.Model{Kind: "attribution", Version: 1, Data: `{"trees":1}`, Evaluation: `{"top1":0.3}`,
		CreatedAt: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	must(t, "save", s.SaveModel(ctx, first))
	second := &intel.Model{Kind: "attribution", Version: 1, Data: `{"trees":2}`}
	must(t, "save", s.SaveModel(ctx, second))
	must(t, "save other kind", s.SaveModel(ctx, &intel.Model{Kind: "reputation", Version: 3, Data: `{}`}))
	if id, err := s.LatestModelID(ctx, "attribution"); err != nil || id != second.ID {
		t.Errorf("latest attribution model ID = %d (%v), want %d", id, err, second.ID)
	}
	if _, err := s.LatestModelID(ctx, "nlp"); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("no nlp model: %v", err)
	}
	got, err := s.FindLatestModel(ctx, "attribution")
	must(t, "find", err)
	if got.ID != second.ID || got.Data != `{"trees":2}` || got.Params != "{}" || got.Evaluation != "{}" || got.CreatedAt.IsZero() {
		t.Errorf("latest attribution model: %+v, want the second", got)
	}
	// Pinned, the first is in use although newer ones are stored or saved
	// later; unpinned, the newest again. One pin per kind.
	pinned, err := s.PinModel(ctx, first.ID, nil)
	must(t, "pin", err)
	if pinned.Kind != "attribution" || !pinned.Pinned {
		t.Errorf("pinned %+v", pinned)
	}
	third := &intel.Model{Kind: "attribution", Version: 1, Data: `{"trees":3}`}
	must(t, "save after the pin", s.SaveModel(ctx, third))
	if id, err := s.LatestModelID(ctx, "attribution"); err != nil || id != first.ID {
		t.Errorf("model in use with the first pinned = %d (%v), want %d", id, err, first.ID)
	}
	if got, err := s.FindLatestModel(ctx, "attribution"); err != nil || got.ID != first.ID || !got.Pinned || got.Data != `{"trees":1}` {
		t.Errorf("model in use with the first pinned: %+v (%v)", got, err)
	}
	_, err = s.PinModel(ctx, second.ID, nil)
	must(t, "pin another", err)
	list, err := s.ListModels(ctx, "attribution")
	must(t, "list", err)
	var ids []int64
	var pins []int64
	for _, m := range list {
		ids = append(ids, m.ID)
		if m.Pinned {
			pins = append(pins, m.ID)
		}
		if m.Data != "" || m.Bytes != int64(len(`{"trees":1}`)) {
			t.Errorf("a listed model carries data %q or the wrong size %d", m.Data, m.Bytes)
		}
	}
	if fmt.Sprint(ids) != fmt.Sprint([]int64{third.ID, second.ID, first.ID}) || fmt.Sprint(pins) != fmt.Sprint([]int64{second.ID}) {
		t.Errorf("listed %v pinned %v; want newest first and the second alone pinned", ids, pins)
	}
	if all, err := s.ListModels(ctx, ""); err != nil || len(all) != 4 {
		t.Errorf("every kind: %d models (%v), want 4", len(all), err)
	}
	refuse := func(kind string, version int) error {
		return intel.Errorf(intel.CodeInvalid, "%s %d unreadable", kind, version)
	}
	if _, err := s.PinModel(ctx, third.ID, refuse); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("a refused pin: %v", err)
	}
	if id, err := s.LatestModelID(ctx, "attribution"); err != nil || id != second.ID {
		t.Errorf("a refused pin changed the model in use to %d (%v)", id, err)
	}
	if _, err := s.PinModel(ctx, 99999, nil); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("pin a model that is none: %v", err)
	}
	if changed, err := s.UnpinModel(ctx, "attribution"); err != nil || !changed {
		t.Errorf("unpin: %v %v", changed, err)
	}
	if changed, err := s.UnpinModel(ctx, "attribution"); err != nil || changed {
		t.Errorf("unpin again changes nothing: %v %v", changed, err)
	}
	if id, err := s.LatestModelID(ctx, "attribution"); err != nil || id != third.ID {
		t.Errorf("model in use after the unpin = %d (%v), want the newest %d", id, err, third.ID)
	}
	entries, err := s.FindAudit(ctx, intel.AuditFilter{})
	must(t, "audit", err)
	actions := map[string]int{}
	for _, e := range entries.Items {
		if e.Login == "analyst" {
			actions[e.Action]++
		}
	}
	if actions["model.save"] != 4 || actions["model.pin"] != 2 || actions["model.unpin"] != 1 {
		t.Errorf("model changes audited: %v, want 4 saves, 2 pins and 1 unpin", actions)
	}
}
