package reputation

import (
	"bytes"
	"compress/gzip"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func readVTFile(t *testing.T, name string) []VTReport {
	t.Helper()
	f, err := os.Open("testdata/vt/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	reps, err := ReadVT(f, name)
	if err != nil {
		t.Fatalf("ReadVT(%s): %v", name, err)
	}
	return reps
}

func TestReadVTFeatures(t *testing.T) {
	bad := readVTFile(t, "bad-domain.json")
	if len(bad) != 1 {
		t.Fatalf("%d reports, want 1", len(bad))
	}
	r := bad[0]
	if r.Domain != "secure-login-paypa1.top" || !r.AnalysedAt.Equal(time.Unix(1764460800, 0)) || r.Line != 1 {
		t.Errorf("report %s at %v line %d", r.Domain, r.AnalysedAt, r.Line)
	}
	x := r.Features
	if len(x) != len(VTFeatureNames) {
		t.Fatalf("%d features for %d names", len(x), len(VTFeatureNames))
	}
	// Expected values, computed by hand from the fixture.
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %.12g, want %.12g", name, got, want)
		}
	}
	engines := 50.0 + 9 + 2 + 30
	near("malicious", x[vtMalicious], TruncNormalCDF(9, 3, 4, 0, engines))
	near("suspicious", x[vtSuspicious], TruncNormalCDF(2, 2, 3, 0, engines))
	near("harmless share", x[vtHarmless], 50/engines)
	// Trusted engines that answered: Kaspersky, BitDefender, ESET,
	// Fortinet, Sophos, Google Safebrowsing, CRDF, Webroot = 8; bad: 6.
	near("trusted", x[vtTrusted], 6.0/8)
	near("files max", x[vtFilesMax], SkewNormalCDF(41, 2, 12, 4))
	near("rank", x[vtRank], 0)
	near("reputation", x[vtReputation], math.Tanh(-35.0/25))
	near("votes", x[vtVotes], 6.0/7)
	near("threat categories", x[vtThreatCategories], 1)
	// Detecting engines: 7 malicious + 1 suspicious; verdicts naming a
	// threat: 5 phishing + 2 malicious (Seclookup's "suspicious" names none).
	near("threat results", x[vtThreatResults], 7.0/8)
	near("age", x[vtAge], 1-math.Exp(-7.0/365))
	if !slices.Equal(r.Tags, []string{"malware", "phishing"}) {
		t.Errorf("tags %v", r.Tags)
	}

	lines := readVTFile(t, "reports.jsonl")
	if len(lines) != 2 || lines[0].Domain != "kernel.org" || lines[1].Domain != "qx7vj2kd9w.duckdns.org" || lines[1].Line != 2 {
		t.Fatalf("JSON lines: %+v", lines)
	}
	k := lines[0].Features
	near("kernel.org rank", k[vtRank], 1-math.Log10(1830)/6)
	near("kernel.org rank lists", k[vtRankLists], 3.0/5)
	near("kernel.org malicious", k[vtMalicious], 0)
	if !math.IsNaN(k[vtFilesMax]) || !math.IsNaN(lines[1].Features[vtAge]) {
		t.Errorf("unknown dimensions must be NaN: files %v, age %v", k[vtFilesMax], lines[1].Features[vtAge])
	}
}

func TestReadVTErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"not a domain", "", "not-domain.json:1: a VirusTotal \"ip_address\" object"},
		{"type error", "", "type-error.jsonl:2: "},
		{"syntax", "{\"data\": {\"id\": \"a.org\",\n \"type\": \"domain\",\n \"attributes\": {]}}", "syntax:3: invalid character"},
		{"no type", `{"data": {"id": "a.org"}}`, "no type:1: not a VirusTotal v3 domain report"},
		{"bad name", `{"data": {"id": "not a name", "type": "domain", "attributes": {}}}`, `bad name:1: data.id "not a name"`},
		{"no attributes", `{"data": {"id": "a.org", "type": "domain"}}`, "no attributes:1: a.org: the report has no attributes"},
		{"negative", "\n\n" + `{"id": "a.org", "type": "domain", "attributes": {"last_analysis_stats": {"malicious": -1}}}`, "negative:3: a.org: last_analysis_stats.malicious is negative"},
		{"empty", "  \n", "empty: no report in it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, name := tc.in, tc.name
			if in == "" && strings.HasSuffix(tc.want[:strings.IndexByte(tc.want, ':')], "json") || in == "" && strings.Contains(tc.want, ".jsonl") {
				name = tc.want[:strings.IndexByte(tc.want, ':')]
				b, err := os.ReadFile("testdata/vt/" + name)
				if err != nil {
					t.Fatal(err)
				}
				in = string(b)
			}
			_, err := ReadVT(strings.NewReader(in), name)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestReadVTGzip(t *testing.T) {
	b, err := os.ReadFile("testdata/vt/reports.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	reps, err := ReadVT(&buf, "reports.jsonl.gz")
	if err != nil || len(reps) != 2 {
		t.Fatalf("gzip: %d reports, %v", len(reps), err)
	}
}

func TestVTRules(t *testing.T) {
	m := embeddedModel(t)
	sc := &Scorer{Model: m}
	bad := readVTFile(t, "bad-domain.json")[0]
	good := readVTFile(t, "reports.jsonl")[0]
	res := sc.ScoreBatch([]string{bad.Domain, "kernel-mirror-sync.org", bad.Domain}, []*Signals{
		{VT: bad.Features, VTTags: bad.Tags}, {VT: good.Features}, nil})
	with, clean, without := res[0], res[1], res[2]
	if with.Reputation != Malicious || !slices.Contains(with.Tags, "phishing") || !hasReason(with, "rule vt-detections") || !hasReason(with, "rule vt-files") {
		t.Errorf("with the bad report: %+v", with)
	}
	if with.Score <= without.Score {
		t.Errorf("the report did not raise the score: %.3f with, %.3f without", with.Score, without.Score)
	}
	if !hasReason(clean, "rule vt-clean") || clean.Reputation != Benign {
		t.Errorf("with a clean report: %+v", clean)
	}
}

func hasReason(r Result, prefix string) bool {
	return slices.ContainsFunc(r.Reasons, func(s string) bool { return strings.HasPrefix(s, prefix) })
}

func FuzzReadVT(f *testing.F) {
	for _, name := range []string{"bad-domain.json", "reports.jsonl", "not-domain.json", "type-error.jsonl"} {
		b, err := os.ReadFile("testdata/vt/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"id":"a.org","type":"domain","attributes":{"popularity_ranks":{"x":{"rank":-3}},"creation_date":9e9}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		reps, err := ReadVT(bytes.NewReader(b), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		for _, r := range reps {
			if len(r.Features) != len(VTFeatureNames) || r.Line < 1 {
				t.Fatalf("report %+v", r)
			}
			for i, v := range r.Features {
				if !math.IsNaN(v) && (v < -1 || v > 1) {
					t.Fatalf("%s = %v outside [-1, 1]", VTFeatureNames[i], v)
				}
			}
		}
	})
}

func BenchmarkReadVT(b *testing.B) {
	data, err := os.ReadFile("testdata/vt/bad-domain.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ReadVT(bytes.NewReader(data), "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
