package stix_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/intel"
)

type obs = stix.Observable

func TestPatternObservables(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    []obs
		skipped []string // "path: reason"
	}{
		{"domain or ip", `[domain-name:value = 'x.example.com'] OR [ipv4-addr:value = '198.51.100.1']`,
			[]obs{{intel.IndicatorDomain, "x.example.com", "domain-name:value", "example-domains"}, {intel.IndicatorIPv4, "198.51.100.1", "ipv4-addr:value", "documentation"}}, nil},
		{"comparison or", `[domain-name:value = 'a.example.org' OR domain-name:value = 'B.Example.ORG']`,
			[]obs{{intel.IndicatorDomain, "a.example.org", "domain-name:value", "example-domains"}, {intel.IndicatorDomain, "b.example.org", "domain-name:value", "example-domains"}}, nil},
		{"sha256 quoted key", `[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']`,
			[]obs{{intel.IndicatorSHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "file:hashes.'SHA-256'", ""}}, nil},
		{"md5 and name", `[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:name = 'a.exe']`,
			[]obs{{intel.IndicatorMD5, "d41d8cd98f00b204e9800998ecf8427e", "file:hashes.MD5", ""}}, []string{"file:name: unsupported object path"}},
		{"url", `[url:value = 'http://evil.example.com/x?a=1']`,
			[]obs{{intel.IndicatorURL, "http://evil.example.com/x?a=1", "url:value", "example-domains"}}, nil},
		{"email", `[email-addr:value = 'bad@example.net']`,
			[]obs{{intel.IndicatorEmail, "bad@example.net", "email-addr:value", "documentation"}}, nil},
		{"email sender", `[email-message:from_ref.value = 'bad@example.net']`,
			[]obs{{intel.IndicatorEmail, "bad@example.net", "email-message:from_ref.value", "documentation"}}, nil},
		{"ipv6", `[ipv6-addr:value = '2001:DB8::1']`,
			[]obs{{intel.IndicatorIPv6, "2001:db8::1", "ipv6-addr:value", "documentation"}}, nil},
		{"network traffic", `[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.5']`,
			[]obs{{intel.IndicatorIPv4, "203.0.113.5", "network-traffic:dst_ref.value", "documentation"}}, nil},
		{"network traffic wrong ref type", `[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = '203.0.113.5']`,
			nil, []string{"network-traffic:dst_ref.value: value is a ipv4, not a domain"}},
		{"in list", `[ipv4-addr:value IN ('198.51.100.1', '198.51.100.2')]`,
			[]obs{{intel.IndicatorIPv4, "198.51.100.1", "ipv4-addr:value", "documentation"}, {intel.IndicatorIPv4, "198.51.100.2", "ipv4-addr:value", "documentation"}}, nil},
		{"subnet", `[ipv4-addr:value ISSUBSET '198.51.100.0/24']`,
			[]obs{{intel.IndicatorCIDR, "198.51.100.0/24", "ipv4-addr:value", "documentation"}}, nil},
		{"asn", `[autonomous-system:number = 64500]`,
			[]obs{{intel.IndicatorASN, "AS64500", "autonomous-system:number", "documentation"}}, nil},
		{"file-like domain", `[domain-name:value = 'update.zip']`,
			[]obs{{intel.IndicatorDomain, "update.zip", "domain-name:value", ""}}, nil},
		{"followedby with qualifiers", `([ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [domain-name:value = 'c2.example.com']) WITHIN 300 SECONDS REPEATS 2 TIMES`,
			[]obs{{intel.IndicatorIPv4, "198.51.100.7", "ipv4-addr:value", "documentation"}, {intel.IndicatorDomain, "c2.example.com", "domain-name:value", "example-domains"}}, nil},
		{"start stop", `[url:value = 'https://example.com/a'] START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00Z'`,
			[]obs{{intel.IndicatorURL, "https://example.com/a", "url:value", "example-domains"}}, nil},
		{"escapes", `[url:value = 'https://example.com/it\'s\\x']`,
			nil, []string{"url:value: value is not a valid url"}},
		{"process unsupported", `[process:name = 'evil.exe']`, nil, []string{"process:name: unsupported object path"}},
		{"list index path", `[windows-registry-key:values[3].name = 'Run']`, nil, []string{"windows-registry-key:values[*].name: unsupported object path"}},
		{"not a domain", `[domain-name:value = 'not a domain']`, nil, []string{"domain-name:value: value is not a valid domain"}},
		{"ip in domain path", `[domain-name:value = '198.51.100.1']`, nil, []string{"domain-name:value: value is a ipv4, not a domain"}},
		{"negated", `[ipv4-addr:value != '198.51.100.1' AND ipv4-addr:value NOT = '198.51.100.2']`, nil,
			[]string{"ipv4-addr:value: negated comparison", "ipv4-addr:value: negated comparison"}},
		{"like", `[domain-name:value LIKE '%.example.com']`, nil, []string{"domain-name:value: LIKE names no exact value"}},
		{"matches", `[url:value MATCHES '^https?://']`, nil, []string{"url:value: MATCHES names no exact value"}},
		{"exists", `[EXISTS file:hashes.MD5]`, nil, []string{"file:hashes.MD5: EXISTS names no value"}},
		{"ssdeep", `[file:hashes.SSDEEP = '3:a+JraNvsgzsVqSwHq9:tJuOgzsko']`, nil, []string{"file:hashes.SSDEEP: unsupported hash algorithm"}},
		{"duplicate values once", `[domain-name:value = 'a.example.com'] AND [domain-name:value = 'a.example.com']`,
			[]obs{{intel.IndicatorDomain, "a.example.com", "domain-name:value", "example-domains"}}, nil},
		{"literals", `[file:size > 10 AND file:x_flag = true AND file:x_f = -1.5 AND file:x_b = b'AAEC' AND file:x_h = h'0aFF']`,
			nil, []string{"file:size: unsupported object path", "file:x_flag: unsupported object path",
				"file:x_f: unsupported object path", "file:x_b: unsupported object path", "file:x_h: unsupported object path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := stix.ParsePattern(tt.pattern)
			if err != nil {
				t.Fatalf("ParsePattern: %v", err)
			}
			found, skipped := p.Observables()
			if d := cmp.Diff(tt.want, found); d != "" {
				t.Errorf("observables (-want +got):\n%s", d)
			}
			var got []string
			for _, s := range skipped {
				got = append(got, s.Path+": "+s.Reason)
			}
			if d := cmp.Diff(tt.skipped, got); d != "" {
				t.Errorf("skipped (-want +got):\n%s", d)
			}
		})
	}
}

