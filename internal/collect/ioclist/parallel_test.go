package ioclist

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
)

// bigList is a CSV of n rows across several screening blocks, with
// duplicates, rejects and events sprinkled in so that order matters.
func bigList(n int, broken int) string {
	var b strings.Builder
	b.WriteString("group,campaign,type,value,date\n")
	for i := range n {
		switch {
		case i == broken:
			b.WriteString("g,c,domain,\"unterminated\n")
			return b.String()
		case i%97 == 0:
			fmt.Fprintf(&b, "g%d,c,domain,not a domain %d,2024-01-02\n", i%5, i)
		case i%13 == 0:
			fmt.Fprintf(&b, "g%d,c%d,ipv4,10.0.%d.%d,2024-01-%02d\n", i%5, i%3, i%200, i%250, 1+i%28)
		default:
			fmt.Fprintf(&b, "g%d,c%d,domain,host%d.example-%d.com,2024-02-%02d\n", i%5, i%7, i%1500, i%11, 1+i%28)
		}
	}
	return b.String()
}

var bigMapping = Mapping{Value: "value", Type: "type", FirstSeen: "date", Group: "group", Campaign: "campaign"}

// sequential reads a CSV with the one-goroutine collect, the reference
// that collectScreened must match.
func sequential(t *testing.T, in string, opts Options) (*intel.IndicatorBatch, error) {
	t.Helper()
	cr, err := NewCSVReader(strings.NewReader(in), "list.csv", bigMapping, opts.screener(), "")
	if err != nil {
		t.Fatal(err)
	}
	return collect(cr, "list.csv", opts)
}

func TestCollectScreenedMatchesSequential(t *testing.T) {
	src := intel.Source{Name: "fixture", Kind: intel.SourceIOCList, Credibility: 0.4}
	for _, tc := range []struct {
		name           string
		rows, broken   int
		strict, errors bool
	}{
		{name: "one block", rows: 100, broken: -1},
		{name: "exact blocks", rows: 3 * screenBlock, broken: -1},
		{name: "many blocks", rows: 5000, broken: -1},
		{name: "syntax error late", rows: 5000, broken: 4321, errors: true},
		{name: "strict stops at the first reject", rows: 5000, broken: -1, strict: true, errors: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := bigList(tc.rows, tc.broken)
			opts := Options{Source: src, Strict: tc.strict}
			want, wantErr := sequential(t, in, opts)
			got, gotErr := ReadCSV(strings.NewReader(in), "list.csv", bigMapping, "", opts)
			if (gotErr != nil) != tc.errors || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Fatalf("error %v, sequential %v (want an error: %v)", gotErr, wantErr, tc.errors)
			}
			if tc.errors {
				return
			}
			if got.Rows != tc.rows || got.Rejected == 0 || len(got.Events) == 0 {
				t.Fatalf("rows %d rejected %d events %d: the fixture lost its point", got.Rows, got.Rejected, len(got.Events))
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("parallel batch differs from sequential (-want +got):\n%s", d)
			}
		})
	}
}
