package nlp_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/nlp"
)

func texts(toks []nlp.Token) []string {
	var out []string
	for _, t := range toks {
		out = append(out, t.Text)
	}
	return out
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"The admin@338 group struck.", []string{"The", "admin@338", "group", "struck", "."}},
		{`It dropped C:\Windows\Temp\evil.exe, then ran it.`, []string{"It", "dropped", `C:\Windows\Temp\evil.exe`, ",", "then", "ran", "it", "."}},
		{"See hxxp://bad[.]com/x.php and CVE-2017-0199 (T1059.001).", []string{"See", "hxxp://bad[.]com/x.php", "and", "CVE-2017-0199", "(", "T1059.001", ")", "."}},
		{"Version 2.1.3 hit the U.S. and e.g. Japan.", []string{"Version", "2.1.3", "hit", "the", "U.S.", "and", "e.g.", "Japan", "."}},
		{`"invoice.doc" from 203.0.113.7;`, []string{`"`, "invoice.doc", `"`, "from", "203.0.113.7", ";"}},
		{"non-public RATs", []string{"non-public", "RATs"}},
		{"", nil},
	}
	for _, tt := range tests {
		toks := nlp.Tokenize(tt.in)
		if diff := cmp.Diff(tt.want, texts(toks)); diff != "" {
			t.Errorf("Tokenize(%q) (-want +got):\n%s", tt.in, diff)
		}
		for _, tk := range toks {
			if tt.in[tk.Start:tk.End] != tk.Text {
				t.Errorf("Tokenize(%q): token %q at [%d,%d) is %q in the text", tt.in, tk.Text, tk.Start, tk.End, tt.in[tk.Start:tk.End])
			}
		}
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"APT28 used X-Agent. It hit NATO. in 2016 too", []string{"APT28 used X-Agent .", "It hit NATO . in 2016 too"}},
		{"First line\n\nSecond part. 2019 was busy!", []string{"First line", "Second part .", "2019 was busy !"}},
		{"Mr. Smith saw evil.exe. Then left.", []string{"Mr. Smith saw evil.exe .", "Then left ."}},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range nlp.Sentences(tt.in) {
			got = append(got, strings.Join(texts(s), " "))
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Sentences(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"APT28 used hxxp://a[.]b/c.exe.", `C:\Program Files\x.dll, "q"`, "U.S. e.g. 1.2.3", "«» “x” ‘y’"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		end := 0
		for _, tk := range nlp.Tokenize(s) {
			if tk.Start < end || tk.End <= tk.Start || tk.End > len(s) || s[tk.Start:tk.End] != tk.Text {
				t.Fatalf("bad token %+v after offset %d in %q", tk, end, s)
			}
			if strings.TrimSpace(tk.Text) == "" {
				t.Fatalf("blank token %+v in %q", tk, s)
			}
			end = tk.End
		}
	})
}
