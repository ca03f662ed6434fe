package web_test

import (
	"context"
	"fmt"
	"testing"
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
