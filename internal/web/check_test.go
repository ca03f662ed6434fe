package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
	"github.com/spoor/spoor/internal/web"
)

// flagCase is a value and the label every path must store with it.
type flagCase struct {
	typ   intel.IndicatorType
	value string // as written in the input
	canon string // as stored
	label string
	stix  string // the STIX pattern comparison, "" when STIX has no path for it
	misp  string // the MISP attribute type, "" when none
}

var flagCases = []flagCase{
	{intel.IndicatorIPv4, "8.8.8.8", "8.8.8.8", "public-resolvers", "ipv4-addr:value", "ip-dst"},
	{intel.IndicatorIPv4, "10.1.2.3", "10.1.2.3", "private", "ipv4-addr:value", "ip-dst"},
	{intel.IndicatorIPv4, "127.0.0.1", "127.0.0.1", "loopback", "ipv4-addr:value", "ip-src"},
	{intel.IndicatorIPv4, "192.0.2.9", "192.0.2.9", "documentation", "ipv4-addr:value", "ip-dst"},
	{intel.IndicatorIPv6, "fe80::1", "fe80::1", "link-local", "ipv6-addr:value", "ip-dst"},
	{intel.IndicatorDomain, "www.example.com", "www.example.com", "example-domains", "domain-name:value", "domain"},
	{intel.IndicatorDomain, "update-check.net", "update-check.net", "", "domain-name:value", "domain"},
	{intel.IndicatorURL, "https://docs.example.org/x", "https://docs.example.org/x", "example-domains", "url:value", "url"},
	{intel.IndicatorASN, "AS64500", "AS64500", "documentation", "", "AS"},
	{intel.IndicatorMAC, "01:00:5E:00:00:FB", "01:00:5e:00:00:fb", "multicast", "", "mac-address"},
	{intel.IndicatorRegKey, `HKCU\Software\Evil`, `HKEY_CURRENT_USER\Software\Evil`, "", "", "regkey"},
}

// storedLabels reads back the label of every case from a store.
func storedLabels(t *testing.T, e *testEnv, cases []flagCase) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, c := range cases {
		page, err := e.Store.FindIndicators(t.Context(), intel.IndicatorFilter{Type: c.typ, Value: c.canon, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 {
			t.Errorf("%s %s not stored", c.typ, c.canon)
			continue
		}
		out[string(c.typ)+" "+c.canon] = page.Items[0].Warninglist
	}
	return out
}

func wantLabels(cases []flagCase) map[string]string {
	out := map[string]string{}
	for _, c := range cases {
		out[string(c.typ)+" "+c.canon] = c.label
	}
	return out
}

// runSource adds a source reading file (written with body) and runs it.
func runSource(t *testing.T, format, file, body string) *testEnv {
	t.Helper()
	// The server reads the file only inside its import directory.
	dir := t.TempDir()
	e := newEnvWith(t, func(d *web.Deps) {
		dirs, err := collect.NewImportDirs([]string{dir})
		if err != nil {
			t.Fatal(err)
		}
		d.Collector.(*collect.Collector).Files = dirs
	})
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	w := scenario{Method: "POST", URL: "/api/v1/sources", Bearer: "admin",
		JSON: `{"name":"` + format + ` feed","format":"` + format + `","location":` + jsonString(path) + `}`, ExpectedStatus: 201}.run(t, e)
	var src intel.Source
	if err := json.Unmarshal(w.Body.Bytes(), &src); err != nil || src.ID == 0 {
		t.Fatalf("created: %s", w.Body)
	}
	scenario{Method: "POST", URL: "/api/v1/sources/" + id(src.ID) + "/run", Bearer: "admin", ExpectedStatus: 200,
		ExpectedContent: []string{`"status":"ok"`}}.run(t, e)
	return e
}

// TestOneLabelEverywhere stores the same values through the extract page,
// the indicator API and three imports (trail list, STIX, MISP), each in a
// fresh base, and finds the same canonical value with the same label
// (warninglist or special range) whichever way it came in: one check,
// ioc.Check, with one set of warninglists, serves them all.
func TestOneLabelEverywhere(t *testing.T) {
	t.Parallel()
	want := wantLabels(flagCases)

	t.Run("extract page", func(t *testing.T) {
		e := newEnv(t)
		f := url.Values{"source": {"picks"}, "tlp": {"clear"}}
		for _, c := range flagCases {
			f.Add("pick", string(c.typ)+" "+c.value)
		}
		scenario{Method: "POST", URL: "/extract/save", As: "analyst", Form: f, ExpectedStatus: 200}.run(t, e)
		if d := cmp.Diff(want, storedLabels(t, e, flagCases)); d != "" {
			t.Errorf("labels (-want +got):\n%s", d)
		}
	})
	t.Run("indicator API", func(t *testing.T) {
		e := newEnv(t)
		for _, c := range flagCases {
			scenario{Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst",
				JSON: fmt.Sprintf(`{"type":%q,"value":%s}`, c.typ, jsonString(c.value)), ExpectedStatus: 201}.run(t, e)
		}
		if d := cmp.Diff(want, storedLabels(t, e, flagCases)); d != "" {
			t.Errorf("labels (-want +got):\n%s", d)
		}
	})
	t.Run("trail import", func(t *testing.T) {
		var lines []string
		for _, c := range flagCases {
			lines = append(lines, c.value)
		}
		e := runSource(t, "trail", "trail.txt", strings.Join(lines, "\n")+"\n")
		if d := cmp.Diff(want, storedLabels(t, e, flagCases)); d != "" {
			t.Errorf("labels (-want +got):\n%s", d)
		}
	})
	t.Run("STIX import", func(t *testing.T) {
		var objs []string
		var cases []flagCase
		for i, c := range flagCases {
			if c.stix == "" {
				continue
			}
			cases = append(cases, c)
			objs = append(objs, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--e0000000-0000-4000-8000-%012d",`+
				`"created":"2024-01-02T00:00:00Z","modified":"2024-01-02T00:00:00Z","pattern":%s,"pattern_type":"stix","valid_from":"2024-01-02T00:00:00Z"}`,
				i+1, jsonString(fmt.Sprintf("[%s = '%s']", c.stix, c.value))))
		}
		e := runSource(t, "stix", "bundle.json", `{"type":"bundle","id":"bundle--e0000000-0000-4000-8000-000000000000","objects":[`+strings.Join(objs, ",")+`]}`)
		if d := cmp.Diff(wantLabels(cases), storedLabels(t, e, cases)); d != "" {
			t.Errorf("labels (-want +got):\n%s", d)
		}
	})
	t.Run("MISP import", func(t *testing.T) {
		var attrs []string
		for _, c := range flagCases {
			attrs = append(attrs, fmt.Sprintf(`{"type":%q,"value":%s,"to_ids":true}`, c.misp, jsonString(c.value)))
		}
		e := runSource(t, "misp-event", "event.json", `{"Event":{"uuid":"5f0c0a3e-1111-4c1a-9a0e-00000000000a","info":"labels","date":"2024-01-15",`+
			`"Attribute":[`+strings.Join(attrs, ",")+`]}}`)
		if d := cmp.Diff(want, storedLabels(t, e, flagCases)); d != "" {
			t.Errorf("labels (-want +got):\n%s", d)
		}
	})
}

