package storetest

import (
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
	entries, err := s.FindAudit(ctx, intel.AuditFilter{})
	must(t, "audit", err)
	saves := 0
	for _, e := range entries.Items {
		if e.Action == "model.save" && e.Login == "analyst" {
			saves++
		}
	}
	if saves != 3 {
		t.Errorf("model saves audited: %d, want 3", saves)
	}
}
