package actors

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/spoor/spoor/internal/analyze"
	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/ioc"
)

// Count is a name and how often it occurs.
type Count struct {
	Name string  `json:"name"`
	N    int     `json:"n"`
	W    float64 `json:"weight,omitempty"`
}

// Neighbour is an author tied to the portrait's.
type Neighbour struct {
	ID      int64   `json:"id,omitempty"`
	Forum   string  `json:"forum"`
	Handle  string  `json:"handle"`
	Weight  float64 `json:"weight"` // both directions
	Out     float64 `json:"out"`    // the author's ties to them
	In      float64 `json:"in"`     // theirs to the author
	Replies int     `json:"replies"`
	Quotes  int     `json:"quotes"`
}

// Candidate is another author who may be the same person. It is never
// merged: the reasons are what an analyst weighs.
type Candidate struct {
	ID      int64    `json:"id,omitempty"`
	Forum   string   `json:"forum"`
	Handle  string   `json:"handle"`
	Reasons []string `json:"reasons"`
	// Writing is the similarity of character trigrams (cosine), 0 when
	// not compared.
	Writing float64 `json:"writing_similarity,omitempty"`
}

// Indicator is an indicator of compromise the author posted.
type Indicator struct {
	Type  string `json:"type"`
	Value string `json:"value"`
	N     int    `json:"n"`
}

// PostRef is one of the author's posts, for the portrait's list.
type PostRef struct {
	Key     string `json:"post"`
	Section string `json:"section"`
	Thread  string `json:"thread"`
	Title   string `json:"thread_title"`
	Time    string `json:"time"`
	Text    string `json:"text"`
	URL     string `json:"url,omitempty"`
}

// Portrait is what the posts of one author say of them.
type Portrait struct {
	ID      int64    `json:"id,omitempty"`
	Forum   string   `json:"forum"`
	Handle  string   `json:"handle"`
	Titles  []string `json:"titles"`
	Posts   int      `json:"posts"`
	Threads int      `json:"threads"`
	Started int      `json:"threads_started"`
	First   string   `json:"first_seen"`
	Last    string   `json:"last_seen"`
	// Time is the activity profile: weekdays always, the hour-of-week
	// histogram and inferred UTC offset where posts have a time of day,
	// and the timeline by month.
	Time      analyze.TimeProfileJSON `json:"time"`
	Sections  []Count                 `json:"sections"`
	Terms     []Count                 `json:"terms"`
	Languages []Count                 `json:"languages"`
	// Actor is the author's score, rank and score parts.
	Actor         Actor       `json:"actor"`
	Ranked        int         `json:"ranked"` // authors in the ranking
	Neighbours    []Neighbour `json:"neighbours"`
	CommunitySize int         `json:"community_size"`
	CommunityTop  []string    `json:"community_leaders"`
	Indicators    []Indicator `json:"indicators"`
	Contacts      []string    `json:"contacts"`
	Candidates    []Candidate `json:"candidates"`
	Recent        []PostRef   `json:"recent_posts"`
	// Threat events are the author's threads that became events (newest
	// first, at most maxPortraitEvents, without their text), with the
	// kinds, roles, techniques and software of all of them (Complete).
	ThreatEvents []forum.Event `json:"threat_events"`
	EventsTotal  int           `json:"threat_events_total"`
	Kinds        []Count       `json:"kinds"`
	Roles        []Count       `json:"roles"`
	Techniques   []Count       `json:"techniques"`
	// Software is the malware and tools the events name and link to
	// stored software (by its stored name).
	Software []Count `json:"software"`
}

