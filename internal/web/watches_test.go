package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

func TestWatchesAPI(t *testing.T) {
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{Name: "empty", URL: "/api/v1/watches", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"items":[]`}},
		{Name: "watch a group by alias", Method: "POST", URL: "/api/v1/watches", Bearer: "reader", JSON: `{"kind":"group","target":"Fancy Bear"}`,
			ExpectedStatus: 201, ExpectedContent: []string{`"kind":"group"`, `"target":"APT28"`, fmt.Sprintf(`"object_id":%d`, e.Group.ID)}},
		{Name: "twice", Method: "POST", URL: "/api/v1/watches", Bearer: "reader", JSON: `{"kind":"group","target":"APT28"}`, ExpectedStatus: 409},
		{Name: "watch a type", Method: "POST", URL: "/api/v1/watches", Bearer: "reader", JSON: `{"kind":"type","target":"domain"}`, ExpectedStatus: 201},
		{Name: "unknown type", Method: "POST", URL: "/api/v1/watches", Bearer: "reader", JSON: `{"kind":"type","target":"car"}`, ExpectedStatus: 400},
		{Name: "unknown group", Method: "POST", URL: "/api/v1/watches", Bearer: "reader", JSON: `{"kind":"group","target":"Nobody"}`, ExpectedStatus: 404},
		{Name: "unknown kind", Method: "POST", URL: "/api/v1/watches", Bearer: "reader", JSON: `{"kind":"mood","target":"x"}`, ExpectedStatus: 400},
		{Name: "anonymous", URL: "/api/v1/watches", ExpectedStatus: 401},
		{Name: "others' watches are not listed", URL: "/api/v1/watches", Bearer: "analyst", ExpectedStatus: 200, ExpectedContent: []string{`"items":[]`}},
	})
	ws, err := e.Store.FindWatches(context.Background(), e.As["reader"].User.ID)
	if err != nil || len(ws) != 2 {
		t.Fatalf("watches %v, %v", ws, err)
	}
	runScenarios(t, e, []scenario{
		{Name: "someone else's watch", Method: "DELETE", URL: fmt.Sprintf("/api/v1/watches/%d", ws[0].ID), Bearer: "analyst", ExpectedStatus: 404},
		{Name: "own watch", Method: "DELETE", URL: fmt.Sprintf("/api/v1/watches/%d", ws[0].ID), Bearer: "reader", ExpectedStatus: 204},
	})

	// A sighting of a watched type notifies; the header counts it.
	runScenarios(t, e, []scenario{
		{Name: "sighting", Method: "POST", URL: "/api/v1/sightings", Bearer: "analyst",
			JSON: fmt.Sprintf(`{"indicator_id":%d,"sensor":"dns-1"}`, e.Indicator.ID), ExpectedStatus: 201},
		{Name: "notified", URL: "/api/v1/notifications", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"unread":1`, `"title":"domain evil.example.com seen on dns-1"`, `"event":"sighting"`}},
		{Name: "header count", URL: "/", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`id="unread" title="unread notifications">1</span>`}},
		{Name: "page", URL: "/notifications", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"domain evil.example.com seen on dns-1", fmt.Sprintf(`href="/indicators/%d"`, e.Indicator.ID)}},
		{Name: "read", Method: "POST", URL: "/api/v1/notifications/read", Bearer: "reader", ExpectedStatus: 204},
		{Name: "none unread", URL: "/api/v1/notifications", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"unread":0`}},
	})
}

func TestWebhooksAPI(t *testing.T) {
	e := newEnv(t)
	w := scenario{Method: "POST", URL: "/api/v1/webhooks", Bearer: "reader",
		JSON: `{"name":"soc","url":"https://hooks.example.com/spoor"}`, ExpectedStatus: 201}.run(t, e)
	var created struct {
		Webhook intel.Webhook `json:"webhook"`
		Secret  string        `json:"secret"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil || created.Secret == "" || created.Webhook.Fingerprint == "" {
		t.Fatalf("created %s: %v", w.Body, err)
	}
	hooks := fmt.Sprintf("/api/v1/webhooks/%d", created.Webhook.ID)
	runScenarios(t, e, []scenario{
		{Name: "list hides the secret", URL: "/api/v1/webhooks", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"secret_fingerprint":"` + created.Webhook.Fingerprint}, NotExpectedContent: []string{created.Secret, "enc:v1"}},
		{Name: "page hides the secret", URL: "/watches", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{created.Webhook.Fingerprint, "hooks.example.com"}, NotExpectedContent: []string{created.Secret}},
		{Name: "a given secret is not echoed", Method: "POST", URL: "/api/v1/webhooks", Bearer: "reader",
			JSON: `{"name":"chat","url":"https://chat.example.com/x","secret":"my-own-secret-of-some-length"}`, ExpectedStatus: 201,
			NotExpectedContent: []string{"my-own-secret-of-some-length"}},
		{Name: "a private target", Method: "POST", URL: "/api/v1/webhooks", Bearer: "reader",
			JSON: `{"name":"inside","url":"http://10.0.0.5/hook"}`, ExpectedStatus: 400, ExpectedContent: []string{"private address"}},
		{Name: "metadata address", Method: "POST", URL: "/api/v1/webhooks", Bearer: "reader",
			JSON: `{"name":"meta","url":"http://169.254.169.254/latest/meta-data"}`, ExpectedStatus: 400},
		{Name: "deliveries", URL: hooks + "/deliveries", Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"items":[]`}},
		{Name: "someone else's deliveries", URL: hooks + "/deliveries", Bearer: "analyst", ExpectedStatus: 404},
		{Name: "someone else's webhook", Method: "DELETE", URL: hooks, Bearer: "analyst", ExpectedStatus: 404},
		{Name: "own webhook", Method: "DELETE", URL: hooks, Bearer: "reader", ExpectedStatus: 204},
	})
	// The secret is sealed at rest.
	var stored string
	if err := e.Store.DB().QueryRow(`SELECT secret FROM webhooks WHERE name = 'chat'`).Scan(&stored); err != nil || !strings.HasPrefix(stored, "enc:v1:") {
		t.Errorf("stored secret %q, %v; want it sealed", stored, err)
	}
}

func TestWatchPages(t *testing.T) {
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{Name: "watch from the group page", Method: "POST", URL: "/watches", As: "reader",
			Form: url.Values{"kind": {"group"}, "group_id": {fmt.Sprint(e.Group.ID)}, "back": {"group"}}, ExpectedStatus: 303,
			ExpectedHeader: map[string]string{"Location": fmt.Sprintf("/groups/%d", e.Group.ID)}},
		{Name: "the group page has the button", URL: fmt.Sprintf("/groups/%d", e.Group.ID), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="watch-group"`}},
		{Name: "listed", URL: "/watches", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{fmt.Sprintf(`<a href="/groups/%d">APT28</a>`, e.Group.ID)}},
		{Name: "a bad form shows the message", Method: "POST", URL: "/watches", As: "reader",
			Form: url.Values{"kind": {"type"}, "target": {xss}}, ExpectedStatus: 422, NotExpectedContent: []string{xss}},
		{Name: "no CSRF token", Method: "POST", URL: "/watches", As: "reader", NoCSRF: true,
			Form: url.Values{"kind": {"type"}, "target": {"ipv4"}}, ExpectedStatus: 403},
		{Name: "webhook form shows a generated secret once", Method: "POST", URL: "/webhooks", As: "reader",
			Form: url.Values{"name": {"soc"}, "url": {"https://hooks.example.com/x"}}, ExpectedStatus: 201, ExpectedContent: []string{`id="new-secret">whsec_`}},
	})
}
