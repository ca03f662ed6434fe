package threat

import "regexp"

// kindRules are transparent rules for the kind of activity, tried in
// order on a thread's title and the start of its post: the baseline that
// says what plain keywords get without learning.
var kindRules = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"tutorial", regexp.MustCompile(`(?i)\[\s*\*?\s*tut|\btut(orial)?s?\b|\bguide\b|\bwrite-?ups?\b|\bexplained\b|\bintroduction\b|\bpart \d`)},
	{"trade", regexp.MustCompile(`(?i)\b(wts|wtb|sell(ing)?|for sale|buy(ing)?|i will pay|will pay|paying|pay \$|\$\d|\d+\$)\b`)},
	{"service", regexp.MustCompile(`(?i)\bservices?\b|\bmentor(ing)?\b|\bbooter\b|\bstresser\b`)},
	{"recruitment", regexp.MustCompile(`(?i)\bhiring\b|\brecruit|\bjoin (us|our|the team)\b|\bbusiness opp`)},
	{"leak", regexp.MustCompile(`(?i)\b(leak(ed)?|dump|combos?|ebooks?|course collection|pdf)\b|paid .* for free`)},
	{"release", regexp.MustCompile(`(?i)\b(release[ds]?|v\d+(\.\d+)*|bot|spoofer|crypter|rat|builder|tool)\b`)},
	{"request", regexp.MustCompile(`(?i)\?|\b(help|need|needed|request|anyone|looking for|how (to|do|can))\b`)},
}

// KindByRules returns the first kind whose rule matches text, else
// discussion.
func KindByRules(text string) string {
	if len(text) > 2000 {
		text = text[:2000]
	}
	for _, r := range kindRules {
		if r.re.MatchString(text) {
			return r.kind
		}
	}
	return "discussion"
}
