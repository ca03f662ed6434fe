package threat

import (
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/forum"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ioc"
	"github.com/spoor/spoor/internal/nlp"
)

// Post is a thread's opening post, or any post, to turn into an event.
type Post struct {
	// Key identifies the post in its forum for idempotent imports
	// ("hackforums.net/tid/6105591", "hackhound/1234#3").
	Key    string    `json:"key,omitempty"`
	Title  string    `json:"title,omitempty"`
	Text   string    `json:"text,omitempty"`
	Author string    `json:"author,omitempty"`
	Time   time.Time `json:"time,omitzero"`
}

// Link is a stored object an entity's name resolves to.
type Link = forum.Link

// Lookup resolves a name (an alias, any case) to a stored group or piece of
// software. The caller backs it with the store's alias index.
type Lookup func(name string) (Link, bool)

// Entity is one thing found in a post; its offsets index Post.Title + "\n"
// + Post.Text.
type Entity = forum.Entity

// ThreatEvent is a classified post with what it names, and the event the
// analysis and attribution read.
type ThreatEvent struct {
	Labels   Labels      `json:"labels"`
	Entities []Entity    `json:"entities"`
	Event    intel.Event `json:"event"`
}

// Extractor turns posts into threat events.
type Extractor struct {
	Model *Model
	// Labeller is the entity recogniser (nlp.DefaultLabeller("dnrti") when
	// nil).
	Labeller *nlp.Labeller
	// Lookup links names to stored groups and software; nil links nothing.
	Lookup Lookup
	// MinScore is the least score of a technique put on the event (the
	// best label is always reported in Labels).
	MinScore float64
}

// recogniserTypes map DNRTI's entity types to the event's.
var recogniserTypes = map[string]string{
	"HackOrg": "group", "Tool": "tool", "SamFile": "malware",
	"Idus": "target", "Org": "target", "Area": "target",
}

var (
	pricePattern    = regexp.MustCompile(`(?i)(?:[$€£]\s?\d[\d,]*(?:\.\d+)?\s?k?\b|\b\d[\d,]*(?:\.\d+)?\s?(?:k\s?)?(?:usd|eur|gbp|dollars?|bucks|euros?|btc|xmr|ltc|eth|usdt)\b|\b\d[\d,]*(?:\.\d+)?\$)`)
	contactPatterns = []struct {
		kind string
		re   *regexp.Regexp
	}{
		{"telegram", regexp.MustCompile(`(?i)(?:\b(?:telegram|tg)\s*[:\-]?\s*@?|\bt\.me/|(?:\b(?:dm|pm|contact|msg)\s+(?:me\s+)?(?:on\s+)?)@)([a-z][a-z0-9_]{4,31})\b`)},
		{"jabber", regexp.MustCompile(`(?i)\b(?:jabber|xmpp|jid)\s*[:\-]?\s*([a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,})`)},
		{"discord", regexp.MustCompile(`(?i)\b([a-z0-9_.]{2,32}#\d{4})\b`)},
		{"icq", regexp.MustCompile(`(?i)\bicq\s*[:#\-]?\s*(\d{5,10})\b`)},
		{"skype", regexp.MustCompile(`(?i)\bskype\s*[:\-]\s*(live:[a-z0-9._-]{3,40}|[a-z][a-z0-9.,_-]{5,31})`)},
	}
)

// maxLookupWords bounds the words whose 1- to 3-grams are looked up.
const maxLookupWords = 2000

