package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/ioclist"
	"github.com/spoor/spoor/internal/intel"
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

// reportPhases adds the per-import split of the wall time: parse (read
// and screen the list) and write (the store's transaction).
func reportPhases(b *testing.B, parse time.Duration) {
	perOp := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(parse.Seconds()/float64(b.N), "parse-s/op")
	b.ReportMetric(perOp-parse.Seconds()/float64(b.N), "write-s/op")
}

// BenchAPTIOCs measures parse + screen + import of the apt-iocs list
// into a fresh store and reports input rows per second (rows/s: the
// list's 175,756 rows, not the 166,330 indicators they hold).
func BenchAPTIOCs(b *testing.B, open BenchOpener) {
	testenv.DataFile(b, filepath.FromSlash(aptIOCsFile))
	rows := 0
	var parse time.Duration
	for b.Loop() {
		b.StopTimer()
		s := open(b)
		b.StartTimer()
		batch, _, p, _, err := importAPTIOCsTimed(context.Background(), s)
		if err != nil {
			b.Fatal(err)
		}
		rows += batch.Rows
		parse += p
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	reportPhases(b, parse)
}

// BenchAPTIOCsReimport measures parse + screen + import of the apt-iocs
// list into a store that already holds it (nothing to write), in input
// rows per second.
func BenchAPTIOCsReimport(b *testing.B, open BenchOpener) {
	testenv.DataFile(b, filepath.FromSlash(aptIOCsFile))
	rows := 0
	var parse time.Duration
	for b.Loop() {
		b.StopTimer()
		s := open(b)
		if _, _, _, err := ImportAPTIOCs(context.Background(), s); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		batch, st, p, _, err := importAPTIOCsTimed(context.Background(), s)
		parse += p
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
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	reportPhases(b, parse)
}
