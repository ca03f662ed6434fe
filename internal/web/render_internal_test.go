package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
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

// TestSegments: the text survives whole whatever the entities; an entity
// overlapping the one before or past the end is not marked.
func TestSegments(t *testing.T) {
	text := "APT28 used X-Agent."
	ents := []intel.EntityMention{
		{Type: "HackOrg", Text: "APT28", Start: 0, End: 5},
		{Type: "Tool", Text: "28 u", Start: 3, End: 7}, // overlaps
		{Type: "Tool", Text: "X-Agent", Start: 11, End: 18},
		{Type: "Tool", Text: "past", Start: 17, End: 40}, // past the end
	}
	linked := make([]linkedEntity, len(ents))
	for i, e := range ents {
		linked[i] = linkedEntity{EntityMention: e}
	}
	got := segments(text, linked)
	var whole strings.Builder
	var marked []string
	for _, s := range got {
		whole.WriteString(s.Text)
		if s.Type != "" {
			marked = append(marked, s.Type+":"+s.Text)
		}
	}
	if whole.String() != text {
		t.Errorf("text %q, want %q", whole.String(), text)
	}
	if want := []string{"HackOrg:APT28", "Tool:X-Agent"}; !slices.Equal(marked, want) {
		t.Errorf("marked %q, want %q", marked, want)
	}
}

func TestSnippetText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Malware used by [Lazarus Group](https://attack.mitre.org/groups/G0032) correlates", "Malware used by Lazarus Group correlates"},
		{"by [APT28](https://attack.mitre.org/gro", "by APT28"},
		{"spearphishing.(Citation: FireEye APT28) Later", "spearphishing. Later"},
		{"cut (Citation: Kaspersky Sof", "cut"},
		{"[not a link] and (parentheses)", "[not a link] and (parentheses)"},
	} {
		if got := snippetText(tt.in); got != tt.want {
			t.Errorf("snippetText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
