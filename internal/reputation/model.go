package reputation

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/spoor/spoor/internal/gbdt"
)

// Reputations, from worst to best; Invalid is for input that is no domain.
const (
	Malicious  = "malicious"
	Suspicious = "suspicious"
	Benign     = "benign"
	Unknown    = "unknown"
	Invalid    = "invalid"
)

// Categories are the threat categories the category model tells apart:
// the eight most frequent meaningful categories of the labelled data, and
// "other" for the rest (malware_other, scam_adware_misc, banking_trojan,
// loader, …). Catch-alls such as malware_other say nothing about the
// threat, so they are not classes of their own.
var Categories = []string{"ransomware", "apt", "mobile_malware", "exploit_kit_tds", "backdoor_rat", "botnet", "web_inject", "stealer", "other"}

// categoryTag is the threat tag each category earns.
var categoryTag = map[string]string{
	"ransomware": "ransomware", "apt": "apt", "mobile_malware": "mobile-malware", "exploit_kit_tds": "exploit-kit",
	"backdoor_rat": "rat", "botnet": "botnet", "web_inject": "web-inject", "stealer": "stealer", "other": "malware",
}

// CategoryIndex returns the class of a data category: its place in
// Categories, the index of "other" for the rest.
func CategoryIndex(category string) int {
	if i := slices.Index(Categories, category); i >= 0 {
		return i
	}
	return len(Categories) - 1
}

// numFeatures is len(FeatureNames), as a constant for stack arrays.
const numFeatures = 23

func init() {
	if len(FeatureNames) != numFeatures {
		panic(fmt.Sprintf("reputation: %d feature names for %d features", len(FeatureNames), numFeatures))
	}
}

// Model scores domains: the features' lexicon, a binary GBDT (malicious
// against benign), a multiclass GBDT for the category, the decision
// threshold and the popularity list. It is safe for concurrent use.
type Model struct {
	lx       lexicon
	binary   *gbdt.Model
	category *gbdt.Model
	// threshold is the log-odds (model plus rules) at or above which a
	// name is malicious, chosen on validation data for Info.TargetFPR.
	threshold float64
	popular   map[string]int // domain → popularity rank
	Info      Info
}

// Info describes a trained model: how it was trained and what the
// validation side measured. It is saved with the model.
type Info struct {
	Version     string  `json:"version"`
	TrainedAt   string  `json:"trained_at"` // UTC, RFC 3339; set by the caller
	Data        string  `json:"data"`       // where the labelled rows came from
	TargetFPR   float64 `json:"target_fpr"`
	Threshold   float64 `json:"threshold"` // log-odds
	Train       Mix     `json:"train"`
	Valid       Mix     `json:"valid"`
	BinaryTrees int     `json:"binary_trees"`
	// At the threshold, on the validation side (families unseen in training).
	ValidRecall float64 `json:"valid_recall"`
	ValidFPR    float64 `json:"valid_fpr"`
	// CategoryMacroF1 is the category model's macro-F1 on new names of the
	// training families (one in ten, held out).
	CategoryMacroF1 float64 `json:"category_macro_f1"`
	CategoryTrees   int     `json:"category_trees"`
	Popular         int     `json:"popular"` // names on the popularity list
	Brands          int     `json:"brands"`
}

// Mix is the class mix of a set of names.
type Mix struct {
	Benign    int `json:"benign"`
	Malicious int `json:"malicious"`
}

// Result is the verdict on one name. Score is in [0, 1]: 0.5 is the
// model's decision threshold, so a score at or above it is "malicious";
// the score is a ranking, not a calibrated probability.
type Result struct {
	Domain     string   `json:"domain"`
	Reputation string   `json:"reputation"`
	Score      float64  `json:"score"`
	Category   string   `json:"category"`
	Tags       []string `json:"tags"`
	Reasons    []string `json:"reasons"`
}

// Scorer applies a model (nil: the expert rules alone) with a whitelist.
type Scorer struct {
	Model     *Model
	Whitelist *Whitelist
	// NoPopular turns off the popularity rule (for the evaluation, which
	// reports it separately).
	NoPopular bool
	// Explain adds the model features that moved the score most to the
	// reasons (TreeSHAP; several times the cost of scoring).
	Explain bool
}

// Score rates one name with nothing known beyond its spelling.
func (s *Scorer) Score(domain string) Result { return s.ScoreWith(domain, nil) }

