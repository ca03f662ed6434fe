package attribute

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/spoor/spoor/internal/gbdt"
)

// savedModel is the file form of a trained GBDT: the encoder (vocabulary,
// classes, each class's known indicators) and the trees.
type savedModel struct {
	Version     int              `json:"version"`
	Names       []string         `json:"names"`
	Classes     []int64          `json:"classes"`
	OverlapBase int              `json:"overlap_base"`
	Indicators  []map[string]int `json:"indicators"`
	HoursBase   int              `json:"hours_base"`
	Tactics     Tactics          `json:"tactics,omitempty"`
	// Hours are the classes' hour-of-week histograms (null for a class
	// with no activity time).
	Hours [][]float64     `json:"hours"`
	Trees json.RawMessage `json:"trees"`
	// Pool is absent in models trained before the pooling was fitted;
	// they answer with the trees alone.
	Pool *savedPool `json:"pool,omitempty"`
}

// savedPool is a Pooling: its weight and temperature, and the nearest
// fingerprint as each class's feature indices with the feature weights.
type savedPool struct {
	W       float64   `json:"w"`
	T       float64   `json:"t"`
	Weights []float64 `json:"weights"`
	Groups  [][]int32 `json:"groups"`
}

// Save writes the model and its encoder as JSON.
func (m *GBDT) Save(w io.Writer) error {
	var trees bytes.Buffer
	if err := m.Model.Save(&trees); err != nil {
		return fmt.Errorf("attribute: save: %w", err)
	}
	e := m.Enc
	saved := savedModel{Version: e.Version, Names: e.Names, Classes: e.Classes,
		OverlapBase: e.OverlapBase, Indicators: e.iocs, HoursBase: e.HoursBase, Hours: e.hours, Tactics: e.Tactics, Trees: trees.Bytes()}
	if p := m.Pool; p != nil {
		sp := &savedPool{W: p.W, T: p.T, Weights: p.Nearest.idf, Groups: make([][]int32, len(p.Nearest.groups))}
		for c, has := range p.Nearest.groups {
			sp.Groups[c] = []int32{}
			for f, ok := range has {
				if ok {
					sp.Groups[c] = append(sp.Groups[c], int32(f))
				}
			}
		}
		saved.Pool = sp
	}
	return json.NewEncoder(w).Encode(saved)
}

// Load reads a model written by Save. A model of another encoding version,
// or one whose parts do not fit together, is an error saying so.
func Load(r io.Reader) (*GBDT, error) {
	var s savedModel
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("attribute: load: %w", err)
	}
	if s.Version != EncodingVersion {
		return nil, fmt.Errorf("attribute: load: the model reads encoding %d, this spoor writes %d: train it again", s.Version, EncodingVersion)
	}
	k := len(s.Classes)
	if s.OverlapBase < 0 || s.HoursBase != s.OverlapBase+k || s.HoursBase+k != len(s.Names) || len(s.Indicators) != k || len(s.Hours) != k {
		return nil, fmt.Errorf("attribute: load: %d features, %d classes, %d indicator sets and %d hour histograms do not fit together",
			len(s.Names), k, len(s.Indicators), len(s.Hours))
	}
	for c, h := range s.Hours {
		if h != nil && len(h) != hoursOfWeek {
			return nil, fmt.Errorf("attribute: load: class %d's activity histogram has %d hours, not %d", c, len(h), hoursOfWeek)
		}
	}
	trees, err := gbdt.Load(bytes.NewReader(s.Trees))
	if err != nil {
		return nil, fmt.Errorf("attribute: load: %w", err)
	}
	if trees.NumClass() != len(s.Classes) || trees.NumFeatures() != len(s.Names) {
		return nil, fmt.Errorf("attribute: load: the trees have %d classes and %d features, the encoder %d and %d",
			trees.NumClass(), trees.NumFeatures(), len(s.Classes), len(s.Names))
	}
	enc := &Encoder{Version: s.Version, Names: s.Names, Classes: s.Classes, OverlapBase: s.OverlapBase,
		HoursBase: s.HoursBase, Tactics: s.Tactics, index: map[string]int32{}, class: map[int64]int{}, iocs: s.Indicators, hours: s.Hours}
	for i, n := range s.Names[:s.OverlapBase] {
		enc.index[n] = int32(i)
	}
	for c, g := range s.Classes {
		enc.class[g] = c
		if enc.iocs[c] == nil {
			enc.iocs[c] = map[string]int{}
		}
	}
	m := &GBDT{Enc: enc, Model: trees}
	if sp := s.Pool; sp != nil {
		nf := len(s.Names)
		if len(sp.Weights) != nf || len(sp.Groups) != len(s.Classes) || sp.T <= 0 || sp.W < 0 || sp.W > 1 {
			return nil, fmt.Errorf("attribute: load: the pooling has %d weights and %d groups (w %g, t %g) for %d features and %d classes",
				len(sp.Weights), len(sp.Groups), sp.W, sp.T, nf, len(s.Classes))
		}
		near := &Nearest{name: "nearest fingerprint", idf: sp.Weights, groups: make([][]bool, len(sp.Groups)), total: make([]float64, len(sp.Groups))}
		for c, fs := range sp.Groups {
			near.groups[c] = make([]bool, nf)
			for _, f := range fs {
				if f < 0 || int(f) >= nf {
					return nil, fmt.Errorf("attribute: load: the pooling names feature %d of %d", f, nf)
				}
				near.groups[c][f] = true
				near.total[c] += sp.Weights[f]
			}
		}
		m.Pool = &Pooling{W: sp.W, T: sp.T, Nearest: near}
	}
	return m, nil
}

// Ranked is one group in an attribution, best first.
type Ranked struct {
	GroupID     int64          `json:"group_id"`
	Probability float64        `json:"probability"`
	Evidence    []Contribution `json:"evidence,omitempty"`
	// Fingerprint is how the event meets the group's fingerprint (absent
	// for a model without one).
	Fingerprint *FingerprintMatch `json:"fingerprint,omitempty"`
}

// Attribution is the answer for one event: the most likely groups with
// their probabilities and the features that moved each, and whether the
// model abstains (the best is below the threshold: "unknown group").
type Attribution struct {
	Groups    []Ranked `json:"groups"`
	Abstained bool     `json:"abstained"`
	Threshold float64  `json:"threshold"`
	// Features are the event's features the model knows; an event with
	// none gets the prior and should not be trusted.
	Features []string `json:"features"`
}

// Attribute ranks the groups for one encoded event: the top groups with
// their probabilities, each with up to evidence explaining features.
func (m *GBDT) Attribute(fs []Feature, top, evidence int, threshold float64) Attribution {
	probs := m.Probabilities(fs)
	order := make([]int, len(probs))
	for i := range order {
		order[i] = i
	}
	sortByProb(order, probs)
	a := Attribution{Threshold: threshold}
	for _, f := range fs {
		a.Features = append(a.Features, m.Enc.Names[f.Index])
	}
	for _, c := range order[:min(top, len(order))] {
		r := Ranked{GroupID: m.Enc.Classes[c], Probability: probs[c], Evidence: m.Explain(fs, c, evidence)}
		if m.Pool != nil {
			r.Fingerprint = m.Pool.Nearest.match(m.Enc, fs, c)
		}
		a.Groups = append(a.Groups, r)
	}
	a.Abstained = len(a.Groups) == 0 || a.Groups[0].Probability < threshold
	return a
}

func sortByProb(order []int, probs []float64) {
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(probs[b], probs[a]) })
}
