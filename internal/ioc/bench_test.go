package ioc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusText joins the text of every AnnoCTR report. bench/ioc/run.sh
// leaves out the one report ioc-extractor cannot finish; this corpus keeps
// it, so its size (and MB/s) differs from the script's by that report.
func corpusText(b *testing.B) string {
	b.Helper()
	rs := annoctrReports(b)
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Text
	}
	return strings.Join(parts, "\n\n")
}

func benchExtract(b *testing.B, text string) {
	opts := DefaultOptions()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Extract(text, opts)
	}
}

func benchScanner(b *testing.B, text string) {
	opts := DefaultOptions()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	r := strings.NewReader(text)
	for b.Loop() {
		r.Reset(text)
		sc := NewScanner(r, opts)
		for sc.Scan() {
		}
	}
}

func BenchmarkExtractCorpus(b *testing.B) { benchExtract(b, corpusText(b)) }
func BenchmarkScannerCorpus(b *testing.B) { benchScanner(b, corpusText(b)) }

func fixtureText(b *testing.B) string {
	data, err := os.ReadFile(filepath.Join("testdata", "defanged_report.txt"))
	if err != nil {
		b.Fatal(err)
	}
	return string(data)
}

func BenchmarkExtractFixture(b *testing.B) { benchExtract(b, fixtureText(b)) }
func BenchmarkScannerFixture(b *testing.B) { benchScanner(b, fixtureText(b)) }

// BenchmarkProse measures the common case: long text with no indicators.
func BenchmarkProse(b *testing.B) {
	text := strings.Repeat("The actor used spear-phishing e-mails, then moved laterally over SMB; "+
		"persistence came from a scheduled task (see Figure 3). ", 2000)
	benchExtract(b, text)
}
