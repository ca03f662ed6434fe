package web_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// report is pasted text with one of most kinds, defanged and not, and a
// hostile payload inside a URL.
const report = `The dropper beacons to hxxp://evil-c2[.]com/gate.php and 203.0.113.9.
Fallback C2: bad-domain.net, resolver 8.8.8.8, internal 10.1.2.3.
Sample D41D8CD98F00B204E9800998ECF8427E uses T1059.001 in TA0002.
Lure: http://phish.net/login?<script>alert(1)</script>
Again: hxxp://evil-c2[.]com/gate.php`

// multipartBody builds a multipart form: fields, and a file part when
// fileName is not empty. A session's CSRF token must be one of the
// fields, as a browser sends it.
func multipartBody(t *testing.T, fields url.Values, fileName, file string) (body, ctype string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(file)); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String(), mw.FormDataContentType()
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestExtractAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mp, mpType := multipartBody(t, url.Values{"types": {"domain", "ipv4"}}, "report.txt", report)
	bin, binType := multipartBody(t, nil, "a.out", "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00evil.com\x00\x00")
	pdf, pdfType := multipartBody(t, nil, "report.pdf", "%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
	both, bothType := multipartBody(t, url.Values{"text": {"1.2.3.4"}}, "r.txt", "5.6.7.8")
	runScenarios(t, e, []scenario{
		{Name: "json: every type, refanged, counted", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			JSON: `{"text":` + jsonString(report) + `}`, ExpectedStatus: 200,
			ExpectedContent: []string{
				`{"type":"url","value":"http://evil-c2.com/gate.php","raw":"hxxp://evil-c2[.]com/gate.php","offset":23,"flags":["defanged"],"saveable":true}`,
				`"type":"ipv4","value":"10.1.2.3"`, `"flags":["private"]`,
				`"type":"md5","value":"d41d8cd98f00b204e9800998ecf8427e"`,
				`"type":"tactic","value":"TA0002","raw":"TA0002"`, `"saveable":false`,
				`"counts":{`, `"url":3`, `"ipv4":3`, `"domain":4`, `"technique":1`, `"tactic":1`,
			},
			// Without warninglists nothing names one; the JSON encoder escapes <.
			NotExpectedContent: []string{`"warninglist"`, "<script>"}},
		{Name: "json: types filter", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			JSON: `{"text":` + jsonString(report) + `,"types":["ipv4","hash"]}`, ExpectedStatus: 200,
			ExpectedContent:    []string{`"counts":{"ipv4":3,"md5":1}`},
			NotExpectedContent: []string{`"type":"domain"`, `"type":"url"`}},
		{Name: "json: refang off", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			JSON: `{"text":"see hxxp://evil-c2[.]com/x","refang":false}`, ExpectedStatus: 200,
			ExpectedContent: []string{`"value":"hxxp://evil-c2[.]com/x","raw":"hxxp://evil-c2[.]com/x"`}},
		{Name: "json: warninglists", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			JSON: `{"text":"resolver 8.8.8.8 and 203.0.113.9","warninglists":true}`, ExpectedStatus: 200,
			ExpectedContent: []string{`"value":"8.8.8.8","raw":"8.8.8.8","offset":9,"flags":[],"warninglist":"public-resolvers"`,
				`"value":"203.0.113.9","raw":"203.0.113.9","offset":21,"flags":["documentation"],"warninglist":"documentation"`}},
		{Name: "json: unknown type", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			JSON: `{"text":"x","types":["ipv5"]}`, ExpectedStatus: 400, ExpectedContent: []string{`unknown indicator type \"ipv5\"`}},
		{Name: "json: no text", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			JSON: `{"text":"  "}`, ExpectedStatus: 400, ExpectedContent: []string{"no text"}},
		{Name: "json: unknown field", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			JSON: `{"txt":"1.2.3.4"}`, ExpectedStatus: 400, ExpectedContent: []string{`unknown field \"txt\"`}},
		{Name: "multipart file with type fields", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			Body: mp, ContentType: mpType, ExpectedStatus: 200,
			ExpectedContent:    []string{`"counts":{"domain":`, `"ipv4":3`, `"value":"bad-domain.net"`},
			NotExpectedContent: []string{`"type":"url"`}},
		{Name: "multipart binary refused", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			Body: bin, ContentType: binType, ExpectedStatus: 400,
			ExpectedContent: []string{`a.out looks like binary data, not text`}},
		{Name: "multipart PDF refused", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			Body: pdf, ContentType: pdfType, ExpectedStatus: 400,
			ExpectedContent: []string{`report.pdf looks like application/pdf, not text`}},
		{Name: "multipart text and file", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			Body: both, ContentType: bothType, ExpectedStatus: 400, ExpectedContent: []string{"not both"}},
		{Name: "text/plain with query options", Method: "POST", URL: "/api/v1/extract?types=domain&refang=false", Bearer: "reader",
			Body: "Fallback: bad-domain[.]net and 8.8.8.8", ContentType: "text/plain; charset=utf-8", ExpectedStatus: 200,
			ExpectedContent:    []string{`{"matches":[{"type":"domain","value":"bad-domain[.]net","raw":"bad-domain[.]net","offset":10,"flags":["defanged"],"saveable":true}],"counts":{"domain":1}}`},
			NotExpectedContent: []string{"8.8.8.8"}},
		{Name: "text/plain too large", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			Body: strings.Repeat("a", 8<<20+1), ContentType: "text/plain", ExpectedStatus: 413,
			ExpectedContent: []string{`"code":"too_large"`}},
		{Name: "json body too large", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			JSON: `{"text":"` + strings.Repeat("a", 9<<20) + `"}`, ExpectedStatus: 413, ExpectedContent: []string{`"code":"too_large"`}},
		{Name: "8 MiB of text is fine", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			Body: strings.Repeat("a", 8<<20-9) + " 1.2.3.4", ContentType: "text/plain", ExpectedStatus: 200,
			ExpectedContent: []string{`"counts":{"ipv4":1}`}},
		{Name: "other media types", Method: "POST", URL: "/api/v1/extract", Bearer: "reader",
			Body: "x", ContentType: "application/pdf", ExpectedStatus: 400, ExpectedContent: []string{"Content-Type must be"}},
		{Name: "the reader cannot save", Method: "POST", URL: "/api/v1/extract/save", Bearer: "reader",
			JSON: `{"indicators":[{"type":"domain","value":"bad-domain.net"}]}`, ExpectedStatus: 403},
		{Name: "anonymous cannot extract", Method: "POST", URL: "/api/v1/extract", JSON: `{"text":"1.2.3.4"}`, ExpectedStatus: 401},
	})

	// Saving through the API: one import, idempotent, canonical values.
	save := `{"source":"Analyst notes","url":"https://unit42.paloaltonetworks.com/some-report/","tlp":"amber","tags":["lure"],
"indicators":[{"type":"url","value":"hxxp://evil-c2[.]com/gate.php"},{"type":"domain","value":"bad-domain.net"},{"type":"domain","value":"bad-domain[.]net"},{"type":"technique","value":"T1059.001"}]}`
	runScenarios(t, e, []scenario{
		{Name: "save", Method: "POST", URL: "/api/v1/extract/save", Bearer: "analyst", JSON: save, ExpectedStatus: 200,
			ExpectedContent: []string{`"name":"Analyst notes","kind":"manual"`, `"credibility":1`,
				`"counts":{"seen":3,"created":3,"updated":0,"unchanged":0`}},
		{Name: "save again", Method: "POST", URL: "/api/v1/extract/save", Bearer: "analyst", JSON: save, ExpectedStatus: 200,
			ExpectedContent: []string{`"counts":{"seen":3,"created":0,"updated":0,"unchanged":3`}},
		{Name: "stored canonical, with the source's confidence and TLP", URL: "/api/v1/indicators?type=url", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"value":"http://evil-c2.com/gate.php"`, `"tags":["lure"]`, `"confidence":1`, `"tlp":"amber"`}},
		{Name: "tactics cannot be saved", Method: "POST", URL: "/api/v1/extract/save", Bearer: "analyst",
			JSON: `{"indicators":[{"type":"tactic","value":"TA0002"}]}`, ExpectedStatus: 400, ExpectedContent: []string{`type \"tactic\" cannot be saved`}},
		{Name: "a collected source is not taken over", Method: "POST", URL: "/api/v1/extract/save", Bearer: "analyst",
			JSON: `{"source":"test-attack","indicators":[{"type":"domain","value":"bad-domain.net"}]}`, ExpectedStatus: 409},
		{Name: "nothing picked", Method: "POST", URL: "/api/v1/extract/save", Bearer: "analyst",
			JSON: `{"indicators":[]}`, ExpectedStatus: 400, ExpectedContent: []string{"no indicators selected"}},
		{Name: "a tampered pick", Method: "POST", URL: "/api/v1/extract/save", Bearer: "analyst",
			JSON: `{"indicators":[{"type":"domain","value":"<b>x</b>"}]}`, ExpectedStatus: 400, ExpectedContent: []string{"is not a valid domain"}},
	})
}

func TestExtractPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	form := func(as string, f url.Values) (string, string) {
		f.Set("csrf_token", e.As[as].CSRF)
		return multipartBody(t, f, "", "")
	}
	readerBody, readerType := form("reader", url.Values{"text": {report}, "refang": {"false", "true"}, "warninglists": {"false", "true"}})
	analystBody, analystType := form("analyst", url.Values{"text": {report}, "refang": {"false", "true"}, "warninglists": {"false", "true"}})
	fileBody, fileType := multipartBody(t, url.Values{"csrf_token": {e.As["reader"].CSRF}, "types": {"md5"}}, "iocs.txt", report)
	noCSRF, noCSRFType := multipartBody(t, url.Values{"text": {report}}, "", "")
	bin, binType := multipartBody(t, url.Values{"csrf_token": {e.As["reader"].CSRF}}, "x.bin", "\x00\x01\x02junk")
	runScenarios(t, e, []scenario{
		{Name: "form", URL: "/extract", As: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`enctype="multipart/form-data"`, `name="file"`, `name="types" value="ipv4"`, `href="/extract"`}},
		{Name: "reader extracts: grouped tables, hostile text escaped, no save form", Method: "POST", URL: "/extract", As: "reader",
			Body: readerBody, ContentType: readerType, ExpectedStatus: 200,
			ExpectedContent: []string{
				"13 found in pasted text", `data-type="url"`, `data-type="domain"`, `data-type="ipv4"`, `data-type="md5"`,
				`<td class="mono value">http://evil-c2.com/gate.php</td>`, `<td class="mono">hxxp://evil-c2[.]com/gate.php</td>`,
				"×2", "public-resolvers", "The base holds no tactic indicators",
				"&lt;script&gt;alert(1)&lt;/script&gt;"},
			NotExpectedContent: []string{"<script>alert", `name="pick"`, "Save selected"}},
		{Name: "analyst sees picks, flagged ones unticked", Method: "POST", URL: "/extract", As: "analyst",
			Body: analystBody, ContentType: analystType, ExpectedStatus: 200,
			ExpectedContent: []string{
				`<input type="checkbox" name="pick" value="url http://evil-c2.com/gate.php" aria-label="save http://evil-c2.com/gate.php" checked>`,
				`<input type="checkbox" name="pick" value="ipv4 8.8.8.8" aria-label="save 8.8.8.8">`,
				`<input type="checkbox" name="pick" value="ipv4 10.1.2.3" aria-label="save 10.1.2.3">`,
				`<input type="checkbox" name="pick" value="technique T1059.001" aria-label="save T1059.001" checked>`,
				`action="/extract/save"`, `value="manual: extract"`, "Save selected"},
			NotExpectedContent: []string{"<script>alert", `value="tactic TA0002"`}},
		{Name: "upload", Method: "POST", URL: "/extract", As: "reader", Body: fileBody, ContentType: fileType, ExpectedStatus: 200,
			ExpectedContent: []string{"1 found in iocs.txt", "d41d8cd98f00b204e9800998ecf8427e", `name="types" value="md5" checked`}},
		{Name: "binary upload refused", Method: "POST", URL: "/extract", As: "reader", Body: bin, ContentType: binType, ExpectedStatus: 400,
			ExpectedContent: []string{"x.bin looks like binary data, not text"}},
		{Name: "multipart needs the CSRF token", Method: "POST", URL: "/extract", As: "reader", NoCSRF: true,
			Body: noCSRF, ContentType: noCSRFType, ExpectedStatus: 403},
		{Name: "no text", Method: "POST", URL: "/extract", As: "reader", Form: url.Values{"text": {" "}}, ExpectedStatus: 400,
			ExpectedContent: []string{"no text"}},
	})

	picks := url.Values{"pick": {"url http://evil-c2.com/gate.php", "domain bad-domain.net", "ipv4 203.0.113.9"},
		"source": {"manual: extract"}, "tlp": {"green"}, "tags": {"campaign-x, lure"}}
	runScenarios(t, e, []scenario{
		{Name: "reader cannot save", Method: "POST", URL: "/extract/save", As: "reader", Form: picks, ExpectedStatus: 403},
		{Name: "save", Method: "POST", URL: "/extract/save", As: "analyst", Form: picks, ExpectedStatus: 200,
			ExpectedContent: []string{"3 created, 0 updated, 0 unchanged", ">manual: extract</a>"}},
		{Name: "save again creates nothing", Method: "POST", URL: "/extract/save", As: "analyst", Form: picks, ExpectedStatus: 200,
			ExpectedContent: []string{"0 created, 0 updated, 3 unchanged"}},
		{Name: "bad TLP", Method: "POST", URL: "/extract/save", As: "analyst",
			Form: url.Values{"pick": {"domain bad-domain.net"}, "tlp": {"purple"}}, ExpectedStatus: 400, ExpectedContent: []string{"TLP"}},
		{Name: "the documentation address is flagged", URL: "/api/v1/indicators?type=ipv4&value=203.0.113.9", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"warninglist":"documentation"`, `"tags":["campaign-x","lure"]`, `"confidence":0`}},
	})
	// The manual source is there, unknown credibility, with the saves audited.
	src, err := e.Store.FindSourceByName(t.Context(), "manual: extract")
	if err != nil || src.Kind != intel.SourceManual || src.Credibility != 0 {
		t.Fatalf("source = %+v, %v", src, err)
	}
	scenario{URL: "/api/v1/audit", Bearer: "admin", ExpectedStatus: 200, ExpectedContent: []string{`"login":"analyst"`}}.run(t, e)
}

func TestIndicatorCanonical(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{Name: "defanged URL is canonicalised", Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst",
			JSON: `{"type":"url","value":" hxxp://Evil[.]COM/x "}`, ExpectedStatus: 201,
			ExpectedContent: []string{`"value":"http://evil.com/x"`}},
		{Name: "the same URL is a conflict", Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst",
			JSON: `{"type":"url","value":"http://evil.com/x"}`, ExpectedStatus: 409},
		{Name: "hash lower-cased", Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst",
			JSON: `{"type":"md5","value":"D41D8CD98F00B204E9800998ECF8427E"}`, ExpectedStatus: 201,
			ExpectedContent: []string{`"value":"d41d8cd98f00b204e9800998ecf8427e"`}},
		{Name: "private address flagged", Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst",
			JSON: `{"type":"ipv4","value":"10.0.0.1"}`, ExpectedStatus: 201, ExpectedContent: []string{`"warninglist":"private"`}},
		{Name: "wrong type", Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst",
			JSON: `{"type":"domain","value":"http://evil.com/x"}`, ExpectedStatus: 400,
			ExpectedContent: []string{`\"http://evil.com/x\" is a url, not a domain`}},
		{Name: "two values", Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst",
			JSON: `{"type":"ipv4","value":"1.2.3.4 5.6.7.8"}`, ExpectedStatus: 400, ExpectedContent: []string{`holds more than one indicator`}},
		{Name: "not an indicator", Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst",
			JSON: `{"type":"ipv4","value":"999.1.1.1"}`, ExpectedStatus: 400, ExpectedContent: []string{`\"999.1.1.1\" is not a valid ipv4`}},
		{Name: "part of the value", Method: "POST", URL: "/api/v1/indicators", Bearer: "analyst",
			JSON: `{"type":"ipv4","value":"1.2.3.4:8080"}`, ExpectedStatus: 400},
		{Name: "form: canonical value stored", Method: "POST", URL: "/indicators", As: "analyst",
			Form: url.Values{"type": {"domain"}, "value": {"bad-domain[.]net"}}, ExpectedStatus: 303},
		{Name: "form: the message is shown", Method: "POST", URL: "/indicators", As: "analyst",
			Form: url.Values{"type": {"sha256"}, "value": {"abc" + xss}}, ExpectedStatus: 400,
			ExpectedContent: []string{"is not a valid sha256", "&lt;script&gt;"}, NotExpectedContent: []string{xss}},
		{URL: "/api/v1/indicators?type=domain&value=bad-domain.net", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"value":"bad-domain.net"`}},
	})
}
