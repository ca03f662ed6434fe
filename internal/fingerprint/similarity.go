package fingerprint

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"
)

// Dimension names one part of the similarity.
type Dimension string

// The dimensions, in the order results list them.
const (
	DimTechniques Dimension = "techniques"
	DimSoftware   Dimension = "software"
	DimIndicators Dimension = "indicators"
	DimTerms      Dimension = "terms"
	DimTime       Dimension = "time"
	DimSpace      Dimension = "space"
)

// Dimensions lists every dimension.
var Dimensions = []Dimension{DimTechniques, DimSoftware, DimIndicators, DimTerms, DimTime, DimSpace}

// Weights weigh the dimensions in the combined score. They are relative:
// only the dimensions both groups have data for count, and their weights
// are scaled to sum to one.
type Weights map[Dimension]float64

// DefaultWeights favour the evidence analysts trust most for linking
// groups: shared indicators and software (tooling is rarely shared by
// chance), then techniques, then the softer signals.
func DefaultWeights() Weights {
	return Weights{DimIndicators: 3, DimSoftware: 2.5, DimTechniques: 2, DimTerms: 1, DimSpace: 1, DimTime: 1}
}

// MinHours is how many timestamps with a time of day a group needs before
// its hour-of-week profile is compared: fewer say more about chance than
// about a working week.
const MinHours = 10

// RelatedMin is the lowest combined score a group's list of related groups
// shows by default (its page, `spoor related`): the evidence prior pulls a
// pair compared on few dimensions toward zero, so scores above 0.3 are
// rare even for groups known to be related.
const RelatedMin = 0.1

// Index holds every group's profile in the compact form the measures
// need: features interned to integers, set dimensions as sorted ID lists
// with inverse-document-frequency weights, terms as sparse TF-IDF vectors,
// time and countries as normalised distributions. Build it once over all
// groups (document frequencies are global), then compare any pair.
type Index struct {
	profiles []*Profile
	byGroup  map[int64]int
	sets     [3]setDim // techniques, software, indicators
	terms    termDim
	hours    [][]float64 // nil when a group has fewer than MinHours
	hourEnt  []float64   // entropy of each hour distribution
	space    [][]sparse  // per group spaceParts shares: victim countries, infrastructure countries and networks
}

type setDim struct {
	names   []string  // feature ID → value
	idf     []float64 // feature ID → weight
	df      []int     // feature ID → groups with it
	members [][]int32 // group → sorted feature IDs
	total   []float64 // group → sum of its weights
}

type termDim struct {
	vec  [][]sparse
	norm []float64
}

// spaceParts is how many distributions the space dimension compares.
const spaceParts = 3

// sparse is one non-zero entry of a vector over interned features.
type sparse struct {
	id int32
	w  float64
}

// NewIndex builds the index over profiles. Profiles with the same group ID
// are not merged: callers pass one profile per group.
func NewIndex(profiles []*Profile) *Index {
	ix := &Index{profiles: profiles, byGroup: make(map[int64]int, len(profiles))}
	for i, p := range profiles {
		ix.byGroup[p.GroupID] = i
	}
	n := len(profiles)
	pick := []func(*Profile) map[string]int{
		func(p *Profile) map[string]int { return p.Techniques },
		func(p *Profile) map[string]int { return p.Software },
		func(p *Profile) map[string]int { return p.Indicators },
	}
	for d, get := range pick {
		ix.sets[d] = buildSet(profiles, get)
	}
	ix.terms = buildTerms(profiles)
	ix.hours = make([][]float64, n)
	ix.hourEnt = make([]float64, n)
	ix.space = make([][]sparse, n*spaceParts)
	countries := map[string]int32{}
	victimIDF := countryIDF(profiles, func(p *Profile) map[string]int { return p.VictimCountries })
	infraIDF := countryIDF(profiles, func(p *Profile) map[string]int { return p.InfraCountries })
	asnIDF := countryIDF(profiles, func(p *Profile) map[string]int { return p.InfraASNs })
	for i, p := range profiles {
		if p.HoursUsed >= MinHours {
			h := make([]float64, HoursPerWeek)
			for k, c := range p.HourOfWeek {
				h[k] = float64(c) / float64(p.HoursUsed)
			}
			ix.hours[i], ix.hourEnt[i] = h, entropy(h)
		}
		ix.space[spaceParts*i] = shares(p.VictimCountries, victimIDF, countries)
		ix.space[spaceParts*i+1] = shares(p.InfraCountries, infraIDF, countries)
		ix.space[spaceParts*i+2] = shares(p.InfraASNs, asnIDF, countries) // "AS…" never meets a country code
	}
	return ix
}

