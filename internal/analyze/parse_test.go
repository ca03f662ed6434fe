package analyze_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/analyze"
)

func utc(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

const h4 = 4 * time.Hour

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want analyze.Timestamp
	}{
		// ISO 8601 / RFC 3339 and relatives.
		{"2024-03-12T10:15:00Z", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond}},
		{"2024-03-12t10:15:00z", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond}},
		{"2024-03-12T14:15:00+04:00", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond, Offset: h4, HasOffset: true}},
		{"2024-03-12T05:15:00-0500", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond, Offset: -5 * time.Hour, HasOffset: true}},
		{"2024-03-12T15:45:00+05:30", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond, Offset: 5*time.Hour + 30*time.Minute, HasOffset: true}},
		{"2024-03-12T10:15:00+00:00", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond, HasOffset: true}},
		{"2024-03-12T10:15:00-00:00", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond}},
		{"2024-03-12T10:15:00.250Z", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0).Add(250 * time.Millisecond), Precision: analyze.PrecisionSecond}},
		{"2024-03-12 10:15:00", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond}},
		{"  2024-03-12 10:15:00\t", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond}},
		{"2024-03-12 10:15", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionMinute}},
		{"2024-03-12T10Z", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 0, 0), Precision: analyze.PrecisionHour}},
		{"2024-03-12", analyze.Timestamp{Time: utc(2024, 3, 12, 0, 0, 0), Precision: analyze.PrecisionDay}},
		{"2024-02-29", analyze.Timestamp{Time: utc(2024, 2, 29, 0, 0, 0), Precision: analyze.PrecisionDay}},
		{"2024-03", analyze.Timestamp{Time: utc(2024, 3, 1, 0, 0, 0), Precision: analyze.PrecisionMonth}},
		// Across midnight: the UTC instant's date differs from the written one.
		{"2024-03-12T02:00:00+04:00", analyze.Timestamp{Time: utc(2024, 3, 11, 22, 0, 0), Precision: analyze.PrecisionSecond, Offset: h4, HasOffset: true}},
		// Unix seconds.
		{"1710238500", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond}},
		{"1710238500.5", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0).Add(500 * time.Millisecond), Precision: analyze.PrecisionSecond}},
		{"946684800", analyze.Timestamp{Time: utc(2000, 1, 1, 0, 0, 0), Precision: analyze.PrecisionSecond}},
		// PDF dates.
		{"D:20240312141500+04'00'", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond, Offset: h4, HasOffset: true}},
		{"D:20240312141500+04'00", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond, Offset: h4, HasOffset: true}},
		{"D:20240312051500-05'00'", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond, Offset: -5 * time.Hour, HasOffset: true}},
		{"D:20240312101500Z", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond}},
		{"D:20240312101500Z00'00'", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond}},
		{"D:20240312101500", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond}},
		{"D:2024031210", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 0, 0), Precision: analyze.PrecisionHour}},
		{"D:20240312", analyze.Timestamp{Time: utc(2024, 3, 12, 0, 0, 0), Precision: analyze.PrecisionDay}},
		{"D:202403", analyze.Timestamp{Time: utc(2024, 3, 1, 0, 0, 0), Precision: analyze.PrecisionMonth}},
		// E-mail Date: headers.
		{"Tue, 12 Mar 2024 14:15:00 +0400", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond, Offset: h4, HasOffset: true}},
		{"12 Mar 2024 14:15 +0400 (GST)", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionMinute, Offset: h4, HasOffset: true}},
		{"Tue, 12 Mar 2024 05:15:00 EST", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond, Offset: -5 * time.Hour, HasOffset: true}},
		{"Tue, 12 Mar 2024 10:15:00 GMT", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond}},
		{"Tue, 12 Mar 2024 10:15:00 -0000", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond}},
		{"Tue, 12 Mar 2024 10:15:00 +0000", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond, HasOffset: true}},
		{"Tue, 12 Mar 24 10:15:00 A", analyze.Timestamp{Time: utc(2024, 3, 12, 10, 15, 0), Precision: analyze.PrecisionSecond}},
		{"12 mar 99 10:15:00 +0100", analyze.Timestamp{Time: utc(1999, 3, 12, 9, 15, 0), Precision: analyze.PrecisionSecond, Offset: time.Hour, HasOffset: true}},
	}
	for _, tt := range tests {
		got, err := analyze.Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty time"},
		{"yesterday", "cannot read"},
		{"12 Mar", "not an e-mail date"},
		{"2024-13-01", "month 13 out of range"},
		{"2023-02-29", "day 29 out of range"},
		{"2024-03-12T25:00:00Z", "time of day out of range"},
		{"2024-03-12T10:60Z", "time of day out of range"},
		{"2024-03-12T10:15:00+04:00junk", "unexpected"},
		{"2024-03-12X10:15", "want T or a space"},
		{"2024-03-12T10:15:00.Z", "digits after the decimal point"},
		{"2024-3-12", "want YYYY-MM-DD"},
		{"2024", "too short for unix seconds"},
		{"17102385001234", "after year 9999 (milliseconds?)"},
		{"1710238500123", "after year 9999 (milliseconds?)"},
		{"D:2024", "not a PDF date"},
		{"D:20240312141500+04'99'", "bad offset"},
		{"D:20240312141500X", "unexpected"},
		{"D:20241312", "month 13 out of range"},
		{"Tue, 12 Foo 2024 10:15:00 +0400", "unknown month"},
		{"Tue, 12 Mar 2024 10:15:00 XYZ", "unknown zone"},
		{"Tue, 12 Mar 2024 10.15.00 +0400", "want HH:MM[:SS]"},
		{"-5", "cannot read"},
	}
	for _, tt := range tests {
		_, err := analyze.Parse(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", tt.in, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q): error spans lines: %q", tt.in, err)
		}
	}
}

