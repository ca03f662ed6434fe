package intel_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
)

// group is a valid group to break one field of.
func group() intel.Object {
	return intel.Object{Kind: intel.KindGroup, Name: "APT28", Aliases: []string{"Sofacy"}, Country: "RU",
		ExternalID: "G0007", URL: "https://attack.mitre.org/groups/G0007", Confidence: 1,
		Refs: []intel.ExternalRef{{SourceName: "Report", URL: "https://example.org/report"}}}
}

func TestObjectValidateRules(t *testing.T) {
	tests := []struct {
		name   string
		change func(o *intel.Object)
		want   string // "" for valid; else what the error names
	}{
		{"valid", func(*intel.Object) {}, ""},
		{"invalid UTF-8 name", func(o *intel.Object) { o.Name = "APT\xff28" }, "name: not valid UTF-8"},
		{"NUL in name", func(o *intel.Object) { o.Name = "APT\x0028" }, "name: \"APT\\x0028\" holds control characters"},
		{"escape in an alias", func(o *intel.Object) { o.Aliases = []string{"ok", "\x1b[31mred"} }, "aliases[1]:"},
		{"C1 control in an alias", func(o *intel.Object) { o.Aliases = []string{"a\u0085b"} }, "aliases[0]:"},
		{"bidi override in a name", func(o *intel.Object) { o.Name = "APT\u202e82" }, "name:"},
		{"newline in a name", func(o *intel.Object) { o.Name = "APT\n28" }, "name:"},
		{"10,000-character name", func(o *intel.Object) { o.Name = strings.Repeat("x", 10000) }, "name: 10000 characters, at most 200"},
		{"200 characters are fine", func(o *intel.Object) { o.Name = strings.Repeat("é", 200) }, ""},
		{"too many aliases", func(o *intel.Object) { o.Aliases = make([]string, 1001) }, "aliases: 1001 entries, at most 1000"},
		{"country by name", func(o *intel.Object) { o.Country = "Russia" }, ""},
		{"HTML as a country", func(o *intel.Object) { o.Country = "<b>Narnia</b>" }, `country: "<b>Narnia</b>" is not an ISO 3166 country code or name`},
		{"unknown victim country", func(o *intel.Object) { o.VictimCountries = []string{"DE", "Atlantis"} }, "victim_countries[1]:"},
		{"ATT&CK ID with a script", func(o *intel.Object) { o.ExternalID = "G9999<script>" }, `external_id: "G9999<SCRIPT>" is not an ATT&CK group ID (G0001)`},
		{"a technique ID on a group", func(o *intel.Object) { o.ExternalID = "T1059" }, "external_id:"},
		{"lower-case ID", func(o *intel.Object) { o.ExternalID = "g0007" }, ""},
		{"javascript: reference", func(o *intel.Object) { o.Refs[0].URL = "javascript:alert(1)" }, `refs[0].url: URL scheme "javascript" is not allowed`},
		{"data: reference", func(o *intel.Object) { o.Refs[0].URL = "data:text/html,<script>" }, "refs[0].url:"},
		{"reference without a scheme", func(o *intel.Object) { o.Refs[0].URL = "www.example.org/x" }, `refs[0].url: "www.example.org/x" is not an absolute URL (want http, https or urn)`},
		{"http reference", func(o *intel.Object) { o.Refs[0].URL = "http://example.org/x" }, ""},
		{"urn reference", func(o *intel.Object) { o.Refs[0].URL = "urn:uuid:5f0c0a3e-1111-4c1a-9a0e-000000000001" }, ""},
		{"javascript: page", func(o *intel.Object) { o.URL = "JavaScript:alert(1)" }, `url: URL scheme "javascript" is not allowed (want http or https)`},
		{"a urn is no page", func(o *intel.Object) { o.URL = "urn:uuid:x:y" }, "url:"},
		{"NUL in a description", func(o *intel.Object) { o.Description = "a\x00b" }, "description: holds control characters"},
		{"line breaks in a description", func(o *intel.Object) { o.Description = "a\r\nb\tc" }, ""},
		{"software type", func(o *intel.Object) { o.SoftwareType = "<i>worm</i>" }, "software_type:"},
		{"control character in a sector", func(o *intel.Object) { o.Sectors = []string{"Energy\x07"} }, "sectors[0]:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := group()
			tt.change(&o)
			err := o.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || intel.ErrorCode(err) != intel.CodeInvalid || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v; want invalid, naming %q", err, tt.want)
			}
			if strings.ContainsFunc(err.Error(), func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u202e' }) {
				t.Errorf("the error holds the control characters it refuses: %q", err)
			}
		})
	}
}

