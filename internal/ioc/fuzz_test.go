package ioc

import (
	"bytes"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var fuzzSeeds = []string{
	"hxxps[://]evil[.]com[/]path?x=1 and 1[.]2[.]3[.]4",
	"mail bad(at)evil(.)ru, CVE-2021-44228 T1059.001 TA0002 ASN 15169",
	"d41d8cd98f00b204e9800998ecf8427e.exe 2001:db8::1/64 10.0.0.0/8",
	"version 1.2.3.4 v10.0.0.1 evil dot com the dot com (http://x.org/a_(b))",
	"C2 domain: update.zip invoice.pdf.zip System.IO attack.In",
	"u=https%3A%2F%2Fevil.com \\. evil\\.com {dot} [:] [@] a{at}b.co",
	"“45.77.12.9” <http://[::1]:80/x> 'ftp://u:p@h.example.net/'",
	strings.Repeat("a", 300) + " evil.com " + strings.Repeat("[.]", 50),
	`HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon "C:\Program Files (x86)\x.dll" \\evil.com\s\a.exe`,
	"00-1a-2b-3c-4d-5e 0011.2233.44aa dropper/x.sh setup.exe JA3: e7d705a3286e19ea42f587b344ee6865 t13d1516h2_8daaf6152771_b186095e22b6",
	"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
	"google[.)com 10[.]10(.10\\.10 example(.)com(/)path h**ps://evil.Com BadHost.RU user.name",
	"Evil.com a dot b, evil DOT com [.] (dot) x.y dot z dot dot q " + strings.Repeat("hxxp://a[.]b/c ", 3),
	"href=https://evil.com/" + strings.Repeat("x", 400) + " C:\\\\Users\\\\a.ps1",
}

// checkMatches verifies the invariants every extraction must keep: Raw is
// the input at Offset, offsets never go backwards, and each canonical value
// extracted on its own yields itself.
func checkMatches(t *testing.T, in string, ms []Match) {
	t.Helper()
	prev := int64(-1)
	for _, m := range ms {
		if m.Offset < prev {
			t.Fatalf("offsets go backwards: %+v after %d", m, prev)
		}
		prev = m.Offset
		if m.Offset < 0 || m.Offset+int64(len(m.Raw)) > int64(len(in)) || in[m.Offset:m.Offset+int64(len(m.Raw))] != m.Raw {
			t.Fatalf("raw %q not at offset %d of input", m.Raw, m.Offset)
		}
		// A hint word gives a domain with a file-extension TLD the context
		// it had in the original text (a URL host, a defanged form).
		// So does the word "ja3" for a JA3 fingerprint.
		probe, off := m.Value, int64(0)
		switch m.Type {
		case TypeDomain:
			probe, off = "domain "+m.Value, 7
		case TypeJA3:
			probe, off = "ja3 "+m.Value, 4
		}
		found := false
		for _, r := range Extract(probe, DefaultOptions()) {
			if r.Type == m.Type && r.Value == m.Value && r.Offset == off && r.Raw == m.Value {
				found = true
			}
		}
		if !found {
			t.Fatalf("value %s %q does not re-extract to itself: %v", m.Type, m.Value, Extract(probe, DefaultOptions()))
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	// One Extractor for every input: its caches carry over, its answers
	// must not.
	reused := NewExtractor(DefaultOptions())
	f.Fuzz(func(t *testing.T, in string) {
		ms := Extract(in, DefaultOptions())
		checkMatches(t, in, ms)
		if diff := cmp.Diff(ms, reused.Extract(in), cmpMatches); diff != "" {
			t.Fatalf("a reused Extractor differs from Extract (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(extractFull(in), ms, cmpMatches); diff != "" {
			t.Fatalf("the first pass without the spaced form differs from the full pass (-full +first):\n%s", diff)
		}
		raw := Extract(in, Options{})
		if len(raw) != len(ms) {
			t.Fatalf("Refang changes what is found: %d vs %d matches", len(raw), len(ms))
		}
		for i := range raw {
			if raw[i].Value != raw[i].Raw || raw[i].Offset != ms[i].Offset {
				t.Fatalf("no-refang match %+v differs from %+v", raw[i], ms[i])
			}
		}
	})
}

// extractFull reads text as one block with every notation, the spaced
// " dot " included, from the start: what block gives after its reread.
func extractFull(text string) []Match {
	e := newEngine(DefaultOptions())
	e.spacedDots = true
	e.block([]byte(text), 0, 0, len(text))
	return e.out
}

// chunkReader returns reads of pseudo-random sizes, including empty ones.
type chunkReader struct {
	data []byte
	rng  *rand.Rand
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(c.rng.IntN(17), len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func scanAll(t *testing.T, sc *Scanner) []Match {
	t.Helper()
	var out []Match
	for sc.Scan() {
		out = append(out, sc.Match())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func FuzzScanner(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, uint64(i), uint16(40))
	}
	f.Fuzz(func(t *testing.T, in string, seed uint64, tok uint16) {
		maxTok := 8 + int(tok%200)
		want := extractWhole(in, DefaultOptions(), maxTok)
		rng := rand.New(rand.NewPCG(seed, 1))
		block := rng.IntN(300)
		sc := newScanner(&chunkReader{data: []byte(in), rng: rng}, DefaultOptions(), block, maxTok)
		got := scanAll(t, sc)
		if diff := cmp.Diff(want, got, cmpMatches); diff != "" {
			t.Fatalf("Scanner (block %d, maxTok %d) differs from Extract (-want +got):\n%s", block, maxTok, diff)
		}
	})
}

// cmpMatches treats nil and empty match lists alike.
var cmpMatches = cmp.Comparer(func(a, b []Match) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
})

func FuzzRefang(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Refang(in)
		if len(out) > len(in) {
			t.Fatalf("Refang grew the text: %q -> %q", in, out)
		}
		// Half-broken notations ("evil.]com", "1.2.3.)4") count: a closing
		// bracket after a dot is refanged too.
		if !strings.ContainsAny(in, "[](){}\\ ") && !strings.Contains(in, "://") && out != in {
			t.Fatalf("Refang changed text without notations: %q -> %q", in, out)
		}
		// Refanging twice changes nothing more for indicator text that had
		// single-level notations; at least it must never panic.
		_ = Refang(out)
	})
}

func FuzzWarninglist(f *testing.F) {
	f.Add("# comment\ngoogle.com\n8.8.8.8\n10.0.0.0/8\nrank,domain\n1,facebook.com\nd41d8cd98f00b204e9800998ecf8427e # empty file\n")
	f.Add("1,a.b\n2,c.d,extra\n,,\n")
	f.Fuzz(func(t *testing.T, in string) {
		w, err := LoadWarninglist("fuzz", strings.NewReader(in))
		if err != nil {
			return // over-long lines are an error, not a panic
		}
		lines := bytes.Count([]byte(in), []byte("\n")) + 1
		if w.Len() > lines {
			t.Fatalf("%d entries from %d lines", w.Len(), lines)
		}
		for _, m := range Extract(in, DefaultOptions()) {
			w.Contains(m.Type, m.Value) // must not panic
		}
	})
}

// A reused Extractor gives what Extract gives, input after input, whatever
// came before: the seeds, then the seeds again in reverse order, and a
// text long enough for the streaming path.
func TestExtractorMatchesExtract(t *testing.T) {
	x := NewExtractor(DefaultOptions())
	inputs := append(slices.Clone(fuzzSeeds), "Visit www.example-bank.co.uk and login.evil.com.",
		strings.Repeat("evil.com 1.2.3.4 ", 20000))
	order := slices.Clone(inputs)
	for i := len(inputs) - 1; i >= 0; i-- {
		order = append(order, inputs[i])
	}
	found := 0
	for _, in := range order {
		want := Extract(in, DefaultOptions())
		found += len(want)
		if diff := cmp.Diff(want, x.Extract(in), cmpMatches); diff != "" {
			t.Fatalf("Extractor on %.60q differs from Extract (-want +got):\n%s", in, diff)
		}
	}
	if found == 0 {
		t.Fatal("the inputs hold no indicators: the comparison proves nothing")
	}
}

// FuzzCheck holds the one-value check to its promise for every type, the
// recognisers of MAC addresses, wallets, registry keys, paths, file names,
// AS numbers and TLS fingerprints included: a value it accepts is exactly
// one indicator, its canonical form is accepted again as the same
// indicator (a fixed point: checksums still hold, hives keep their long
// names), and a type asked for is the type given.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"00-1A-2B-3C-4D-5E", "0011.2233.44aa", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
		"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
		`HKCU\Software\Microsoft\Windows\CurrentVersion\Run`, `C:\Program Files (x86)\x\y.dll`, "/tmp/.x/run.sh",
		"invoice.pdf.exe", "AS15169", "t13d1516h2_8daaf6152771_b186095e22b6", "e7d705a3286e19ea42f587b344ee6865",
		"hxxps[://]evil[.]com/a", "evil.Com", "google[.)com", "h**p://x.org/", "user.name", "10.0.0.1",
	} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, in string, want uint8) {
		var ts []Type
		if want%uint8(numTypes) != 0 {
			ts = []Type{Type(want % uint8(numTypes))}
		}
		m, err := Check(in, ts...)
		if err != nil {
			return
		}
		if len(ts) > 0 && m.Type != ts[0] {
			t.Fatalf("Check(%q, %v) gave a %v", in, ts[0], m.Type)
		}
		if m.Value == "" {
			t.Fatalf("Check(%q) accepted an empty value: %+v", in, m)
		}
		again, err := Check(m.Value, m.Type)
		if err != nil {
			t.Fatalf("the canonical form %q of %q is refused: %v", m.Value, in, err)
		}
		if again.Value != m.Value || again.Type != m.Type {
			t.Fatalf("Check(%q) = %v %q, but Check of that = %v %q", in, m.Type, m.Value, again.Type, again.Value)
		}
	})
}