func buildSet(profiles []*Profile, get func(*Profile) map[string]int) setDim {
	ids := map[string]int32{}
	var d setDim
	d.members = make([][]int32, len(profiles))
	d.total = make([]float64, len(profiles))
	for i, p := range profiles {
		m := get(p)
		list := make([]int32, 0, len(m))
		for v := range m {
			id, ok := ids[v]
			if !ok {
				id = int32(len(d.names))
				ids[v] = id
				d.names = append(d.names, v)
				d.df = append(d.df, 0)
			}
			d.df[id]++
			list = append(list, id)
		}
		slices.Sort(list)
		d.members[i] = list
	}
	d.idf = make([]float64, len(d.names))
	for id, df := range d.df {
		d.idf[id] = idf(len(profiles), df)
	}
	for i, list := range d.members {
		for _, id := range list {
			d.total[i] += d.idf[id]
		}
	}
	return d
}

// idf is the smoothed inverse document frequency: 1 for a feature every
// group has, growing with its rarity, never zero (a feature all groups
// share still counts, a little).
func idf(n, df int) float64 { return 1 + math.Log(float64(n+1)/float64(df+1)) }

func buildTerms(profiles []*Profile) termDim {
	ids := map[string]int32{}
	var df []int
	for _, p := range profiles {
		for w := range p.Terms {
			id, ok := ids[w]
			if !ok {
				id = int32(len(df))
				ids[w] = id
				df = append(df, 0)
			}
			df[id]++
		}
	}
	t := termDim{vec: make([][]sparse, len(profiles)), norm: make([]float64, len(profiles))}
	for i, p := range profiles {
		total := 0
		for _, c := range p.Terms {
			total += c
		}
		v := make([]sparse, 0, len(p.Terms))
		for w, c := range p.Terms {
			id := ids[w]
			x := float64(c) / float64(total) * idf(len(profiles), df[id])
			v = append(v, sparse{id, x})
			t.norm[i] += x * x
		}
		slices.SortFunc(v, func(a, b sparse) int { return cmp.Compare(a.id, b.id) })
		t.vec[i], t.norm[i] = v, math.Sqrt(t.norm[i])
	}
	return t
}

// countryIDF weighs each country by its rarity among the groups' country
// lists: nearly every group has struck the United States, so sharing it
// says less than sharing Mongolia.
func countryIDF(profiles []*Profile, get func(*Profile) map[string]int) map[string]float64 {
	df := map[string]int{}
	for _, p := range profiles {
		for c := range get(p) {
			df[c]++
		}
	}
	out := make(map[string]float64, len(df))
	for c, n := range df {
		out[c] = idf(len(profiles), n)
	}
	return out
}

// shares is the distribution of m's counts, each weighted by weight, as a
// sparse vector over interned IDs.
func shares(m map[string]int, weight map[string]float64, ids map[string]int32) []sparse {
	total := 0.0
	for k, c := range m {
		total += float64(c) * weight[k]
	}
	if total == 0 {
		return nil
	}
	v := make([]sparse, 0, len(m))
	for k, c := range m {
		id, ok := ids[k]
		if !ok {
			id = int32(len(ids))
			ids[k] = id
		}
		v = append(v, sparse{id, float64(c) * weight[k] / total})
	}
	slices.SortFunc(v, func(a, b sparse) int { return cmp.Compare(a.id, b.id) })
	return v
}

