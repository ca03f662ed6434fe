package web_test

import (
	"context"
	"encoding/json"
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
