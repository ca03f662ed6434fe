package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/forum/actors"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/store/sqlite"
	"github.com/spoor/spoor/internal/store/storetest"
)

// BenchmarkForumImportRank imports synthetic forum posts into a fresh
// SQLite file and ranks the author graph read back from it: the path of
// spoor forum import, then spoor forum actors. The size is 1M posts by
// 100k authors unless SPOOR_BENCH_FORUM_POSTS (authors: a tenth) says
// otherwise. It reports the seconds of each phase and the process's peak
// resident memory. The generated posts are dropped before they are read
// back, as spoor forum import and spoor forum actors are two processes.
func BenchmarkForumImportRank(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("SPOOR_BENCH_FORUM_POSTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("SPOOR_BENCH_FORUM_POSTS=%q", v)
		}
	}
	ctx := context.Background()
	var importS, readS, rankS float64
	for i := 0; i < b.N; i++ {
		posts := storetest.SyntheticForumPosts(n, n/10)
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		res, err := st.ImportForumPosts(ctx, "Synthetic", store.ForumImport{Source: "synthetic", Format: "jsonl"}, posts)
		if err != nil || res.Added != n {
			b.Fatalf("import: %v %+v", err, res)
		}
		posts = nil
		runtime.GC()
		t1 := time.Now()
		stored, err := st.ForumPosts(ctx, forum.PostFilter{})
		if err != nil || len(stored) != n {
			b.Fatalf("read: %v %d", err, len(stored))
		}
		t2 := time.Now()
		a := actors.Analyze(stored, actors.DefaultWeights())
		if len(a.Actors) < n/20 {
			b.Fatalf("%d actors", len(a.Actors))
		}
		t3 := time.Now()
		importS += t1.Sub(t0).Seconds()
		readS += t2.Sub(t1).Seconds()
		rankS += t3.Sub(t2).Seconds()
		b.Logf("%d posts, %d authors, %d ties, %d communities: import %.1fs, read %.1fs, rank %.1fs",
			n, len(a.Actors), len(a.Graph.Edges), len(a.Communities), t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), t3.Sub(t2).Seconds())
		st.Close()
		runtime.KeepAlive(stored)
	}
	b.ReportMetric(importS/float64(b.N), "import-s")
	b.ReportMetric(readS/float64(b.N), "read-s")
	b.ReportMetric(rankS/float64(b.N), "rank-s")
	b.ReportMetric(peakRSSMiB(), "peak-MiB")
}

// peakRSSMiB is the process's high-water resident memory (Linux), 0
// elsewhere.
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
