package nlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode"
)

// TechniqueModel maps text to ATT&CK techniques: by the technique IDs and
// names written in it, and by a classifier trained on ATT&CK's procedure
// examples (an averaged multiclass perceptron over word unigrams and
// bigrams, with sparse weights).
type TechniqueModel struct {
	Info       TechniqueInfo
	Techniques []Technique // the classes, by ID
	byID       map[string]int
	names      *Gazetteer // technique names → "T…" ID as the type
	weights    map[uint64][]classWeight
	bias       []float32
	// The classifier's score of a technique is the perceptron's softmax
	// probability at Temperature plus Alpha times the TF-IDF cosine to the
	// technique's centroid (centroid), renormalised; both are chosen on
	// procedures of held-out software (SelectTechniqueParams), never on
	// the groups the evaluation holds out.
	Temperature float64
	Alpha       float64
	centroid    *TFIDFNearest
}

// TechniqueInfo describes how a technique model was trained.
type TechniqueInfo struct {
	Procedures int     `json:"procedures"`
	Classes    int     `json:"classes"`
	Epochs     int     `json:"epochs"`
	Features   int     `json:"features"`
	Temp       float64 `json:"temperature"`
	Alpha      float64 `json:"alpha"`
	Bags       int     `json:"bags,omitempty"`
}

type classWeight struct {
	Class  uint16
	Weight float32
}

