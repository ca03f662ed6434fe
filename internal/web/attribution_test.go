package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
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
	enc := attribute.NewEncoder(exs, 1, nil)
	model, err := attribute.TrainGBDT(enc, exs, opt)
	if err != nil {
		t.Fatal(err)
	}
	attribute.FitPooling(enc, exs, opt, model)
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
			ExpectedContent: []string{`"groups":[{"group_id":`, `"features":[`, "technique:T1059", `"fingerprint":{"score":`,
				`"similar_events":[{"id":`, `"title":"Spring phishing"`, `"shared_indicators":[]`}},
		{Name: "a bad technique", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader", JSON: `{"techniques":["phishing"]}`,
			ExpectedStatus: 400, ExpectedContent: []string{`technique \"PHISHING\"`}},
		{Name: "a value that is not one indicator", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader", JSON: `{"indicators":["two words"]}`,
			ExpectedStatus: 400, ExpectedContent: []string{"two words"}},
		{Name: "unknown field", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader", JSON: `{"technique":["T1059"]}`, ExpectedStatus: 400},
		{Name: "page", URL: "/attribute?techniques=T1566.001", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`value="T1566.001"`}},
		{Name: "page answers", Method: "POST", URL: "/attribute", As: "reader",
			Form: url.Values{"techniques": {"T1566.001, T1059"}, "countries": {"GE"}, "abstain": {"0"}}, ExpectedStatus: 200,
			ExpectedContent: []string{`id="attribution-groups"`, fmt.Sprintf(`href="/groups/%d"`, e.Group.ID), `class="similar-events"`,
				`<a href="/events/`, "Spring phishing"}, NotExpectedContent: []string{hostileName}},
		{Name: "countries by name, unknown inputs named", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader",
			JSON: `{"techniques":["T1059"],"software":["NoSuchTool"],"victim_countries":["Georgia"],"abstain":0}`, ExpectedStatus: 200,
			ExpectedContent: []string{`"unknown":["software:NoSuchTool"`}},
		{Name: "activity times are compared with each group's hours", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader",
			JSON: `{"techniques":["T1059"],"times":["2024-03-05T07:15:00Z","Tue, 5 Mar 2024 11:15:00 +0300"],"abstain":0}`, ExpectedStatus: 200,
			ExpectedContent: []string{fmt.Sprintf(`"active hours like group %d"`, e.Group.ID)}},
		{Name: "a time that is none", Method: "POST", URL: "/api/v1/attribute", Bearer: "reader",
			JSON: `{"techniques":["T1059"],"times":["yesterday"]}`, ExpectedStatus: 400, ExpectedContent: []string{`time \"yesterday\"`}},
		{Name: "times on the page", Method: "POST", URL: "/attribute", As: "analyst",
			Form: url.Values{"techniques": {"T1059"}, "times": {"Tue, 5 Mar 2024 11:15:00 +0300\n2024-03-06T08:15:00Z"}, "abstain": {"0"}}, ExpectedStatus: 200,
			ExpectedContent: []string{`id="attribution-groups"`, "Tue, 5 Mar 2024 11:15:00 &#43;0300", "times=Tue%2C"}},
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
			ExpectedContent: []string{`id="attribution-groups"`, "Spearphishing (T1566.001) again."}, NotExpectedContent: []string{`class="button confirm"`}},
		{Name: "an analyst may confirm a candidate", Method: "POST", URL: "/attribute", As: "analyst",
			Form: url.Values{"techniques": {"T1566.001"}, "countries": {"GE"}, "abstain": {"0"}}, ExpectedStatus: 200,
			ExpectedContent: []string{`class="button confirm"`, fmt.Sprintf(`href="/events/new?countries=GE&amp;group=%%23%d&amp;`, e.Group.ID)}},
		{Name: "the confirm link fills the event form", URL: fmt.Sprintf("/events/new?group=%%23%d&techniques=T1566.001&countries=GE", e.Group.ID),
			As: "analyst", ExpectedStatus: 200, ExpectedContent: []string{fmt.Sprintf(`value="#%d"`, e.Group.ID), `<strong id="group-name">APT28</strong>`, `value="T1566.001"`, `value="GE"`}},
	})
	// Saved, the event is the group's (by ID, whatever other group shares
	// its name): training data for the next model.
	scenario{Method: "POST", URL: "/events", As: "analyst", Form: url.Values{"title": {"confirmed phish"},
		"group": {fmt.Sprintf("#%d", e.Group.ID)}, "techniques": {"T1566.001"}, "countries": {"GE"}, "confidence": {"0.9"}, "tlp": {"amber"}},
		ExpectedStatus: 303}.run(t, e)
	page, err := e.Store.FindEvents(context.Background(), intel.EventFilter{GroupID: e.Group.ID})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range page.Items {
		found = found || ev.Title == "confirmed phish" && slices.Equal(ev.VictimCountries, []string{"GE"})
	}
	if !found {
		t.Errorf("the confirmed event is not among the group's %d events", len(page.Items))
	}
	scenario{Method: "POST", URL: "/events", As: "analyst", Form: url.Values{"title": {"bad"}, "group": {fmt.Sprintf("#%d", e.Technique.ID)}},
		ExpectedStatus: 400, ExpectedContent: []string{"no stored group"}}.run(t, e)
}

