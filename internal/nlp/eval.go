package nlp

import (
	"sort"
	"strings"
)

// Span is an entity: its type and the tokens [Start, End) it covers.
type Span struct {
	Type       string
	Start, End int
}

// Spans reads the entities of a BIO tag sequence as conlleval does: an
// entity starts at B-X, or at I-X not following a tag of type X.
func Spans(tags []string) []Span {
	var out []Span
	cur := -1
	for i, t := range tags {
		typ := ""
		if t != "O" && len(t) > 2 {
			typ = t[2:]
		}
		if cur >= 0 && (typ == "" || t[0] == 'B' || out[cur].Type != typ) {
			out[cur].End = i
			cur = -1
		}
		if typ != "" && cur < 0 {
			out = append(out, Span{Type: typ, Start: i, End: i + 1})
			cur = len(out) - 1
		}
	}
	if cur >= 0 {
		out[cur].End = len(tags)
	}
	return out
}

// PRF is precision, recall and F1 with the counts behind them.
type PRF struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Gold      int     `json:"gold"`
	Predicted int     `json:"predicted"`
	Correct   int     `json:"correct"`
}

func (p *PRF) finish() {
	if p.Predicted > 0 {
		p.Precision = float64(p.Correct) / float64(p.Predicted)
	}
	if p.Gold > 0 {
		p.Recall = float64(p.Correct) / float64(p.Gold)
	}
	if p.Precision+p.Recall > 0 {
		p.F1 = 2 * p.Precision * p.Recall / (p.Precision + p.Recall)
	}
}

// Scores are entity-level exact-match figures: micro over all types and
// per type.
type Scores struct {
	Sentences int            `json:"sentences"`
	Micro     PRF            `json:"micro"`
	MicroF1   float64        `json:"micro_f1"`
	PerType   map[string]PRF `json:"per_type"`
}

// Score compares predicted tag sequences with gold ones.
func Score(gold, pred [][]string) Scores {
	s := Scores{Sentences: len(gold), PerType: map[string]PRF{}}
	for i := range gold {
		g := Spans(gold[i])
		p := Spans(pred[i])
		gs := map[Span]bool{}
		for _, sp := range g {
			gs[sp] = true
			pt := s.PerType[sp.Type]
			pt.Gold++
			s.PerType[sp.Type] = pt
			s.Micro.Gold++
		}
		for _, sp := range p {
			pt := s.PerType[sp.Type]
			pt.Predicted++
			s.Micro.Predicted++
			if gs[sp] {
				pt.Correct++
				s.Micro.Correct++
			}
			s.PerType[sp.Type] = pt
		}
	}
	for k, v := range s.PerType {
		v.finish()
		s.PerType[k] = v
	}
	s.Micro.finish()
	s.MicroF1 = s.Micro.F1
	return s
}

// Evaluate tags every sentence and scores the result against its tags.
func Evaluate(m Tagger, sents []Sentence) Scores {
	gold := make([][]string, len(sents))
	pred := make([][]string, len(sents))
	for i, s := range sents {
		gold[i] = s.Tags
		pred[i] = m.Tag(s.Tokens)
	}
	return Score(gold, pred)
}

// Unseen returns the sentences of test whose token sequence does not
// appear verbatim in train.
func Unseen(train, test []Sentence) []Sentence {
	seen := map[string]bool{}
	for _, s := range train {
		seen[strings.Join(s.Tokens, "\x00")] = true
	}
	var out []Sentence
	for _, s := range test {
		if !seen[strings.Join(s.Tokens, "\x00")] {
			out = append(out, s)
		}
	}
	return out
}

// Types returns the types of a Scores, sorted.
func (s Scores) Types() []string {
	var out []string
	for k := range s.PerType {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
