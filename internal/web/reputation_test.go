package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

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
