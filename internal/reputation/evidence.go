package reputation

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Signals are what spoor knows about a name beyond its spelling: they need
// the base (the feeds that list it, the events and reports it appears in,
// the parent's and siblings' reputation, its VirusTotal report), so the
// caller gathers them and passes them in — Service does, from its Store.
// The zero value (or nil) means "nothing known", which is how the offline
// command and the training data score. Only the expert rules read them:
// the labelled data has no base around its names, so a model could not
// learn their weight honestly (see storeRules).
type Signals struct {
	// Evidence is what the base holds about the name itself; nil when it
	// holds no domain indicator of that value.
	Evidence *intel.DomainEvidence
	// ParentReputation is the reputation of the registered domain of a
	// subdomain when the base holds that domain (rated on its own
	// evidence), "" otherwise.
	ParentReputation string
	// Siblings and MaliciousSiblings count the other names the base holds
	// under the same registered domain, and how many of them are known bad
	// (listed by a credible feed, on no warninglist).
	Siblings, MaliciousSiblings int
	// ParentRank is the popularity rank of the registered domain of a
	// subdomain, 0 when it has none: listed names under a popular domain
	// say little about a new one (a base of feed indicators holds mostly
	// the listed names under any domain).
	ParentRank int
	// VT is the feature vector of the name's imported VirusTotal report
	// (VTFeatureNames), nil when there is none; VTTags the threat tags its
	// verdicts and categories gave.
	VT     []float64
	VTTags []string
}

// storeRules are the rules on what the base holds. Their weights are set
// by hand, not learnt, and the reasons say what each counted. What they
// keep apart is independence: the feed that lists a name also made the
// events it files the name in (a trail file is an event of its family),
// so those events repeat the feed's word and add nothing to it; only
// events of other sources, and reports, count as company the name keeps.
// An event made from a report (document:<id>) is that report once.
func storeRules(n *Name, sig *Signals) []firing {
	var out []firing
	add := func(f firing) { out = append(out, f) }
	switch sig.ParentReputation {
	case Malicious:
		add(firing{rule: "parent-malicious", logOdds: 1.5, suspicious: true, why: "parent " + n.Registered + " is malicious"})
	case Suspicious:
		add(firing{rule: "parent-suspicious", logOdds: 0.5, why: "parent " + n.Registered + " is suspicious"})
	}
	if sig.MaliciousSiblings >= 3 && 2*sig.MaliciousSiblings >= sig.Siblings {
		why := fmt.Sprintf("%d of %d other names under %s are listed as bad", sig.MaliciousSiblings, sig.Siblings, n.Registered)
		if sig.ParentRank > 0 {
			add(firing{rule: "siblings-under-popular", why: fmt.Sprintf("%s, not counted: %s is on the popularity list (rank %d)",
				why, n.Registered, sig.ParentRank)})
		} else {
			add(firing{rule: "bad-siblings", logOdds: 1, suspicious: true, why: why})
		}
	}
	ev := sig.Evidence
	if ev == nil {
		return out
	}
	listing := map[int64]bool{} // sources that list the name
	var feeds []string
	notBelieved := 1.0 // the chance that every listing feed is wrong
	best := 0.0
	for _, f := range ev.Feeds {
		// A feed's own events are its word even when the word counts for
		// nothing.
		listing[f.SourceID] = true
		if f.Credibility <= 0 {
			continue
		}
		feeds = append(feeds, f.Source)
		c := min(f.Credibility, 1)
		notBelieved *= 1 - c
		best = max(best, c)
	}
	switch {
	case len(feeds) > 0 && ev.Warninglist != "":
		add(firing{rule: "listed-but-warninglisted", why: fmt.Sprintf("in %s (credibility %.1f max), not counted: on the warninglist %s",
			plural(len(feeds), "feed"), best, ev.Warninglist)})
	case len(feeds) > 0:
		// Several feeds are believed together (noisy-or): two feeds of 0.6
		// count as one of 0.84, never as more than one certain feed.
		add(firing{rule: "listed-by-feed", logOdds: 3 * (1 - notBelieved), suspicious: true,
			why: fmt.Sprintf("in %s (credibility %.1f max): %s", plural(len(feeds), "feed"), best, listNames(feeds, 3))})
	}
	reports := map[int64]bool{}
	for _, r := range ev.Reports {
		reports[r.ID] = true
	}
	// Per group, the events and reports that name it; kept apart by
	// whether the listing feed made them.
	own, company := map[string]*tally{}, map[string]*tally{}
	var badItems, badInds, badEvents, badReports int
	count := func(m map[string]*tally, groups []string, report bool) {
		for _, g := range groups {
			t := m[g]
			if t == nil {
				t = &tally{}
				m[g] = t
			}
			if report {
				t.reports++
			} else {
				t.events++
			}
		}
	}
	for _, e := range ev.Events {
		switch {
		case e.DocumentID != 0 && reports[e.DocumentID]:
			continue // the report, counted below
		case listing[e.SourceID]:
			count(own, e.Groups, false)
			continue
		}
		count(company, e.Groups, false)
		if e.BadIndicators > 0 {
			badItems, badInds, badEvents = badItems+1, badInds+e.BadIndicators, badEvents+1
		}
	}
	for _, r := range ev.Reports {
		count(company, r.Groups, true)
		if r.BadIndicators > 0 {
			badItems, badInds, badReports = badItems+1, badInds+r.BadIndicators, badReports+1
		}
	}
	if len(own) > 0 {
		add(firing{rule: "feed-groups", why: "filed under " + groupList(own, func(t *tally) string {
			return plural(t.events, "event")
		}) + " by the feed that lists it (counted with the feed)"})
	}
	if len(company) > 0 {
		items := 0
		for _, t := range company {
			items = max(items, t.events+t.reports)
		}
		add(firing{rule: "group-company", logOdds: float64(min(items, 2)), suspicious: true,
			why: "co-occurs with " + groupList(company, func(t *tally) string {
				var parts []string
				if t.events > 0 {
					parts = append(parts, plural(t.events, "event"))
				}
				if t.reports > 0 {
					parts = append(parts, plural(t.reports, "report"))
				}
				return strings.Join(parts, " and ")
			})})
	}
	if badItems > 0 {
		var where []string
		if badEvents > 0 {
			where = append(where, plural(badEvents, "event"))
		}
		if badReports > 0 {
			where = append(where, plural(badReports, "report"))
		}
		add(firing{rule: "bad-company", logOdds: 0.5 * float64(min(badItems, 3)),
			why: fmt.Sprintf("appears with %s in %s of other sources", plural(badInds, "known-bad indicator"), strings.Join(where, " and "))})
	}
	return out
}

// tally counts the events and reports that name one group.
type tally struct{ events, reports int }

// groupList names the groups of a tally, most items first, at most three,
// each with what counted it ("APT28 in 2 events").
func groupList(m map[string]*tally, what func(*tally) string) string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		ta, tb := m[a], m[b]
		if d := (tb.events + tb.reports) - (ta.events + ta.reports); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for i, name := range names {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("%d more", len(names)-3))
			break
		}
		parts = append(parts, name+" in "+what(m[name]))
	}
	return strings.Join(parts, ", ")
}

// listNames joins up to k names, saying how many more there are.
func listNames(names []string, k int) string {
	if len(names) <= k {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:k], ", ") + fmt.Sprintf(" and %d more", len(names)-k)
}

// plural is "1 feed", "3 feeds".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
