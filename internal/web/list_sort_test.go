package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// TestListSortHeaders: the list pages' column headers are links that
// sort by the column (keeping the filters, starting the paging again),
// the current column carries aria-sort and links to the other order, and
// the rows come in that order; the filter form keeps the order. A bad
// sort key is a 400 naming the keys there are.
func TestListSortHeaders(t *testing.T) {
	e := newEnv(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	for i, c := range []float64{0.4, 0.9, 0.1, 0.6} {
		in := &intel.Indicator{Type: intel.IndicatorDomain, Value: fmt.Sprintf("c%d.sorted.test", i), Confidence: c}
		if err := e.Store.CreateIndicator(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	for _, title := range []string{"first", "second"} {
		if err := e.Store.CreateEvent(ctx, &intel.Event{Title: title + " sorted event", Confidence: 1}); err != nil {
			t.Fatal(err)
		}
	}
	rec := scenario{Name: "by confidence, lowest first", URL: "/indicators?type=domain&prefix=c&sort=confidence&order=asc", As: "reader", ExpectedStatus: 200,
		ExpectedContent: []string{
			`<th aria-sort="ascending"><a class="sort" href="/indicators?order=desc&amp;prefix=c&amp;sort=confidence&amp;type=domain">Confidence`,
			`<th><a class="sort" href="/indicators?order=asc&amp;prefix=c&amp;sort=value&amp;type=domain">Value</a></th>`,
			`<th><a class="sort" href="/indicators?order=desc&amp;prefix=c&amp;sort=last_seen&amp;type=domain">Last seen</a></th>`,
			`<input type="hidden" name="sort" value="confidence"><input type="hidden" name="order" value="asc">`,
			"4 indicators match, by confidence, ascending",
		}}.run(t, e)
	inOrder(t, rec.Body.String(), "c2.sorted.test", "c0.sorted.test", "c3.sorted.test", "c1.sorted.test")

	runScenarios(t, e, []scenario{
		{Name: "indicators by default: newest first, no column sorted", URL: "/indicators", As: "reader", ExpectedStatus: 200,
			ExpectedContent:    []string{"match, newest first", `<th><a class="sort" href="/indicators?order=desc&amp;sort=confidence">Confidence</a></th>`},
			NotExpectedContent: []string{"aria-sort"}},
		{Name: "groups by name by default", URL: "/groups", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`<th aria-sort="ascending"><a class="sort" href="/groups?order=desc&amp;sort=name">Name`,
				`<th><a class="sort" href="/groups?order=asc&amp;sort=country">Country</a></th>`}},
		{Name: "groups by name, Z to A", URL: "/groups?sort=name&order=desc", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`<th aria-sort="descending"><a class="sort" href="/groups?order=asc&amp;sort=name">Name`}},
		{Name: "events newest first by default", URL: "/events", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`<th aria-sort="descending"><a class="sort" href="/events?order=asc&amp;sort=first_seen">First seen`}},
		{Name: "documents by title", URL: "/documents?sort=title", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`<th aria-sort="ascending"><a class="sort" href="/documents?order=desc&amp;sort=title">Title`}},
		{Name: "a bad sort on the page", URL: "/indicators?sort=password", As: "reader", ExpectedStatus: 400,
			ExpectedContent: []string{"is not one of confidence, id, last_seen, tlp, type, value"}},
		{Name: "a bad sort on the API", URL: "/api/v1/groups?sort=name%3Bdrop", Bearer: "reader", ExpectedStatus: 400,
			ExpectedContent: []string{"is not one of country, external_id, modified, name"}},
		{Name: "a cursor of another order", URL: "/api/v1/indicators?sort=value&after=" + firstCursor(t, e), Bearer: "reader", ExpectedStatus: 400,
			ExpectedContent: []string{"bad page cursor"}},
		{Name: "a bad order on the API", URL: "/api/v1/events?sort=title&order=sideways", Bearer: "reader", ExpectedStatus: 400,
			ExpectedContent: []string{`order \"sideways\" is not asc or desc`}},
	})

	// The API pages through the same order, every row once.
	var got []string
	next := "/api/v1/indicators?" + url.Values{"type": {"domain"}, "sort": {"confidence"}, "order": {"desc"}, "limit": {"2"}}.Encode()
	for pages := 0; next != "" && pages < 10; pages++ {
		rec := scenario{Name: "API page", URL: next, Bearer: "reader", ExpectedStatus: 200}.run(t, e)
		var page intel.Page[*intel.Indicator]
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		for _, in := range page.Items {
			got = append(got, in.Value)
		}
		next = ""
		if page.Next != "" {
			next = "/api/v1/indicators?" + url.Values{"type": {"domain"}, "sort": {"confidence"}, "order": {"desc"}, "limit": {"2"}, "after": {page.Next}}.Encode()
		}
	}
	want := []string{"c1.sorted.test", "evil.example.com", "c3.sorted.test", "c0.sorted.test", "c2.sorted.test"}
	if !slices.Equal(got, want) {
		t.Errorf("API by confidence, highest first: %v, want %v", got, want)
	}
}

// inOrder fails unless each of values occurs in body after the one
// before it.
func inOrder(t *testing.T, body string, values ...string) {
	t.Helper()
	at := 0
	for _, v := range values {
		i := strings.Index(body[at:], v)
		if i < 0 {
			t.Fatalf("%q not found after offset %d (or out of order) in:\n%s", v, at, body)
		}
		at += i + len(v)
	}
}

// firstCursor is the next cursor of the first page of indicators in
// their default order.
func firstCursor(t *testing.T, e *testEnv) string {
	t.Helper()
	p, err := e.Store.FindIndicators(t.Context(), intel.IndicatorFilter{Limit: 1})
	if err != nil || p.Next == "" {
		t.Fatalf("first page: %+v %v", p, err)
	}
	return p.Next
}

// TestListSortInOpenAPI: the OpenAPI document gives every sortable list
// its sort (naming the keys) and order parameters.
func TestListSortInOpenAPI(t *testing.T) {
	e := newEnv(t)
	rec := scenario{Name: "openapi", URL: "/api/v1/openapi.json", ExpectedStatus: 200}.run(t, e)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name        string `json:"name"`
				Description string `json:"description"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for path, keys := range map[string][]intel.SortKey{"/api/v1/indicators": intel.IndicatorSorts, "/api/v1/groups": intel.ObjectSorts,
		"/api/v1/techniques": intel.ObjectSorts, "/api/v1/events": intel.EventSorts, "/api/v1/documents": intel.DocumentSorts} {
		params := map[string]string{}
		for _, p := range doc.Paths[path]["get"].Parameters {
			params[p.Name] = p.Description
		}
		if _, ok := params["order"]; !ok {
			t.Errorf("%s: no order parameter in %v", path, params)
		}
		for _, k := range keys {
			if !strings.Contains(params["sort"], k.Name) {
				t.Errorf("%s: sort parameter %q does not name %s", path, params["sort"], k.Name)
			}
		}
	}
}