// Extract classifies a post and collects what it names: the recogniser's
// groups, tools, malware and targets, the indicators of internal/ioc,
// prices and contact handles (Telegram, Jabber, Discord, ICQ, Skype; an
// e-mail address is an indicator and, after "contact", "email" or
// "mail", a contact too), and stored names found in its words through
// Lookup. The event carries the techniques scoring MinScore or more, the
// software and the first group named (linked ones by their stored names),
// the kind of activity as its purpose, the post's time, and as its
// confidence the score of that kind.
func (x *Extractor) Extract(p Post) (ThreatEvent, error) {
	text := p.Title
	if p.Text != "" {
		text += "\n" + p.Text
	}
	lab := x.Labeller
	if lab == nil {
		var err error
		if lab, err = nlp.DefaultLabeller("dnrti"); err != nil {
			return ThreatEvent{}, err
		}
	}
	te := ThreatEvent{Labels: x.Model.Classify(text, 3, 0.05)}
	var ents []Entity
	for _, e := range lab.Entities(text) {
		if t, ok := recogniserTypes[e.Type]; ok {
			ents = append(ents, Entity{Type: t, Text: e.Text, Start: e.Start, End: e.End, Source: "recogniser"})
		}
	}
	for _, m := range ioc.Extract(text, ioc.DefaultOptions()) {
		s := int(m.Offset)
		ents = append(ents, Entity{Type: m.Type.String(), Text: m.Value, Start: s, End: s + len(m.Raw), Source: "ioc"})
		if m.Type == ioc.TypeEmail && contactWord(text[:s]) {
			ents = append(ents, Entity{Type: "contact", Kind: "email", Text: m.Value, Start: s, End: s + len(m.Raw), Source: "pattern"})
		}
	}
	for _, loc := range pricePattern.FindAllStringIndex(text, -1) {
		v := strings.TrimSpace(text[loc[0]:loc[1]])
		ents = append(ents, Entity{Type: "price", Kind: currency(v), Text: v, Start: loc[0], End: loc[0] + len(v), Source: "pattern"})
	}
	for _, cp := range contactPatterns {
		for _, m := range cp.re.FindAllStringSubmatchIndex(text, -1) {
			ents = append(ents, Entity{Type: "contact", Kind: cp.kind, Text: text[m[2]:m[3]], Start: m[2], End: m[3], Source: "pattern"})
		}
	}
	ents = dropShadowedEmails(ents)
	// The words that speak most for the kind of activity, where no
	// entity stands.
	if k, ok := te.Labels.Top(TargetKind); ok {
		for _, c := range x.Model.Cues(text, TargetKind, k.Label) {
			if !overlaps(ents, c.Start, c.End) {
				ents = append(ents, c)
			}
		}
	}
	if x.Lookup != nil {
		for i := range ents {
			if ents[i].Source == "recogniser" && ents[i].Type != "target" {
				if l, ok := x.Lookup(ents[i].Text); ok {
					// The stored object's kind wins over the recogniser's
					// guess (DNRTI tags malware as Tool).
					ents[i].Link, ents[i].Type = &l, l.Kind
				}
			}
		}
		ents = append(ents, lookupWords(text, x.Lookup, ents)...)
	}
	sort.SliceStable(ents, func(i, j int) bool {
		if ents[i].Start != ents[j].Start {
			return ents[i].Start < ents[j].Start
		}
		return ents[i].End > ents[j].End
	})
	te.Entities = ents
	te.Event = x.event(p, te)
	return te, nil
}

func overlaps(ents []Entity, start, end int) bool {
	for _, e := range ents {
		if start < e.End && e.Start < end {
			return true
		}
	}
	return false
}

// dropShadowedEmails leaves out an e-mail contact where a Jabber contact
// names the same address.
func dropShadowedEmails(ents []Entity) []Entity {
	jabber := map[int]bool{}
	for _, e := range ents {
		if e.Type == "contact" && e.Kind == "jabber" {
			jabber[e.Start] = true
		}
	}
	out := ents[:0]
	for _, e := range ents {
		if !(e.Type == "contact" && e.Kind == "email" && jabber[e.Start]) {
			out = append(out, e)
		}
	}
	return out
}

func contactWord(before string) bool {
	if len(before) > 40 {
		before = before[len(before)-40:]
	}
	b := strings.ToLower(before)
	return strings.Contains(b, "contact") || strings.Contains(b, "mail") || strings.Contains(b, "add me") || strings.Contains(b, "pm")
}

func currency(v string) string {
	l := strings.ToLower(v)
	switch {
	case strings.Contains(l, "btc"):
		return "BTC"
	case strings.Contains(l, "xmr"):
		return "XMR"
	case strings.Contains(l, "ltc"):
		return "LTC"
	case strings.Contains(l, "usdt"):
		return "USDT"
	case strings.Contains(l, "eth"):
		return "ETH"
	case strings.Contains(l, "€") || strings.Contains(l, "eur"):
		return "EUR"
	case strings.Contains(l, "£") || strings.Contains(l, "gbp"):
		return "GBP"
	}
	return "USD"
}

