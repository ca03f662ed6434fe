package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserReputation rates a pasted list on the Reputation page and
// opens the model page in Chromium under the strict CSP: the table keeps
// the input order and shows the hostile name as text, which runs nothing;
// the model page draws a box plot per split over every model and the
// category confusion as a heatmap, which the split buttons switch.
func TestBrowserReputation(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := chromium(t)
	e := newEnv(t)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	ctx := newBrowser(t, path)

	signIn(t, ctx, srv.URL+"/groups", "reader", "h1.cap")
	step(t, ctx, "watch and open Reputation",
		chromedp.Evaluate[chromedp.Void](`window.spoorCSP = []; window.spoorAlert = 0; window.alert = () => window.spoorAlert++;
document.addEventListener("securitypolicyviolation", e => window.spoorCSP.push(e.violatedDirective + " " + e.blockedURI))`),
		chromedp.Click(chromedp.CSS(`#menu-analysis summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#menu-analysis a[href="/reputation"]`)),
		chromedp.Click(chromedp.CSS(`#menu-analysis a[href="/reputation"]`)),
		chromedp.WaitVisible(chromedp.CSS("#names")))
	step(t, ctx, "rate",
		chromedp.SendKeys(chromedp.CSS("#names"), "kernel.org\n"+xss+"\n<img src=x onerror=alert(2)>\nxk4qz9vw7r.top\n"),
		chromedp.Click(chromedp.CSS("#reputation-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#reputation-table tbody tr")))
	domains, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#reputation-table tbody tr td:nth-child(2)")].map(td => td.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	// "<img src=x onerror=alert(2)>" is three blank-separated strings.
	want := []string{"kernel.org", xss, "<img", "src=x", "onerror=alert(2)>", "xk4qz9vw7r.top"}
	if len(domains) != len(want) {
		t.Fatalf("rows %q, want %q", domains, want)
	}
	for i := range want {
		if domains[i] != want[i] {
			t.Errorf("row %d: %q, want %q", i+1, domains[i], want[i])
		}
	}
	reps, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#reputation-table tbody tr td:nth-child(3)")].map(td => td.textContent.trim())`))
	if err != nil || reps[0] != "benign" || reps[1] != "invalid" {
		t.Errorf("reputations %q (%v)", reps, err)
	}

	screenshot(t, ctx, "reputation-batch.png")
	step(t, ctx, "open the model page",
		chromedp.Click(chromedp.CSS(`a[href="/reputation/model"]`)),
		chromedp.WaitVisible(chromedp.CSS("#cv-table")))
	waitFor(t, ctx, "charts", `window.spoorCharts && window.spoorCharts.length === 2 && document.querySelector("#chart-confusion canvas")`)
	boxes, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`window.spoorCharts[0].getOption().series.map(s => s.data.length)`))
	if err != nil || len(boxes) != 2 || boxes[0] != 5 || boxes[1] != 5 {
		t.Errorf("box plots: %v (%v), want 2 splits of 5 models", boxes, err)
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.spoorCharts[1].getOption().series[0].data.length`))
	if err != nil || cells != 81 {
		t.Errorf("heatmap cells: %d (%v), want 81", cells, err)
	}
	step(t, ctx, "switch the heatmap to the family split",
		chromedp.Click(chromedp.CSS(`.chart-tools[data-for="chart-confusion"] button[data-split="1"]`)))
	title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.spoorCharts[1].getOption().title[0].text`))
	if err != nil || title != "gbdt+rules, family split" {
		t.Errorf("heatmap title %q (%v)", title, err)
	}
	screenshot(t, ctx, "reputation-model.png")
	alerts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.spoorAlert`))
	if err != nil || alerts != 0 {
		t.Errorf("alerts ran: %d (%v)", alerts, err)
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.spoorCSP || []`))
	if err != nil || len(violations) > 0 {
		t.Errorf("CSP violations: %q (%v)", violations, err)
	}
}

// screenshot saves the page to $SPOOR_SCREENSHOTS/name when that is set,
// for a person to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SPOOR_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name), png, 0o644)
	}
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}