func TestPatternTree(t *testing.T) {
	p, err := stix.ParsePattern(`[a:b = 'x' OR a:c = 'y' AND a:d = 'z'] AND [e:f = 1] REPEATS 3 TIMES OR [g:h = 'q'] FOLLOWEDBY [i:j = 'r']`)
	if err != nil {
		t.Fatal(err)
	}
	// FOLLOWEDBY binds loosest, then OR, then AND; AND binds tighter than
	// OR inside brackets too; qualifiers bind to the observation before them.
	root, ok := p.Root.(*stix.ObsBinary)
	if !ok || root.Op != "FOLLOWEDBY" {
		t.Fatalf("root = %#v, want FOLLOWEDBY", p.Root)
	}
	or, ok := root.Left.(*stix.ObsBinary)
	if !ok || or.Op != "OR" {
		t.Fatalf("left of FOLLOWEDBY = %#v, want OR", root.Left)
	}
	and, ok := or.Left.(*stix.ObsBinary)
	if !ok || and.Op != "AND" {
		t.Fatalf("left of OR = %#v, want AND", or.Left)
	}
	q, ok := and.Right.(*stix.ObsQualified)
	if !ok || q.Qualifier.Kind != "REPEATS" || q.Qualifier.Times != 3 {
		t.Fatalf("right of AND = %#v, want REPEATS 3", and.Right)
	}
	first := and.Left.(*stix.Observation).Comp.(*stix.CompBinary)
	if first.Op != "OR" || first.Right.(*stix.CompBinary).Op != "AND" {
		t.Errorf("comparison precedence wrong: %#v", first)
	}
	c := first.Left.(*stix.Comparison)
	if d := cmp.Diff(stix.Comparison{Path: stix.ObjectPath{Type: "a", Steps: []string{"b"}}, Op: "=",
		Value: stix.Literal{Kind: "string", Text: "x"}}, *c); d != "" {
		t.Errorf("first comparison (-want +got):\n%s", d)
	}
	p, err = stix.ParsePattern(`[file:name = 'it\'s a \\ test']`)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Root.(*stix.Observation).Comp.(*stix.Comparison).Value.Text; got != `it's a \ test` {
		t.Errorf("unescaped string = %q", got)
	}
}

