package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// TestBrowserDocumentReview opens a report with linked entities in
// Chromium as an analyst, confirms one link and rejects another with the
// page's buttons, and sees the decisions in the table, the rejected name
// struck through and unlinked in the text, the report's event following;
// then withdraws the rejection. The rejected entity's text is a script
// payload that must stay text: nothing runs, no element is injected, no
// CSP violation is reported.
func TestBrowserDocumentReview(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := chromium(t)
	e := newEnv(t)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)

	const payload = `<img src=x onerror="window.spoorXSS=1">`
	text := "APT28 and " + payload + " shared the lure."
	hs := strings.Index(text, payload)
	imp := &intel.ReportImport{
		Source:   intel.Source{Name: "browser-labs", Kind: intel.SourceReport, Credibility: 0.6},
		Document: intel.Document{Title: "Two groups, one lure", Text: text},
		Entities: []intel.EntityMention{
			{Type: "HackOrg", Text: "APT28", Start: 0, End: 5, Confidence: 0.4, Model: "test", ObjectID: e.Group.ID},
			{Type: "HackOrg", Text: payload, Start: hs, End: hs + len(payload), Confidence: 0.9, Model: "test", ObjectID: e.XSSGroup.ID},
		},
	}
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	if _, err := e.Store.ImportReport(ctx, imp); err != nil {
		t.Fatalf("import report: %v", err)
	}
	id := imp.Document.ID
	eventGroup := func() int64 {
		t.Helper()
		page, err := e.Store.FindEvents(ctx, intel.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page.Items {
			if ev.Key == store.ReportEventKey(id) {
				return ev.GroupID
			}
		}
		t.Fatalf("no event of the report")
		return 0
	}
	// APT28's link is under the event's confidence threshold: the event
	// names the other group.
	if g := eventGroup(); g != e.XSSGroup.ID {
		t.Fatalf("event group before the decisions = %d, want %d", g, e.XSSGroup.ID)
	}

	bctx := newBrowser(t, path)
	signIn(t, bctx, srv.URL+fmt.Sprintf("/documents/%d", id), "analyst", "#doc-entity-links")
	step(t, bctx, "watch",
		chromedp.Evaluate[chromedp.Void](`window.spoorCSP = [];
document.addEventListener("securitypolicyviolation", e => window.spoorCSP.push(e.violatedDirective + " " + e.blockedURI))`))
	// row finds the links table's row of an entity by its text.
	row := func(text string) string {
		return fmt.Sprintf(`[...document.querySelectorAll("#doc-entity-links tbody tr")].find(r => r.cells[0].textContent === %q)`, text)
	}
	decision := func(text string) string { return row(text) + `.cells[4].textContent` }
	// settled is true once htmx has swapped the page in and processed it:
	// a button clicked before that would submit its form natively, and
	// the page (with the watch above) would be replaced.
	const settled = ` && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")`
	click := func(name, text, value string) {
		t.Helper()
		step(t, bctx, name, chromedp.Evaluate[chromedp.Void](row(text)+`.querySelector('button[value=`+value+`]').click()`))
	}
	if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#doc-entity-links tbody tr").length`)); err != nil || n != 2 {
		t.Fatalf("link rows = %d, %v; want 2", n, err)
	}

	click("confirm APT28", "APT28", "confirmed")
	waitFor(t, bctx, "APT28 confirmed", decision("APT28")+` === "confirmed"`+settled)
	click("reject the payload", payload, "rejected")
	waitFor(t, bctx, "payload rejected", decision(payload)+` === "rejected"`+settled)
	if d, err := chromedp.Run(bctx, chromedp.Evaluate[string](decision("APT28"))); err != nil || d != "confirmed" {
		t.Errorf("APT28's decision after the rejection = %q, %v", d, err)
	}
	// The rejected name is struck through and no longer links in the text;
	// the confirmed one links to its group.
	marks, err := chromedp.Run(bctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#doc-text mark")].map(m =>
  m.className + "|" + m.textContent + "|" + (m.querySelector("a") ? m.querySelector("a").getAttribute("href") : "")).join("\n")`))
	if want := fmt.Sprintf("ent|APT28|/groups/%d\nent rejected|%s|", e.Group.ID, payload); err != nil || marks != want {
		t.Errorf("marks in the text:\n%s\n(%v), want\n%s", marks, err, want)
	}
	if g := eventGroup(); g != e.Group.ID {
		t.Errorf("event group after the decisions = %d, want APT28 (%d)", g, e.Group.ID)
	}

	click("withdraw the rejection", payload, "withdrawn")
	waitFor(t, bctx, "rejection withdrawn", decision(payload)+` === "" && !document.querySelector("#doc-text mark.rejected")`+settled)

	hostile, err := chromedp.Run(bctx, chromedp.Evaluate[string](`JSON.stringify([window.spoorXSS === undefined,
  document.querySelectorAll("#doc-text img, #doc-entity-links img, [onerror]").length, window.spoorCSP.length])`))
	if err != nil || hostile != "[true,0,0]" {
		t.Errorf("hostile entity text: [not run, injected elements, CSP violations] = %s, %v; want [true,0,0]", hostile, err)
	}
}
