package analyze

import (
	"math"
	"sort"
	"time"
)

// Weekend is a pattern of two rest days.
type Weekend uint8

// The weekend patterns the inference considers.
const (
	SatSun Weekend = iota // most of the world
	FriSat                // much of the Middle East and North Africa, Bangladesh
	ThuFri                // Afghanistan until 2021, Iran's Thursday half-day and Friday
	numWeekends
)

var weekendDays = [numWeekends][2]int{{5, 6}, {4, 5}, {3, 4}}

// weekendPrior is the prior probability of each pattern: a judgement of how
// common each is, which decides only what the data cannot (a handful of
// timestamps, or the ±24 h twins described in the package comment).
var weekendPrior = [numWeekends]float64{0.7, 0.2, 0.1}

// DayNames are the short weekday names, Monday first, as JSON writes them.
var DayNames = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// Days returns the two rest days, Monday = 0.
func (w Weekend) Days() [2]int { return weekendDays[w%numWeekends] }

// Rest reports whether day (Monday = 0) is a rest day.
func (w Weekend) Rest(day int) bool { d := w.Days(); return day == d[0] || day == d[1] }

// Names returns the rest days' short names, ["Sat","Sun"].
func (w Weekend) Names() []string { d := w.Days(); return []string{DayNames[d[0]], DayNames[d[1]]} }

func (w Weekend) String() string { n := w.Names(); return n[0] + "–" + n[1] }

// Offsets the inference considers: whole hours from UTC−12 to UTC+14.
const (
	MinOffset = -12
	MaxOffset = 14
)

// Working hours, local time: WorkStart:00 up to WorkEnd:00.
const (
	WorkStart = 8
	WorkEnd   = 18
)

// workShape is the working component's share of each local hour of a
// working day: the 08–18 box with logistic edges one hour wide, so that
// activity from 09 to 17 is explained best by the offset that centres it
// rather than equally by three.
var workShape = func() (s [24]float64) {
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	sum := 0.0
	for h := range s {
		c := float64(h) + 0.5
		s[h] = sig(c-WorkStart) * sig(WorkEnd-c)
		sum += s[h]
	}
	for h := range s {
		s[h] /= sum
	}
	return s
}()

// Builder accumulates timestamps into the counts a TimeProfile is made
// from; memory does not grow with the number of timestamps.
type Builder struct {
	n       int
	hours   [168]int // timestamps with a time of day, by UTC hour of week
	dates   [7]int   // day-precision timestamps, by written weekday
	months  int      // month-precision timestamps
	byMonth map[int]int
	first   time.Time
	last    time.Time
	offsets map[time.Duration]int
}

// Add counts one timestamp; a timestamp without a valid precision is
// ignored.
func (b *Builder) Add(ts Timestamp) {
	switch {
	case ts.Precision.HasHour():
		b.hours[ts.HourOfWeek()]++
	case ts.Precision == PrecisionDay:
		b.dates[ts.DayOfWeek()]++
	case ts.Precision == PrecisionMonth:
		b.months++
	default:
		return
	}
	b.n++
	if b.byMonth == nil {
		b.byMonth = map[int]int{}
	}
	y, m, _ := ts.Time.Date()
	b.byMonth[y*12+int(m)-1]++
	if b.first.IsZero() || ts.Time.Before(b.first) {
		b.first = ts.Time
	}
	if ts.Time.After(b.last) {
		b.last = ts.Time
	}
	if ts.HasOffset {
		if b.offsets == nil {
			b.offsets = map[time.Duration]int{}
		}
		b.offsets[ts.Offset]++
	}
}

// N is how many timestamps were added.
func (b *Builder) N() int { return b.n }

// Profile returns the profile of every timestamp of ts.
func Profile(ts []Timestamp) TimeProfile {
	var b Builder
	for _, t := range ts {
		b.Add(t)
	}
	return b.Profile()
}

// Used says how many timestamps each part of a profile rests on.
type Used struct {
	Hours    int `json:"hours"`    // with a time of day: the hour-of-week histogram and offset
	Weekdays int `json:"weekdays"` // with a date: weekday counts and the weekend
	Timeline int `json:"timeline"` // every one: first, last, months
}