func TestValidateNormalises(t *testing.T) {
	o := group()
	o.Name = "  Cafe\u0301 Bear  " // e + combining acute: NFD
	o.Aliases = []string{" Sofacy ", "  "}
	o.Country, o.VictimCountries = "russia", []string{"Ukraine", "UA", "germany"}
	o.ExternalID = " g0007 "
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	got := []any{o.Name, o.Aliases, o.Country, o.VictimCountries, o.ExternalID}
	want := []any{"Café Bear", []string{"Sofacy"}, "RU", []string{"UA", "DE"}, "G0007"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("normalised (-want +got):\n%s", diff)
	}
}

func TestAttackIDs(t *testing.T) {
	for id, want := range map[string]bool{
		"T1234": true, "T1234.001": true, "TA0001": true, "G0001": true, "S0001": true, "C0001": true,
		"T123": false, "T1234.01": false, "G9999<script>": false, "X0001": false, "t1234": false, "": false,
	} {
		if got := intel.IsAttackID(id); got != want {
			t.Errorf("IsAttackID(%q) = %v, want %v", id, got, want)
		}
	}
	for kind, id := range map[intel.ObjectKind]string{intel.KindTechnique: "T1566.001", intel.KindSoftware: "S0002", intel.KindCampaign: "C0010"} {
		o := intel.Object{Kind: kind, Name: "x", ExternalID: id}
		if err := o.Validate(); err != nil {
			t.Errorf("%s %s: %v", kind, id, err)
		}
		o.ExternalID = "G0001"
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "external_id") {
			t.Errorf("%s with G0001: %v; want refused", kind, err)
		}
	}
}

func TestSourceValidateRules(t *testing.T) {
	tests := []struct {
		name string
		src  intel.Source
		want string
	}{
		{"a URL source", intel.Source{Name: "feed", Format: "stix", Location: "https://example.org/feed.json", URL: "https://example.org/"}, ""},
		{"a path source", intel.Source{Name: "feed", Format: "stix", Location: "/srv/feeds/x.json"}, ""},
		{"a Windows path", intel.Source{Name: "feed", Format: "stix", Location: `C:\feeds\x.json`}, ""},
		{"stdin", intel.Source{Name: "feed", Format: "stix", Location: "-"}, ""},
		{"an https TAXII server", intel.Source{Name: "t", Format: "taxii", Location: "https://taxii.example.org/taxii2/"}, ""},
		{"an http TAXII server", intel.Source{Name: "t", Format: "taxii", Location: "http://taxii.example.org/taxii2/"}, ""},
		{"an ftp TAXII server", intel.Source{Name: "t", Format: "taxii", Location: "ftp://taxii.example.org/"}, `location: a TAXII server is an http or https URL: URL scheme "ftp" is not allowed`},
		{"a TAXII path", intel.Source{Name: "t", Kind: intel.SourceTAXII, Location: "/srv/taxii"}, "location: a TAXII server is an http or https URL"},
		{"an ftp feed", intel.Source{Name: "f", Format: "stix", Location: "ftp://example.org/x.json"}, `location: URL scheme "ftp" is not allowed`},
		{"a file: URL", intel.Source{Name: "f", Format: "stix", Location: "file:///etc/passwd"}, "location:"},
		{"a javascript: site", intel.Source{Name: "f", URL: "javascript:alert(1)"}, "url:"},
		{"a NUL in a name", intel.Source{Name: "f\x00"}, "name:"},
		{"a control character in an option", intel.Source{Name: "f", Options: intel.SourceOptions{"collection": "a\x1bb"}}, "options.collection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.src.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v; want it naming %q", err, tt.want)
			}
		})
	}
}

