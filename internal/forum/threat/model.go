package threat

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
)

// FormatVersion is the version of the model file format; Load refuses
// other versions.
const FormatVersion = 1

const formatName = "spoor-forum-threat"

// Model classifies forum threads and posts on every target it was trained
// for, each with the model the cross-validation found better.
type Model struct {
	Info    ModelInfo
	targets map[Target]*targetModel
}

// ModelInfo says how a model was trained.
type ModelInfo struct {
	Options  Options           `json:"options"`
	Examples map[Target]int    `json:"examples"`
	Models   map[Target]string `json:"models"` // linear or fasttext
	// Names are the names of the technique classes, by ID.
	Names map[string]string `json:"names"`
	// Evaluation is the cross-validation that chose the models.
	Evaluation *Evaluation `json:"evaluation,omitempty"`
}

type targetModel struct {
	kind    string
	classes []string
	lin     *linear
	ft      *fastText
}

func (t *targetModel) scores(x []uint32) []float64 {
	if t.kind == ModelFastText {
		return t.ft.scores(x)
	}
	return t.lin.scores(x)
}

// Train evaluates (when ev is nil) and then trains, on every example, for
// each target the model with the better cross-validated macro-F1.
func Train(ds *Dataset, opt Options, ev *Evaluation) (*Model, error) {
	if ev == nil {
		var err error
		if ev, err = Evaluate(ds, opt); err != nil {
			return nil, err
		}
	}
	m := &Model{Info: ModelInfo{Options: opt, Examples: map[Target]int{}, Models: map[Target]string{}, Names: map[string]string{}, Evaluation: ev}, targets: map[Target]*targetModel{}}
	for _, t := range Targets {
		xs, _ := usable(ds.For(t), opt.MinClass)
		classes, idx := classIndex(xs)
		if len(classes) < 2 {
			continue
		}
		feats := make([][]uint32, len(xs))
		ys := make([]int, len(xs))
		for i, x := range xs {
			feats[i], ys[i] = Features(x.Text), idx[x.Label]
		}
		tm := &targetModel{kind: ev.Best(t), classes: classes}
		temp := ev.Temperature(t, tm.kind)
		if tm.kind == ModelFastText {
			tm.ft = trainFastText(feats, ys, len(classes), opt.FastText)
			tm.ft.temp = temp
		} else {
			tm.lin = trainLinear(feats, ys, len(classes), opt.Linear)
			tm.lin.temp = temp
		}
		m.targets[t] = tm
		if t == TargetTechnique {
			for _, c := range classes {
				if n := ds.TechniqueNames[c]; n != "" {
					m.Info.Names[c] = n
				}
			}
		}
		m.Info.Examples[t] = len(xs)
		m.Info.Models[t] = tm.kind
	}
	if len(m.targets) == 0 {
		return nil, errors.New("threat: train: no target has two classes with enough examples")
	}
	return m, nil
}

// Label is one class with its score.
type Label struct {
	Label string  `json:"label"`
	Name  string  `json:"name,omitempty"` // a technique's or tactic's ATT&CK name
	Score float64 `json:"score"`
}

// Labels are the classes of a text, best first, per target.
type Labels map[Target][]Label

// Top returns the best label of target ("" when the model has none).
func (l Labels) Top(t Target) (Label, bool) {
	if len(l[t]) == 0 {
		return Label{}, false
	}
	return l[t][0], true
}

// Classify returns, per target, the labels of text scoring at least
// minScore (at most k; the best one always), best first.
func (m *Model) Classify(text string, k int, minScore float64) Labels {
	x := Features(text)
	out := Labels{}
	for _, t := range Targets {
		tm := m.targets[t]
		if tm == nil {
			continue
		}
		s := tm.scores(x)
		order := make([]int, len(s))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(i, j int) bool { return s[order[i]] > s[order[j]] })
		for n, c := range order {
			if n >= max(k, 1) || n > 0 && s[c] < minScore {
				break
			}
			l := Label{Label: tm.classes[c], Score: math.Round(s[c]*1000) / 1000}
			switch t {
			case TargetTechnique:
				l.Name = m.Info.Names[l.Label]
			case TargetTactic:
				if ta, ok := ResolveTactic(l.Label); ok {
					l.Name = ta.Name
				}
			}
			out[t] = append(out[t], l)
		}
	}
	return out
}

// Classes returns the classes of target, sorted.
func (m *Model) Classes(t Target) []string {
	if tm := m.targets[t]; tm != nil {
		return append([]string(nil), tm.classes...)
	}
	return nil
}

// Saved form: weights quantised to 16 bits with one scale per target.
type header struct {
	Format  string
	Version int
}

type savedTarget struct {
	Target   Target
	Kind     string
	Classes  []string
	Scale    float32
	Features []uint32 // sorted
	Weights  []int16  // per feature, classes (linear) or dim (fasttext) values
	Bias     []float32
	Dim      int
	Out      []float32
	Temp     float64
}

// savedModel keeps Info as JSON, whose maps are written in key order, so
// that one training gives one file byte for byte (gob writes maps in
// iteration order).
type savedModel struct {
	Info    []byte
	Targets []savedTarget
}

func quantScale(rows map[uint32][]float32) float32 {
	mx := 0.0
	for _, r := range rows {
		for _, v := range r {
			mx = math.Max(mx, math.Abs(float64(v)))
		}
	}
	if mx == 0 {
		return 1
	}
	return float32(mx / 32767)
}

