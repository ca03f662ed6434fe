package fingerprint

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/intel"
)

// HoursPerWeek is the length of an hour-of-week histogram. Index 0 is
// Monday 00:00–00:59 UTC, index 167 Sunday 23:00–23:59 UTC.
const HoursPerWeek = 7 * 24

// Profile is one group's fingerprint: for each feature, how many of the
// group's events show it. Counts, not booleans, so that a technique seen in
// forty reports and one seen once can be told apart on the page; the
// similarity measures use presence (sets) or shares (distributions).
type Profile struct {
	GroupID int64  `json:"group_id"`
	Name    string `json:"name"`
	// Events is how many events the profile was built from.
	Events int `json:"events"`

	Techniques map[string]int `json:"techniques,omitempty"` // ATT&CK IDs
	Software   map[string]int `json:"software,omitempty"`
	Indicators map[string]int `json:"indicators,omitempty"` // "type:value" or stored indicator IDs
	Sectors    map[string]int `json:"sectors,omitempty"`
	Purposes   map[string]int `json:"purposes,omitempty"`
	// Victim and infrastructure countries, ISO 3166 alpha-2.
	VictimCountries map[string]int `json:"victim_countries,omitempty"`
	InfraCountries  map[string]int `json:"infra_countries,omitempty"`
	// InfraASNs count events by the autonomous systems announcing their
	// addresses ("AS13335"): shown, not (yet) compared.
	InfraASNs map[string]int `json:"infra_asns,omitempty"`
	// Terms counts description words (lower case, stop words dropped).
	Terms map[string]int `json:"terms,omitempty"`
	// HourOfWeek counts activity timestamps that carry a time of day, in
	// UTC; HoursUsed is their number. Dates without a time of day are left
	// out: they say nothing about working hours.
	HourOfWeek [HoursPerWeek]int `json:"hour_of_week"`
	HoursUsed  int               `json:"hours_used"`
	// Months counts events by the month ("2016-05", UTC) they were first
	// seen: the group's timeline. Events without a date are not counted.
	Months map[string]int `json:"months,omitempty"`
	// Weekdays counts dated activity (timestamps, or an event's first-seen
	// date when it has none) by UTC weekday, Monday first: the weekend can
	// be inferred from dates alone.
	Weekdays [7]int `json:"weekdays"`
}

// NewProfile returns an empty profile for a group.
func NewProfile(groupID int64, name string) *Profile {
	return &Profile{GroupID: groupID, Name: name}
}

// AddEvent adds what one event says about the group. Each feature counts
// once per event, however often the event repeats it. Indicators are keyed
// "type:value" when the event carries them, else by stored ID.
func (p *Profile) AddEvent(e *intel.Event) {
	p.Events++
	p.addFacts(e.Techniques, e.Software, e.Sectors, e.VictimCountries)
	p.AddInfraCountries(e.InfraCountries)
	addSet(&p.InfraASNs, e.InfraASNs)
	if e.Purpose != "" {
		addSet(&p.Purposes, []string{e.Purpose})
	}
	keys := make([]string, 0, max(len(e.Indicators), len(e.IndicatorIDs)))
	if len(e.Indicators) > 0 {
		for _, in := range e.Indicators {
			keys = append(keys, string(in.Type)+":"+in.Value)
		}
	} else {
		for _, id := range e.IndicatorIDs {
			keys = append(keys, indicatorKey(id))
		}
	}
	addSet(&p.Indicators, keys)
	for _, t := range e.Times {
		p.AddTime(t)
	}
	if len(e.Times) == 0 && !e.FirstSeen.IsZero() {
		p.Weekdays[(int(e.FirstSeen.UTC().Weekday())+6)%7]++
	}
	if when := eventDate(e); !when.IsZero() {
		addSet(&p.Months, []string{when.UTC().Format("2006-01")})
	}
}

