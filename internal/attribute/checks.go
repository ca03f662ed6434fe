package attribute

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// FingerprintMatch is how an event meets one group's fingerprint in the
// model (the features of the group's training events): the IDF-weighted
// Jaccard of the two feature sets, the same per feature family
// ("technique", "software", "victim", "infra", "indicators", "time", …),
// and the features they share, rarest first.
type FingerprintMatch struct {
	Score      float64            `json:"score"`
	Dimensions map[string]float64 `json:"dimensions"`
	Shared     []string           `json:"shared"`
}

// family is the feature family of a feature name.
func family(name string) string {
	switch {
	case strings.HasPrefix(name, "indicators known for "):
		return "indicators"
	case strings.HasPrefix(name, "active hours like "):
		return "time"
	}
	if k, _, ok := strings.Cut(name, ":"); ok {
		return k
	}
	return name
}

// match compares an encoded event with class c's fingerprint. A feature
// that compares the event with another group (that group's indicators or
// hours) is not part of c's fingerprint and is left out.
func (m *Nearest) match(enc *Encoder, fs []Feature, c int) *FingerprintMatch {
	type sums struct{ inter, event, group float64 }
	per := map[string]*sums{}
	at := func(f int) *sums {
		fam := family(enc.Names[f])
		if per[fam] == nil {
			per[fam] = &sums{}
		}
		return per[fam]
	}
	own := enc.Classes[c]
	mine := func(f int) bool { g := enc.groupOf(f); return g == 0 || g == own }
	for f, has := range m.groups[c] {
		if has && mine(f) {
			at(f).group += m.idf[f]
		}
	}
	out := &FingerprintMatch{Dimensions: map[string]float64{}, Shared: []string{}}
	var shared []int
	for _, ft := range fs {
		f := int(ft.Index)
		if !mine(f) {
			continue
		}
		s := at(f)
		s.event += m.idf[f]
		if m.groups[c][f] {
			s.inter += m.idf[f]
			shared = append(shared, f)
		}
	}
	// Summed in a fixed order: over the map's own order the score's last
	// bit changed from one call to the next.
	var all sums
	for _, fam := range slices.Sorted(maps.Keys(per)) {
		s := per[fam]
		all.inter, all.event, all.group = all.inter+s.inter, all.event+s.event, all.group+s.group
		if s.event > 0 && s.group > 0 {
			out.Dimensions[fam] = s.inter / (s.event + s.group - s.inter)
		}
	}
	if u := all.event + all.group - all.inter; u > 0 {
		out.Score = all.inter / u
	}
	slices.SortStableFunc(shared, func(a, b int) int { return cmp.Compare(m.idf[b], m.idf[a]) })
	for _, f := range shared {
		out.Shared = append(out.Shared, enc.Names[f])
	}
	return out
}

// SimilarEvent is a past event of a group, ranked by how much of the
// event it shares: its ID, title and report to follow, the IDF-weighted
// Jaccard of their techniques (with parents), software, sectors and
// victims, and what they share.
type SimilarEvent struct {
	ID         int64     `json:"id"`
	Title      string    `json:"title"`
	DocumentID int64     `json:"document_id,omitempty"`
	FirstSeen  time.Time `json:"first_seen,omitzero"`
	Score      float64   `json:"score"`
	Shared     []string  `json:"shared"`
}

// similarEvents ranks past events (those of one group) against ev: the n
// sharing most (techniques with their parents and tactics, software,
// sectors, victims), best first, newest first on ties; events sharing
// nothing are left out. A token's weight is its rarity among the groups where the
// model knows it, else 1.
func (m *GBDT) similarEvents(ev *intel.Event, past []*intel.Event, n int) []SimilarEvent {
	weight := func(tok string) float64 {
		if m.Pool != nil {
			if i, ok := m.Enc.index[tok]; ok {
				return m.Pool.Nearest.idf[i]
			}
		}
		return 1
	}
	mine := map[string]float64{}
	total := 0.0
	for _, tok := range m.Enc.tokens(&intel.Event{Techniques: ev.Techniques, Software: ev.Software, Sectors: ev.Sectors,
		VictimCountries: ev.VictimCountries}) {
		mine[tok] = weight(tok)
		total += mine[tok]
	}
	out := []SimilarEvent{}
	if total == 0 {
		return out
	}
	for _, p := range past {
		var inter, theirs float64
		var shared []string
		for _, tok := range m.Enc.tokens(p) {
			w, ok := mine[tok]
			if !ok {
				theirs += weight(tok)
				continue
			}
			theirs += w
			inter += w
			shared = append(shared, tok)
		}
		if inter == 0 {
			continue
		}
		slices.SortStableFunc(shared, func(a, b string) int { return cmp.Compare(mine[b], mine[a]) })
		out = append(out, SimilarEvent{ID: p.ID, Title: p.Title, DocumentID: p.DocumentID, FirstSeen: p.FirstSeen,
			Score: inter / (total + theirs - inter), Shared: shared})
	}
	slices.SortStableFunc(out, func(a, b SimilarEvent) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return b.FirstSeen.Compare(a.FirstSeen)
	})
	return out[:min(n, len(out))]
}
