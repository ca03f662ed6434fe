package attribute

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/analyze"
)

// eventFields are the fields an event JSON may hold, with the names
// they also go by (the store's intel.Event spells victims out).
var eventFields = map[string]string{
	"techniques": "techniques", "software": "software", "indicators": "indicators",
	"countries": "countries", "victim_countries": "countries", "sectors": "sectors", "times": "times",
}

// ParseEvent reads an event to attribute written as JSON:
//
//	{"techniques":["T1566.001",…], "software":["S0002" or a name,…],
//	 "indicators":["evil.example",…] or [{"type":…,"value":…},…],
//	 "countries":[…], "sectors":[…], "times":[…]}
//
// "victim_countries" is read as "countries". Times are activity
// timestamps in any form analyze.Parse reads; one it cannot read is an
// error naming its position. Other fields (an ID, a title, the group a
// person believes it is) are not evidence: they are ignored and named in
// the warnings. A value of the wrong JSON type is an error naming the field
// and its position; so is an event with nothing to attribute by (times
// alone are not enough: a working day is shared by too many groups).
func ParseEvent(data []byte, name string) (Query, []string, error) {
	var q Query
	var warnings []string
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return q, nil, fmt.Errorf("%s: not a JSON event: %w", name, err)
	}
	if raw == nil {
		return q, nil, fmt.Errorf("%s: not a JSON event: null", name)
	}
	var ignored []string
	for key, v := range raw {
		field, ok := eventFields[key]
		if !ok {
			ignored = append(ignored, key)
			continue
		}
		var list []json.RawMessage
		if err := json.Unmarshal(v, &list); err != nil {
			return q, nil, fmt.Errorf("%s: %q must be a list: %w", name, key, err)
		}
		for i, item := range list {
			s, err := eventValue(field, item)
			if err != nil {
				return q, nil, fmt.Errorf("%s: %s[%d]: %w", name, key, i, err)
			}
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			switch field {
			case "techniques":
				q.Techniques = append(q.Techniques, s)
			case "software":
				q.Software = append(q.Software, s)
			case "indicators":
				q.Indicators = append(q.Indicators, s)
			case "countries":
				q.VictimCountries = append(q.VictimCountries, s)
			case "sectors":
				q.Sectors = append(q.Sectors, s)
			case "times":
				if _, err := analyze.Parse(s); err != nil {
					return q, nil, fmt.Errorf("%s: %s[%d]: %w", name, key, i, err)
				}
				q.Times = append(q.Times, s)
			}
		}
	}
	slices.Sort(ignored)
	if len(ignored) > 0 {
		warnings = append(warnings, "not used to attribute: "+strings.Join(ignored, ", "))
	}
	if len(q.Techniques)+len(q.Software)+len(q.Indicators)+len(q.VictimCountries)+len(q.Sectors) == 0 {
		return q, warnings, fmt.Errorf("%s: the event has no techniques, software, indicators, countries or sectors to attribute by", name)
	}
	return q.compact(), warnings, nil
}

// eventValue is one list item: a string, or for indicators an object
// with a "value".
func eventValue(field string, item json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(item, &s); err == nil {
		return s, nil
	}
	if field == "indicators" {
		var in struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(item, &in); err == nil && in.Value != "" {
			return in.Value, nil
		}
		return "", fmt.Errorf("want a value or {\"type\":…,\"value\":…}, got %s", clipJSON(item))
	}
	return "", fmt.Errorf("want a string, got %s", clipJSON(item))
}

func clipJSON(b json.RawMessage) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
