package report

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
)

// MaxNameTokens is the longest name, in tokens, the matcher looks for.
// Group, software and country names have at most five words; longer
// dictionary names are skipped (see Known.Skipped).
const MaxNameTokens = 6

// maxOffsets bounds the offsets kept per mention or indicator; the count
// keeps counting past it.
const maxOffsets = 100

// Known is a compiled dictionary of names to look for in reports. Build it
// once with NewKnown and share it: it is read-only and safe for concurrent
// use.
//
// Matching is whole-word over tokens (maximal runs of letters and digits,
// with "." and "_" joining runs as in "Agent.btz", and "-" as a token of
// its own so that "APT28-linked" still names APT28 while "X-Agent" must be
// written with its hyphen). The matcher looks up the n-grams of up to
// MaxNameTokens tokens that start at each token in two maps, longest
// first, and takes the longest match; it never backtracks, so a scan is
// linear in the text whatever the dictionary size (Aho-Corasick automata
// are too large at 100k names; see DEPENDENCIES.md).
//
// Case and false positives (the rules NewKnown applies to object names):
//   - A short all-caps name (no lower-case letter, at most 10 bytes, one
//     word: "APT28", "TA505", "DEV-0537", "STRONTIUM") is matched
//     case-sensitively, so that "apt28" in a URL path does not count but
//     the name as analysts write it does. A one-word name written all in
//     lower case (command-line tools: "ftp", "reg", "schtasks") is matched
//     as written too, so "FTP" the protocol is not the ftp tool. Every
//     other name is matched case-insensitively ("Fancy Bear" = "fancy
//     bear", "Dridex" = "dridex").
//   - A name shorter than 3 bytes is skipped unless it is all-caps with a
//     digit ("H2" stays, "at" and "Net" do not), or an all-caps country
//     abbreviation ("UK", matched as written).
//   - A one-word name made only of letters that is a common English word
//     ("Page", "Empire", "Play", "LEAD") is skipped: it would match
//     ordinary prose far more often than the object.
//   - Country and sector names are exempt from the common-word rule:
//     sectors are common words by nature ("energy", "government"), and the
//     caller chose them.
type Known struct {
	entries []intel.NameEntry
	exact   map[string][]int // n-gram as written → entry indexes (case-sensitive names)
	folded  map[string][]int // lower-cased n-gram → entry indexes
	starts  map[string]bool  // lower-cased first tokens of every name: a quick reject
	tech    map[string]int   // upper-cased ATT&CK ID → entry index
	skipped []SkippedName
}

// SkippedName is a dictionary name the matcher does not look for, and why.
type SkippedName struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// NewKnown compiles a dictionary. Entries of kind "technique" are linked
// through their ExternalID (the IDs the indicator scanner finds); their
// names are not looked for, because technique names are ordinary phrases
// ("Phishing", "Scheduled Task").
func NewKnown(entries []intel.NameEntry) *Known {
	k := &Known{
		entries: entries,
		exact:   map[string][]int{},
		folded:  map[string][]int{},
		starts:  map[string]bool{},
		tech:    map[string]int{},
	}
	for i, e := range entries {
		if e.Kind == string(intel.KindTechnique) {
			if e.ExternalID != "" {
				k.tech[strings.ToUpper(e.ExternalID)] = i
			}
			continue
		}
		exempt := e.Kind == intel.EntryCountry || e.Kind == intel.EntrySector
		seen := map[string]bool{}
		for _, name := range e.Names {
			name = strings.TrimSpace(name)
			if name == "" || seen[name] {
				continue
			}
			seen[name] = true
			toks := tokenize(name)
			if len(toks) == 0 {
				continue
			}
			if reason := skipReason(name, toks, exempt); reason != "" {
				k.skipped = append(k.skipped, SkippedName{Key: e.Key, Name: name, Reason: reason})
				continue
			}
			words := make([]string, len(toks))
			for j, t := range toks {
				words[j] = name[t.start:t.end]
			}
			key := strings.Join(words, " ")
			if caseSensitive(name) {
				k.exact[key] = appendUnique(k.exact[key], i)
			} else {
				key = strings.ToLower(key)
				k.folded[key] = appendUnique(k.folded[key], i)
			}
			k.starts[strings.ToLower(words[0])] = true
		}
	}
	return k
}

func appendUnique(s []int, v int) []int {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// Skipped lists the dictionary names the matcher does not look for.
func (k *Known) Skipped() []SkippedName { return k.skipped }

// Len is the number of names the matcher looks for.
func (k *Known) Len() int { return len(k.exact) + len(k.folded) }

func skipReason(name string, toks []token, exempt bool) string {
	if len(toks) > MaxNameTokens {
		return "longer than 6 words"
	}
	if len(name) < 3 && !(isAllCaps(name) && (exempt || strings.ContainsFunc(name, unicode.IsDigit))) {
		return "shorter than 3 characters"
	}
	if !exempt && len(toks) == 1 && !strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) }) &&
		intel.IsCommonWord(name) {
		return "common English word"
	}
	return ""
}

