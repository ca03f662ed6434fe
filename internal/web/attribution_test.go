package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/intel"
)

// trainAttribution trains and stores an attribution model on what the
// store holds, as `spoor train attribution` does.
func trainAttribution(t *testing.T, e *testEnv) {
	t.Helper()
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	evidence, err := e.Store.FindGroupEvidence(ctx)
	if err != nil {
		t.Fatal(err)
	}
	exs := attribute.Examples(evidence)
	opt := attribute.DefaultOptions()
	opt.MinEvents = 1
	model, err := attribute.TrainGBDT(attribute.NewEncoder(exs, 1), exs, opt)
	if err != nil {
		t.Fatal(err)
	}
	var data bytes.Buffer
	if err := model.Save(&data); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.SaveModel(ctx, &intel.Model{Kind: "attribution", Version: attribute.EncodingVersion, Data: data.String()}); err != nil {
		t.Fatal(err)
	}
}

// TestAttribution: before a model the page and API say how to train one;
// after, the page and the API rank the group whose techniques the event
// shows, names the hostile group as text, and refuse bad input by field.
func TestAttribution(t *testing.T) {
	e := newEnv(t)
	analysisGroups(t, e)
	runScenarios(t, e, []scenario{
		{Name: "no model yet (API)", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader", JSON: `{"techniques":["T1059"]}`,
			ExpectedStatus: 404, ExpectedContent: []string{"spoor train attribution"}},
		{Name: "no model yet (page)", Method: "POST", URL: "/attribute", As: "reader", Form: url.Values{"techniques": {"T1059"}},
			ExpectedStatus: 400, ExpectedContent: []string{"spoor train attribution", `value="T1059"`}},
	})
	trainAttribution(t, e)
	runScenarios(t, e, []scenario{
		{Name: "API ranks the groups", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader",
			JSON: `{"techniques":["t1059"],"software":["X-Agent"],"top":3,"abstain":0}`, ExpectedStatus: 200,
			ExpectedContent: []string{`"groups":[{"group_id":`, `"features":[`, "technique:T1059"}},
		{Name: "a bad technique", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader", JSON: `{"techniques":["phishing"]}`,
			ExpectedStatus: 400, ExpectedContent: []string{`technique \"PHISHING\"`}},
		{Name: "a value that is not one indicator", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader", JSON: `{"indicators":["two words"]}`,
			ExpectedStatus: 400, ExpectedContent: []string{"two words"}},
		{Name: "unknown field", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader", JSON: `{"technique":["T1059"]}`, ExpectedStatus: 400},
		{Name: "page", URL: "/attribute?techniques=T1566.001", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`value="T1566.001"`}},
		{Name: "page answers", Method: "POST", URL: "/attribute", As: "reader",
			Form: url.Values{"techniques": {"T1566.001, T1059"}, "countries": {"GE"}, "abstain": {"0"}}, ExpectedStatus: 200,
			ExpectedContent: []string{`id="attribution-groups"`, fmt.Sprintf(`href="/groups/%d"`, e.Group.ID)}, NotExpectedContent: []string{hostileName}},
		{Name: "countries by name, unknown inputs named", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader",
			JSON: `{"techniques":["T1059"],"software":["NoSuchTool"],"victim_countries":["Georgia"],"abstain":0}`, ExpectedStatus: 200,
			ExpectedContent: []string{`"unknown":["software:NoSuchTool"`}},
		{Name: "a country that is none", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader",
			JSON: `{"victim_countries":["Atlantis"]}`, ExpectedStatus: 400, ExpectedContent: []string{`victim country \"Atlantis\"`}},
		{Name: "the page names what the model does not know", Method: "POST", URL: "/attribute", As: "reader",
			Form: url.Values{"techniques": {"T1059"}, "software": {"<b>NoSuchTool</b>"}, "abstain": {"0"}}, ExpectedStatus: 200,
			ExpectedContent: []string{`id="unknown-inputs"`, "software:&lt;b&gt;NoSuchTool&lt;/b&gt;"}},
		{Name: "page refuses a bad threshold", Method: "POST", URL: "/attribute", As: "reader",
			Form: url.Values{"techniques": {"T1059"}, "abstain": {"lots"}}, ExpectedStatus: 400, ExpectedContent: []string{"abstain must be"}},
		{Name: "anonymous", Method: "POST", URL: "/api/v1/attribute", JSON: `{}`, ExpectedStatus: 401},
		{Name: "prose", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader",
			JSON: `{"text":"They used T1059 and X-Agent, beaconing to c2.example.net.","abstain":0}`, ExpectedStatus: 200,
			ExpectedContent: []string{"technique:T1059", "software:x-agent"}},
		{Name: "prose on the page", Method: "POST", URL: "/attribute", As: "reader",
			Form: url.Values{"text": {"Spearphishing (T1566.001) again."}, "abstain": {"0"}}, ExpectedStatus: 200,
			ExpectedContent: []string{`id="attribution-groups"`, "Spearphishing (T1566.001) again."}},
	})
}
