package reputation

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/gbdt"
	"github.com/spoor/spoor/internal/intel"
)

func TestParseName(t *testing.T) {
	tests := []struct {
		in   string
		want Name
	}{
		{"WWW.Example.CO.UK.", Name{Domain: "www.example.co.uk", Suffix: "co.uk", ICANNSuffix: "co.uk", KnownTLD: true,
			Label: "example", Registered: "example.co.uk", Sub: []string{"www"}}},
		{"a_b.c.duckdns.org", Name{Domain: "a_b.c.duckdns.org", Suffix: "duckdns.org", ICANNSuffix: "org", Private: true, KnownTLD: true,
			Label: "c", Registered: "c.duckdns.org", Sub: []string{"a_b"}}},
		{"github.io", Name{Domain: "github.io", Suffix: "io", ICANNSuffix: "io", KnownTLD: true, Label: "github", Registered: "github.io"}},
		{"shop.bit", Name{Domain: "shop.bit", Suffix: "bit", ICANNSuffix: "bit", Label: "shop", Registered: "shop.bit"}},
	}
	for _, tc := range tests {
		got, err := ParseName(tc.in)
		if err != nil {
			t.Errorf("ParseName(%q): %v", tc.in, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("ParseName(%q) (-want +got):\n%s", tc.in, d)
		}
	}
	bad := map[string]string{
		"":                               "empty",
		"http://evil.com/x":              "URL",
		"user@example.com":               "e-mail",
		"example.com:8080":               "port",
		"10.0.0.1":                       "IP address",
		"localhost":                      "single label",
		"co.uk":                          "public suffix",
		"-bad.com":                       "hyphen",
		"a..com":                         "empty label",
		"bücher.de":                      "not ASCII",
		"ex ample.com":                   "not allowed",
		"under_score.com":                "underscore",
		strings.Repeat("a", 64) + ".com": "63",
	}
	for in, want := range bad {
		_, err := ParseName(in)
		var ie *InvalidError
		if !errors.As(err, &ie) || !strings.Contains(ie.Reason, want) {
			t.Errorf("ParseName(%q) = %v, want an InvalidError mentioning %q", in, err, want)
		}
	}
}

func TestRulesFire(t *testing.T) {
	lx := defaultLexicon
	lx.brands = newBrandIndex([]string{"paypal", "microsoft", "google", "facebook"})
	tests := []struct {
		name  string
		sig   *Signals
		rules []string
		tags  []string
	}{
		{"kx7.duckdns.org", nil, []string{"dynamic-dns"}, []string{"dynamic-dns"}},
		{"shop.000webhostapp.com", nil, []string{"free-hosting"}, []string{"free-hosting"}},
		{"paypa1.com", nil, []string{"look-alike"}, []string{"phishing"}},                                   // homoglyph
		{"micrsoft.net", nil, []string{"look-alike"}, []string{"phishing"}},                                 // one deletion
		{"paypal.com.account-check.net", nil, []string{"look-alike", "threat-words"}, []string{"phishing"}}, // brand token in a subdomain
		{"secure-login-verify.top", nil, []string{"threat-words"}, []string{"phishing"}},
		{"pool.xmr-cash.ru", nil, []string{"threat-words"}, []string{"miner"}},
		{"market.bit", nil, []string{"unknown-tld"}, []string{"alternative-root"}},
		{"xkqzvbnmwrtplk.com", nil, []string{"random-label"}, []string{"dga"}},
		{"0a1b2c3d4e5f6a7b.net", nil, []string{"random-label"}, []string{"dga"}},
		{"cdn.example.org", &Signals{ParentReputation: Malicious, Evidence: &intel.DomainEvidence{
			Feeds:   []intel.FeedListing{{SourceID: 1, Source: "feed", Credibility: 0.8}},
			Reports: []intel.EvidenceItem{{ID: 1, SourceID: 2, BadIndicators: 2}}}},
			[]string{"parent-malicious", "listed-by-feed", "bad-company"}, nil},
		{"a.example.org", &Signals{Siblings: 4, MaliciousSiblings: 3}, []string{"bad-siblings"}, nil},
		{"a.example.org", &Signals{Siblings: 10, MaliciousSiblings: 3}, nil, nil}, // a minority of bad siblings
		{"google.com", nil, nil, nil},     // the brand itself
		{"kernel.org", nil, nil, nil},     // nothing to say
		{"googleblog.com", nil, nil, nil}, // a brand inside a word is no token
	}
	for _, tc := range tests {
		n, err := ParseName(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float64, numFeatures)
		fc := lx.features(&n, x)
		var rs, tags []string
		for _, f := range rules(&n, x, fc, tc.sig) {
			rs = append(rs, f.rule)
			if f.why == "" {
				t.Errorf("%s: rule %s gives no reason", tc.name, f.rule)
			}
			for _, tg := range f.tags {
				tags = appendUnique(tags, tg)
			}
		}
		if d := cmp.Diff(tc.rules, rs); d != "" {
			t.Errorf("%s: rules (-want +got):\n%s", tc.name, d)
		}
		for _, want := range tc.tags {
			if !slices.Contains(tags, want) {
				t.Errorf("%s: tags %v lack %q", tc.name, tags, want)
			}
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"paypal", "paypal", 0}, {"paypal", "paypa", 1}, {"paypal", "pyapal", 1}, {"paypal", "paypql", 1}, {"kitten", "sitting", 3}, {"abc", "", 3}} {
		if got := editDistance(tc.a, tc.b, 5); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := editDistance("kitten", "sitting", 2); got != 3 {
		t.Errorf("beyond the limit: got %d, want limit+1 = 3", got)
	}
}

func TestScoreResultShape(t *testing.T) {
	sc := &Scorer{Model: testModel(t), Explain: true}
	r := sc.Score("Not A Domain")
	if r.Reputation != Invalid || len(r.Reasons) != 1 || r.Score != 0 {
		t.Errorf("invalid name: %+v", r)
	}
	for _, d := range []string{"kamiro.org", "bcdfghjklmnp.top", "ka12345.ru"} {
		r := sc.Score(d)
		if r.Score < 0 || r.Score > 1 || (r.Score >= 0.5) != (r.Reputation == Malicious) {
			t.Errorf("%s: score %v does not agree with reputation %s", d, r.Score, r.Reputation)
		}
		if r.Reputation == Benign && r.Category != "benign" || r.Reputation == Malicious && !slices.Contains(Categories, r.Category) {
			t.Errorf("%s: reputation %s with category %q", d, r.Reputation, r.Category)
		}
		if len(r.Reasons) < 2 {
			t.Errorf("%s: reasons %v name neither model nor features", d, r.Reasons)
		}
	}
	// The popularity rule: a training name with a rank is benign before the model.
	if r := sc.Score("www." + firstPopular(sc.Model)); r.Reputation != Benign || !strings.Contains(r.Reasons[0], "popularity list") {
		t.Errorf("popular name: %+v", r)
	}
	// Rules alone never call a name benign.
	rulesOnly := &Scorer{}
	if r := rulesOnly.Score("kernel.org"); r.Reputation != Unknown {
		t.Errorf("rules only, nothing fired: %s, want unknown", r.Reputation)
	}
	if r := rulesOnly.Score("kx7.duckdns.org"); r.Reputation != Suspicious {
		t.Errorf("rules only, dynamic DNS: %s, want suspicious", r.Reputation)
	}
	if r := rulesOnly.ScoreWith("paypa1.duckdns.org", &Signals{Evidence: &intel.DomainEvidence{
		Feeds: []intel.FeedListing{{SourceID: 1, Source: "eset", Credibility: 1}}}}); r.Reputation != Malicious {
		t.Errorf("rules only, listed by a credible feed under dynamic DNS: %s, want malicious", r.Reputation)
	}
}

func firstPopular(m *Model) string {
	best, rank := "", math.MaxInt
	for d, r := range m.popular {
		if r < rank {
			best, rank = d, r
		}
	}
	return best
}

func TestSyntheticModelSeparates(t *testing.T) {
	m := testModel(t)
	sc := &Scorer{Model: m, NoPopular: true}
	// Fresh names of the synthetic families and fresh benign names.
	rows := synthRows(99, 300, 40, 5)
	var fp, tp, nb, nm float64
	for _, r := range rows {
		bad := sc.Score(r.Domain).Reputation == Malicious
		if r.Label == Benign {
			nb++
			fp += b2f(bad)
		} else {
			nm++
			tp += b2f(bad)
		}
	}
	// The validation side holds only 60 benign names, so the threshold is
	// coarse: the bound on false positives is loose.
	if fp/nb > 0.2 || tp/nm < 0.8 {
		t.Errorf("on fresh synthetic names: FPR %.3f, recall %.3f; want ≤ 0.2 and ≥ 0.8", fp/nb, tp/nm)
	}
	if m.Info.ValidFPR > m.Info.TargetFPR {
		t.Errorf("validation FPR %.3f above the target %.3f", m.Info.ValidFPR, m.Info.TargetFPR)
	}
}

func TestSaveLoadGivesIdenticalScores(t *testing.T) {
	for name, m := range map[string]*Model{"synthetic": testModel(t), "default": embeddedModel(t)} {
		var buf bytes.Buffer
		if err := m.Save(&buf); err != nil {
			t.Fatal(err)
		}
		m2, err := Load(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("%s: load: %v", name, err)
		}
		a, b := &Scorer{Model: m, Explain: true}, &Scorer{Model: m2, Explain: true}
		names := append(LongTail()[:50], "bcdfghjklmnp.top", "ka12345.ru", "paypa1.com", "x.duckdns.org", "market.bit")
		for _, r := range synthRows(5, 20, 8, 3) {
			names = append(names, r.Domain)
		}
		for _, d := range names {
			if ra, rb := a.Score(d), b.Score(d); !cmp.Equal(ra, rb) {
				t.Errorf("%s: %s scores differently after save and load:\n%s", name, d, cmp.Diff(ra, rb))
			}
		}
		if d := cmp.Diff(m.Info, m2.Info); d != "" {
			t.Errorf("%s: info changed (-saved +loaded):\n%s", name, d)
		}
	}
}

func TestLoadRefuses(t *testing.T) {
	var buf bytes.Buffer
	if err := testModel(t).Save(&buf); err != nil {
		t.Fatal(err)
	}
	zr, _ := gzip.NewReader(&buf)
	var plain bytes.Buffer
	plain.ReadFrom(zr)
	good := plain.String()
	for name, tc := range map[string]struct{ text, want string }{
		"format":   {strings.Replace(good, `"spoor-reputation"`, `"other"`, 1), "format"},
		"version":  {strings.Replace(good, `"version":1,`, `"version":9,`, 1), "version"},
		"features": {strings.Replace(good, `"label_length"`, `"label_len"`, 1), "other features"},
		"json":     {good[:100], "load model"},
	} {
		_, err := Load(strings.NewReader(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Load = %v, want an error about %q", name, err, tc.want)
		}
	}
	// Plain JSON loads as well as gzip.
	if _, err := Load(strings.NewReader(good)); err != nil {
		t.Errorf("plain JSON: %v", err)
	}
}

func TestWhitelist(t *testing.T) {
	w, err := ReadWhitelist(strings.NewReader("# vouched for\nexample.org\n*.corp.example.net  # the intranet\n\n"), "wl.txt")
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]string{"example.org": "example.org", "a.b.example.org": "example.org", "corp.example.net": "corp.example.net",
		"x.corp.example.net": "corp.example.net", "example.net": "", "badexample.org": "", "org": ""} {
		if got, ok := w.Match(d); got != want || ok != (want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q", d, got, ok, want)
		}
	}
	_, err = ReadWhitelist(strings.NewReader("ok.org\nnot a domain\n"), "wl.txt")
	if err == nil || !strings.Contains(err.Error(), "wl.txt:2:") {
		t.Errorf("bad line: %v, want an error naming wl.txt:2", err)
	}
	var none *Whitelist
	if _, ok := none.Match("example.org"); ok || none.Len() != 0 {
		t.Error("a nil whitelist matches")
	}
}

// TestWhitelistTradeOff shows what a whitelist entry saves and costs:
// names under a hosting provider's suffix are scored by their own label,
// and random-looking labels there (build previews, CDN hosts) read as
// generated; whitelisting the provider clears those false positives, and
// clears a malicious name hosted there too.
func TestWhitelistTradeOff(t *testing.T) {
	m := testModel(t)
	benign := []string{"bcdfghjklmnpqr.github.io", "zxcvbnmlkjhgf.github.io", "qwrtpsdfghjkl.github.io"}
	malicious := []string{"xqzkdbfghjlmnv.github.io", "bcdfghjklmnpqr.top", "kmvbnxczlqwrt.xyz"}
	wl, err := NewWhitelist([]string{"github.io"})
	if err != nil {
		t.Fatal(err)
	}
	plain, with := &Scorer{Model: m}, &Scorer{Model: m, Whitelist: wl}
	count := func(s *Scorer, names []string) int {
		n := 0
		for _, d := range names {
			if s.Score(d).Reputation == Malicious {
				n++
			}
		}
		return n
	}
	fpBefore, fpAfter := count(plain, benign), count(with, benign)
	tpBefore, tpAfter := count(plain, malicious), count(with, malicious)
	t.Logf("whitelisting github.io: false positives %d → %d of %d, true positives %d → %d of %d",
		fpBefore, fpAfter, len(benign), tpBefore, tpAfter, len(malicious))
	if fpBefore != len(benign) || fpAfter != 0 {
		t.Errorf("false positives %d → %d, want %d → 0", fpBefore, fpAfter, len(benign))
	}
	if tpBefore != len(malicious) || tpAfter != len(malicious)-1 {
		t.Errorf("true positives %d → %d, want %d → %d (the cost: the one under the whitelisted provider)", tpBefore, tpAfter, len(malicious), len(malicious)-1)
	}
	if r := with.Score(benign[0]); r.Score != 0 || r.Reasons[0] != "whitelisted (github.io)" {
		t.Errorf("whitelisted result: %+v", r)
	}
}

func TestReadCSV(t *testing.T) {
	head := "domain,label,category,family,rank,source\n"
	good := head + "google.com,benign,benign,,1,tranco\nevil.top,malicious,botnet,fam,,maltrail:x\n"
	rows, st, err := ReadCSV(strings.NewReader(good), false)
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{{Domain: "google.com", Label: Benign, Category: "benign", Rank: 1, Source: "tranco", Line: 2},
		{Domain: "evil.top", Label: Malicious, Category: "botnet", Family: "fam", Source: "maltrail:x", Line: 3}}
	if d := cmp.Diff(want, rows); d != "" || st.Rows != 2 {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	// The same, gzip-compressed; and columns in another order.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(good))
	zw.Close()
	if rows, _, err := ReadCSV(&gz, false); err != nil || len(rows) != 2 {
		t.Errorf("gzip: %d rows, %v", len(rows), err)
	}
	if rows, _, err := ReadCSV(strings.NewReader("source,rank,family,category,label,domain\nx,,f,apt,malicious,a.ru\n"), false); err != nil || rows[0].Domain != "a.ru" || rows[0].Family != "f" {
		t.Errorf("reordered columns: %+v, %v", rows, err)
	}
	for name, tc := range map[string]struct {
		text string
		line int
		want string
	}{
		"no header":    {"", 1, "empty"},
		"missing col":  {"domain,label\nx.com,benign\n", 1, `lacks column "category"`},
		"field count":  {head + "a.com,benign,benign,,1,t\nb.com,benign\n", 3, "2 fields"},
		"label":        {head + "a.com,evil,x,,,t\n", 2, `label "evil"`},
		"rank":         {head + "a.com,benign,benign,,-3,t\n", 2, `rank "-3"`},
		"empty domain": {head + "a.com,benign,benign,,1,t\n\"\",benign,benign,,2,t\n", 3, "empty domain"},
		"quote":        {head + "a.com,benign,benign,,1,t\n\"b.com,benign,benign,,2,t\n", 3, "quote"},
	} {
		_, _, err := ReadCSV(strings.NewReader(tc.text), false)
		var le *LineError
		if !errors.As(err, &le) || le.Line != tc.line || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want line %d about %q", name, err, tc.line, tc.want)
		}
	}
	// --skip-bad: bad rows are skipped and counted with their lines.
	rows, st, err = ReadCSV(strings.NewReader(head+"a.com,benign,benign,,1,t\nb.com,bogus,x,,,t\nc.com,benign\nd.top,malicious,apt,f,,t\n"), true)
	if err != nil || len(rows) != 2 || st.Skipped != 2 || !slices.Equal(st.SkippedLines, []int{3, 4}) {
		t.Errorf("skip bad: %d rows, %+v, %v", len(rows), st, err)
	}
}

func TestPrepare(t *testing.T) {
	rows := []Row{
		{Domain: "both.com", Label: Benign, Rank: 1},
		{Domain: "both.com", Label: Malicious, Category: "apt", Family: "x"},
		{Domain: "bad.top", Label: Suspicious, Category: "pua", Family: "pua"},
		{Domain: "BAD.top", Label: Malicious, Category: "stealer", Family: "lumma"},
		{Domain: "bad.top", Label: Malicious, Category: "botnet", Family: "later"},
		{Domain: "ok.org", Label: Benign, Rank: 2},
		{Domain: "not a name", Label: Malicious, Family: "x"},
		{Domain: "odd.top", Label: Malicious, Category: "malware_other", Family: "y"},
	}
	exs, sum := Prepare(rows)
	want := DataSummary{Rows: 8, Distinct: 4, InvalidNames: 1, Conflicts: 1, Benign: 1, Malicious: 2, Families: 2,
		Categories: map[string]int{"stealer": 1, "other": 1}}
	if d := cmp.Diff(want, sum); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	var got []string
	for _, ex := range exs {
		got = append(got, ex.Name.Domain+"/"+ex.Family)
	}
	if d := cmp.Diff([]string{"bad.top/lumma", "ok.org/", "odd.top/y"}, got); d != "" {
		t.Errorf("examples (-want +got):\n%s", d)
	}
}

func TestThresholdAndFigures(t *testing.T) {
	benign := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}
	for _, tc := range []struct {
		fpr  float64
		want float64 // share at or above the threshold
	}{{0.1, 0.1}, {0.25, 0.2}, {0.05, 0}, {0.5, 0.5}} {
		thr := thresholdFor(benign, tc.fpr)
		if got := shareAtLeast(benign, thr); got != tc.want {
			t.Errorf("fpr %v: threshold %v passes %v, want %v", tc.fpr, thr, got, tc.want)
		}
	}
	f := figures([2][2]int{{90, 10}, {20, 80}})
	if math.Abs(f.Recall-0.8) > 1e-12 || math.Abs(f.FPR-0.1) > 1e-12 || math.Abs(f.Precision-80.0/90) > 1e-12 || math.Abs(f.F1-160.0/190) > 1e-12 {
		t.Errorf("figures: %+v", f)
	}
	// At a 50/50 mix with the same rates the counts are those above.
	if math.Abs(f.F1Balanced-160.0/190) > 1e-12 {
		t.Errorf("balanced F1 %v, want %v", f.F1Balanced, 160.0/190)
	}
	s := summary([]float64{5, 1, 4, 2, 3})
	if d := cmp.Diff(Summary{Mean: 3, Min: 1, Q1: 2, Median: 3, Q3: 4, Max: 5}, s); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	if got := gbdt.MacroF1([][]int{{2, 0}, {1, 1}}); math.Abs(got-(0.8+2.0/3)/2) > 1e-12 {
		t.Errorf("macroF1 = %v", got)
	}
}

func TestEvaluateSynthetic(t *testing.T) {
	exs, sum := Prepare(synthRows(2, 500, 40, 25))
	ev, err := Evaluate(exs, sum, EvalOptions{Folds: 3, Sample: 1200, KNNRefs: 400, KNNQueries: 100, Seed: 1,
		LongTail: []string{"kernel.org", "cs.example.edu", "x.duckdns.org"},
		Train:    TrainOptions{Rounds: 20, CategoryRounds: 5, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Splits) != 2 || ev.Splits[0].Split != "random" || ev.Splits[1].Split != "family" || !strings.Contains(ev.TimeSplit, "no dates") {
		t.Fatalf("splits: %+v", ev.Splits)
	}
	for _, sp := range ev.Splits {
		if len(sp.CV.Models) != len(evalModels) || sp.Holdout == nil {
			t.Fatalf("%s: %d models, hold-out %v", sp.Split, len(sp.CV.Models), sp.Holdout)
		}
		if n := sp.CV.Mix.Benign + sp.CV.Mix.Malicious; n != 1200 {
			t.Errorf("%s: CV sample of %d names, want 1200", sp.Split, n)
		}
		for _, m := range sp.CV.Models {
			if len(m.PerFold) != 3 || m.F1.Min > m.F1.Q1 || m.F1.Q1 > m.F1.Median || m.F1.Median > m.F1.Q3 || m.F1.Q3 > m.F1.Max {
				t.Errorf("%s %s: folds %d, summary %+v", sp.Split, m.Model, len(m.PerFold), m.F1)
			}
		}
		h := sp.Holdout
		for _, m := range h.Models {
			c := m.Confusion
			if m.Model != "knn" && (c[0][0]+c[0][1] != h.Test.Benign || c[1][0]+c[1][1] != h.Test.Malicious) {
				t.Errorf("%s %s: confusion %v does not add up to the test mix %+v", sp.Split, m.Model, c, h.Test)
			}
		}
		best := h.Models[0]
		if sp.Split == "random" && (best.Recall < 0.8 || best.FPR > 0.1) {
			t.Errorf("random hold-out, gbdt+rules: recall %.3f, FPR %.3f", best.Recall, best.FPR)
		}
		if best.LongTailFlagged < 1.0/3 {
			t.Errorf("the dynamic-DNS long-tail name is not flagged: %v", best.LongTailFlagged)
		}
	}
}

func TestLongTailList(t *testing.T) {
	lt := LongTail()
	if len(lt) < 300 {
		t.Fatalf("%d long-tail names, want at least 300", len(lt))
	}
	seen := map[string]bool{}
	for _, d := range lt {
		if _, err := ParseName(d); err != nil || seen[d] {
			t.Errorf("%s: %v (duplicate: %v)", d, err, seen[d])
		}
		seen[d] = true
	}
}
