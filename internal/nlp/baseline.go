package nlp

// Tagger is anything that tags a tokenised sentence.
type Tagger interface {
	Tag(tokens []string) []string
}

// FrequentTag is the classic baseline of CoNLL shared tasks: each token
// gets the tag it had most often in training, O when unseen.
type FrequentTag struct {
	tags map[string]string
}

// TrainFrequentTag counts the tags of every training token.
func TrainFrequentTag(sents []Sentence) *FrequentTag {
	counts := map[string]map[string]int{}
	for _, s := range sents {
		for i, w := range s.Tokens {
			c := counts[w]
			if c == nil {
				c = map[string]int{}
				counts[w] = c
			}
			c[s.Tags[i]]++
		}
	}
	b := &FrequentTag{tags: make(map[string]string, len(counts))}
	for w, c := range counts {
		best, n := "O", 0
		for t, k := range c {
			if k > n || k == n && t < best {
				best, n = t, k
			}
		}
		b.tags[w] = best
	}
	return b
}

// Tag returns each token's most frequent training tag.
func (b *FrequentTag) Tag(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, w := range tokens {
		if t, ok := b.tags[w]; ok {
			out[i] = t
		} else {
			out[i] = "O"
		}
	}
	return out
}
