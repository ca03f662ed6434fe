package collect_test

import (
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/collect"
)

func TestCredibilityScore(t *testing.T) {
	c := collect.DefaultCredibility()
	n, err := c.LoadRanks(strings.NewReader("rank,domain\n1,google.com\n27,github.io\n9000,example-news.com\n25000,smallvendor.com\n"))
	if err != nil || n != 4 {
		t.Fatalf("LoadRanks = %d, %v", n, err)
	}
	c.AddWellKnown("internal-cert.example", "our CERT")
	tests := []struct {
		location string
		want     float64
		reason   string
	}{
		{"https://attack.mitre.org/groups/G0007", 1, "well-known organisation: MITRE"},
		{"https://unit42.paloaltonetworks.com/some-report/", 1, "well-known organisation: Palo Alto Networks"},
		{"https://www.ncsc.gov.uk/news", 1, "well-known organisation: NCSC UK"},
		{"https://reports.internal-cert.example/x", 1, "well-known organisation: our CERT"},
		{"https://someone.github.io/apt-notes", 0.2, "blog host: github.io"},
		{"https://github.com/stamparm/maltrail", 0.2, "independent project on github.com"},
		{"https://github.com/eset/malware-ioc", 1, "well-known organisation: ESET"},
		{"https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/x.json", 1, "well-known organisation: MITRE"},
		{"https://threatnotes.blogspot.com/2020/01/x.html", 0.2, "blog host: blogspot.com"},
		{"https://medium.com/@analyst/apt", 0.2, "blog host: medium.com"},
		{"https://www.example-news.com/a", 0.8, "example-news.com ranks 9000 (top 10,000)"},
		{"https://blog.smallvendor.com/a", 0.6, "smallvendor.com ranks 25000 (top 1,000,000)"},
		{"https://obscure-site.net/a", 0.4, "obscure-site.net is not in the rank list"},
		{"obscure-site.net", 0.4, "obscure-site.net is not in the rank list"},
		{"../shared/data/iocs.csv", 0, "unknown: no site"},
		{"-", 0, "unknown: no site"},
		{"", 0, "unknown: no site"},
		{"ftp://files.example.org/x", 0, "unknown: no site"},
	}
	for _, tt := range tests {
		t.Run(tt.location, func(t *testing.T) {
			got, reason := c.Score(tt.location)
			if got != tt.want || reason != tt.reason {
				t.Errorf("Score(%q) = %v %q, want %v %q", tt.location, got, reason, tt.want, tt.reason)
			}
		})
	}
}

func TestLoadRanksRejectsGarbage(t *testing.T) {
	c := collect.DefaultCredibility()
	if _, err := c.LoadRanks(strings.NewReader("1,a.com\nnot a rank line\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v, want a line-2 error", err)
	}
}
