package analyze_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/analyze"
)

var timeSeeds = []string{
	"2024-03-12T14:15:00+04:00", "2024-03-12 10:15:00", "2024-03-12", "2024-03", "2024-03-12T10Z",
	"2024-03-12T10:15:00.123456789-00:00", "1710238500", "1710238500.5", "D:20240312141500+04'00'",
	"D:20240312101500Z00'00'", "D:2024031210", "Tue, 12 Mar 2024 14:15:00 +0400 (GST)",
	"12 Mar 99 10:15 EST", "yesterday", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
}

// FuzzParse: whatever Parse accepts has a valid precision and an index
// in range, and its String form reads back to the same timestamp.
func FuzzParse(f *testing.F) {
	for _, s := range timeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := analyze.Parse(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if ts.Precision < analyze.PrecisionMonth || ts.Precision > analyze.PrecisionSecond {
			t.Fatalf("precision %v", ts.Precision)
		}
		if h := ts.HourOfWeek(); h < -1 || h > 167 || (h >= 0) != ts.Precision.HasHour() {
			t.Fatalf("hour of week %d at precision %v", h, ts.Precision)
		}
		back, err := analyze.Parse(ts.String())
		if err != nil || !cmp.Equal(back, ts) {
			t.Fatalf("Parse(%q) = %+v, %v; want %+v (from %q)", ts.String(), back, err, ts, s)
		}
	})
}

// FuzzReader: the reader ends, line numbers never go back, and every
// record is a timestamp Parse accepts.
func FuzzReader(f *testing.F) {
	f.Add("time,group\n2024-03-12,a\n\"x\ny\",b\n1710238500,\"c\"\n")
	f.Add(strings.Join(timeSeeds, "\n"))
	f.Add("\ufeffTIME\r\n2024-03-12\r\n,\r\n\"")
	f.Fuzz(func(t *testing.T, in string) {
		r := analyze.NewReader(strings.NewReader(in))
		last := 0
		for i := 0; ; i++ {
			if i > len(in)+2 {
				t.Fatal("reader does not end")
			}
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			line := rec.Line
			if le, ok := errors.AsType[*analyze.LineError](err); ok {
				line = le.Line
			} else if err != nil {
				t.Fatalf("unexpected error %v", err)
			} else if rec.Time.Precision == 0 {
				t.Fatalf("record without a timestamp: %+v", rec)
			}
			if line < last || line < 1 {
				t.Fatalf("line %d after %d", line, last)
			}
			last = line
		}
	})
}
