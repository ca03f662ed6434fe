package reputation

import (
	"bufio"
	_ "embed"
	"strings"
)

// The parent lists are kept as text files with their provenance in the
// header, so a reader can check and rebuild them.
var (
	//go:embed lists/dynamic_dns.txt
	dynamicDNSText string
	//go:embed lists/free_hosting.txt
	freeHostingText string

	// The long-tail benign names of the evaluation (how the list was made
	// is in its header).
	//go:embed testdata/longtail.txt
	longTailText string

	dynamicDNS  = readList(dynamicDNSText)
	freeHosting = readList(freeHostingText)
)

// LongTail returns the hand-made list of benign names that are on no
// popularity list, in file order.
func LongTail() []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(longTailText))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// readList reads one lower-case name a line; '#' starts a comment.
func readList(text string) map[string]bool {
	set := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.ToLower(strings.TrimSpace(line)); line != "" {
			set[line] = true
		}
	}
	return set
}

// parentIn returns the nearest proper ancestor of domain that is in set
// ("duckdns.org" for a.b.duckdns.org), or "".
func parentIn(domain string, set map[string]bool) string {
	for rest := domain; ; {
		i := strings.IndexByte(rest, '.')
		if i < 0 {
			return ""
		}
		rest = rest[i+1:]
		if strings.IndexByte(rest, '.') < 0 {
			return "" // a TLD is no provider
		}
		if set[rest] {
			return rest
		}
	}
}

// The threat dictionary: words that tell what a name is for, each with the
// tag it earns. Words of four letters or fewer must be a whole token (a
// part between dots, hyphens and digits); longer ones may sit anywhere in
// the name. The words are the usual lures and infrastructure names of
// phishing kits, C2 panels, miners and ransomware portals.
var threatWords = []struct {
	word, tag string
}{
	{"login", "phishing"}, {"logon", "phishing"}, {"signin", "phishing"}, {"verify", "phishing"},
	{"verification", "phishing"}, {"account", "phishing"}, {"secure", "phishing"}, {"webscr", "phishing"},
	{"banking", "phishing"}, {"wallet", "phishing"}, {"recover", "phishing"}, {"unlock", "phishing"},
	{"password", "phishing"}, {"confirm", "phishing"}, {"billing", "phishing"}, {"invoice", "phishing"},
	{"suspend", "phishing"}, {"appleid", "phishing"}, {"auth", "phishing"}, {"update", "phishing"},
	{"c2", "c2"}, {"cnc", "c2"}, {"panel", "c2"}, {"gate", "c2"}, {"beacon", "c2"}, {"implant", "c2"},
	{"miner", "miner"}, {"mining", "miner"}, {"xmr", "miner"}, {"monero", "miner"}, {"stratum", "miner"},
	{"pool", "miner"}, {"coinhive", "miner"},
	{"ransom", "ransomware"}, {"decrypt", "ransomware"}, {"tor2web", "ransomware"}, {"onion", "ransomware"},
	{"stealer", "stealer"}, {"grabber", "stealer"},
	{"exploit", "exploit-kit"}, {"payload", "malware"}, {"dropper", "malware"},
}

// threatHits returns the dictionary words in a name (without its public
// suffix) and their tags, both in dictionary order.
func threatHits(n *Name) (words, tags []string) {
	text := n.Label
	if len(n.Sub) > 0 {
		text = n.Domain[:len(n.Domain)-len(n.Suffix)-1]
	}
	var short uint64 // bit i: short word i is a token
	forTokens(text, func(tok string) {
		if i, ok := shortWord[tok]; ok {
			short |= 1 << i
		}
	})
	for i, tw := range threatWords {
		var hit bool
		if len(tw.word) <= 4 {
			hit = short&(1<<i) != 0
		} else {
			hit = strings.Contains(text, tw.word)
		}
		if hit {
			words = append(words, tw.word)
			tags = appendUnique(tags, tw.tag)
		}
	}
	return words, tags
}

// shortWord maps the dictionary's words of four letters or fewer to their
// index.
var shortWord = func() map[string]int {
	m := map[string]int{}
	for i, tw := range threatWords {
		if len(tw.word) <= 4 {
			m[tw.word] = i
		}
	}
	if len(threatWords) > 64 {
		panic("reputation: the threat dictionary outgrew its bit set")
	}
	return m
}()

// forTokens calls fn with each token of s: the parts between dots,
// hyphens and underscores, split again where digits meet letters.
func forTokens(s string, fn func(string)) {
	start := 0
	for i := 1; i <= len(s); i++ {
		if i == len(s) || isSep(s[i]) || isSep(s[i-1]) || isDigit(s[i]) != isDigit(s[i-1]) {
			if tok := strings.Trim(s[start:i], ".-_"); tok != "" {
				fn(tok)
			}
			start = i
		}
	}
}

func isSep(c byte) bool   { return c == '.' || c == '-' || c == '_' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}
