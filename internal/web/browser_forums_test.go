package web_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserForums imports the fixture forum and, in Chromium under the
// strict CSP, opens the key-actor table, the portraits of the best-ranked
// authors with their charts, the hostile author's portrait (its handle and
// post run nothing) and the author graph, whose nodes open portraits.
func TestBrowserForums(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := chromium(t)
	e := newEnv(t)
	f := seedForum(t, e)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	ctx := newBrowser(t, path)

	signIn(t, ctx, srv.URL+"/forums", "analyst", "#forums-table")
	step(t, ctx, "watch and open the forum",
		chromedp.Evaluate[chromedp.Void](`window.spoorCSP = []; window.spoorAlert = 0; window.alert = () => window.spoorAlert++;
document.addEventListener("securitypolicyviolation", e => window.spoorCSP.push(e.violatedDirective + " " + e.blockedURI))`),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/forums/%d"]`, f.ID))),
		chromedp.WaitVisible(chromedp.CSS("#actors-table")))
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#actors-table a.actor")].map(a => a.getAttribute("href"))`))
	if err != nil || len(rows) != 7 {
		t.Fatalf("actor table links %q (%v), want 7", rows, err)
	}
	for i, href := range rows[:5] {
		step(t, ctx, "open portrait "+href,
			chromedp.Evaluate[chromedp.Void](`window.spoorPortraitCharts = undefined`),
			chromedp.Navigate(srv.URL+href),
			chromedp.WaitVisible(chromedp.CSS("#portrait-handle")),
			chromedp.WaitVisible(chromedp.CSS("#chart-weekdays canvas")))
		waitFor(t, ctx, "portrait charts", `window.spoorPortraitCharts && window.spoorPortraitCharts.length >= 2`)
		score, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#portrait-score")))
		if !strings.Contains(score, fmt.Sprintf("#%d ", i+1)) {
			t.Errorf("portrait %s says %q, want rank #%d", href, score, i+1)
		}
		hours, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`window.spoorPortraitCharts[1].getOption().series[0].data.length`))
		if hours != 168 {
			t.Errorf("portrait %s: hour-of-week cells %d, want 168", href, hours)
		}
	}
	hostile := authorIDOf(t, e, "<img src=x onerror=alert(7)>")
	step(t, ctx, "open the hostile portrait",
		chromedp.Navigate(fmt.Sprintf("%s/forums/%d/authors/%d", srv.URL, f.ID, hostile)),
		chromedp.Evaluate[chromedp.Void](`window.spoorAlert = 0; window.alert = () => window.spoorAlert++`),
		chromedp.WaitVisible(chromedp.CSS("#portrait-posts")))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#portrait-posts")))
	if err != nil || !strings.Contains(text, "<script>alert(1)</script>") {
		t.Errorf("hostile post shown as %q (%v), want its text", text, err)
	}
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("main img, main script, #portrait-posts a, #portrait-posts style").length + window.spoorAlert`))
	if err != nil || bad != 0 {
		t.Errorf("the hostile handle or post became markup or ran (%d, %v)", bad, err)
	}

	step(t, ctx, "open the graph",
		chromedp.Navigate(fmt.Sprintf("%s/forums/%d/graph", srv.URL, f.ID)),
		chromedp.WaitVisible(chromedp.CSS("#forum-graph canvas")))
	waitFor(t, ctx, "graph drawn", `window.spoorForumGraph && window.spoorForumGraph.nodes().length === 7`)
	sizes, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`window.spoorForumGraph.nodes().map(n => n.data("size"))`))
	if err != nil || len(sizes) != 7 {
		t.Fatalf("node sizes %v (%v)", sizes, err)
	}
	colours, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`new Set(window.spoorForumGraph.nodes().map(n => n.data("color"))).size`))
	if colours < 2 {
		t.Errorf("%d community colours, want at least 2", colours)
	}
	first, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.spoorForumGraph.nodes()[0].id()`))
	step(t, ctx, "tap an author",
		chromedp.Evaluate[chromedp.Void](`void window.spoorForumGraph.getElementById("`+first+`").emit("tap")`),
		chromedp.WaitVisible(chromedp.CSS("#portrait-handle")))
	if violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.spoorCSP`)); err != nil || len(violations) > 0 {
		t.Errorf("CSP violations: %q (%v)", violations, err)
	}
}

// TestBrowserForumEvents opens a forum's threat events from its overview
// in Chromium under the strict CSP, filters them by kind and sees the
// list change, and finds the hostile post's markup shown as text.
func TestBrowserForumEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := chromium(t)
	e := newEnv(t)
	f := seedForum(t, e)
	seedForumEvents(t, e, f)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	ctx := newBrowser(t, path)

	signIn(t, ctx, fmt.Sprintf("%s/forums/%d", srv.URL, f.ID), "reader", "#actors-table")
	step(t, ctx, "open the threat events",
		chromedp.Evaluate[chromedp.Void](`window.spoorCSP = []; window.spoorAlert = 0; window.alert = () => window.spoorAlert++;
