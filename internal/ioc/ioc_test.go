package ioc_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/ioc"
)

// Black-box tests of the public API: Extract, the Scanner, Check, the
// types and flags. The package's own tests (extract_test.go and the fuzz
// targets) cover the engine's insides.

// found renders matches as "type value" lines, with "[flag,…]" after
// flagged ones.
func found(ms []ioc.Match) []string {
	out := []string{}
	for _, m := range ms {
		line := m.Type.String() + " " + m.Value
		if f := m.Flags.Names(); len(f) > 0 {
			line += " [" + strings.Join(f, ",") + "]"
		}
		out = append(out, line)
	}
	return out
}

type extractCase struct {
	name string
	in   string
	want []string
}

// runExtract checks each case with Extract and with the Scanner, which
// must agree, and checks that every Raw is the input at its Offset.
func runExtract(t *testing.T, cases []extractCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ms := ioc.Extract(tc.in, ioc.DefaultOptions())
			if diff := cmp.Diff(tc.want, found(ms)); diff != "" {
				t.Errorf("Extract(%.80q) (-want +got):\n%s", tc.in, diff)
			}
			for _, m := range ms {
				if m.Raw != tc.in[m.Offset:m.Offset+int64(len(m.Raw))] {
					t.Errorf("%s: Raw %q is not the input at offset %d", m.Type, m.Raw, m.Offset)
				}
			}
			var streamed []ioc.Match
			sc := ioc.NewScanner(strings.NewReader(tc.in), ioc.DefaultOptions())
			for sc.Scan() {
				streamed = append(streamed, sc.Match())
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ms, streamed, cmpNilEmpty); diff != "" {
				t.Errorf("Scanner differs from Extract (-extract +scanner):\n%s", diff)
			}
		})
	}
}

var cmpNilEmpty = cmp.Comparer(func(a, b []ioc.Match) bool { return slices.Equal(a, b) })

func TestMixedCaseDomains(t *testing.T) {
	runExtract(t, []extractCase{
		{"title-case TLD", "beacons to evil.Com daily", []string{"domain evil.com"}},
		{"capital TLD after CamelCase", "C2 BadHost.RU", []string{"domain badhost.ru"}},
		{"country code in title case", "mail from Mail.Ru", []string{"domain mail.ru"}},
		{"subdomain", "www.Evil.Com", []string{"domain www.evil.com"}},
		{"capitalised name, lower TLD", "Google.com works", []string{"domain google.com"}},
		{"all capitals", "EVIL.COM", []string{"domain evil.com"}},
		// What the capitalised-TLD rule was for stays out.
		{"code namespace, capital TLD", "using System.IO;", []string{}},
		{"code namespace, title TLD", "System.Net and Microsoft.Win32", []string{}},
		{"title TLD that is a word", "Foo.Bar and Microsoft.Windows", []string{}},
		{"glued sentence", "the attack.In the end", []string{}},
		{"glued sentence, capitals", "the tool.IT teams", []string{}},
		{"dot NET", "built with Json.NET in Visual Studio.Net", []string{}},
		{"company suffix", "Aliyun Computing Co.LTD", []string{}},
		{"numbered list", "9.Ls - list files", []string{}},
		{"capitalised chain", "Microsoft.Office.Com", []string{}},
		{"odd case TLD", "evil.cOm", []string{}},
		// Context decides for names the text rules refuse.
		{"defanged", "System[.]IO", []string{"domain system.io [defanged]"}},
		{"URL host", "http://Foo.Bar/x", []string{"url http://foo.bar/x", "domain foo.bar"}},
		{"hint word", "C2 domain: Microsoft.Windows", []string{"domain microsoft.windows"}},
	})
}

func TestCodeIdentifiers(t *testing.T) {
	runExtract(t, []extractCase{
		{"member names", "user.name document.body obj.data this.id", []string{}},
		{"chains", "window.location.href; window.location.host", []string{}},
		{"single-letter object", "e.target.id", []string{}},
		{"camelCase", "fileInfo.name", []string{}},
		{"style", "element.style", []string{}},
		{"logging", "logger.info(msg)", []string{}},
		// Real names with those TLDs stay domains.
		{"plain name", "update.info and check.top", []string{"domain update.info", "domain check.top"}},
		{"defanged", "user[.]name", []string{"domain user.name [defanged]"}},
		{"URL", "http://user.name/x", []string{"url http://user.name/x", "domain user.name"}},
		{"hint word", "domain: obj.data", []string{"domain obj.data"}},
		{"e-mail", "a@user.name", []string{"email a@user.name", "domain user.name"}},
	})
}

