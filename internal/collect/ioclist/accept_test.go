package ioclist_test

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/spoor/spoor/internal/collect/ioclist"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store/sqlite"
	"github.com/spoor/spoor/internal/store/storetest"
	"github.com/spoor/spoor/internal/testenv"
)

// TestAcceptanceAPTIOCs imports the real apt-iocs list into a fresh
// SQLite store holding ATT&CK, and checks that every input value is
// accounted for (stored, rejected with a reason, or merged with another
// spelling of the same value), that G-numbers link events to groups, and
// that a second import changes nothing.
func TestAcceptanceAPTIOCs(t *testing.T) {
	testenv.Acceptance(t)
	path := testenv.DataFile(t, "apt-iocs", "iocs.csv.gz")
	ctx := context.Background()

	// Upstream distinct values, read independently of the parser.
	distinct := map[[2]string]bool{}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(zr)
	rowsIn := -1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rowsIn++
		if rowsIn > 0 {
			distinct[[2]string{rec[2], rec[3]}] = true
		}
	}
	f.Close()
	if rowsIn != 175756 || len(distinct) != 166402 {
		t.Fatalf("input has %d rows, %d distinct values; the data README says 175,756 and 166,402", rowsIn, len(distinct))
	}

	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "spoor.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	attack := storetest.AttackBundle(t)
	if attack == nil {
		t.Fatal("ATT&CK data absent next to apt-iocs")
	}
	storetest.MustImport(t, s, attack)

	b, st, _, err := storetest.ImportAPTIOCs(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if b.Rows != rowsIn {
		t.Errorf("parser read %d rows, want %d", b.Rows, rowsIn)
	}
	// Every upstream value is stored, rejected, or a second spelling of
	// a stored one (case of a hash or host, say): recompute which with
	// the same screener and check the sum.
	sc := ioclist.NewScreener()
	canon := map[[2]string]bool{}
	rejected, merged := 0, 0
	for k := range distinct {
		typ, _ := ioclist.ParseType(k[0])
		v, err := sc.Screen(typ, k[1])
		if err != nil {
			rejected++
			continue
		}
		ck := [2]string{string(v.Type), v.Value}
		if canon[ck] {
			merged++
		}
		canon[ck] = true
	}
	c := st.Counts["indicator"]
	t.Logf("rows %d, distinct %d: stored %d, rejected %d distinct (%d rows), merged spellings %d; events %+v; warnings %q",
		rowsIn, len(distinct), c.Created, rejected, b.Rejected, merged, *st.Counts["event"], st.Warnings[:min(5, len(st.Warnings))])
	if c.Created+rejected+merged != len(distinct) {
		t.Errorf("stored %d + rejected %d + merged %d != %d distinct input values", c.Created, rejected, merged, len(distinct))
	}
	if c.Created != len(canon) || c.Rejected != b.Rejected {
		t.Errorf("created %d, want %d; rejected %d, want %d", c.Created, len(canon), c.Rejected, b.Rejected)
	}
	counts, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["indicator"] != c.Created { // ATT&CK brings no indicators
		t.Errorf("stored indicators %d, want %d", counts["indicator"], c.Created)
	}
	ev, err := s.EventCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ev["event"] != st.Counts["event"].Created || ev["event_attributed"] == 0 {
		t.Errorf("event counts %v, import %+v", ev, *st.Counts["event"])
	}
	apt28 := storetest.MustFind(t, s, intel.KindGroup, "APT28")
	page, err := s.FindEvents(ctx, intel.EventFilter{GroupID: apt28.ID, Limit: 5})
	if err != nil || len(page.Items) == 0 {
		t.Errorf("no events linked to APT28 (G0007): %v", err)
	}

	_, st2, _, err := storetest.ImportAPTIOCs(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range st2.Counts {
		if c.Created != 0 || c.Updated != 0 {
			t.Errorf("re-import changed %s: %+v", k, *c)
		}
	}
}