// Len is the number of profiles in the index.
func (ix *Index) Len() int { return len(ix.profiles) }

// Profile returns the i-th profile.
func (ix *Index) Profile(i int) *Profile { return ix.profiles[i] }

// Lookup returns the position of a group's profile.
func (ix *Index) Lookup(groupID int64) (int, bool) {
	i, ok := ix.byGroup[groupID]
	return i, ok
}

// Pair is the similarity of two groups: the combined score, its parts per
// dimension (only the dimensions both groups have data for), and the
// weights that made it.
type Pair struct {
	A, B       int64                 `json:"-"`
	Score      float64               `json:"score"`
	Dimensions map[Dimension]float64 `json:"dimensions"`
}

// Compare scores the profiles at positions i and j.
func (ix *Index) Compare(i, j int, w Weights) Pair {
	var parts [6]float64
	var have [6]bool
	ix.compare(i, j, &parts, &have)
	p := Pair{A: ix.profiles[i].GroupID, B: ix.profiles[j].GroupID, Dimensions: map[Dimension]float64{}}
	for k, d := range Dimensions {
		if have[k] {
			p.Dimensions[d] = parts[k]
		}
	}
	p.Score = combine(&parts, &have, w)
	return p
}

// compare fills the per-dimension similarities without allocating.
func (ix *Index) compare(i, j int, parts *[6]float64, have *[6]bool) {
	for d := range ix.sets {
		s := &ix.sets[d]
		if len(s.members[i]) == 0 || len(s.members[j]) == 0 {
			have[d] = false
			continue
		}
		inter := 0.0
		a, b := s.members[i], s.members[j]
		for x, y := 0, 0; x < len(a) && y < len(b); {
			switch {
			case a[x] < b[y]:
				x++
			case a[x] > b[y]:
				y++
			default:
				inter += s.idf[a[x]]
				x++
				y++
			}
		}
		parts[d], have[d] = inter/(s.total[i]+s.total[j]-inter), true
	}
	// Terms: cosine of TF-IDF vectors.
	if ix.terms.norm[i] > 0 && ix.terms.norm[j] > 0 {
		parts[3], have[3] = dot(ix.terms.vec[i], ix.terms.vec[j])/(ix.terms.norm[i]*ix.terms.norm[j]), true
	} else {
		have[3] = false
	}
	// Time: 1 - JSD of hour-of-week shares.
	if ix.hours[i] != nil && ix.hours[j] != nil {
		parts[4], have[4] = 1-jsd(ix.hours[i], ix.hours[j], ix.hourEnt[i], ix.hourEnt[j]), true
	} else {
		have[4] = false
	}
	// Space: victim countries, infrastructure countries and networks,
	// each 1 - JSD, averaged over the kinds both groups have.
	sum, n := 0.0, 0
	for k := 0; k < spaceParts; k++ {
		a, b := ix.space[spaceParts*i+k], ix.space[spaceParts*j+k]
		if len(a) > 0 && len(b) > 0 {
			sum += 1 - sparseJSD(a, b)
			n++
		}
	}
	if n > 0 {
		parts[5], have[5] = sum/float64(n), true
	} else {
		have[5] = false
	}
}

// EvidencePrior is the weight of a zero score added to every combination:
// a pair compared on one or two weak dimensions (both groups target
// Ukraine) is pulled toward zero, a pair compared on many keeps nearly its
// mean. It equals two dimensions of default weight 1.
const EvidencePrior = 2.0

func combine(parts *[6]float64, have *[6]bool, w Weights) float64 {
	num, den := 0.0, EvidencePrior
	for k, d := range Dimensions {
		if have[k] && w[d] > 0 {
			num += w[d] * parts[k]
			den += w[d]
		}
	}
	return num / den
}

func dot(a, b []sparse) float64 {
	s := 0.0
	for x, y := 0, 0; x < len(a) && y < len(b); {
		switch {
		case a[x].id < b[y].id:
			x++
		case a[x].id > b[y].id:
			y++
		default:
			s += a[x].w * b[y].w
			x++
			y++
		}
	}
	return s
}

