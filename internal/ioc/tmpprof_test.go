package ioc

import (
	"os"
	"testing"
)

func BenchmarkTmpCorpus(b *testing.B) {
	d, _ := os.ReadFile("/tmp/corp/corpus.txt")
	s := string(d)
	b.SetBytes(int64(len(d)))
	for b.Loop() {
		Extract(s, DefaultOptions())
	}
}
