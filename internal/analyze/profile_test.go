package analyze_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/analyze"
)

// actor describes how a synthetic group works, in its local time.
type actor struct {
	offset  int             // hours east of UTC
	weekend analyze.Weekend // rest days
	from    float64         // working hours, local: from ≤ hour < to
	to      float64
	noise   float64 // share of activity spread evenly over the week
}

// week0 is a Monday, 00:00 UTC.
var week0 = time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC)

// stamps draws n timestamps of second precision: with probability 1 −
// noise on a working day between from and to local time, else anywhere in
// the week; over 100 weeks.
func (a actor) stamps(r *rand.Rand, n int) []analyze.Timestamp {
	out := make([]analyze.Timestamp, n)
	for i := range out {
		var local time.Duration // since Monday 00:00 local
		if r.Float64() < a.noise {
			local = time.Duration(r.Int64N(int64(7 * 24 * time.Hour)))
		} else {
			day := r.IntN(7)
			for a.weekend.Rest(day) {
				day = r.IntN(7)
			}
			hour := a.from + r.Float64()*(a.to-a.from)
			local = time.Duration(day)*24*time.Hour + time.Duration(hour*float64(time.Hour))
		}
		week := time.Duration(r.IntN(100)) * 7 * 24 * time.Hour
		at := week0.Add(week + local - time.Duration(a.offset)*time.Hour).Truncate(time.Second)
		out[i] = analyze.Timestamp{Time: at, Precision: analyze.PrecisionSecond}
	}
	return out
}

func estimate(p analyze.TimeProfile) string {
	if p.Best == nil {
		return "none"
	}
	return describe(*p.Best)
}

func describe(e analyze.Estimate) string {
	if !e.OffsetKnown {
		return "? " + e.Weekend.String()
	}
	return time.Duration(e.Offset*int(time.Hour)).String() + " " + e.Weekend.String()
}

func TestInferKnownActors(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 1))
	tests := []struct {
		name string
		a    actor
		n    int
	}{
		{"UTC+3 Sun–Thu", actor{3, analyze.FriSat, 8, 18, 0.15}, 400},
		{"UTC−5 Mon–Fri", actor{-5, analyze.SatSun, 8, 18, 0.15}, 400},
		{"UTC+8 Mon–Fri, 09–17", actor{8, analyze.SatSun, 9, 17, 0.1}, 300},
		{"UTC+4 Mon–Fri, 09–17", actor{4, analyze.SatSun, 9, 17, 0.1}, 300},
		{"UTC+4 Sat–Wed", actor{4, analyze.ThuFri, 8, 18, 0.2}, 400},
		{"UTC+10 Mon–Fri, noisy", actor{10, analyze.SatSun, 8, 18, 0.5}, 600},
		{"UTC−12 Mon–Fri", actor{-12, analyze.SatSun, 8, 18, 0.1}, 300},
	}
	for _, tt := range tests {
		p := analyze.Profile(tt.a.stamps(r, tt.n))
		want := describe(analyze.Estimate{Offset: tt.a.offset, OffsetKnown: true, Weekend: tt.a.weekend})
		if got := estimate(p); got != want {
			t.Errorf("%s: inferred %s (confidence %.3f), want %s", tt.name, got, p.Best.Confidence, want)
			continue
		}
		if p.Best.Confidence < 0.5 || p.SecondBest.Confidence > p.Best.Confidence {
			t.Errorf("%s: confidence %.3f, second best %s at %.3f", tt.name, p.Best.Confidence, describe(*p.SecondBest), p.SecondBest.Confidence)
		}
		if p.Best.WorkShare < 1-tt.a.noise-0.1 || p.Best.WorkShare > 1 {
			t.Errorf("%s: work share %.3f with %.0f%% noise", tt.name, p.Best.WorkShare, 100*tt.a.noise)
		}
		if p.OffsetConfidence < p.Best.Confidence || p.WeekendConfidence < p.Best.Confidence {
			t.Errorf("%s: marginals %.3f %.3f below the joint %.3f", tt.name, p.OffsetConfidence, p.WeekendConfidence, p.Best.Confidence)
		}
		if p.Used != (analyze.Used{Hours: tt.n, Weekdays: tt.n, Timeline: tt.n}) {
			t.Errorf("%s: used %+v", tt.name, p.Used)
		}
	}
}

