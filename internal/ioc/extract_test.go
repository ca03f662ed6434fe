package ioc

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// brief renders matches as "type value" lines, the form most table cases
// compare against.
func brief(ms []Match) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Type.String()+" "+m.Value)
	}
	return out
}

func TestExtractTypes(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"ipv4", "connects to 45.77.12.9 daily", []string{"ipv4 45.77.12.9"}},
		{"ipv4 with port", "45.77.12.9:443", []string{"ipv4 45.77.12.9"}},
		{"ipv4 range", "10.1.1.1-10.1.1.9", []string{"ipv4 10.1.1.1", "ipv4 10.1.1.9"}},
		{"ipv4 octet over 255", "300.1.1.1", nil},
		{"ipv4 leading zero", "010.1.1.1", nil},
		{"ipv4 five parts", "1.2.3.4.5", nil},
		{"ipv4 glued to letters", "abc1.2.3.4", nil},
		{"ipv6", "beacon to 2001:DB8:0:0::0:1 now", []string{"ipv6 2001:db8::1"}},
		{"ipv6 loopback", "::1", []string{"ipv6 ::1"}},
		{"ipv6 v4 mapped", "::ffff:1.2.3.4", []string{"ipv6 ::ffff:1.2.3.4"}},
		{"ipv6 bare double colon", "a :: b", nil},
		{"time is not ipv6", "at 12:30:45 UTC", nil},
		{"cpp scope is not ipv6", "std::string", nil},
		{"mac is not ipv6", "00:11:22:33:44:55", []string{"mac 00:11:22:33:44:55"}},
		{"cidr v4", "block 185.100.87.0/24.", []string{"cidr 185.100.87.0/24"}},
		{"cidr v6", "2001:db8::/32", []string{"cidr 2001:db8::/32"}},
		{"cidr bad bits", "1.2.3.0/33", []string{"ipv4 1.2.3.0"}},
		{"domain", "resolves evil-site.com today", []string{"domain evil-site.com"}},
		{"domain upper", "EVIL.COM", []string{"domain evil.com"}},
		{"domain trailing dot", "evil.com.", []string{"domain evil.com"}},
		{"domain multi-label suffix", "x.evil.co.uk", []string{"domain x.evil.co.uk"}},
		{"domain punycode", "xn--80ak6aa92e.com", []string{"domain xn--80ak6aa92e.com"}},
		{"domain punycode tld", "test.xn--p1ai", []string{"domain test.xn--p1ai"}},
		{"domain unknown tld", "evil.notatld", nil},
		{"bare public suffix", "co.uk", nil},
		{"url", "get http://evil.com/a.php?id=1 now", []string{"url http://evil.com/a.php?id=1", "domain evil.com"}},
		{"url upper scheme and host", "HTTP://EVIL.COM/Path", []string{"url http://evil.com/Path", "domain evil.com"}},
		{"url ip port", "tcp://1.2.3.4:4444", []string{"url tcp://1.2.3.4:4444", "ipv4 1.2.3.4"}},
		{"url ipv6 host", "http://[2001:db8::1]:80/x", []string{"url http://[2001:db8::1]:80/x", "ipv6 2001:db8::1"}},
		{"url userinfo", "ftp://user:pw@files.evil.net/x", []string{"url ftp://user:pw@files.evil.net/x", "domain files.evil.net"}},
		{"url balanced parens", "https://en.wikipedia.org/wiki/Foo_(bar)", []string{"url https://en.wikipedia.org/wiki/Foo_(bar)", "domain en.wikipedia.org"}},
		{"url unknown scheme", "foo://evil.com/x", []string{"domain evil.com"}},
		{"url file-extension tld host", "http://update.zip/x", []string{"url http://update.zip/x", "domain update.zip"}},
		{"url with port no path", "https://evil.com:8443", []string{"url https://evil.com:8443", "domain evil.com"}},
		{"url encoded host after %2F", "u=https%3A%2F%2Fevil.com", []string{"domain evil.com"}},
		{"hash in url path", "https://www.virustotal.com/#/file/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/analysis", []string{"url https://www.virustotal.com/#/file/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/analysis", "domain www.virustotal.com", "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}},
		{"cve in url query", "http://web.nvd.nist.gov/view?vulnId=CVE-2013-7331", []string{"url http://web.nvd.nist.gov/view?vulnId=CVE-2013-7331", "domain web.nvd.nist.gov", "cve CVE-2013-7331"}},
		{"script in url path", "http://1.2.3.4/bins/x.sh", []string{"url http://1.2.3.4/bins/x.sh", "ipv4 1.2.3.4"}},
		{"email at public suffix", "althuis@huissier-justice.fr", []string{"email althuis@huissier-justice.fr"}},
		{"underscore identifier", "command_data.data", nil},
		{"underscore subdomain", "x_y.evil.com", []string{"domain x_y.evil.com"}},
		{"ldap jndi", "${jndi:ldap://45.1.2.3:1389/a}", []string{"url ldap://45.1.2.3:1389/a", "ipv4 45.1.2.3"}},
		{"email", "mail admin@evil.org", []string{"email admin@evil.org", "domain evil.org"}},
		{"email plus tag", "john.doe+x@Mail.RU", []string{"email john.doe+x@mail.ru", "domain mail.ru"}},
		{"email mailto", "mailto:a@evil.org", []string{"email a@evil.org", "domain evil.org"}},
		{"email bad local", "a..b@evil.org", []string{"domain evil.org"}},
		{"md5", "d41d8cd98f00b204e9800998ecf8427e", []string{"md5 d41d8cd98f00b204e9800998ecf8427e"}},
		{"sha1 upper", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", []string{"sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709"}},
		{"sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", []string{"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}},
		{"sha512", strings.Repeat("cf83e1357eefb8bd", 8), []string{"sha512 " + strings.Repeat("cf83e1357eefb8bd", 8)}},
		{"hash as file name", "d41d8cd98f00b204e9800998ecf8427e.exe", []string{"md5 d41d8cd98f00b204e9800998ecf8427e"}},
		{"hash after label", "md5:d41d8cd98f00b204e9800998ecf8427e,", []string{"md5 d41d8cd98f00b204e9800998ecf8427e"}},
		{"hash 0x prefix", "0xd41d8cd98f00b204e9800998ecf8427e", nil},
		{"hash glued to word", "hashd41d8cd98f00b204e9800998ecf8427e", nil},
		{"hash 33 hex", "d41d8cd98f00b204e9800998ecf8427e0", nil},
		{"hash repeated char", strings.Repeat("0", 32), nil},
		{"hash all digits", strings.Repeat("1234", 8), nil},
		{"sha256 not two shorter", strings.Repeat("ab12", 16), []string{"sha256 " + strings.Repeat("ab12", 16)}},
		{"cve", "exploits CVE-2021-44228.", []string{"cve CVE-2021-44228"}},
		{"cve lower", "cve-2017-0144", []string{"cve CVE-2017-0144"}},
		{"cve long id", "CVE-2024-1234567", []string{"cve CVE-2024-1234567"}},
		{"cve short id", "CVE-2021-123", nil},
		{"cve glued letter", "CVE-2021-44228x", nil},
		{"technique", "uses T1059 and T1059.001", []string{"technique T1059", "technique T1059.001"}},
		{"technique in parens", "(T1566.002)", []string{"technique T1566.002"}},
		{"tactic", "TA0001", []string{"tactic TA0001"}},
		{"technique lower is prose", "t1059", nil},
		{"technique five digits", "T10590", nil},
		{"asn", "AS13335", []string{"asn AS13335"}},
		{"asn N", "ASN15169", []string{"asn AS15169"}},
		{"asn spaced", "ASN 15169,", []string{"asn AS15169"}},
		{"asn colon", "ASN: 4134", []string{"asn AS4134"}},
		{"asn too big", "AS4294967296", nil},
		{"asn prose", "as 2019 began", nil},
		{"asn leading zero", "AS0123", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := brief(Extract(tc.in, DefaultOptions()))
			if diff := cmp.Diff(tc.want, got, cmpEmpty); diff != "" {
				t.Errorf("Extract(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
})

func TestExtractDefang(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"square dot", "evil[.]com", []string{"domain evil.com"}},
		{"paren dot", "evil(.)com", []string{"domain evil.com"}},
		{"brace dot", "evil{.}com", []string{"domain evil.com"}},
		{"square word dot", "evil[dot]com", []string{"domain evil.com"}},
		{"paren word dot upper", "evil(DOT)com", []string{"domain evil.com"}},
		{"brace word dot", "evil{dot}com", []string{"domain evil.com"}},
		{"spaced dot", "contact evil dot com today", []string{"domain evil.com"}},
		{"spaced dot chain", "a1 dot evil dot co dot uk", []string{"domain a1.evil.co.uk"}},
		{"spaced dot prose", "the dot com bubble", nil},
		{"backslash dot", `evil\.com`, []string{"domain evil.com"}},
		{"backslash in path kept", `C:\.hidden`, nil},
		{"ip defanged", "1[.]2[.]3[.]4", []string{"ipv4 1.2.3.4"}},
		{"ip mixed defang", "1.2(.)3[.]4", []string{"ipv4 1.2.3.4"}},
		{"hxxp", "hxxp://evil.com/x", []string{"url http://evil.com/x", "domain evil.com"}},
		{"hxxps upper", "hXXps://evil.com", []string{"url https://evil.com", "domain evil.com"}},
		{"fxp", "fxp://files.evil.com/a", []string{"url ftp://files.evil.com/a", "domain files.evil.com"}},
		{"colon bracket", "hxxp[:]//evil[.]com", []string{"url http://evil.com", "domain evil.com"}},
		{"scheme bracket", "hxxps[://]evil[.]com[/]path", []string{"url https://evil.com/path", "domain evil.com"}},
		{"email square at", "bad[@]evil[.]ru", []string{"email bad@evil.ru", "domain evil.ru"}},
		{"email paren at", "bad(at)evil(.)ru", []string{"email bad@evil.ru", "domain evil.ru"}},
		{"email square word at", "bad[at]evil.ru", []string{"email bad@evil.ru", "domain evil.ru"}},
		{"email brace at", "bad{at}evil.ru", []string{"email bad@evil.ru", "domain evil.ru"}},
		{"paren at prose", "meet (at) noon", nil},
		{"file tld defanged is domain", "update[.]zip", []string{"domain update.zip"}},
		{"cidr defanged", "10[.]0[.]0[.]0/8", []string{"cidr 10.0.0.0/8"}},
		{"half bracket closer", "106.]14.47.210", []string{"ipv4 106.14.47.210"}},
		{"half bracket opener", "evil[.com", []string{"domain evil.com"}},
		{"markdown double escape", `http://1.2.3.4/all\\_pp.exe`, []string{`url http://1.2.3.4/all_pp.exe`, "ipv4 1.2.3.4"}},
		{"markdown escaped underscore", `http://1.2.3.4/host32\_pic.bin`, []string{`url http://1.2.3.4/host32_pic.bin`, "ipv4 1.2.3.4"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ms := Extract(tc.in, DefaultOptions())
			if diff := cmp.Diff(tc.want, brief(ms), cmpEmpty); diff != "" {
				t.Errorf("Extract(%q) (-want +got):\n%s", tc.in, diff)
			}
			for _, m := range ms {
				if m.Raw != tc.in[m.Offset:m.Offset+int64(len(m.Raw))] {
					t.Errorf("Raw %q is not the input at offset %d", m.Raw, m.Offset)
				}
				if strings.ContainsAny(m.Raw, "[({ ") || strings.Contains(m.Raw, `\.`) || strings.Contains(strings.ToLower(m.Raw), "xx") {
					if m.Flags&FlagDefanged == 0 {
						t.Errorf("%s %q: want defanged flag", m.Type, m.Raw)
					}
				}
			}
		})
	}
}

func TestExtractFileNames(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"exe", "dropped setup.exe and svchost.exe", []string{"filename setup.exe", "filename svchost.exe"}},
		{"office", "opened invoice.pdf report.docx config.json", []string{"filename invoice.pdf", "filename report.docx"}},
		{"zip file", "attachment invoice.zip", []string{"filename invoice.zip"}},
		{"py file", "run main.py", []string{"filename main.py"}},
		{"sh file", "wget then sh install.sh", []string{"filename install.sh"}},
		{"mov file", "video.mov", nil},
		{"double extension", "invoice.pdf.zip", []string{"filename invoice.pdf.zip"}},
		{"path component", "1.2.3.4/bins/x86.sh", []string{"ipv4 1.2.3.4"}},
		{"path component defanged", "1[.]2[.]3[.]4/dlink[.]sh", []string{"ipv4 1.2.3.4"}},
		{"domain hint", "C2 domain: update.zip", []string{"domain update.zip"}},
		{"c2 hint", "C2: stats.pl", []string{"domain stats.pl"}},
		{"hint on previous line", "domain\nupdate.zip", []string{"filename update.zip"}},
		{"three labels", "cdn.update.zip", []string{"domain cdn.update.zip"}},
		{"code identifier", "System.IO and System.Net", nil},
		{"glued sentence", "the attack.In the end", nil},
		{"capitalised word", "Google.com works", []string{"domain google.com"}},
		{"version numbers", "1.2.3 or 3.14", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := brief(Extract(tc.in, DefaultOptions()))
			if diff := cmp.Diff(tc.want, got, cmpEmpty); diff != "" {
				t.Errorf("Extract(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestExtractBoundaries(t *testing.T) {
	const ip = "45.77.12.9"
	cases := []struct {
		name string
		in   string
		off  int64
	}{
		{"parens", "(" + ip + ")", 1},
		{"brackets", "[" + ip + "]", 1},
		{"double quotes", `"` + ip + `"`, 1},
		{"single quotes", "'" + ip + "'", 1},
		{"smart quotes", "“" + ip + "”", 3},
		{"angle", "<" + ip + ">", 1},
		{"comma list", "x," + ip + ",y", 2},
		{"semicolon", ip + ";", 0},
		{"sentence end", "Seen at " + ip + ".", 8},
		{"crlf", "a\r\n" + ip + "\r\n", 3},
		{"tab", "\t" + ip + "\t", 1},
		{"non-ascii before", "адрес:" + ip, 11},
		{"equals", "ip=" + ip, 3},
		{"markdown code", "`" + ip + "`", 1},
		{"pipe table", "|" + ip + "|", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Extract(tc.in, DefaultOptions())
			want := []Match{{Type: TypeIPv4, Value: ip, Raw: ip, Offset: tc.off}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Extract(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
	urlCases := []struct {
		name, in, want string
	}{
		{"trailing period", "see http://evil.com/a.", "http://evil.com/a"},
		{"trailing comma", "http://evil.com/a, then", "http://evil.com/a"},
		{"unbalanced paren", "(http://evil.com/a)", "http://evil.com/a"},
		{"unbalanced bracket", "[http://evil.com/a]", "http://evil.com/a"},
		{"quoted", `"http://evil.com/a"`, "http://evil.com/a"},
		{"trailing colon", "http://evil.com/a:", "http://evil.com/a"},
		{"markdown link", "[x](http://evil.com/a)", "http://evil.com/a"},
		{"exclamation", "http://evil.com/a!", "http://evil.com/a"},
	}
	for _, tc := range urlCases {
		t.Run("url "+tc.name, func(t *testing.T) {
			ms := Extract(tc.in, Options{Types: NewTypeSet(TypeURL), Refang: true})
			if len(ms) != 1 || ms[0].Value != tc.want {
				t.Fatalf("Extract(%q) = %v, want one URL %q", tc.in, ms, tc.want)
			}
		})
	}
}

func TestExtractFlags(t *testing.T) {
	cases := []struct {
		in   string
		want Flags
	}{
		{"10.1.2.3", FlagPrivate},
		{"172.16.0.1", FlagPrivate},
		{"192.168.1.1", FlagPrivate},
		{"127.0.0.1", FlagLoopback},
		{"169.254.1.1", FlagLinkLocal},
		{"224.0.0.251", FlagMulticast},
		{"0.0.0.0", FlagReserved},
		{"255.255.255.255", FlagReserved},
		{"100.64.1.1", FlagReserved},
		{"192.0.2.10", FlagDocumentation},
		{"198.51.100.7", FlagDocumentation},
		{"203.0.113.5", FlagDocumentation},
		{"2001:db8::5", FlagDocumentation},
		{"fd00::1", FlagPrivate},
		{"fe80::1", FlagLinkLocal},
		{"ff02::1", FlagMulticast},
		{"8.8.8.8", 0},
		{"example.com", FlagDocumentation},
		{"www.example.org", FlagDocumentation},
		{"notexample.com", 0},
		{"version 1.2.3.4", FlagVersionLike},
		{"ver. 1.2.3.4", FlagVersionLike},
		{"v1.2.3.4", FlagVersionLike},
		{"V 1.2.3.4", FlagVersionLike},
		{"server 1.2.3.4", 0},
		{"evil[.]com", FlagDefanged},
		{"AS64500", FlagDocumentation},
		{"AS65000", FlagPrivate},
		{"AS23456", FlagReserved},
		{"AS13335", 0},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			ms := Extract(tc.in, DefaultOptions())
			if len(ms) != 1 {
				t.Fatalf("Extract(%q) = %v, want one match", tc.in, ms)
			}
			if ms[0].Flags != tc.want {
				t.Errorf("flags of %q = %v, want %v", tc.in, ms[0].Flags, tc.want)
			}
		})
	}
}

func TestExtractOffsetsAndRaw(t *testing.T) {
	in := "Ünïcödé: hxxps[://]bad[.]example[.]net/p?q=1 then 1.2.3[.]4\r\nCVE-2020-0601"
	got := Extract(in, DefaultOptions())
	want := []Match{
		{Type: TypeURL, Value: "https://bad.example.net/p?q=1", Raw: "hxxps[://]bad[.]example[.]net/p?q=1", Offset: 13, Flags: FlagDefanged | FlagDocumentation},
		{Type: TypeDomain, Value: "bad.example.net", Raw: "bad[.]example[.]net", Offset: 23, Flags: FlagDefanged | FlagDocumentation},
		{Type: TypeIPv4, Value: "1.2.3.4", Raw: "1.2.3[.]4", Offset: 54, Flags: FlagDefanged},
		{Type: TypeCVE, Value: "CVE-2020-0601", Raw: "CVE-2020-0601", Offset: 65},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, m := range got {
		if in[m.Offset:m.Offset+int64(len(m.Raw))] != m.Raw {
			t.Errorf("%v: raw not at offset", m)
		}
	}
}

func TestExtractOptions(t *testing.T) {
	in := "hxxp://evil[.]com/x 8.8.8.8 d41d8cd98f00b204e9800998ecf8427e"
	t.Run("types filter", func(t *testing.T) {
		ts, err := ParseTypes("ipv4, md5")
		if err != nil {
			t.Fatal(err)
		}
		got := brief(Extract(in, Options{Types: ts, Refang: true}))
		want := []string{"ipv4 8.8.8.8", "md5 d41d8cd98f00b204e9800998ecf8427e"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("no refang keeps raw", func(t *testing.T) {
		got := brief(Extract(in, Options{}))
		want := []string{"url hxxp://evil[.]com/x", "domain evil[.]com", "ipv4 8.8.8.8", "md5 d41d8cd98f00b204e9800998ecf8427e"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("warninglists", func(t *testing.T) {
		opts := DefaultOptions()
		opts.Warninglists = DefaultWarninglists()
		ms := Extract("8.8.8.8 evil.com www.example.com 192.0.2.1", opts)
		got := make([]string, len(ms))
		for i, m := range ms {
			got[i] = m.Value + "=" + m.Warninglist
		}
		want := []string{"8.8.8.8=public-resolvers", "evil.com=", "www.example.com=example-domains", "192.0.2.1=documentation"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Error(diff)
		}
		opts.DropWarned = true
		if got := brief(Extract("8.8.8.8 evil.com", opts)); !cmp.Equal(got, []string{"domain evil.com"}) {
			t.Errorf("DropWarned: got %v", got)
		}
	})
	t.Run("url warned by host", func(t *testing.T) {
		opts := DefaultOptions()
		opts.Warninglists = []*Warninglist{NewWarninglist("top", "google.com")}
		ms := Extract("https://docs.google.com/x", opts)
		if len(ms) != 2 || ms[0].Warninglist != "top" || ms[1].Warninglist != "top" {
			t.Errorf("got %+v", ms)
		}
	})
}

func TestParseTypes(t *testing.T) {
	cases := []struct {
		in      string
		want    TypeSet
		wantErr bool
	}{
		{"ipv4,domain", NewTypeSet(TypeIPv4, TypeDomain), false},
		{" URL , email ", NewTypeSet(TypeURL, TypeEmail), false},
		{"hash", NewTypeSet(TypeMD5, TypeSHA1, TypeSHA256, TypeSHA512), false},
		{"ip", NewTypeSet(TypeIPv4, TypeIPv6, TypeCIDR), false},
		{"", 0, false},
		{"ipv5", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTypes(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("ParseTypes(%q) = %b, %v; want %b, err=%v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
	for _, ty := range AllTypes() {
		if p, ok := ParseType(ty.String()); !ok || p != ty {
			t.Errorf("ParseType(%q) = %v, %v", ty.String(), p, ok)
		}
	}
}

func TestMatchJSON(t *testing.T) {
	cases := []struct {
		name string
		m    Match
		want string
	}{
		{"plain", Match{Type: TypeIPv4, Value: "1.2.3.4", Raw: "1.2.3.4", Offset: 7},
			`{"type":"ipv4","value":"1.2.3.4","raw":"1.2.3.4","offset":7}`},
		{"flags and list", Match{Type: TypeDomain, Value: "example.com", Raw: "example[.]com", Offset: 0, Flags: FlagDefanged | FlagDocumentation, Warninglist: "example-domains"},
			`{"type":"domain","value":"example.com","raw":"example[.]com","offset":0,"flags":["documentation","defanged"],"warninglist":"example-domains"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.m)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
			var back Match
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back != tc.m {
				t.Errorf("round trip: got %+v, want %+v", back, tc.m)
			}
		})
	}
}

func TestRefang(t *testing.T) {
	cases := []struct{ in, want string }{
		{"hxxps[://]evil[.]com[/]path", "https://evil.com/path"},
		{"hXXp://a(.)b{.}c[dot]d(dot)e{dot}f", "http://a.b.c.d.e.f"},
		{"user[@]x[.]com user(at)y[.]com", "user@x.com user@y.com"},
		{`evil\.com and evil dot net`, "evil.com and evil.net"},
		{"fxp[:]//files", "ftp://files"},
		{"nothing to do [x] (y)", "nothing to do [x] (y)"},
		{"h**p://a.com H**PS://b.com **bold**", "http://a.com https://b.com **bold**"},
		{"google[.)com 10(.10 x(/)y foo(.bar)", "google.com 10.10 x/y foo(.bar)"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := Refang(tc.in); got != tc.want {
				t.Errorf("Refang(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func ExampleExtract() {
	for _, m := range Extract("C2: hxxps[://]update-check[.]net/gate.php (185.100.87.21)", DefaultOptions()) {
		fmt.Println(m.Type, m.Value, m.Offset)
	}
	// Output:
	// url https://update-check.net/gate.php 4
	// domain update-check.net 14
	// ipv4 185.100.87.21 43
}
