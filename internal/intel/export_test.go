package intel_test

import (
	"testing"

	"github.com/spoor/spoor/internal/intel"
)

// TestMISPEventTLP: a kept event's TLP is its TLP tag, else its source's,
// raised by its attributes' and objects' attributes' TLP tags.
func TestMISPEventTLP(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		def  intel.TLP
		want intel.TLP
	}{
		{`{"Event":{"Tag":[{"name":"tlp:green"}]}}`, intel.TLPAmber, intel.TLPGreen},
		{`{"Tag":[{"name":"TLP:WHITE"},{"name":"phishing"}]}`, intel.TLPRed, intel.TLPClear},
		{`{"Tag":[{"name":"phishing"}]}`, intel.TLPAmber, intel.TLPAmber},
		{`{"Tag":[{"name":"tlp:"},{"name":"tlp:bogus"}]}`, intel.TLPGreen, intel.TLPGreen},
		{`{"Tag":[{"name":"tlp:clear"}],"Attribute":[{"Tag":[{"name":"tlp:amber"}]}]}`, "", intel.TLPAmber},
		{`{"Tag":[{"name":"tlp:green"}],"Object":[{"Attribute":[{"Tag":[{"name":"tlp:red"}]}]}]}`, "", intel.TLPRed},
		{`{"Tag":[{"name":"tlp:amber"}],"Attribute":[{"Tag":[{"name":"tlp:clear"}]}]}`, "", intel.TLPAmber},
		{`{"Tag":"not a list"}`, intel.TLPGreen, intel.TLPGreen},
	} {
		if got := intel.MISPEventTLP([]byte(tt.raw), tt.def); got != tt.want {
			t.Errorf("MISPEventTLP(%s, %q) = %q, want %q", tt.raw, tt.def, got, tt.want)
		}
	}
}