// The seed's example: 96 % of the samples Monday to Friday and 89 % between
// 08:00 and 18:00 at UTC+4.
func TestInferSeedExample(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	var ts []analyze.Timestamp
	add := func(n int, days []int, hours [2]int) {
		for range n {
			day := days[r.IntN(len(days))]
			hour := hours[0] + r.IntN(hours[1]-hours[0])
			local := week0.Add(time.Duration(r.IntN(50))*7*24*time.Hour + time.Duration(day*24+hour)*time.Hour + time.Duration(r.IntN(3600))*time.Second)
			ts = append(ts, analyze.Timestamp{Time: local.Add(-4 * time.Hour), Precision: analyze.PrecisionSecond})
		}
	}
	workdays, weekend := []int{0, 1, 2, 3, 4}, []int{5, 6}
	add(870, workdays, [2]int{8, 18})
	add(45, workdays, [2]int{18, 24})
	add(45, workdays, [2]int{0, 8})
	add(20, weekend, [2]int{8, 18})
	add(20, weekend, [2]int{18, 24})
	p := analyze.Profile(ts)
	if got := estimate(p); got != "4h0m0s Sat–Sun" {
		t.Fatalf("inferred %s, want +04:00 Sat–Sun", got)
	}
	if math.Abs(p.WeekdayShare-0.96) > 1e-9 || math.Abs(p.WorkingHoursShare-0.89) > 1e-9 {
		t.Errorf("weekday share %.4f, working hours share %.4f; want 0.96, 0.89", p.WeekdayShare, p.WorkingHoursShare)
	}
	js := p.JSON()
	if *js.UTCOffsetHours != 4 || *js.UTCOffset != "+04:00" || !cmp.Equal(js.Weekend, []string{"Sat", "Sun"}) {
		t.Errorf("JSON answer %v %v %v", *js.UTCOffsetHours, *js.UTCOffset, js.Weekend)
	}
}

func TestDatesDoNotMoveHours(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	timed := actor{3, analyze.FriSat, 8, 18, 0.1}.stamps(r, 300)
	before := analyze.Profile(timed)

	// Dates (day precision) on Sunday to Thursday, and a few months.
	withDates := append([]analyze.Timestamp(nil), timed...)
	for i := range 200 {
		day := week0.AddDate(0, 0, 7*(i%80)+[]int{6, 0, 1, 2, 3}[i%5])
		withDates = append(withDates, analyze.FromTime(day, analyze.PrecisionDay))
	}
	for i := range 10 {
		withDates = append(withDates, analyze.FromTime(week0.AddDate(0, i, 0), analyze.PrecisionMonth))
	}
	after := analyze.Profile(withDates)

	if after.HourOfWeek != before.HourOfWeek {
		t.Error("dates changed the hour-of-week histogram")
	}
	if want := (analyze.Used{Hours: 300, Weekdays: 500, Timeline: 510}); after.Used != want {
		t.Errorf("used %+v, want %+v", after.Used, want)
	}
	if after.N != 510 {
		t.Errorf("n = %d", after.N)
	}
	if estimate(after) != "3h0m0s Fri–Sat" {
		t.Errorf("with dates inferred %s", estimate(after))
	}
	sum := 0
	for _, c := range after.WeekdayCounts {
		sum += c
	}
	if sum != 500 || after.WeekdayCounts[4] > 40 || after.WeekdayCounts[5] > 40 {
		t.Errorf("weekday counts %v", after.WeekdayCounts)
	}
}

