package threat

import "testing"

func TestLookupWordsCommonWords(t *testing.T) {
	lookup := func(name string) (Link, bool) {
		switch name {
		case "expand", "Expand", "EXPAND", "INC", "inc", "Inc", "Emotet", "VENOM", "venom":
			return Link{Kind: "software", Name: name}, true
		}
		return Link{}, false
	}
	tests := []struct {
		text string
		want string // linked text, "" for none
	}{
		{"expand the list", ""},
		{"Expand the list please", ""},
		// Three letters are too short for one word ("net", "tor"), capitals or not.
		{"selling INC ransomware builds", ""},
		{"selling VENOM builds", "VENOM"},
		{"venom strikes again", ""},
		{"inc is a company suffix", ""},
		{"fresh Emotet loader", "Emotet"},
	}
	for _, tc := range tests {
		got := lookupWords(tc.text, lookup, nil)
		var linked string
		if len(got) > 0 {
			linked = got[0].Text
		}
		if linked != tc.want || len(got) > 1 {
			t.Errorf("lookupWords(%q) = %v, want link %q", tc.text, got, tc.want)
		}
	}
}
