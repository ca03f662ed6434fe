package match_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/match"
)

const (
	url    = "http://dl.payload.top/drop/stage2.bin"
	md5    = "d41d8cd98f00b204e9800998ecf8427e"
	sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	ip6    = "2a03:b0c0:3:d0::1a2b:1"
	cidr   = "91.219.236.0/24"
	email  = "phish@spoofmail.net"
)

// testIndex holds the planted indicators and some that must never match.
func testIndex(t testing.TB) *match.Index {
	t.Helper()
	b := match.NewBuilder(match.Options{Allow: []string{"allowed-partner.com"}})
	add := func(typ intel.IndicatorType, v, warn string) {
		b.Add(match.Indicator{ID: 1, Type: typ, Value: v, Confidence: 0.8,
			Sources: []string{"feed"}, Groups: []string{"APT-T"}}, warn)
	}
	add(intel.IndicatorIPv4, "45.77.12.34", "")
	add(intel.IndicatorIPv4, "185.220.101.5", "")
	add(intel.IndicatorIPv4, "8.8.8.8", "") // built-in public-resolvers
	add(intel.IndicatorCIDR, cidr, "")
	add(intel.IndicatorIPv6, ip6, "")
	add(intel.IndicatorDomain, "evil-corp.ru", "")
	add(intel.IndicatorDomain, "badsite.xyz", "")
	add(intel.IndicatorDomain, "google.com", "tranco") // stored as warninglisted
	add(intel.IndicatorDomain, "allowed-partner.com", "")
	add(intel.IndicatorDomain, "www.example.com", "") // built-in example-domains
	add(intel.IndicatorURL, url, "")
	add(intel.IndicatorEmail, email, "")
	add(intel.IndicatorMD5, md5, "")
	add(intel.IndicatorSHA256, sha256, "")
	add(intel.IndicatorFileName, "stage2.bin", "")
	return b.Index()
}

func TestIndexSkipped(t *testing.T) {
	ix := testIndex(t)
	want := map[string]int{"public-resolvers": 1, "tranco": 1, match.ReasonAllowList: 1,
		"example-domains": 1, match.ReasonType: 1}
	if diff := cmp.Diff(want, ix.Skipped()); diff != "" {
		t.Errorf("Skipped (-want +got):\n%s", diff)
	}
	if ix.Len() != 10 {
		t.Errorf("Len = %d, want 10", ix.Len())
	}
}

// TestScanFormats finds every planted indicator in a log of each shape,
// and nothing in the decoy lines (longer names, neighbouring numbers,
// longer hashes and URLs, warninglisted and allowed values).
func TestScanFormats(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		file string
		want []string // "line value"
	}{
		{"access_combined.log", []string{"1 45.77.12.34", "1 evil-corp.ru", "2 " + url}},
		{"access_common.log", []string{"1 185.220.101.5", "3 " + cidr, "3 " + md5}},
		{"bind_query.log", []string{"1 evil-corp.ru", "3 badsite.xyz"}},
		{"dnsmasq.log", []string{"1 badsite.xyz", "2 badsite.xyz", "3 badsite.xyz", "3 45.77.12.34"}},
		{"zeek_dns.log", []string{"8 evil-corp.ru", "8 45.77.12.34"}},
		{"zeek_conn.log", []string{"4 " + ip6, "6 " + cidr}},
		{"zeek_http.log", []string{"4 " + url, "5 evil-corp.ru"}},
		{"eve.json", []string{"1 badsite.xyz", "2 45.77.12.34", "2 " + url, "3 " + sha256, "4 " + email,
			"5 evil-corp.ru", "5 " + url}},
		{"syslog.log", []string{"1 185.220.101.5", "3 " + cidr, "3 " + email, "4 " + ip6}},
		{"data.csv", []string{"2 45.77.12.34", "2 evil-corp.ru", "2 " + url, "2 " + sha256}},
	}
	for _, tt := range tests {
		raw, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(raw)
		w.Close()
		for _, in := range []struct {
			name string
			data []byte
		}{{"plain", raw}, {"gzip", gz.Bytes()}} {
			t.Run(tt.file+"/"+in.name, func(t *testing.T) {
				var got []string
				st, err := ix.NewScanner().Scan(bytes.NewReader(in.data), tt.file, func(h *match.Hit) error {
					if h.File != tt.file || h.Confidence != 0.8 || !slices.Equal(h.Groups, []string{"APT-T"}) ||
						!slices.Equal(h.Sources, []string{"feed"}) || h.Indicator.ID != 1 {
						t.Errorf("hit %+v lacks its file, confidence, groups, sources or ID", h)
					}
					lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
					if h.Text != lines[h.Line-1] {
						t.Errorf("hit text %q is not line %d", h.Text, h.Line)
					}
					got = append(got, fmt.Sprintf("%d %s", h.Line, h.Indicator.Value))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(got)
				want := slices.Sorted(slices.Values(tt.want))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("hits (-want +got):\n%s", diff)
				}
				if st.Bytes != int64(len(raw)) || st.Hits != int64(len(got)) {
					t.Errorf("stats %+v: want %d bytes, %d hits", st, len(raw), len(got))
				}
			})
		}
	}
}

