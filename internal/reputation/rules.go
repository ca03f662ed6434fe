package reputation

import (
	"fmt"
	"strings"
)

// Signals are what spoor knows about a name beyond its spelling: they need
// the store (the parent's and siblings' reputation, the feeds that list it,
// the events it appears in), so the caller gathers them and passes them
// in. The zero value means "nothing known", which is how the offline
// command and the training data score.
type Signals struct {
	// ParentReputation is the reputation held for the registered domain
	// of a subdomain ("malicious", "suspicious", …), "" when unknown.
	ParentReputation string
	// Siblings and MaliciousSiblings count the other names held under the
	// same registered domain, and how many of them are malicious.
	Siblings, MaliciousSiblings int
	// FeedCredibility is the highest credibility (0–1, collect.Credibility)
	// of a collected feed that lists the name as bad; 0 if none does.
	FeedCredibility float64
	// BadCooccurrence counts the events and reports in which the name
	// appears together with known-bad indicators or attack groups.
	BadCooccurrence int
	// VT is the feature vector of the name's imported VirusTotal report
	// (VTFeatureNames), nil when there is none; VTTags the threat tags its
	// verdicts and categories gave.
	VT     []float64
	VTTags []string
}

// firing is one expert rule that fired on a name.
type firing struct {
	rule    string
	logOdds float64 // added to the model's log-odds
	tags    []string
	// suspicious: the name is at least suspicious, whatever the score.
	suspicious bool
	why        string
}

// rules applies the expert rules. x is the name's feature vector and fc
// the look-ups behind it.
func rules(n *Name, x []float64, fc facts, sig *Signals) []firing {
	la := fc.look
	var out []firing
	add := func(f firing) { out = append(out, f) }
	if p := fc.dynamicDNS; p != "" {
		add(firing{rule: "dynamic-dns", logOdds: 1, tags: []string{"dynamic-dns"}, suspicious: true,
			why: "under the dynamic-DNS provider " + p})
	}
	if p := fc.freeHosting; p != "" {
		add(firing{rule: "free-hosting", logOdds: 0.5, tags: []string{"free-hosting"}, suspicious: true,
			why: "under the free web host " + p})
	}
	if la.any() {
		how := "its label is a token of the name"
		switch {
		case la.glyph:
			how = "its label spelled with look-alike characters"
		case la.distance > 0:
			how = fmt.Sprintf("%d edit(s) from its label", la.distance)
		}
		add(firing{rule: "look-alike", logOdds: 1.5, tags: []string{"phishing"}, suspicious: true,
			why: fmt.Sprintf("imitates the popular brand %q (%s)", la.brand, how)})
	}
	if words, tags := fc.words, fc.tags; len(words) > 0 {
		add(firing{rule: "threat-words", logOdds: 0.5 * float64(min(len(words), 2)), tags: tags,
			why: "threat-dictionary words: " + strings.Join(words, ", ")})
	}
	if !n.KnownTLD {
		add(firing{rule: "unknown-tld", logOdds: 1, tags: []string{"alternative-root"}, suspicious: true,
			why: fmt.Sprintf("TLD %q is not an ICANN top-level domain", n.ICANNSuffix)})
	}
	if x[fLabelLength] >= 10 && x[fEntropy] >= 3.5 && x[fConsonants] >= 5 && x[fLMRatio] >= 0 || x[fHexLabel] == 1 {
		add(firing{rule: "random-label", logOdds: 0.5, tags: []string{"dga"},
			why: fmt.Sprintf("the label reads as generated (entropy %.1f bits, %d consonants in a row)", x[fEntropy], int(x[fConsonants]))})
	}
	if sig != nil {
		switch sig.ParentReputation {
		case "malicious":
			add(firing{rule: "parent-malicious", logOdds: 1.5, suspicious: true, why: "its registered domain " + n.Registered + " is malicious"})
		case "suspicious":
			add(firing{rule: "parent-suspicious", logOdds: 0.5, why: "its registered domain " + n.Registered + " is suspicious"})
		}
		if sig.MaliciousSiblings >= 3 && 2*sig.MaliciousSiblings >= sig.Siblings {
			add(firing{rule: "bad-siblings", logOdds: 1, suspicious: true,
				why: fmt.Sprintf("%d of %d names under %s are malicious", sig.MaliciousSiblings, sig.Siblings, n.Registered)})
		}
		if sig.FeedCredibility > 0 {
			add(firing{rule: "listed-by-feed", logOdds: 3 * min(sig.FeedCredibility, 1), suspicious: true,
				why: fmt.Sprintf("listed as bad by a feed of credibility %.1f", sig.FeedCredibility)})
		}
		if sig.VT != nil {
			out = append(out, vtRules(sig.VT, sig.VTTags)...)
		}
		if sig.BadCooccurrence > 0 {
			add(firing{rule: "bad-company", logOdds: 0.5 * float64(min(sig.BadCooccurrence, 3)),
				why: fmt.Sprintf("appears with known-bad indicators or groups in %d events", sig.BadCooccurrence)})
		}
	}
	return out
}