// Estimate is one answer to "where and when does this actor work".
type Estimate struct {
	// Offset is the UTC offset in hours east of UTC; OffsetKnown is false
	// when no timestamp has a time of day, so only the weekend is inferred.
	Offset      int
	OffsetKnown bool
	Weekend     Weekend
	// Confidence is the posterior probability of this answer under the
	// model: of the (offset, weekend) pair, or of the weekend alone when
	// the offset is unknown.
	Confidence float64
	// WorkShare is the share of activity the answer explains as office
	// work (the fitted mixture weight π); 0 means no weekly pattern at all,
	// and then Confidence is only the prior.
	WorkShare float64
}

// MonthCount is the number of timestamps in one month (UTC for times, as
// written for dates).
type MonthCount struct {
	Month string `json:"month"` // YYYY-MM
	N     int    `json:"n"`
}

// TimeProfile is the time dimension of a set of timestamps.
type TimeProfile struct {
	N    int
	Used Used
	// Best and SecondBest are nil when no timestamp has a date.
	Best, SecondBest *Estimate
	// OffsetConfidence is the posterior of Best's offset whatever the
	// weekend, WeekendConfidence of Best's weekend whatever the offset.
	OffsetConfidence, WeekendConfidence float64
	// WeekdayShare is the share of dated timestamps on Best's working days
	// (times in local time at Best's offset, dates as written); 0 without
	// dates. WorkingHoursShare is the share of timestamps with a time of
	// day between 08:00 and 18:00 local time at Best's offset; 0 without.
	WeekdayShare, WorkingHoursShare float64
	// HourOfWeek counts timestamps with a time of day by UTC hour of the
	// week: index = day×24 + hour, Monday 00:00 UTC = 0, Sunday 23:00 = 167.
	HourOfWeek [168]int
	// WeekdayCounts counts dated timestamps by local weekday at Best's
	// offset (times) or as written (dates), Monday first.
	WeekdayCounts [7]int
	// RecordedOffsets counts the UTC offsets sources wrote, as "+04:00".
	RecordedOffsets map[string]int
	First, Last     time.Time
	Months          []MonthCount
}

// HourOfWeekAt returns the histogram in local time at a UTC offset in
// hours: index 0 is Monday 00:00 local.
func (p *TimeProfile) HourOfWeekAt(offset int) [168]int {
	var out [168]int
	for h, c := range p.HourOfWeek {
		out[((h+offset)%168+168)%168] = c
	}
	return out
}

// candidate is one (offset, weekend) hypothesis and its log posterior
// (unnormalised until posterior normalises it).
type candidate struct {
	offset  int
	weekend Weekend
	pi      float64 // the fitted weight of the working component
	logPost float64
}

