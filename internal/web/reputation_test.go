package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/reputation"
)

// TestReputationAPI: any reader may rate a batch, answered in input order
// with invalid names marked and the run going on; an empty or too large
// batch is refused with a reason; anonymous callers are not let in.
func TestReputationAPI(t *testing.T) {
	e := newEnv(t)
	w := scenario{Method: "POST", URL: "/api/v1/reputation", Bearer: "reader",
		JSON: `{"domains":["Kernel.ORG","not a name","kx7q2v9z.duckdns.org","` + xss + `"]}`, ExpectedStatus: 200}.run(t, e)
	var ans struct {
		Model struct {
			Origin string `json:"origin"`
		} `json:"model"`
		Results []reputation.Result `json:"results"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil {
		t.Fatal(err)
	}
	if ans.Model.Origin != "built-in" || len(ans.Results) != 4 {
		t.Fatalf("answer %+v", ans)
	}
	want := []struct{ domain, rep string }{{"kernel.org", "benign"}, {"not a name", "invalid"}, {"kx7q2v9z.duckdns.org", ""}, {xss, "invalid"}}
	for i, r := range ans.Results {
		if r.Domain != want[i].domain || want[i].rep != "" && r.Reputation != want[i].rep || len(r.Reasons) == 0 {
			t.Errorf("result %d: %+v, want %s %s", i, r, want[i].domain, want[i].rep)
		}
	}
	if !strings.Contains(w.Body.String(), `\u003cscript\u003e`) {
		t.Errorf("the hostile name is not escaped in JSON: %s", w.Body.String())
	}
	many := make([]string, reputation.MaxBatch+1)
	for i := range many {
		many[i] = fmt.Sprintf("n%d.example", i)
	}
	body, _ := json.Marshal(map[string]any{"domains": many})
	runScenarios(t, e, []scenario{
		{Name: "empty", Method: "POST", URL: "/api/v1/reputation", Bearer: "reader", JSON: `{"domains":[]}`, ExpectedStatus: 400,
			ExpectedContent: []string{"at least one name"}},
		{Name: "too many", Method: "POST", URL: "/api/v1/reputation", Bearer: "reader", JSON: string(body), ExpectedStatus: 400,
			ExpectedContent: []string{"10001 names: at most 10000"}},
		{Name: "anonymous", Method: "POST", URL: "/api/v1/reputation", JSON: `{"domains":["a.org"]}`, ExpectedStatus: 401},
		{Name: "model", Method: "GET", URL: "/api/v1/reputation/model", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"origin":"built-in"`, `"evaluation":{`, `"split":"family"`}},
	})
}

