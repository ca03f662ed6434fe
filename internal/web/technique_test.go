package web_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// TestTechniqueTimeline: a technique's page and API list the groups whose
// events hold it or one of its sub-techniques, most events first, with
// the first and last dates; a hostile group name stays text.
func TestTechniqueTimeline(t *testing.T) {
	e := newEnv(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	parent, err := e.Store.FindObjectByName(ctx, intel.KindTechnique, "T1566")
	if err != nil {
		parent = &intel.Object{Kind: intel.KindTechnique, ExternalID: "T1566", Name: "Phishing"}
		if err := e.Store.CreateObject(ctx, parent); err != nil {
			t.Fatal(err)
		}
	}
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	for _, ev := range []*intel.Event{
		{Title: "spearphishing wave", GroupID: e.Group.ID, FirstSeen: day(2016, 3, 1), Techniques: []string{"T1566.001"}},
		{Title: "second wave", GroupID: e.Group.ID, FirstSeen: day(2018, 7, 9), Techniques: []string{"T1566.001", "T1059"}},
		{Title: "panda phish", GroupID: e.XSSGroup.ID, FirstSeen: day(2020, 1, 2), Techniques: []string{"T1566"}},
		{Title: "unrelated", GroupID: e.XSSGroup.ID, FirstSeen: day(2021, 1, 2), Techniques: []string{"T1059"}},
	} {
		ev.Confidence = 1
		if err := e.Store.CreateEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	w := scenario{URL: "/api/v1/techniques/" + id(parent.ID) + "/timeline", Bearer: "reader", ExpectedStatus: 200}.run(t, e)
	var uses []intel.TechniqueUse
	if err := json.Unmarshal(w.Body.Bytes(), &uses); err != nil {
		t.Fatal(err)
	}
	if len(uses) != 2 || uses[0].GroupID != e.Group.ID || uses[0].Events != 2 || uses[1].GroupID != e.XSSGroup.ID || uses[1].Events != 1 {
		t.Fatalf("T1566 timeline %+v: want APT28 with 2 events, then the panda group with 1", uses)
	}
	if got := uses[0].First().Format(time.DateOnly) + " " + uses[0].Last().Format(time.DateOnly); got != "2016-03-01 2018-07-09" {
		t.Errorf("APT28 first and last: %s", got)
	}
	scenario{URL: "/techniques/" + id(parent.ID), As: "reader", ExpectedStatus: 200,
		ExpectedContent:    []string{`id="technique-timeline"`, `href="/groups/` + id(e.Group.ID) + `"`, "2016-03-01", "2018-07-09", "2020-01-02", `data-api="/api/v1/techniques/` + id(parent.ID) + `/timeline"`},
		NotExpectedContent: []string{"2021-01-02", "<script>alert(1)</script>"}}.run(t, e)
	// The sub-technique finds only its own events.
	w = scenario{URL: "/api/v1/techniques/" + id(e.Technique.ID) + "/timeline", Bearer: "reader", ExpectedStatus: 200}.run(t, e)
	uses = nil
	if err := json.Unmarshal(w.Body.Bytes(), &uses); err != nil || len(uses) != 1 || uses[0].GroupID != e.Group.ID {
		t.Errorf("T1566.001 timeline %s (%v): want APT28 only", w.Body, err)
	}
	scenario{URL: "/api/v1/techniques/" + id(e.Group.ID) + "/timeline", Bearer: "reader", ExpectedStatus: 404}.run(t, e)
	scenario{URL: "/api/v1/techniques/" + id(parent.ID) + "/timeline", ExpectedStatus: 401}.run(t, e)
}
