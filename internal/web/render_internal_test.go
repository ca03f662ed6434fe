package web

import (
	"strings"
	"testing"
)

// TestDescriptionReadsAsProse: the inputs plain rendering once took (link
// targets and citation keys) read as text, with the links kept as links
// and nothing executable.
func TestDescriptionReadsAsProse(t *testing.T) {
	tests := []struct{ in, text string }{
		{"[APT28](https://attack.mitre.org/groups/G0007) is a group.(Citation: FireEye APT28) (Citation: Crowdstrike DNC June 2016)",
			"APT28</a> is a group."},
		{"Uses [PowerShell](https://attack.mitre.org/techniques/T1059/001).", "Uses <a href=\"https://attack.mitre.org/techniques/T1059/001\" rel=\"nofollow\">PowerShell</a>."},
		{"A [link](javascript:alert(1)) stays inert", "stays inert"},
		{"<script>alert(1)</script> (Citation: x)", ""},
	}
	for _, tt := range tests {
		got := string(description(tt.in, nil, nil))
		if !strings.Contains(got, tt.text) || strings.Contains(got, "Citation:") || strings.Contains(got, "<script") || strings.Contains(got, "javascript:") {
			t.Errorf("description(%q) = %q, want it to hold %q and no citation key or script", tt.in, got, tt.text)
		}
	}
}
