package threat

import (
	"strings"
	"unicode"
)

// featureBits is the width of the hashed feature space.
const featureBits = 22

// Feature limits: forum titles are short and posts long; the title is read
// whole, the post only to its first maxPostWords words.
const (
	maxPostWords = 300
	minGram      = 3
	maxGram      = 5
)

// words splits s into lower-cased runs of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func fnv(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

const fnvOffset = 14695981039346656037

func hashFeature(kind byte, s string) uint32 {
	h := fnv(fnvOffset, string([]byte{kind}))
	h = fnv(h, s)
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return uint32(h) & (1<<featureBits - 1)
}

// Features hashes a thread's text into feature numbers (deduplicated): the
// words of the title and the character 3- to 5-grams of each title word
// (padded with < and >, as fastText does, so "rat" and "rats" share
// grams), word bigrams of the title, and words and word bigrams of the
// post. The title's features are kept apart from the post's, since "[TUT]"
// in a title says more than "tut" deep in a post.
func Features(text string) []uint32 {
	title, post, _ := strings.Cut(text, "\n")
	seen := map[uint32]bool{}
	var out []uint32
	add := func(kind byte, s string) {
		f := hashFeature(kind, s)
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	tw := words(title)
	for i, w := range tw {
		add('w', w)
		if i > 0 {
			add('b', tw[i-1]+" "+w)
		}
		r := []rune("<" + w + ">")
		for n := minGram; n <= maxGram; n++ {
			for j := 0; j+n <= len(r); j++ {
				add('c', string(r[j:j+n]))
			}
		}
	}
	if len(tw) == 0 {
		add('e', "")
	}
	pw := words(post)
	if len(pw) > maxPostWords {
		pw = pw[:maxPostWords]
	}
	for i, w := range pw {
		add('p', w)
		if i > 0 {
			add('q', pw[i-1]+" "+w)
		}
	}
	return out
}
