package web_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// TestIndicatorListFilters: the list page and the API filter by value
// prefix, type, source, group, confidence and warninglist, count every
// page, and page on with a way back to the first; a bad filter is refused
// by name.
func TestIndicatorListFilters(t *testing.T) {
	e := newEnv(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	b := &intel.IndicatorBatch{
		Sources: []intel.Source{{Name: "trail feed", Kind: intel.SourceIOCList, Credibility: 1}},
		Events:  []intel.EventRow{{Key: "apt28-trail", Title: "APT28 trail", GroupLabel: "APT28"}},
	}
	for i := range 5 {
		b.Indicators = append(b.Indicators, intel.IndicatorRow{Type: intel.IndicatorDomain, Value: fmt.Sprintf("c2-%d.bad.test", i), Confidence: 1, Event: 1})
	}
	b.Indicators = append(b.Indicators, intel.IndicatorRow{Type: intel.IndicatorIPv4, Value: "8.8.8.8", Confidence: 0.3, Warninglist: "public-dns"})
	if _, err := e.Store.ImportIndicators(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	src, err := e.Store.FindSourceByName(ctx, "trail feed")
	if err != nil {
		t.Fatal(err)
	}
	page := func(q url.Values) string { return "/indicators?" + q.Encode() }
	scenario{Name: "first page", URL: page(url.Values{"prefix": {"C2-"}, "limit": {"2"}}), As: "reader", ExpectedStatus: 200,
		ExpectedContent:    []string{`id="indicator-total">5 indicators match`, "c2-4.bad.test", "c2-3.bad.test", "Next page"},
		NotExpectedContent: []string{"c2-2.bad.test", "evil.example.com", "first page"}}.run(t, e)
	runScenarios(t, e, []scenario{
		{Name: "second page links back", URL: page(url.Values{"prefix": {"c2-"}, "limit": {"2"}, "after": {cursorAfter(t, e, "c2-3.bad.test")}}), As: "reader",
			ExpectedStatus: 200, ExpectedContent: []string{"c2-2.bad.test", "c2-1.bad.test", "← first page"}, NotExpectedContent: []string{"c2-4.bad.test"}},
		{Name: "by source", URL: page(url.Values{"source_id": {fmt.Sprint(src.ID)}}), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"6 indicators match", "8.8.8.8"}, NotExpectedContent: []string{"evil.example.com"}},
		{Name: "by group name", URL: page(url.Values{"group": {"Sofacy"}}), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"5 indicators match"}, NotExpectedContent: []string{"8.8.8.8"}},
		{Name: "warninglisted only", URL: page(url.Values{"warninglisted": {"only"}}), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"1 indicator match", "on public-dns"}},
		{Name: "confidence", URL: page(url.Values{"min_confidence": {"0.9"}, "type": {"domain"}}), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"5 indicators match"}, NotExpectedContent: []string{"evil.example.com"}},
		{Name: "API filters too", URL: "/api/v1/indicators?warninglisted=exclude&type=ipv4", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"items":[]`}},
		{Name: "API by prefix", URL: "/api/v1/indicators?prefix=evil.", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"value":"evil.example.com"`}, NotExpectedContent: []string{"c2-"}},
		{Name: "bad confidence", URL: "/api/v1/indicators?min_confidence=2", Bearer: "reader", ExpectedStatus: 400, ExpectedContent: []string{"min_confidence"}},
		{Name: "bad since", URL: "/api/v1/indicators?since=yesterday", Bearer: "reader", ExpectedStatus: 400, ExpectedContent: []string{"since"}},
		{Name: "bad warninglisted", URL: "/indicators?warninglisted=maybe", As: "reader", ExpectedStatus: 400},
		{Name: "unknown group", URL: "/api/v1/indicators?group=Nobody", Bearer: "reader", ExpectedStatus: 404},
	})
}

// cursorAfter is the cursor of the page that ends with value.
func cursorAfter(t *testing.T, e *testEnv, value string) string {
	t.Helper()
	p, err := e.Store.FindIndicators(t.Context(), intel.IndicatorFilter{Prefix: "c2-", Limit: 2})
	if err != nil || len(p.Items) != 2 || p.Items[1].Value != value {
		t.Fatalf("first page: %+v %v", p.Items, err)
	}
	return p.Next
}
