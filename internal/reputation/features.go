package reputation

import (
	"math"
	"strings"
)

// FeatureNames lists the model's features in vector order. Changing it
// changes FormatVersion: a saved model names its features, and Load refuses
// a model whose names differ.
//
// Nothing about the labels left of the registered domain is among them:
// the benign names of the training data are the popularity list's, which
// lists registered domains (37,040 of its 40,000 names have two labels),
// so any subdomain feature would learn "has a subdomain, so malicious" and
// flag every cs.example.edu. A subdomain is read by the rules instead
// (brand tokens, threat words), and a name under a provider's suffix
// (x.duckdns.org, x.github.io) is scored by its own label. For the same
// reason "is under a private-section suffix" is no feature: every such
// name is a subdomain in ICANN terms. The providers that hand out names
// to anyone are the dynamic-DNS and free-hosting lists instead.
//
// Popularity rank is not among them on purpose: in the training data the
// rank is where the benign label comes from (every benign row has one, no
// malicious row does), so a model that read it would score perfectly and
// learn nothing. Popularity enters only as the look-alike brands and as the
// "popular" rule, which the evaluation reports on its own.
var FeatureNames = []string{
	"label_length",       // of the registered label
	"label_entropy",      // Shannon entropy of the registered label's characters, bits
	"label_digit_ratio",  // share of digits in the registered label
	"label_hyphens",      // hyphens and underscores in the registered label
	"label_vowel_ratio",  // vowels among its letters
	"label_consonants",   // longest run of consonants
	"label_digit_run",    // longest run of digits
	"label_switches",     // letter/digit alternations per character
	"lm_benign",          // log-likelihood per character of the label under the benign model
	"lm_malicious",       // the same under the malicious model
	"lm_ratio",           // their difference: > 0 reads as malicious
	"suffix_ratio",       // log ratio of the ICANN suffix's frequency among malicious and benign names
	"suffix_labels",      // labels in the ICANN suffix (co.uk: 2)
	"known_tld",          // the TLD is an ICANN one
	"dynamic_dns",        // under a dynamic-DNS provider
	"free_hosting",       // under a free web-hosting provider
	"brand_distance",     // edit distance of the label to a popular brand's (1–2; 0 none)
	"brand_glyph",        // the label folds to a brand's by homoglyphs
	"brand_token",        // a brand's label is a token of a name registered elsewhere
	"threat_words",       // words of the threat dictionary in the name
	"hex_label",          // the registered label is hexadecimal, eight characters or more
	"www",                // the name starts with www
	"label_digits_alone", // the registered label is all digits
}

// NumFeatures is len(FeatureNames).
var NumFeatures = len(FeatureNames)

// Feature indices used by rules and tests.
const (
	fLabelLength = iota
	fEntropy
	fDigitRatio
	fHyphens
	fVowelRatio
	fConsonants
	fDigitRun
	fSwitches
	fLMBenign
	fLMMalicious
	fLMRatio
	fSuffixRatio
	fSuffixLabels
	fKnownTLD
	fDynamicDNS
	fFreeHosting
	fBrandDistance
	fBrandGlyph
	fBrandToken
	fThreatWords
	fHexLabel
	fWWW
	fDigitsAlone
)

// artefactTLDs are the TLDs the labelled data's builder dropped from the
// block lists but not from the popularity list (see ../shared/data's
// README): in that data they occur only as benign, which says nothing
// about the world, so their suffix statistic is treated as missing. The
// same holds for punycode TLDs.
var artefactTLDs = map[string]bool{"app": true, "cab": true, "one": true, "py": true, "rs": true, "sh": true, "so": true, "zip": true}

// lexicon is what the features learn from the training data besides the
// classifier: the two character models, the suffix statistics and the
// brands.
type lexicon struct {
	benign, malicious *lm
	suffixRatio       map[string]float64
	suffixUnseen      float64 // the ratio of a suffix never seen
	brands            *brandIndex
}

// facts are the look-ups that both the features and the rules read.
type facts struct {
	dynamicDNS, freeHosting string // the provider parent, if any
	look                    lookalike
	words, tags             []string // threat-dictionary words and their tags
}

func (lx *lexicon) facts(n *Name) facts {
	f := facts{dynamicDNS: parentIn(n.Domain, dynamicDNS), freeHosting: parentIn(n.Domain, freeHosting), look: lx.brands.find(n)}
	f.words, f.tags = threatHits(n)
	return f
}

