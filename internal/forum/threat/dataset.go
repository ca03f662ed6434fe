package threat

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Target is what a classifier predicts of a thread.
type Target string

// The four targets.
const (
	TargetTechnique Target = "technique"
	TargetTactic    Target = "tactic"
	TargetKind      Target = "kind"
	TargetRole      Target = "role"
)

// Targets lists them in the order reports show them.
var Targets = []Target{TargetTechnique, TargetTactic, TargetKind, TargetRole}

// Kinds of forum activity. A thread gets the one its opening post is
// about: a tool or malware release, a trade (sale or purchase of access,
// data, cards, accounts or a job; the role says which side), a service
// offer (DDoS, crypting, cash-out), a tutorial, a request for help,
// recruitment, a leak; "discussion" is everything else (opinion, news,
// chatter).
var Kinds = []string{"release", "trade", "service", "tutorial", "request", "recruitment", "leak", "discussion"}

// Example is one thread (or several threads with the same title: one
// thread posted twice, or copied between files, counts once) with every
// label the files give it, the first-listed first.
type Example struct {
	// Group numbers the example; cross-validation keeps a group on one
	// side. Threads that share a key or a title are one example.
	Group   int      `json:"group"`
	Threads []string `json:"threads"`
	Title   string   `json:"title"`
	Content string   `json:"content,omitempty"`
	Labels  map[Target][]string
}

// Text is what the classifiers read: the title, then the post.
func (e *Example) Text() string {
	if e.Content == "" {
		return e.Title
	}
	return e.Title + "\n" + e.Content
}

// Resolution counts how the names of the files resolved to ATT&CK.
type Resolution struct {
	TechniqueNames int            `json:"technique_names"` // cells' names, counted per row
	Exact          int            `json:"exact"`
	Plural         int            `json:"plural"`
	Edit           int            `json:"edit"`
	Unmatched      map[string]int `json:"unmatched"` // technique name → rows
	TacticNames    int            `json:"tactic_names"`
	TacticUnknown  map[string]int `json:"tactic_unmatched"`
}

// UnmatchedRows is the number of technique names that did not resolve.
func (r Resolution) UnmatchedRows() int {
	n := 0
	for _, c := range r.Unmatched {
		n += c
	}
	return n
}

// Dataset is the labelled threads of a set of files.
type Dataset struct {
	Rows       int        `json:"rows"`
	Threads    int        `json:"threads"`
	Examples   []*Example `json:"-"`
	Untitled   int        `json:"untitled"` // threads known only by link (left out)
	Resolution Resolution `json:"resolution"`
	// KindLabels is how many examples got a kind from the hand labels.
	KindLabels int `json:"kind_labels"`
	// TechniqueNames names the technique IDs the labels resolved to.
	TechniqueNames map[string]string `json:"-"`
}

