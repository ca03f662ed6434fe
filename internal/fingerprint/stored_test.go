package fingerprint_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spoor/spoor/internal/fingerprint"
	"github.com/spoor/spoor/internal/intel"
)

// memStore keeps what a rebuild saves.
type memStore struct {
	evidence []*intel.GroupEvidence
	saved    []intel.Fingerprint
}

func (m *memStore) DeriveReportEvents(context.Context) (intel.DerivedEvents, error) {
	return intel.DerivedEvents{}, nil
}

func (m *memStore) FindGroupEvidence(context.Context) ([]*intel.GroupEvidence, error) {
	return m.evidence, nil
}

func (m *memStore) SaveFingerprints(_ context.Context, fps []intel.Fingerprint, _ time.Duration) (*intel.FingerprintBuild, error) {
	m.saved = fps
	return &intel.FingerprintBuild{ID: 1, Groups: len(fps)}, nil
}

// TestRebuildStoresWhatBuildComputes: the stored profiles read back into
// the same similarity scores as the index built from the evidence, and a
// group's timeline counts its events by month.
func TestRebuildStoresWhatBuildComputes(t *testing.T) {
	may := time.Date(2016, 5, 3, 9, 0, 0, 0, time.UTC)
	st := &memStore{evidence: []*intel.GroupEvidence{
		{GroupID: 1, Name: "Alpha", Techniques: []string{"T1059.001", "T1071"}, Description: "spear phishing of ministries",
			Events: []*intel.Event{{FirstSeen: may, Techniques: []string{"T1566"}}, {Times: []time.Time{may.AddDate(0, 0, 2), may.AddDate(0, 1, 0)}}, {}}},
		{GroupID: 2, Name: "Beta", Techniques: []string{"T1059.003", "T1071"}, Description: "phishing of ministries and banks"},
		{GroupID: 3, Name: "Gamma", Software: []string{"Mimikatz"}},
	}}
	b, err := fingerprint.Rebuild(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if b.Groups != 3 || len(st.saved) != 3 || st.saved[0].Events != 3 {
		t.Fatalf("saved %+v", st.saved)
	}
	stored, err := fingerprint.FromStored(st.saved)
	if err != nil {
		t.Fatal(err)
	}
	built := fingerprint.Build(st.evidence)
	w := fingerprint.DefaultWeights()
	if got, want := stored.Compare(0, 1, w), built.Compare(0, 1, w); !cmp.Equal(got, want) {
		t.Errorf("stored index scores Alpha–Beta %+v, built %+v", got, want)
	}
	if got := stored.Profile(0).Months; !cmp.Equal(got, map[string]int{"2016-05": 2}) {
		t.Errorf("Alpha's timeline: %v, want two events in 2016-05 (the dateless one left out)", got)
	}
}

func TestDecodeRefusesOtherLayouts(t *testing.T) {
	for _, tc := range []struct{ profile, want string }{
		{`{"v":2,"events":1}`, "layout 2"},
		{`{"v":1,"events":`, "unexpected end"},
	} {
		_, err := fingerprint.Decode(intel.Fingerprint{GroupID: 7, Profile: []byte(tc.profile)})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "group 7") {
			t.Errorf("Decode(%s) = %v, want an error naming group 7 and %q", tc.profile, err, tc.want)
		}
	}
}

// TestProfileTimeInfersOffsetAndWeekend: activity from 09:00 to 17:00 at
// UTC+3, Sunday to Thursday, comes out as +3 with a Fri–Sat weekend from
// the profile's histograms alone; a date-only event moves the weekday
// counts but not the hours.
func TestProfileTimeInfersOffsetAndWeekend(t *testing.T) {
	p := fingerprint.NewProfile(1, "G")
	sunday := time.Date(2024, 3, 3, 0, 0, 0, 0, time.FixedZone("+03", 3*3600))
	for week := range 6 {
		for day := range 5 { // Sunday to Thursday
			for hour := 9; hour < 17; hour += 2 {
				p.AddTime(sunday.AddDate(0, 0, 7*week+day).Add(time.Duration(hour) * time.Hour))
			}
		}
	}
	hours := p.HoursUsed
	p.AddEvent(&intel.Event{FirstSeen: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)})
	if p.HoursUsed != hours {
		t.Errorf("a date-only event moved the hours: %d → %d", hours, p.HoursUsed)
	}
	tp := p.Time()
	if tp.Best == nil || !tp.Best.OffsetKnown || tp.Best.Offset != 3 || tp.Best.Weekend.String() != "Fri–Sat" {
		t.Fatalf("inferred %+v, want UTC+3 with a Fri–Sat weekend", tp.Best)
	}
	if tp.Used.Hours != hours || tp.Used.Weekdays != hours+1 {
		t.Errorf("used %+v, want %d timed and %d dated", tp.Used, hours, hours+1)
	}
}

// TestDuplicateViews: a pair agreeing on several dimensions and a pair of
// one name are proposed, a pair agreeing on one dimension only is not, and
// an analyst's "not the same" removes a pair.
func TestDuplicateViews(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2024, 3, 4, h, 0, 0, 0, time.UTC) }
	ev := func(techniques ...string) *intel.Event {
		return &intel.Event{Techniques: techniques, Software: []string{"Gh0st"}, VictimCountries: []string{"VN"},
			Times: []time.Time{at(2), at(3), at(4), at(5), at(6), at(7), at(8), at(9), at(10), at(11)}}
	}
	ix := fingerprint.Build([]*intel.GroupEvidence{
		{GroupID: 1, Name: "Panda One", Events: []*intel.Event{ev("T1566", "T1059", "T1105")}},
		{GroupID: 2, Name: "Panda Two", Events: []*intel.Event{ev("T1566", "T1059", "T1105")}},
		{GroupID: 3, Name: "Loner", Techniques: []string{"T1566", "T1059", "T1105"}},
		{GroupID: 4, Name: "Loner (Deprecated)", Software: []string{"Other"}},
	})
	w := fingerprint.DefaultWeights()
	got := ix.DuplicateViews(fingerprint.DefaultDuplicateRule(), w, nil, 5)
	var pairs []string
	for _, p := range got {
		pairs = append(pairs, fmt.Sprintf("%d-%d %s", p.A, p.B, p.Why))
	}
	want := []string{"1-2 agree on 3 or more dimensions", "3-4 same name"}
	if !cmp.Equal(pairs, want) {
		t.Errorf("duplicates %q, want %q", pairs, want)
	}
	got = ix.DuplicateViews(fingerprint.DefaultDuplicateRule(), w, []intel.DistinctPair{{A: 2, B: 1}}, 5)
	if len(got) != 1 || got[0].A != 3 {
		t.Errorf("after 1 and 2 were said distinct: %+v", got)
	}
}
