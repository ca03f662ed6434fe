package storetest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/ioclist"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/testenv"
)

// aptIOCsFile is the grouped APT IOC list relative to the data directory.
const aptIOCsFile = "apt-iocs/iocs.csv.gz"

// ImportAPTIOCs parses the real apt-iocs list and imports it, returning
// the batch and the stats; ok is false when the data is absent.
func ImportAPTIOCs(ctx context.Context, s indicatorImporter) (b *intel.IndicatorBatch, st *intel.ImportStats, ok bool, err error) {
	b, st, _, ok, err = importAPTIOCsTimed(ctx, s)
	return b, st, ok, err
}

type indicatorImporter interface {
	ImportIndicators(context.Context, *intel.IndicatorBatch, func(int, int)) (*intel.ImportStats, error)
}

// importAPTIOCsTimed is ImportAPTIOCs that also says how long parsing
// (read, screen, build the batch) took; the rest is the store's write.
func importAPTIOCsTimed(ctx context.Context, s indicatorImporter) (b *intel.IndicatorBatch, st *intel.ImportStats, parse time.Duration, ok bool, err error) {
	path, ok := testenv.DataPath(filepath.FromSlash(aptIOCsFile))
	if !ok {
		return nil, nil, 0, false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, false, nil
	}
	defer f.Close()
	start := time.Now()
	if b, err = ioclist.ReadAPTIOCs(f, aptIOCsFile, ioclist.Options{}); err != nil {
		return nil, nil, 0, true, err
	}
	parse = time.Since(start)
	st, err = s.ImportIndicators(ctx, b, nil)
	return b, st, parse, true, err
}

// streamAPTIOCs imports the apt-iocs list the way the collector does:
// streamed, parsed while the store writes it.
func streamAPTIOCs(ctx context.Context, s *store.Store) (*intel.IndicatorBatch, *intel.ImportStats, error) {
	path, _ := testenv.DataPath(filepath.FromSlash(aptIOCsFile))
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	b, err := ioclist.StreamAPTIOCs(f, aptIOCsFile, ioclist.Options{})
	if err != nil {
		return nil, nil, err
	}
	st, err := s.ImportIndicators(ctx, b, nil)
	return b, st, err
}

// BenchAPTIOCs measures the streamed parse, screen and import of the
// apt-iocs list into a fresh store and reports input rows per second
// (rows/s: the list's 175,756 rows, not the 166,330 indicators they
// hold), the live heap's peak and the phases (parse overlaps the writes).
func BenchAPTIOCs(b *testing.B, open BenchOpener) {
	benchAPTIOCs(b, open, false)
}

// BenchAPTIOCsReimport measures the same into a store that already holds
// the list (nothing to write).
func BenchAPTIOCsReimport(b *testing.B, open BenchOpener) {
	benchAPTIOCs(b, open, true)
}

func benchAPTIOCs(b *testing.B, open BenchOpener, again bool) {
	testenv.DataFile(b, filepath.FromSlash(aptIOCsFile))
	ctx := context.Background()
	rows := 0
	var phases store.IOCPhases
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		s := open(b)
		if again {
			if _, _, err := streamAPTIOCs(ctx, s); err != nil {
				b.Fatal(err)
			}
		}
		s.TimeIOCImports(&phases)
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := heapPeak()
		b.StartTimer()
		batch, st, err := streamAPTIOCs(ctx, s)
		b.StopTimer()
		p := stop()
		if err != nil {
			b.Fatal(err)
		}
		if again {
			for k, c := range st.Counts {
				if c.Created != 0 || c.Updated != 0 {
					b.Fatalf("re-import changed %s: %+v", k, *c)
				}
			}
		}
		peak = max(peak, p-min(p, base.HeapAlloc))
		s.TimeIOCImports(nil)
		rows += batch.Rows
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	reportIOCPhases(b, &phases)
}
