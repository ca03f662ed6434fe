package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// testCreateEvent checks events entered by hand: every field comes back,
// the group's name becomes the label, bad input is refused by field, and
// the write is audited.
func testCreateEvent(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 2, "analyst")
	MustImport(t, s, FixtureBundle())
	apt28, err := s.FindObjectByName(ctx, intel.KindGroup, "APT28")
	must(t, "find APT28", err)
	tech, err := s.FindObjectByName(ctx, intel.KindTechnique, "PowerShell")
	must(t, "find technique", err)
	at := time.Date(2025, 6, 2, 6, 30, 0, 0, time.UTC)
	e := &intel.Event{Title: "Phishing wave", GroupID: apt28.ID, FirstSeen: at, LastSeen: at.Add(48 * time.Hour),
		Times: []time.Time{at, at.Add(time.Hour)}, Techniques: []string{"t1566.001"}, Software: []string{"X-Agent"},
		Sectors: []string{"Government"}, Purpose: "espionage", VictimCountries: []string{"Georgia"}, Confidence: 0.7, TLP: intel.TLPAmber}
	must(t, "create", s.CreateEvent(ctx, e))
	got, err := s.FindEventByID(ctx, e.ID)
	must(t, "find", err)
	if got.GroupLabel != "APT28" || got.Title != "Phishing wave" || len(got.Times) != 2 || !got.Times[1].Equal(at.Add(time.Hour)) ||
		got.Techniques[0] != "T1566.001" || got.VictimCountries[0] != "GE" || got.Purpose != "espionage" || got.TLP != intel.TLPAmber ||
		!got.LastSeen.Equal(at.Add(48*time.Hour)) {
		t.Errorf("stored event: %+v", got)
	}
	for _, bad := range []struct {
		e    intel.Event
		want string
	}{
		{intel.Event{Title: ""}, "title"},
		{intel.Event{Title: "x", Techniques: []string{"phishing"}}, "techniques[0]"},
		{intel.Event{Title: "x", Times: []time.Time{{}}}, "times[0]"},
		{intel.Event{Title: "x", GroupID: tech.ID}, "not a stored group"},
		{intel.Event{Title: "x", GroupID: 1 << 40}, "not a stored group"},
		{intel.Event{Title: "x", Confidence: 2}, "confidence"},
	} {
		err := s.CreateEvent(ctx, &bad.e)
		if intel.ErrorCode(err) != intel.CodeInvalid || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("CreateEvent(%+v) = %v, want invalid naming %q", bad.e, err, bad.want)
		}
	}
	entries, err := s.FindAudit(ctx, intel.AuditFilter{})
	must(t, "audit", err)
	n := 0
	for _, a := range entries.Items {
		if a.Action == "event.create" && a.Login == "analyst" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("event creations audited: %d, want 1", n)
	}
}