func TestPatternErrors(t *testing.T) {
	tests := []struct {
		pattern string
		offset  int
		msg     string
	}{
		{``, 0, `"[" or "(" expected, found end of pattern`},
		{`domain-name:value = 'x'`, 0, `"[" or "(" expected`},
		{`[domain-name:value = 'x'`, 24, `"]" expected, found end of pattern`},
		{`[domain-name:value = 'x]`, 21, `unterminated string`},
		{`[domain-name:value 'x']`, 19, `comparison operator expected after domain-name:value`},
		{`[domain-name = 'x']`, 13, `":" after the object type expected`},
		{`[domain-name:value = ]`, 21, `literal expected, found "]"`},
		{`[file:name = 'a\x']`, 15, `invalid escape \x`},
		{`[ipv4-addr:value = '1.2.3.4'] AND`, 33, `"[" or "(" expected, found end of pattern`},
		{`[ipv4-addr:value = '1.2.3.4'] WITHIN -5 SECONDS`, 37, `WITHIN needs a positive number of seconds`},
		{`[ipv4-addr:value = '1.2.3.4'] WITHIN 5 MINUTES`, 39, `SECONDS expected, found "MINUTES"`},
		{`[ipv4-addr:value = '1.2.3.4'] REPEATS 0 TIMES`, 38, `positive integer expected after REPEATS`},
		{`[ipv4-addr:value = '1.2.3.4'] START '2020' STOP t'2021-01-01T00:00:00Z'`, 36, `t'…' timestamp expected after START`},
		{`[ipv4-addr:value = '1.2.3.4'] START t'2020' STOP t'2021-01-01T00:00:00Z'`, 36, `timestamp literal '2020' is not RFC 3339`},
		{`[ipv4-addr:value IN '1.2.3.4']`, 20, `"(" expected after IN`},
		{`[ipv4-addr:value IN ('a' 'b')]`, 25, `"," or ")" expected`},
		{`[ipv4-addr:value LIKE 5]`, 17, `LIKE needs a string`},
		{`[file:x > true]`, 8, `> cannot compare a boolean`},
		{`[file:hashes.SHA-256 = 'x']`, 13, `property name expected in object path, found "SHA-256"`},
		{`[file:values[x] = 'x']`, 13, `list index or "*" expected`},
		{`[file:x = h'abc']`, 10, `hex literal needs an even number of hex digits`},
		{`[file:x = b'a!==']`, 10, `binary literal is not base64`},
		{`[file:x = 1.]`, 12, `digit expected after the decimal point`},
		{`[file:x = 'a'] ]`, 15, `unexpected "]" after the pattern`},
		{`[file:x = 'a' & file:y = 'b']`, 14, `unexpected character '&'`},
		{`[file:x = 'a'] and [file:y = 'b']`, 15, `unexpected "and" after the pattern`},
		{strings.Repeat("(", 200) + `[a:b = 'c']` + strings.Repeat(")", 200), 101, `pattern nests deeper than 100`},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			_, err := stix.ParsePattern(tt.pattern)
			var pe *stix.PatternError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *PatternError", err)
			}
			if pe.Offset != tt.offset || !strings.Contains(pe.Message, tt.msg) {
				t.Errorf("error = offset %d %q, want offset %d containing %q", pe.Offset, pe.Message, tt.offset, tt.msg)
			}
		})
	}
}

func FuzzPattern(f *testing.F) {
	for _, s := range []string{
		`[domain-name:value = 'x.example.com'] OR [ipv4-addr:value = '198.51.100.1']`,
		`[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']`,
		`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.5']`,
		`([a:b = 'x'] FOLLOWEDBY [c:d IN (1, 2.5, true, b'AAEC', h'00')]) WITHIN 5 SECONDS START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'`,
		`[file:name = 'it\'s \\'] REPEATS 5 TIMES`,
		`[windows-registry-key:values[*].name LIKE 'x%' AND NOT EXISTS a:b]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := stix.ParsePattern(s)
		if err != nil {
			var pe *stix.PatternError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(s) || strings.Contains(pe.Error(), "\n") && !strings.Contains(s, "\n") {
				t.Fatalf("bad error %v for %q", err, s)
			}
			return
		}
		// The text String writes reads back into the same tree.
		q, err := stix.ParsePattern(p.String())
		if err != nil {
			t.Fatalf("String() = %s of %q does not parse: %v", p.String(), s, err)
		}
		if q.TreeJSON() != p.TreeJSON() {
			t.Fatalf("String() of %q changed the tree: %s vs %s", s, p.TreeJSON(), q.TreeJSON())
		}
		found, _ := p.Observables()
		for _, o := range found {
			if !o.Type.Valid() || o.Value == "" {
				t.Fatalf("invalid observable %+v from %q", o, s)
			}
		}
	})
}
