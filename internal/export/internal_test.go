package export

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

func TestRPZIP(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.2.3.4/32", "32.4.3.2.1.rpz-ip"},
		{"198.51.100.0/24", "24.0.100.51.198.rpz-ip"},
		// The examples of the RPZ draft and Unbound's manual.
		{"2001:db8:0:1::57/128", "128.57.zz.1.0.db8.2001.rpz-ip"},
		{"2001:db8::10/32", "32.zz.db8.2001.rpz-ip"}, // masked: 2001:db8::/32
		{"2001:db8::1/128", "128.1.zz.db8.2001.rpz-ip"},
		{"::1/128", "128.1.zz.rpz-ip"},
		{"2001:db8:1:0:1::/80", "80.zz.1.0.1.db8.2001.rpz-ip"},     // the longer run of zeros
		{"2001:0:0:1:0:0:1:1/128", "128.1.1.0.0.1.zz.2001.rpz-ip"}, // of two equal runs, the first
		{"1:2:3:4:5:6:7:8/128", "128.8.7.6.5.4.3.2.1.rpz-ip"},
		{"1:2:3:4:5:6:7:0/128", "128.0.7.6.5.4.3.2.1.rpz-ip"}, // one zero word stays a word
	}
	for _, tt := range tests {
		p := netip.MustParsePrefix(tt.in).Masked()
		if got := rpzIP(p); got != tt.want {
			t.Errorf("rpzIP(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestSTIXPattern(t *testing.T) {
	tests := []struct {
		typ        intel.IndicatorType
		value      string
		want, skip string
	}{
		{intel.IndicatorIPv4, "198.51.100.1", "[ipv4-addr:value = '198.51.100.1']", ""},
		{intel.IndicatorIPv6, "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']", ""},
		{intel.IndicatorCIDR, "10.0.0.0/8", "[ipv4-addr:value = '10.0.0.0/8']", ""},
		{intel.IndicatorCIDR, "2001:db8::/32", "[ipv6-addr:value = '2001:db8::/32']", ""},
		{intel.IndicatorCIDR, "10.0.0.0/33", "", "cidr not a network"},
		{intel.IndicatorDomain, "evil.example", "[domain-name:value = 'evil.example']", ""},
		{intel.IndicatorURL, `http://x.example/it's\here`, `[url:value = 'http://x.example/it\'s\\here']`, ""},
		{intel.IndicatorEmail, "a@evil.example", "[email-addr:value = 'a@evil.example']", ""},
		{intel.IndicatorMD5, "d41d8cd98f00b204e9800998ecf8427e", "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", ""},
		{intel.IndicatorSHA1, "aa", "[file:hashes.'SHA-1' = 'aa']", ""},
		{intel.IndicatorSHA256, "bb", "[file:hashes.'SHA-256' = 'bb']", ""},
		{intel.IndicatorSHA512, "cc", "[file:hashes.'SHA-512' = 'cc']", ""},
		{intel.IndicatorASN, "AS64500", "[autonomous-system:number = 64500]", ""},
		{intel.IndicatorASN, "AS99999999999", "", "asn not an AS number"},
		{intel.IndicatorCVE, "CVE-2024-3400", "", "cve (not in this format)"},
		{intel.IndicatorTechnique, "T1059", "", "technique (not in this format)"},
	}
	for _, tt := range tests {
		got, skip := stixPattern(&intel.ExportIndicator{Indicator: intel.Indicator{Type: tt.typ, Value: tt.value}})
		if got != tt.want || skip != tt.skip {
			t.Errorf("stixPattern(%s %q) = %q, %q; want %q, %q", tt.typ, tt.value, got, skip, tt.want, tt.skip)
		}
	}
}

func TestContent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"evil.example", "evil.example"},
		{`a"b;c\d|e:f`, `a|22|b|3B|c|5C|d|7C|e|3A|f`},
		{"\"\";", "|22 22 3B|"},
		{"x\r\ny\x00", "x|0D 0A|y|00|"},
		{"ü", "|C3 BC|"},
	}
	for _, tt := range tests {
		if got := content(tt.in); got != tt.want {
			t.Errorf("content(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := msgEscape(`a"b;c\d`), `a\"b\;c\\d`; got != want {
		t.Errorf("msgEscape = %q, want %q", got, want)
	}
}

// TestSIDs: SIDs stay in the range and unique; a key keeps its SID
// whatever else is allocated after it; a collision moves the later rule to
// the next free SID; a full range is an error.
func TestSIDs(t *testing.T) {
	o := Options{SIDBase: 5000, SIDCount: 64}
	s := newSIDs(o)
	seen := map[uint64]string{}
	for i := range 64 {
		key := fmt.Sprintf("dns|domain|h%d.example", i)
		sid, err := s.next(key)
		if err != nil {
			t.Fatal(err)
		}
		if sid < 5000 || sid >= 5064 || seen[sid] != "" {
			t.Fatalf("%s got SID %d (range 5000-5063, taken by %q)", key, sid, seen[sid])
		}
		seen[sid] = key
	}
	if _, err := s.next("one more"); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("full range: err = %v, want invalid", err)
	}

	// Stable: the first key's SID does not depend on what follows.
	a, _ := newSIDs(Options{SIDBase: 1, SIDCount: 1000}).next("ip|ipv4|192.0.2.1")
	b := newSIDs(Options{SIDBase: 1, SIDCount: 1000})
	first, _ := b.next("ip|ipv4|192.0.2.1")
	for i := range 500 {
		b.next(fmt.Sprint(i))
	}
	if a != first {
		t.Errorf("SID of one key: %d alone, %d among others", a, first)
	}
	// Collision: in a range of two SIDs, the second key probes on.
	c := newSIDs(Options{SIDBase: 10, SIDCount: 2})
	x, _ := c.next("x")
	y, _ := c.next("x") // the same key twice collides for sure
	if x == y || x < 10 || x > 11 || y < 10 || y > 11 {
		t.Errorf("collision: SIDs %d and %d, want 10 and 11 in some order", x, y)
	}
}

func TestHostName(t *testing.T) {
	for _, d := range []string{"evil.example", "a-b.c_d.example", "xn--80ak6aa92e.com"} {
		if !hostName(d, 2) {
			t.Errorf("hostName(%q) = false", d)
		}
	}
	long := ""
	for range 64 {
		long += "a"
	}
	for _, d := range []string{"", "com", "a..b", "-a.example", "a-.example", "a b.example", "a\n.example", "Evil.example",
		"a;b.example", `a"b.example`, long + ".example", "*.example"} {
		if hostName(d, 2) {
			t.Errorf("hostName(%q) = true", d)
		}
	}
}
