package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// TestEventForm: an analyst records an event from the page, by group
// alias, with activity times at their offset; the event is stored as the
// API would store it. Bad fields come back on the form, and a reader gets
// neither the form nor the button.
func TestEventForm(t *testing.T) {
	e := newEnv(t)
	form := url.Values{
		"title": {"Phishing wave <b>spring</b>"}, "group": {"Sofacy"}, "first_seen": {"2024-03-04"}, "last_seen": {"2024-03-08"},
		"times":      {"2024-03-04T09:15:00+03:00\n\n2024-03-05 10:30:00"},
		"techniques": {"t1566.001, T1059"}, "software": {"X-Agent"}, "sectors": {"Government"},
		"countries": {"Georgia, UA"}, "purpose": {"espionage"}, "confidence": {"0.7"}, "tlp": {"green"},
	}
	rec := scenario{Name: "analyst saves", Method: "POST", URL: "/events", As: "analyst", Form: form, ExpectedStatus: http.StatusSeeOther}.run(t, e)
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, "/events/") {
		t.Fatalf("redirect to %q", loc)
	}
	page, err := e.Store.FindEvents(t.Context(), intel.EventFilter{GroupID: e.Group.ID})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("events of APT28: %+v %v", page.Items, err)
	}
	ev := page.Items[0]
	if ev.Title != "Phishing wave <b>spring</b>" || ev.Confidence != 0.7 || ev.TLP != intel.TLPGreen || ev.Purpose != "espionage" {
		t.Errorf("event %+v", ev)
	}
	if strings.Join(ev.Techniques, ",") != "T1059,T1566.001" && strings.Join(ev.Techniques, ",") != "T1566.001,T1059" {
		t.Errorf("techniques %q", ev.Techniques)
	}
	wantTimes := []time.Time{time.Date(2024, 3, 4, 6, 15, 0, 0, time.UTC), time.Date(2024, 3, 5, 10, 30, 0, 0, time.UTC)}
	if len(ev.Times) != 2 || !ev.Times[0].Equal(wantTimes[0]) || !ev.Times[1].Equal(wantTimes[1]) {
		t.Errorf("times %v, want %v", ev.Times, wantTimes)
	}
	if strings.Join(ev.VictimCountries, ",") != "GE,UA" {
		t.Errorf("victim countries %q", ev.VictimCountries)
	}
	bad := func(field, value string) url.Values {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set(field, value)
		return f
	}
	runScenarios(t, e, []scenario{
		{Name: "the page shows it, escaped", URL: loc, As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"Phishing wave &lt;b&gt;spring&lt;/b&gt;", "T1566.001"}},
		{Name: "form", URL: "/events/new?group=APT28", As: "analyst", ExpectedStatus: 200, ExpectedContent: []string{`id="event-form"`, `value="APT28"`}},
		{Name: "button for analysts", URL: "/events", As: "analyst", ExpectedStatus: 200, ExpectedContent: []string{`id="new-event"`}},
		{Name: "no button for readers", URL: "/events", As: "reader", ExpectedStatus: 200, NotExpectedContent: []string{`id="new-event"`}},
		{Name: "no form for readers", URL: "/events/new", As: "reader", ExpectedStatus: 403},
		{Name: "readers may not post", Method: "POST", URL: "/events", As: "reader", Form: form, ExpectedStatus: 403},
		{Name: "CSRF", Method: "POST", URL: "/events", As: "analyst", Form: form, NoCSRF: true, ExpectedStatus: 403},
		{Name: "unknown group", Method: "POST", URL: "/events", As: "analyst", Form: bad("group", "Nobody Bear"), ExpectedStatus: 400,
			ExpectedContent: []string{"Nobody Bear", `id="event-form"`}},
		{Name: "a date is no activity time", Method: "POST", URL: "/events", As: "analyst", Form: bad("times", "2024-03-04"), ExpectedStatus: 400,
			ExpectedContent: []string{"activity time on line 1", "no time of day"}},
		{Name: "bad technique", Method: "POST", URL: "/events", As: "analyst", Form: bad("techniques", "phishing"), ExpectedStatus: 400,
			ExpectedContent: []string{"techniques[0]"}},
		{Name: "bad confidence", Method: "POST", URL: "/events", As: "analyst", Form: bad("confidence", "7"), ExpectedStatus: 400,
			ExpectedContent: []string{"confidence must be"}},
	})
}
