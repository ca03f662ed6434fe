package stix_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"

	"github.com/spoor/spoor/internal/collect/stix"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/testenv"
)

// BenchmarkParseATTACK parses the ATT&CK Enterprise 13.1 bundle
// (decompressed once) into a bundle, links and the objects kept whole.
func BenchmarkParseATTACK(b *testing.B) {
	path, ok := testenv.DataPath("mitre-attack", "enterprise-attack-13.1.json.gz")
	if !ok {
		b.Skip("shared data absent: ATT&CK 13.1 not found")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := stix.Parse(bytes.NewReader(data), "attack.json", intel.Source{Name: "MITRE ATT&CK", Credibility: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
