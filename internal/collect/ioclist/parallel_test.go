package ioclist

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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
	return materialise(newBuilder("list.csv", opts).stream(func(bd *builder) error { return collect(cr, bd) }), nil)
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

// trackedReader counts the reads made after the test marked it closed.
type trackedReader struct {
	r           io.Reader
	closed      atomic.Bool
	readsLate   atomic.Int32
	readsBefore atomic.Int32
}

func (t *trackedReader) Read(p []byte) (int, error) {
	if t.closed.Load() {
		t.readsLate.Add(1)
	} else {
		t.readsBefore.Add(1)
	}
	return t.r.Read(p)
}

// A strict read that stops at a reject several blocks in returns that
// reject (not a later one a faster worker met first), and once it has
// returned nothing reads the input any more: the caller closes it next.
func TestCollectScreenedStopsReadingOnReturn(t *testing.T) {
	var b strings.Builder
	b.WriteString("group,campaign,type,value,date\n")
	const firstReject = 3*screenBlock + 17
	for i := range 200000 {
		if i == firstReject || i > firstReject && i%50 == 0 {
			fmt.Fprintf(&b, "g,c,domain,bad value %d,2024-01-02\n", i)
			continue
		}
		fmt.Fprintf(&b, "g,c,domain,host%d.example.com,2024-01-02\n", i)
	}
	in := &trackedReader{r: strings.NewReader(b.String())}
	src := intel.Source{Name: "fixture", Kind: intel.SourceIOCList, Credibility: 0.4}
	_, err := ReadCSV(bufio.NewReaderSize(in, 4096), "list.csv", bigMapping, "", Options{Source: src, Strict: true})
	in.closed.Store(true)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("list.csv:%d:", firstReject+2)) {
		t.Fatalf("strict read = %v, want the reject on line %d", err, firstReject+2)
	}
	time.Sleep(50 * time.Millisecond)
	if n := in.readsLate.Load(); n != 0 {
		t.Errorf("%d reads of the input after ReadCSV returned", n)
	}
	if in.readsBefore.Load() > 200 {
		t.Errorf("%d reads of 4 KiB before returning: the reader ran far past the reject", in.readsBefore.Load())
	}
}