func TestLine(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		line string
		want []string
	}{
		{"evil-corp.ru", []string{"evil-corp.ru"}},
		{"a.b.c.EVIL-CORP.RU.", []string{"evil-corp.ru"}},
		{"notevil-corp.ru evil-corp.ru.com xevil-corp.ru evil-corp.ruu", nil},
		{"45.77.12.34:443 45.77.12.340 145.77.12.34 45.77.12.34.5 045.77.12.34", []string{"45.77.12.34"}},
		{"range 45.77.12.33-45.77.12.34", []string{"45.77.12.34"}},
		{"91.219.236.0 91.219.236.255 91.219.235.255", []string{cidr}},
		{"[2a03:b0c0:3:d0::1a2b:1]:443", []string{ip6}},
		{"2a03:b0c0:3:d0::1a2b:1f 1:2a03:b0c0:3:d0::1a2b:1", nil},
		{"sample." + sha256 + ".exe", []string{sha256}},
		{md5 + "00 x" + md5, nil},
		{"mailto:PHISH@spoofmail.NET", []string{email}},
		{"a.phish@spoofmail.net phish@spoofmail.network", nil},
		{"https://dl.payload.top/drop/stage2.bin http://dl.payload.top/drop/stage2.bin?x=1", nil},
		{"<http://dl.payload.top:80/drop/stage2.bin>.", []string{url}},
		{"8.8.8.8 www.google.com cdn.allowed-partner.com www.example.com", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, in := range ix.NewScanner().Line([]byte(tt.line)) {
			got = append(got, in.Value)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Line(%q) (-want +got):\n%s", tt.line, diff)
		}
	}
}

// TestLongLine reads a line longer than the read buffer in parts.
func TestLongLine(t *testing.T) {
	ix := testIndex(t)
	line := strings.Repeat("filler ", 400_000) + "evil-corp.ru\nnext 45.77.12.34\n"
	var got []string
	st, err := ix.NewScanner().Scan(strings.NewReader(line), "long", func(h *match.Hit) error {
		got = append(got, fmt.Sprintf("%d %s %d", h.Line, h.Indicator.Value, len(h.Text)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1 evil-corp.ru 4096", "2 45.77.12.34 16"}
	if diff := cmp.Diff(want, got); diff != "" || st.Lines != 2 {
		t.Errorf("hits (-want +got):\n%s; lines %d", diff, st.Lines)
	}
}

func TestScanBadGzip(t *testing.T) {
	ix := testIndex(t)
	_, err := ix.NewScanner().Scan(bytes.NewReader([]byte{0x1f, 0x8b, 8, 0, 0, 0}), "x.gz", func(*match.Hit) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "x.gz") {
		t.Errorf("error %v does not name the file", err)
	}
}
