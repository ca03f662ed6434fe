package reputation

import "strings"

// brandIndex finds names that imitate popular ones: a registered label
// within a small edit distance of a brand's label, the same label after
// homoglyph folding (paypa1, rnicrosoft), or a brand's label as a token of
// a name registered elsewhere (paypal-login.example.net,
// paypal.com.example.net).
//
// Brands are the registered labels of the most popular domains, six
// letters or longer (shorter ones match too much by chance). Edit distance
// uses the deletion neighbourhoods of SymSpell: every label one deletion
// away from a brand is indexed, so a lookup costs a few map probes instead
// of a scan of all brands.
type brandIndex struct {
	brands  []string         // by popularity, most popular first
	exact   map[string]int32 // brand label → index
	deletes map[string]int32 // label with one letter deleted → brand (the most popular)
	folded  map[string]int32 // homoglyph-folded brand → brand
}

// minBrandLen is the shortest label taken as a brand.
const minBrandLen = 6

func newBrandIndex(brands []string) *brandIndex {
	ix := &brandIndex{exact: map[string]int32{}, deletes: map[string]int32{}, folded: map[string]int32{}}
	for _, b := range brands {
		if len(b) < minBrandLen {
			continue
		}
		if _, dup := ix.exact[b]; dup {
			continue
		}
		id := int32(len(ix.brands))
		ix.brands = append(ix.brands, b)
		ix.exact[b] = id
		for i := range len(b) {
			d := b[:i] + b[i+1:]
			if _, ok := ix.deletes[d]; !ok {
				ix.deletes[d] = id
			}
		}
		if f := fold(b); f != b {
			if _, ok := ix.folded[f]; !ok {
				ix.folded[f] = id
			}
		}
	}
	return ix
}

// lookalike is what the index found for one name.
type lookalike struct {
	brand    string
	distance int  // edit distance of the label to brand (1 or 2), 0 if none
	glyph    bool // the label folds to brand
	token    bool // brand is a token of the name, registered elsewhere
}

func (l lookalike) any() bool { return l.distance > 0 || l.glyph || l.token }

// find checks a parsed name. A label that is itself a brand is no
// imitation (google.de is Google's), so it is only checked for tokens.
func (ix *brandIndex) find(n *Name) lookalike {
	var out lookalike
	label := n.Label
	if _, own := ix.exact[label]; !own && len(label) >= minBrandLen-1 {
		best := int32(-1)
		dist := 0
		consider := func(id int32) {
			if d := editDistance(label, ix.brands[id], 2); d > 0 && d <= 2 && (best < 0 || d < dist || d == dist && id < best) {
				best, dist = id, d
			}
		}
		if id, ok := ix.deletes[label]; ok { // one insertion away
			consider(id)
		}
		var buf [64]byte
		for i := range len(label) {
			d := append(append(buf[:0], label[:i]...), label[i+1:]...)
			if id, ok := ix.exact[string(d)]; ok { // one deletion away
				consider(id)
			}
			if id, ok := ix.deletes[string(d)]; ok { // one substitution or transposition
				consider(id)
			}
		}
		// Distance 2 counts only for long brands, where it is still unlikely
		// by chance.
		if best >= 0 && (dist == 1 || len(ix.brands[best]) >= 8) {
			out.brand, out.distance = ix.brands[best], dist
		}
		if id, ok := ix.folded[fold(label)]; ok && label != ix.brands[id] {
			out.brand, out.glyph = ix.brands[id], true
		}
	}
	if out.brand == "" {
		for _, t := range n.Sub {
			if id, ok := ix.exact[t]; ok {
				out.brand, out.token = ix.brands[id], true
				return out
			}
		}
		if strings.ContainsAny(label, "-") {
			for _, t := range strings.Split(label, "-") {
				if id, ok := ix.exact[t]; ok {
					out.brand, out.token = ix.brands[id], true
					return out
				}
			}
		}
	}
	return out
}

// fold maps characters and pairs that look alike to one form: digits that
// pass for letters, rn for m, vv for w.
func fold(s string) string {
	if !strings.ContainsAny(s, "0134579") && !strings.Contains(s, "rn") && !strings.Contains(s, "vv") {
		return s
	}
	return folder.Replace(s)
}

var folder = strings.NewReplacer("rn", "m", "vv", "w", "0", "o", "1", "l", "3", "e", "4", "a", "5", "s", "7", "t", "9", "g")

// editDistance is the optimal-string-alignment distance of a and b
// (Levenshtein plus adjacent transpositions), or limit+1 when it exceeds
// limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	var rows [3][64]int
	if len(b) >= 63 {
		return limit + 1
	}
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		lo := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			lo = min(lo, v)
		}
		if lo > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
