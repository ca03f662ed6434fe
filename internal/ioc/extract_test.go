package ioc

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// m builds an expected match with Raw equal to Value.
func m(t Type, v string, off int64, f Flags) Match {
	return Match{Type: t, Value: v, Raw: v, Offset: off, Flags: f}
}

func TestExtractSmoke(t *testing.T) {
	got := Extract("C2 at hxxps[://]evil[.]com/x and 8.8.8.8.", DefaultOptions())
	want := []Match{
		{Type: TypeURL, Value: "https://evil.com/x", Raw: "hxxps[://]evil[.]com/x", Offset: 6, Flags: FlagDefanged},
		{Type: TypeDomain, Value: "evil.com", Raw: "evil[.]com", Offset: 16, Flags: FlagDefanged},
		m(TypeIPv4, "8.8.8.8", 33, 0),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Extract mismatch (-want +got):\n%s", diff)
	}
}
