package stix_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/collect/stix"
)

// specPatterns are the examples of the STIX 2.1 specification, part 9
// (patterning), as pattern text.
var specPatterns = []string{
	`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`,
	`[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']`,
	`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']`,
	`[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`,
	`[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar'] WITHIN 300 SECONDS`,
	`[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']`,
	`[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']`,
	`[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']`,
	`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]`,
	`[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']`,
	`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']`,
	`[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 180 SECONDS`,
	`[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']`,
	`[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']`,
	`[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']`,
	`[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']`,
	`[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']`,
	`[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']`,
	`[x-usb-device:usbdrive.serial_number = '575833314133343231313937']`,
	`[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS`,
	`[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']`,
	`([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']`,
	`[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`,
	`[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = 'fe80::90b5:b6cd:7e3b:fb2a/64']`,
	`[email-message:from_ref.value = 'mary@example.com' AND email-message:date = t'2016-01-01T10:00:00Z']`,
	`[file:size NOT > 1024 AND file:name NOT IN ('a.exe', 'b.exe') AND NOT_A:x <> 3 AND file:x_flag != true]`,
	`[user-account:extensions.'unix-account-ext'.groups ISSUPERSET 'wheel' AND EXISTS user-account:credential]`,
	`[file:name LIKE 'invoice%.exe'] OR [artifact:payload_bin = b'ZXZpbA==']`,
	`[file:extensions.'windows-pebinary-ext'.sections[-1].entropy < .5 AND x-custom:'quoted first'.value >= -.25] WITHIN .5 SECONDS`,
}

// TestPatternSpecExamples parses every example of the specification and
// checks that the text String writes parses back into the same tree.
func TestPatternSpecExamples(t *testing.T) {
	for _, s := range specPatterns {
		p, err := stix.ParsePattern(s)
		if err != nil {
			t.Errorf("ParsePattern(%s): %v", s, err)
			continue
		}
		out := p.String()
		q, err := stix.ParsePattern(out)
		if err != nil {
			t.Errorf("ParsePattern(String() = %s): %v", out, err)
			continue
		}
		if d := cmp.Diff(p.Tree(), q.Tree()); d != "" {
			t.Errorf("%s: tree changed by String (-before +after):\n%s", s, d)
		}
		if q.String() != out {
			t.Errorf("String is not stable: %s then %s", out, q.String())
		}
		if !json.Valid([]byte(p.TreeJSON())) {
			t.Errorf("%s: tree JSON invalid", s)
		}
	}
}

func TestPatternJSONTree(t *testing.T) {
	p, err := stix.ParsePattern(`([file:hashes.MD5 = 'ab' AND file:name = 'x.exe'] FOLLOWEDBY [ipv4-addr:value IN ('198.51.100.1', '198.51.100.2')]) WITHIN 60 SECONDS`)
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *stix.NodeValue { return &stix.NodeValue{Kind: "string", Text: s} }
	want := &stix.Node{Op: "qualified", Qualifier: &stix.NodeQual{Kind: "WITHIN", Seconds: 60}, Args: []*stix.Node{
		{Op: "FOLLOWEDBY", Args: []*stix.Node{
			{Op: "observation", Args: []*stix.Node{{Op: "AND", Args: []*stix.Node{
				{Op: "=", Path: "file:hashes.MD5", Value: str("ab")},
				{Op: "=", Path: "file:name", Value: str("x.exe")},
			}}}},
			{Op: "observation", Args: []*stix.Node{{Op: "IN", Path: "ipv4-addr:value",
				Value: &stix.NodeValue{Kind: "set", Set: []stix.NodeValue{*str("198.51.100.1"), *str("198.51.100.2")}}}}},
		}},
	}}
	if d := cmp.Diff(want, p.Tree()); d != "" {
		t.Errorf("tree (-want +got):\n%s", d)
	}
	wantValues := []stix.PatternValue{
		{Path: "file:hashes.MD5", Op: "=", Value: "ab"}, {Path: "file:name", Op: "=", Value: "x.exe"},
		{Path: "ipv4-addr:value", Op: "IN", Value: "198.51.100.1"}, {Path: "ipv4-addr:value", Op: "IN", Value: "198.51.100.2"},
	}
	if d := cmp.Diff(wantValues, p.Values()); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
	if p.Simple() {
		t.Error("a qualified compound pattern is not simple")
	}
}

func TestPatternSimple(t *testing.T) {
	tests := []struct {
		pattern string
		want    bool
	}{
		{`[domain-name:value = 'a.example.com']`, true},
		{`[ domain-name:value='a.example.com' ]`, true},
		{`[domain-name:value != 'a.example.com']`, false},
		{`[domain-name:value NOT = 'a.example.com']`, false},
		{`[domain-name:value = 'a.example.com'] REPEATS 2 TIMES`, false},
		{`[domain-name:value = 'a.example.com' OR domain-name:value = 'b.example.com']`, false},
		{`[domain-name:value = 'a.example.com'] AND [url:value = 'http://a.example.com/']`, false},
		{`[domain-name:value LIKE '%.example.com']`, false},
	}
	for _, tt := range tests {
		p, err := stix.ParsePattern(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Simple(); got != tt.want {
			t.Errorf("Simple(%s) = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}

// TestPatternSTIX20StartStop reads the qualifier as STIX 2.0 wrote it,
// with plain strings, and writes it as 2.1 does.
func TestPatternSTIX20StartStop(t *testing.T) {
	p, err := stix.ParsePattern(`[file:name = 'a'] START '2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.String(), `[file:name = 'a'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`; got != want {
		t.Errorf("String = %s, want %s", got, want)
	}
}

func TestPatternOutline(t *testing.T) {
	p, err := stix.ParsePattern(`([file:name = 'dropper.exe' AND file:size NOT > 1024] FOLLOWEDBY [ipv4-addr:value IN ('203.0.113.9', '203.0.113.10')]) WITHIN 600 SECONDS`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"WITHIN 600 SECONDS",
		"  FOLLOWEDBY",
		"    observation",
		"      AND",
		"        file:name = 'dropper.exe'",
		"        file:size NOT > 1024",
		"    observation",
		"      ipv4-addr:value IN ('203.0.113.9', '203.0.113.10')",
	}
	if d := cmp.Diff(want, p.Outline()); d != "" {
		t.Errorf("outline (-want +got):\n%s", d)
	}
}