// Save writes the model: a gob stream in gzip with a format header.
// Loading it gives the same predictions up to the 16-bit weights, which
// Save applies to the model itself, so the saved and the kept model agree.
func (m *Model) Save(w io.Writer) error {
	info, err := json.Marshal(m.Info)
	if err != nil {
		return fmt.Errorf("threat: save model: %w", err)
	}
	sm := savedModel{Info: info}
	for _, t := range Targets {
		tm := m.targets[t]
		if tm == nil {
			continue
		}
		var rows map[uint32][]float32
		st := savedTarget{Target: t, Kind: tm.kind, Classes: tm.classes}
		if tm.kind == ModelFastText {
			rows, st.Bias, st.Dim, st.Out, st.Temp = tm.ft.emb, tm.ft.bias, tm.ft.dim, tm.ft.out, tm.ft.temp
		} else {
			rows, st.Bias, st.Temp = tm.lin.w, tm.lin.bias, tm.lin.temp
		}
		st.Scale = quantScale(rows)
		for f := range rows {
			st.Features = append(st.Features, f)
		}
		sort.Slice(st.Features, func(i, j int) bool { return st.Features[i] < st.Features[j] })
		for _, f := range st.Features {
			r := rows[f]
			for j, v := range r {
				q := int16(math.Round(float64(v / st.Scale)))
				st.Weights = append(st.Weights, q)
				r[j] = float32(q) * st.Scale
			}
		}
		sm.Targets = append(sm.Targets, st)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	enc := gob.NewEncoder(zw)
	if err := enc.Encode(header{formatName, FormatVersion}); err != nil {
		return fmt.Errorf("threat: save model: %w", err)
	}
	if err := enc.Encode(sm); err != nil {
		return fmt.Errorf("threat: save model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("threat: save model: %w", err)
	}
	return nil
}

// ErrTruncated says a model file ended early or is damaged.
var ErrTruncated = errors.New("model file is truncated or damaged")

// Load reads a model Save wrote.
func Load(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("threat: load model: %w", ErrTruncated)
		}
		return nil, fmt.Errorf("threat: load model: not a %s file (%w)", formatName, err)
	}
	dec := gob.NewDecoder(zr)
	var h header
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("threat: load model: %w (%v)", ErrTruncated, err)
	}
	if h.Format != formatName {
		return nil, fmt.Errorf("threat: load model: format %q, want %q", h.Format, formatName)
	}
	if h.Version != FormatVersion {
		return nil, fmt.Errorf("threat: load model: version %d, this spoor reads version %d", h.Version, FormatVersion)
	}
	var sm savedModel
	if err := dec.Decode(&sm); err != nil {
		return nil, fmt.Errorf("threat: load model: %w (%v)", ErrTruncated, err)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, fmt.Errorf("threat: load model: %w (%v)", ErrTruncated, err)
	}
	m := &Model{targets: map[Target]*targetModel{}}
	if err := json.Unmarshal(sm.Info, &m.Info); err != nil {
		return nil, fmt.Errorf("threat: load model: %w (%v)", ErrTruncated, err)
	}
	for _, st := range sm.Targets {
		n := len(st.Classes)
		width := n
		if st.Kind == ModelFastText {
			width = st.Dim
		}
		if n < 2 || width < 1 || len(st.Weights) != len(st.Features)*width || len(st.Bias) != n ||
			st.Kind == ModelFastText && len(st.Out) != n*st.Dim || st.Kind != ModelFastText && st.Kind != ModelLinear {
			return nil, fmt.Errorf("threat: load model: target %s: %w (sizes disagree)", st.Target, ErrTruncated)
		}
		rows := make(map[uint32][]float32, len(st.Features))
		for i, f := range st.Features {
			r := make([]float32, width)
			for j := range r {
				r[j] = float32(st.Weights[i*width+j]) * st.Scale
			}
			rows[f] = r
		}
		tm := &targetModel{kind: st.Kind, classes: st.Classes}
		if st.Kind == ModelFastText {
			tm.ft = &fastText{dim: st.Dim, classes: n, emb: rows, out: st.Out, bias: st.Bias, temp: st.Temp}
		} else {
			tm.lin = &linear{classes: n, w: rows, bias: st.Bias, temp: st.Temp}
		}
		m.targets[st.Target] = tm
	}
	return m, nil
}

//go:embed model/*.gz
var modelFS embed.FS

// DefaultFile is the embedded model's file name under model/.
const DefaultFile = "model/threat-v1.gz"

var defaultModel struct {
	sync.Mutex
	m *Model
}

// Default returns the embedded model, read once.
func Default() (*Model, error) {
	defaultModel.Lock()
	defer defaultModel.Unlock()
	if defaultModel.m != nil {
		return defaultModel.m, nil
	}
	b, err := modelFS.ReadFile(DefaultFile)
	if err != nil {
		return nil, errors.New("threat: no built-in model")
	}
	m, err := Load(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("built-in forum threat model: %w", err)
	}
	defaultModel.m = m
	return m, nil
}

//go:embed labels/kinds.tsv
var kindsTSV []byte

// HandKinds returns the hand-labelled kinds of activity shipped with spoor
// (labels/kinds.tsv): thread key → kind.
func HandKinds() map[string]string {
	k, err := ReadKinds(bytes.NewReader(kindsTSV), "labels/kinds.tsv")
	if err != nil {
		panic(err) // the file is part of the build; its test reads it
	}
	return k
}
