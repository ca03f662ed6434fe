package analyze

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// TimeProfileJSON is a TimeProfile as JSON writes it, the shape of
// `spoor analyze time --format json` and of a fingerprint's time part.
// Unknown answers are null; shares and confidences are rounded to four
// decimals. The first keys are the contract, in its order.
type TimeProfileJSON struct {
	N                 int           `json:"n"`
	UTCOffsetHours    *int          `json:"utc_offset_hours"`
	UTCOffset         *string       `json:"utc_offset"`
	Confidence        float64       `json:"confidence"`
	Weekend           []string      `json:"weekend"`
	WeekdayShare      *float64      `json:"weekday_share"`
	WorkingHoursShare *float64      `json:"working_hours_share"`
	SecondBest        *EstimateJSON `json:"second_best"`
	HourOfWeek        [168]int      `json:"hour_of_week"`

	Used              Used           `json:"used"`
	WorkShare         *float64       `json:"work_share"`
	OffsetConfidence  *float64       `json:"offset_confidence"`
	WeekendConfidence *float64       `json:"weekend_confidence"`
	WeekdayCounts     [7]int         `json:"weekday_counts"` // Monday first
	RecordedOffsets   map[string]int `json:"recorded_offsets,omitempty"`
	First             time.Time      `json:"first,omitzero"`
	Last              time.Time      `json:"last,omitzero"`
	Months            []MonthCount   `json:"months"`
}

// EstimateJSON is an Estimate as JSON writes it.
type EstimateJSON struct {
	UTCOffsetHours *int     `json:"utc_offset_hours"`
	UTCOffset      *string  `json:"utc_offset"`
	Weekend        []string `json:"weekend"`
	Confidence     float64  `json:"confidence"`
	WorkShare      float64  `json:"work_share"`
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func ptr[T any](v T) *T { return &v }

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func (e *Estimate) json() *EstimateJSON {
	if e == nil {
		return nil
	}
	out := &EstimateJSON{Weekend: e.Weekend.Names(), Confidence: round4(e.Confidence), WorkShare: round4(e.WorkShare)}
	if e.OffsetKnown {
		out.UTCOffsetHours = ptr(e.Offset)
		out.UTCOffset = ptr(formatOffset(time.Duration(e.Offset) * time.Hour))
	}
	return out
}

// JSON returns the profile's JSON form.
func (p *TimeProfile) JSON() TimeProfileJSON {
	out := TimeProfileJSON{
		N: p.N, HourOfWeek: p.HourOfWeek, Used: p.Used, WeekdayCounts: p.WeekdayCounts,
		RecordedOffsets: p.RecordedOffsets, First: p.First, Last: p.Last, Months: p.Months,
		SecondBest: p.SecondBest.json(),
	}
	if out.Months == nil {
		out.Months = []MonthCount{}
	}
	if b := p.Best.json(); b != nil {
		out.UTCOffsetHours, out.UTCOffset, out.Weekend, out.Confidence = b.UTCOffsetHours, b.UTCOffset, b.Weekend, b.Confidence
		out.WorkShare = ptr(b.WorkShare)
		out.WeekendConfidence = ptr(round4(p.WeekendConfidence))
		if p.Best.OffsetKnown {
			out.OffsetConfidence = ptr(round4(p.OffsetConfidence))
		}
	}
	if p.Used.Weekdays > 0 {
		out.WeekdayShare = ptr(round4(p.WeekdayShare))
	}
	if p.Used.Hours > 0 {
		out.WorkingHoursShare = ptr(round4(p.WorkingHoursShare))
	}
	return out
}

// MarshalJSON writes the profile as TimeProfileJSON.
func (p TimeProfile) MarshalJSON() ([]byte, error) { return json.Marshal(p.JSON()) }

// UnmarshalJSON reads what MarshalJSON wrote (with its rounding).
func (p *TimeProfile) UnmarshalJSON(data []byte) error {
	var in TimeProfileJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	best, err := estimateFrom(&EstimateJSON{in.UTCOffsetHours, in.UTCOffset, in.Weekend, in.Confidence, deref(in.WorkShare)})
	if err != nil {
		return err
	}
	second, err := estimateFrom(in.SecondBest)
	if err != nil {
		return err
	}
	*p = TimeProfile{
		N: in.N, Used: in.Used, Best: best, SecondBest: second, HourOfWeek: in.HourOfWeek,
		WeekdayCounts: in.WeekdayCounts, RecordedOffsets: in.RecordedOffsets, First: in.First, Last: in.Last,
		Months: in.Months,
	}
	if len(p.Months) == 0 {
		p.Months = nil
	}
	for _, f := range []struct {
		dst *float64
		src *float64
	}{{&p.OffsetConfidence, in.OffsetConfidence}, {&p.WeekendConfidence, in.WeekendConfidence},
		{&p.WeekdayShare, in.WeekdayShare}, {&p.WorkingHoursShare, in.WorkingHoursShare}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return nil
}

func estimateFrom(e *EstimateJSON) (*Estimate, error) {
	if e == nil || e.Weekend == nil {
		return nil, nil
	}
	out := &Estimate{Confidence: e.Confidence, WorkShare: e.WorkShare}
	found := false
	for w := range numWeekends {
		if n := w.Names(); len(e.Weekend) == 2 && e.Weekend[0] == n[0] && e.Weekend[1] == n[1] {
			out.Weekend, found = w, true
		}
	}
	if !found {
		return nil, fmt.Errorf("time profile: unknown weekend %v", e.Weekend)
	}
	if e.UTCOffsetHours != nil {
		out.Offset, out.OffsetKnown = *e.UTCOffsetHours, true
	}
	return out, nil
}