// Profile infers the profile of what was added.
func (b *Builder) Profile() TimeProfile {
	p := TimeProfile{N: b.n, HourOfWeek: b.hours}
	for _, c := range b.hours {
		p.Used.Hours += c
	}
	p.Used.Weekdays = b.n - b.months
	p.Used.Timeline = b.n
	p.First, p.Last = b.first, b.last
	for m, c := range b.byMonth {
		p.Months = append(p.Months, MonthCount{Month: time.Date(m/12, time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01"), N: c})
	}
	sort.Slice(p.Months, func(i, j int) bool { return p.Months[i].Month < p.Months[j].Month })
	if len(b.offsets) > 0 {
		p.RecordedOffsets = map[string]int{}
		for off, c := range b.offsets {
			p.RecordedOffsets[formatOffset(off)] += c
		}
	}
	if p.Used.Weekdays == 0 {
		return p
	}

	cands := b.posterior()
	var offPost [MaxOffset - MinOffset + 1]float64
	var wkPost [numWeekends]float64
	for _, c := range cands {
		offPost[c.offset-MinOffset] += math.Exp(c.logPost)
		wkPost[c.weekend] += math.Exp(c.logPost)
	}
	if p.Used.Hours > 0 {
		sort.SliceStable(cands, func(i, j int) bool { return cands[i].logPost > cands[j].logPost })
		best, second := cands[0], cands[1]
		p.Best = &Estimate{Offset: best.offset, OffsetKnown: true, Weekend: best.weekend, Confidence: math.Exp(best.logPost), WorkShare: best.pi}
		p.SecondBest = &Estimate{Offset: second.offset, OffsetKnown: true, Weekend: second.weekend, Confidence: math.Exp(second.logPost), WorkShare: second.pi}
		p.OffsetConfidence = offPost[best.offset-MinOffset]
	} else {
		// Dates alone say nothing of the offset: answer the weekend only.
		var pi [numWeekends]float64
		for _, c := range cands {
			pi[c.weekend] = c.pi
		}
		order := []Weekend{SatSun, FriSat, ThuFri}
		sort.SliceStable(order, func(i, j int) bool { return wkPost[order[i]] > wkPost[order[j]] })
		p.Best = &Estimate{Weekend: order[0], Confidence: wkPost[order[0]], WorkShare: pi[order[0]]}
		p.SecondBest = &Estimate{Weekend: order[1], Confidence: wkPost[order[1]], WorkShare: pi[order[1]]}
	}
	p.WeekendConfidence = wkPost[p.Best.Weekend]

	off, wk := p.Best.Offset, p.Best.Weekend
	working, inHours := 0, 0
	for h, c := range b.hours {
		l := ((h+off)%168 + 168) % 168
		p.WeekdayCounts[l/24] += c
		if hr := l % 24; hr >= WorkStart && hr < WorkEnd {
			inHours += c
		}
	}
	for d, c := range b.dates {
		p.WeekdayCounts[d] += c
	}
	for d, c := range p.WeekdayCounts {
		if !wk.Rest(d) {
			working += c
		}
	}
	p.WeekdayShare = float64(working) / float64(p.Used.Weekdays)
	if p.Used.Hours > 0 {
		p.WorkingHoursShare = float64(inHours) / float64(p.Used.Hours)
	}
	return p
}

// posterior scores every (offset, weekend) pair: the log of its prior times
// the likelihood of the counts at the best mixing weight, normalised so
// that the probabilities sum to one. Candidates are in a fixed order
// (weekend, then offset ascending), which breaks exact ties.
func (b *Builder) posterior() []candidate {
	// Only non-empty bins contribute to the likelihood.
	type bin struct{ idx, n int }
	var hours, dates []bin
	for h, c := range b.hours {
		if c > 0 {
			hours = append(hours, bin{h, c})
		}
	}
	for d, c := range b.dates {
		if c > 0 {
			dates = append(dates, bin{d, c})
		}
	}
	cands := make([]candidate, 0, int(numWeekends)*(MaxOffset-MinOffset+1))
	// work[i] is the working component's density for the i-th hour bin
	// (per hour of week) or date bin (per day of week).
	workH := make([]float64, len(hours))
	workD := make([]float64, len(dates))
	for w := range numWeekends {
		for i, d := range dates {
			workD[i] = 0
			if !w.Rest(d.idx) {
				workD[i] = 1.0 / 5
			}
		}
		var logL, pi float64
		for off := MinOffset; off <= MaxOffset; off++ {
			for i, h := range hours {
				l := ((h.idx+off)%168 + 168) % 168
				workH[i] = 0
				if !w.Rest(l / 24) {
					workH[i] = workShape[l%24] / 5
				}
			}
			ll := func(pi float64) float64 {
				f := 0.0
				for i, h := range hours {
					f += float64(h.n) * math.Log(pi*workH[i]+(1-pi)/168)
				}
				for i, d := range dates {
					f += float64(d.n) * math.Log(pi*workD[i]+(1-pi)/7)
				}
				return f
			}
			dll := func(pi float64) float64 {
				df := 0.0
				for i, h := range hours {
					df += float64(h.n) * (workH[i] - 1.0/168) / (pi*workH[i] + (1-pi)/168)
				}
				for i, d := range dates {
					df += float64(d.n) * (workD[i] - 1.0/7) / (pi*workD[i] + (1-pi)/7)
				}
				return df
			}
			if len(hours) > 0 || off == MinOffset {
				pi = argmaxConcave(dll)
				logL = ll(pi)
			}
			// Without hours the likelihood does not depend on the offset.
			cands = append(cands, candidate{off, w, pi, math.Log(weekendPrior[w]) + logL})
		}
	}
	// Normalise in log space.
	top := math.Inf(-1)
	for _, c := range cands {
		top = math.Max(top, c.logPost)
	}
	sum := 0.0
	for _, c := range cands {
		sum += math.Exp(c.logPost - top)
	}
	for i := range cands {
		cands[i].logPost -= top + math.Log(sum)
	}
	return cands
}

// argmaxConcave returns where a concave function on [0, 1] is largest,
// given its derivative, by bisection on the derivative.
func argmaxConcave(df func(float64) float64) float64 {
	if df(0) <= 0 {
		return 0
	}
	lo, hi := 0.0, 1.0
	for range 60 {
		if mid := (lo + hi) / 2; df(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}