// TestAttributionModelPage: before a model the page says how to train
// one; after, the page and the API show the stored evaluation, with the
// confused groups named as text.
func TestAttributionModelPage(t *testing.T) {
	e := newEnv(t)
	scenario{URL: "/attribute/model", As: "reader", ExpectedStatus: 404, ExpectedContent: []string{"spoor train attribution"}}.run(t, e)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	var exs []attribute.Example
	for i := 0; i < 40; i++ {
		g, tech := int64(i%2+1), fmt.Sprint("T100", i%2)
		exs = append(exs, attribute.Example{Event: &intel.Event{Techniques: []string{tech, "T1566"}}, Group: g, SplitKey: fmt.Sprint("r", i)})
	}
	exs[0].Group, exs[2].Group = 2, 2 // two events of group 2 that look like group 1's
	ev, err := attribute.Evaluate(exs, 4, attribute.DefaultOptions(), 0.3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Confused) == 0 {
		t.Fatalf("no confused pairs in %+v", ev)
	}
	ev.Confused[0].TruthName = xss
	evaluation, _ := json.Marshal(ev)
	if err := e.Store.SaveModel(ctx, &intel.Model{Kind: "attribution", Version: attribute.EncodingVersion, Data: "{}",
		Summary: `{"events":40,"groups":2}`, Evaluation: string(evaluation)}); err != nil {
		t.Fatal(err)
	}
	scenario{URL: "/attribute/model", As: "reader", ExpectedStatus: 200,
		ExpectedContent: []string{`id="eval-table"`, "combination", "technique jaccard", `id="chart-calibration"`, `id="coverage-table"`,
			`id="confused-table"`, "&lt;script&gt;alert(1)&lt;/script&gt;", `data-api="/api/v1/attribution/model"`},
		NotExpectedContent: []string{xss}}.run(t, e)
	w := scenario{URL: "/api/v1/attribution/model", Bearer: "reader", ExpectedStatus: 200}.run(t, e)
	var got struct {
		Evaluation attribute.Evaluation `json:"evaluation"`
		Summary    map[string]int       `json:"summary"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Summary["events"] != 40 || len(got.Evaluation.Models) != len(ev.Models) || len(got.Evaluation.Models[0].Reliability) != 10 {
		t.Errorf("API model view: %s", w.Body)
	}
	scenario{URL: "/api/v1/attribution/model", ExpectedStatus: 401}.run(t, e)
}

// TestModelPins: the stored models are listed with the one in use; an
// analyst pins an older one (it stays in use when a newer one is
// stored) and unpins it, by the API and the page; a reader may not, and a
// model of an encoding this spoor cannot read is refused.
func TestModelPins(t *testing.T) {
	e := newEnv(t)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	save := func(version int, summary string) int64 {
		m := &intel.Model{Kind: "attribution", Version: version, Data: "{}", Summary: summary}
		if err := e.Store.SaveModel(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	old := save(attribute.EncodingVersion-1, `{"events":1}`)
	first := save(attribute.EncodingVersion, `{"events":10}`)
	second := save(attribute.EncodingVersion, `{"events":20}`)
	inUse := func() []int64 {
		t.Helper()
		w := scenario{URL: "/api/v1/models?kind=attribution", Bearer: "reader", ExpectedStatus: 200}.run(t, e)
		var list []struct {
			ID       int64 `json:"id"`
			InUse    bool  `json:"in_use"`
			Readable bool  `json:"readable"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list) != 3 || list[0].ID != second || list[2].Readable {
			t.Fatalf("models %s (%v): want three, newest first, the oldest unreadable", w.Body, err)
		}
		var out []int64
		for _, m := range list {
			if m.InUse {
				out = append(out, m.ID)
			}
		}
		return out
	}
	if got := inUse(); !slices.Equal(got, []int64{second}) {
		t.Errorf("in use before a pin: %v, want the newest %d", got, second)
	}
	runScenarios(t, e, []scenario{
		{Name: "a reader may not pin", Method: "POST", URL: fmt.Sprintf("/api/v1/models/%d/pin", first), Bearer: "reader", ExpectedStatus: 403},
		{Name: "an older encoding", Method: "POST", URL: fmt.Sprintf("/api/v1/models/%d/pin", old), Bearer: "analyst", ExpectedStatus: 400,
			ExpectedContent: []string{"cannot be put in use"}},
		{Name: "no such model", Method: "POST", URL: "/api/v1/models/99999/pin", Bearer: "analyst", ExpectedStatus: 404},
		{Name: "pin", Method: "POST", URL: fmt.Sprintf("/api/v1/models/%d/pin", first), Bearer: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{`"pinned":true`}},
	})
	third := save(attribute.EncodingVersion, `{"events":30}`)
	w := scenario{URL: "/api/v1/models?kind=attribution", Bearer: "reader", ExpectedStatus: 200}.run(t, e)
	if !bytes.Contains(w.Body.Bytes(), []byte(fmt.Sprintf(`"id":%d`, third))) {
		t.Fatalf("the third model is not listed: %s", w.Body)
	}
	if id, err := e.Store.LatestModelID(ctx, "attribution"); err != nil || id != first {
		t.Errorf("in use after a newer model: %d (%v), want the pinned %d", id, err, first)
	}
	runScenarios(t, e, []scenario{
		{Name: "the page shows the pin", URL: "/attribute/model", As: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{`id="pinned"`, `id="models-table"`, `action="/attribute/model/unpin"`, "older encoding"}},
		{Name: "a reader sees no buttons", URL: "/attribute/model", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="models-table"`}, NotExpectedContent: []string{`action="/attribute/model/pin"`}},
		{Name: "a reader may not unpin", Method: "DELETE", URL: "/api/v1/models/pins/attribution", Bearer: "reader", ExpectedStatus: 403},
		{Name: "unpin on the page", Method: "POST", URL: "/attribute/model/unpin", As: "analyst", ExpectedStatus: 303},
	})
	if id, err := e.Store.LatestModelID(ctx, "attribution"); err != nil || id != third {
		t.Errorf("in use after the unpin: %d (%v), want the newest %d", id, err, third)
	}
	runScenarios(t, e, []scenario{
		{Name: "pin on the page", Method: "POST", URL: "/attribute/model/pin", As: "analyst", Form: url.Values{"id": {fmt.Sprint(second)}}, ExpectedStatus: 303},
		{Name: "unpin by the API", Method: "DELETE", URL: "/api/v1/models/pins/attribution", Bearer: "analyst", ExpectedStatus: 204},
		{Name: "a kind that is none", Method: "DELETE", URL: "/api/v1/models/pins/horoscope", Bearer: "analyst", ExpectedStatus: 404},
	})
	if id, err := e.Store.LatestModelID(ctx, "attribution"); err != nil || id != third {
		t.Errorf("in use after the API unpin: %d (%v), want the newest %d", id, err, third)
	}
}
