package analyze_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/analyze"
)

// readAll returns "line group time" for each record and "line: error" for
// each bad line.
func readAll(t *testing.T, in string) (got []string, grouped bool) {
	t.Helper()
	r := analyze.NewReader(strings.NewReader(in))
	for range 1000 {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return got, r.Grouped()
		}
		if le, ok := errors.AsType[*analyze.LineError](err); ok {
			got = append(got, le.Error())
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%02d ", rec.Line)
		if rec.Group != "" {
			line += rec.Group + " "
		}
		got = append(got, line+rec.Time.String())
	}
	t.Fatal("reader does not end")
	return nil, false
}

func TestReader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		grouped bool
	}{
		{"empty", "", nil, false},
		{"lines", "\ufeff2024-03-12 10:15:00\r\n\n# a comment\n1710238500\r\nD:20240312141500+04'00'\nTue, 12 Mar 2024 14:15 +0400\n2024-03-12",
			[]string{"01 2024-03-12T10:15:00Z", "04 2024-03-12T10:15:00Z", "05 2024-03-12T14:15:00+04:00", "06 2024-03-12T14:15+04:00", "07 2024-03-12"}, false},
		{"bad lines", "yesterday\n2024-03-12\n2024-02-30\n",
			[]string{`line 1: cannot read "yesterday" as a time: want RFC 3339, YYYY-MM-DD[ HH:MM:SS], unix seconds, a PDF date (D:…) or an e-mail date`, "02 2024-03-12", `line 3: "2024-02-30": day 30 out of range`}, false},
		{"too long", "2024-03-12\n" + strings.Repeat("x", analyze.MaxLine+10) + "\n2024-03-13\n",
			[]string{"01 2024-03-12", "line 2: longer than 65536 bytes", "03 2024-03-13"}, false},
		{"too long first", strings.Repeat("x", analyze.MaxLine+10) + "\n2024-03-13",
			[]string{"line 1: longer than 65536 bytes", "02 2024-03-13"}, false},
		{"csv", "group, Time ,hash\nAPT1,2024-03-12T10:15:00Z,abc\n\n\"Sand, Worm\",\"Tue, 12 Mar 2024 14:15:00 +0400\",def\nAPT1,2024-03-13\n",
			[]string{"02 APT1 2024-03-12T10:15:00Z", "04 Sand, Worm 2024-03-12T14:15:00+04:00", "05 APT1 2024-03-13"}, true},
		{"csv time only", "time\n2024-03-12\n,\nnot a time\n", []string{"02 2024-03-12", "line 3: empty time", `line 4: cannot read "not a time" as a time: want RFC 3339, YYYY-MM-DD[ HH:MM:SS], unix seconds, a PDF date (D:…) or an e-mail date`}, false},
		{"csv short row", "time,group\n2024-03-12,a\n2024-03-13\n2024-03-14,b\n",
			[]string{"02 a 2024-03-12", "line 3: 1 fields, too few for the header's time and group columns", "04 b 2024-03-14"}, true},
		{"csv bad quote", "time,group\n2024-03-12,a\n2024-03-13,b\"x\n2024-03-14,c\n",
			[]string{"02 a 2024-03-12", `line 3: bare " in non-quoted-field`, "04 c 2024-03-14"}, true},
		{"header without time", "when,group\n2024-03-12\n", []string{`line 1: cannot read "when,group" as a time: want RFC 3339, YYYY-MM-DD[ HH:MM:SS], unix seconds, a PDF date (D:…) or an e-mail date`, "02 2024-03-12"}, false},
	}
	for _, tt := range tests {
		got, grouped := readAll(t, tt.in)
		if diff := cmp.Diff(tt.want, got); diff != "" || grouped != tt.grouped {
			t.Errorf("%s: grouped %v (want %v), records (-want +got):\n%s", tt.name, grouped, tt.grouped, diff)
		}
	}
}
