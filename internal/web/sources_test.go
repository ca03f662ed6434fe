package web_test

import (
	"encoding/json"
	"log/slog"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret"
	"github.com/spoor/spoor/internal/web"
)

// fixtureBundle is a tiny STIX bundle the collector reads from disk.
func fixtureBundle(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "collect", "stix", "testdata", "small-bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// missingPath is a directory inside the import directory of newEnv
// that does not exist, ending in a slash.
func missingPath(t *testing.T) string {
	return filepath.Join(filepath.Dir(fixtureBundle(t)), "nonexistent") + "/"
}

func TestSourcesAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	loc := fixtureBundle(t)
	// Sources that read the server's files are an admin's to add.
	w := scenario{Method: "POST", URL: "/api/v1/sources", Bearer: "admin",
		JSON:           `{"name":"Fixture STIX","format":"stix","location":` + jsonString(loc) + `,"interval":"24h","tlp":"green"}`,
		ExpectedStatus: 201, ExpectedContent: []string{`"name":"Fixture STIX"`, `"kind":"stix"`, `"interval":"24h0m0s"`,
			`"credibility":0,"credibility_reason":"unknown: no site"`, `"enabled":true`}}.run(t, e)
	var src intel.Source
	if err := json.Unmarshal(w.Body.Bytes(), &src); err != nil || src.ID == 0 {
		t.Fatalf("created: %s", w.Body)
	}
	sid := "/api/v1/sources/" + id(src.ID)
	// A failing source: its error, hostile text included, is recorded.
	w = scenario{Method: "POST", URL: "/api/v1/sources", Bearer: "admin",
		JSON:           `{"name":"Broken","format":"stix","location":` + jsonString(missingPath(t)+xss+".json") + `}`,
		ExpectedStatus: 201}.run(t, e)
	var broken intel.Source
	if err := json.Unmarshal(w.Body.Bytes(), &broken); err != nil || broken.ID == 0 {
		t.Fatalf("created: %s", w.Body)
	}
	runScenarios(t, e, []scenario{
		{Name: "reader cannot add", Method: "POST", URL: "/api/v1/sources", Bearer: "reader",
			JSON: `{"name":"x","format":"stix","location":"feeds/x.json"}`, ExpectedStatus: 403},
		{Name: "reader cannot run", Method: "POST", URL: sid + "/run", Bearer: "reader", ExpectedStatus: 403},
		{Name: "analyst cannot name a server path", Method: "POST", URL: "/api/v1/sources", Bearer: "analyst",
			JSON: `{"name":"Secrets","format":"trail","location":"/etc/passwd"}`, ExpectedStatus: 403,
			ExpectedContent: []string{"only an admin may name a path on the server"}},
		{Name: "analyst adds a URL source", Method: "POST", URL: "/api/v1/sources", Bearer: "analyst",
			JSON: `{"name":"Vendor feed","format":"stix","location":"https://unit42.paloaltonetworks.com/feed.json"}`, ExpectedStatus: 201,
			ExpectedContent: []string{`"credibility":1,"credibility_reason":"well-known organisation: Palo Alto Networks"`}},
		{Name: "analyst cannot repoint a source at a path", Method: "PATCH", URL: sid, Bearer: "analyst", JSON: `{"location":"/etc/shadow"}`,
			ExpectedStatus: 403},
		{Name: "name taken", Method: "POST", URL: "/api/v1/sources", Bearer: "admin",
			JSON: `{"name":"Fixture STIX","format":"stix","location":"/elsewhere"}`, ExpectedStatus: 409},
		{Name: "unknown format", Method: "POST", URL: "/api/v1/sources", Bearer: "admin",
			JSON: `{"name":"Odd","format":"nope","location":"/x"}`, ExpectedStatus: 400, ExpectedContent: []string{`unknown format \"nope\"`}},
		{Name: "stdin refused", Method: "POST", URL: "/api/v1/sources", Bearer: "analyst",
			JSON: `{"name":"Stdin","format":"stix","location":"-"}`, ExpectedStatus: 400, ExpectedContent: []string{"command line only"}},
		{Name: "short interval", Method: "POST", URL: "/api/v1/sources", Bearer: "admin",
			JSON: `{"name":"Eager","format":"stix","location":` + jsonString(missingPath(t)+"x") + `,"interval":"5s"}`, ExpectedStatus: 400, ExpectedContent: []string{"shorter than a minute"}},
		{Name: "analyst runs it", Method: "POST", URL: sid + "/run", Bearer: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{`"status":"ok"`, `"trigger":"api"`, `"source_name":"Fixture STIX"`, `"campaign":{"seen":1,"created":1`}},
		{Name: "a failed run is an answer", Method: "POST", URL: "/api/v1/sources/" + id(broken.ID) + "/run", Bearer: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{`"status":"failed"`, `"error":"open ` + missingPath(t) + `\u003cscript\u003ealert(1)\u003c/script\u003e.json: no such file or directory"`}},
		{Name: "import sources cannot run", Method: "POST", URL: "/api/v1/sources/" + id(e.Source.ID) + "/run", Bearer: "analyst",
			ExpectedStatus: 400, ExpectedContent: []string{"not collected"}},
		{Name: "runs of the source", URL: sid + "/runs", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"items":[{`, `"status":"ok"`}, NotExpectedContent: []string{"failed"}},
		{Name: "runs of no source", URL: "/api/v1/sources/99999/runs", Bearer: "reader", ExpectedStatus: 404},
		{Name: "latest runs", URL: "/api/v1/runs?limit=5", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"source_name":"Broken"`, `"source_name":"Fixture STIX"`}},
		{Name: "list with latest runs", URL: "/api/v1/sources", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`{"source":{"id":` + id(src.ID) + `,"name":"Fixture STIX"`, `"latest_run":{`, `"name":"test-attack"`}},
		{Name: "one", URL: sid, Bearer: "reader", ExpectedStatus: 200, ExpectedContent: []string{`"format":"stix"`}},
		{Name: "analyst cannot fix credibility", Method: "PATCH", URL: sid, Bearer: "analyst", JSON: `{"credibility":0.9}`,
			ExpectedStatus: 403, ExpectedContent: []string{"only an admin"}},
		{Name: "analyst tunes the schedule", Method: "PATCH", URL: sid, Bearer: "analyst", JSON: `{"interval":"6h","enabled":false}`,
			ExpectedStatus: 200, ExpectedContent: []string{`"interval":"6h0m0s"`, `"enabled":false`, `"credibility":0,`}},
		{Name: "analyst cannot point it at stdin", Method: "PATCH", URL: sid, Bearer: "analyst", JSON: `{"location":"-"}`,
			ExpectedStatus: 400},
		{Name: "analyst adds a TAXII source with credentials", Method: "POST", URL: "/api/v1/sources", Bearer: "analyst",
			JSON: `{"name":"Partner TAXII","format":"taxii","location":"https://taxii.example.com/taxii2/",` +
				`"options":{"collection":"indicators","username":"spoor","password":"hunter2-secret"}}`,
			ExpectedStatus: 201, ExpectedContent: []string{`"options":{`, `"collection":"indicators"`, `"password":"********"`},
			NotExpectedContent: []string{"hunter2-secret"}},
		{Name: "readers never see the password", URL: "/api/v1/sources", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"name":"Partner TAXII"`, `"password":"********"`}, NotExpectedContent: []string{"hunter2-secret", "enc:v1:"}},
		{Name: "analyst cannot open the private network", Method: "POST", URL: "/api/v1/sources", Bearer: "analyst",
			JSON:           `{"name":"Metadata","format":"stix","location":"http://169.254.169.254/latest/","allow_private":true}`,
			ExpectedStatus: 403, ExpectedContent: []string{"only an admin may let a source reach private"}},
		{Name: "analyst cannot open it later", Method: "PATCH", URL: sid, Bearer: "analyst", JSON: `{"allow_private":true}`,
			ExpectedStatus: 403},
		{Name: "admin may", Method: "POST", URL: "/api/v1/sources", Bearer: "admin",
			JSON:           `{"name":"Intranet reports","format":"report","location":"http://10.0.0.5/reports/","allow_private":true}`,
			ExpectedStatus: 201, ExpectedContent: []string{`"allow_private":true`}},
		{Name: "the redacted value is refused", Method: "POST", URL: "/api/v1/sources", Bearer: "analyst",
			JSON:           `{"name":"Round trip","format":"taxii","location":"https://t.example.com/","options":{"token":"********"}}`,
			ExpectedStatus: 400, ExpectedContent: []string{"redacted form of a secret"}},
		{Name: "bad option name", Method: "POST", URL: "/api/v1/sources", Bearer: "analyst",
			JSON:           `{"name":"Odd options","format":"taxii","location":"https://t.example.com/","options":{"a b":"c"}}`,
			ExpectedStatus: 400, ExpectedContent: []string{"option name"}},
		{Name: "admin fixes credibility", Method: "PATCH", URL: sid, Bearer: "admin", JSON: `{"credibility":0.9}`,
			ExpectedStatus: 200, ExpectedContent: []string{`"credibility":0.9,"credibility_reason":"set by admin","credibility_manual":true`}},
		{Name: "out of range", Method: "PATCH", URL: sid, Bearer: "admin", JSON: `{"credibility":2}`, ExpectedStatus: 400},
		{Name: "the edits are audited", URL: "/api/v1/audit", Bearer: "admin", ExpectedStatus: 200,
			ExpectedContent: []string{`"action":"source.update"`, `"action":"source.upsert"`}},
	})
	// A source that holds credentials is only moved by an admin: the
	// collector sends them to its location.
	taxii, err := e.Store.FindSourceByName(t.Context(), "Partner TAXII")
	if err != nil {
		t.Fatal(err)
	}
	tid := "/api/v1/sources/" + id(taxii.ID)
	runScenarios(t, e, []scenario{
		{Name: "analyst cannot move a source with credentials", Method: "PATCH", URL: tid, Bearer: "analyst",
			JSON: `{"location":"https://collector.attacker.example/taxii2/"}`, ExpectedStatus: 403,
			ExpectedContent: []string{"only an admin may change where it connects"}},
		{Name: "analyst still tunes its schedule", Method: "PATCH", URL: tid, Bearer: "analyst",
			JSON: `{"interval":"12h","location":"https://taxii.example.com/taxii2/"}`, ExpectedStatus: 200},
		{Name: "admin moves it", Method: "PATCH", URL: tid, Bearer: "admin",
			JSON: `{"location":"https://taxii2.example.com/taxii2/"}`, ExpectedStatus: 200,
			ExpectedContent: []string{`"location":"https://taxii2.example.com/taxii2/"`}, NotExpectedContent: []string{"hunter2-secret"}},
	})
	// A source being collected (by the scheduler, say) is not run twice.
	running, err := e.Store.StartRun(t.Context(), src.ID, "schedule")
	if err != nil {
		t.Fatal(err)
	}
	scenario{Name: "run now while it runs", Method: "POST", URL: sid + "/run", Bearer: "analyst", ExpectedStatus: 409,
		ExpectedContent: []string{"is being collected: run " + id(running.ID)}}.run(t, e)
}

func TestSourcesPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	loc := fixtureBundle(t)
	w := scenario{Method: "POST", URL: "/sources", As: "admin",
		Form:           url.Values{"name": {"Fixture STIX"}, "format": {"stix"}, "location": {loc}, "interval": {"24h"}, "tlp": {"green"}},
		ExpectedStatus: 303}.run(t, e)
	page := w.Header().Get("Location")
	src, err := e.Store.FindSourceByName(t.Context(), "Fixture STIX")
	if err != nil || page != "/sources/"+id(src.ID) {
		t.Fatalf("added at %q: %+v %v", page, src, err)
	}
	scenario{Method: "POST", URL: "/sources", As: "admin",
		Form: url.Values{"name": {"Broken"}, "format": {"stix"}, "location": {missingPath(t) + xss}}, ExpectedStatus: 303}.run(t, e)
	bad, err := e.Store.FindSourceByName(t.Context(), "Broken")
	if err != nil {
		t.Fatal(err)
	}
	runScenarios(t, e, []scenario{
		{Name: "run now", Method: "POST", URL: page + "/run", As: "analyst", ExpectedStatus: 303, ExpectedHeader: map[string]string{"Location": page}},
		{Name: "run a broken one", Method: "POST", URL: "/sources/" + id(bad.ID) + "/run", As: "analyst", ExpectedStatus: 303},
		{Name: "reader cannot run", Method: "POST", URL: page + "/run", As: "reader", ExpectedStatus: 403},
		{Name: "list for a reader", URL: "/sources", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`<a href="` + page + `">Fixture STIX</a>`, "every 1d", "unknown: no site", "TLP:green",
				`<span class="status status-ok">ok</span>`, "created", "test-attack", "Built-in catalogue", "MITRE ATT&amp;CK Enterprise",
				`<div class="run-error">open ` + missingPath(t) + `&lt;script&gt;alert(1)&lt;/script&gt;: no such file or directory</div>`},
			NotExpectedContent: []string{"Add a source", xss}},
		{Name: "list for an analyst", URL: "/sources", As: "analyst", ExpectedStatus: 200,
			ExpectedContent: []string{"Add a source", `<option value="stix">stix</option>`}, NotExpectedContent: []string{`name="allow_private"`}},
		{Name: "list for an admin", URL: "/sources", As: "admin", ExpectedStatus: 200, ExpectedContent: []string{`name="allow_private"`}},
		{Name: "source page for an analyst", URL: page, As: "analyst", ExpectedStatus: 200,
			ExpectedContent:    []string{"Run now", "Save settings", `value="24h"`, `<td>ui</td>`, `status-ok`, `<tr class="run-detail">`, "<td>relationship</td>"},
			NotExpectedContent: []string{"Set credibility"}},
		{Name: "source page for a reader", URL: page, As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"Fixture STIX", "Runs"}, NotExpectedContent: []string{"Run now", "Save settings", "Set credibility"}},
		{Name: "source page for an admin", URL: page, As: "admin", ExpectedStatus: 200, ExpectedContent: []string{"Set credibility"}},
		{Name: "broken source page escapes its error", URL: "/sources/" + id(bad.ID), As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "failed"}, NotExpectedContent: []string{xss}},
		{Name: "analyst cannot fix credibility", Method: "POST", URL: page, As: "analyst", Form: url.Values{"credibility": {"0.9"}},
			ExpectedStatus: 403},
		{Name: "admin fixes credibility", Method: "POST", URL: page, As: "admin", Form: url.Values{"credibility": {"0.9"}},
			ExpectedStatus: 303},
		{Name: "analyst changes settings", Method: "POST", URL: page, As: "analyst",
			Form: url.Values{"interval": {"6h"}, "location": {loc}, "tlp": {"amber"}}, ExpectedStatus: 303},
		{Name: "bad interval", Method: "POST", URL: page, As: "analyst",
			Form: url.Values{"interval": {"often"}, "location": {loc}}, ExpectedStatus: 400, ExpectedContent: []string{"bad duration"}},
		{Name: "settings stuck", URL: page, As: "analyst", ExpectedStatus: 200,
			ExpectedContent:    []string{"0.90", `<span class="badge">manual</span>`, "set by admin", "on demand", "TLP:amber", `value="6h"`},
			NotExpectedContent: []string{`name="enabled" value="true" checked`}},
		{Name: "add: name taken", Method: "POST", URL: "/sources", As: "admin",
			Form: url.Values{"name": {"Fixture STIX"}, "format": {"stix"}, "location": {loc}}, ExpectedStatus: 409,
			ExpectedContent: []string{"exists already", `value="Fixture STIX"`}},
		{Name: "add: bad options line keeps the form but not the secret", Method: "POST", URL: "/sources", As: "analyst",
			Form: url.Values{"name": {"Partner TAXII"}, "format": {"taxii"}, "location": {"https://taxii.example.com/taxii2/"},
				"options": {"collection=indicators\npassword=hunter2-secret\nno equals sign"}}, ExpectedStatus: 400,
			ExpectedContent:    []string{"options, line 3: want KEY=VALUE", "collection=indicators\npassword=\n"},
			NotExpectedContent: []string{"hunter2-secret"}},
		{Name: "add with options", Method: "POST", URL: "/sources", As: "analyst",
			Form: url.Values{"name": {"Partner TAXII"}, "format": {"taxii"}, "location": {"https://taxii.example.com/taxii2/"},
				"options": {"collection=indicators\r\n\r\npassword = hunter2-secret"}}, ExpectedStatus: 303},
		{Name: "add: reader", Method: "POST", URL: "/sources", As: "reader",
			Form: url.Values{"name": {"R"}, "format": {"stix"}, "location": {loc}}, ExpectedStatus: 403},
		{URL: "/sources/99999", As: "reader", ExpectedStatus: 404},
	})
	taxii, err := e.Store.FindSourceByName(t.Context(), "Partner TAXII")
	if err != nil || taxii.Options["collection"] != "indicators" {
		t.Fatalf("source added with options: %+v (%v)", taxii, err)
	}
	// The form's password is stored sealed for this source and option.
	if plain, err := secret.SourceOption("Partner TAXII", "password").Reveal(e.Secrets, taxii.Options["password"]); err != nil ||
		plain != "hunter2-secret" || !secret.IsSealed(taxii.Options["password"]) {
		t.Fatalf("stored password %q opens to %q, %v", taxii.Options["password"], plain, err)
	}
	scenario{Name: "options shown, the secret redacted", URL: "/sources/" + id(taxii.ID), As: "reader", ExpectedStatus: 200,
		ExpectedContent:    []string{`<dt>Options</dt><dd class="mono">collection=indicators, password=********</dd>`},
		NotExpectedContent: []string{"hunter2-secret", "enc:v1:"}}.run(t, e)
	// "Enabled" is a checkbox: leaving it out of the form disables.
	if got, err := e.Store.FindSourceByID(t.Context(), src.ID); err != nil || got.Enabled || time.Duration(got.Interval) != 6*time.Hour {
		t.Errorf("source after the settings form: %+v (%v)", got, err)
	}
}

// TestSourcesWithoutCollector: without a collector, sources are shown
// read-only and the writes that need one say so.
func TestSourcesWithoutCollector(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.Handler = web.NewServer(web.Deps{Store: e.Store, Auth: e.Auth, Logger: slog.New(slog.NewTextHandler(e.Log, nil)), Now: func() time.Time { return e.Now }})
	// A source that could run (it has a format and a location), to show
	// that only the missing collector hides "Run now".
	feed := &intel.Source{Name: "Runnable feed", Kind: intel.SourceSTIX, Format: "stix", Location: "https://feeds.example.org/x.json"}
	if err := e.Store.UpsertSource(t.Context(), feed); err != nil {
		t.Fatal(err)
	}
	runScenarios(t, e, []scenario{
		{URL: "/sources", As: "analyst", ExpectedStatus: 200, ExpectedContent: []string{"test-attack"}, NotExpectedContent: []string{"Add a source"}},
		{URL: "/sources/" + id(feed.ID), As: "analyst", ExpectedStatus: 200, ExpectedContent: []string{"Runnable feed"},
			NotExpectedContent: []string{"Run now"}},
		{Method: "POST", URL: "/api/v1/sources", Bearer: "analyst", JSON: `{"name":"x","format":"stix","location":"/x"}`,
			ExpectedStatus: 400, ExpectedContent: []string{"does not collect"}},
	})
}

// TestSourcesStayInImportDirs: through the pages and the API even an
// admin names only files inside the server's import directories, and a
// source stored with another path (at the terminal) fails its run there
// rather than become a document every reader can open.
func TestSourcesStayInImportDirs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stored := &intel.Source{Name: "Shadow", Format: "report", Location: "/etc/passwd", Enabled: true}
	if err := e.Store.UpsertSource(t.Context(), stored); err != nil {
		t.Fatal(err)
	}
	inside := scenario{Method: "POST", URL: "/api/v1/sources", Bearer: "admin",
		JSON: `{"name":"Inside","format":"stix","location":` + jsonString(fixtureBundle(t)) + `}`, ExpectedStatus: 201}.run(t, e)
	var in intel.Source
	if err := json.Unmarshal(inside.Body.Bytes(), &in); err != nil {
		t.Fatal(err)
	}
	runScenarios(t, e, []scenario{
		{Name: "admin names /etc/shadow", Method: "POST", URL: "/api/v1/sources", Bearer: "admin",
			JSON: `{"name":"Shadow 2","format":"report","location":"/etc/shadow"}`, ExpectedStatus: 403,
			ExpectedContent: []string{`"message":"location /etc/shadow: outside the import directories (`}},
		{Name: "admin climbs out with ..", Method: "POST", URL: "/api/v1/sources", Bearer: "admin",
			JSON:           `{"name":"Climb","format":"report","location":` + jsonString(missingPath(t)+"../../../../../etc/passwd") + `}`,
			ExpectedStatus: 403, ExpectedContent: []string{`\"..\" is not allowed in a server path`}},
		{Name: "admin form names /etc/shadow", Method: "POST", URL: "/sources", As: "admin",
			Form:           url.Values{"name": {"Shadow 3"}, "format": {"report"}, "location": {"/etc/shadow"}},
			ExpectedStatus: 403, ExpectedContent: []string{"location /etc/shadow: outside the import directories"}},
		{Name: "admin repoints a source at /etc/shadow", Method: "PATCH", URL: "/api/v1/sources/" + id(in.ID), Bearer: "admin",
			JSON: `{"location":"/etc/shadow"}`, ExpectedStatus: 403, ExpectedContent: []string{"location /etc/shadow"}},
		{Name: "a stored path outside fails its run", Method: "POST", URL: "/api/v1/sources/" + id(stored.ID) + "/run", Bearer: "admin",
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"failed"`, `location /etc/passwd: outside the import directories`}},
		{Name: "no document was made of it", URL: "/api/v1/documents", Bearer: "reader", ExpectedStatus: 200,
			NotExpectedContent: []string{"root:", "passwd"}},
	})
}
