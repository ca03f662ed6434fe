package reputation

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"

	"github.com/spoor/spoor/internal/gbdt"
)

// Format and FormatVersion identify saved models; Load refuses others.
const (
	Format        = "spoor-reputation"
	FormatVersion = 1
)

type jsonModel struct {
	Format       string             `json:"format"`
	Version      int                `json:"version"`
	Info         Info               `json:"info"`
	Features     []string           `json:"features"`
	Threshold    float64            `json:"threshold"`
	LMBenign     []byte             `json:"lm_benign"` // trigram log-probabilities, one byte each
	LMMalicious  []byte             `json:"lm_malicious"`
	Suffixes     map[string]float64 `json:"suffix_ratio"`
	SuffixUnseen float64            `json:"suffix_unseen"`
	Brands       []string           `json:"brands"`
	Popular      []string           `json:"popular"` // by rank
	PopularRanks []int              `json:"popular_ranks"`
	Binary       json.RawMessage    `json:"binary"`
	Category     json.RawMessage    `json:"category"`
}

// Save writes the model as gzip-compressed JSON.
func (m *Model) Save(w io.Writer) error { return m.save(w, true) }

// save writes the model as JSON, gzip-compressed or not.
func (m *Model) save(w io.Writer, compress bool) error {
	jm := jsonModel{
		Format: Format, Version: FormatVersion, Info: m.Info, Features: FeatureNames, Threshold: m.threshold,
		LMBenign: m.lx.benign.quantize(), LMMalicious: m.lx.malicious.quantize(),
		Suffixes: m.lx.suffixRatio, SuffixUnseen: m.lx.suffixUnseen, Brands: m.lx.brands.brands,
	}
	for d := range m.popular {
		jm.Popular = append(jm.Popular, d)
	}
	sort.Slice(jm.Popular, func(i, j int) bool {
		a, b := m.popular[jm.Popular[i]], m.popular[jm.Popular[j]]
		return a < b || a == b && jm.Popular[i] < jm.Popular[j]
	})
	for _, d := range jm.Popular {
		jm.PopularRanks = append(jm.PopularRanks, m.popular[d])
	}
	var buf bytes.Buffer
	if err := m.binary.Save(&buf); err != nil {
		return err
	}
	jm.Binary = slices.Clone(bytes.TrimSpace(buf.Bytes()))
	buf.Reset()
	if err := m.category.Save(&buf); err != nil {
		return err
	}
	jm.Category = bytes.TrimSpace(buf.Bytes())
	if !compress {
		if err := json.NewEncoder(w).Encode(&jm); err != nil {
			return fmt.Errorf("reputation: save model: %w", err)
		}
		return nil
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(zw).Encode(&jm); err != nil {
		return fmt.Errorf("reputation: save model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("reputation: save model: %w", err)
	}
	return nil
}

// Load reads a model written by Save (gzip-compressed or plain JSON) and
// checks that it is one this code can use.
func Load(r io.Reader) (*Model, error) {
	br := bufio.NewReader(r)
	var in io.Reader = br
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reputation: load model: %w", err)
		}
		defer zr.Close()
		in = zr
	}
	var jm jsonModel
	if err := json.NewDecoder(io.LimitReader(in, 1<<30)).Decode(&jm); err != nil {
		return nil, fmt.Errorf("reputation: load model: %w", err)
	}
	switch {
	case jm.Format != Format:
		return nil, fmt.Errorf("reputation: load model: format %q is not %q", jm.Format, Format)
	case jm.Version != FormatVersion:
		return nil, fmt.Errorf("reputation: load model: format version %d, this spoor reads %d", jm.Version, FormatVersion)
	case !slices.Equal(jm.Features, FeatureNames):
		return nil, fmt.Errorf("reputation: load model: it was trained on other features (%d names); retrain it", len(jm.Features))
	case len(jm.Popular) != len(jm.PopularRanks):
		return nil, fmt.Errorf("reputation: load model: %d popular names but %d ranks", len(jm.Popular), len(jm.PopularRanks))
	}
	m := &Model{Info: jm.Info, threshold: jm.Threshold, popular: make(map[string]int, len(jm.Popular))}
	var err error
	if m.lx.benign, err = lmFromBytes(jm.LMBenign); err != nil {
		return nil, fmt.Errorf("reputation: load model: benign %w", err)
	}
	if m.lx.malicious, err = lmFromBytes(jm.LMMalicious); err != nil {
		return nil, fmt.Errorf("reputation: load model: malicious %w", err)
	}
	m.lx.suffixRatio, m.lx.suffixUnseen = jm.Suffixes, jm.SuffixUnseen
	if m.lx.suffixRatio == nil {
		m.lx.suffixRatio = map[string]float64{}
	}
	m.lx.brands = newBrandIndex(jm.Brands)
	for i, d := range jm.Popular {
		m.popular[d] = jm.PopularRanks[i]
	}
	if m.binary, err = gbdt.Load(bytes.NewReader(jm.Binary)); err != nil {
		return nil, fmt.Errorf("reputation: load model: binary %w", err)
	}
	if m.category, err = gbdt.Load(bytes.NewReader(jm.Category)); err != nil {
		return nil, fmt.Errorf("reputation: load model: category %w", err)
	}
	switch {
	case m.binary.Objective() != gbdt.Binary || m.binary.NumFeatures() != numFeatures:
		return nil, fmt.Errorf("reputation: load model: the binary model is %s over %d features", m.binary.Objective(), m.binary.NumFeatures())
	case m.category.NumClass() != len(Categories) || m.category.NumFeatures() != numFeatures:
		return nil, fmt.Errorf("reputation: load model: the category model has %d classes over %d features, want %d over %d",
			m.category.NumClass(), m.category.NumFeatures(), len(Categories), numFeatures)
	}
	return m, nil
}

// defaultModel is the model trained on ../shared/data's labelled domains
// that ships in the binary (`spoor train reputation --data
// ../shared/data/domain-reputation/domains.csv.gz --out
// internal/reputation/model/default.json.gz`).
//
//go:embed model/default.json.gz
var defaultModel []byte

var loadDefault = sync.OnceValues(func() (*Model, error) { return Load(bytes.NewReader(defaultModel)) })

// Default returns the embedded model, loaded once.
func Default() (*Model, error) { return loadDefault() }

// defaultEval is the evaluation of the training that made the default
// model: spoor eval reputation --data
// ../shared/data/domain-reputation/domains.csv.gz --format json (the same
// data and options), gzip-compressed.
//
//go:embed model/default-eval.json.gz
var defaultEval []byte

var loadDefaultEval = sync.OnceValue(func() *Evaluation {
	zr, err := gzip.NewReader(bytes.NewReader(defaultEval))
	if err != nil {
		return nil
	}
	defer zr.Close()
	var ev Evaluation
	if err := json.NewDecoder(zr).Decode(&ev); err != nil || len(ev.Splits) == 0 {
		return nil
	}
	return &ev
})

// DefaultEvaluation returns the evaluation shipped with the default
// model, nil if there is none.
func DefaultEvaluation() *Evaluation { return loadDefaultEval() }

// DefaultSize is the size of the embedded model file in bytes.
func DefaultSize() int { return len(defaultModel) }