// Build groups rows into examples: rows of one thread (by ThreadKey) are
// one example, and threads whose titles are equal after folding case and
// white space are joined to it too, so that cross-validation can never
// see the same title on both sides. Technique names resolve through names
// (unmatched ones are counted in Resolution and left out), tactics through
// ResolveTactic; kinds come from the hand labels (thread key → kind).
// Threads with neither title nor post text are counted and left out.
func Build(rows []Row, names *Names, kinds map[string]string) *Dataset {
	ds := &Dataset{Rows: len(rows), TechniqueNames: map[string]string{}, Resolution: Resolution{Unmatched: map[string]int{}, TacticUnknown: map[string]int{}}}
	// Union-find over thread keys and folded titles.
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := parent[x]
		if !ok || p == x {
			parent[x] = x
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	union := func(a, b string) {
		if ra, rb := find(a), find(b); ra != rb {
			parent[rb] = ra
		}
	}
	threads := map[string]bool{}
	for _, r := range rows {
		threads[r.Thread] = true
		find("t:" + r.Thread)
		if t := foldTitle(r.Title); t != "" {
			union("t:"+r.Thread, "n:"+t)
		}
	}
	ds.Threads = len(threads)
	byRoot := map[string]*Example{}
	var order []*Example
	add := func(ls []string, l string) []string {
		for _, x := range ls {
			if x == l {
				return ls
			}
		}
		return append(ls, l)
	}
	for _, r := range rows {
		root := find("t:" + r.Thread)
		ex := byRoot[root]
		if ex == nil {
			ex = &Example{Labels: map[Target][]string{}}
			byRoot[root] = ex
			order = append(order, ex)
		}
		ex.Threads = add(ex.Threads, r.Thread)
		if ex.Title == "" {
			ex.Title = r.Title
		}
		if len(r.Content) > len(ex.Content) {
			ex.Content = r.Content
		}
		for _, n := range r.Techniques {
			ds.Resolution.TechniqueNames++
			if n == NoneLabel {
				ex.Labels[TargetTechnique] = add(ex.Labels[TargetTechnique], NoneLabel)
				continue
			}
			t, how, ok := names.Technique(n)
			switch how {
			case "exact":
				ds.Resolution.Exact++
			case "plural":
				ds.Resolution.Plural++
			case "edit":
				ds.Resolution.Edit++
			}
			if !ok {
				ds.Resolution.Unmatched[n]++
				continue
			}
			ex.Labels[TargetTechnique] = add(ex.Labels[TargetTechnique], t.ID)
			ds.TechniqueNames[t.ID] = t.Name
		}
		for _, n := range r.Tactics {
			ds.Resolution.TacticNames++
			if n == NoneLabel {
				ex.Labels[TargetTactic] = add(ex.Labels[TargetTactic], NoneLabel)
				continue
			}
			t, ok := ResolveTactic(n)
			if !ok {
				ds.Resolution.TacticUnknown[n]++
				continue
			}
			ex.Labels[TargetTactic] = add(ex.Labels[TargetTactic], t.ShortName)
		}
		if r.Role != "" {
			ex.Labels[TargetRole] = add(ex.Labels[TargetRole], r.Role)
		}
		if k, ok := kinds[r.Thread]; ok {
			ex.Labels[TargetKind] = add(ex.Labels[TargetKind], k)
		}
	}
	for _, ex := range order {
		if strings.TrimSpace(ex.Text()) == "" {
			ds.Untitled += len(ex.Threads)
			continue
		}
		ex.Group = len(ds.Examples)
		if len(ex.Labels[TargetKind]) > 0 {
			ds.KindLabels++
		}
		ds.Examples = append(ds.Examples, ex)
	}
	return ds
}

// foldTitle is the title compared across files: lower case, words joined
// by one space.
func foldTitle(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// Labelled is one example of one target: the text, its first label and
// every label the files give it.
type Labelled struct {
	Group int
	Text  string
	Label string
	Gold  []string
}

// For returns the examples that have a label for target.
func (ds *Dataset) For(target Target) []Labelled {
	var out []Labelled
	for _, ex := range ds.Examples {
		ls := ex.Labels[target]
		if len(ls) == 0 {
			continue
		}
		out = append(out, Labelled{Group: ex.Group, Text: ex.Text(), Label: ls[0], Gold: ls})
	}
	return out
}

// ReadKinds reads hand labels of the kind of activity: one thread a line,
// "THREAD-KEY<TAB>KIND", # comments and blank lines ignored. An unknown
// kind, a malformed line or a thread labelled twice is an error naming
// name:line.
func ReadKinds(r io.Reader, name string) (map[string]string, error) {
	known := map[string]bool{}
	for _, k := range Kinds {
		known[k] = true
	}
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		key, kind, ok := strings.Cut(s, "\t")
		key, kind = strings.TrimSpace(key), strings.TrimSpace(kind)
		if !ok || key == "" || kind == "" {
			return nil, &ParseError{name, line, "want THREAD-KEY<TAB>KIND"}
		}
		if !known[kind] {
			return nil, &ParseError{name, line, fmt.Sprintf("unknown kind %q (%s)", kind, strings.Join(Kinds, ", "))}
		}
		if _, dup := out[key]; dup {
			return nil, &ParseError{name, line, fmt.Sprintf("thread %s labelled twice", key)}
		}
		out[key] = kind
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return out, nil
}
