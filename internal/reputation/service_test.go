package reputation

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/testenv"
)

// memStore is a Store in memory.
type memStore struct {
	models    []*intel.Model
	whitelist []intel.WhitelistEntry
	reports   map[string]*intel.DomainReport
	evidence  map[string]*intel.DomainEvidence
	loads     int // FindLatestModel calls

	evidenceCalls, familyCalls int
}

func (m *memStore) FindLatestModel(_ context.Context, kind string) (*intel.Model, error) {
	m.loads++
	if len(m.models) == 0 {
		return nil, intel.Errorf(intel.CodeNotFound, "no %s model", kind)
	}
	return m.models[len(m.models)-1], nil
}

func (m *memStore) LatestModelID(_ context.Context, kind string) (int64, error) {
	if len(m.models) == 0 {
		return 0, intel.Errorf(intel.CodeNotFound, "no %s model", kind)
	}
	return m.models[len(m.models)-1].ID, nil
}

func (m *memStore) ListWhitelist(context.Context) ([]intel.WhitelistEntry, error) {
	return m.whitelist, nil
}

func (m *memStore) FindDomainReports(_ context.Context, domains []string) (map[string]*intel.DomainReport, error) {
	out := map[string]*intel.DomainReport{}
	for _, d := range domains {
		if r, ok := m.reports[d]; ok {
			out[d] = r
		}
	}
	return out, nil
}

func TestServiceModels(t *testing.T) {
	ctx := context.Background()
	st := &memStore{}
	svc := &Service{Store: st}
	mv, err := svc.Current(ctx)
	if err != nil || mv.Origin != "built-in" || mv.ID != 0 || mv.Evaluation == nil || len(mv.Evaluation.Splits) == 0 {
		t.Fatalf("no stored model: %+v, %v; want the built-in one with its evaluation", mv, err)
	}
	// A stored model is used from then on, loaded once.
	trained := testModel(t)
	trained.Info.Version = "synthetic"
	rec, err := StoredModel(trained, &Evaluation{TargetFPR: 0.02, Splits: []Split{{Split: "random"}}})
	if err != nil {
		t.Fatal(err)
	}
	rec.ID = 7
	st.models = append(st.models, rec)
	for range 3 {
		if mv, err = svc.Current(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if mv.Origin != "stored" || mv.ID != 7 || mv.Info.Version != "synthetic" || mv.Evaluation == nil || mv.Evaluation.Splits[0].Split != "random" || st.loads != 1 {
		t.Errorf("stored model: %+v after %d loads", mv, st.loads)
	}
	// The stored model scores as the trained one does.
	names := []string{"kamine.org", "bcdfghjklm.top", "not a name"}
	got, err := svc.Score(ctx, names)
	if err != nil {
		t.Fatal(err)
	}
	want := (&Scorer{Model: trained}).ScoreBatch(names, nil)
	for i := range names {
		if got[i].Reputation != want[i].Reputation || got[i].Score != want[i].Score {
			t.Errorf("%s: stored model %+v, trained %+v", names[i], got[i], want[i])
		}
	}
	if got[2].Reputation != Invalid {
		t.Errorf("invalid name: %+v", got[2])
	}
	if _, err := svc.Score(ctx, make([]string, MaxBatch+1)); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("too many names: %v", err)
	}
}

func TestServiceWhitelistAndReports(t *testing.T) {
	ctx := context.Background()
	bad := readVTFile(t, "bad-domain.json")[0]
	file, err := NewWhitelist([]string{"file.example"})
	if err != nil {
		t.Fatal(err)
	}
	st := &memStore{
		whitelist: []intel.WhitelistEntry{{Domain: "qx7vj2kd9w.duckdns.org", Reason: "our test host"}},
		reports:   map[string]*intel.DomainReport{bad.Domain: {Domain: bad.Domain, Features: bad.Features, Tags: bad.Tags}},
	}
	svc := &Service{Store: st, File: file}
	res, err := svc.Score(ctx, []string{"QX7VJ2KD9W.duckdns.org", "a.file.example", "Secure-Login-Paypa1.top", "zz9qx.duckdns.org"})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"whitelisted (qx7vj2kd9w.duckdns.org)", "whitelisted (file.example)"} {
		if res[i].Reputation != Benign || res[i].Reasons[0] != want {
			t.Errorf("%s: %+v, want benign: %s", res[i].Domain, res[i], want)
		}
	}
	if r := res[2]; r.Reputation != Malicious || !strings.Contains(strings.Join(r.Reasons, "\n"), "VirusTotal") {
		t.Errorf("with a stored report: %+v", r)
	}
	if res[3].Reputation == Benign && strings.HasPrefix(res[3].Reasons[0], "whitelisted") {
		t.Errorf("a sibling under the provider is not whitelisted: %+v", res[3])
	}
	wl, err := svc.Whitelist(ctx)
	if err != nil || wl.Len() != 2 {
		t.Errorf("merged whitelist: %v entries, %v", wl.Len(), err)
	}
}

