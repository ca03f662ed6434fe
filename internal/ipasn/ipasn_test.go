package ipasn_test

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/ipasn"
	"github.com/spoor/spoor/internal/testenv"
)

// The dataset's forms: IPv4 as numbers, IPv6 written out; a block nested
// in its parent's, as the dataset has (a department inside its ministry).
const (
	v4CSV = "16777216,16777471,13335,\"Cloudflare, Inc.\"\n" +
		"3596550144,3607166975,749,United States Department of Defense (DoD)\n" +
		"3607101440,3607167999,721,DoD Network Information Center\n" +
		"3607168000,3607168255,721,DoD Network Information Center\n"
	v6CSV = "2001::,2001::ffff:ffff:ffff:ffff:ffff:ffff,6939,Hurricane Electric LLC\n" +
		"2001:200::,2001:200:1b9:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project\n" +
		"2001:200:10::,2001:200:10::ff,64500,Nested Lab\n"
)

func TestTableLookup(t *testing.T) {
	built, err := ipasn.FromCSV(strings.NewReader(v4CSV), strings.NewReader(v6CSV), "test-1")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := built.Write(&buf); err != nil {
		t.Fatal(err)
	}
	tab, err := ipasn.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if tab.Version != "test-1" {
		t.Errorf("version %q", tab.Version)
	}
	for _, tc := range []struct {
		addr string
		want string // "" for none
	}{
		{"1.0.0.1", "AS13335 Cloudflare, Inc."},
		{"1.0.1.0", ""},
		{"214.100.0.1", "AS749 United States Department of Defense (DoD)"},
		{"215.0.0.1", "AS721 DoD Network Information Center"}, // inside both: the nested block wins
		{"215.1.0.0", "AS721 DoD Network Information Center"}, // past the parent's end
		{"::ffff:1.0.0.9", "AS13335 Cloudflare, Inc."},
		{"2001::1", "AS6939 Hurricane Electric LLC"},
		{"2001:200:10::7", "AS64500 Nested Lab"},
		{"2001:200:11::1", "AS2500 WIDE Project"}, // the parent's part after the nested block
		{"2001:200:f::1", "AS2500 WIDE Project"},  // and before it
		{"2a00::1", ""},
	} {
		a, ok := tab.Lookup(netip.MustParseAddr(tc.addr))
		got := ""
		if ok {
			got = a.String() + " " + a.Name
		}
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.addr, got, tc.want)
		}
	}
	b := buf.Bytes()
	for name, bad := range map[string][]byte{
		"cut short": b[:len(b)/2], "not a table": []byte("PK\x03\x04 zip"), "empty": nil,
		"huge count": append(append([]byte{}, b[:8+len("test-1")]...), 0xff, 0xff, 0xff, 0x7f),
	} {
		if _, err := ipasn.Read(bytes.NewReader(bad)); err == nil {
			t.Errorf("%s: read", name)
		}
	}
	for _, bad := range []struct{ v4, v6, want string }{
		{"1,2,x,name\n", "", "IPv4 CSV line 1"},
		{"5,1,3,name\n", "", "IPv4 CSV line 1"},
		{"", "2001::,nothing,1,x\n", "IPv6 CSV line 1"},
		{"1,2,3\n", "", "IPv4 CSV"},
	} {
		if _, err := ipasn.FromCSV(strings.NewReader(bad.v4), strings.NewReader(bad.v6), "x"); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q %q: %v, want %q", bad.v4, bad.v6, err, bad.want)
		}
	}
}

// TestEmbeddedTable checks the table make assets embeds on addresses
// whose networks are stable; without the data it skips (CI builds it).
func TestEmbeddedTable(t *testing.T) {
	if _, err := ipasn.Default(); err == ipasn.ErrNoData {
		if testenv.CI() {
			t.Fatal("CI: the ASN table is not embedded; make assets builds it")
		}
		t.Skip("no ASN table embedded (make assets builds it)")
	}
	for addr, want := range map[string]uint32{"1.1.1.1": 13335, "8.8.8.8": 15169, "2606:4700:4700::1111": 13335} {
		if a, ok := ipasn.Lookup(addr); !ok || a.Number != want {
			t.Errorf("%s: %v %v, want AS%d", addr, a, ok, want)
		}
	}
	if _, ok := ipasn.Lookup("10.0.0.1"); ok {
		t.Error("a private address has no ASN")
	}
	if ipasn.Version() == "" {
		t.Error("no dataset version")
	}
}

func BenchmarkLookup(b *testing.B) {
	tab, err := ipasn.Default()
	if err != nil {
		b.Skip(err)
	}
	addr := netip.MustParseAddr("81.2.69.142")
	for b.Loop() {
		tab.Lookup(addr)
	}
}
