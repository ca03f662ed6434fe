package fingerprint

import (
	"cmp"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/analyze"
)

// View is a profile as `spoor group --format json` shows it, by dimension:
// when (the inferred time zone and the histograms), where (countries) and
// what (techniques, software, sectors, purposes, indicators, terms).
type View struct {
	Events  int         `json:"events"`
	Time    TimeView    `json:"time"`
	Space   SpaceView   `json:"space"`
	Content ContentView `json:"content"`
}

// TimeView is the analyze package's profile with the group's own timeline.
type TimeView struct {
	analyze.TimeProfileJSON
	Weekdays [7]int `json:"weekdays"` // dated activity by UTC weekday, Monday first
}

// SpaceView counts events by country (ISO 3166 alpha-2).
type SpaceView struct {
	VictimCountries map[string]int `json:"victim_countries"`
	InfraCountries  map[string]int `json:"infra_countries"`
	InfraASNs       map[string]int `json:"infra_asns"`
}

// ContentView counts events by technique, software, sector and purpose.
type ContentView struct {
	Techniques map[string]int `json:"techniques"`
	Software   map[string]int `json:"software"`
	Sectors    map[string]int `json:"sectors"`
	Purposes   map[string]int `json:"purposes"`
	// Indicators is how many distinct indicators the events report.
	Indicators int `json:"indicators"`
	// Terms are the most frequent description terms.
	Terms []TermCount `json:"terms"`
}

// TermCount is one description term and its count.
type TermCount struct {
	Term string `json:"term"`
	N    int    `json:"n"`
}

// viewTerms is how many terms a View lists.
const viewTerms = 30

// View lays the profile out by dimension.
func (p *Profile) View() View {
	tp := p.Time()
	v := View{Events: p.Events, Time: TimeView{TimeProfileJSON: tp.JSON(), Weekdays: p.Weekdays},
		Space: SpaceView{VictimCountries: orEmpty(p.VictimCountries), InfraCountries: orEmpty(p.InfraCountries),
			InfraASNs: orEmpty(p.InfraASNs)},
		Content: ContentView{Techniques: orEmpty(p.Techniques), Software: orEmpty(p.Software), Sectors: orEmpty(p.Sectors), Purposes: orEmpty(p.Purposes), Indicators: len(p.Indicators)}}
	v.Time.Months = []analyze.MonthCount{}
	for m, n := range p.Months {
		v.Time.Months = append(v.Time.Months, analyze.MonthCount{Month: m, N: n})
	}
	slices.SortFunc(v.Time.Months, func(a, b analyze.MonthCount) int { return strings.Compare(a.Month, b.Month) })
	v.Content.Terms = []TermCount{}
	for t, n := range p.Terms {
		v.Content.Terms = append(v.Content.Terms, TermCount{t, n})
	}
	slices.SortFunc(v.Content.Terms, func(a, b TermCount) int { return cmp.Or(cmp.Compare(b.N, a.N), strings.Compare(a.Term, b.Term)) })
	v.Content.Terms = v.Content.Terms[:min(len(v.Content.Terms), viewTerms)]
	return v
}

func orEmpty(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}