// Portrait draws an author of the analysis from its posts (which need
// their text for terms, indicators, contacts and writing).
func (a *Analysis) Portrait(k forum.AuthorKey) (*Portrait, error) {
	act := a.Actor(k)
	if act == nil {
		return nil, fmt.Errorf("no author %q on forum %q", k.Handle, k.Forum)
	}
	p := &Portrait{ID: act.ID, Forum: k.Forum, Handle: k.Handle, Posts: act.Posts, Threads: act.Threads, Started: act.Started,
		Actor: *act, Ranked: len(a.Actors), Titles: []string{}, Indicators: []Indicator{}, Contacts: []string{}, Candidates: []Candidate{},
		ThreatEvents: []forum.Event{}, Kinds: []Count{}, Roles: []Count{}, Techniques: []Count{}, Software: []Count{}}
	var mine []*forum.Post
	for i := range a.Posts {
		if a.Posts[i].Forum == k.Forum && a.Posts[i].Author == k.Handle {
			mine = append(mine, &a.Posts[i])
		}
	}
	var tb analyze.Builder
	sections := map[string]int{}
	langs := map[string]int{}
	inds := map[[2]string]int{}
	for _, post := range mine {
		tb.Add(post.Time)
		sections[post.Section]++
		if post.AuthorTitle != "" && !slices.Contains(p.Titles, post.AuthorTitle) {
			p.Titles = append(p.Titles, post.AuthorTitle)
		}
		text := forum.DisplayText(post.Text)
		langs[Language(text)]++
		for _, m := range ioc.Extract(text, ioc.Options{Refang: true}) {
			inds[[2]string{m.Type.String(), m.Value}]++
		}
	}
	prof := tb.Profile()
	p.Time = prof.JSON()
	if !prof.First.IsZero() {
		p.First, p.Last = dateText(prof.First), dateText(prof.Last)
	}
	p.Sections = counts(sections, 0)
	p.Languages = counts(langs, 0)
	for k, n := range inds {
		p.Indicators = append(p.Indicators, Indicator{Type: k[0], Value: k[1], N: n})
	}
	slices.SortFunc(p.Indicators, func(x, y Indicator) int {
		return cmp.Or(cmp.Compare(y.N, x.N), cmp.Compare(x.Type, y.Type), cmp.Compare(x.Value, y.Value))
	})
	if len(p.Indicators) > 50 {
		p.Indicators = p.Indicators[:50]
	}

	// Terms: TF-IDF with authors as documents, so a forum's common words
	// drop out and what this author talks about stays.
	texts := a.authorTexts()
	df := map[string]int{}
	for _, t := range texts {
		for term := range t.terms {
			df[term]++
		}
	}
	mineT := texts[k]
	var terms []Count
	for term, n := range mineT.terms {
		idf := math.Log(float64(len(texts)+1) / float64(df[term]+1))
		terms = append(terms, Count{Name: term, N: n, W: round(float64(n)*idf, 3)})
	}
	slices.SortFunc(terms, func(x, y Count) int { return cmp.Or(cmp.Compare(y.W, x.W), cmp.Compare(x.Name, y.Name)) })
	p.Terms = terms[:min(20, len(terms))]
	if p.Terms == nil {
		p.Terms = []Count{}
	}

	// Connections.
	g := a.Graph
	me := g.Index(k)
	nb := map[int]*Neighbour{}
	get := func(i int) *Neighbour {
		if n := nb[i]; n != nil {
			return n
		}
		o := a.ActorAt(i)
		n := &Neighbour{ID: o.ID, Forum: o.Forum, Handle: o.Handle}
		nb[i] = n
		return n
	}
	for _, e := range g.Out(me) {
		n := get(int(e.To))
		n.Out += e.Weight
		n.Replies += int(e.Replies)
		n.Quotes += int(e.Quotes)
	}
	for _, ei := range g.In(me) {
		e := g.Edges[ei]
		n := get(int(e.From))
		n.In += e.Weight
		n.Replies += int(e.Replies)
		n.Quotes += int(e.Quotes)
	}
	for _, n := range nb {
		n.Weight, n.Out, n.In = round(n.Out+n.In, 4), round(n.Out, 4), round(n.In, 4)
		p.Neighbours = append(p.Neighbours, *n)
	}
	slices.SortFunc(p.Neighbours, func(x, y Neighbour) int {
		return cmp.Or(cmp.Compare(y.Weight, x.Weight), cmp.Compare(x.Handle, y.Handle))
	})
	if len(p.Neighbours) > 15 {
		p.Neighbours = p.Neighbours[:15]
	}
	if p.Neighbours == nil {
		p.Neighbours = []Neighbour{}
	}
	c := a.Communities[act.Community]
	p.CommunitySize, p.CommunityTop = c.Size, c.Leaders

	// Contacts and other handles.
	p.Contacts = mineT.contactList()
	p.Candidates = a.candidates(k, texts)

	// The newest posts, as text.
	recent := slices.Clone(mine)
	slices.SortStableFunc(recent, func(x, y *forum.Post) int { return y.Time.Time.Compare(x.Time.Time) })
	for _, post := range recent[:min(20, len(recent))] {
		p.Recent = append(p.Recent, PostRef{Key: post.Key, Section: post.Section, Thread: post.Thread, Title: post.ThreadTitle,
			Time: post.TimeText, Text: post.Text, URL: post.URL})
	}
	return p, nil
}

func dateText(t time.Time) string { return t.UTC().Format("2006-01-02") }

