package gbdt

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Format and FormatVersion identify saved models. The version changes
// whenever the JSON layout changes meaning; Load refuses other versions
// rather than guess.
const (
	Format        = "spoor-gbdt"
	FormatVersion = 1
)

// maxLoadBytes bounds what Load reads, so a corrupt length cannot make it
// allocate without limit.
const maxLoadBytes = 1 << 30

// maxFeatures bounds num_feature in a loaded model, so that a corrupt header
// cannot make Contributions allocate gigabytes.
const maxFeatures = 1 << 24

type jsonModel struct {
	Format        string     `json:"format"`
	Version       int        `json:"version"`
	Objective     string     `json:"objective"`
	NumClass      int        `json:"num_class"`
	NumFeature    int        `json:"num_feature"`
	BestIteration int        `json:"best_iteration"`
	InitScore     []float64  `json:"init_score"`
	Trees         []jsonTree `json:"trees"`
}

// jsonTree stores a tree column-wise: entry i of the node arrays is internal
// node i; a child index >= 0 is a node, a negative one c is leaf ^c (-1-c).
type jsonTree struct {
	SplitFeature []int32   `json:"split_feature"`
	Threshold    []float64 `json:"threshold"`
	DefaultLeft  []bool    `json:"default_left"`
	Left         []int32   `json:"left"`
	Right        []int32   `json:"right"`
	SplitGain    []float64 `json:"split_gain"`
	NodeCover    []float64 `json:"node_cover"`
	LeafValue    []float64 `json:"leaf_value"`
	LeafCover    []float64 `json:"leaf_cover"`
}

// Save writes the model as versioned JSON.
func (m *Model) Save(w io.Writer) error {
	jm := jsonModel{
		Format: Format, Version: FormatVersion, Objective: m.objective, NumClass: m.numClass,
		NumFeature: m.numFeat, BestIteration: m.bestIteration, InitScore: m.initScore,
		Trees: make([]jsonTree, len(m.trees)),
	}
	for i := range m.trees {
		t := &m.trees[i]
		jt := jsonTree{
			SplitFeature: make([]int32, len(t.nodes)),
			Threshold:    make([]float64, len(t.nodes)),
			DefaultLeft:  make([]bool, len(t.nodes)),
			Left:         make([]int32, len(t.nodes)),
			Right:        make([]int32, len(t.nodes)),
			SplitGain:    t.gain,
			NodeCover:    t.cover,
			LeafValue:    t.leaves,
			LeafCover:    t.leafCover,
		}
		for j, n := range t.nodes {
			jt.SplitFeature[j], jt.Threshold[j], jt.DefaultLeft[j] = n.feature, n.threshold, n.defaultLeft
			jt.Left[j], jt.Right[j] = n.left, n.right
		}
		jm.Trees[i] = jt
	}
	bw := bufio.NewWriter(w)
	if err := json.NewEncoder(bw).Encode(&jm); err != nil {
		return fmt.Errorf("gbdt: save model: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("gbdt: save model: %w", err)
	}
	return nil
}

// Load reads a model written by Save. A model of another format version, or
// one that is truncated or inconsistent, gives an error naming the problem.
func Load(r io.Reader) (*Model, error) {
	var jm jsonModel
	dec := json.NewDecoder(io.LimitReader(r, maxLoadBytes))
	if err := dec.Decode(&jm); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("gbdt: load model: truncated JSON: %w", err)
		}
		return nil, fmt.Errorf("gbdt: load model: corrupt JSON: %w", err)
	}
	m, err := jm.toModel()
	if err != nil {
		return nil, fmt.Errorf("gbdt: load model: %w", err)
	}
	return m, nil
}

