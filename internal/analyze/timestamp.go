package analyze

import (
	"fmt"
	"time"
)

// Precision is how much of a timestamp is known. A coarser timestamp counts
// for fewer parts of a profile: every one for the timeline, a day or finer
// for weekdays, an hour or finer for the hour-of-week histogram.
type Precision uint8

// Precisions, coarsest first; the zero value is no timestamp.
const (
	PrecisionMonth Precision = iota + 1
	PrecisionDay
	PrecisionHour
	PrecisionMinute
	PrecisionSecond
)

var precisionNames = [...]string{"", "month", "day", "hour", "minute", "second"}

func (p Precision) String() string {
	if int(p) < len(precisionNames) {
		return precisionNames[p]
	}
	return fmt.Sprintf("Precision(%d)", p)
}

// HasDay reports whether the weekday is known.
func (p Precision) HasDay() bool { return p >= PrecisionDay && p <= PrecisionSecond }

// HasHour reports whether the hour of day is known.
func (p Precision) HasHour() bool { return p >= PrecisionHour && p <= PrecisionSecond }

// Timestamp is one moment of attacker activity as a source recorded it.
//
// Time is the instant in UTC. A timestamp of month or day precision has no
// instant: Time is then midnight UTC at the start of the month or date as
// written, and its weekday is the written date's (no offset moves it).
//
// Offset is the UTC offset the source wrote beside the time (PDF dates,
// e-mail headers, RFC 3339 with a numeric offset), kept because the writer's
// clock setting is evidence of its own. HasOffset is false when none was
// written or the writer said it did not know (−00:00) or wrote UTC by name
// (Z, UT, GMT), which says nothing about its zone.
type Timestamp struct {
	Time      time.Time
	Precision Precision
	Offset    time.Duration
	HasOffset bool
}

// FromTime returns t at precision p, with no recorded offset: a coarse
// precision truncates the UTC time to its day or month.
func FromTime(t time.Time, p Precision) Timestamp {
	t = t.UTC()
	switch p {
	case PrecisionMonth:
		t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case PrecisionDay:
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case PrecisionHour:
		t = t.Truncate(time.Hour)
	case PrecisionMinute:
		t = t.Truncate(time.Minute)
	}
	return Timestamp{Time: t, Precision: p}
}

// FromUnix returns unix seconds as a timestamp of second precision (a PE
// header's TimeDateStamp, a log line).
func FromUnix(sec int64) Timestamp {
	return Timestamp{Time: time.Unix(sec, 0).UTC(), Precision: PrecisionSecond}
}

// unixDay returns the day number since 1970-01-01 and the second within
// it, in UTC; cheaper than the calendar methods of time.Time.
func unixDay(t time.Time) (day, sec int64) {
	u := t.Unix()
	day, sec = u/86400, u%86400
	if sec < 0 {
		day, sec = day-1, sec+86400
	}
	return day, sec
}

// DayOfWeek is the timestamp's weekday, Monday = 0 … Sunday = 6: of the UTC
// instant for timestamps with a time of day, of the written date for dates.
// It is -1 for month precision.
func (ts Timestamp) DayOfWeek() int {
	if !ts.Precision.HasDay() {
		return -1
	}
	day, _ := unixDay(ts.Time)
	return int(((day+3)%7 + 7) % 7) // 1970-01-01 was a Thursday
}

// FromStored reads an activity time as the store keeps it (an
// intel.Event's Times: instants without a precision). An instant at
// exactly midnight UTC is taken for a date alone, which is how sources of
// day precision are stored, so it counts for weekdays but not for hours;
// any other instant has second precision.
func FromStored(t time.Time) Timestamp {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return Timestamp{Time: t, Precision: PrecisionDay}
	}
	return Timestamp{Time: t, Precision: PrecisionSecond}
}

// HourOfWeek is the UTC hour of the week, Monday 00:00–00:59 UTC = 0 …
// Sunday 23:00–23:59 UTC = 167, or -1 when the hour is not known.
func (ts Timestamp) HourOfWeek() int {
	if !ts.Precision.HasHour() {
		return -1
	}
	day, sec := unixDay(ts.Time)
	return int(((day+3)%7+7)%7)*24 + int(sec/3600)
}

// String writes the timestamp in the ISO form Parse reads back to the same
// value: "2024-03", "2024-03-12", "2024-03-12T10Z", "2024-03-12T10:15Z",
// "2024-03-12T10:15:00.5Z", in the recorded offset's local time when there
// is one ("2024-03-12T14:15:00+04:00").
func (ts Timestamp) String() string {
	t := ts.Time.UTC()
	zone := "Z"
	if ts.HasOffset {
		t = t.In(time.FixedZone("", int(ts.Offset/time.Second)))
		zone = formatOffset(ts.Offset)
	}
	switch ts.Precision {
	case PrecisionMonth:
		return t.Format("2006-01")
	case PrecisionDay:
		return t.Format("2006-01-02")
	case PrecisionHour:
		return t.Format("2006-01-02T15") + zone
	case PrecisionMinute:
		return t.Format("2006-01-02T15:04") + zone
	case PrecisionSecond:
		return t.Format("2006-01-02T15:04:05.999999999") + zone
	}
	return ""
}

// formatOffset writes an offset as ±HH:MM.
func formatOffset(d time.Duration) string {
	sign := '+'
	if d < 0 {
		sign, d = '-', -d
	}
	m := int(d / time.Minute)
	return fmt.Sprintf("%c%02d:%02d", sign, m/60, m%60)
}