// Every indicator type the base holds is an ioc type of the same name,
// which checks its values; every ioc type but ATT&CK tactics is one the
// base holds.
func TestIndicatorTypesAreIOCTypes(t *testing.T) {
	for _, it := range intel.IndicatorTypes {
		if ty, ok := ioc.ParseType(string(it)); !ok || ty.String() != string(it) {
			t.Errorf("intel type %q is no ioc type", it)
		}
	}
	for _, ty := range ioc.AllTypes() {
		if ty != ioc.TypeTactic && !intel.IndicatorType(ty.String()).Valid() {
			t.Errorf("ioc type %s cannot be stored", ty)
		}
	}
}

// The extract page shows a table per type, the new types included, and
// saves values holding spaces.
func TestExtractPageNewTypes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	text := `Persistence in HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon, payload "C:\Program Files\Evil\up.exe",
beacon MAC 00:1A:2B:3C:4D:5E, wallet 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2, JA3: e7d705a3286e19ea42f587b344ee6865.`
	scenario{Method: "POST", URL: "/extract", As: "analyst", Form: url.Values{"text": {text}}, ExpectedStatus: 200,
		ExpectedContent: []string{`data-type="regkey"`, `data-type="filepath"`, `data-type="mac"`, `data-type="btc"`, `data-type="ja3"`,
			`value="regkey HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"`}}.run(t, e)
	scenario{Method: "POST", URL: "/extract/save", As: "analyst", ExpectedStatus: 200,
		Form: url.Values{"source": {"picks"}, "tlp": {"clear"}, "pick": {`filepath C:\Program Files\Evil\up.exe`, "ja3 e7d705a3286e19ea42f587b344ee6865"}}}.run(t, e)
	for _, k := range []intel.IndicatorKey{{Type: intel.IndicatorFilePath, Value: `C:\Program Files\Evil\up.exe`}, {Type: intel.IndicatorJA3, Value: "e7d705a3286e19ea42f587b344ee6865"}} {
		page, err := e.Store.FindIndicators(t.Context(), intel.IndicatorFilter{Type: k.Type, Value: k.Value, Limit: 1})
		if err != nil || len(page.Items) != 1 {
			t.Errorf("%s %s not saved: %v", k.Type, k.Value, err)
		}
	}
}
