package threat

import (
	"github.com/spoor/spoor/internal/nlp"
	"sort"
	"strings"
	"unicode"
)

// TechniqueName is one ATT&CK technique as the name table knows it.
type TechniqueName struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Tactics []string `json:"tactics,omitempty"` // ATT&CK tactic short names
}

// Names maps technique names as annotators wrote them to ATT&CK IDs. The
// caller builds it from the store's techniques or an ATT&CK bundle.
// A name matches after folding case, hyphens and punctuation ("Drive by
// compromise" is Drive-by Compromise), else with a trailing plural s
// dropped or added ("Impair Defense"), else within two edits for names of
// ten letters or more ("Gather Victim Identify Information"). Only
// top-level techniques are matched by name when a sub-technique has the
// same name, as the annotators named techniques, not sub-techniques.
type Names struct {
	byKey map[string]TechniqueName
	keys  []string // sorted, for the edit-distance pass
}

// NewNames builds the table. Of two techniques with one folded name the
// one with the shorter ID (the parent) wins.
func NewNames(techs []TechniqueName) *Names {
	n := &Names{byKey: map[string]TechniqueName{}}
	for _, t := range techs {
		k := foldName(t.Name)
		if k == "" {
			continue
		}
		if old, ok := n.byKey[k]; ok && len(old.ID) <= len(t.ID) {
			continue
		}
		n.byKey[k] = t
	}
	for k := range n.byKey {
		n.keys = append(n.keys, k)
	}
	sort.Strings(n.keys)
	return n
}

// Len is the number of names in the table.
func (n *Names) Len() int { return len(n.byKey) }

// Technique resolves a name; how says "exact", "plural" or "edit".
func (n *Names) Technique(name string) (t TechniqueName, how string, ok bool) {
	k := foldName(name)
	if k == "" {
		return t, "", false
	}
	if t, ok := n.byKey[k]; ok {
		return t, "exact", true
	}
	for _, alt := range plurals(k) {
		if t, ok := n.byKey[alt]; ok && alt != k {
			return t, "plural", true
		}
	}
	if len(k) >= 10 {
		best, bestD := "", 3
		for _, c := range n.keys {
			if d := editDistance(k, c, bestD); d < bestD {
				best, bestD = c, d
			}
		}
		if best != "" {
			return n.byKey[best], "edit", true
		}
	}
	return t, "", false
}

// plurals are the other number of a folded name's last word.
func plurals(k string) []string {
	out := []string{strings.TrimSuffix(k, "s"), k + "s"}
	if strings.HasSuffix(k, "y") {
		out = append(out, strings.TrimSuffix(k, "y")+"ies")
	}
	if strings.HasSuffix(k, "ies") {
		out = append(out, strings.TrimSuffix(k, "ies")+"y")
	}
	return out
}

// foldName lower-cases name and keeps letters and digits, one space
// between words.
func foldName(s string) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return strings.Join(f, " ")
}

// editDistance is the Levenshtein distance of a and b, or limit when it is
// at least limit (the rows stop early).
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		low := cur[0]
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			c = min(c, prev[j]+1, cur[j-1]+1)
			cur[j] = c
			low = min(low, c)
		}
		if low >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}

// Tactic is one ATT&CK Enterprise tactic.
type Tactic struct {
	ID        string `json:"id"`
	ShortName string `json:"short_name"`
	Name      string `json:"name"`
}

// Tactics are the fourteen Enterprise tactics, in matrix order. They are a
// fixed vocabulary of ATT&CK, so the table is written here rather than read.
var Tactics = []Tactic{
	{"TA0043", "reconnaissance", "Reconnaissance"},
	{"TA0042", "resource-development", "Resource Development"},
	{"TA0001", "initial-access", "Initial Access"},
	{"TA0002", "execution", "Execution"},
	{"TA0003", "persistence", "Persistence"},
	{"TA0004", "privilege-escalation", "Privilege Escalation"},
	{"TA0005", "defense-evasion", "Defense Evasion"},
	{"TA0006", "credential-access", "Credential Access"},
	{"TA0007", "discovery", "Discovery"},
	{"TA0008", "lateral-movement", "Lateral Movement"},
	{"TA0009", "collection", "Collection"},
	{"TA0011", "command-and-control", "Command and Control"},
	{"TA0010", "exfiltration", "Exfiltration"},
	{"TA0040", "impact", "Impact"},
}

// tacticMisspellings are the spellings of the data that are more than two
// edits away from the tactic they mean.
var tacticMisspellings = map[string]string{"reconassiance": "reconnaissance"}

// ResolveTactic resolves a tactic name as annotators wrote it: any case,
// the short name, the ID, within two edits ("Reconassiance",
// "Persisitence"), or with its words swapped ("Control and Command").
func ResolveTactic(name string) (Tactic, bool) {
	k := foldName(name)
	if k == "" {
		return Tactic{}, false
	}
	sorted := func(s string) string {
		w := strings.Fields(s)
		sort.Strings(w)
		return strings.Join(w, " ")
	}
	if a, ok := tacticMisspellings[k]; ok {
		k = a
	}
	for _, t := range Tactics {
		if k == foldName(t.Name) || k == foldName(t.ShortName) || k == strings.ToLower(t.ID) || sorted(k) == sorted(foldName(t.Name)) {
			return t, true
		}
	}
	if len(k) >= 6 {
		for _, t := range Tactics {
			if editDistance(k, foldName(t.Name), 3) < 3 {
				return t, true
			}
		}
	}
	return Tactic{}, false
}

// NamesFromATTACK builds the name table from the techniques internal/nlp
// reads from an ATT&CK bundle.
func NamesFromATTACK(techs []nlp.Technique) *Names {
	out := make([]TechniqueName, len(techs))
	for i, t := range techs {
		out[i] = TechniqueName{ID: t.ID, Name: t.Name, Tactics: t.Tactics}
	}
	return NewNames(out)
}

// FamilyResolution says how the technique names of the ransomware
// reference resolve.
type FamilyResolution struct {
	Families  int            `json:"families"`
	Names     int            `json:"names"`
	Resolved  int            `json:"resolved"`
	Unmatched map[string]int `json:"unmatched"`
	// Techniques are the resolved IDs per family, sorted.
	Techniques map[string][]string `json:"techniques"`
}

// ResolveFamilies resolves the technique names of ransomware families.
func (n *Names) ResolveFamilies(fams []Family) FamilyResolution {
	r := FamilyResolution{Families: len(fams), Unmatched: map[string]int{}, Techniques: map[string][]string{}}
	for _, f := range fams {
		seen := map[string]bool{}
		for _, names := range f.Techniques {
			for _, name := range names {
				r.Names++
				t, _, ok := n.Technique(name)
				if !ok {
					r.Unmatched[name]++
					continue
				}
				r.Resolved++
				if !seen[t.ID] {
					seen[t.ID] = true
					r.Techniques[f.Name] = append(r.Techniques[f.Name], t.ID)
				}
			}
		}
		sort.Strings(r.Techniques[f.Name])
	}
	return r
}
