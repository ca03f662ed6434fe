package ioc

import (
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func TestScannerMatchesExtract(t *testing.T) {
	fixture := strings.Repeat("C2 hxxps[://]cdn-update[.]net/gate.php and evil dot example dot org; "+
		"ASN 13335 \"45.77.12.9\" 2001:db8::1/64 d41d8cd98f00b204e9800998ecf8427e\r\n", 40) +
		strings.Repeat("A", 5000) + " after.long.token.example.com " + strings.Repeat("x{.}", 1500)
	cases := []struct {
		name  string
		text  string
		block int
		read  func(io.Reader) io.Reader
	}{
		{"one byte reads", fixture, 0, iotest.OneByteReader},
		{"half reads", fixture, 4300, iotest.HalfReader},
		{"data with EOF", fixture, 5000, iotest.DataErrReader},
		{"large block", fixture, 1 << 20, func(r io.Reader) io.Reader { return r }},
		{"empty", "", 0, func(r io.Reader) io.Reader { return r }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := extractWhole(tc.text, DefaultOptions(), maxToken)
			got := scanAll(t, newScanner(tc.read(strings.NewReader(tc.text)), DefaultOptions(), tc.block, maxToken))
			if diff := cmp.Diff(want, got, cmpMatches); diff != "" {
				t.Errorf("(-Extract +Scanner):\n%s", diff)
			}
		})
	}
}

// TestScannerCorpusBlocks streams real reports through small blocks, so that
// many block boundaries fall inside defanged URLs and tables.
func TestScannerCorpusBlocks(t *testing.T) {
	rs := annoctrReports(t)
	var sb strings.Builder
	for _, r := range rs[:min(60, len(rs))] {
		sb.WriteString(r.Text)
		sb.WriteString("\n\n")
	}
	text := sb.String()
	want := extractWhole(text, DefaultOptions(), maxToken)
	rng := rand.New(rand.NewPCG(7, 7))
	for _, block := range []int{0, 4201, 6000, 9973} {
		got := scanAll(t, newScanner(&chunkReader{data: []byte(text), rng: rng}, DefaultOptions(), block, maxToken))
		if diff := cmp.Diff(want, got, cmpMatches); diff != "" {
			t.Errorf("block %d (-Extract +Scanner):\n%s", block, diff)
		}
	}
}

func TestScannerReadError(t *testing.T) {
	boom := errors.New("boom")
	sc := NewScanner(iotest.ErrReader(boom), DefaultOptions())
	if sc.Scan() {
		t.Fatal("Scan reported a match from a failing reader")
	}
	if !errors.Is(sc.Err(), boom) {
		t.Errorf("Err() = %v, want %v", sc.Err(), boom)
	}
}

// A text is read without the spaced form " dot " until a block holds the
// word; that block is read again, whole (and after a second such block,
// the rest with the spaced form): the matches before the word in that
// block are reported once, with their offsets, as the full pass reports
// them.
func TestSpacedFormReread(t *testing.T) {
	prose := strings.Repeat("the actor moved laterally over smb and a[.]b.com then ", 6000) // ≈ 330 kB: two blocks
	text := prose + "C2 evil dot com, " + prose + "C2 evil dot com, " + prose + "C2 evil dot com, " + prose
	ms := Extract(text, DefaultOptions())
	var spaced, bracketed int
	for _, m := range ms {
		if in := text[m.Offset : m.Offset+int64(len(m.Raw))]; in != m.Raw {
			t.Fatalf("raw %q not at offset %d (%q)", m.Raw, m.Offset, in)
		}
		switch m.Value {
		case "evil.com":
			spaced++
			if k := int64(len(prose)+17)*int64(spaced-1) + int64(len(prose)+3); m.Raw != "evil dot com" || m.Offset != k {
				t.Errorf("spaced form: %+v", m)
			}
		case "a.b.com":
			bracketed++
		}
	}
	if spaced != 3 || bracketed != 24000 {
		t.Errorf("found evil.com %d times (want 3) and a.b.com %d times (want 24000)", spaced, bracketed)
	}
	if diff := cmp.Diff(extractFull(text), ms, cmpMatches); diff != "" {
		t.Errorf("(-full pass +Extract):\n%s", diff)
	}
}
