package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/fingerprint"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
	"github.com/spoor/spoor/internal/web"
)

// BenchmarkMirrorAnalysis serves the analysis pages from a copy of a
// collected mirror store (SPOOR_BENCH_DB, e.g. made by `spoor collect
// --all --mirror ../shared/data --db mirror.db`): APT28's group page with
// every chart's data, its analysis JSON, and the graph at 0.25. It reports
// the latency percentiles of the requests after the first (which loads the
// fingerprints into memory).
func BenchmarkMirrorAnalysis(b *testing.B) {
	src := os.Getenv("SPOOR_BENCH_DB")
	if src == "" {
		b.Skip("set SPOOR_BENCH_DB to a collected mirror store to run this benchmark")
	}
	ctx := context.Background()
	dst := filepath.Join(b.TempDir(), "mirror.db")
	if err := copyFile(dst, src); err != nil {
		b.Fatal(err)
	}
	st, err := sqlite.Open(ctx, dst)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.FindFingerprintBuild(ctx); intel.ErrorCode(err) == intel.CodeNotFound {
		if _, err := fingerprint.Rebuild(ctx, st); err != nil {
			b.Fatal(err)
		}
	}
	as := auth.NewService(st, auth.Options{Hash: auth.HashParams{Memory: 256, Time: 1, Threads: 1}})
	login := fmt.Sprintf("bench%d", time.Now().UnixNano())
	if _, err := as.CreateUser(ctx, login, intel.RoleReader, "bench-password-123"); err != nil {
		b.Fatal(err)
	}
	tok, _, _, err := as.Login(ctx, login, "bench-password-123")
	if err != nil {
		b.Fatal(err)
	}
	h := web.NewServer(web.Deps{Store: st, Auth: as, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "bench"})
	g, err := st.FindObjectByName(ctx, intel.KindGroup, "APT28")
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{
		fmt.Sprintf("/groups/%d", g.ID),
		fmt.Sprintf("/api/v1/groups/%d/analysis", g.ID),
		"/api/v1/graph?min=0.25",
	} {
		b.Run(path, func(b *testing.B) {
			get := func() time.Duration {
				r := httptest.NewRequest("GET", path, nil)
				r.AddCookie(&http.Cookie{Name: "spoor_session", Value: tok})
				w := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(w, r)
				took := time.Since(start)
				if w.Code != 200 {
					b.Fatalf("%s: %d %s", path, w.Code, w.Body.String())
				}
				return took
			}
			get() // loads the fingerprints once
			var took []time.Duration
			for b.Loop() {
				took = append(took, get())
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