func TestDocumentAndIndicatorRules(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"javascript: document", (&intel.Document{Title: "t", URL: "javascript:alert(1)"}).Validate(), "url:"},
		{"NUL in a text", (&intel.Document{Title: "t", Text: "a\x00"}).Validate(), "text: holds control characters"},
		{"control character in a title", (&intel.Document{Title: "a\x01"}).Validate(), "title:"},
		{"a long title", (&intel.Document{Title: strings.Repeat("t", 1001)}).Validate(), "title: 1001 characters, at most 1000"},
		{"a good document", (&intel.Document{Title: "Report", URL: "https://example.org/r", Text: "line\nline"}).Validate(), ""},
		{"NUL in a value", (&intel.Indicator{Type: intel.IndicatorDomain, Value: "a\x00.example"}).Validate(), "value"},
		{"escape in a tag", (&intel.Indicator{Type: intel.IndicatorDomain, Value: "a.example", Tags: []string{"\x1b]0;x"}}).Validate(), "tags[0]"},
		{"a good indicator", (&intel.Indicator{Type: intel.IndicatorDomain, Value: "a.example", Tags: []string{"c2"}}).Validate(), ""},
	}
	for _, tt := range tests {
		if tt.want == "" {
			if tt.err != nil {
				t.Errorf("%s: %v", tt.name, tt.err)
			}
			continue
		}
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: %v; want it naming %q", tt.name, tt.err, tt.want)
		}
	}
}

// Tidy applies the same rules to what a parser read, but drops or
// repairs the bad field with a note naming the object, and keeps it.
func TestTidyRepairsPerField(t *testing.T) {
	o := group()
	o.Name = "APT\x0028"
	o.Country = "<b>Narnia</b>"
	o.ExternalID = "G9999<script>"
	o.Refs = append(o.Refs, intel.ExternalRef{SourceName: "Evil", URL: "javascript:alert(1)"})
	o.Description = "bad\x00text"
	notes, err := o.Tidy()
	if err != nil {
		t.Fatal(err)
	}
	want := intel.Object{Kind: intel.KindGroup, Name: "APT28", Aliases: []string{"Sofacy"},
		URL: "https://attack.mitre.org/groups/G0007", Confidence: 1, Description: "badtext",
		Refs: []intel.ExternalRef{{SourceName: "Report", URL: "https://example.org/report"}, {SourceName: "Evil"}}}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("tidied (-want +got):\n%s", diff)
	}
	for _, w := range []string{"name:", "country:", "external_id:", "refs[1].url:", "description:"} {
		found := false
		for _, n := range notes {
			found = found || strings.Contains(n, w) && strings.HasPrefix(n, "group ")
		}
		if !found {
			t.Errorf("no note names %s: %q", w, notes)
		}
	}
	if err := o.Validate(); err != nil {
		t.Errorf("a tidied object does not validate: %v", err)
	}

	b := &intel.Bundle{Objects: []intel.Object{group(), {Kind: intel.KindGroup, Name: "\x00\x01"}},
		Documents: []intel.Document{{Title: "ok", URL: "ftp://example.org/x"}}}
	notes = b.Tidy()
	if len(b.Objects) != 1 || b.Objects[0].Name != "APT28" || len(b.Documents) != 1 || b.Documents[0].URL != "" {
		t.Errorf("bundle after Tidy: %+v", b)
	}
	if joined := strings.Join(notes, "\n"); !strings.Contains(joined, "name is required; not imported") || !strings.Contains(joined, `document "ok": url:`) {
		t.Errorf("bundle notes: %q", notes)
	}
}

// Whatever a parser read, what Tidy keeps passes Validate: the store,
// strict, never refuses a tidied bundle.
func FuzzTidyValidates(f *testing.F) {
	f.Add("APT28", "Sofacy", "RU", "G0007", "https://example.org", "text", "sector")
	f.Add("APT\x0028", "\x1b[2J", "<b>Narnia</b>", "G9999<script>", "javascript:alert(1)", "a\x00b", "\u202e")
	f.Add(strings.Repeat("é", 300), "\xff", "russia", "t1059.001", "urn:uuid:x:y", "\r\n\t", "")
	f.Fuzz(func(t *testing.T, name, alias, country, extID, link, text, label string) {
		o := intel.Object{Kind: intel.KindTechnique, StixID: "attack-pattern--1", Name: name, Aliases: []string{alias},
			Country: country, ExternalID: extID, URL: link, Description: text, Sectors: []string{label},
			Refs: []intel.ExternalRef{{SourceName: label, URL: link, Description: text}}}
		if _, err := o.Tidy(); err != nil {
			return // left out of the bundle
		}
		if err := o.Validate(); err != nil {
			t.Fatalf("a tidied object does not validate: %v\n%+v", err, o)
		}
		if notes, err := o.Tidy(); err != nil || len(notes) != 0 {
			t.Fatalf("Tidy is not idempotent: %q, %v", notes, err)
		}
	})
}
