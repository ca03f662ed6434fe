package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/spoor/spoor/internal/collect/ioclist"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/testenv"
)

// aptIOCsFile is the grouped APT IOC list relative to the data directory.
const aptIOCsFile = "apt-iocs/iocs.csv.gz"

// ImportAPTIOCs parses the real apt-iocs list and imports it, returning
// the batch and the stats; ok is false when the data is absent.
func ImportAPTIOCs(ctx context.Context, s interface {
	ImportIndicators(context.Context, *intel.IndicatorBatch, func(int, int)) (*intel.ImportStats, error)
}) (b *intel.IndicatorBatch, st *intel.ImportStats, ok bool, err error) {
	path, ok := testenv.DataPath(filepath.FromSlash(aptIOCsFile))
	if !ok {
		return nil, nil, false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, false, nil
	}
	defer f.Close()
	if b, err = ioclist.ReadAPTIOCs(f, aptIOCsFile, ioclist.Options{}); err != nil {
		return nil, nil, true, err
	}
	st, err = s.ImportIndicators(ctx, b, nil)
	return b, st, true, err
}

// BenchAPTIOCs measures parse + screen + import of the apt-iocs list
// into a fresh store and reports input rows per second.
func BenchAPTIOCs(b *testing.B, open BenchOpener) {
	testenv.DataFile(b, filepath.FromSlash(aptIOCsFile))
	rows := 0
	for b.Loop() {
		b.StopTimer()
		s := open(b)
		b.StartTimer()
		batch, _, _, err := ImportAPTIOCs(context.Background(), s)
		if err != nil {
			b.Fatal(err)
		}
		rows += batch.Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "indicators/s")
}

// BenchAPTIOCsReimport measures parse + screen + import of the apt-iocs
// list into a store that already holds it (nothing to write), in input
// rows per second.
func BenchAPTIOCsReimport(b *testing.B, open BenchOpener) {
	testenv.DataFile(b, filepath.FromSlash(aptIOCsFile))
	rows := 0
	for b.Loop() {
		b.StopTimer()
		s := open(b)
		if _, _, _, err := ImportAPTIOCs(context.Background(), s); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		batch, st, _, err := ImportAPTIOCs(context.Background(), s)
		if err != nil {
			b.Fatal(err)
		}
		for k, c := range st.Counts {
			if c.Created != 0 || c.Updated != 0 {
				b.Fatalf("re-import changed %s: %+v", k, *c)
			}
		}
		rows += batch.Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "indicators/s")
}
