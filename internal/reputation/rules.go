package reputation

import (
	"fmt"
	"strings"
)

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
		out = append(out, storeRules(n, sig)...)
		if sig.VT != nil {
			out = append(out, vtRules(sig.VT, sig.VTTags)...)
		}
	}
	return out
}
