package store

import (
	"encoding/json"
	"testing"
)

// jsonText's fast path for string lists must write exactly what
// json.Marshal writes, or a re-import would see changed tags.
func TestJSONTextMatchesMarshal(t *testing.T) {
	for _, v := range [][]string{
		{"gamaredon"}, {"a", "b c", "APT28"}, {""}, {"quote\"d"}, {"back\\slash"}, {"<script>"}, {"a&b"},
		{"tab\there"}, {"naïve"}, {"\u2028"}, {"~"}, {"\x7f"},
	} {
		want, _ := json.Marshal(v)
		if got := jsonText(v); got != string(want) {
			t.Errorf("jsonText(%q) = %s, json.Marshal %s", v, got, want)
		}
	}
	if got := jsonText([]string(nil)); got != "[]" {
		t.Errorf("jsonText(nil) = %s, want []", got)
	}
}

func FuzzJSONText(f *testing.F) {
	f.Add("gamaredon", "APT 28")
	f.Add("<b>", "\x00")
	f.Fuzz(func(t *testing.T, a, b string) {
		v := []string{a, b}
		want, err := json.Marshal(v)
		if err != nil {
			t.Skip()
		}
		if got := jsonText(v); got != string(want) {
			t.Fatalf("jsonText(%q) = %s, json.Marshal %s", v, got, want)
		}
	})
}
