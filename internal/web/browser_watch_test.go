package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

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

	step(t, ctx, "sign in",
		chromedp.Navigate(srv.URL+fmt.Sprintf("/groups/%d", e.Group.ID)),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#login"), "reader"),
		chromedp.SendKeys(chromedp.CSS("#password"), "reader-password-123"),
		chromedp.Click(chromedp.CSS("section.login button")),
		chromedp.WaitVisible(chromedp.CSS("#watch-group")))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#unread").length`)); err != nil || n != 0 {
		t.Fatalf("an unread count before anything happened: %d, %v", n, err)
	}
	step(t, ctx, "watch the group",
		chromedp.Click(chromedp.CSS("#watch-group")),
		chromedp.WaitVisible(chromedp.CSS("#watch-group")))
	ws, err := e.Store.FindWatches(context.Background(), e.As["reader"].User.ID)
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
	step(t, ctx, "mark read",
		chromedp.Click(chromedp.CSS("#mark-read")),
		chromedp.WaitVisible(chromedp.CSS("#notification-list")))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#unread").length`)); err != nil || n != 0 {
		t.Errorf("unread count after marking read: %d, %v", n, err)
	}
}
