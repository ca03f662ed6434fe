package ioc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadWarninglist(t *testing.T) {
	in := strings.Join([]string{
		"# popular domains",
		"rank,domain",
		"1,google.com",
		"2,Mail.RU",
		"",
		"github.com # trailing comment",
		"8.8.8.8",
		"10.0.0.0/8",
		"2001:4860:4860::8888",
		"44d88612fea8a8f36de82e1278abb02f",
		"evil[.]example",
	}, "\n")
	w, err := LoadWarninglist("top", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if w.Name() != "top" || w.Len() != 8 {
		t.Fatalf("Name %q Len %d, want top 8", w.Name(), w.Len())
	}
	cases := []struct {
		name string
		typ  Type
		val  string
		want bool
	}{
		{"exact domain", TypeDomain, "google.com", true},
		{"subdomain walks up", TypeDomain, "mail.google.com", true},
		{"deep subdomain", TypeDomain, "a.b.c.github.com", true},
		{"case-insensitive", TypeDomain, "MAIL.RU", true},
		{"suffix is not parent", TypeDomain, "notgoogle.com", false},
		{"parent is not child", TypeDomain, "com", false},
		{"refanged entry", TypeDomain, "evil.example", true},
		{"url by host", TypeURL, "docs.google.com", true},
		{"url by ip host", TypeURL, "10.1.1.1", true},
		{"url by ipv6 host", TypeURL, "[2001:4860:4860::8888]", true},
		{"domain with a leading digit", TypeDomain, "8.8.8.8.example", false},
		{"ipv4 exact", TypeIPv4, "8.8.8.8", true},
		{"ipv4 in network", TypeIPv4, "10.200.0.1", true},
		{"ipv4 outside", TypeIPv4, "11.0.0.1", false},
		{"ipv6", TypeIPv6, "2001:4860:4860::8888", true},
		{"cidr inside", TypeCIDR, "10.1.0.0/16", true},
		{"cidr wider", TypeCIDR, "10.0.0.0/7", false},
		{"hash exact", TypeMD5, "44D88612FEA8A8F36DE82E1278ABB02F", true},
		{"hash other", TypeMD5, "d41d8cd98f00b204e9800998ecf8427e", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := w.Contains(tc.typ, tc.val); got != tc.want {
				t.Errorf("Contains(%s, %q) = %v, want %v", tc.typ, tc.val, got, tc.want)
			}
		})
	}
}

func TestLoadWarninglistTooLongLine(t *testing.T) {
	_, err := LoadWarninglist("big", strings.NewReader(strings.Repeat("a", 2<<20)))
	if err == nil {
		t.Fatal("want an error for a 2 MiB line")
	}
}

func TestDefaultWarninglists(t *testing.T) {
	names := map[string]bool{}
	for _, w := range DefaultWarninglists() {
		names[w.Name()] = true
		if w.Len() == 0 {
			t.Errorf("list %s is empty", w.Name())
		}
	}
	for _, n := range []string{"public-resolvers", "documentation", "example-domains"} {
		if !names[n] {
			t.Errorf("missing built-in list %s", n)
		}
	}
}

// TestTrancoWarninglist loads the real rank list from the shared data.
func TestTrancoWarninglist(t *testing.T) {
	f, err := os.Open(filepath.Join(sharedData(t), "domain-reputation", "tranco_top40k.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := LoadWarninglist("tranco-top40k", f)
	if err != nil {
		t.Fatal(err)
	}
	if w.Len() != 40000 {
		t.Errorf("Len = %d, want 40000", w.Len())
	}
	opts := DefaultOptions()
	opts.Warninglists = []*Warninglist{w}
	ms := Extract("beacons to login.live.com and update-check[.]xyz", opts)
	if len(ms) != 2 || ms[0].Warninglist != "tranco-top40k" || ms[1].Warninglist != "" {
		t.Errorf("got %+v", ms)
	}
}
