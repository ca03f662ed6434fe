package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAnalysis opens a group page and the graph in Chromium under
// the strict CSP: the hours heatmap has 168 cells, the map holds the
// group's victim countries, the hostile group name is shown as text and
// runs nothing, the graph's threshold slider redraws it, and tapping a
// node opens its group.
func TestBrowserAnalysis(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := chromium(t)
	e := newEnv(t)
	twin, _ := analysisGroups(t, e)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	ctx := newBrowser(t, path)

	signIn(t, ctx, srv.URL+"/groups", "analyst", "h1.cap")
	// Watch for CSP violations and alerts, then open the group through
	// htmx, which swaps it into this document: the charts start on
	// htmx:afterSettle under the watch.
	step(t, ctx, "watch and open the group",
		chromedp.Evaluate[chromedp.Void](`window.spoorCSP = []; window.spoorAlert = 0; window.alert = () => window.spoorAlert++;
document.addEventListener("securitypolicyviolation", e => window.spoorCSP.push(e.violatedDirective + " " + e.blockedURI))`),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/groups/%d"]`, e.Group.ID))),
		chromedp.WaitVisible(chromedp.CSS("#chart-hours canvas")))
	waitFor(t, ctx, "charts", `window.spoorCharts && document.getElementById("chart-map").dataset.countries !== undefined`)
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.spoorCharts[0].getOption().series[0].data.length`))
	if err != nil || cells != 168 {
		t.Errorf("heatmap cells = %d (%v), want 168", cells, err)
	}
	sunday9, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.spoorCharts[0].getOption().series[0].data.find(d => d[0] === 9 && d[1] === 6)[2]`))
	if err != nil || sunday9 != 8 {
		t.Errorf("Sunday 09:00 local = %d (%v), want 8", sunday9, err)
	}
	countries, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("chart-map").dataset.countries`))
	if err != nil || !strings.Contains(countries, "GE") || !strings.Contains(countries, "UA") {
		t.Errorf("map countries = %q (%v), want GE and UA", countries, err)
	}
	step(t, ctx, "toggle UTC", chromedp.Click(chromedp.CSS(`button[data-zone="utc"]`)))
	utc9, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.spoorCharts[0].getOption().series[0].data.find(d => d[0] === 6 && d[1] === 6)[2]`))
	if err != nil || utc9 != 8 {
		t.Errorf("Sunday 06:00 UTC = %d (%v), want 8 (09:00 at UTC+3)", utc9, err)
	}
	related, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#related-groups")))
	if err != nil || !strings.Contains(related, hostileName) || !strings.Contains(related, "Twin Bear") {
		t.Errorf("related groups = %q (%v), want Twin Bear and the hostile name as text", related, err)
	}
	imgs, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#related-groups img").length + window.spoorAlert`))
	if imgs != 0 {
		t.Errorf("the hostile group name became markup or ran (%d)", imgs)
	}
	if violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.spoorCSP || ["no watch"]`)); err != nil || len(violations) > 0 {
		t.Errorf("CSP violations on the group page: %q (%v)", violations, err)
	}

	step(t, ctx, "open the graph",
		chromedp.Navigate(srv.URL+"/graph"),
		chromedp.WaitVisible(chromedp.CSS("#graph canvas")))
	waitFor(t, ctx, "graph drawn", `window.spoorGraph && window.spoorGraph.nodes().length > 0`)
	// A threshold between the weakest and the strongest link drops some.
	before, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`window.spoorGraph.edges().length`))
	mid, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const s = window.spoorGraph.edges().map(e => e.data("score"));
return (Math.ceil((Math.min(...s) + Math.max(...s)) / 2 * 100) / 100).toFixed(2) })()`))
	if err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "raise the threshold",
		chromedp.Evaluate[chromedp.Void](`const s = document.getElementById("graph-min"); s.value = "`+mid+`"; s.dispatchEvent(new Event("input"))`))
	waitFor(t, ctx, "graph redrawn at "+mid, `document.getElementById("graph-status").textContent.includes("links") && window.spoorGraph.edges().length > 0 && window.spoorGraph.edges().length < `+fmt.Sprint(before))
	step(t, ctx, "lower it again",
		chromedp.Evaluate[chromedp.Void](`const s2 = document.getElementById("graph-min"); s2.value = "0.1"; s2.dispatchEvent(new Event("input"))`))
	waitFor(t, ctx, "graph redrawn", `window.spoorGraph.getElementById("`+fmt.Sprint(twin)+`").length === 1`)
	step(t, ctx, "tap Twin Bear",
		chromedp.Evaluate[chromedp.Void](`void window.spoorGraph.getElementById("`+fmt.Sprint(twin)+`").emit("tap")`),
		chromedp.WaitVisible(chromedp.CSS("article.object h1")))
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("article.object h1")))
	if err != nil || !strings.Contains(heading, "Twin Bear") {
		t.Errorf("the node opened %q (%v), want Twin Bear's page", heading, err)
	}
}

// waitFor polls a JavaScript condition for up to 15 seconds.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("%s: %s never held at %s (%v)", what, cond, loc, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