// lookupWords finds stored names among the word 1- to 3-grams of text,
// longest first, where no recognised entity already stands.
func lookupWords(text string, lookup Lookup, have []Entity) []Entity {
	type span struct{ s, e int }
	var toks []span
	start := -1
	for i, r := range text {
		word := r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= utf8.RuneSelf
		if word && start < 0 {
			start = i
		} else if !word && start >= 0 {
			toks = append(toks, span{start, i})
			start = -1
		}
		if len(toks) >= maxLookupWords {
			break
		}
	}
	if start >= 0 && len(toks) < maxLookupWords {
		toks = append(toks, span{start, len(text)})
	}
	covered := func(s, e int) bool {
		for _, h := range have {
			if h.Link != nil && s < h.End && h.Start < e {
				return true
			}
		}
		return false
	}
	var out []Entity
	for i := 0; i < len(toks); {
		n := 0
		for k := min(3, len(toks)-i); k >= 1; k-- {
			s, e := toks[i].s, toks[i+k-1].e
			name := strings.Trim(text[s:e], ".-_")
			// One short word matches too much ("net", "tor" are software
			// names of ATT&CK).
			if len(name) < 3 || k == 1 && (len(name) < 4 || commonWord(name)) || covered(s, e) {
				continue
			}
			if l, ok := lookup(name); ok {
				out = append(out, Entity{Type: l.Kind, Text: text[s:e], Start: s, End: e, Source: "lookup", Link: &l})
				n = k
				break
			}
		}
		i += max(n, 1)
	}
	return out
}

// event builds the intel.Event of a classified post.
func (x *Extractor) event(p Post, te ThreatEvent) intel.Event {
	title := strings.TrimSpace(p.Title)
	if title == "" {
		title, _, _ = strings.Cut(strings.TrimSpace(p.Text), "\n")
	}
	title = clipRunes(title, 200)
	if title == "" {
		title = "forum post"
	}
	ev := intel.Event{Title: title}
	if p.Key != "" {
		ev.Key = "forum:" + p.Key
	}
	if !p.Time.IsZero() {
		ev.Times = []time.Time{p.Time.UTC()}
		ev.FirstSeen, ev.LastSeen = p.Time.UTC(), p.Time.UTC()
	}
	for _, l := range te.Labels[TargetTechnique] {
		if l.Label != NoneLabel && l.Score >= x.MinScore && !contains(ev.Techniques, l.Label) {
			ev.Techniques = append(ev.Techniques, l.Label)
		}
	}
	if k, ok := te.Labels.Top(TargetKind); ok {
		ev.Purpose, ev.Confidence = k.Label, k.Score
	}
	for _, e := range te.Entities {
		name := e.Text
		if e.Link != nil {
			name = e.Link.Name
		}
		// The event names only what links to a stored group or software:
		// the recogniser's unlinked spans on forum text ("Please Login",
		// "1.png 9.82KB") are too noisy for the analysis and attribution
		// that read events. They stay in the entities. A span may also run
		// over a line break: not a name an event can carry.
		if e.Link == nil || strings.ContainsFunc(name, unicode.IsControl) {
			continue
		}
		switch e.Type {
		case "group":
			if ev.GroupLabel == "" {
				ev.GroupLabel = name
				if e.Link != nil {
					ev.GroupID = e.Link.ID
				}
			}
		case "malware", "tool":
			if !contains(ev.Software, name) {
				ev.Software = append(ev.Software, name)
			}
		}
	}
	return ev
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// forumWords are ordinary words, beyond intel's common-word list, that
// name malware families and turn up in forum talk ("expand the list",
// "Inc."): written so, they say nothing about software.
var forumWords = map[string]bool{
	"inc": true, "bumblebee": true, "chaos": true, "cobalt": true, "crypt": true, "dropper": true,
	"express": true, "hook": true, "loader": true, "matrix": true, "nemesis": true,
	"phoenix": true, "prometheus": true, "remote": true, "rover": true,
	"spark": true, "titan": true, "venom": true,
}

// commonWord reports whether a single-word name is an ordinary word not
// written as an acronym: "expand" and "Expand" do not link, "VENOM" does.
func commonWord(name string) bool {
	return (intel.IsCommonWord(name) || forumWords[strings.ToLower(name)]) && name != strings.ToUpper(name)
}
