package nlp_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spoor/spoor/internal/nlp"
)

func readTiny(t *testing.T) []nlp.Sentence {
	t.Helper()
	f, err := os.Open("testdata/tiny.dnrti")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := nlp.ReadDNRTI(f, "testdata/tiny.dnrti")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReadDNRTI(t *testing.T) {
	s := readTiny(t)
	if len(s) != 3 || len(s[0].Tokens) != 9 || s[1].Tags[1] != "I-HackOrg" {
		t.Fatalf("read %d sentences: %+v", len(s), s)
	}
	// Upstream quirks: a line holding only a tag (an empty token), a
	// trailing space, a token with a space in it.
	got, err := nlp.ReadDNRTI(strings.NewReader("O\nGhost B-HackOrg\nDragon I-HackOrg \nTencent Inc O\n"), "q")
	if err != nil {
		t.Fatal(err)
	}
	want := []nlp.Sentence{{Tokens: []string{"", "Ghost", "Dragon", "Tencent Inc"}, Tags: []string{"O", "B-HackOrg", "I-HackOrg", "O"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("quirks (-want +got):\n%s", diff)
	}
}

func TestReadAnnoCTR(t *testing.T) {
	f, err := os.Open("testdata/tiny.bio")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := nlp.ReadAnnoCTR(f, "tiny.bio")
	if err != nil {
		t.Fatal(err)
	}
	want := []nlp.Sentence{
		{Tokens: []string{"Turla", "used", "Snake"}, Tags: []string{"B-GROUP", "O", "B-MALWARE"}, Doc: 0},
		{Tokens: []string{"In", "2020"}, Tags: []string{"O", "B-DATE"}, Doc: 0},
		{Tokens: []string{"Banks"}, Tags: []string{"B-SECTOR"}, Doc: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCorpusErrors(t *testing.T) {
	tests := []struct {
		name string
		read func(string) error
		in   string
		want string
	}{
		{"dnrti bad tag", func(s string) error { _, err := nlp.ReadDNRTI(strings.NewReader(s), "train.txt"); return err },
			"APT28 B-HackOrg\nused X-Bad\n", "train.txt:2: unknown tag"},
		{"dnrti unknown type", func(s string) error { _, err := nlp.ReadDNRTI(strings.NewReader(s), "train.txt"); return err },
			"a O\n\nAPT28 B-Group\n", "train.txt:3: unknown tag \"B-Group\""},
		{"dnrti no tag", func(s string) error { _, err := nlp.ReadDNRTI(strings.NewReader(s), "t"); return err },
			"a O\nwordonly\n", "t:2: cannot read"},
		{"annoctr columns", func(s string) error { _, err := nlp.ReadAnnoCTR(strings.NewReader(s), "dev.bio"); return err },
			"Turla\tO\tO\tO\tO\tO\tO\nused\tO\tO\n", "dev.bio:2: cannot read"},
		{"annoctr tag", func(s string) error { _, err := nlp.ReadAnnoCTR(strings.NewReader(s), "dev.bio"); return err },
			"Turla\tO\tO\tO\tO\tO\tB-HackOrg\n", "dev.bio:1: unknown tag"},
	}
	for _, tt := range tests {
		err := tt.read(tt.in)
		var pe *nlp.ParseError
		if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want a ParseError containing %q", tt.name, err, tt.want)
		}
	}
}

func FuzzReadDNRTI(f *testing.F) {
	f.Add("APT28 B-HackOrg\nused O\n\nX I-Tool\n")
	f.Add("O\n a O\n\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		sents, err := nlp.ReadDNRTI(strings.NewReader(s), "fuzz")
		if err != nil {
			return
		}
		for _, se := range sents {
			if len(se.Tokens) != len(se.Tags) || len(se.Tokens) == 0 {
				t.Fatalf("bad sentence %+v", se)
			}
			nlp.Spans(se.Tags)
		}
	})
}