func entropy(p []float64) float64 {
	h := 0.0
	for _, x := range p {
		if x > 0 {
			h -= x * math.Log2(x)
		}
	}
	return h
}

// jsd is the Jensen–Shannon divergence in bits (0 for equal
// distributions, 1 for disjoint ones), from the entropies of p and q.
func jsd(p, q []float64, hp, hq float64) float64 {
	hm := 0.0
	for k := range p {
		if m := (p[k] + q[k]) / 2; m > 0 {
			hm -= m * math.Log2(m)
		}
	}
	return clamp01(hm - (hp+hq)/2)
}

// JSD is the Jensen–Shannon divergence in bits of two distributions over
// the same bins; they need not be normalised.
func JSD(p, q []float64) float64 {
	pn, qn := normalise(p), normalise(q)
	if pn == nil || qn == nil {
		return 1
	}
	return jsd(pn, qn, entropy(pn), entropy(qn))
}

func normalise(p []float64) []float64 {
	s := 0.0
	for _, x := range p {
		s += x
	}
	if s <= 0 {
		return nil
	}
	out := make([]float64, len(p))
	for k, x := range p {
		out[k] = x / s
	}
	return out
}

func sparseJSD(a, b []sparse) float64 {
	// H(M) - (H(A)+H(B))/2 over the union of their supports.
	h := func(x float64) float64 {
		if x <= 0 {
			return 0
		}
		return -x * math.Log2(x)
	}
	ha, hb, hm := 0.0, 0.0, 0.0
	x, y := 0, 0
	for x < len(a) || y < len(b) {
		switch {
		case y == len(b) || x < len(a) && a[x].id < b[y].id:
			ha += h(a[x].w)
			hm += h(a[x].w / 2)
			x++
		case x == len(a) || b[y].id < a[x].id:
			hb += h(b[y].w)
			hm += h(b[y].w / 2)
			y++
		default:
			ha += h(a[x].w)
			hb += h(b[y].w)
			hm += h((a[x].w + b[y].w) / 2)
			x++
			y++
		}
	}
	return clamp01(hm - (ha+hb)/2)
}

func clamp01(x float64) float64 { return max(0, min(1, x)) }

// Related returns the groups whose combined score with the group at i is
// at least min, best first, at most limit (all when limit <= 0).
func (ix *Index) Related(i int, min float64, limit int, w Weights) []Pair {
	var out []Pair
	for j := range ix.profiles {
		if j == i {
			continue
		}
		var parts [6]float64
		var have [6]bool
		ix.compare(i, j, &parts, &have)
		if combine(&parts, &have, w) >= min {
			out = append(out, ix.Compare(i, j, w))
		}
	}
	sortPairs(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Graph returns every pair of groups whose combined score is at least min,
// best first. The pairs are scored on every core.
func (ix *Index) Graph(min float64, w Weights) []Pair {
	n := len(ix.profiles)
	workers := max(1, runtime.GOMAXPROCS(0))
	results := make([][]Pair, workers)
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			var parts [6]float64
			var have [6]bool
			// Rows are dealt round-robin: row i has n-i-1 pairs, so
			// interleaving evens out the work.
			for i := k; i < n; i += workers {
				for j := i + 1; j < n; j++ {
					ix.compare(i, j, &parts, &have)
					if combine(&parts, &have, w) >= min {
						results[k] = append(results[k], ix.Compare(i, j, w))
					}
				}
			}
		}(k)
	}
	wg.Wait()
	var out []Pair
	for _, r := range results {
		out = append(out, r...)
	}
	sortPairs(out)
	return out
}

// sortPairs orders best first, then by group IDs, so results are stable.
func sortPairs(ps []Pair) {
	slices.SortFunc(ps, func(a, b Pair) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.A, b.A); c != 0 {
			return c
		}
		return cmp.Compare(a.B, b.B)
	})
}