func TestDefangNotations(t *testing.T) {
	runExtract(t, []extractCase{
		{"square opener, round closer", "google[.)com", []string{"domain google.com [defanged]"}},
		{"round opener, square closer", "google(.]com", []string{"domain google.com [defanged]"}},
		{"lost closer", "10[.]10(.10\\.10", []string{"ipv4 10.10.10.10 [private,defanged]"}},
		{"round slash", "example(.)com(/)path", []string{"domain example.com [documentation,defanged]"}},
		{"round slash in URL", "hxxp://evil(.)com(/)gate.php", []string{"url http://evil.com/gate.php [defanged]", "domain evil.com [defanged]"}},
		{"starred scheme", "h**p://evil.com/x", []string{"url http://evil.com/x [defanged]", "domain evil.com"}},
		{"starred tls scheme", "H**PS://evil.com", []string{"url https://evil.com [defanged]", "domain evil.com"}},
		{"starred scheme, bracket", "h**ps[://]evil[.]com", []string{"url https://evil.com [defanged]", "domain evil.com [defanged]"}},
		// Brackets of code stay brackets.
		{"call", "foo(.bar)", []string{}},
		{"smiley", "ok (:) fine", []string{}},
		{"markdown bold", "**Note** h**p is not a scheme", []string{}},
	})
}

func TestLongURL(t *testing.T) {
	long := "https://evil.com/x?q=" + strings.Repeat("A", 6000)
	ms := ioc.Extract("see "+long+" now", ioc.DefaultOptions())
	if len(ms) != 2 {
		t.Fatalf("got %d matches, want the URL and its host: %v", len(ms), found(ms))
	}
	u, host := ms[0], ms[1]
	if u.Type != ioc.TypeURL || u.Flags&ioc.FlagTruncated == 0 || !strings.HasPrefix(long, u.Value) || len(u.Raw) > ioc.MaxValue || len(u.Raw) < ioc.MaxValue-4 {
		t.Errorf("URL = %s %q… (%d bytes, flags %v), want a prefix of the URL of about %d bytes, truncated", u.Type, u.Value[:40], len(u.Value), u.Flags, ioc.MaxValue)
	}
	if host.Type != ioc.TypeDomain || host.Value != "evil.com" || host.Flags != 0 {
		t.Errorf("host = %+v", host)
	}
	// A long run without a URL is still passed over whole.
	if ms := ioc.Extract(strings.Repeat("QUFB", 2000)+"evil.com", ioc.DefaultOptions()); len(ms) != 0 {
		t.Errorf("long base64 run: %v", found(ms))
	}
	// A URL under the limit is not flagged.
	ms = ioc.Extract("https://evil.com/"+strings.Repeat("a", 3000), ioc.DefaultOptions())
	if len(ms) != 2 || ms[0].Flags != 0 {
		t.Errorf("short URL: %v", found(ms))
	}
}

func TestMAC(t *testing.T) {
	runExtract(t, []extractCase{
		{"colons", "MAC 00:1A:2B:3C:4D:5E", []string{"mac 00:1a:2b:3c:4d:5e"}},
		{"dashes", "00-1a-2b-3c-4d-5e,", []string{"mac 00:1a:2b:3c:4d:5e"}},
		{"dashes, letters only", "aa-bb-cc-dd-ee-fe", []string{"mac aa:bb:cc:dd:ee:fe"}},
		{"cisco", "0011.2233.44aa", []string{"mac 00:11:22:33:44:aa"}},
		{"multicast", "01:00:5e:00:00:fb", []string{"mac 01:00:5e:00:00:fb [multicast]"}},
		{"all zero", "00:00:00:00:00:00", []string{}},
		{"broadcast", "FF:FF:FF:FF:FF:FF", []string{}},
		{"mixed separators", "00:11-22:33-44:55", []string{}},
		{"seven groups", "00:11:22:33:44:55:66", []string{}},
		{"not hex", "00:11:22:33:44:5g", []string{}},
		{"cisco without a digit is a name", "dead.beef.cafe", []string{"domain dead.beef.cafe"}},
		{"time", "12:30:45", []string{}},
	})
}

