package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds the browser for TestBrowser: $SPOOR_CHROMIUM, or
// chromium on PATH. Without one the test skips, except in CI.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("SPOOR_CHROMIUM")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		msg := "no chromium: set SPOOR_CHROMIUM or install it (apt-get install chromium) to run the browser test"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// TestBrowser drives the real UI in headless Chromium, with htmx and the
// strict CSP in force: sign in through the form, search for APT28, open
// the group and read its aliases, then extract indicators from pasted
// text.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := chromium(t)
	e := newEnv(t)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)

	ctx := newBrowser(t, path)
	step(t, ctx, "open the login page",
		chromedp.Navigate(srv.URL+"/groups"),
		chromedp.WaitVisible(chromedp.CSS("#password")))
	step(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS("#login"), "analyst"),
		chromedp.SendKeys(chromedp.CSS("#password"), "analyst-password-123"),
		chromedp.Click(chromedp.CSS("section.login button")),
		// The sign-in brings the user back to the page asked for.
		chromedp.WaitVisible(chromedp.CSS("h1.cap")))
	// Record CSP violations from here on, and mark the document: if htmx
	// works under the CSP, the search and the group page are swapped into
	// this document instead of loading new ones.
	step(t, ctx, "watch",
		chromedp.Evaluate[chromedp.Void](`window.spoorCSP = []; window.spoorMark = true;
document.addEventListener("securitypolicyviolation", e => window.spoorCSP.push(e.violatedDirective + " " + e.blockedURI))`))
	htmx, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof htmx === "object"`))
	if err != nil {
		t.Fatal(err)
	}
	if !htmx {
		t.Log("htmx is not loaded (run make assets): testing the plain HTML navigation")
	} else {
		t.Log("htmx loaded")
	}
	step(t, ctx, "search",
		chromedp.SendKeys(chromedp.CSS("form.nav-search input[name=q]"), "APT28"),
		chromedp.Click(chromedp.CSS("form.nav-search button")),
		chromedp.WaitVisible(chromedp.CSS("li.hit a.hit-title")))
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("li.hit a.hit-title")))
	if err != nil || title != "APT28" {
		t.Fatalf("first hit = %q (%v), want APT28", title, err)
	}
	step(t, ctx, "open the group",
		chromedp.Click(chromedp.CSS("li.hit a.hit-title")),
		chromedp.WaitVisible(chromedp.CSS("#aliases")))
	aliases, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#aliases")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Sofacy", "Fancy Bear", "STRONTIUM"} {
		if !strings.Contains(aliases, want) {
			t.Errorf("aliases %q lack %q", aliases, want)
		}
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("article.object h1")))
	if err != nil || !strings.Contains(heading, "APT28") {
		t.Errorf("group heading = %q (%v)", heading, err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/groups/"+id(e.Group.ID)) {
		t.Errorf("location = %q (%v), want the group's URL", loc, err)
	}
	if htmx {
		mark, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.spoorMark === true`))
		if err != nil || !mark {
			t.Errorf("htmx did not swap the pages in (mark %v, %v)", mark, err)
		}
		violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.spoorCSP || []`))
		if err != nil || len(violations) > 0 {
			t.Errorf("CSP violations: %q (%v)", violations, err)
		}
	}
	techniques, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("article.object table#techniques")))
	if err != nil || !strings.Contains(techniques, "Spearphishing Attachment") {
		t.Errorf("techniques table = %q (%v)", techniques, err)
	}

	// Paste a defanged report on the Extract page (a multipart form,
	// posted by htmx when it is loaded) and read the refanged URL.
	step(t, ctx, "open the Act menu",
		chromedp.Click(chromedp.CSS(`#menu-act summary`)),
		chromedp.WaitVisible(chromedp.CSS(`header.top a[href="/extract"]`)))
	step(t, ctx, "open Extract",
		chromedp.Click(chromedp.CSS(`header.top a[href="/extract"]`)),
		chromedp.WaitVisible(chromedp.CSS("#text")))
	// The menu closes after the choice (charts.js), as htmx keeps the header.
	open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#menu-act").open`))
	if err != nil || open {
		t.Errorf("the Act menu is still open after a choice (%v)", err)
	}
	step(t, ctx, "extract",
		chromedp.SendKeys(chromedp.CSS("#text"), "C2 at hxxps://evil-c2[.]com/gate.php and 203.0.113.9"),
		chromedp.Click(chromedp.CSS("#extract-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`table.matches[data-type="url"] td.value`)))
	value, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table.matches[data-type="url"] td.value`)))
	if err != nil || value != "https://evil-c2.com/gate.php" {
		t.Errorf("extracted URL = %q (%v)", value, err)
	}
	if htmx {
		violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.spoorCSP || []`))
		if err != nil || len(violations) > 0 {
			t.Errorf("CSP violations on Extract: %q (%v)", violations, err)
		}
	}
}

// newBrowser starts headless Chromium for one test; it closes with it.
func newBrowser(t *testing.T, path string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(cancelBrowser)
	// Start the browser on the long-lived context: a browser started
	// under a step's shorter context would close with it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// signIn opens url, which asks for a sign-in, signs in as the seeded user
// of that role (login = role) and waits for ready, the CSS of the page the
// sign-in brings the user back to.
func signIn(t *testing.T, ctx context.Context, url, role, ready string) {
	t.Helper()
	step(t, ctx, "sign in",
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#login"), role),
		chromedp.SendKeys(chromedp.CSS("#password"), role+"-password-123"),
		chromedp.Click(chromedp.CSS("section.login button")),
		chromedp.WaitVisible(chromedp.CSS(ready)))
}

// step runs browser actions with a time limit and, when they fail, shows
// where the browser was and what it showed.
func step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
		t.Fatalf("%s: %v\nat %s:\n%.2000s", name, err, loc, html)
	}
}
