package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/notify"
)

// TestBrowserWatch watches a group from its page in Chromium, lets a
// collection import indicators of that group, and finds the unread count
// in the page header and the notification on its page.
func TestBrowserWatch(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := chromium(t)
	e := newEnv(t)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	ctx := newBrowser(t, path)

	signIn(t, ctx, srv.URL+fmt.Sprintf("/groups/%d", e.Group.ID), "reader", "#watch-group")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#unread").length`)); err != nil || n != 0 {
		t.Fatalf("an unread count before anything happened: %d, %v", n, err)
	}
	step(t, ctx, "watch the group", chromedp.Click(chromedp.CSS("#watch-group")))
	// The answer is the same group page: wait for the stored watch.
	var ws []*intel.Watch
	var err error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ws, err = e.Store.FindWatches(context.Background(), e.As["reader"].User.ID); err != nil || len(ws) > 0 {
			break
		}
	}
	if err != nil || len(ws) != 1 || ws[0].ObjectID != e.Group.ID {
		t.Fatalf("watches after the click: %+v, %v", ws, err)
	}

	// A collection, as the scheduler runs it, brings indicators of APT28.
	c := collect.NewCollector(e.Store, nil)
	c.Files = collect.AnyFile{}
	c.Notify = notify.New(e.Store, notify.Options{Sync: true})
	run, err := c.Collect(intel.WithActor(context.Background(), intel.Actor{Login: "scheduler"}),
		&intel.Source{Name: "apt-iocs", Format: "apt-iocs", Location: "../collect/ioclist/testdata/apt-iocs.csv", Enabled: true},
		collect.Options{Trigger: "schedule"})
	if err != nil || run.Status != intel.RunOK {
		t.Fatalf("collect: %+v, %v", run, err)
	}

	step(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#unread")))
	count, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#unread")))
	if err != nil || strings.TrimSpace(count) != "1" {
		t.Errorf("unread count in the header = %q, %v; want 1", count, err)
	}
	step(t, ctx, "open the notifications",
		chromedp.Click(chromedp.CSS("#notifications")),
		chromedp.WaitVisible(chromedp.CSS("#notification-list")))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#notification-list")))
	if err != nil || !strings.Contains(text, "indicators of APT28 new or changed") {
		t.Errorf("notifications page: %q, %v", text, err)
	}
	step(t, ctx, "mark read", chromedp.Click(chromedp.CSS("#mark-read")))
	// The answer replaces the page without the button (nothing unread).
	waitFor(t, ctx, "marked read", `!document.getElementById("mark-read") && !!document.getElementById("notification-list")`)
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#unread").length`)); err != nil || n != 0 {
		t.Errorf("unread count after marking read: %d, %v", n, err)
	}

	// The indicator page draws its sightings by day.
	for _, day := range []int{3, 3, 5} {
		sg := &intel.Sighting{IndicatorID: e.Indicator.ID, Count: 2, Sensor: "proxy-1", SeenAt: time.Date(2025, 2, day, 10, 0, 0, 0, time.UTC)}
		if err := e.Store.RecordSightings(context.Background(), []*intel.Sighting{sg}); err != nil {
			t.Fatal(err)
		}
	}
	step(t, ctx, "open the indicator",
		chromedp.Navigate(srv.URL+fmt.Sprintf("/indicators/%d", e.Indicator.ID)),
		chromedp.WaitVisible(chromedp.CSS(".sightings-timeline canvas")))
	waitFor(t, ctx, "timeline", `document.querySelector(".sightings-timeline").dataset.days !== undefined`)
	days, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".sightings-timeline").dataset.days`))
	if err != nil || days != "2025-02-03 2025-02-05" {
		t.Errorf("timeline days = %q, %v", days, err)
	}
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.spoorSightings.getOption().series[0].data)`))
	if err != nil || bars != `[["2025-02-03",4],["2025-02-05",2]]` {
		t.Errorf("timeline bars = %s, %v", bars, err)
	}
}