// eventDate is when an event was first seen: its first-seen date, else
// its earliest activity timestamp.
func eventDate(e *intel.Event) time.Time {
	if !e.FirstSeen.IsZero() {
		return e.FirstSeen
	}
	var first time.Time
	for _, t := range e.Times {
		if !t.IsZero() && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first
}

func (p *Profile) addFacts(techniques, software, sectors, countries []string) {
	addSet(&p.Techniques, withParents(techniques))
	addSet(&p.Software, software)
	addSet(&p.Sectors, sectors)
	addSet(&p.VictimCountries, countries)
}

// withParents adds the parent of every sub-technique (T1059 for
// T1059.001): two groups using different sub-techniques of one technique
// are closer than two that share nothing.
func withParents(ids []string) []string {
	out := slices.Clone(ids)
	for _, id := range ids {
		if parent, _, ok := strings.Cut(id, "."); ok {
			out = append(out, parent)
		}
	}
	return out
}

// FromEvidence builds a group's profile from what the base holds about it:
// its records' facts (techniques and software it uses, sectors, victim
// countries, motivations, description) and the events attributed to it.
// The records' facts do not count as an event.
func FromEvidence(g *intel.GroupEvidence) *Profile {
	p := NewProfile(g.GroupID, g.Name)
	p.addFacts(g.Techniques, g.Software, g.Sectors, g.VictimCountries)
	addSet(&p.Purposes, g.Motivations)
	p.AddText(citation.ReplaceAllString(g.Description, " "))
	for _, e := range g.Events {
		p.AddEvent(e)
	}
	return p
}

// citation matches ATT&CK's "(Citation: Vendor Title)" markers and
// Markdown link targets, which name vendors and URLs rather than the group.
var citation = regexp.MustCompile(`\(Citation:[^)]*\)|\]\([^)]*\)`)

// AddTime adds one activity timestamp. A timestamp at exactly midnight UTC
// is taken for a date without a time of day (how day-precision sources
// store them) and left out of the hour histogram.
func (p *Profile) AddTime(t time.Time) {
	if t.IsZero() {
		return
	}
	ts := analyze.FromStored(t)
	p.Weekdays[ts.DayOfWeek()]++
	if h := ts.HourOfWeek(); h >= 0 {
		p.HourOfWeek[h]++
		p.HoursUsed++
	}
}

// AddInfraCountries adds the countries of an event's infrastructure, once
// per event.
func (p *Profile) AddInfraCountries(codes []string) { addSet(&p.InfraCountries, codes) }

// AddIndicators adds indicator keys of one event (for callers that key
// indicators by value rather than by stored ID).
func (p *Profile) AddIndicators(keys []string) { addSet(&p.Indicators, keys) }

// AddText adds the words of a description or report text. Each word counts
// as often as it occurs: term frequency, weighted later by how many groups
// use the word.
func (p *Profile) AddText(text string) {
	for _, w := range Words(text) {
		if p.Terms == nil {
			p.Terms = map[string]int{}
		}
		p.Terms[w]++
	}
}

func addSet(m *map[string]int, values []string) {
	if len(values) == 0 {
		return
	}
	if *m == nil {
		*m = make(map[string]int, len(values))
	}
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		(*m)[v]++
	}
}

func indicatorKey(id int64) string { return "id:" + strconv.FormatInt(id, 10) }

// Words splits text into lower-case terms for the description dimension:
// runs of letters and digits of at least three characters that hold a
// letter, without stop words, citation markers or URLs.
func Words(text string) []string {
	var out []string
	for _, field := range strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-'
	}) {
		w := strings.ToLower(strings.Trim(field, "-"))
		if len([]rune(w)) < 3 || stopWords[w] || !hasLetter(w) {
			continue
		}
		out = append(out, w)
	}
	return out
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// stopWords are English function words and the boilerplate of ATT&CK and
// vendor descriptions ("citation", "group", "threat"), which every group
// shares and which would make every pair look alike.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the and for are but not you all any can had her was one our out has have from
		they this that with which their there been were will would what when where who whom whose into than then them
		these those also such its it's about after before over under between other more most some only very can could
		should may might must been being did does doing each few both how just like made make many much own same so
		through during while against within without upon via per since until both either neither nor yet use used
		using uses citation citations http https www com html group groups threat actor actors activity active
		attack attacks attacker attackers campaign campaigns operations operation observed reported report reports
		based known first least new including include includes includ targeting targeted targets target associated
		2010 2011 2012 2013 2014 2015 2016 2017 2018 2019 2020 2021 2022 2023 2024 2025 2026`) {
		m[w] = true
	}
	return m
}()

// timeBase is a Monday 00:00 UTC, where Time lays out the histograms.
var timeBase = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Time infers when the group works from its histograms: the UTC offset
// and weekend with their confidence (the analyze package's model), from
// the hours of timed activity and the weekdays of dated activity. Its
// First, Last and Months are not the group's; Months is.
func (p *Profile) Time() analyze.TimeProfile {
	b := &analyze.Builder{}
	var timedDays [7]int
	for h, n := range p.HourOfWeek {
		timedDays[h/24] += n
		ts := analyze.FromTime(timeBase.Add(time.Duration(h)*time.Hour), analyze.PrecisionHour)
		for range n {
			b.Add(ts)
		}
	}
	for d, n := range p.Weekdays {
		ts := analyze.FromTime(timeBase.AddDate(0, 0, d), analyze.PrecisionDay)
		for range n - timedDays[d] {
			b.Add(ts)
		}
	}
	return b.Profile()
}
