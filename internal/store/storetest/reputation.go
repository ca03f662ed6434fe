package storetest

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// testWhitelist checks the reputation whitelist: who added an entry and
// why, a second addition replaces the reason, removal names its reason,
// and every change is in the audit log.
func testWhitelist(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 2, "analyst")
	must(t, "add", s.AddWhitelist(ctx, &intel.WhitelistEntry{Domain: "example.org", Reason: "our own site"}))
	e := &intel.WhitelistEntry{Domain: "cdn.example.net", Reason: "the CDN"}
	must(t, "add", s.AddWhitelist(ctx, e))
	if e.ID == 0 || e.AddedBy != "analyst" || e.AddedAt.IsZero() {
		t.Errorf("added entry %+v", e)
	}
	must(t, "add again", s.AddWhitelist(ctx, &intel.WhitelistEntry{Domain: "example.org", Reason: "our own site, checked"}))
	got, err := s.ListWhitelist(ctx)
	must(t, "list", err)
	if len(got) != 2 || got[0].Domain != "cdn.example.net" || got[1].Domain != "example.org" || got[1].Reason != "our own site, checked" {
		t.Errorf("whitelist %+v", got)
	}
	if err := s.AddWhitelist(ctx, &intel.WhitelistEntry{Domain: "x.org", Reason: " "}); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("no reason: %v", err)
	}
	must(t, "remove", s.RemoveWhitelist(ctx, "cdn.example.net", "moved"))
	if err := s.RemoveWhitelist(ctx, "cdn.example.net", ""); intel.ErrorCode(err) != intel.CodeNotFound {
		t.Errorf("remove twice: %v", err)
	}
	got, err = s.ListWhitelist(ctx)
	must(t, "list", err)
	if len(got) != 1 || got[0].Domain != "example.org" {
		t.Errorf("after removal %+v", got)
	}
	page, err := s.FindAudit(context.Background(), intel.AuditFilter{Limit: 50})
	must(t, "audit", err)
	var trail []string
	for _, a := range page.Items {
		if strings.HasPrefix(a.Action, "reputation.whitelist.") {
			trail = append(trail, a.Action+" "+a.Login+" "+a.Detail)
		}
	}
	want := []string{
		"reputation.whitelist.remove analyst cdn.example.net (was: the CDN): moved",
		"reputation.whitelist.add analyst example.org: our own site, checked",
		"reputation.whitelist.add analyst cdn.example.net: the CDN",
		"reputation.whitelist.add analyst example.org: our own site",
	}
	if !slices.Equal(trail, want) {
		t.Errorf("audit trail:\n%s\nwant\n%s", strings.Join(trail, "\n"), strings.Join(want, "\n"))
	}
}

// testDomainReports checks the VirusTotal reports: stored in one go, NaN
// features kept, a newer report replaces an older and an older one is
// ignored.
func testDomainReports(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 2, "analyst")
	t0 := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	nan := math.NaN()
	n, err := s.SaveDomainReports(ctx, []*intel.DomainReport{
		{Domain: "a.example", AnalysedAt: t0, Features: []float64{0.5, nan, 1}, Tags: []string{"phishing"}, Report: `{"reputation":-3}`},
		{Domain: "b.example", AnalysedAt: t0, Features: []float64{0, 0, 0}, Report: `{}`},
	}, "test")
	must(t, "save", err)
	if n != 2 {
		t.Errorf("stored %d, want 2", n)
	}
	n, err = s.SaveDomainReports(ctx, []*intel.DomainReport{
		{Domain: "a.example", AnalysedAt: t0.Add(-time.Hour), Features: []float64{9, 9, 9}, Report: `{}`},
		{Domain: "b.example", AnalysedAt: t0.Add(time.Hour), Features: []float64{1, 1, 1}, Report: `{"new":true}`},
	}, "test")
	must(t, "save again", err)
	if n != 1 {
		t.Errorf("stored %d, want 1 (the older report of a.example ignored)", n)
	}
	got, err := s.FindDomainReports(ctx, []string{"a.example", "b.example", "c.example"})
	must(t, "find", err)
	a, b := got["a.example"], got["b.example"]
	if len(got) != 2 || a == nil || b == nil {
		t.Fatalf("found %v", got)
	}
	if a.Features[0] != 0.5 || !math.IsNaN(a.Features[1]) || !slices.Equal(a.Tags, []string{"phishing"}) || a.Report != `{"reputation":-3}` || !a.AnalysedAt.Equal(t0) {
		t.Errorf("a.example %+v", a)
	}
	if b.Features[0] != 1 || b.Report != `{"new":true}` {
		t.Errorf("b.example %+v, want the newer report", b)
	}
	if _, err := s.SaveDomainReports(ctx, []*intel.DomainReport{{Domain: "d.example"}, {Domain: ""}}, "bad"); err == nil {
		t.Error("a report without a domain was accepted")
	}
	if got, _ := s.FindDomainReports(ctx, []string{"d.example"}); len(got) != 0 {
		t.Errorf("a failed import stored %v", got)
	}
}
