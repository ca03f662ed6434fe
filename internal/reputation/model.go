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
	return s.ScoreBatch([]string{domain}, []*Signals{sig})[0]
}

// ScoreBatch rates names in order, sigs[i] going with domains[i] (sigs
// may be nil or shorter). Scoring a batch passes each tree once for all
// its names, which is about twice as fast as one name at a time.
func (s *Scorer) ScoreBatch(domains []string, sigs []*Signals) []Result {
	out := make([]Result, len(domains))
	m := s.Model
	lx := &defaultLexicon
	if m != nil {
		lx = &m.lx
	}
	type pending struct {
		i          int
		x          []float64
		ruleOdds   float64
		suspicious bool
	}
	var todo []pending
	flat := make([]float64, 0, len(domains)*numFeatures)
	for i, domain := range domains {
		n, err := ParseName(domain)
		if err != nil {
			var ie *InvalidError
			reason := err.Error()
			if errors.As(err, &ie) {
				reason = ie.Reason
			}
			out[i] = Result{Domain: domain, Reputation: Invalid, Tags: []string{}, Reasons: []string{reason}}
			continue
		}
		r := &out[i]
		*r = Result{Domain: n.Domain, Tags: []string{}, Reasons: []string{}}
		if e, ok := s.Whitelist.Match(n.Domain); ok {
			r.Reputation, r.Category = Benign, "benign"
			r.Reasons = append(r.Reasons, "whitelisted ("+e+")")
			continue
		}
		if m != nil && !s.NoPopular {
			if rank, ok := m.popularRank(n.Domain); ok {
				r.Reputation, r.Category = Benign, "benign"
				r.Reasons = append(r.Reasons, fmt.Sprintf("on the popularity list (rank %d)", rank))
				continue
			}
		}
		flat = flat[:len(flat)+numFeatures]
		x := flat[len(flat)-numFeatures:]
		fc := lx.features(&n, x)
		var sig *Signals
		if i < len(sigs) {
			sig = sigs[i]
		}
		p := pending{i: i, x: x}
		for _, f := range rules(&n, x, fc, sig) {
			p.ruleOdds += f.logOdds
			p.suspicious = p.suspicious || f.suspicious
			r.Reasons = append(r.Reasons, fmt.Sprintf("rule %s (%+.1f): %s", f.rule, f.logOdds, f.why))
			for _, t := range f.tags {
				r.Tags = appendUnique(r.Tags, t)
			}
		}
		todo = append(todo, p)
	}
	if len(todo) == 0 {
		return out
	}
	if m == nil {
		for _, p := range todo {
			// Rules alone cannot call a name benign: silence is not evidence.
			r := &out[p.i]
			r.Reputation, r.Score = Unknown, sigmoid(p.ruleOdds-rulesOnlyThreshold)
			if p.suspicious {
				r.Reputation = Suspicious
			}
			if p.ruleOdds >= rulesOnlyThreshold {
				r.Reputation = Malicious
			}
		}
		return out
	}
	rows := make([][]float64, len(todo))
	for k, p := range todo {
		rows[k] = p.x
	}
	ds, _ := gbdt.NewDataset(rows, nil) // rows are never empty and all of one width
	raw := m.binary.PredictRawBatch(ds, 1)
	var flagged []int // indices into todo
	for k, p := range todo {
		r := &out[p.i]
		z := raw[k][0]
		total := z + p.ruleOdds
		r.Score = sigmoid(total - m.threshold)
		r.Reasons = append(r.Reasons, fmt.Sprintf("model log-odds %+.2f, rules %+.1f, threshold %+.2f", z, p.ruleOdds, m.threshold))
		r.Reasons = append(r.Reasons, m.lx.describe(p.x)...)
		if s.Explain {
			r.Reasons = append(r.Reasons, m.explain(p.x)...)
		}
		switch {
		case total >= m.threshold:
			r.Reputation = Malicious
		case p.suspicious:
			r.Reputation = Suspicious
		default:
			r.Reputation, r.Category = Benign, "benign"
			continue
		}
		flagged = append(flagged, k)
	}
	if len(flagged) == 0 {
		return out
	}
	crows := make([][]float64, len(flagged))
	for j, k := range flagged {
		crows[j] = todo[k].x
	}
	cds, _ := gbdt.NewDataset(crows, nil)
	probs := m.category.PredictBatch(cds, 1)
	for j, k := range flagged {
		r := &out[todo[k].i]
		c := argmax(probs[j])
		r.Category = Categories[c]
		r.Tags = appendUnique(r.Tags, categoryTag[r.Category])
		r.Reasons = append(r.Reasons, fmt.Sprintf("category %s (p %.2f)", r.Category, probs[j][c]))
	}
	return out
}

// rulesOnlyThreshold is the rules' log-odds that make a name malicious
// when there is no model: a feed and one more strong rule, for example.
const rulesOnlyThreshold = 3

// describe says in words what the two strongest lexical features read:
// whose language the label speaks, and how the suffix is distributed.
func (lx *lexicon) describe(x []float64) []string {
	out := make([]string, 0, 2)
	who := "popular names'"
	if x[fLMRatio] > 0 {
		who = "block-list names'"
	}
	out = append(out, fmt.Sprintf("feature lm_ratio = %+.2f: the label reads more like %s", x[fLMRatio], who))
	if v := x[fSuffixRatio]; !math.IsNaN(v) {
		out = append(out, fmt.Sprintf("feature suffix_ratio = %+.2f: the suffix is %.2g× as frequent among malicious names as among benign ones", v, math.Exp(v)))
	}
	return out
}

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

// PopularDomains lists the model's popularity list in rank order,
// leaving out the providers that hand out names under theirs (dynamic
// DNS, free hosting): a list matched with subdomains, as warninglists are,
// must not vouch for x.duckdns.org because duckdns.org is popular.
func (m *Model) PopularDomains() []string {
	out := make([]string, 0, len(m.popular))
	for d := range m.popular {
		if dynamicDNS[d] || freeHosting[d] {
			continue
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := m.popular[out[i]], m.popular[out[j]]
		return a < b || a == b && out[i] < out[j]
	})
	return out
}

// Domains lists the whitelist's entries, sorted.
func (w *Whitelist) Domains() []string {
	if w == nil {
		return nil
	}
	out := make([]string, 0, len(w.entries))
	for d := range w.entries {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
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
