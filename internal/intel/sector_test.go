package intel_test

import (
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

func TestFindSector(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"Government", "government"},
		{"  ministries ", "government"},
		{"政府机构", "government"},
		{"国防军工", "defense"},
		{"电信运营商", "telecommunications"},
		{"能源", "energy"},
		{"knitting", ""},
	} {
		if got := intel.FindSector(tt.name); got != tt.want {
			t.Errorf("FindSector(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	// Every name belongs to one sector only.
	seen := map[string]string{}
	for _, s := range intel.Sectors {
		for _, n := range s.Names {
			if other, ok := seen[n]; ok {
				t.Errorf("%q is a name of %s and %s", n, other, s.Key)
			}
			seen[n] = s.Key
		}
	}
}
