package storetest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect/ioclist"
	"github.com/spoor/spoor/internal/store"
)

// WriteSyntheticIOCList writes a deterministic IOC list of n data rows in
// the apt-iocs layout (ioclist.APTIOCs), shaped like the real one: about
// 80 % domains and the rest hashes, addresses and URLs; three publishers
// (maltrail most, then ESET and Unit 42); rows in blocks of 22 per
// (group, file) event, every tenth block adding to one of ten long-running
// events that span the whole list; one row in twenty repeats a value up to
// 300,000 rows back, from its own block's publisher. A group in seven has
// an ATT&CK ID.
func WriteSyntheticIOCList(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("group,campaign_or_file,ioc_type,ioc_value,date,date_kind,source_path,source,actor_kind,attack_group_id,attack_group_name\n")
	publishers := []string{"stamparm/maltrail", "eset/malware-ioc", "pan-unit42/playbook_viewer"}
	for i := range n {
		block := i / 22
		g := block % 600
		campaign := fmt.Sprintf("file-%d.txt", block)
		if block%10 == 9 {
			g = block % 10
			campaign = fmt.Sprintf("long-running-%d", g)
		}
		pub := publishers[0]
		switch block % 10 {
		case 7:
			pub = publishers[1]
		case 8:
			pub = publishers[2]
		}
		k := i
		if i > 20 && i%20 == 7 {
			k = i - 1 - (i*7919)%min(i, 300000)
		}
		typ, value := syntheticValue(k)
		id, name := "", ""
		if g%7 == 0 {
			id, name = fmt.Sprintf("G%04d", 1+g/7), fmt.Sprintf("Group %d", g)
		}
		date := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (block*3+i%5)%2500).Format(time.DateOnly)
		fmt.Fprintf(bw, "group-%d,%s,%s,%s,%s,repo_commit,%s:%s,%s,apt,%s,%s\n", g, campaign, typ, value, date, pub,
			campaign, pub, id, name)
	}
	return bw.Flush()
}

// syntheticValue is the k-th distinct value of the synthetic list.
func syntheticValue(k int) (typ, value string) {
	var seed [8]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(k))
	sum := sha256.Sum256(seed[:])
	switch r := k % 100; {
	case r < 80:
		return "domain", fmt.Sprintf("h%d-%s.example-%d.com", k, hex.EncodeToString(sum[:3]), k%37)
	case r < 86:
		return "sha256", hex.EncodeToString(sum[:])
	case r < 91:
		return "ipv4", fmt.Sprintf("%d.%d.%d.%d", 45+k%3*40, sum[0], sum[1], 1+sum[2]%250)
	case r < 94:
		return "md5", hex.EncodeToString(sum[:16])
	case r < 97:
		return "sha1", hex.EncodeToString(sum[:20])
	default:
		return "url", fmt.Sprintf("http://u%d.example-%d.net/gate/%s.php", k, k%13, hex.EncodeToString(sum[:4]))
	}
}

// heapPeak samples the live heap (objects) every few milliseconds until
// stop, and returns the highest figure seen.
func heapPeak() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	var peak uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// reportIOCPhases adds the per-import split of the wall time by phase.
func reportIOCPhases(b *testing.B, p *store.IOCPhases) {
	n := float64(b.N)
	for _, m := range []struct {
		d    time.Duration
		unit string
	}{
		{p.Parse, "parse-s/op"}, {p.Aggregate, "aggregate-s/op"}, {p.Indicators, "indicators-s/op"},
		{p.Provenance, "provenance-s/op"}, {p.FTS, "fts-s/op"}, {p.Indexes, "indexes-s/op"}, {p.Links, "links-s/op"}, {p.Events, "events-s/op"},
		{p.Finish, "finish-s/op"}, {p.Commit, "commit-s/op"},
	} {
		b.ReportMetric(m.d.Seconds()/n, m.unit)
	}
}

// BenchIOCScale measures the streamed import of a synthetic list of rows
// rows (WriteSyntheticIOCList, generated as it is read: the input takes
// no memory) into a fresh store: input rows per second, the peak of the
// live heap above what it was before (peak-heap-MB), and the time of
// each phase.
func BenchIOCScale(b *testing.B, open BenchOpener, rows int) {
	var phases store.IOCPhases
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		s := open(b)
		s.TimeIOCImports(&phases)
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(WriteSyntheticIOCList(pw, rows)) }()
		batch, err := ioclist.StreamAPTIOCs(pr, "synthetic.csv", ioclist.Options{})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := heapPeak()
		b.StartTimer()
		st, err := s.ImportIndicators(context.Background(), batch, nil)
		b.StopTimer()
		p := stop()
		pr.Close()
		if err != nil {
			b.Fatal(err)
		}
		if batch.Rows != rows || st.Counts["indicator"].Created == 0 {
			b.Fatalf("read %d rows, created %d indicators: want %d rows", batch.Rows, st.Counts["indicator"].Created, rows)
		}
		peak = max(peak, p-min(p, base.HeapAlloc))
		s.TimeIOCImports(nil)
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	reportIOCPhases(b, &phases)
}
