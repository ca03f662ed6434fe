package ipgeo_test

import (
	"testing"

	"github.com/spoor/spoor/internal/ipgeo"
)

func TestCountry(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"8.8.8.8", "US"},
		{"81.2.69.142", "GB"},
		{"2001:4860:4860::8888", "US"},
		{"::ffff:8.8.8.8", "US"},
		{"10.1.2.3", ""},         // private
		{"192.0.2.1", ""},        // documentation
		{"127.0.0.1", ""},        // loopback
		{"evil.example.com", ""}, // not an address
		{"", ""},
	} {
		if got := ipgeo.Country(tc.addr); got != tc.want {
			t.Errorf("Country(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
	if ipgeo.Version == "" {
		t.Error("no data version")
	}
}