func TestWallets(t *testing.T) {
	runExtract(t, []extractCase{
		{"btc p2pkh", "pay 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 now", []string{"btc 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"}},
		{"btc p2sh", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", []string{"btc 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"}},
		{"btc bad checksum", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", []string{}},
		{"btc bech32", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", []string{"btc bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}},
		{"btc bech32 upper", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", []string{"btc bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}},
		{"btc bech32m taproot", "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297", []string{"btc bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"}},
		{"btc bech32 mixed case", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdQ", []string{}},
		{"btc bech32 bad checksum", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", []string{}},
		{"btc v0 with bech32m checksum", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", []string{}},
		{"eth checksummed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", []string{"eth 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"}},
		{"eth checksummed 2", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", []string{"eth 0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"}},
		{"eth lower case", "0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb", []string{"eth 0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb"}},
		{"eth bad checksum", "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", []string{}},
		{"eth zero address", "0x0000000000000000000000000000000000000000", []string{}},
		{"xmr", "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
			[]string{"xmr 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"}},
		{"xmr bad checksum", "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3B", []string{}},
		{"md5 stays a hash", "3d41d8cd98f00b204e9800998ecf8427", []string{"md5 3d41d8cd98f00b204e9800998ecf8427"}},
	})
}

func TestRegistryKeys(t *testing.T) {
	runExtract(t, []extractCase{
		{"short hive", `reg add HKLM\Software\Microsoft\Windows\CurrentVersion\Run /v x`,
			[]string{`regkey HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Run`}},
		{"long hive", `HKEY_CURRENT_USER\Software\Classes\ms-settings\shell\open\command.`,
			[]string{`regkey HKEY_CURRENT_USER\Software\Classes\ms-settings\shell\open\command`}},
		{"every short hive", `HKCU\a HKCR\b HKU\c HKCC\d`,
			[]string{`regkey HKEY_CURRENT_USER\a`, `regkey HKEY_CLASSES_ROOT\b`, `regkey HKEY_USERS\c`, `regkey HKEY_CURRENT_CONFIG\d`}},
		{"powershell drive", `Get-Item HKCU:\Software\x`, []string{`regkey HKEY_CURRENT_USER\Software\x`}},
		{"in a JSON string", `"k":"\nHKLM\\Software\\Evil\r\n"`, []string{`regkey HKEY_LOCAL_MACHINE\Software\Evil`}},
		{"spaced name", `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon (Userinit)`,
			[]string{`regkey HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`}},
		{"quoted, doubled backslashes", `"HKLM\\Software\\Evil"`, []string{`regkey HKEY_LOCAL_MACHINE\Software\Evil`}},
		{"trailing backslash", `HKLM\Software\Evil\`, []string{`regkey HKEY_LOCAL_MACHINE\Software\Evil`}},
		{"a name glued before the key comes first", `evil.COM!HKLM\Software\Evil`,
			[]string{"domain evil.com", `regkey HKEY_LOCAL_MACHINE\Software\Evil`}},
		{"hive alone", `HKLM\ and HKCU`, []string{}},
		{"not a hive", `XHKLM\Software`, []string{}},
	})
}

func TestFilePaths(t *testing.T) {
	runExtract(t, []extractCase{
		{"drive", `dropped C:\Users\Public\evil.exe and ran it`, []string{`filepath C:\Users\Public\evil.exe`}},
		{"spaced names", `"C:\Program Files (x86)\Common Files\x.dll"`, []string{`filepath C:\Program Files (x86)\Common Files\x.dll`}},
		{"environment variable", `%APPDATA%\Microsoft\up.ps1;`, []string{`filepath %APPDATA%\Microsoft\up.ps1`}},
		{"environment variable, doubled", `%AppData%\\Microsoft\\up.exe`, []string{`filepath %AppData%\Microsoft\up.exe`}},
		{"UNC with its host", `\\evil.com\share\a.exe`, []string{`filepath \\evil.com\share\a.exe`, "domain evil.com"}},
		{"UNC address", `\\10.1.2.3\c$\a.exe`, []string{`filepath \\10.1.2.3\c$\a.exe`, "ipv4 10.1.2.3 [private]"}},
		{"named pipe", `\\.\pipe\msagent_12`, []string{`filepath \\.\pipe\msagent_12`}},
		{"doubled backslashes", `C:\\Users\\Public\\a.ps1`, []string{`filepath C:\Users\Public\a.ps1`}},
		{"in a JSON string", `"cmd":"run\nC:\\Users\\Public\\a.ps1\n"`, []string{`filepath C:\Users\Public\a.ps1`}},
		{"directory", `C:\Windows\System32`, []string{}},
		{"unknown extension", `C:\Windows\win.ini`, []string{}},
		{"unix", "wget -O /tmp/.x/bot.sh", []string{"filepath /tmp/.x/bot.sh"}},
		{"unix drop directory", "chmod +x /dev/shm/kinsing", []string{"filepath /dev/shm/kinsing"}},
		{"unix system file", "cat /etc/passwd and /usr/bin/id", []string{}},
		{"unix with extension", "/usr/lib/x.so.1 /opt/app/run.py", []string{"filepath /opt/app/run.py"}},
		{"not a root", "and/or TCP/IP /api/v1/x.php", []string{}},
		{"URL path is the URL's", "http://1.2.3.4/tmp/x.sh", []string{"url http://1.2.3.4/tmp/x.sh", "ipv4 1.2.3.4"}},
		{"regular expression", `\d+\.\d+ and [a-z]+\s\\`, []string{}},
	})
}

func TestFileNames(t *testing.T) {
	runExtract(t, []extractCase{
		{"executables", "ran svchost.exe, then Invoice.PDF.exe", []string{"filename svchost.exe", "filename Invoice.PDF.exe"}},
		{"scripts", "stage.ps1 run.vbs x.hta", []string{"filename stage.ps1", "filename run.vbs", "filename x.hta"}},
		{"documents", "lure.docm and report.pdf", []string{"filename lure.docm", "filename report.pdf"}},
		{"plain documents are not listed", "notes.txt config.json image.png", []string{}},
		{"library names", "Node.js and React.js", []string{}},
		{"glued sentence", "the Microsoft.One note and the file.Doc", []string{}},
		{"defanged", "Sobhi[.]exe", []string{"filename Sobhi.exe [defanged]"}},
		{"spaced dot is prose", "a dot doc", []string{}},
		{"hash named", "d41d8cd98f00b204e9800998ecf8427e.exe", []string{"md5 d41d8cd98f00b204e9800998ecf8427e"}},
		{"domain wins with three labels", "cdn.update.zip", []string{"domain cdn.update.zip"}},
		{"domain wins with a hint", "C2: update.zip", []string{"domain update.zip"}},
		{"in a URL path it is the URL's", "http://evil.com/a/setup.exe", []string{"url http://evil.com/a/setup.exe", "domain evil.com"}},
	})
}

func TestJA3JA4(t *testing.T) {
	const h = "e7d705a3286e19ea42f587b344ee6865"
	runExtract(t, []extractCase{
		{"ja3 word", "JA3: " + h, []string{"ja3 " + h}},
		{"ja3 key", "ja3_hash=" + h, []string{"ja3 " + h}},
		{"ja3s is not ja3", "JA3S " + h, []string{"md5 " + h}},
		{"another hash between", "JA3 " + h + " MD5 " + h, []string{"ja3 " + h, "md5 " + h}},
		{"word on the line before", "JA3\n" + h, []string{"md5 " + h}},
		{"plain md5", h, []string{"md5 " + h}},
		{"ja4", "JA4 t13d1516h2_8daaf6152771_b186095e22b6", []string{"ja4 t13d1516h2_8daaf6152771_b186095e22b6"}},
		{"ja4 quic", "q13i0310h3_55b375c5d22e_cd85d2d88918", []string{"ja4 q13i0310h3_55b375c5d22e_cd85d2d88918"}},
		{"ja4 bad version", "t14d1516h2_8daaf6152771_b186095e22b6", []string{}},
		{"ja4 bad hash", "t13d1516h2_8daaf615277g_b186095e22b6", []string{}},
	})
}

func TestTypesAndFamilies(t *testing.T) {
	for _, name := range []string{"mac", "btc", "eth", "xmr", "regkey", "filepath", "filename", "ja3", "ja4", "asn"} {
		ty, ok := ioc.ParseType(name)
		if !ok || ty.String() != name || !slices.Contains(ioc.AllTypes(), ty) {
			t.Errorf("ParseType(%q) = %v, %v, want a listed type of that name", name, ty, ok)
		}
	}
	cases := []struct {
		list string
		want []ioc.Type
	}{
		{"wallet", []ioc.Type{ioc.TypeBTC, ioc.TypeETH, ioc.TypeXMR}},
		{"file, mac", []ioc.Type{ioc.TypeMAC, ioc.TypeFilePath, ioc.TypeFileName}},
	}
	for _, tc := range cases {
		set, err := ioc.ParseTypes(tc.list)
		if err != nil {
			t.Fatal(err)
		}
		var got []ioc.Type
		for _, ty := range ioc.AllTypes() {
			if set.Has(ty) {
				got = append(got, ty)
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseTypes(%q) (-want +got):\n%s", tc.list, diff)
		}
	}
	// The JSONL form names the new types and the truncated flag.
	m := ioc.Match{Type: ioc.TypeRegKey, Value: `HKEY_USERS\x`, Raw: `HKU\x`, Flags: ioc.FlagTruncated}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"regkey","value":"HKEY_USERS\\x","raw":"HKU\\x","offset":0,"flags":["truncated"]}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name  string
		value string
		want  []ioc.Type
		// the answer: "type value label", or the error
		ok, err string
		reason  ioc.Reason
	}{
		{"defanged URL", " hxxp://Evil[.]COM/x ", []ioc.Type{ioc.TypeURL}, "url http://evil.com/x ", "", 0},
		{"any type", "D41D8CD98F00B204E9800998ECF8427E", nil, "md5 d41d8cd98f00b204e9800998ecf8427e ", "", 0},
		{"warninglist", "8.8.8.8", []ioc.Type{ioc.TypeIPv4}, "ipv4 8.8.8.8 public-resolvers", "", 0},
		{"special range", "10.1.2.3", nil, "ipv4 10.1.2.3 private", "", 0},
		{"documentation list before flag", "192.0.2.7", nil, "ipv4 192.0.2.7 documentation", "", 0},
		{"defanged is no label", "evil[.]com", nil, "domain evil.com ", "", 0},
		{"wrapped", `"a@b.com".`, nil, "email a@b.com ", "", 0},
		{"trailing dot", "evil.com.", []ioc.Type{ioc.TypeDomain}, "domain evil.com ", "", 0},
		{"file TLD claimed a domain", "update.zip", []ioc.Type{ioc.TypeDomain}, "domain update.zip ", "", 0},
		{"file TLD as a file", "update.zip", []ioc.Type{ioc.TypeFileName}, "filename update.zip ", "", 0},
		{"code-like name claimed a domain", "user.name", []ioc.Type{ioc.TypeDomain}, "domain user.name ", "", 0},
		{"mixed case claimed a domain", "Example.ORG", []ioc.Type{ioc.TypeDomain}, "domain example.org example-domains", "", 0},
		{"ja3 claimed", "e7d705a3286e19ea42f587b344ee6865", []ioc.Type{ioc.TypeJA3}, "ja3 e7d705a3286e19ea42f587b344ee6865 ", "", 0},
		{"md5 or ja3", "e7d705a3286e19ea42f587b344ee6865", []ioc.Type{ioc.TypeMD5, ioc.TypeJA3}, "md5 e7d705a3286e19ea42f587b344ee6865 ", "", 0},
		{"regkey", `HKLM\Software\Evil`, []ioc.Type{ioc.TypeRegKey}, `regkey HKEY_LOCAL_MACHINE\Software\Evil `, "", 0},
		{"asn", "AS64500", nil, "asn AS64500 documentation", "", 0},
		{"empty", "  ", nil, "", "empty value", ioc.ReasonEmpty},
		{"too long", strings.Repeat("a", ioc.MaxValue+1), nil, "", "is too long", ioc.ReasonTooLong},
		{"nothing", "not an indicator", []ioc.Type{ioc.TypeIPv4}, "", `"not an indicator" is not a valid ipv4`, ioc.ReasonNone},
		{"nothing, any type", "hello", nil, "", `"hello" is not an indicator`, ioc.ReasonNone},
		{"text before", "x evil.com", nil, "", `"x evil.com" is not one indicator: "x " precedes the domain`, ioc.ReasonLeading},
		{"two", "1.2.3.4 5.6.7.8", []ioc.Type{ioc.TypeIPv4}, "", `"1.2.3.4 5.6.7.8" holds more than one indicator`, ioc.ReasonSeveral},
		{"port", "1.2.3.4:8080", []ioc.Type{ioc.TypeIPv4}, "", `"1.2.3.4:8080" is not one indicator: ":8080" follows the ipv4`, ioc.ReasonTrailing},
		{"wrong type", "http://evil.com/x", []ioc.Type{ioc.TypeDomain}, "", `"http://evil.com/x" is a url, not a domain`, ioc.ReasonType},
		{"wrong of two", "d41d8cd98f00b204e9800998ecf8427e", []ioc.Type{ioc.TypeSHA1, ioc.TypeSHA256}, "", `is a md5, not a sha1 or sha256`, ioc.ReasonType},
		{"bad wallet", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", []ioc.Type{ioc.TypeBTC}, "", `is not a valid btc`, ioc.ReasonNone},
	}
	x := ioc.NewExtractor(ioc.Options{Warninglists: ioc.DefaultWarninglists()})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, check := range []func(string, ...ioc.Type) (ioc.Match, error){ioc.Check, x.Check} {
				m, err := check(tc.value, tc.want...)
				if tc.err == "" {
					if err != nil {
						t.Fatalf("Check(%q, %v): %v", tc.value, tc.want, err)
					}
					if got := m.Type.String() + " " + m.Value + " " + m.Label(); got != tc.ok {
						t.Errorf("Check(%q, %v) = %q, want %q", tc.value, tc.want, got, tc.ok)
					}
					continue
				}
				var ce *ioc.CheckError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.err) || ce.Reason != tc.reason {
					t.Fatalf("Check(%.40q, %v) = %+v, %v; want reason %d, error containing %q", tc.value, tc.want, m, err, tc.reason, tc.err)
				}
				if v := strings.TrimSpace(tc.value); v != "" && len(v) < 100 && strings.Contains(ce.Why(), v) {
					t.Errorf("Why() = %q names the value", ce.Why())
				}
			}
		})
	}
	// An Extractor's own options do not change what Check reads.
	y := ioc.NewExtractor(ioc.Options{Types: ioc.NewTypeSet(ioc.TypeMD5)})
	if m, err := y.Check("hxxp://evil[.]com/x"); err != nil || m.Value != "http://evil.com/x" {
		t.Errorf("Check with a type filter = %+v, %v", m, err)
	}
	// After a Check, Extract gives what it gave before.
	text := "update.zip user.name e7d705a3286e19ea42f587b344ee6865"
	if diff := cmp.Diff(ioc.Extract(text, ioc.DefaultOptions()), ioc.NewExtractor(ioc.DefaultOptions()).Extract(text)); diff != "" {
		t.Fatal(diff)
	}
	z := ioc.NewExtractor(ioc.DefaultOptions())
	if _, err := z.Check("update.zip", ioc.TypeDomain); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ioc.Extract(text, ioc.DefaultOptions()), z.Extract(text)); diff != "" {
		t.Errorf("Extract after Check (-want +got):\n%s", diff)
	}
}

func TestLabel(t *testing.T) {
	cases := []struct {
		m    ioc.Match
		want string
	}{
		{ioc.Match{Flags: ioc.FlagPrivate}, "private"},
		{ioc.Match{Flags: ioc.FlagDefanged | ioc.FlagDocumentation}, "documentation"},
		{ioc.Match{Flags: ioc.FlagDefanged | ioc.FlagVersionLike | ioc.FlagTruncated}, ""},
		{ioc.Match{Flags: ioc.FlagPrivate, Warninglist: "top-1m"}, "top-1m"},
		{ioc.Match{Flags: ioc.FlagMulticast}, "multicast"},
	}
	for _, tc := range cases {
		if got := tc.m.Label(); got != tc.want {
			t.Errorf("%v / %q: Label() = %q, want %q", tc.m.Flags, tc.m.Warninglist, got, tc.want)
		}
	}
}

func ExampleCheck() {
	m, err := ioc.Check("hxxps[://]Update-Check[.]NET/gate.php", ioc.TypeURL)
	fmt.Println(m.Type, m.Value, m.Flags, err)
	_, err = ioc.Check("8.8.8.8:53", ioc.TypeIPv4)
	fmt.Println(err)
	// Output:
	// url https://update-check.net/gate.php defanged <nil>
	// "8.8.8.8:53" is not one indicator: ":53" follows the ipv4
}
