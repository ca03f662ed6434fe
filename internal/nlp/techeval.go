package nlp

import (
	"math"
	"sort"
)

// TFIDFNearest is the baseline technique classifier: each technique is the
// TF-IDF centroid of its training procedures (unigrams and bigrams, as the
// classifier sees them) and a text goes to the techniques of highest cosine.
type TFIDFNearest struct {
	idf       map[uint64]float64
	centroids []map[uint64]float64
}

// TrainTFIDF builds the baseline over the classes techs.
func TrainTFIDF(techs []Technique, procs []Procedure) *TFIDFNearest {
	byID := map[string]int{}
	for i, t := range techs {
		byID[t.ID] = i
	}
	b := &TFIDFNearest{idf: map[uint64]float64{}, centroids: make([]map[uint64]float64, len(techs))}
	var docs [][]uint64
	var ys []int
	for _, p := range procs {
		if y, ok := byID[p.Technique]; ok {
			docs = append(docs, docFeatures(textWords(p.Text, nameWords(p.SourceName))))
			ys = append(ys, y)
		}
	}
	for y, t := range techs {
		docs = append(docs, docFeatures(textWords(t.Name, nil)))
		ys = append(ys, y)
	}
	df := map[uint64]int{}
	for _, d := range docs {
		for _, h := range d {
			df[h]++
		}
	}
	n := float64(len(docs))
	for h, c := range df {
		b.idf[h] = math.Log((1+n)/(1+float64(c))) + 1
	}
	for i := range b.centroids {
		b.centroids[i] = map[uint64]float64{}
	}
	for k, d := range docs {
		v := b.vector(d)
		for h, x := range v {
			b.centroids[ys[k]][h] += x
		}
	}
	for _, c := range b.centroids {
		normalize(c)
	}
	return b
}

func normalize(v map[uint64]float64) {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	if s == 0 {
		return
	}
	s = math.Sqrt(s)
	for h := range v {
		v[h] /= s
	}
}

func (b *TFIDFNearest) vector(feats []uint64) map[uint64]float64 {
	v := map[uint64]float64{}
	for _, h := range feats {
		if w, ok := b.idf[h]; ok {
			v[h] = w
		}
	}
	normalize(v)
	return v
}

// Scores returns the cosine of text to every technique.
func (b *TFIDFNearest) Scores(text string) []float64 {
	v := b.vector(docFeatures(textWords(text, nil)))
	out := make([]float64, len(b.centroids))
	for i, c := range b.centroids {
		s := 0.0
		for h, x := range v {
			s += x * c[h]
		}
		out[i] = s
	}
	return out
}

// TechniqueScores are the figures of one classifier on held-out procedures.
type TechniqueScores struct {
	Procedures int     `json:"procedures"`
	Top1       float64 `json:"top1"`
	Top5       float64 `json:"top5"`
	MacroF1    float64 `json:"macro_f1"`
	// ParentTop1 counts a sub-technique of the right parent (or the
	// parent) as right.
	ParentTop1 float64 `json:"parent_top1"`
}

// TechniqueEvaluation compares the classifier with the TF-IDF baseline on
// procedures of groups held out of training.
type TechniqueEvaluation struct {
	Folds        int             `json:"folds"`
	Groups       int             `json:"groups"`
	Temperature  float64         `json:"temperature"`
	Alpha        float64         `json:"alpha"`
	Classifier   TechniqueScores `json:"classifier"` // the combined score spoor uses
	Perceptron   TechniqueScores `json:"perceptron"` // its perceptron alone
	TFIDFNearest TechniqueScores `json:"tfidf_nearest"`
}

func parentID(id string) string {
	if len(id) > 5 {
		return id[:5]
	}
	return id
}

type techTally struct {
	n, top1, top5, parent int
	tp, fp, fn            map[int]int
}

func newTally() *techTally {
	return &techTally{tp: map[int]int{}, fp: map[int]int{}, fn: map[int]int{}}
}

func (t *techTally) add(techs []Technique, s []float64, y int) {
	r := rank(s)
	t.n++
	if r[0] == y {
		t.top1++
		t.tp[y]++
	} else {
		t.fp[r[0]]++
		t.fn[y]++
	}
	if parentID(techs[r[0]].ID) == parentID(techs[y].ID) {
		t.parent++
	}
	for _, k := range r[:min(5, len(r))] {
		if k == y {
			t.top5++
		}
	}
}