func (jm *jsonModel) toModel() (*Model, error) {
	if jm.Format != Format {
		return nil, fmt.Errorf("format is %q, not %q", jm.Format, Format)
	}
	if jm.Version != FormatVersion {
		return nil, fmt.Errorf("unsupported format version %d (this build reads version %d)", jm.Version, FormatVersion)
	}
	K := 1
	switch jm.Objective {
	case Binary:
		if jm.NumClass != 2 {
			return nil, fmt.Errorf("objective %q with num_class %d", jm.Objective, jm.NumClass)
		}
	case Regression:
		if jm.NumClass != 1 {
			return nil, fmt.Errorf("objective %q with num_class %d", jm.Objective, jm.NumClass)
		}
	case Multiclass:
		if jm.NumClass < 2 || jm.NumClass > 1<<20 {
			return nil, fmt.Errorf("objective %q with num_class %d", jm.Objective, jm.NumClass)
		}
		K = jm.NumClass
	default:
		return nil, fmt.Errorf("unknown objective %q", jm.Objective)
	}
	if jm.NumFeature < 1 || jm.NumFeature > maxFeatures {
		return nil, fmt.Errorf("num_feature %d out of range", jm.NumFeature)
	}
	if len(jm.InitScore) != K {
		return nil, fmt.Errorf("init_score has %d values, want %d", len(jm.InitScore), K)
	}
	for _, v := range jm.InitScore {
		if !finite(v) {
			return nil, fmt.Errorf("init_score is not finite")
		}
	}
	if len(jm.Trees)%K != 0 {
		return nil, fmt.Errorf("%d trees is not a whole number of rounds of %d", len(jm.Trees), K)
	}
	if jm.BestIteration < 0 || jm.BestIteration > len(jm.Trees)/K {
		return nil, fmt.Errorf("best_iteration %d out of range [0, %d]", jm.BestIteration, len(jm.Trees)/K)
	}
	m := &Model{objective: jm.Objective, numClass: jm.NumClass, numFeat: jm.NumFeature,
		initScore: jm.InitScore, bestIteration: jm.BestIteration, trees: make([]tree, len(jm.Trees))}
	for i := range jm.Trees {
		t, err := jm.Trees[i].toTree(jm.NumFeature)
		if err != nil {
			return nil, fmt.Errorf("tree %d: %w", i, err)
		}
		m.trees[i] = t
	}
	return m, nil
}

// toTree checks that the arrays describe one tree: every node and leaf is
// reached exactly once and children come after their parents, so walking it
// always ends at a leaf.
func (jt *jsonTree) toTree(numFeat int) (tree, error) {
	n := len(jt.SplitFeature)
	for _, a := range []struct {
		name string
		len  int
	}{{"threshold", len(jt.Threshold)}, {"default_left", len(jt.DefaultLeft)}, {"left", len(jt.Left)},
		{"right", len(jt.Right)}, {"split_gain", len(jt.SplitGain)}, {"node_cover", len(jt.NodeCover)}} {
		if a.len != n {
			return tree{}, fmt.Errorf("%s has %d entries, split_feature %d", a.name, a.len, n)
		}
	}
	if len(jt.LeafValue) != n+1 || len(jt.LeafCover) != n+1 {
		return tree{}, fmt.Errorf("%d nodes need %d leaves, got %d values and %d covers", n, n+1, len(jt.LeafValue), len(jt.LeafCover))
	}
	t := tree{nodes: make([]node, n), gain: jt.SplitGain, cover: jt.NodeCover, leaves: jt.LeafValue, leafCover: jt.LeafCover}
	nodeSeen := make([]bool, n)
	leafSeen := make([]bool, n+1)
	for i := range n {
		f := jt.SplitFeature[i]
		if f < 0 || int(f) >= numFeat {
			return tree{}, fmt.Errorf("node %d: feature %d not in [0, %d)", i, f, numFeat)
		}
		if !finite(jt.Threshold[i]) || !finite(jt.SplitGain[i]) || !finite(jt.NodeCover[i]) {
			return tree{}, fmt.Errorf("node %d: value not finite", i)
		}
		for _, c := range [2]int32{jt.Left[i], jt.Right[i]} {
			switch {
			case c >= 0 && (int(c) <= i || int(c) >= n):
				return tree{}, fmt.Errorf("node %d: child node %d not in (%d, %d)", i, c, i, n)
			case c >= 0 && nodeSeen[c]:
				return tree{}, fmt.Errorf("node %d: child node %d has two parents", i, c)
			case c >= 0:
				nodeSeen[c] = true
			case int(^c) > n:
				return tree{}, fmt.Errorf("node %d: leaf %d not in [0, %d]", i, ^c, n)
			case leafSeen[^c]:
				return tree{}, fmt.Errorf("node %d: leaf %d has two parents", i, ^c)
			default:
				leafSeen[^c] = true
			}
		}
		t.nodes[i] = node{threshold: jt.Threshold[i], feature: f, left: jt.Left[i], right: jt.Right[i], defaultLeft: jt.DefaultLeft[i]}
	}
	for i := 1; i < n; i++ {
		if !nodeSeen[i] {
			return tree{}, fmt.Errorf("node %d is not reached", i)
		}
	}
	for i := range n + 1 {
		if !finite(jt.LeafValue[i]) || !finite(jt.LeafCover[i]) {
			return tree{}, fmt.Errorf("leaf %d: value not finite", i)
		}
	}
	t.computeDepth()
	return t, nil
}
