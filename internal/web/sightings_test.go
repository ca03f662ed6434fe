package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

func TestSightingsAPI(t *testing.T) {
	e := newEnv(t)
	id := e.Indicator.ID
	list := fmt.Sprintf("/api/v1/indicators/%d/sightings", id)
	runScenarios(t, e, []scenario{
		{Name: "empty list", URL: list, Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`[]`}},
		{Name: "analyst records by ID", Method: "POST", URL: "/api/v1/sightings", Bearer: "analyst",
			JSON:           fmt.Sprintf(`{"indicator_id":%d,"count":4,"sensor":"proxy-1","log_file":"/var/log/squid/access.log","seen_at":"2025-02-28T10:00:00Z"}`, id),
			ExpectedStatus: 201, ExpectedContent: []string{`"count":4`, `"sensor":"proxy-1"`, `"origin":"api"`, `"recorded_by":"analyst"`}},
		{Name: "analyst records by value, with the session", Method: "POST", URL: "/api/v1/sightings", As: "analyst",
			JSON: `{"type":"domain","value":"evil.example.com","note":"seen on the mail gateway"}`, ExpectedStatus: 201,
			ExpectedContent: []string{`"count":1`, `"seen_at":"2025-03-01T12:00:00Z"`}},
		{Name: "reader lists", URL: list, Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"note":"seen on the mail gateway"`, `"log_file":"/var/log/squid/access.log"`}},
		{Name: "reader may not record", Method: "POST", URL: "/api/v1/sightings", Bearer: "reader",
			JSON: fmt.Sprintf(`{"indicator_id":%d}`, id), ExpectedStatus: 403},
		{Name: "anonymous may not list", URL: list, ExpectedStatus: 401},
		{Name: "unknown indicator", Method: "POST", URL: "/api/v1/sightings", Bearer: "analyst",
			JSON: `{"indicator_id":999999}`, ExpectedStatus: 404},
		{Name: "unknown value", Method: "POST", URL: "/api/v1/sightings", Bearer: "analyst",
			JSON: `{"type":"domain","value":"other.example.net"}`, ExpectedStatus: 404},
		{Name: "nothing named", Method: "POST", URL: "/api/v1/sightings", Bearer: "analyst",
			JSON: `{"count":2}`, ExpectedStatus: 400, ExpectedContent: []string{"indicator_id, or type and value"}},
		{Name: "bad count", Method: "POST", URL: "/api/v1/sightings", Bearer: "analyst",
			JSON: fmt.Sprintf(`{"indicator_id":%d,"count":-2}`, id), ExpectedStatus: 400, ExpectedContent: []string{"count"}},
		{Name: "unknown field", Method: "POST", URL: "/api/v1/sightings", Bearer: "analyst",
			JSON: fmt.Sprintf(`{"indicator_id":%d,"where":"x"}`, id), ExpectedStatus: 400},
		{Name: "list of an unknown indicator", URL: "/api/v1/indicators/999999/sightings", Bearer: "reader", ExpectedStatus: 404},
	})
	sgs, err := e.Store.FindSightings(context.Background(), id)
	if err != nil || len(sgs) != 2 {
		t.Fatalf("stored sightings %+v, %v: want the two recorded", sgs, err)
	}
}

func TestGroupSightings(t *testing.T) {
	e := newEnv(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{Login: "analyst"})
	_, err := e.Store.ImportIndicators(ctx, &intel.IndicatorBatch{
		Sources:    []intel.Source{{Name: "apt-iocs", Kind: intel.SourceIOCList, Credibility: 1}},
		Events:     []intel.EventRow{{Key: "wave-1", Title: "Phishing wave", GroupLabel: "APT28"}},
		Indicators: []intel.IndicatorRow{{Type: intel.IndicatorDomain, Value: "c2.fancy.example", Confidence: 0.9, Event: 1}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	page, err := e.Store.FindIndicators(ctx, intel.IndicatorFilter{Value: "c2.fancy.example"})
	if err != nil || len(page.Items) != 1 {
		t.Fatal(page, err)
	}
	seen := time.Date(2025, 2, 27, 9, 0, 0, 0, time.UTC)
	for _, sg := range []*intel.Sighting{
		{IndicatorID: page.Items[0].ID, SeenAt: seen, Count: 3, Sensor: "proxy-1"},
		{IndicatorID: e.Indicator.ID, SeenAt: seen, Count: 1, Sensor: "elsewhere"}, // not the group's
	} {
		if err := e.Store.RecordSightings(ctx, []*intel.Sighting{sg}); err != nil {
			t.Fatal(err)
		}
	}
	gid := e.Group.ID
	runScenarios(t, e, []scenario{
		{Name: "api", URL: fmt.Sprintf("/api/v1/groups/%d/sightings", gid), Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"indicator_value":"c2.fancy.example"`, `"count":3`, `"sensor":"proxy-1"`}, NotExpectedContent: []string{"elsewhere"}},
		{Name: "not a group", URL: fmt.Sprintf("/api/v1/groups/%d/sightings", e.Technique.ID), Bearer: "reader", ExpectedStatus: 404},
		{Name: "group page", URL: fmt.Sprintf("/groups/%d", gid), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="group-sightings"`, `data-api="/api/v1/groups/` + fmt.Sprint(gid) + `/sightings"`, "proxy-1"}},
		{Name: "indicator page", URL: fmt.Sprintf("/indicators/%d", e.Indicator.ID), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`class="sightings-timeline"`, "elsewhere"}},
	})
}