// scores computes the figures; macro-F1 averages over the techniques that
// occur in the gold labels.
func (t *techTally) scores() TechniqueScores {
	s := TechniqueScores{Procedures: t.n}
	if t.n == 0 {
		return s
	}
	s.Top1 = float64(t.top1) / float64(t.n)
	s.Top5 = float64(t.top5) / float64(t.n)
	s.ParentTop1 = float64(t.parent) / float64(t.n)
	sum, k := 0.0, 0
	classes := map[int]bool{}
	for c := range t.tp {
		classes[c] = true
	}
	for c := range t.fn {
		classes[c] = true
	}
	for c := range classes {
		tp, fp, fn := float64(t.tp[c]), float64(t.fp[c]), float64(t.fn[c])
		if tp+fn == 0 {
			continue
		}
		if tp > 0 {
			sum += 2 * tp / (2*tp + fp + fn)
		}
		k++
	}
	if k > 0 {
		s.MacroF1 = sum / float64(k)
	}
	return s
}

// EvaluateTechniques splits the groups (intrusion sets) of procs into
// folds; for each fold both classifiers are trained on every procedure
// except those of the fold's groups and tested on those. Software and
// campaign procedures are only ever training data.
func EvaluateTechniques(techs []Technique, procs []Procedure, folds int, opt TechniqueTrainOptions) (TechniqueEvaluation, error) {
	var groups []string
	seen := map[string]bool{}
	for _, p := range procs {
		if p.SourceKind == "intrusion-set" && !seen[p.Source] {
			seen[p.Source] = true
			groups = append(groups, p.Source)
		}
	}
	sort.Slice(groups, func(i, j int) bool {
		return hashFeat(0, groups[i]) < hashFeat(0, groups[j])
	})
	fold := map[string]int{}
	for i, g := range groups {
		fold[g] = i % folds
	}
	byID := map[string]int{}
	for i, t := range techs {
		byID[t.ID] = i
	}
	cl, perc, base := newTally(), newTally(), newTally()
	for f := 0; f < folds; f++ {
		var train, test []Procedure
		for _, p := range procs {
			if g, ok := fold[p.Source]; ok && g == f {
				test = append(test, p)
			} else {
				train = append(train, p)
			}
		}
		m, err := TrainTechniques(techs, train, opt)
		if err != nil {
			return TechniqueEvaluation{}, err
		}
		for _, p := range test {
			y, ok := byID[p.Technique]
			if !ok {
				continue
			}
			ps, cs := m.perceptronScores(p.Text), m.centroid.Scores(p.Text)
			cl.add(techs, m.combine(ps, cs, m.Temperature, m.Alpha), y)
			perc.add(techs, ps, y)
			base.add(techs, cs, y)
		}
	}
	return TechniqueEvaluation{Folds: folds, Groups: len(groups), Temperature: opt.Temperature, Alpha: opt.Alpha,
		Classifier: cl.scores(), Perceptron: perc.scores(), TFIDFNearest: base.scores()}, nil
}

// SelectTechniqueParams chooses the temperature and alpha of the combined
// score on the procedures of one fifth of the software (malware and tools,
// chosen by a hash of their IDs), training on every other procedure; it
// maximises top-1 + top-5 + macro-F1. Groups play no part in the choice.
func SelectTechniqueParams(techs []Technique, procs []Procedure, opt TechniqueTrainOptions) (temp, alpha float64, err error) {
	var train, val []Procedure
	for _, p := range procs {
		if (p.SourceKind == "malware" || p.SourceKind == "tool") && hashFeat(0, p.Source)%5 == 0 {
			val = append(val, p)
		} else {
			train = append(train, p)
		}
	}
	m, err := TrainTechniques(techs, train, opt)
	if err != nil {
		return 0, 0, err
	}
	type pre struct {
		ps, cs []float64
		y      int
	}
	var pres []pre
	for _, p := range val {
		if y, ok := m.byID[p.Technique]; ok {
			pres = append(pres, pre{m.perceptronScores(p.Text), m.centroid.Scores(p.Text), y})
		}
	}
	best := -1.0
	for _, t := range []float64{0.5, 1, 2, 4, 8} {
		for _, a := range []float64{0, 0.25, 0.5, 1, 2, 4} {
			tl := newTally()
			for _, x := range pres {
				tl.add(techs, m.combine(x.ps, x.cs, t, a), x.y)
			}
			sc := tl.scores()
			if v := sc.Top1 + sc.Top5 + sc.MacroF1; v > best {
				best, temp, alpha = v, t, a
			}
		}
	}
	return temp, alpha, nil
}
