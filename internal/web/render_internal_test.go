package web

import "testing"

func TestProse(t *testing.T) {
	tests := []struct{ in, want string }{
		{"[APT28](https://attack.mitre.org/groups/G0007) is a group.(Citation: FireEye APT28) (Citation: Crowdstrike DNC June 2016)",
			"APT28 is a group."},
		{"Uses [PowerShell](https://attack.mitre.org/techniques/T1059/001).", "Uses PowerShell."},
		{"A [link](javascript:alert(1)) stays as written", "A [link](javascript:alert(1)) stays as written"},
		{"<script>alert(1)</script> (Citation: x)", "<script>alert(1)</script>"},
	}
	for _, tt := range tests {
		if got := prose(tt.in); got != tt.want {
			t.Errorf("prose(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
