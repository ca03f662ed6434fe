package web_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestHostileInputIsRefused posts each hostile value of the review to the
// API (and the forms): every one gets 400 with a message naming the field,
// and nothing is stored.
func TestHostileInputIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := strings.Repeat("A", 10000)
	gid := "/api/v1/groups/" + id(e.Group.ID)
	tests := []struct {
		name, method, url, json, field string
	}{
		{"invalid UTF-8 name", "POST", "/api/v1/groups", "{\"name\":\"APT\xff28\"}", "field name: not valid UTF-8"},
		{"invalid UTF-8 in an alias", "POST", "/api/v1/groups", "{\"name\":\"x\",\"aliases\":[\"ok\",\"b\xfe\"]}", "field aliases[1]: not valid UTF-8"},
		{"invalid UTF-8 in an option", "POST", "/api/v1/sources", "{\"name\":\"x\",\"format\":\"stix\",\"location\":\"https://example.org/\",\"options\":{\"collection\":\"\xc3\"}}", "field options.collection: not valid UTF-8"},
		{"NUL in a name", "POST", "/api/v1/groups", `{"name":"APT\u000028"}`, `name: \"APT\\x0028\" holds control characters`},
		{"escape in an alias", "POST", "/api/v1/groups", `{"name":"x","aliases":["\u001b[2J"]}`, "aliases[0]:"},
		{"bidi override in a name", "POST", "/api/v1/groups", `{"name":"APT\u202e82"}`, "name:"},
		{"a 10,000-character name", "POST", "/api/v1/groups", `{"name":"` + long + `"}`, "name: 10000 characters, at most 200"},
		{"HTML as a country", "POST", "/api/v1/groups", `{"name":"Narnians","country":"<b>Narnia</b>"}`, `country: \"\u003cb\u003eNarnia\u003c/b\u003e\" is not an ISO 3166 country code or name`},
		{"a country set to HTML", "PATCH", gid, `{"country":"<b>Narnia</b>"}`, "country:"},
		{"a script in an ATT&CK ID", "POST", "/api/v1/groups", `{"name":"x","external_id":"G9999<script>"}`, "external_id:"},
		{"a javascript: group page", "POST", "/api/v1/groups", `{"name":"x","url":"javascript:alert(1)"}`, `url: URL scheme \"javascript\" is not allowed`},
		{"a javascript: document", "POST", "/api/v1/documents", `{"title":"x","url":"javascript:alert(1)"}`, "url: URL scheme"},
		{"a document repointed at javascript:", "PATCH", "/api/v1/documents/" + id(e.Doc.ID), `{"url":"javascript:alert(1)"}`, "url: URL scheme"},
		{"NUL in a document's text", "POST", "/api/v1/documents", `{"title":"x","text":"a\u0000b"}`, "text: holds control characters"},
		{"escape in an indicator's tags", "POST", "/api/v1/indicators", `{"type":"domain","value":"hostile.example.org","tags":["\u001b]0;pwn\u0007"]}`, "tags[0]:"},
		{"an ftp:// TAXII server", "POST", "/api/v1/sources", `{"name":"t","format":"taxii","location":"ftp://taxii.example.org/","options":{"collection":"c"}}`, `location: a TAXII server is an http or https URL: URL scheme \"ftp\" is not allowed`},
		{"an ftp:// feed", "POST", "/api/v1/sources", `{"name":"f","format":"stix","location":"ftp://example.org/x.json"}`, "location: URL scheme"},
		{"a source moved to ftp://", "PATCH", "/api/v1/sources/" + id(e.Source.ID), `{"location":"ftp://example.org/x.json"}`, "location: URL scheme"},
		{"a control character in a source name", "POST", "/api/v1/sources", `{"name":"feed\u0007","format":"stix","location":"https://example.org/x.json"}`, "name:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scenario{Method: tt.method, URL: tt.url, Bearer: "admin", JSON: tt.json, ExpectedStatus: 400,
				ExpectedContent: []string{`"code":"invalid"`, tt.field}}.run(t, e)
		})
	}
	// The forms apply the same rules, raw bytes included.
	runScenarios(t, e, []scenario{
		{Name: "form: invalid UTF-8 name", Method: "POST", URL: "/groups", As: "analyst",
			Form: url.Values{"name": {"APT\xff28"}}, ExpectedStatus: 400, ExpectedContent: []string{"name: not valid UTF-8"}},
		{Name: "form: HTML as a country", Method: "POST", URL: "/groups", As: "analyst",
			Form: url.Values{"name": {"Narnians"}, "country": {"<b>Narnia</b>"}}, ExpectedStatus: 400,
			ExpectedContent: []string{"country: &#34;&lt;b&gt;Narnia&lt;/b&gt;&#34; is not an ISO 3166 country code or name"}},
		{Name: "form: javascript: document", Method: "POST", URL: "/documents", As: "analyst",
			Form: url.Values{"title": {"x"}, "url": {"javascript:alert(1)"}}, ExpectedStatus: 400, ExpectedContent: []string{"url: URL scheme"}},
		{Name: "nothing was stored", URL: "/api/v1/groups?prefix=Narn", Bearer: "reader", ExpectedStatus: 200,
			ExpectedContent: []string{`"items":[]`}},
	})
	// A country name is resolved to its code, as every write does.
	scenario{Method: "POST", URL: "/api/v1/groups", Bearer: "analyst", JSON: `{"name":"Sandworm","country":"Russia"}`,
		ExpectedStatus: 201, ExpectedContent: []string{`"country":"RU"`}}.run(t, e)
}
