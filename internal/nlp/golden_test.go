package nlp_test

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoor/spoor/internal/nlp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestTagGolden pins what the built-in DNRTI labeller outputs on the DNRTI
// test split — every token's tag (the CoNLL path) and, on the plain-text
// path, every entity with its offsets and confidence — so that a faster
// tagger is proved to tag exactly alike. The golden holds the model's
// output only, one line per sentence, not the corpus's text.
func TestTagGolden(t *testing.T) {
	sents := dnrtiTest(t)
	m, err := nlp.DefaultLabeller("dnrti")
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	for _, s := range sents {
		got.WriteString(strings.Join(m.Tag(s.Tokens), " "))
		got.WriteByte('\n')
	}
	got.WriteString("# entities\n")
	for _, s := range sents {
		for _, e := range m.Entities(strings.Join(s.Tokens, " ")) {
			fmt.Fprintf(&got, "%s %d %d %.3f ", e.Type, e.Start, e.End, e.Confidence)
		}
		got.WriteByte('\n')
	}
	path := filepath.Join("testdata", "dnrti-test-tags.golden.gz")
	if *update {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(got.Bytes())
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (go test -run TagGolden -update writes it)", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
	if len(gl) != len(wl) {
		t.Fatalf("%d output lines, golden has %d", len(gl), len(wl))
	}
	bad := 0
	for i := range gl {
		if gl[i] != wl[i] {
			if bad++; bad <= 5 {
				t.Errorf("line %d:\n got %s\nwant %s", i+1, gl[i], wl[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d lines differ from the golden", bad, len(gl))
	}
}
