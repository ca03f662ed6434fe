package nlp

import "math"

// Entity is one entity recognised in plain text.
type Entity struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Start int    `json:"start"` // byte offsets in the text
	End   int    `json:"end"`
	// Confidence is the mean posterior of the entity's tags (forward–
	// backward over the model's scores read as log-potentials).
	Confidence float64 `json:"confidence"`
}

// Entities splits text into sentences and returns the entities the
// labeller finds, in text order.
func (m *Labeller) Entities(text string) []Entity {
	var out []Entity
	nt := len(m.Tags)
	for _, sent := range Sentences(text) {
		toks := make([]string, len(sent))
		for i, t := range sent {
			toks[i] = t.Text
		}
		em := m.emissions(nil, toks)
		path := m.viterbi(nil, em, len(toks))
		tags := make([]string, len(path))
		for i, t := range path {
			tags[i] = m.Tags[t]
		}
		var post []float64
		for _, sp := range Spans(tags) {
			if post == nil {
				post = m.marginals(em, len(toks))
			}
			c := 0.0
			for i := sp.Start; i < sp.End; i++ {
				c += post[i*nt+path[i]]
			}
			c /= float64(sp.End - sp.Start)
			s, e := sent[sp.Start].Start, sent[sp.End-1].End
			out = append(out, Entity{Type: sp.Type, Text: text[s:e], Start: s, End: e, Confidence: math.Round(c*1000) / 1000})
		}
	}
	return out
}
