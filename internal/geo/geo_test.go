package geo

import (
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	for _, tc := range []struct{ in, code string }{
		{"RU", "RU"}, {"rus", "RU"}, {"Russian Federation", "RU"}, {"russia", "RU"}, {"Russian", "RU"},
		{"  North   Korea ", "KP"}, {"DPRK", "KP"}, {"Democratic People's Republic of Korea", "KP"},
		{"Republic of Korea", "KR"}, {"South Korean", "KR"}, {"Iran", "IR"}, {"Islamic Republic of Iran", "IR"},
		{"Taiwan", "TW"}, {"UK", "GB"}, {"Great Britain", "GB"}, {"U.S.", "US"}, {"United States of America", "US"},
		{"Turkey", "TR"}, {"Türkiye", "TR"}, {"Vatican City", "VA"}, {"Holy See", "VA"}, {"Czechia", "CZ"},
		{"Ukrainian", "UA"}, {"Viet Nam", "VN"}, {"Vietnam", "VN"}, {"Cocos Islands", "CC"},
	} {
		c, ok := Find(tc.in)
		if !ok || c.Code != tc.code {
			t.Errorf("Find(%q) = %q, %v; want %s", tc.in, c.Code, ok, tc.code)
		}
	}
	for _, in := range []string{"", "Korea", "Congo", "Jersey", "Chad", "Atlantis", "XX", "Virgin Islands"} {
		if c, ok := Find(in); ok {
			t.Errorf("Find(%q) = %s, want no country (ambiguous or unknown)", in, c.Code)
		}
	}
	if c, ok := Find("JE"); !ok || c.Name != "Jersey" {
		t.Errorf("Find(JE) = %+v, %v: an ambiguous name still has its code", c, ok)
	}
}

func TestAllIsCompleteAndUnambiguous(t *testing.T) {
	cs := All()
	if len(cs) < 249 {
		t.Fatalf("%d countries, want the 249 of ISO 3166-1", len(cs))
	}
	names := map[string]string{}
	for _, c := range cs {
		if len(c.Code) != 2 || strings.ToUpper(c.Code) != c.Code || len(c.Alpha3) != 3 || c.Name == "" || !ambiguous[c.Name] && c.Names[0] != c.Name {
			t.Errorf("malformed entry %+v", c)
		}
		for _, n := range c.Names {
			if other, dup := names[fold(n)]; dup && other != c.Code {
				t.Errorf("name %q belongs to %s and %s", n, other, c.Code)
			}
			names[fold(n)] = c.Code
		}
	}
	for code := range extraNames {
		if _, ok := Find(code); !ok {
			t.Errorf("extraNames has %s, which is not an ISO code", code)
		}
	}
}

func TestName(t *testing.T) {
	for in, want := range map[string]string{"KP": "North Korea", "gb": "United Kingdom", "ZZ": "ZZ", "Russia": "Russia"} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
	}
}
