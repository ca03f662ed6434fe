package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/spoor/spoor/internal/attribute"
	"github.com/spoor/spoor/internal/intel"
)

// TestBrowserAttributionModel opens the attribution model page from the
// Analysis menu in Chromium under the strict CSP: it draws the
// calibration curve and the coverage curve for every model and the
// confused pairs as a heatmap, with a hostile group name run as nothing.
func TestBrowserAttributionModel(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := chromium(t)
	e := newEnv(t)
	ctx0 := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	var exs []attribute.Example
	for i := 0; i < 40; i++ {
		exs = append(exs, attribute.Example{Event: &intel.Event{Techniques: []string{fmt.Sprint("T100", i%2), "T1566"}},
			Group: int64(i%2 + 1), SplitKey: fmt.Sprint("r", i)})
	}
	exs[0].Group, exs[2].Group = 2, 2
	ev, err := attribute.Evaluate(exs, 4, attribute.DefaultOptions(), 0.3, nil)
	if err != nil || len(ev.Confused) == 0 {
		t.Fatalf("evaluate: %v, %d confused pairs", err, len(ev.Confused))
	}
	ev.Confused[0].TruthName = `<img src=x onerror=alert(1)>`
	evaluation, _ := json.Marshal(ev)
	if err := e.Store.SaveModel(ctx0, &intel.Model{Kind: "attribution", Version: attribute.EncodingVersion, Data: "{}",
		Summary: `{"events":40}`, Evaluation: string(evaluation)}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	ctx := newBrowser(t, path)

	signIn(t, ctx, srv.URL+"/groups", "reader", "h1.cap")
	step(t, ctx, "open the model page",
		chromedp.Click(chromedp.CSS(`#menu-analysis summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#menu-analysis a[href="/attribute/model"]`)),
		chromedp.Click(chromedp.CSS(`#menu-analysis a[href="/attribute/model"]`)),
		chromedp.WaitVisible(chromedp.CSS("#eval-table")))
	waitFor(t, ctx, "charts", `window.spoorCharts && window.spoorCharts.length === 3 && document.querySelector("#chart-confused canvas")`)
	lines, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.spoorCharts[1].getOption().series.map(s => s.name)`))
	if err != nil || len(lines) != len(ev.Models) {
		t.Errorf("coverage curves %q (%v), want one per model (%d)", lines, err, len(ev.Models))
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.spoorCharts[2].getOption().series[0].data.length`))
	if err != nil || cells != len(ev.Confused) {
		t.Errorf("confused heatmap cells %d (%v), want %d", cells, err, len(ev.Confused))
	}
	name, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#confused-table tbody td a").textContent`))
	if err != nil || name != `<img src=x onerror=alert(1)>` {
		t.Errorf("confused group shown as %q (%v), want the name as text", name, err)
	}
	// The hostile name made no element (the heatmap's labels and
	// tooltips are drawn on a canvas or escaped).
	imgs, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("main img, .chart div img").length`))
	if err != nil || imgs != 0 {
		t.Errorf("%d img elements on the page (%v), want none", imgs, err)
	}
	screenshot(t, ctx, "attribution-model.png")
}

// TestBrowserAttribute is the Attribute page as an analyst uses it: type
// what was seen, submit, read the ranked groups, open a group's checks to
// follow its most similar past event, and confirm the group, which opens
// the events form filled with the event and the group.
func TestBrowserAttribute(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := chromium(t)
	e := newEnv(t)
	analysisGroups(t, e)
	trainAttribution(t, e)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	ctx := newBrowser(t, path)

	signIn(t, ctx, srv.URL+"/attribute", "analyst", "#attribute-form")
	step(t, ctx, "describe the event and submit",
		chromedp.SendKeys(chromedp.CSS("#techniques"), "T1566.001, T1059"),
		chromedp.SendKeys(chromedp.CSS("#software"), "X-Agent"),
		chromedp.SendKeys(chromedp.CSS("#times"), "2024-03-05T07:15:00Z"),
		chromedp.SetValue(chromedp.CSS("#abstain"), "0"),
		chromedp.Click(chromedp.CSS(`#attribute-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#attribution-groups")))
	first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#attribution-groups tbody tr td a").textContent`))
	if err != nil || (first != "APT28" && first != "Twin Bear") {
		t.Fatalf("first group %q (%v): the phishing groups must rank first", first, err)
	}
	step(t, ctx, "open the first group's checks",
		chromedp.Click(chromedp.CSS("#attribution-groups tbody tr details.checks summary")),
		chromedp.WaitVisible(chromedp.CSS("#attribution-groups tbody tr details.checks .similar-events a")))
	similar, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#attribution-groups tbody tr details.checks .similar-events a").getAttribute("href")`))
	if err != nil || len(similar) < len("/events/1") || similar[:len("/events/")] != "/events/" {
		t.Errorf("similar event link %q (%v)", similar, err)
	}
	step(t, ctx, "confirm the first group",
		chromedp.Click(chromedp.CSS("#attribution-groups tbody tr a.confirm")),
		chromedp.WaitVisible(chromedp.CSS("#group-name")))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.querySelector("#group-name").textContent, document.querySelector("#techniques").value, document.querySelector("#times").value]`))
	if err != nil || len(got) != 3 || got[0] != first || got[1] != "T1566.001, T1059" || got[2] != "2024-03-05T07:15:00Z" {
		t.Errorf("the events form shows %q (%v); want the group, the techniques and the time", got, err)
	}
	screenshot(t, ctx, "attribute.png")
}
