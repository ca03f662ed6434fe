package collect_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/reputation"
	"github.com/spoor/spoor/internal/store/sqlite"
)

// TestScreeningFlagsPopularAndWhitelisted: a feed that lists a popular
// domain, a whitelisted one or a name under either keeps the entries, and
// each is flagged with the list it is on; a name under a dynamic-DNS
// provider on the popularity list is not vouched for by its provider.
func TestScreeningFlagsPopularAndWhitelisted(t *testing.T) {
	ctx := intel.WithActor(context.Background(), intel.Actor{Login: "analyst"})
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.AddWhitelist(ctx, &intel.WhitelistEntry{Domain: "partner-portal.org", Reason: "our partner"}); err != nil {
		t.Fatal(err)
	}
	m, err := reputation.Default()
	if err != nil {
		t.Fatal(err)
	}
	popular := m.PopularDomains()[0] // the top of the list
	dir := t.TempDir()
	trail := filepath.Join(dir, "feed.txt")
	lines := "# a feed with mistakes in it\n" + popular + "\ncdn." + popular + "\nmail.partner-portal.org\nqk7zv2xw9j.duckdns.org\nxk4qz9vw7r.top\n"
	if err := os.WriteFile(trail, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	c := collect.NewCollector(st, nil)
	c.Files = collect.AnyFile{}
	c.Reputation = &reputation.Service{Store: st}
	src := &intel.Source{Name: "feed", Format: "trail", Location: trail, Enabled: true}
	if err := c.Define(ctx, src); err != nil {
		t.Fatal(err)
	}
	run, err := c.Collect(ctx, src, collect.Options{Trigger: "test"})
	if err != nil || run.Status != intel.RunOK {
		t.Fatalf("collect: %+v, %v", run, err)
	}
	want := map[string]string{
		popular: collect.PopularList, "cdn." + popular: collect.PopularList,
		"mail.partner-portal.org": collect.WhitelistList, "qk7zv2xw9j.duckdns.org": "", "xk4qz9vw7r.top": "",
	}
	for value, list := range want {
		page, err := st.FindIndicators(ctx, intel.IndicatorFilter{Type: intel.IndicatorDomain, Value: value, Limit: 1})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("%s: %d stored, %v; every entry is kept", value, len(page.Items), err)
		}
		if got := page.Items[0].Warninglist; got != list {
			t.Errorf("%s flagged %q, want %q", value, got, list)
		}
	}
	// Without the service, nothing is flagged beyond the built-in lists.
	c.Reputation = nil
	src2 := &intel.Source{Name: "feed2", Format: "trail", Location: trail, Enabled: true}
	if err := c.Define(ctx, src2); err != nil {
		t.Fatal(err)
	}
	if run, err := c.Collect(ctx, src2, collect.Options{Trigger: "test"}); err != nil || run.Status != intel.RunOK {
		t.Fatalf("collect without screening: %+v, %v", run, err)
	}
}
