package nlp

import (
	"sort"
	"strings"
)

// Gazetteer is a list of known names by type (group, software, country,
// sector, technique, ...), matched on lower-cased tokens, longest first.
type Gazetteer struct {
	phrases map[string]string // lower-cased tokens joined by a space → type
	first   map[string]int    // first token → longest phrase length in tokens
}

// GazEntry is one name of a gazetteer and its type.
type GazEntry struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// maxGazTokens bounds the length of a gazetteer phrase.
const maxGazTokens = 6

// NewGazetteer builds a gazetteer from entries. Names are tokenised as text
// is; a name seen under two types keeps the first. Names shorter than three
// characters are left out, as they match too much.
func NewGazetteer(entries []GazEntry) *Gazetteer {
	g := &Gazetteer{phrases: map[string]string{}, first: map[string]int{}}
	for _, e := range entries {
		g.add(e.Name, e.Type)
	}
	return g
}

func (g *Gazetteer) add(name, typ string) {
	name = strings.TrimSpace(name)
	if len(name) < 3 || typ == "" {
		return
	}
	toks := Tokenize(name)
	if len(toks) == 0 || len(toks) > maxGazTokens {
		return
	}
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = strings.ToLower(t.Text)
	}
	g.addKey(strings.Join(words, " "), typ)
}

// addKey adds an already tokenised, lower-cased, space-joined name.
func (g *Gazetteer) addKey(key, typ string) {
	if _, ok := g.phrases[key]; ok || key == "" {
		return
	}
	g.phrases[key] = typ
	first, _, _ := strings.Cut(key, " ")
	if n := strings.Count(key, " ") + 1; n > g.first[first] {
		g.first[first] = n
	}
}

// Len returns the number of names.
func (g *Gazetteer) Len() int { return len(g.phrases) }

// Entries returns the names, sorted, for saving.
func (g *Gazetteer) Entries() []GazEntry {
	out := make([]GazEntry, 0, len(g.phrases))
	for k, t := range g.phrases {
		out = append(out, GazEntry{k, t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// mark sets the gazetteer tag of every token a longest match covers.
func (g *Gazetteer) mark(inf []tokInfo) {
	var b strings.Builder
	for i := 0; i < len(inf); {
		n := g.first[inf[i].lower]
		found := 0
		typ := ""
		for l := min(n, len(inf)-i); l >= 1; l-- {
			b.Reset()
			for k := i; k < i+l; k++ {
				if k > i {
					b.WriteByte(' ')
				}
				b.WriteString(inf[k].lower)
			}
			if t, ok := g.phrases[b.String()]; ok {
				found, typ = l, t
				break
			}
		}
		if found == 0 {
			i++
			continue
		}
		inf[i].gaz = "B-" + typ
		for k := i + 1; k < i+found; k++ {
			inf[k].gaz = "I-" + typ
		}
		i += found
	}
}