// caseSensitive reports whether a name is matched as written: a short
// all-caps name of one word (see Known).
func caseSensitive(name string) bool {
	if strings.ContainsRune(name, ' ') {
		return false
	}
	// An all-lower-case one-word name is a command-line tool ("ftp",
	// "reg", "schtasks"): written in capitals it is the protocol or an
	// acronym ("FTP"), not the tool.
	if !strings.ContainsFunc(name, unicode.IsUpper) && strings.ContainsFunc(name, unicode.IsLetter) {
		return true
	}
	return isAllCaps(name) && len(name) <= 10
}

func isAllCaps(s string) bool {
	return strings.ContainsFunc(s, unicode.IsLetter) && !strings.ContainsFunc(s, unicode.IsLower)
}

// token is a word of the text: bytes [start, end).
type token struct{ start, end int }

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// tokenize splits s into tokens: runs of letters and digits, joined across
// a single "." or "_" between two of them, and "-" between two word
// characters as a token of its own.
func tokenize(s string) []token {
	var out []token
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			if r == '-' && len(out) > 0 && out[len(out)-1].end == i && i+1 < len(s) {
				if next, _ := utf8.DecodeRuneInString(s[i+1:]); isWordRune(next) {
					out = append(out, token{i, i + 1})
				}
			}
			i += size
			continue
		}
		start := i
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if isWordRune(r) {
				i += size
				continue
			}
			if (r == '.' || r == '_') && i+1 < len(s) {
				if next, _ := utf8.DecodeRuneInString(s[i+1:]); isWordRune(next) {
					i++
					continue
				}
			}
			break
		}
		out = append(out, token{start, i})
	}
	return out
}

// Analysis is what a report's text says, linked to the base.
type Analysis struct {
	Indicators []IndicatorHit `json:"indicators"`
	// Mentions are the groups, software, campaigns, techniques, countries
	// and sectors the text names, in order of first mention.
	Mentions []MentionHit `json:"mentions"`
}

// IndicatorHit is one indicator (by canonical type and value) found in the
// text. Technique and tactic IDs are reported as mentions instead.
type IndicatorHit struct {
	Type    ioc.Type  `json:"type"`
	Value   string    `json:"value"`
	Raw     string    `json:"raw"` // as first written
	Flags   ioc.Flags `json:"flags,omitempty"`
	Offsets []int     `json:"offsets"` // byte offsets in the text (at most 100)
	Count   int       `json:"count"`
}

// MentionHit is one dictionary entry the text names. Techniques are named
// by ID; an ID the dictionary does not know has ObjectID 0.
type MentionHit struct {
	Kind     string `json:"kind"`
	ObjectID int64  `json:"object_id,omitempty"`
	Key      string `json:"key"`
	Name     string `json:"name"`    // as first written in the text
	Offsets  []int  `json:"offsets"` // byte offsets in the text (at most 100)
	Count    int    `json:"count"`
}

// Analyze finds in text the indicators (with internal/ioc, refanging
// defanged ones), the ATT&CK technique IDs and the names known holds.
// known may be nil: then only indicators and technique IDs are found.
func Analyze(text string, known *Known) *Analysis {
	a := &Analysis{Indicators: []IndicatorHit{}, Mentions: []MentionHit{}}
	inds := map[string]int{}
	techs := map[string]int{}
	for _, m := range ioc.Extract(text, ioc.DefaultOptions()) {
		off := int(m.Offset)
		if m.Type == ioc.TypeTechnique {
			id := strings.ToUpper(m.Value)
			i, ok := techs[id]
			if !ok {
				i = len(a.Mentions)
				techs[id] = i
				h := MentionHit{Kind: string(intel.KindTechnique), Key: id, Name: m.Raw}
				if known != nil {
					if e, ok := known.tech[id]; ok {
						h.ObjectID, h.Key = known.entries[e].ObjectID, known.entries[e].Key
					}
				}
				a.Mentions = append(a.Mentions, h)
			}
			addOffset(&a.Mentions[i].Offsets, &a.Mentions[i].Count, off)
			continue
		}
		if m.Type == ioc.TypeTactic {
			continue
		}
		key := m.Type.String() + "\x00" + m.Value
		i, ok := inds[key]
		if !ok {
			i = len(a.Indicators)
			inds[key] = i
			a.Indicators = append(a.Indicators, IndicatorHit{Type: m.Type, Value: m.Value, Raw: m.Raw, Flags: m.Flags})
		}
		addOffset(&a.Indicators[i].Offsets, &a.Indicators[i].Count, off)
	}
	if known != nil {
		known.match(text, a)
	}
	slices.SortStableFunc(a.Mentions, func(x, y MentionHit) int { return x.Offsets[0] - y.Offsets[0] })
	return a
}

