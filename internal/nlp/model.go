package nlp

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
)

// Format names and versions of saved models; Load refuses others.
const (
	LabellerFormat  = "spoor-nlp-labeller"
	TechniqueFormat = "spoor-nlp-techniques"
	FormatVersion   = 1
)

type header struct {
	Format  string
	Version int
}

type savedLabeller struct {
	Info   ModelInfo
	Tags   []string
	Gaz    []GazEntry
	Hashes []uint64 // sorted, delta-encoded
	Counts []uint8  // nonzero tags per feature
	TagIdx []uint8
	Q      []int16   // weight / the row's scale
	Scales []float32 // one a feature: its largest absolute weight / 32767
	Trans  []float32
}

type savedTechniques struct {
	Info        TechniqueInfo
	Techniques  []Technique
	Temperature float64
	Alpha       float64
	Vocab       []uint64 // sorted, delta-encoded
	IDF         []float32
	PerCount    []uint32 // perceptron: classes per vocab entry
	PerClass    []uint16
	PerQ        []int16
	PerScale    float32
	Bias        []float32
	CenCount    []uint32 // centroid entries per technique
	CenVocab    []uint32
	CenQ        []int16
	CenScale    float32
}

func quantScale(maxAbs float64) float32 {
	if maxAbs == 0 {
		return 1
	}
	return float32(maxAbs / 32767)
}

func quant(v float64, scale float32) int16 {
	return int16(math.Round(v / float64(scale)))
}

func deltas(xs []uint64) []uint64 {
	out := make([]uint64, len(xs))
	var prev uint64
	for i, x := range xs {
		out[i] = x - prev
		prev = x
	}
	return out
}

func undeltas(xs []uint64) []uint64 {
	out := make([]uint64, len(xs))
	var prev uint64
	for i, x := range xs {
		prev += x
		out[i] = prev
	}
	return out
}

func writeModel(w io.Writer, format string, payload any) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	enc := gob.NewEncoder(zw)
	if err := enc.Encode(header{format, FormatVersion}); err != nil {
		return fmt.Errorf("nlp: save model: %w", err)
	}
	if err := enc.Encode(payload); err != nil {
		return fmt.Errorf("nlp: save model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("nlp: save model: %w", err)
	}
	return nil
}

// ErrTruncated says a model file ended early or is damaged.
var ErrTruncated = errors.New("model file is truncated or damaged")

func readModel(r io.Reader, format string, payload any) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("nlp: load model: %w", ErrTruncated)
		}
		return fmt.Errorf("nlp: load model: not a %s file (%w)", format, err)
	}
	dec := gob.NewDecoder(zr)
	var h header
	if err := dec.Decode(&h); err != nil {
		return fmt.Errorf("nlp: load model: %w (%v)", ErrTruncated, err)
	}
	if h.Format != format {
		return fmt.Errorf("nlp: load model: format %q, want %q", h.Format, format)
	}
	if h.Version != FormatVersion {
		return fmt.Errorf("nlp: load model: %s version %d, this spoor reads version %d", format, h.Version, FormatVersion)
	}
	if err := dec.Decode(payload); err != nil {
		return fmt.Errorf("nlp: load model: %w (%v)", ErrTruncated, err)
	}
	// The gzip trailer's checksum catches a file cut inside the last block.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return fmt.Errorf("nlp: load model: %w (%v)", ErrTruncated, err)
	}
	return nil
}

// Save writes the labeller: weights quantised to 16 bits, features sparse.
func (m *Labeller) Save(w io.Writer) error {
	nt := len(m.Tags)
	hashes := make([]uint64, 0, len(m.index))
	for h := range m.index {
		hashes = append(hashes, h)
	}
	sort.Slice(hashes, func(i, j int) bool { return hashes[i] < hashes[j] })
	s := savedLabeller{Info: m.Info, Tags: m.Tags, Trans: m.trans}
	if m.Gaz != nil {
		s.Gaz = m.Gaz.Entries()
	}
	var kept []uint64
	for _, h := range hashes {
		r := int(m.index[h])
		row := m.w[r*nt : (r+1)*nt]
		maxAbs := 0.0
		for _, v := range row {
			maxAbs = max(maxAbs, math.Abs(float64(v)))
		}
		scale := quantScale(maxAbs)
		n := uint8(0)
		for t, v := range row {
			if q := quant(float64(v), scale); q != 0 {
				s.TagIdx = append(s.TagIdx, uint8(t))
				s.Q = append(s.Q, q)
				n++
			}
		}
		if n > 0 {
			kept = append(kept, h)
			s.Counts = append(s.Counts, n)
			s.Scales = append(s.Scales, scale)
		}
	}
	s.Hashes = deltas(kept)
	return writeModel(w, LabellerFormat, &s)
}

