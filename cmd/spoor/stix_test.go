package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSTIXObjects imports the bundle of every STIX type and reads the
// kept objects back: the summary per type, a list by value, one object
// with its relationships and report, its JSON as written.
func TestSTIXObjects(t *testing.T) {
	c := newCLI(t)
	out := c.ok("import", "stix", "../../internal/collect/stix/testdata/every-type.json")
	for _, s := range []string{"INPUT TYPE", "x509-certificate", "domain-name:value: value is not a valid domain 1"} {
		if !strings.Contains(out, s) {
			t.Errorf("import summary lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "not imported") {
		t.Errorf("a valid object counted as not imported:\n%s", out)
	}
	list := c.ok("stix", "--value", "domain autuo.xicp.net")
	if !strings.Contains(list, "indicator--00000018-0000-4000-8000-000000000024") || !strings.Contains(list, "domain-name--0000002b") {
		t.Errorf("by value:\n%s", list)
	}
	show := c.ok("stix", "infrastructure--0000000d-0000-4000-8000-000000000013")
	for _, s := range []string{"modelled:    kept only", "related:     consists-of infrastructure--", "report:      Ember Bear in 2024"} {
		if !strings.Contains(show, s) {
			t.Errorf("show lacks %q:\n%s", s, show)
		}
	}
	seq := c.ok("stix", "indicator--00000017-0000-4000-8000-000000000023")
	// As the grammar binds it: the qualifier to the observation before it.
	for _, s := range []string{"pattern:     stix: [file:name = 'dropper.exe'] FOLLOWEDBY", "             FOLLOWEDBY\n",
		"                 file:name = 'dropper.exe'\n", "               WITHIN 600 SECONDS\n", "modelled:    indicator"} {
		if !strings.Contains(seq, s) {
			t.Errorf("pattern indicator lacks %q:\n%s", s, seq)
		}
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(c.ok("stix", "--raw", "infrastructure--0000000d-0000-4000-8000-000000000013")), &raw); err != nil ||
		raw["name"] != "Ember C2" {
		t.Errorf("raw = %v %v", raw, err)
	}
	var page struct {
		Items []struct {
			StixID string   `json:"stix_id"`
			Flags  []string `json:"flags"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(c.ok("stix", "--flagged", "--format", "json")), &page); err != nil || len(page.Items) != 2 {
		t.Errorf("flagged: %+v %v, want the indicator and the observable", page, err)
	}
	if _, _, err := c.run("", "stix", "indicator--ffffffff-0000-4000-8000-000000000024"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("unknown object: %v", err)
	}
}