// BenchmarkServiceScore rates batches of 4,096 names through the Service,
// as spoor reputation and the API do: a whitelist of 200 entries and the
// report look-up come on top of BenchmarkScore's work (in-memory store).
func BenchmarkServiceScore(b *testing.B) {
	ctx := context.Background()
	st := &memStore{reports: map[string]*intel.DomainReport{}}
	for i := range 200 {
		st.whitelist = append(st.whitelist, intel.WhitelistEntry{Domain: fmt.Sprintf("partner%d.example.org", i)})
	}
	svc := &Service{Store: st}
	names := benchNames()
	const batch = 4096
	for len(names) < batch {
		names = append(names, names...)
	}
	names = names[:batch]
	if _, err := svc.Score(ctx, names); err != nil {
		b.Fatal(err)
	}
	n := 0
	cpu0 := testenv.CPUTime()
	for b.Loop() {
		if _, err := svc.Score(ctx, names); err != nil {
			b.Fatal(err)
		}
		n += batch
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "domains/s")
	b.ReportMetric(float64(n)/(testenv.CPUTime()-cpu0).Seconds(), "domains/cpu-s")
}

func TestCapFamilies(t *testing.T) {
	var exs []*Example
	var x [][]float64
	var y []float64
	add := func(domain, family string, mal bool) {
		exs = append(exs, &Example{Name: Name{Domain: domain}, Family: family, Malicious: mal})
		x, y = append(x, []float64{float64(len(x))}), append(y, b2f(mal))
	}
	for i := range 10 {
		add(fmt.Sprintf("big%d.top", i), "big", true)
	}
	add("small.top", "small", true)
	add("fine.org", "", false)
	add("good.org", "", false)
	cx, cy := capFamilies(exs, x, y, 3, 1)
	var mal, ben int
	for _, v := range cy {
		if v == 1 {
			mal++
		} else {
			ben++
		}
	}
	if len(cx) != 6 || mal != 4 || ben != 2 {
		t.Errorf("capped to %d rows, %d malicious and %d benign; want 3 of big, small and both benign", len(cx), mal, ben)
	}
	again, _ := capFamilies(exs, x, y, 3, 1)
	for i := range cx {
		if cx[i][0] != again[i][0] {
			t.Fatalf("the draw differs between runs: %v, %v", cx, again)
		}
	}
	if all, _ := capFamilies(exs, x, y, 0, 1); len(all) != len(x) {
		t.Errorf("no cap kept %d of %d", len(all), len(x))
	}
}

// FindDomainEvidence and FindDomainFamilies answer from evidence held in
// memory, counting calls so tests can check the look-ups are batched.
func (m *memStore) FindDomainEvidence(_ context.Context, domains []string) (map[string]*intel.DomainEvidence, error) {
	m.evidenceCalls++
	out := map[string]*intel.DomainEvidence{}
	for _, d := range domains {
		if e, ok := m.evidence[d]; ok {
			out[d] = e
		}
	}
	return out, nil
}

func (m *memStore) FindDomainFamilies(_ context.Context, registered []string) (map[string]intel.DomainFamily, error) {
	m.familyCalls++
	out := map[string]intel.DomainFamily{}
	for _, r := range registered {
		for d, e := range m.evidence {
			if strings.HasSuffix(d, "."+r) {
				f := out[r]
				f.Names++
				if e.Listed {
					f.Listed++
				}
				out[r] = f
			}
		}
	}
	return out, nil
}
