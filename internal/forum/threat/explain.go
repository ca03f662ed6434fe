package threat

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/spoor/spoor/internal/nlp"
)

// A cue is a word of a thread that speaks for the label the model gave
// it: the sum, over the word's own features (a title word and its
// character n-grams, a post word), of what each adds to the label's
// margin beyond its mean over the classes. Both models are linear in
// their features' contributions to the margins (the fastText-style model
// through the mean of the embeddings), so the sum is exact up to the
// shared normalisation.

// maxCues is how many distinct words Cues returns at most.
const maxCues = 5

// Cues returns the spans (byte offsets into text) of the words (but
// function words) that speak most for label of target t, at most maxCues distinct words, each at
// every place it stands among the words the model reads.
func (m *Model) Cues(text string, t Target, label string) []Entity {
	tm := m.targets[t]
	if tm == nil {
		return nil
	}
	c := slices.Index(tm.classes, label)
	if c < 0 {
		return nil
	}
	x := Features(text)
	known := 0
	if tm.kind == ModelFastText {
		for _, f := range x {
			if tm.ft.emb[f] != nil {
				known++
			}
		}
		if known == 0 {
			return nil
		}
	}
	contrib := func(f uint32) float64 {
		if tm.kind == ModelFastText {
			return tm.ft.contribution(f, c) / float64(known)
		}
		return tm.lin.contribution(f, c)
	}
	title, _, _ := strings.Cut(text, "\n")
	spans := wordSpans(text, len(title))
	weight := map[string]float64{}
	for _, s := range spans {
		w := strings.ToLower(text[s.start:s.end])
		// Function words carry weight in a model of few examples, but
		// show a reader nothing.
		if _, done := weight[w]; done || len([]rune(w)) < 3 || nlp.IsStopword(w) {
			continue
		}
		v := 0.0
		if s.title {
			v += contrib(hashFeature('w', w))
			r := []rune("<" + w + ">")
			for n := minGram; n <= maxGram; n++ {
				for j := 0; j+n <= len(r); j++ {
					v += contrib(hashFeature('c', string(r[j:j+n])))
				}
			}
		} else {
			v += contrib(hashFeature('p', w))
		}
		weight[w] = v
	}
	var top []string
	for w, v := range weight {
		if v > 0 {
			top = append(top, w)
		}
	}
	slices.SortFunc(top, func(a, b string) int { return cmp.Or(cmp.Compare(weight[b], weight[a]), cmp.Compare(a, b)) })
	top = top[:min(maxCues, len(top))]
	var out []Entity
	for _, s := range spans {
		w := strings.ToLower(text[s.start:s.end])
		if slices.Contains(top, w) {
			out = append(out, Entity{Type: "cue", Kind: string(t) + ":" + label, Text: text[s.start:s.end], Start: s.start, End: s.end, Source: "model"})
		}
	}
	return out
}

type wordSpan struct {
	start, end int
	title      bool
}

// wordSpans finds the words Features reads, with their offsets: every
// word of the title (the text before titleEnd), the post's first
// maxPostWords.
func wordSpans(text string, titleEnd int) []wordSpan {
	var out []wordSpan
	post := 0
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		title := start < titleEnd
		if title || post < maxPostWords {
			out = append(out, wordSpan{start, end, title})
		}
		if !title {
			post++
		}
		start = -1
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	return out
}

// contribution is what feature f adds to class c's margin beyond its mean
// over the classes.
func (m *linear) contribution(f uint32, c int) float64 {
	r := m.w[f]
	if r == nil {
		return 0
	}
	mean := 0.0
	for _, v := range r {
		mean += float64(v)
	}
	return float64(r[c]) - mean/float64(len(r))
}

// contribution is what feature f's embedding adds to class c's margin
// beyond its mean over the classes, before the mean over the features.
func (m *fastText) contribution(f uint32, c int) float64 {
	e := m.emb[f]
	if e == nil {
		return 0
	}
	v := 0.0
	for j, x := range e {
		mean := 0.0
		for k := 0; k < m.classes; k++ {
			mean += float64(m.out[k*m.dim+j])
		}
		v += (float64(m.out[c*m.dim+j]) - mean/float64(m.classes)) * float64(x)
	}
	return v
}