// LoadLabeller reads a labeller written by Save.
func LoadLabeller(r io.Reader) (*Labeller, error) {
	var s savedLabeller
	if err := readModel(r, LabellerFormat, &s); err != nil {
		return nil, err
	}
	nt := len(s.Tags)
	if nt == 0 || len(s.Trans) != (nt+1)*nt || len(s.Counts) != len(s.Hashes) || len(s.Scales) != len(s.Hashes) || len(s.TagIdx) != len(s.Q) {
		return nil, fmt.Errorf("nlp: load model: inconsistent labeller (%w)", ErrTruncated)
	}
	m := &Labeller{Info: s.Info, Tags: s.Tags, trans: s.Trans, index: make(map[uint64]int32, len(s.Hashes))}
	m.w = make([]float32, len(s.Hashes)*nt)
	k := 0
	for i, h := range undeltas(s.Hashes) {
		m.index[h] = int32(i)
		for range s.Counts[i] {
			if k >= len(s.Q) || int(s.TagIdx[k]) >= nt {
				return nil, fmt.Errorf("nlp: load model: inconsistent labeller (%w)", ErrTruncated)
			}
			m.w[i*nt+int(s.TagIdx[k])] = float32(s.Q[k]) * s.Scales[i]
			k++
		}
	}
	if len(s.Gaz) > 0 {
		m.Gaz = &Gazetteer{phrases: map[string]string{}, first: map[string]int{}}
		for _, e := range s.Gaz {
			m.Gaz.addKey(e.Name, e.Type)
		}
	}
	m.setAllowed()
	m.tab = newFeatTable(m.index, m.w, nt)
	return m, nil
}

