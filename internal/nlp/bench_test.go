package nlp_test

import (
	"compress/gzip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/nlp"
	"github.com/spoor/spoor/internal/testenv"
)

func dnrtiTest(b testing.TB) []nlp.Sentence {
	b.Helper()
	f, err := os.Open(testenv.DataFile(b, "ti-text", "dnrti", "test.txt.gz"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	s, err := nlp.ReadDNRTI(zr, "test.txt.gz")
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkTag measures the built-in DNRTI labeller on pre-tokenised
// sentences (the CoNLL path): features, scores and Viterbi.
func BenchmarkTag(b *testing.B) {
	sents := dnrtiTest(b)
	m, err := nlp.DefaultLabeller("dnrti")
	if err != nil {
		b.Fatal(err)
	}
	tokens := 0
	for _, s := range sents {
		tokens += len(s.Tokens)
	}
	cpu := testenv.CPUTime()
	b.ResetTimer()
	for b.Loop() {
		for _, s := range sents {
			m.Tag(s.Tokens)
		}
	}
	reportTokens(b, tokens, cpu)
}

// reportTokens reports tokens per second of wall time and, where the CPU
// time is known, per second of CPU time since cpu.
func reportTokens(b *testing.B, tokens int, cpu time.Duration) {
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	if used := testenv.CPUTime() - cpu; cpu > 0 && used > 0 {
		b.ReportMetric(float64(tokens)*float64(b.N)/used.Seconds(), "tokens/cpu-s")
	}
}

// BenchmarkEntities measures the plain-text path: sentence splitting,
// tokenising (with the IOC scanner), tagging and confidences.
func BenchmarkEntities(b *testing.B) {
	sents := dnrtiTest(b)
	m, err := nlp.DefaultLabeller("dnrti")
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	for _, s := range sents {
		sb.WriteString(strings.Join(s.Tokens, " "))
		sb.WriteString("\n\n")
	}
	text := sb.String()
	tokens := len(nlp.Tokenize(text))
	cpu := testenv.CPUTime()
	b.ResetTimer()
	for b.Loop() {
		m.Entities(text)
	}
	reportTokens(b, tokens, cpu)
}

// BenchmarkTechniques measures the technique mapper on report-like text.
func BenchmarkTechniques(b *testing.B) {
	sents := dnrtiTest(b)
	m, err := nlp.DefaultTechniques()
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	for _, s := range sents[:200] {
		sb.WriteString(strings.Join(s.Tokens, " "))
		sb.WriteString("\n\n")
	}
	text := sb.String()
	b.ResetTimer()
	for b.Loop() {
		m.Map(text, nlp.MapOptions{MinScore: 0.3})
	}
	b.ReportMetric(200*float64(b.N)/b.Elapsed().Seconds(), "sentences/s")
}
