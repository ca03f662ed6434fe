package reputation

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// synthRows builds a small labelled data set with the shape of the real
// one: benign names made of syllables under common TLDs, and malicious
// families, each with its own spelling (random consonants, hex, digits,
// word pairs) and TLDs, spread over the categories.
func synthRows(seed uint64, benign, families, perFamily int) []Row {
	rng := rand.New(rand.NewPCG(seed, 7))
	syl := []string{"ka", "ro", "mi", "ne", "lo", "ta", "ver", "sun", "bel", "dor", "an", "is", "tel", "mar", "po", "li"}
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(syl[rng.IntN(len(syl))])
		}
		return b.String()
	}
	rnd := func(alpha string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[rng.IntN(len(alpha))]
		}
		return string(b)
	}
	var rows []Row
	for i := range benign {
		tld := []string{"com", "org", "de", "net", "co.uk"}[rng.IntN(5)]
		rows = append(rows, Row{Domain: word(2+rng.IntN(2)) + "." + tld, Label: Benign, Category: "benign", Rank: i + 1, Source: "synth"})
	}
	for f := range families {
		cat := Categories[f%len(Categories)]
		tld := []string{"top", "xyz", "ru", "su", "click"}[f%5]
		for range perFamily {
			var d string
			switch f % 4 {
			case 0:
				d = rnd("bcdfghjklmnpqrstvwxz", 10+rng.IntN(6))
			case 1:
				d = rnd("0123456789abcdef", 12)
			case 2:
				d = word(1) + rnd("0123456789", 5)
			default:
				d = rnd("qxzj", 3) + word(2)
			}
			rows = append(rows, Row{Domain: d + "." + tld, Label: Malicious, Category: cat, Family: fmt.Sprintf("fam%d", f), Source: "synth"})
		}
	}
	return rows
}

var synthModel = sync.OnceValues(func() (*Model, error) {
	exs, _ := Prepare(synthRows(1, 600, 40, 30))
	return Train(exs, TrainOptions{Rounds: 30, CategoryRounds: 10, Seed: 3, Threads: 1})
})

func testModel(t testing.TB) *Model {
	t.Helper()
	m, err := synthModel()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func embeddedModel(t testing.TB) *Model {
	t.Helper()
	m, err := Default()
	if err != nil {
		t.Fatalf("the embedded model does not load: %v", err)
	}
	return m
}