func TestDatesOnlyInferTheWeekend(t *testing.T) {
	var ts []analyze.Timestamp
	for i := range 120 {
		// Saturday to Wednesday: a Thu–Fri weekend.
		ts = append(ts, analyze.FromTime(week0.AddDate(0, 0, 7*(i/5)+[]int{5, 6, 0, 1, 2}[i%5]), analyze.PrecisionDay))
	}
	for i := range 8 {
		ts = append(ts, analyze.FromTime(week0.AddDate(0, 0, 7*i+3), analyze.PrecisionDay))
	}
	p := analyze.Profile(ts)
	if p.Best == nil || p.Best.OffsetKnown || p.Best.Weekend != analyze.ThuFri {
		t.Fatalf("inferred %s, want ? Thu–Fri", estimate(p))
	}
	if p.Best.Confidence != p.WeekendConfidence || p.Best.Confidence < 0.9 {
		t.Errorf("confidence %.3f, weekend confidence %.3f", p.Best.Confidence, p.WeekendConfidence)
	}
	if p.SecondBest == nil || p.SecondBest.OffsetKnown || p.SecondBest.Weekend == analyze.ThuFri {
		t.Errorf("second best %+v", p.SecondBest)
	}
	if math.Abs(p.WeekdayShare-120.0/128) > 1e-9 || p.WorkingHoursShare != 0 {
		t.Errorf("shares %.4f %.4f", p.WeekdayShare, p.WorkingHoursShare)
	}
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"utc_offset_hours":null`, `"utc_offset":null`, `"working_hours_share":null`, `"offset_confidence":null`, `"weekend":["Thu","Fri"]`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON lacks %s: %s", want, js)
		}
	}
}

// UTC+14 with Sat–Sun and UTC−10 with Fri–Sat explain times identically;
// the weekend prior decides and the twin is the second best.
func TestInferTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 14))
	p := analyze.Profile(actor{14, analyze.SatSun, 8, 18, 0.1}.stamps(r, 300))
	if estimate(p) != "14h0m0s Sat–Sun" || describe(*p.SecondBest) != "-10h0m0s Fri–Sat" {
		t.Fatalf("best %s, second %s", estimate(p), describe(*p.SecondBest))
	}
	if ratio := p.Best.Confidence / p.SecondBest.Confidence; math.Abs(ratio-0.7/0.2) > 1e-6 {
		t.Errorf("best/second = %.4f, want the prior ratio 3.5", ratio)
	}
}

func TestNoPatternHasLowConfidence(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	p := analyze.Profile(actor{0, analyze.SatSun, 8, 18, 1}.stamps(r, 2000))
	if p.Best.Confidence > 0.3 || p.Best.WorkShare > 0.1 {
		t.Errorf("uniform activity: %s with confidence %.3f, work share %.3f", estimate(p), p.Best.Confidence, p.Best.WorkShare)
	}
	if math.Abs(p.WorkingHoursShare-10.0/24) > 0.05 {
		t.Errorf("working hours share %.3f, want about 10/24", p.WorkingHoursShare)
	}
	// Dates spread evenly over the week: no pattern, so the answer is the prior.
	var dates []analyze.Timestamp
	for i := range 700 {
		dates = append(dates, analyze.FromTime(week0.AddDate(0, 0, i), analyze.PrecisionDay))
	}
	p = analyze.Profile(dates)
	if p.Best.WorkShare > 1e-6 || math.Abs(p.Best.Confidence-0.7) > 1e-9 || p.Best.Weekend != analyze.SatSun {
		t.Errorf("even dates: %s confidence %.4f work share %.4f; want the prior", estimate(p), p.Best.Confidence, p.Best.WorkShare)
	}
}

func TestEmptyAndMonthOnlyProfiles(t *testing.T) {
	for _, ts := range [][]analyze.Timestamp{nil, {analyze.FromTime(week0, analyze.PrecisionMonth)}, {{}}} {
		p := analyze.Profile(ts)
		if p.Best != nil || p.SecondBest != nil || p.WeekdayShare != 0 {
			t.Errorf("%v: %+v", ts, p)
		}
		js := p.JSON()
		if js.Weekend != nil || js.UTCOffset != nil || js.WeekdayShare != nil || js.Months == nil {
			t.Errorf("%v: JSON %+v", ts, js)
		}
	}
	p := analyze.Profile([]analyze.Timestamp{analyze.FromTime(week0, analyze.PrecisionMonth)})
	if p.Used != (analyze.Used{Timeline: 1}) || !cmp.Equal(p.Months, []analyze.MonthCount{{Month: "2023-01", N: 1}}) {
		t.Errorf("month-only: used %+v months %v", p.Used, p.Months)
	}
}

func TestProfileTimelineAndOffsets(t *testing.T) {
	var ts []analyze.Timestamp
	for _, s := range []string{"D:20240312141500+04'00'", "D:20240313101500+04'00'", "2024-01-31T23:30:00-05:00",
		"2024-02-01", "2024-03-12T10:15:00Z", "2023-12"} {
		x, err := analyze.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, x)
	}
	p := analyze.Profile(ts)
	if diff := cmp.Diff(map[string]int{"+04:00": 2, "-05:00": 1}, p.RecordedOffsets); diff != "" {
		t.Errorf("recorded offsets (-want +got):\n%s", diff)
	}
	// 2024-01-31T23:30-05:00 is February in UTC.
	want := []analyze.MonthCount{{Month: "2023-12", N: 1}, {Month: "2024-02", N: 2}, {Month: "2024-03", N: 3}}
	if diff := cmp.Diff(want, p.Months); diff != "" {
		t.Errorf("months (-want +got):\n%s", diff)
	}
	if !p.First.Equal(time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC)) || !p.Last.Equal(time.Date(2024, 3, 13, 6, 15, 0, 0, time.UTC)) {
		t.Errorf("first %v last %v", p.First, p.Last)
	}
	if p.Used != (analyze.Used{Hours: 4, Weekdays: 5, Timeline: 6}) {
		t.Errorf("used %+v", p.Used)
	}
}

func TestHourOfWeekAt(t *testing.T) {
	var p analyze.TimeProfile
	p.HourOfWeek[0] = 1   // Monday 00 UTC
	p.HourOfWeek[167] = 2 // Sunday 23 UTC
	local := p.HourOfWeekAt(4)
	if local[4] != 1 || local[3] != 2 {
		t.Errorf("+4: %v", local[:8])
	}
	local = p.HourOfWeekAt(-5)
	if local[163] != 1 || local[162] != 2 {
		t.Errorf("-5: %v", local[160:])
	}
}

func TestProfileJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	ts := actor{4, analyze.SatSun, 8, 18, 0.1}.stamps(r, 200)
	ts = append(ts, analyze.Timestamp{Time: week0, Precision: analyze.PrecisionSecond, Offset: 4 * time.Hour, HasOffset: true})
	p := analyze.Profile(ts)
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	// The keys first, in its order.
	var keys []string
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	want := []string{"n", "utc_offset_hours", "utc_offset", "confidence", "weekend", "weekday_share", "working_hours_share",
		"second_best", "hour_of_week", "used", "work_share", "offset_confidence", "weekend_confidence", "weekday_counts",
		"recorded_offsets", "first", "last", "months"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	var back analyze.TimeProfile
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	round := func(x float64) float64 { return math.Round(x*1e4) / 1e4 }
	wantBack := p
	wantBack.Best = &analyze.Estimate{Offset: 4, OffsetKnown: true, Weekend: analyze.SatSun, Confidence: round(p.Best.Confidence), WorkShare: round(p.Best.WorkShare)}
	wantBack.SecondBest = &analyze.Estimate{Offset: p.SecondBest.Offset, OffsetKnown: true, Weekend: p.SecondBest.Weekend,
		Confidence: round(p.SecondBest.Confidence), WorkShare: round(p.SecondBest.WorkShare)}
	wantBack.OffsetConfidence, wantBack.WeekendConfidence = round(p.OffsetConfidence), round(p.WeekendConfidence)
	wantBack.WeekdayShare, wantBack.WorkingHoursShare = round(p.WeekdayShare), round(p.WorkingHoursShare)
	if diff := cmp.Diff(wantBack, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"weekend":["Sun","Mon"]}`), &back); err == nil {
		t.Error("accepted an unknown weekend")
	}
}
