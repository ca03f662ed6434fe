package web_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/intel"
)

// TestBrowserGroupTablesSort clicks the headers of a group page's
// technique table: a first click sorts by that column, a second reverses
// it, technique IDs sort in natural order and a technique without a
// tactic comes last both ways.
func TestBrowserGroupTablesSort(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := chromium(t)
	e := newEnv(t)
	t0 := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	tech := func(id, name, tactic string) intel.Object {
		o := intel.Object{Kind: intel.KindTechnique, StixID: "attack-pattern--sort-" + id, ExternalID: id, Name: name,
			Confidence: 1, Created: t0, Modified: t0}
		if tactic != "" {
			o.Tactics = []string{tactic}
		}
		return o
	}
	objs := []intel.Object{
		{Kind: intel.KindGroup, StixID: "intrusion-set--sort", Name: "Sorting Bear", Confidence: 1, Created: t0, Modified: t0},
		tech("T1059.001", "PowerShell", "execution"), tech("T1003", "OS Credential Dumping", "credential-access"),
		tech("T1059", "Command and Scripting Interpreter", "execution"), tech("T1588", "Obtain Capabilities", ""),
		tech("T1105", "Ingress Tool Transfer", "command-and-control"),
	}
	var rels []intel.Link
	for _, o := range objs[1:] {
		rels = append(rels, intel.Link{StixID: "relationship--sort-" + o.ExternalID, Type: "uses", SourceRef: objs[0].StixID,
			TargetRef: o.StixID, Created: t0, Modified: t0})
	}
	ctx := intel.WithActor(context.Background(), intel.Actor{UserID: e.As["admin"].User.ID, Login: "admin"})
	if _, err := e.Store.ImportBundle(ctx, &intel.Bundle{Source: intel.Source{Name: "sort-test", Kind: intel.SourceSTIX, Credibility: 1},
		Objects: objs, Relationships: rels}, nil); err != nil {
		t.Fatal(err)
	}
	g, err := e.Store.FindObjectByName(ctx, intel.KindGroup, "Sorting Bear")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	bctx := newBrowser(t, path)
	signIn(t, bctx, srv.URL+"/groups/"+id(g.ID), "reader", "table#techniques button.sort")

	column := func(n int) []string {
		t.Helper()
		got, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table#techniques tbody tr"),
  r => r.cells[`+id(int64(n))+`].textContent.trim())`))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	sortState := func(n int) string {
		t.Helper()
		got, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelectorAll("table#techniques thead th")[`+id(int64(n))+`].getAttribute("aria-sort") || ""`))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	click := func(name string, n int) {
		t.Helper()
		step(t, bctx, name, chromedp.Click(chromedp.CSS(`table#techniques thead th:nth-child(`+id(int64(n+1))+`) button.sort`)))
	}
	checks := []struct {
		name  string
		col   int
		want  []string
		state string
	}{
		{"sort by ID", 0, []string{"T1003", "T1059", "T1059.001", "T1105", "T1588"}, "ascending"},
		{"sort by ID again", 0, []string{"T1588", "T1105", "T1059.001", "T1059", "T1003"}, "descending"},
		{"sort by tactic", 2, []string{"command-and-control", "credential-access", "execution", "execution", ""}, "ascending"},
		{"sort by tactic again", 2, []string{"execution", "execution", "credential-access", "command-and-control", ""}, "descending"},
	}
	for _, c := range checks {
		click(c.name, c.col)
		if diff := cmp.Diff(c.want, column(c.col)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
		if got := sortState(c.col); got != c.state {
			t.Errorf("%s: aria-sort = %q, want %q", c.name, got, c.state)
		}
		if c.col != 0 {
			if got := sortState(0); got != "" {
				t.Errorf("%s: the ID column still says aria-sort %q", c.name, got)
			}
		}
	}
}