// stopwords are left out of the classifier's features.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or of to in on for by with from as at is are was were be been has have had
		it its this that these those their them they which who can could may might also such via into than other using use used uses
		has been will would s`) {
		m[w] = true
	}
	return m
}()

// IsStopword reports whether a lower-cased word is a function word
// ("the", "and", "are"…): one that says nothing of a text's subject.
func IsStopword(w string) bool { return stopwords[w] }

// textWords returns the lower-cased words of s (letters, digits and inner
// . _ - kept), without stopwords and without the words of drop.
func textWords(s string, drop map[string]bool) []string {
	var out []string
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-' || r == '\\' || r == '/')
	})
	for _, w := range f {
		w = strings.Trim(w, ".-_/\\")
		if w == "" || stopwords[w] || drop[w] {
			continue
		}
		out = append(out, w)
	}
	return out
}

// docFeatures hashes the unigrams and bigrams of words, deduplicated.
func docFeatures(words []string) []uint64 {
	seen := map[uint64]bool{}
	var out []uint64
	add := func(h uint64) {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	for i, w := range words {
		add(hashFeat(1, w))
		if i+1 < len(words) {
			add(hashFeat2(2, w, words[i+1]))
		}
	}
	return out
}

// nameWords are the words of a procedure's source name, which says who,
// not how.
func nameWords(name string) map[string]bool {
	m := map[string]bool{}
	for _, w := range textWords(name, nil) {
		m[w] = true
	}
	return m
}

// TechniqueTrainOptions control TrainTechniques.
type TechniqueTrainOptions struct {
	Epochs int
	Seed   uint64
	// Bags perceptrons trained on different shuffles (seeds Seed,
	// Seed+1, …) are averaged into one; 0 or 1 trains one.
	Bags int
	// Temperature and Alpha of the combined score; zero Temperature and
	// negative Alpha take the defaults.
	Temperature, Alpha float64
}

// DefaultTemperature and DefaultAlpha are used when training is not given
// the values SelectTechniqueParams chooses (spoor train nlp always runs it
// and stores its choice in the model).
const (
	DefaultTemperature = 2.0
	DefaultAlpha       = 0.5
)

// TrainTechniques trains the technique classifier on procedures (all
// classes are techs; procedures of other techniques are skipped).
func TrainTechniques(techs []Technique, procs []Procedure, opt TechniqueTrainOptions) (*TechniqueModel, error) {
	if opt.Epochs <= 0 {
		opt.Epochs = 10
	}
	m := newTechniqueModel(techs)
	type ex struct {
		f []uint64
		y int
	}
	var data []ex
	for _, p := range procs {
		y, ok := m.byID[p.Technique]
		if !ok {
			continue
		}
		data = append(data, ex{docFeatures(textWords(p.Text, nameWords(p.SourceName))), y})
	}
	// The technique names are examples too, so that every class has one.
	for y, t := range techs {
		data = append(data, ex{docFeatures(textWords(t.Name, nil)), y})
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("nlp: train techniques: no procedures")
	}
	nc := len(techs)
	type acc struct {
		w, u float64
	}
	bags := max(opt.Bags, 1)
	sumW := map[uint64]map[uint16]float64{}
	sumBias := make([]float64, nc)
	for bag := 0; bag < bags; bag++ {
		w := map[uint64]map[uint16]*acc{}
		bias := make([]acc, nc)
		c := 1.0
		rng := rand.New(rand.NewPCG(opt.Seed+uint64(bag), 0x74656368))
		scores := make([]float64, nc)
		for ep := 0; ep < opt.Epochs; ep++ {
			rng.Shuffle(len(data), func(i, j int) { data[i], data[j] = data[j], data[i] })
			for _, d := range data {
				for k := range scores {
					scores[k] = bias[k].w
				}
				for _, h := range d.f {
					for cl, a := range w[h] {
						scores[cl] += a.w
					}
				}
				best := 0
				for k := range scores {
					if scores[k] > scores[best] {
						best = k
					}
				}
				if best != d.y {
					for _, h := range d.f {
						row := w[h]
						if row == nil {
							row = map[uint16]*acc{}
							w[h] = row
						}
						for _, cl := range [2]int{d.y, best} {
							if row[uint16(cl)] == nil {
								row[uint16(cl)] = &acc{}
							}
						}
						row[uint16(d.y)].w++
						row[uint16(d.y)].u += c
						row[uint16(best)].w--
						row[uint16(best)].u -= c
					}
					bias[d.y].w++
					bias[d.y].u += c
					bias[best].w--
					bias[best].u -= c
				}
				c++
			}
		}
		for h, row := range w {
			if sumW[h] == nil {
				sumW[h] = map[uint16]float64{}
			}
			for cl, a := range row {
				sumW[h][cl] += (a.w - a.u/c) / float64(bags)
			}
		}
		for k := range bias {
			sumBias[k] += (bias[k].w - bias[k].u/c) / float64(bags)
		}
	}
	m.weights = map[uint64][]classWeight{}
	for h, row := range sumW {
		var cw []classWeight
		for cl, v := range row {
			if math.Abs(v) > 1e-3 {
				cw = append(cw, classWeight{cl, float32(v)})
			}
		}
		if len(cw) > 0 {
			sort.Slice(cw, func(i, j int) bool { return cw[i].Class < cw[j].Class })
			m.weights[h] = cw
		}
	}
	m.bias = make([]float32, nc)
	for k, v := range sumBias {
		m.bias[k] = float32(v)
	}
	m.Temperature, m.Alpha = opt.Temperature, opt.Alpha
	if m.Temperature <= 0 {
		m.Temperature = DefaultTemperature
	}
	if opt.Alpha < 0 {
		m.Alpha = DefaultAlpha
	}
	m.centroid = TrainTFIDF(techs, procs)
	m.Info = TechniqueInfo{Procedures: len(data), Classes: nc, Epochs: opt.Epochs, Features: len(m.weights), Temp: m.Temperature, Alpha: m.Alpha, Bags: opt.Bags}
	return m, nil
}

func newTechniqueModel(techs []Technique) *TechniqueModel {
	m := &TechniqueModel{Techniques: techs, byID: map[string]int{}}
	var names []GazEntry
	for i, t := range techs {
		m.byID[t.ID] = i
		names = append(names, GazEntry{t.Name, t.ID})
	}
	m.names = NewGazetteer(names)
	return m
}

// Scores returns the classifier's combined score of every technique for
// text, summing to one.
func (m *TechniqueModel) Scores(text string) []float64 {
	return m.combine(m.perceptronScores(text), m.centroid.Scores(text), m.Temperature, m.Alpha)
}

func (m *TechniqueModel) combine(perc, cos []float64, temp, alpha float64) []float64 {
	p := softmax(perc, temp)
	sum := 0.0
	for i := range p {
		p[i] += alpha * max(cos[i], 0)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// perceptronScores returns the perceptron's raw score of every technique.
func (m *TechniqueModel) perceptronScores(text string) []float64 {
	s := make([]float64, len(m.Techniques))
	for k, b := range m.bias {
		s[k] = float64(b)
	}
	for _, h := range docFeatures(textWords(text, nil)) {
		for _, cw := range m.weights[h] {
			s[cw.Class] += float64(cw.Weight)
		}
	}
	return s
}

func softmax(s []float64, temp float64) []float64 {
	out := make([]float64, len(s))
	mx := math.Inf(-1)
	for _, v := range s {
		mx = max(mx, v)
	}
	sum := 0.0
	for i, v := range s {
		out[i] = math.Exp((v - mx) / temp)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// Rank returns the class indices by descending score.
func rank(s []float64) []int {
	idx := make([]int, len(s))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return s[idx[a]] > s[idx[b]] })
	return idx
}

// TechniqueHit is one technique found in a text.
type TechniqueHit struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Score    float64 `json:"score"`
	Method   string  `json:"method"` // id, name or classifier
	Sentence string  `json:"sentence"`
	Start    int     `json:"start"` // byte offsets of the sentence
	End      int     `json:"end"`
}

// MapOptions control Map.
type MapOptions struct {
	// MinScore drops classifier hits below this probability.
	MinScore float64
}

// Map finds the techniques of text: IDs written in it (score 1), names
// written in it (0.9) and the classifier's best technique for each
// sentence when its probability reaches MinScore. Each technique is
// reported once, with its best score and the sentence that gave it,
// best first.
func (m *TechniqueModel) Map(text string, opt MapOptions) []TechniqueHit {
	best := map[string]TechniqueHit{}
	put := func(h TechniqueHit) {
		if old, ok := best[h.ID]; !ok || h.Score > old.Score {
			best[h.ID] = h
		}
	}
	for _, sent := range Sentences(text) {
		if len(sent) == 0 {
			continue
		}
		start, end := sent[0].Start, sent[len(sent)-1].End
		s := text[start:end]
		hit := func(id string, score float64, method string) {
			if k, ok := m.byID[id]; ok {
				put(TechniqueHit{ID: id, Name: m.Techniques[k].Name, Score: score, Method: method, Sentence: s, Start: start, End: end})
			}
		}
		toks := make([]string, len(sent))
		for i, t := range sent {
			toks[i] = t.Text
			if tokenKind(t.Text) == kindTechnique {
				hit(strings.ToUpper(t.Text), 1, "id")
			}
		}
		inf := infos(toks, m.names)
		for i, ti := range inf {
			if !strings.HasPrefix(ti.gaz, "B-") {
				continue
			}
			id := ti.gaz[2:]
			// A one-word name ("Credentials", "Rootkit") counts only
			// written as ATT&CK writes it and not first in a sentence,
			// where every word is capitalised.
			if i+1 >= len(inf) || inf[i+1].gaz != "I-"+id {
				if k, ok := m.byID[id]; !ok || i == 0 || toks[i] != m.Techniques[k].Name {
					continue
				}
			}
			hit(id, 0.9, "name")
		}
		if len(m.weights) > 0 {
			p := m.Scores(s)
			k := rank(p)[0]
			if p[k] >= opt.MinScore {
				hit(m.Techniques[k].ID, math.Round(p[k]*1000)/1000, "classifier")
			}
		}
	}
	out := make([]TechniqueHit, 0, len(best))
	for _, h := range best {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	return out
}