document.addEventListener("securitypolicyviolation", e => window.spoorCSP.push(e.violatedDirective + " " + e.blockedURI))`),
		chromedp.Click(chromedp.CSS("#forum-events-link")),
		chromedp.WaitVisible(chromedp.CSS("#forum-events article")))
	kinds := func() []string {
		t.Helper()
		k, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#forum-events article")].map(a => a.dataset.kind)`))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	if k := kinds(); strings.Join(k, ",") != "leak,service,trade,leak" {
		t.Fatalf("events listed %q, want leak, service, trade, leak newest first", k)
	}
	step(t, ctx, "filter by kind",
		chromedp.Evaluate[chromedp.Void](`window.spoorAlert = 0; window.alert = () => window.spoorAlert++`),
		chromedp.SetValue(chromedp.CSS("#filter-kind"), "service"),
		chromedp.Click(chromedp.CSS("#filter-apply")))
	waitFor(t, ctx, "the list filtered", `location.search.includes("kind=service") && document.querySelectorAll("#forum-events article").length === 1`)
	if k := kinds(); strings.Join(k, ",") != "service" {
		t.Errorf("after filtering by service: %q", k)
	}
	count, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#forum-event-count")))
	if !strings.Contains(count, "of 1 events") {
		t.Errorf("count line %q", count)
	}
	step(t, ctx, "every kind again",
		chromedp.SetValue(chromedp.CSS("#filter-kind"), ""),
		chromedp.Click(chromedp.CSS("#filter-apply")))
	waitFor(t, ctx, "the list unfiltered", `document.querySelectorAll("#forum-events article").length === 4`)
	step(t, ctx, "the hostile post",
		chromedp.WaitVisible(chromedp.CSS(`#forum-events article[data-kind="leak"] mark.ent-malware`)),
		chromedp.Evaluate[chromedp.Void](`window.spoorAlert = 0; window.alert = () => window.spoorAlert++`),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("#forum-events mark, #forum-events h3").forEach(m => m.dispatchEvent(new MouseEvent("mouseover", {bubbles: true})))`))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#forum-events article[data-kind="leak"]`)))
	if err != nil || !strings.Contains(text, "<script>alert(6)</script>") || !strings.Contains(text, "Leak & dump !") {
		t.Errorf("hostile event shown as %q (%v)", text, err)
	}
	bad, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#forum-events script, #forum-events svg, #forum-events pre a, main img").length + window.spoorAlert`))
	if err != nil || bad != 0 {
		t.Errorf("the hostile post became markup or ran (%d, %v)", bad, err)
	}
	if violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.spoorCSP`)); err != nil || len(violations) > 0 {
		t.Errorf("CSP violations: %q (%v)", violations, err)
	}
}