// Save writes the technique model.
func (m *TechniqueModel) Save(w io.Writer) error {
	vocabSet := map[uint64]bool{}
	for h := range m.weights {
		vocabSet[h] = true
	}
	for h := range m.centroid.idf {
		vocabSet[h] = true
	}
	vocab := make([]uint64, 0, len(vocabSet))
	for h := range vocabSet {
		vocab = append(vocab, h)
	}
	sort.Slice(vocab, func(i, j int) bool { return vocab[i] < vocab[j] })
	pos := make(map[uint64]uint32, len(vocab))
	for i, h := range vocab {
		pos[h] = uint32(i)
	}
	s := savedTechniques{Info: m.Info, Techniques: m.Techniques, Temperature: m.Temperature, Alpha: m.Alpha, Bias: m.bias}
	perMax, cenMax := 0.0, 0.0
	for _, row := range m.weights {
		for _, cw := range row {
			perMax = max(perMax, math.Abs(float64(cw.Weight)))
		}
	}
	for _, c := range m.centroid.centroids {
		for _, v := range c {
			cenMax = max(cenMax, v)
		}
	}
	s.PerScale, s.CenScale = quantScale(perMax), quantScale(cenMax)
	for _, h := range vocab {
		s.IDF = append(s.IDF, float32(m.centroid.idf[h]))
		n := uint32(0)
		for _, cw := range m.weights[h] {
			if q := quant(float64(cw.Weight), s.PerScale); q != 0 {
				s.PerClass = append(s.PerClass, cw.Class)
				s.PerQ = append(s.PerQ, q)
				n++
			}
		}
		s.PerCount = append(s.PerCount, n)
	}
	for _, c := range m.centroid.centroids {
		keys := make([]uint32, 0, len(c))
		for h := range c {
			keys = append(keys, pos[h])
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		n := uint32(0)
		for _, k := range keys {
			if q := quant(c[vocab[k]], s.CenScale); q != 0 {
				s.CenVocab = append(s.CenVocab, k)
				s.CenQ = append(s.CenQ, q)
				n++
			}
		}
		s.CenCount = append(s.CenCount, n)
	}
	s.Vocab = deltas(vocab)
	return writeModel(w, TechniqueFormat, &s)
}

// LoadTechniques reads a technique model written by Save.
func LoadTechniques(r io.Reader) (*TechniqueModel, error) {
	var s savedTechniques
	if err := readModel(r, TechniqueFormat, &s); err != nil {
		return nil, err
	}
	bad := fmt.Errorf("nlp: load model: inconsistent technique model (%w)", ErrTruncated)
	nc := len(s.Techniques)
	if nc == 0 || len(s.Bias) != nc || len(s.IDF) != len(s.Vocab) || len(s.PerCount) != len(s.Vocab) ||
		len(s.CenCount) != nc || len(s.PerClass) != len(s.PerQ) || len(s.CenVocab) != len(s.CenQ) {
		return nil, bad
	}
	m := newTechniqueModel(s.Techniques)
	m.Info, m.Temperature, m.Alpha, m.bias = s.Info, s.Temperature, s.Alpha, s.Bias
	vocab := undeltas(s.Vocab)
	m.weights = map[uint64][]classWeight{}
	m.centroid = &TFIDFNearest{idf: map[uint64]float64{}, centroids: make([]map[uint64]float64, nc)}
	k := 0
	for i, h := range vocab {
		if s.IDF[i] != 0 {
			m.centroid.idf[h] = float64(s.IDF[i])
		}
		n := int(s.PerCount[i])
		if n == 0 {
			continue
		}
		if k+n > len(s.PerQ) {
			return nil, bad
		}
		row := make([]classWeight, n)
		for j := range row {
			if int(s.PerClass[k]) >= nc {
				return nil, bad
			}
			row[j] = classWeight{s.PerClass[k], float32(s.PerQ[k]) * s.PerScale}
			k++
		}
		m.weights[h] = row
	}
	k = 0
	for c := range nc {
		m.centroid.centroids[c] = map[uint64]float64{}
		for range s.CenCount[c] {
			if k >= len(s.CenQ) || int(s.CenVocab[k]) >= len(vocab) {
				return nil, bad
			}
			m.centroid.centroids[c][vocab[s.CenVocab[k]]] = float64(s.CenQ[k]) * float64(s.CenScale)
			k++
		}
	}
	return m, nil
}

//go:embed model/*.gz
var modelFS embed.FS

// defaults caches the embedded models, read once on first use.
var defaults = struct {
	sync.Mutex
	labellers  map[string]*Labeller
	techniques *TechniqueModel
}{labellers: map[string]*Labeller{}}

// DefaultLabeller returns the embedded labeller of corpus "dnrti" or
// "annoctr".
func DefaultLabeller(corpus string) (*Labeller, error) {
	defaults.Lock()
	defer defaults.Unlock()
	if m := defaults.labellers[corpus]; m != nil {
		return m, nil
	}
	b, err := modelFS.ReadFile("model/" + corpus + ".gz")
	if err != nil {
		return nil, fmt.Errorf("nlp: no built-in model %q (dnrti, annoctr)", corpus)
	}
	m, err := LoadLabeller(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("built-in %s model: %w", corpus, err)
	}
	defaults.labellers[corpus] = m
	return m, nil
}

// DefaultTechniques returns the embedded technique model.
func DefaultTechniques() (*TechniqueModel, error) {
	defaults.Lock()
	defer defaults.Unlock()
	if defaults.techniques != nil {
		return defaults.techniques, nil
	}
	b, err := modelFS.ReadFile("model/techniques.gz")
	if err != nil {
		return nil, fmt.Errorf("nlp: no built-in technique model")
	}
	m, err := LoadTechniques(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("built-in technique model: %w", err)
	}
	defaults.techniques = m
	return m, nil
}