func addOffset(offs *[]int, count *int, off int) {
	*count++
	if len(*offs) < maxOffsets {
		*offs = append(*offs, off)
	}
}

// match scans the tokens of text once, looking up at each token the
// n-grams that start there, longest first.
func (k *Known) match(text string, a *Analysis) {
	toks := tokenize(text)
	lower := make([]string, len(toks))
	for i, t := range toks {
		lower[i] = strings.ToLower(text[t.start:t.end])
	}
	byEntry := map[int]int{} // entry index → index in a.Mentions
	var exact, folded []byte
	var ends [MaxNameTokens]int // key lengths for n = 1..MaxNameTokens
	for i := 0; i < len(toks); {
		if !k.starts[lower[i]] {
			i++
			continue
		}
		exact, folded = exact[:0], folded[:0]
		n := 0
		for j := i; j < len(toks) && n < MaxNameTokens; j++ {
			// A name never spans a line break: that would join a heading
			// to the paragraph under it.
			if j > i && strings.ContainsAny(text[toks[j-1].end:toks[j].start], "\n\r") {
				break
			}
			if j > i {
				exact, folded = append(exact, ' '), append(folded, ' ')
			}
			exact = append(exact, text[toks[j].start:toks[j].end]...)
			folded = append(folded, lower[j]...)
			ends[n] = len(exact)
			n++
		}
		matched := 0
		for ; n > 0; n-- {
			// The folded key has the same length as the exact one except
			// for runes whose lower case has another width; look both up
			// by their own prefix lengths.
			ek := exact[:ends[n-1]]
			hits := k.exact[string(ek)]
			if fk := foldedPrefix(folded, n); fk != nil {
				hits = append(slices.Clip(hits), k.folded[string(fk)]...)
			}
			if len(hits) == 0 {
				continue
			}
			off := toks[i].start
			written := text[off:toks[i+n-1].end]
			for _, e := range hits {
				mi, ok := byEntry[e]
				if !ok {
					mi = len(a.Mentions)
					byEntry[e] = mi
					en := k.entries[e]
					a.Mentions = append(a.Mentions, MentionHit{Kind: en.Kind, ObjectID: en.ObjectID, Key: en.Key, Name: written})
				}
				addOffset(&a.Mentions[mi].Offsets, &a.Mentions[mi].Count, off)
			}
			matched = n
			break
		}
		if matched == 0 {
			matched = 1
		}
		i += matched
	}
}

// foldedPrefix returns the first n space-separated tokens of key.
func foldedPrefix(key []byte, n int) []byte {
	for i, c := range key {
		if c == ' ' {
			n--
			if n == 0 {
				return key[:i]
			}
		}
	}
	if n == 1 {
		return key
	}
	return nil
}

// Countries returns the ISO codes of the countries a, in order of first
// mention; Sectors likewise for sectors. They feed an event's victim
// countries and sectors.
func (a *Analysis) Countries() []string { return a.keys(intel.EntryCountry) }

// Sectors returns the sectors the text names, in order of first mention.
func (a *Analysis) Sectors() []string { return a.keys(intel.EntrySector) }

func (a *Analysis) keys(kind string) []string {
	var out []string
	for _, m := range a.Mentions {
		if m.Kind == kind && !slices.Contains(out, m.Key) {
			out = append(out, m.Key)
		}
	}
	return out
}

// Lookup returns the dictionary entries of one of kinds whose name or
// alias is the whole of name, by the rules of Known (as written for short
// all-caps and lower-case names, any case otherwise); a name Known does
// not look for (a common English word, too short) finds nothing. An entry
// whose canonical name is name comes before those that have it as an
// alias.
func (k *Known) Lookup(name string, kinds ...string) []intel.NameEntry {
	toks := tokenize(name)
	if len(toks) == 0 || len(toks) > MaxNameTokens {
		return nil
	}
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = name[t.start:t.end]
	}
	key := strings.Join(words, " ")
	hits := append(slices.Clip(k.exact[key]), k.folded[strings.ToLower(key)]...)
	var byName, byAlias []intel.NameEntry
	seen := map[int]bool{}
	for _, i := range hits {
		e := k.entries[i]
		if seen[i] || !slices.Contains(kinds, e.Kind) {
			continue
		}
		seen[i] = true
		if intel.NormalizeName(e.Key) == intel.NormalizeName(name) {
			byName = append(byName, e)
		} else {
			byAlias = append(byAlias, e)
		}
	}
	return append(byName, byAlias...)
}

// Technique returns the dictionary's technique of an ATT&CK ID.
func (k *Known) Technique(id string) (intel.NameEntry, bool) {
	i, ok := k.tech[strings.ToUpper(strings.TrimSpace(id))]
	if !ok {
		return intel.NameEntry{}, false
	}
	return k.entries[i], true
}
