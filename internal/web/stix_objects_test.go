package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

func TestSTIXObjectsAPI(t *testing.T) {
	e := newEnv(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	infra := "infrastructure--10000000-0000-4000-8000-000000000001"
	ind := "indicator--20000000-0000-4000-8000-000000000001"
	b := &intel.Bundle{Source: intel.Source{Name: "kept", Kind: intel.SourceSTIX, Credibility: 0.5}, STIXObjects: []intel.STIXObject{
		{StixID: infra, Type: "infrastructure", Name: xss, Created: t0, Modified: t0,
			Raw: json.RawMessage(`{"type":"infrastructure","id":"` + infra + `","name":"x"}`)},
		{StixID: ind, Type: "indicator", Created: t0, Modified: t0, Pattern: "[domain-name:value = 'domain autuo.xicp.net']",
			Values: []string{"domain autuo.xicp.net"}, Flags: []string{"value is not a valid domain"}, SourceRef: "", TargetRef: "",
			Raw: json.RawMessage(`{"type":"indicator","id":"` + ind + `"}`)},
	}}
	if _, err := e.Store.ImportBundle(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	runScenarios(t, e, []scenario{
		{Name: "list by value", URL: "/api/v1/stix-objects?value=domain%20autuo.xicp.net", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"stix_id":"` + ind + `"`, `"flags":["value is not a valid domain"]`}, NotExpectedContent: []string{infra}},
		{Name: "flagged", URL: "/api/v1/stix-objects?flagged=true", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{ind}, NotExpectedContent: []string{infra}},
		{Name: "one", URL: "/api/v1/stix-objects/" + infra, Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"raw":{"type":"infrastructure"`, `"relationships":[]`, `"reports":[]`}},
		{Name: "unknown", URL: "/api/v1/stix-objects/infrastructure--ffffffff-0000-4000-8000-000000000001", Bearer: "reader", ExpectedStatus: 404},
		{Name: "signed out", URL: "/api/v1/stix-objects", ExpectedStatus: 401},
	})
}

// TestSTIXObjectPages: the list shows type facets and finds an object by
// a value it holds; the object page shows its flags, pattern and JSON as
// text (the name and the JSON are hostile); a relationship's end that
// spoor models leads to that object's own page.
func TestSTIXObjectPages(t *testing.T) {
	e := newEnv(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	infra := "infrastructure--10000000-0000-4000-8000-000000000001"
	ind := "indicator--20000000-0000-4000-8000-000000000001"
	rel := "relationship--30000000-0000-4000-8000-000000000001"
	b := &intel.Bundle{Source: intel.Source{Name: "kept", Kind: intel.SourceSTIX, Credibility: 0.5}, STIXObjects: []intel.STIXObject{
		{StixID: infra, Type: "infrastructure", Name: xss, Created: t0, Modified: t0,
			Raw: json.RawMessage(`{"type":"infrastructure","id":"` + infra + `","description":"<script>alert(1)</script>"}`)},
		{StixID: ind, Type: "indicator", Created: t0, Modified: t0, Pattern: "[domain-name:value = 'domain autuo.xicp.net']", PatternType: "stix",
			Values: []string{"domain autuo.xicp.net"}, Flags: []string{"value is not a valid domain"},
			Raw: json.RawMessage(`{"type":"indicator","id":"` + ind + `"}`)},
		{StixID: rel, Type: "relationship", Name: "uses", Created: t0, Modified: t0, SourceRef: e.Group.StixID, TargetRef: infra,
			Raw: json.RawMessage(`{"type":"relationship","id":"` + rel + `"}`)},
	}}
	if _, err := e.Store.ImportBundle(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	if e.Group.StixID == "" {
		t.Fatal("the test group has no STIX ID")
	}
	runScenarios(t, e, []scenario{
		{Name: "list with facets", URL: "/stix-objects", As: "reader", ExpectedStatus: 200,
			ExpectedContent:    []string{`id="stix-types"`, `href="/stix-objects?type=infrastructure"`, "1, 1 flagged", `href="/stix-objects/` + ind + `"`},
			NotExpectedContent: []string{xss}},
		{Name: "by value", URL: "/stix-objects?value=DOMAIN+autuo.xicp.net", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{ind}, NotExpectedContent: []string{`href="/stix-objects/` + infra + `"`}},
		{Name: "by type", URL: "/stix-objects?type=relationship", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{rel}, NotExpectedContent: []string{`href="/stix-objects/` + ind + `"`}},
		{Name: "flagged object", URL: "/stix-objects/" + ind, As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="stix-flags"`, "value is not a valid domain", `id="stix-flags-export"`, `id="stix-pattern"`, "domain-name:value"}},
		{Name: "hostile object", URL: "/stix-objects/" + infra, As: "reader", ExpectedStatus: 200,
			ExpectedContent:    []string{`id="stix-relationships"`, `id="stix-json"`, "&lt;script&gt;alert(1)&lt;/script&gt;"},
			NotExpectedContent: []string{xss, "<script>alert(1)"}},
		{Name: "a modelled end leads to its page", URL: "/stix-objects/" + e.Group.StixID, As: "reader", ExpectedStatus: 302,
			ExpectedHeader: map[string]string{"Location": fmt.Sprintf("/groups/%d", e.Group.ID)}},
		{Name: "nothing of that ID", URL: "/stix-objects/infrastructure--ffffffff-0000-4000-8000-000000000001", As: "reader", ExpectedStatus: 404},
		{Name: "signed out", URL: "/stix-objects", ExpectedStatus: 303},
	})
}