// TestReputationWhitelist: readers list the whitelist, analysts and
// admins change it; a whitelisted name is benign at once, through the
// API and the page; hostile reasons come out escaped.
func TestReputationWhitelist(t *testing.T) {
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{Name: "reader may not add", Method: "POST", URL: "/api/v1/reputation/whitelist", Bearer: "reader",
			JSON: `{"domain":"kx7q2v9z.duckdns.org","reason":"ours"}`, ExpectedStatus: 403},
		{Name: "no reason", Method: "POST", URL: "/api/v1/reputation/whitelist", Bearer: "analyst",
			JSON: `{"domain":"kx7q2v9z.duckdns.org"}`, ExpectedStatus: 400, ExpectedContent: []string{"reason"}},
		{Name: "not a name", Method: "POST", URL: "/api/v1/reputation/whitelist", Bearer: "analyst",
			JSON: `{"domain":"a b","reason":"x"}`, ExpectedStatus: 400},
		{Name: "analyst adds", Method: "POST", URL: "/api/v1/reputation/whitelist", Bearer: "analyst",
			JSON: `{"domain":"*.KX7Q2V9Z.duckdns.org","reason":"our test host"}`, ExpectedStatus: 201,
			ExpectedContent: []string{`"domain":"kx7q2v9z.duckdns.org"`, `"added_by":"analyst"`}},
		{Name: "whitelisted at once", Method: "POST", URL: "/api/v1/reputation", Bearer: "reader",
			JSON: `{"domains":["www.kx7q2v9z.duckdns.org"]}`, ExpectedStatus: 200,
			ExpectedContent: []string{`"reputation":"benign"`, `whitelisted (kx7q2v9z.duckdns.org)`}},
		{Name: "reader lists", Method: "GET", URL: "/api/v1/reputation/whitelist", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"reason":"our test host"`}},
		{Name: "reader may not remove", Method: "DELETE", URL: "/api/v1/reputation/whitelist/kx7q2v9z.duckdns.org", Bearer: "reader", ExpectedStatus: 403},
		{Name: "analyst removes", Method: "DELETE", URL: "/api/v1/reputation/whitelist/kx7q2v9z.duckdns.org?reason=done", Bearer: "analyst", ExpectedStatus: 204},
		{Name: "removed", Method: "DELETE", URL: "/api/v1/reputation/whitelist/kx7q2v9z.duckdns.org", Bearer: "analyst", ExpectedStatus: 404},
		{Name: "audited", Method: "GET", URL: "/api/v1/audit", Bearer: "admin", ExpectedStatus: 200,
			ExpectedContent: []string{"reputation.whitelist.remove", "kx7q2v9z.duckdns.org (was: our test host): done"}},

		{Name: "page: reader sees no form", Method: "GET", URL: "/reputation/whitelist", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"The whitelist is empty"}, NotExpectedContent: []string{`id="whitelist-form"`}},
		{Name: "page: reader may not post", Method: "POST", URL: "/reputation/whitelist", As: "reader",
			Form: url.Values{"domain": {"a.org"}, "reason": {"x"}}, ExpectedStatus: 403},
		{Name: "page: analyst adds with a hostile reason", Method: "POST", URL: "/reputation/whitelist", As: "analyst",
			Form: url.Values{"domain": {"partner.example"}, "reason": {xss}}, ExpectedStatus: 200,
			ExpectedContent: []string{"Whitelisted partner.example", "&lt;script&gt;alert(1)&lt;/script&gt;"}, NotExpectedContent: []string{xss}},
		{Name: "page: without CSRF", Method: "POST", URL: "/reputation/whitelist", As: "analyst", NoCSRF: true,
			Form: url.Values{"domain": {"b.example"}, "reason": {"x"}}, ExpectedStatus: 403},
		{Name: "page: a bad name", Method: "POST", URL: "/reputation/whitelist", As: "analyst",
			Form: url.Values{"domain": {"no name"}, "reason": {"x"}}, ExpectedStatus: 400, ExpectedContent: []string{`value="no name"`}},
		{Name: "page: analyst removes", Method: "POST", URL: "/reputation/whitelist/remove", As: "analyst",
			Form: url.Values{"domain": {"partner.example"}, "reason": {"ended"}}, ExpectedStatus: 303},
	})
}

// TestReputationPages: the batch page rates a pasted list and an uploaded
// file in order, with hostile input escaped; domain indicators and search
// hits show their reputation; the model page shows the evaluation with
// table fallbacks.
func TestReputationPages(t *testing.T) {
	e := newEnv(t)
	body, ctype := multipartBody(t, url.Values{"csrf_token": {e.As["reader"].CSRF}, "names": {"kernel.org, " + xss + "\n# a comment\n"}},
		"names.txt", "xk4qz9vw7r.top\nbad..name\n")
	runScenarios(t, e, []scenario{
		{Name: "batch form", Method: "GET", URL: "/reputation", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="reputation-form"`, `enctype="multipart/form-data"`}},
		{Name: "batch paste and upload", Method: "POST", URL: "/reputation", As: "reader", Body: body, ContentType: ctype, ExpectedStatus: 200,
			ExpectedContent: []string{`id="reputation-table"`, "4 names", "kernel.org", "&lt;script&gt;alert(1)&lt;/script&gt;",
				"xk4qz9vw7r.top", "bad..name", "rep-invalid", "on the popularity list"},
			NotExpectedContent: []string{xss}},
		{Name: "batch: nothing to rate", Method: "POST", URL: "/reputation", As: "reader", Form: url.Values{"names": {" "}},
			ExpectedStatus: 400, ExpectedContent: []string{"at least one name"}},
		{Name: "batch: anonymous", Method: "GET", URL: "/reputation", ExpectedStatus: 303},
		{Name: "indicator page", Method: "GET", URL: fmt.Sprintf("/indicators/%d", e.Indicator.ID), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="reputation"`, `id="reputation-reasons"`, "Domain reputation:"}},
		{Name: "indicator API", Method: "GET", URL: fmt.Sprintf("/api/v1/indicators/%d", e.Indicator.ID), Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"reputation":{"domain":"evil.example.com"`}},
		{Name: "search hits", Method: "GET", URL: "/search?q=evil.example.com", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"evil.example.com", "badge rep rep-"}},
		{Name: "model page", Method: "GET", URL: "/reputation/model", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="model-info"`, "built-in", `id="chart-f1"`, `id="chart-confusion"`, `id="cv-table"`,
				`id="holdout-family"`, `id="confusion-random"`, "gbdt&#43;rules", "lm_ratio", "vt_files_max"}},
	})
}

// TestSearchAPIReputation: the search API's domain hits carry the
// reputation the search page shows, rated with what the base holds (a
// feed's listing among the reasons); other hits carry none.
func TestSearchAPIReputation(t *testing.T) {
	e := newEnv(t)
	_, err := e.Store.ImportIndicators(context.Background(), &intel.IndicatorBatch{
		Sources:    []intel.Source{{Name: "relay-feed", Kind: intel.SourceIOCList, Credibility: 1}},
		Indicators: []intel.IndicatorRow{{Type: intel.IndicatorDomain, Value: "kite-relay.net", Confidence: 1}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	search := func(q string) []map[string]json.RawMessage {
		t.Helper()
		w := scenario{Method: "GET", URL: "/api/v1/search?q=" + url.QueryEscape(q), Bearer: "reader", ExpectedStatus: 200}.run(t, e)
		var page struct {
			Items []map[string]json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		return page.Items
	}
	hits := search("kite-relay.net")
	if len(hits) != 1 {
		t.Fatalf("hits %v, want the one domain", hits)
	}
	var r reputation.Result
	if err := json.Unmarshal(hits[0]["reputation"], &r); err != nil {
		t.Fatalf("the domain hit carries no reputation: %v (%s)", err, hits[0]["reputation"])
	}
	if r.Domain != "kite-relay.net" || r.Reputation != reputation.Malicious ||
		!strings.Contains(strings.Join(r.Reasons, "\n"), "rule listed-by-feed (+3.0): in 1 feed (credibility 1.0 max): relay-feed") {
		t.Errorf("reputation of the hit %+v, want malicious with the feed among the reasons", r)
	}
	if string(hits[0]["kind"]) != `"indicator"` || string(hits[0]["title"]) != `"kite-relay.net"` {
		t.Errorf("the hit lost its own fields: %v", hits[0])
	}
	for _, h := range search("APT28") {
		if _, ok := h["reputation"]; ok {
			t.Errorf("a %s hit carries a reputation: %s", h["kind"], h["reputation"])
		}
	}
	page := scenario{Method: "GET", URL: "/search?q=kite-relay.net", As: "reader", ExpectedStatus: 200}.run(t, e)
	if !strings.Contains(page.Body.String(), "rep-malicious") {
		t.Errorf("the page does not show the reputation the API gives")
	}
}

// TestSearchAPIDocumented: the OpenAPI document says a search hit may
// carry a reputation.
func TestSearchAPIDocumented(t *testing.T) {
	e := newEnv(t)
	w := scenario{Method: "GET", URL: "/api/v1/openapi.json", ExpectedStatus: 200}.run(t, e)
	var doc struct {
		Paths map[string]map[string]struct {
			Summary   string `json:"summary"`
			Responses map[string]struct {
				Content map[string]struct {
					Schema json.RawMessage `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	op := doc.Paths["/api/v1/search"]["get"]
	schema := string(op.Responses["200"].Content["application/json"].Schema)
	// Follow the references down to the hit's properties.
	for range 4 {
		var ref struct {
			Ref   string `json:"$ref"`
			Props map[string]struct {
				Items struct {
					Ref string `json:"$ref"`
				} `json:"items"`
			} `json:"properties"`
		}
		_ = json.Unmarshal([]byte(schema), &ref)
		next := ref.Ref
		if next == "" {
			next = ref.Props["items"].Items.Ref
		}
		if next == "" {
			break
		}
		schema = string(doc.Components.Schemas[strings.TrimPrefix(next, "#/components/schemas/")])
	}
	if !strings.Contains(schema, `"reputation"`) || !strings.Contains(schema, `"title"`) || !strings.Contains(op.Summary, "reputation") {
		t.Errorf("the search hit's schema does not document its reputation: %s (summary %q)", schema, op.Summary)
	}
}