// ScoreWith rates one name with what the store knows about it (sig may be
// nil). The order: an invalid name is "invalid"; a whitelisted one is
// benign; a name on the popularity list is benign; otherwise the model's
// log-odds plus the expert rules' decide against the threshold, and a
// name below it that a suspicious rule fired on is "suspicious".
func (s *Scorer) ScoreWith(domain string, sig *Signals) Result {
	n, err := ParseName(domain)
	if err != nil {
		var ie *InvalidError
		reason := err.Error()
		if errors.As(err, &ie) {
			reason = ie.Reason
		}
		return Result{Domain: domain, Reputation: Invalid, Tags: []string{}, Reasons: []string{reason}}
	}
	r := Result{Domain: n.Domain, Tags: []string{}, Reasons: []string{}}
	if e, ok := s.Whitelist.Match(n.Domain); ok {
		r.Reputation, r.Category = Benign, "benign"
		r.Reasons = append(r.Reasons, "whitelisted ("+e+")")
		return r
	}
	m := s.Model
	if m != nil && !s.NoPopular {
		if rank, ok := m.popularRank(n.Domain); ok {
			r.Reputation, r.Category = Benign, "benign"
			r.Reasons = append(r.Reasons, fmt.Sprintf("on the popularity list (rank %d)", rank))
			return r
		}
	}
	var x [numFeatures]float64
	lx := &defaultLexicon
	if m != nil {
		lx = &m.lx
	}
	lx.features(&n, x[:])
	fired := rules(&n, x[:], lx.brands.find(&n), sig)
	var ruleOdds float64
	suspicious := false
	for _, f := range fired {
		ruleOdds += f.logOdds
		suspicious = suspicious || f.suspicious
		r.Reasons = append(r.Reasons, fmt.Sprintf("rule %s (%+.1f): %s", f.rule, f.logOdds, f.why))
		for _, t := range f.tags {
			r.Tags = appendUnique(r.Tags, t)
		}
	}
	if m == nil {
		// Rules alone cannot call a name benign: silence is not evidence.
		r.Reputation, r.Score = Unknown, sigmoid(ruleOdds-rulesOnlyThreshold)
		if suspicious {
			r.Reputation = Suspicious
		}
		if ruleOdds >= rulesOnlyThreshold {
			r.Reputation = Malicious
		}
		return r
	}
	z := m.binary.PredictRaw(x[:])[0]
	total := z + ruleOdds
	r.Score = sigmoid(total - m.threshold)
	r.Reasons = append(r.Reasons, fmt.Sprintf("model log-odds %+.2f, rules %+.1f, threshold %+.2f", z, ruleOdds, m.threshold))
	if s.Explain {
		r.Reasons = append(r.Reasons, m.explain(x[:])...)
	}
	switch {
	case total >= m.threshold:
		r.Reputation = Malicious
	case suspicious:
		r.Reputation = Suspicious
	default:
		r.Reputation, r.Category = Benign, "benign"
		return r
	}
	p := m.category.Predict(x[:])
	c := argmax(p)
	r.Category = Categories[c]
	r.Tags = appendUnique(r.Tags, categoryTag[r.Category])
	r.Reasons = append(r.Reasons, fmt.Sprintf("category %s (p %.2f)", r.Category, p[c]))
	return r
}

// rulesOnlyThreshold is the rules' log-odds that make a name malicious
// when there is no model: a feed and one more strong rule, for example.
const rulesOnlyThreshold = 3

// explain lists the three features that pushed the score up most.
func (m *Model) explain(x []float64) []string {
	c := m.binary.Contributions(x)[0]
	idx := make([]int, numFeatures)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return math.Abs(c[idx[a]]) > math.Abs(c[idx[b]]) })
	var out []string
	for _, i := range idx[:3] {
		if c[i] == 0 {
			break
		}
		v := x[i]
		out = append(out, fmt.Sprintf("feature %s = %s (%+.2f)", FeatureNames[i], fmtFeature(v), c[i]))
	}
	return out
}

func fmtFeature(v float64) string {
	switch {
	case math.IsNaN(v):
		return "none"
	case v == math.Trunc(v):
		return fmt.Sprintf("%d", int(v))
	}
	return fmt.Sprintf("%.2f", v)
}

// popularRank finds the name, or the name without "www.", on the list.
func (m *Model) popularRank(d string) (int, bool) {
	if r, ok := m.popular[d]; ok {
		return r, true
	}
	if len(d) > 4 && d[:4] == "www." {
		r, ok := m.popular[d[4:]]
		return r, ok
	}
	return 0, false
}

// defaultLexicon serves the rules-only scorer: no language models to speak
// of, no brands.
var defaultLexicon = lexicon{
	benign: newLMCounter().model(), malicious: newLMCounter().model(),
	suffixRatio: map[string]float64{}, brands: newBrandIndex(nil),
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}
