package ioclist_test

import (
	"os"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/ioclist"
)

func TestScratch(t *testing.T) {
	f, err := os.Open("/work/shared/data/apt-iocs/iocs.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t0 := time.Now()
	b, err := ioclist.ReadAPTIOCs(f, "iocs.csv.gz", ioclist.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v rows=%d rej=%d ind=%d ev=%d src=%+v", time.Since(t0), b.Rows, b.Rejected, len(b.Indicators), len(b.Events), b.Sources)
	for _, r := range b.RejectReasons {
		t.Log(r)
	}
	wl := map[string]int{}
	for _, in := range b.Indicators {
		wl[in.Warninglist]++
	}
	t.Log(wl)
}
