package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/web"
)

// TestSourcesShowRunningProgress: while a slow source is collected, the
// Sources page shows its run's records done of total (read from the run's
// row, as another replica would) and reloads the list itself; once the
// run has ended the page stops reloading.
func TestSourcesShowRunningProgress(t *testing.T) {
	reported := make(chan struct{})
	release := make(chan struct{})
	e := newEnvWith(t, func(d *web.Deps) {
		c := d.Collector.(*collect.Collector)
		c.ProgressEvery = 5 * time.Millisecond
		c.Formats["slow"] = collect.Format{Name: "slow", Kind: intel.SourceIOCList,
			Pull: func(ctx context.Context, st collect.Store, src *intel.Source, location string, progress func(done, total int)) (*intel.ImportStats, error) {
				progress(1200, 5000)
				close(reported)
				select {
				case <-release:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				progress(5000, 5000)
				return &intel.ImportStats{}, nil
			}}
	})
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	src := &intel.Source{Name: "slow feed", Kind: intel.SourceIOCList, Credibility: 0.5, Format: "slow", Location: "https://example.org/slow"}
	if err := e.Store.UpsertSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	collected := make(chan error, 1)
	go func() {
		// The same path as the page's Run button and the API.
		rec := scenario{Name: "run", Method: "POST", URL: fmt.Sprintf("/api/v1/sources/%d/run", src.ID), Bearer: "admin", ExpectedStatus: 200}.run(t, e)
		if !strings.Contains(rec.Body.String(), `"status":"ok"`) {
			collected <- &intel.Error{Code: intel.CodeInternal, Message: "run: " + rec.Body.String()}
			return
		}
		collected <- nil
	}()
	<-reported
	// The report is written by the collector's ticker: wait for it in the
	// run's row, then look at the page.
	deadline := time.Now().Add(10 * time.Second)
	for {
		latest, err := e.Store.FindLatestRuns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r := latest[src.ID]; r != nil && r.Progress != nil && r.Progress.Done == 1200 {
			break
		}
		if time.Now().After(deadline) {
			close(release)
			t.Fatal("the run's progress never reached its row")
		}
		time.Sleep(5 * time.Millisecond)
	}
	scenario{Name: "running", URL: "/sources", As: "reader", ExpectedStatus: 200,
		ExpectedContent: []string{`<progress max="5000" value="1200">24%</progress> 1200 / 5000 records (24%)`,
			`hx-get="/sources" hx-select="#source-list"`, `hx-trigger="every 2s"`, "running"}}.run(t, e)
	scenario{Name: "API shows it too", URL: "/api/v1/sources", Bearer: "reader", ExpectedStatus: 200,
		ExpectedContent: []string{`"progress":{"done":1200,"total":5000,`}}.run(t, e)
	close(release)
	if err := <-collected; err != nil {
		t.Fatal(err)
	}
	scenario{Name: "finished", URL: "/sources", As: "reader", ExpectedStatus: 200,
		ExpectedContent: []string{`<div id="source-list">`}, NotExpectedContent: []string{"hx-trigger=\"every 2s\"", "<progress"}}.run(t, e)
}