func counts(m map[string]int, limit int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Name: k, N: n})
	}
	slices.SortFunc(out, func(x, y Count) int { return cmp.Or(cmp.Compare(y.N, x.N), cmp.Compare(x.Name, y.Name)) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// authorText is what an author wrote, reduced to what comparisons need.
type authorText struct {
	terms    map[string]int
	trigrams map[string]float64
	contacts map[string]bool
	posts    int
}

func (t *authorText) contactList() []string {
	out := make([]string, 0, len(t.contacts))
	for c := range t.contacts {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// authorTexts reduces every author's posts once per analysis.
func (a *Analysis) authorTexts() map[forum.AuthorKey]*authorText {
	a.textsOnce.Do(func() {
		a.texts = map[forum.AuthorKey]*authorText{}
		for i := range a.Posts {
			p := &a.Posts[i]
			k := p.AuthorKey()
			t := a.texts[k]
			if t == nil {
				t = &authorText{terms: map[string]int{}, trigrams: map[string]float64{}, contacts: map[string]bool{}}
				a.texts[k] = t
			}
			t.posts++
			// Read as a reader sees it: "&#33;" and "&amp;" are no words.
			text := forum.DisplayText(p.Text)
			lower := strings.ToLower(text)
			for _, w := range words(lower) {
				if !stopwords[w] {
					t.terms[w]++
				}
			}
			rs := []rune(lower)
			for j := 0; j+3 <= len(rs) && j < 4000; j++ {
				t.trigrams[string(rs[j:j+3])]++
			}
			for _, c := range Contacts(text) {
				t.contacts[c] = true
			}
		}
		writingVectors(a.texts)
	})
	return a.texts
}

// writingVectors turns each author's trigram counts into a style vector:
// TF-IDF over authors (trigrams everyone writes count for nothing), the
// strongest writingDims kept, unit length, so that comparing two is one
// dot product. Authors with fewer than minWritingPosts posts get none.
func writingVectors(texts map[forum.AuthorKey]*authorText) {
	df := map[string]int{}
	for _, t := range texts {
		for g := range t.trigrams {
			df[g]++
		}
	}
	n := float64(len(texts))
	type kv struct {
		k string
		v float64
	}
	for _, t := range texts {
		if t.posts < minWritingPosts {
			t.trigrams = nil
			continue
		}
		total := 0.0
		for _, c := range t.trigrams {
			total += c
		}
		var all []kv
		for g, c := range t.trigrams {
			if w := c / total * math.Log(n/float64(df[g])); w > 0 {
				all = append(all, kv{g, w})
			}
		}
		slices.SortFunc(all, func(x, y kv) int { return cmp.Or(cmp.Compare(y.v, x.v), cmp.Compare(x.k, y.k)) })
		all = all[:min(writingDims, len(all))]
		norm := 0.0
		for _, e := range all {
			norm += e.v * e.v
		}
		norm = math.Sqrt(norm)
		t.trigrams = make(map[string]float64, len(all))
		for _, e := range all {
			t.trigrams[e.k] = e.v / norm
		}
	}
}

const writingDims = 400

// words splits lower-cased text into terms of at least three letters.
func words(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' })
	out := f[:0]
	for _, w := range f {
		w = strings.Trim(w, "'")
		if len([]rune(w)) >= 3 && len(w) <= 40 {
			out = append(out, w)
		}
	}
	return out
}

var contactPatterns = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"jabber", regexp.MustCompile(`(?i)\b(?:jabber|xmpp|jid)\s*[:=]?\s*([a-z0-9._-]{2,64}@[a-z0-9.-]+\.[a-z]{2,})`)},
	{"icq", regexp.MustCompile(`(?i)\bicq\s*[:#=]?\s*(\d{5,10})\b`)},
	{"telegram", regexp.MustCompile(`(?i)(?:\bt\.me/|\btelegram\s*[:=]?\s*@?)([a-z0-9_]{5,32})\b`)},
	{"skype", regexp.MustCompile(`(?i)\bskype\s*[:=]\s*([a-z][a-z0-9._,-]{5,31})\b`)},
	{"email", regexp.MustCompile(`(?i)\b([a-z0-9._%+-]{1,64}@[a-z0-9.-]+\.[a-z]{2,})\b`)},
}

// Contacts returns the contact strings a text gives (jabber, ICQ,
// Telegram, Skype, e-mail), as "kind:value", lower-cased.
func Contacts(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range contactPatterns {
		for _, m := range p.re.FindAllStringSubmatch(text, 20) {
			v := strings.ToLower(m[1])
			if p.kind == "email" && seen["jabber:"+v] {
				continue
			}
			c := p.kind + ":" + v
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// minWritingPosts is how many posts each side needs before writing is
// compared; writingThreshold the trigram cosine that makes a candidate.
const (
	minWritingPosts  = 3
	writingThreshold = 0.7
)

// candidates lists other authors who may be the same person: the same
// handle on another forum, a contact string both posted, or writing whose
// character trigrams are very close.
func (a *Analysis) candidates(k forum.AuthorKey, texts map[forum.AuthorKey]*authorText) []Candidate {
	mine := texts[k]
	out := map[forum.AuthorKey]*Candidate{}
	add := func(o forum.AuthorKey, reason string) *Candidate {
		c := out[o]
		if c == nil {
			c = &Candidate{Forum: o.Forum, Handle: o.Handle}
			if act := a.Actor(o); act != nil {
				c.ID = act.ID
			}
			out[o] = c
		}
		c.Reasons = append(c.Reasons, reason)
		return c
	}
	for o, t := range texts {
		if o == k {
			continue
		}
		if o.Forum != k.Forum && strings.EqualFold(o.Handle, k.Handle) {
			add(o, "same handle on "+o.Forum)
		}
		for c := range t.contacts {
			if mine.contacts[c] {
				add(o, "both posted "+c)
			}
		}
		if len(mine.trigrams) > 0 && len(t.trigrams) > 0 {
			if sim := dot(mine.trigrams, t.trigrams); sim >= writingThreshold {
				add(o, fmt.Sprintf("similar writing (trigram cosine %.2f)", sim)).Writing = round(sim, 3)
			}
		}
	}
	list := make([]Candidate, 0, len(out))
	for _, c := range out {
		slices.Sort(c.Reasons)
		list = append(list, *c)
	}
	slices.SortFunc(list, func(x, y Candidate) int {
		return cmp.Or(cmp.Compare(len(y.Reasons), len(x.Reasons)), cmp.Compare(y.Writing, x.Writing),
			cmp.Compare(x.Forum, y.Forum), cmp.Compare(x.Handle, y.Handle))
	})
	if len(list) > 20 {
		list = list[:20]
	}
	return list
}

// dot is the dot product of two sparse unit vectors: their cosine.
func dot(a, b map[string]float64) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	d := 0.0
	for k, v := range a {
		d += v * b[k]
	}
	return d
}

// Language guesses a post's language from its script and its commonest
// words: cheap, and enough to tell an English poster from a Russian one.
func Language(text string) string {
	var cyr, lat, arab, cjk int
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
		case unicode.Is(unicode.Latin, r):
			lat++
		case unicode.Is(unicode.Arabic, r):
			arab++
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Hangul, r):
			cjk++
		}
	}
	switch {
	case cyr+lat+arab+cjk == 0:
		return "unknown"
	case cyr >= lat && cyr >= arab && cyr >= cjk:
		return "ru"
	case arab > lat:
		return "ar"
	case cjk > lat:
		return "zh/ja/ko"
	}
	best, hits := "en", 0
	ws := strings.Fields(strings.ToLower(text))
	for _, lang := range []string{"en", "de", "fr", "es", "pt", "tr"} {
		n := 0
		for _, w := range ws {
			if langWords[lang][strings.Trim(w, ".,!?;:()\"'")] {
				n++
			}
		}
		if n > hits {
			best, hits = lang, n
		}
	}
	if hits == 0 && len(ws) > 3 {
		return "unknown"
	}
	return best
}

func set(ws ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range ws {
		m[w] = true
	}
	return m
}

var langWords = map[string]map[string]bool{
	"en": set("the", "and", "is", "to", "of", "you", "for", "with", "this", "that", "it", "i", "a", "in", "my", "have", "thanks"),
	"de": set("und", "der", "die", "das", "ist", "nicht", "ich", "ein", "mit", "für", "auch", "danke"),
	"fr": set("le", "la", "les", "et", "est", "pas", "une", "je", "pour", "avec", "merci", "des"),
	"es": set("el", "los", "que", "y", "es", "por", "una", "para", "con", "gracias", "pero"),
	"pt": set("não", "uma", "com", "obrigado", "você", "mais", "isso", "para"),
	"tr": set("ve", "bir", "bu", "için", "çok", "teşekkürler", "ile", "değil"),
}

var stopwords = set("the", "and", "for", "you", "with", "this", "that", "are", "was", "have", "not", "but", "can", "all", "just",
	"your", "what", "from", "they", "will", "there", "one", "out", "get", "has", "had", "its", "it's", "about", "any", "how", "use",
	"like", "more", "some", "would", "now", "also", "then", "them", "who", "been", "than", "when", "only", "here", "which", "our",
	"their", "very", "she", "his", "her", "him", "were", "don't", "i'm", "did", "does", "into", "because", "thanks", "thank",
	"please", "login", "register", "see", "hidden", "content", "http", "https", "www", "com", "attached", "files", "downloads",
	"why", "where", "could", "should", "well", "much", "good", "really", "know", "make", "want", "need", "work", "yes", "too",
	"way", "other", "these", "those", "over", "even", "still", "being", "after", "before", "same", "i've", "you're", "can't")