// features writes the feature vector of n into x (len NumFeatures) and
// returns the look-ups it made.
func (lx *lexicon) features(n *Name, x []float64) facts {
	fc := lx.facts(n)
	d, label := n.Domain, n.Label
	x[fLabelLength] = float64(len(label))
	x[fEntropy] = entropy(label)
	var digits, hyphens, vowels, letters, run, maxRun, drun, maxDrun, switches int
	for i := 0; i < len(label); i++ {
		c := label[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			drun++
			run = 0
		case c == '-' || c == '_':
			hyphens++
			run, drun = 0, 0
		default:
			letters++
			drun = 0
			if strings.IndexByte("aeiouy", c) >= 0 {
				vowels++
				run = 0
			} else {
				run++
			}
		}
		maxRun, maxDrun = max(maxRun, run), max(maxDrun, drun)
		if i > 0 && isDigit(c) != isDigit(label[i-1]) && !isSep(c) && !isSep(label[i-1]) {
			switches++
		}
	}
	x[fDigitRatio] = float64(digits) / float64(len(label))
	x[fHyphens] = float64(hyphens)
	x[fVowelRatio] = math.NaN()
	if letters > 0 {
		x[fVowelRatio] = float64(vowels) / float64(letters)
	}
	x[fConsonants] = float64(maxRun)
	x[fDigitRun] = float64(maxDrun)
	x[fSwitches] = float64(switches) / float64(len(label))
	b, k := lx.benign.logProb(label)
	m, _ := lx.malicious.logProb(label)
	x[fLMBenign], x[fLMMalicious], x[fLMRatio] = b/float64(k), m/float64(k), (m-b)/float64(k)
	x[fSuffixRatio] = lx.suffix(n.ICANNSuffix)
	x[fSuffixLabels] = float64(strings.Count(n.ICANNSuffix, ".") + 1)
	x[fKnownTLD] = b2f(n.KnownTLD)
	x[fDynamicDNS] = b2f(fc.dynamicDNS != "")
	x[fFreeHosting] = b2f(fc.freeHosting != "")
	la := fc.look
	x[fBrandDistance] = float64(la.distance)
	x[fBrandGlyph] = b2f(la.glyph)
	x[fBrandToken] = b2f(la.token)
	x[fThreatWords] = float64(len(fc.words))
	x[fHexLabel] = b2f(len(label) >= 8 && isHex(label))
	x[fWWW] = b2f(strings.HasPrefix(d, "www"))
	x[fDigitsAlone] = b2f(allDigits(label))
	return fc
}

// suffix returns the suffix statistic, NaN for the data's artefact TLDs.
func (lx *lexicon) suffix(icann string) float64 {
	tld := icann
	if i := strings.LastIndexByte(icann, '.'); i >= 0 {
		tld = icann[i+1:]
	}
	if artefactTLDs[tld] || strings.HasPrefix(tld, "xn--") {
		return math.NaN()
	}
	if v, ok := lx.suffixRatio[icann]; ok {
		return v
	}
	return lx.suffixUnseen
}

// suffixCounter counts ICANN suffixes per class.
type suffixCounter struct {
	benign, malicious map[string]float64
	nb, nm            float64
}

func newSuffixCounter() *suffixCounter {
	return &suffixCounter{benign: map[string]float64{}, malicious: map[string]float64{}}
}

func (c *suffixCounter) add(suffix string, malicious bool) {
	if malicious {
		c.malicious[suffix]++
		c.nm++
	} else {
		c.benign[suffix]++
		c.nb++
	}
}

// ratios turns counts into log ratios of class-conditional frequencies
// with add-one smoothing, so the class mix of the data does not enter.
func (c *suffixCounter) ratios() (map[string]float64, float64) {
	v := map[string]bool{}
	for s := range c.benign {
		v[s] = true
	}
	for s := range c.malicious {
		v[s] = true
	}
	V := float64(len(v) + 1)
	r := make(map[string]float64, len(v))
	for s := range v {
		r[s] = math.Log((c.malicious[s]+1)/(c.nm+V)) - math.Log((c.benign[s]+1)/(c.nb+V))
	}
	return r, math.Log(1/(c.nm+V)) - math.Log(1/(c.nb+V))
}

func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [nsym]int
	for i := 0; i < len(s); i++ {
		counts[symOf[s[i]]]++
	}
	n := float64(len(s))
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