// The specific parsers take what Parse leaves to them.
func TestParseSpecific(t *testing.T) {
	got, err := analyze.ParseUnix("0")
	if err != nil || !got.Time.Equal(time.Unix(0, 0)) || got.Precision != analyze.PrecisionSecond {
		t.Errorf("ParseUnix(0) = %+v, %v", got, err)
	}
	got, err = analyze.ParsePDFDate("20240312141500+04'00'")
	if err != nil || !got.Time.Equal(utc(2024, 3, 12, 10, 15, 0)) || got.Offset != h4 {
		t.Errorf("ParsePDFDate without D: = %+v, %v", got, err)
	}
	if _, err := analyze.ParseISO("1710238500"); err == nil {
		t.Error("ParseISO took unix seconds")
	}
}

func TestTimestampString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2024-03-12 10:15:00", "2024-03-12T10:15:00Z"},
		{"D:20240312141500+04'00'", "2024-03-12T14:15:00+04:00"},
		{"Tue, 12 Mar 2024 05:15 EST", "2024-03-12T05:15-05:00"},
		{"2024-03-12T10Z", "2024-03-12T10Z"},
		{"2024-03-12", "2024-03-12"},
		{"D:202403", "2024-03"},
		{"1710238500.25", "2024-03-12T10:15:00.25Z"},
	}
	for _, tt := range tests {
		ts, err := analyze.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := ts.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		back, err := analyze.Parse(ts.String())
		if err != nil || !cmp.Equal(back, ts) {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", ts.String(), back, err, ts)
		}
	}
}

func TestTimestampIndices(t *testing.T) {
	tests := []struct {
		in        string
		day, hour int
	}{
		{"2024-03-11T00:00:00Z", 0, 0},   // a Monday
		{"2024-03-17T23:59:59Z", 6, 167}, // a Sunday
		{"2024-03-12T14:15:00+04:00", 1, 24 + 10},
		{"2024-03-12T02:00:00+04:00", 0, 22}, // Tuesday local is Monday UTC
		{"2024-03-17", 6, -1},
		{"2024-03", -1, -1},
	}
	for _, tt := range tests {
		ts, err := analyze.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if d, h := ts.DayOfWeek(), ts.HourOfWeek(); d != tt.day || h != tt.hour {
			t.Errorf("%s: day %d hour %d, want %d %d", tt.in, d, h, tt.day, tt.hour)
		}
	}
	if got := analyze.FromTime(utc(2024, 3, 12, 10, 15, 7), analyze.PrecisionDay); !got.Time.Equal(utc(2024, 3, 12, 0, 0, 0)) {
		t.Errorf("FromTime day = %v", got.Time)
	}
	if got := analyze.FromUnix(1710238500); got.HourOfWeek() != 24+10 {
		t.Errorf("FromUnix hour of week = %d", got.HourOfWeek())
	}
}

// TestFromStored: a stored instant at midnight UTC is a date, any other
// has its hour.
func TestFromStored(t *testing.T) {
	date := analyze.FromStored(time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC))
	if date.Precision != analyze.PrecisionDay || date.HourOfWeek() != -1 || date.DayOfWeek() != 0 {
		t.Errorf("midnight: %+v, hour %d, day %d; want a Monday date without an hour", date, date.HourOfWeek(), date.DayOfWeek())
	}
	at := analyze.FromStored(time.Date(2024, 3, 4, 9, 30, 0, 0, time.FixedZone("", 4*3600)))
	if at.HourOfWeek() != 5 || at.Time.Location() != time.UTC {
		t.Errorf("09:30 at +04: hour %d, want 5 (05:30 UTC on Monday)", at.HourOfWeek())
	}
}
