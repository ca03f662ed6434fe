package attribute_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/attribute"
)

func TestParseEvent(t *testing.T) {
	q, warnings, err := attribute.ParseEvent([]byte(`{"techniques":["T1566.001","T1059"],"software":["S0002","X-Agent"],
		"indicators":["evil[.]example",{"type":"ipv4","value":"203.0.113.9"}],"countries":["Georgia"],"victim_countries":["UA"],
		"sectors":["government"],"times":["2024-01-02T08:00:00Z"],"group":"APT28","id":7}`), "event.json")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(q.Techniques, []string{"T1059", "T1566.001"}) || !slices.Equal(q.Software, []string{"S0002", "X-Agent"}) ||
		!slices.Equal(q.Indicators, []string{"203.0.113.9", "evil[.]example"}) || !slices.Equal(q.VictimCountries, []string{"Georgia", "UA"}) ||
		!slices.Equal(q.Sectors, []string{"government"}) || !slices.Equal(q.Times, []string{"2024-01-02T08:00:00Z"}) {
		t.Errorf("query %+v", q)
	}
	if len(warnings) != 1 || warnings[0] != "not used to attribute: group, id" {
		t.Errorf("warnings %q", warnings)
	}
	for _, tc := range []struct{ in, want string }{
		{`{}`, "has no techniques"},
		{`{"group":"APT28"}`, "has no techniques"},
		{`{"techniques":"T1566"}`, `"techniques" must be a list`},
		{`{"techniques":[1566]}`, "techniques[0]: want a string, got 1566"},
		{`{"indicators":[{"type":"ipv4"}]}`, "indicators[0]: want a value"},
		{`["T1566"]`, "not a JSON event"},
		{`{"techniques":["T1566"]`, "not a JSON event"},
		{`null`, "not a JSON event"},
		{`{"techniques":["T1566"],"times":["2024-01-02T08:00:00Z","yesterday"]}`, `times[1]: cannot read "yesterday" as a time`},
		{`{"times":["2024-01-02T08:00:00Z"]}`, "has no techniques"},
	} {
		_, _, err := attribute.ParseEvent([]byte(tc.in), "e.json")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "e.json: ") {
			t.Errorf("%s: %v, want an error naming the file and saying %q", tc.in, err, tc.want)
		}
	}
}

func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"techniques":["T1566"],"indicators":[{"value":"a.example"}]}`))
	f.Add([]byte(`{"countries":[null]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		q, _, err := attribute.ParseEvent(b, "fuzz")
		if err == nil && len(q.Techniques)+len(q.Software)+len(q.Indicators)+len(q.VictimCountries)+len(q.Sectors) == 0 {
			t.Errorf("an empty event was accepted: %q", b)
		}
	})
}
