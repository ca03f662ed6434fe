package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/fingerprint"
	"github.com/spoor/spoor/internal/intel"
)

// hostileName is a group name that must stay inert in every table, chart
// and graph label.
const hostileName = `<img src=x onerror=alert(1)>`

// analysisGroups seeds three groups that share techniques and victims:
// APT28 and Twin Bear work 09:00–17:00 at UTC+3, Sunday to Thursday; the
// hostile group's name is markup. Events go in through POST /api/v1/events,
// which rebuilds the fingerprints in the background; analysisGroups waits
// for the rebuild. It returns Twin Bear's and the hostile group's IDs.
func analysisGroups(t *testing.T, e *testEnv) (twin, hostile int64) {
	t.Helper()
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	for _, o := range []*intel.Object{
		{Kind: intel.KindTechnique, Name: "Phishing", ExternalID: "T1566", Tactics: []string{"initial-access"}, Confidence: 1},
		{Kind: intel.KindTechnique, Name: "Command and Scripting Interpreter", ExternalID: "T1059", Tactics: []string{"execution"}, Confidence: 1},
		{Kind: intel.KindGroup, Name: "Twin Bear", Confidence: 1},
		{Kind: intel.KindGroup, Name: hostileName, Confidence: 1},
	} {
		if err := e.Store.CreateObject(ctx, o); err != nil {
			t.Fatal(err)
		}
		switch o.Name {
		case "Twin Bear":
			twin = o.ID
		case hostileName:
			hostile = o.ID
		}
	}
	plus3 := time.FixedZone("+03", 3*3600)
	var times []string
	for week := range 4 {
		for day := range 5 { // Sunday 3 March 2024 onwards
			for hour := 9; hour < 17; hour += 2 {
				times = append(times, time.Date(2024, 3, 3+7*week+day, hour, 15, 0, 0, plus3).Format(time.RFC3339))
			}
		}
	}
	ts, _ := json.Marshal(times)
	post := func(group int64, title, techniques string) {
		body := fmt.Sprintf(`{"title":%q,"group_id":%d,"first_seen":"2024-03-03T00:00:00Z","times":%s,"techniques":[%s],
"victim_countries":["GE","Ukraine"],"software":["X-Agent"]}`, title, group, ts, techniques)
		scenario{Method: "POST", URL: "/api/v1/events", Bearer: "analyst", JSON: body, ExpectedStatus: http.StatusCreated}.run(t, e)
	}
	post(e.Group.ID, "Spring phishing", `"T1566.001","T1059"`)
	post(e.Group.ID, "Summer phishing", `"T1566.001"`)
	post(twin, "Twin phishing", `"T1566.001","T1059"`)
	// The hostile group shares one technique and one victim, no hours:
	// a weaker link than the twins'.
	scenario{Method: "POST", URL: "/api/v1/events", Bearer: "analyst", ExpectedStatus: http.StatusCreated,
		JSON: fmt.Sprintf(`{"title":%q,"group_id":%d,"first_seen":"2024-05-01T00:00:00Z","techniques":["T1566.001"],"victim_countries":["GE","BR"]}`, hostileName, hostile)}.run(t, e)
	// The rebuild runs in the background: wait until it has all four.
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _, err := e.Store.FindFingerprints(ctx)
		if err == nil && b.Groups >= 3 {
			fp, err := e.Store.FindFingerprint(ctx, hostile)
			if err == nil && fp.Events == 1 {
				p, _ := e.Store.FindFingerprint(ctx, e.Group.ID)
				if p != nil && p.Events == 2 {
					break
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("fingerprints were not rebuilt after the events: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Let the background rebuild finish before the store closes.
	if _, err := fingerprint.Rebuild(ctx, e.Store); err != nil {
		t.Fatal(err)
	}
	return twin, hostile
}

func TestAnalysisBeforeFingerprints(t *testing.T) {
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{Name: "page says how to build them", URL: fmt.Sprintf("/groups/%d", e.Group.ID), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="analysis-missing"`, "spoor analyze fingerprints"}},
		{Name: "API answers not found", URL: fmt.Sprintf("/api/v1/groups/%d/analysis", e.Group.ID), Bearer: "reader", ExpectedStatus: 404},
		{Name: "graph page says so too", URL: "/graph", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`id="graph-missing"`}},
		{Name: "anonymous is sent to sign in", URL: "/api/v1/graph", ExpectedStatus: 401},
		{Name: "a reader may not record events", Method: "POST", URL: "/api/v1/events", Bearer: "reader", JSON: `{"title":"x"}`, ExpectedStatus: 403},
		{Name: "a bad technique is refused by field", Method: "POST", URL: "/api/v1/events", Bearer: "analyst",
			JSON: `{"title":"x","techniques":["phishing"]}`, ExpectedStatus: 400, ExpectedContent: []string{"techniques[0]"}},
	})
}

func TestGroupAnalysis(t *testing.T) {
	e := newEnv(t)
	twin, hostile := analysisGroups(t, e)

	w := scenario{URL: fmt.Sprintf("/api/v1/groups/%d/analysis", e.Group.ID), Bearer: "reader", ExpectedStatus: 200}.run(t, e)
	var a struct {
		Events      int `json:"events"`
		LocalOffset int `json:"local_offset"`
		Time        struct {
			Weekend    []string `json:"weekend"`
			HourOfWeek []int    `json:"hour_of_week"`
		} `json:"time"`
		LocalHourOfWeek []int `json:"local_hour_of_week"`
		VictimCountries []struct {
			Code, Numeric string
			N             int
		} `json:"victim_countries"`
		Matrix []struct {
			Tactic     string
			Techniques []struct {
				ID   string
				N    int
				Heat int
			}
		} `json:"matrix"`
		Timeline []struct {
			Month string
			N     int
		} `json:"timeline"`
		Related []struct {
			GroupID    int64              `json:"group_id"`
			Dimensions map[string]float64 `json:"dimensions"`
			Shared     map[string][]struct{ Value string }
		} `json:"related"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if a.Events != 2 || a.LocalOffset != 3 || !slices.Equal(a.Time.Weekend, []string{"Fri", "Sat"}) {
		t.Errorf("APT28: %d events, offset %d, weekend %v; want 2 events at UTC+3 with a Fri–Sat weekend", a.Events, a.LocalOffset, a.Time.Weekend)
	}
	if len(a.Time.HourOfWeek) != 168 || a.LocalHourOfWeek[6*24+9] != 8 || a.LocalHourOfWeek[4*24+9] != 0 {
		t.Errorf("local hours: Sunday 09:00 has %d (want 8: two events × four weeks), Friday 09:00 %d (want 0)",
			a.LocalHourOfWeek[6*24+9], a.LocalHourOfWeek[4*24+9])
	}
	if len(a.VictimCountries) != 2 || a.VictimCountries[0].N != 2 || a.VictimCountries[0].Numeric == "" {
		t.Errorf("victim countries %+v, want GE and UA with their numeric codes, 2 events each", a.VictimCountries)
	}
	var tactics []string
	for _, c := range a.Matrix {
		tactics = append(tactics, c.Tactic)
		if c.Tactic == "initial-access" && (len(c.Techniques) != 1 || c.Techniques[0].ID != "T1566" || c.Techniques[0].N != 3 || c.Techniques[0].Heat != 5) {
			t.Errorf("initial access: %+v, want T1566 from the record and 2 events at heat 5", c.Techniques)
		}
	}
	if !slices.Equal(tactics, []string{"initial-access", "execution"}) {
		t.Errorf("matrix tactics %v, want initial-access then execution", tactics)
	}
	if len(a.Timeline) != 1 || a.Timeline[0].Month != "2024-03" || a.Timeline[0].N != 2 {
		t.Errorf("timeline %+v", a.Timeline)
	}
	if len(a.Related) < 2 || a.Related[0].GroupID != twin {
		t.Fatalf("related %+v, want Twin Bear first", a.Related)
	}
	if a.Related[0].Dimensions["time"] < 0.9 || !slices.ContainsFunc(a.Related[0].Shared["techniques"], func(v struct{ Value string }) bool { return v.Value == "T1059" }) {
		t.Errorf("Twin Bear: %+v, want the same hours and T1059 shared", a.Related[0])
	}

	page := scenario{URL: fmt.Sprintf("/groups/%d", e.Group.ID), As: "reader", ExpectedStatus: 200,
		ExpectedContent:    []string{`id="hours-table"`, `id="networks"`, `id="attack-matrix"`, `href="/groups/` + fmt.Sprint(twin) + `"`, "UTC&#43;03:00", "Fri–Sat", "&lt;img src=x onerror=alert(1)&gt;"},
		NotExpectedContent: []string{hostileName}}.run(t, e)
	body := page.Body.String()
	table := body[strings.Index(body, `id="hours-table"`):]
	table = table[:strings.Index(table, "</table>")]
	if n := strings.Count(table, "<td "); n != 168 {
		t.Errorf("hours table has %d cells, want 168", n)
	}

	runScenarios(t, e, []scenario{
		{Name: "graph", URL: "/api/v1/graph?min=0.1", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{fmt.Sprintf(`"source":%d`, e.Group.ID), `"countries":["GE","UA"]`}},
		{Name: "graph threshold out of range", URL: "/api/v1/graph?min=abc", Bearer: "reader", ExpectedStatus: 400},
		{Name: "pair", URL: fmt.Sprintf("/api/v1/groups/%d/similarity/%d", e.Group.ID, hostile), Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"b_name":"\u003cimg src=x onerror=alert(1)\u003e"`, `"T1566.001"`}},
		{Name: "pair with itself", URL: fmt.Sprintf("/api/v1/groups/%d/similarity/%d", e.Group.ID, e.Group.ID), Bearer: "reader", ExpectedStatus: 404},
		{Name: "graph page", URL: "/graph", As: "reader", ExpectedStatus: 200, ExpectedContent: []string{`id="graph-app"`, `data-cytoscape=`}},
		{Name: "dashboard", URL: "/", As: "reader", ExpectedStatus: 200,
			ExpectedContent:    []string{`id="chart-events"`, `id="active-groups"`, "Twin Bear", `id="top-techniques"`, "Phishing", `id="freshness"`, "test-attack"},
			NotExpectedContent: []string{hostileName}},
		{Name: "overview", URL: "/api/v1/overview", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"since":"2024-03"`, `{"month":"2024-03","n":3}`, `"id":"T1566","name":"Phishing"`}},
		{Name: "technique has no analysis", URL: fmt.Sprintf("/api/v1/groups/%d/analysis", e.Technique.ID), Bearer: "reader", ExpectedStatus: 404},
	})
}

// TestDuplicates: the twins (same hours, techniques, software and
// victims) and two groups of one name are proposed; "not the same" drops a
// pair for good, a merge from the list joins the other; readers see the
// list without the forms.
func TestDuplicates(t *testing.T) {
	e := newEnv(t)
	twin, _ := analysisGroups(t, e)
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	other := &intel.Object{Kind: intel.KindGroup, Name: "twin bear", Confidence: 1}
	if err := e.Store.CreateObject(ctx, other); err != nil {
		t.Fatal(err)
	}
	if _, err := fingerprint.Rebuild(ctx, e.Store); err != nil {
		t.Fatal(err)
	}
	runScenarios(t, e, []scenario{
		{Name: "API", URL: "/api/v1/duplicates", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{fmt.Sprintf(`"a":%d,"b":%d`, e.Group.ID, twin), `"why":"same name"`, `"b_name":"twin bear"`}},
		{Name: "reader sees no forms", URL: "/duplicates", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`id="duplicates"`, "Twin Bear"}, NotExpectedContent: []string{"Not the same", hostileName}},
		{Name: "analyst says APT28 and Twin Bear differ", Method: "POST", URL: "/duplicates/distinct", As: "analyst",
			Form: url.Values{"a": {fmt.Sprint(twin)}, "b": {fmt.Sprint(e.Group.ID)}, "reason": {"different operators"}}, ExpectedStatus: 303},
		{Name: "a reason is needed", Method: "POST", URL: "/duplicates/distinct", As: "analyst",
			Form: url.Values{"a": {fmt.Sprint(twin)}, "b": {fmt.Sprint(other.ID)}}, ExpectedStatus: 303,
			ExpectedHeader: map[string]string{"Location": "/duplicates?error=two+different+groups+and+a+reason+are+needed"}},
		{Name: "the pair is gone", URL: "/api/v1/duplicates", Bearer: "reader", ExpectedStatus: 200,
			NotExpectedContent: []string{fmt.Sprintf(`"a":%d,"b":%d`, e.Group.ID, twin)}, ExpectedContent: []string{`"b_name":"twin bear"`}},
		{Name: "reader may not answer", Method: "POST", URL: fmt.Sprintf("/api/v1/groups/%d/distinct", twin), Bearer: "reader",
			JSON: fmt.Sprintf(`{"other_id":%d,"reason":"x"}`, e.Group.ID), ExpectedStatus: 403},
	})
	before, err := e.Store.FindFingerprintBuild(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scenario{Name: "merge from the list by ID", Method: "POST", URL: fmt.Sprintf("/groups/%d/merge", twin), As: "analyst",
		Form: url.Values{"other_id": {fmt.Sprint(other.ID)}, "reason": {"one name"}}, ExpectedStatus: 303}.run(t, e)
	if _, err := e.Store.FindObjectByID(ctx, other.ID); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("the merged group is still there: %v", err)
	}
	// The merge rebuilds the fingerprints in the background.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := e.Store.FindFingerprintBuild(ctx); err == nil && b.ID > before.ID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no rebuild after the merge")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
