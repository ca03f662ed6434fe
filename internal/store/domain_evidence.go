package store

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Domain evidence: what the base holds about domain names for domain
// reputation (reputation.Service) — the feeds that list a name, the events
// and reports that hold it, and the stored names under a registered
// domain. Every read takes a batch and asks in chunks, so rating the
// API's 10,000 names costs a few dozen queries, not one per name.

// evidenceChunk is how many keys one IN list carries.
const evidenceChunk = 500

// notFeedKinds are the source kinds whose indicators are mentions, not
// listings: a report or a forum post names a domain without saying it is
// bad.
var notFeedKinds = []string{string(intel.SourceReport), string(intel.SourceForum)}

// knownBad is the condition, on an indicator aliased i, that it is known
// bad: on no warninglist and listed by a feed of credibility above zero
// (through an IOC list's provenance row or as the indicator's own source).
// It takes the arguments of knownBadArgs.
const knownBad = `i.warninglist = '' AND (EXISTS (SELECT 1 FROM indicator_sources p JOIN sources ps ON ps.id = p.source_id
	WHERE p.indicator_id = i.id AND ps.credibility > 0 AND ps.kind NOT IN (?, ?))
OR EXISTS (SELECT 1 FROM sources os WHERE os.id = i.source_id AND os.credibility > 0 AND os.kind NOT IN (?, ?)))`

func knownBadArgs() []any {
	return []any{notFeedKinds[0], notFeedKinds[1], notFeedKinds[0], notFeedKinds[1]}
}

// chunks calls fn on consecutive parts of at most evidenceChunk items.
func chunks[T any](items []T, fn func(part []T) error) error {
	for start := 0; start < len(items); start += evidenceChunk {
		if err := fn(items[start:min(start+evidenceChunk, len(items))]); err != nil {
			return err
		}
	}
	return nil
}

// FindDomainEvidence returns, by domain, what the base holds about each of
// the domains given (canonical, as reputation.ParseName gives them) that
// is stored as a domain indicator: its warninglist, the feeds that list it
// (most credible first), the events that hold it and the reports that give
// it, each with the groups it names and how many of its other indicators
// are known bad. Names the base does not hold are absent.
func (s *Store) FindDomainEvidence(ctx context.Context, domains []string) (map[string]*intel.DomainEvidence, error) {
	out := map[string]*intel.DomainEvidence{}
	byID := map[int64]*intel.DomainEvidence{}
	err := chunks(dedupe(domains), func(part []string) error {
		in, args := s.d.inText(part)
		rows, err := s.query(ctx, s.rdb, `SELECT id, value, warninglist FROM indicators WHERE type = ? AND value `+in,
			append([]any{string(intel.IndicatorDomain)}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			ev := &intel.DomainEvidence{Feeds: []intel.FeedListing{}, Events: []intel.EvidenceItem{}, Reports: []intel.EvidenceItem{}}
			if err := rows.Scan(&ev.IndicatorID, &ev.Domain, &ev.Warninglist); err != nil {
				return err
			}
			out[ev.Domain], byID[ev.IndicatorID] = ev, ev
		}
		return rows.Err()
	})
	if err != nil {
		return nil, s.wrap("find domain evidence", err)
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	steps := []func(context.Context, []int64, map[int64]*intel.DomainEvidence) error{s.evidenceListed, s.evidenceFeeds,
		s.evidenceEvents, s.evidenceReports}
	for _, step := range steps {
		if err := step(ctx, ids, byID); err != nil {
			return nil, s.wrap("find domain evidence", err)
		}
	}
	for _, ev := range out {
		slices.SortFunc(ev.Feeds, func(a, b intel.FeedListing) int {
			return cmp.Or(cmp.Compare(b.Credibility, a.Credibility), strings.Compare(a.Source, b.Source))
		})
		byItem := func(a, b intel.EvidenceItem) int { return cmp.Compare(a.ID, b.ID) }
		slices.SortFunc(ev.Events, byItem)
		slices.SortFunc(ev.Reports, byItem)
	}
	return out, nil
}

// evidenceListed marks the indicators that are known bad by the rule
// (knownBad) FindDomainFamilies counts with, so that a name and its
// family are judged alike.
func (s *Store) evidenceListed(ctx context.Context, ids []int64, byID map[int64]*intel.DomainEvidence) error {
	return s.eachKnownBad(ctx, ids, func(id int64) { byID[id].Listed = true })
}

// eachKnownBad calls fn with each of the indicators ids that is known bad
// (knownBad), in chunks.
func (s *Store) eachKnownBad(ctx context.Context, ids []int64, fn func(id int64)) error {
	return chunks(ids, func(part []int64) error {
		in, args := s.d.inInt(part)
		rows, err := s.query(ctx, s.rdb, `SELECT i.id FROM indicators i WHERE i.id `+in+` AND `+knownBad, append(args, knownBadArgs()...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			fn(id)
		}
		return rows.Err()
	})
}

// evidenceFeeds reads the feeds that list the indicators: the provenance
// rows of IOC lists and the indicator's own source, reports and forums
// left out.
func (s *Store) evidenceFeeds(ctx context.Context, ids []int64, byID map[int64]*intel.DomainEvidence) error {
	return chunks(ids, func(part []int64) error {
		in, args := s.d.inInt(part)
		q := `SELECT p.indicator_id, s.id, s.name, s.credibility FROM indicator_sources p JOIN sources s ON s.id = p.source_id
WHERE p.indicator_id ` + in + ` AND s.kind NOT IN (?, ?)
UNION
SELECT i.id, s.id, s.name, s.credibility FROM indicators i JOIN sources s ON s.id = i.source_id
WHERE i.id ` + in + ` AND s.kind NOT IN (?, ?)`
		all := append(append(append(append([]any{}, args...), notFeedKinds[0], notFeedKinds[1]), args...), notFeedKinds[0], notFeedKinds[1])
		rows, err := s.query(ctx, s.rdb, q, all...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var f intel.FeedListing
			if err := rows.Scan(&id, &f.SourceID, &f.Source, &f.Credibility); err != nil {
				return err
			}
			byID[id].Feeds = append(byID[id].Feeds, f)
		}
		return rows.Err()
	})
}

// evidenceLink is one event or report of one indicator.
type evidenceLink struct {
	ind  int64
	item intel.EvidenceItem
}

// evidenceEvents reads the events that hold the indicators, with their
// group (the stored group's name, else the source's label) and the known-
// bad indicators each holds besides the one asked about (for events of a
// source that does not list it; evidenceFeeds runs first).
func (s *Store) evidenceEvents(ctx context.Context, ids []int64, byID map[int64]*intel.DomainEvidence) error {
	var links []evidenceLink
	err := chunks(ids, func(part []int64) error {
		in, args := s.d.inInt(part)
		rows, err := s.query(ctx, s.rdb, `SELECT l.indicator_id, e.id, COALESCE(e.source_id, 0), COALESCE(e.document_id, 0),
	COALESCE(o.name, e.group_label)
FROM event_indicators l JOIN events e ON e.id = l.event_id LEFT JOIN objects o ON o.id = e.group_id
WHERE l.indicator_id `+in, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l evidenceLink
			var group string
			if err := rows.Scan(&l.ind, &l.item.ID, &l.item.SourceID, &l.item.DocumentID, &group); err != nil {
				return err
			}
			l.item.Groups = []string{}
			if group != "" {
				l.item.Groups = append(l.item.Groups, group)
			}
			links = append(links, l)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	// A feed's own event (a trail file) holds what that feed lists, so its
	// known-bad count would only repeat the listing: it is counted for the
	// events of other sources alone, which keeps the look-up small (trail
	// events hold thousands of names).
	lists := func(l evidenceLink) bool {
		return slices.ContainsFunc(byID[l.ind].Feeds, func(f intel.FeedListing) bool { return f.SourceID == l.item.SourceID })
	}
	eventIDs := make([]int64, 0, len(links))
	for _, l := range links {
		if !lists(l) {
			eventIDs = append(eventIDs, l.item.ID)
		}
	}
	bad, err := s.badMembers(ctx, `SELECT l.event_id, l.indicator_id FROM event_indicators l JOIN indicators i ON i.id = l.indicator_id
WHERE l.event_id `, dedupe(eventIDs))
	if err != nil {
		return err
	}
	for _, l := range links {
		if !lists(l) {
			l.item.BadIndicators = countOthers(bad[l.item.ID], l.ind)
		}
		byID[l.ind].Events = append(byID[l.ind].Events, l.item)
	}
	return nil
}

// evidenceReports reads the reports that give the indicators, with the
// groups each mentions and the known-bad indicators it gives besides.
func (s *Store) evidenceReports(ctx context.Context, ids []int64, byID map[int64]*intel.DomainEvidence) error {
	var links []evidenceLink
	err := chunks(ids, func(part []int64) error {
		in, args := s.d.inInt(part)
		rows, err := s.query(ctx, s.rdb, `SELECT l.indicator_id, d.id, COALESCE(d.source_id, 0)
FROM document_indicators l JOIN documents d ON d.id = l.document_id WHERE l.indicator_id `+in, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l evidenceLink
			if err := rows.Scan(&l.ind, &l.item.ID, &l.item.SourceID); err != nil {
				return err
			}
			l.item.Groups = []string{}
			links = append(links, l)
		}
		return rows.Err()
	})
	if err != nil || len(links) == 0 {
		return err
	}
	docIDs := make([]int64, 0, len(links))
	for _, l := range links {
		docIDs = append(docIDs, l.item.ID)
	}
	docIDs = dedupe(docIDs)
	groups := map[int64][]string{}
	err = chunks(docIDs, func(part []int64) error {
		in, args := s.d.inInt(part)
		rows, err := s.query(ctx, s.rdb, `SELECT m.document_id, o.name FROM document_mentions m JOIN objects o ON o.id = m.object_id
WHERE o.kind = ? AND m.document_id `+in+` ORDER BY o.name_norm`, append([]any{string(intel.KindGroup)}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var doc int64
			var name string
			if err := rows.Scan(&doc, &name); err != nil {
				return err
			}
			groups[doc] = append(groups[doc], name)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	bad, err := s.badMembers(ctx, `SELECT l.document_id, l.indicator_id FROM document_indicators l JOIN indicators i ON i.id = l.indicator_id
WHERE l.document_id `, docIDs)
	if err != nil {
		return err
	}
	for _, l := range links {
		l.item.Groups = append(l.item.Groups, groups[l.item.ID]...)
		l.item.BadIndicators = countOthers(bad[l.item.ID], l.ind)
		byID[l.ind].Reports = append(byID[l.ind].Reports, l.item)
	}
	return nil
}

// badMembers runs head (which selects container and indicator IDs and
// ends in "WHERE container column ") over the containers, in chunks, for
// the members that are known bad, and returns them by container.
func (s *Store) badMembers(ctx context.Context, head string, containers []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	err := chunks(containers, func(part []int64) error {
		in, args := s.d.inInt(part)
		rows, err := s.query(ctx, s.rdb, head+in+` AND `+knownBad, append(args, knownBadArgs()...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c, ind int64
			if err := rows.Scan(&c, &ind); err != nil {
				return err
			}
			out[c] = append(out[c], ind)
		}
		return rows.Err()
	})
	return out, err
}

// countOthers counts the members other than self.
func countOthers(members []int64, self int64) int {
	n := len(members)
	if slices.Contains(members, self) {
		n--
	}
	return n
}

// familyLikeMax is the most registered domains FindDomainFamilies
// matches with LIKE rather than by reading every stored name.
const familyLikeMax = 16

// FindDomainFamilies returns, for each registered domain given, the
// stored domain indicators strictly under it and how many of those are
// known bad; registered domains with nothing under them are absent. The
// names under a domain share a suffix, which no index orders, so this is
// one pass over the stored domain names (their index, not the table),
// whatever the number of domains asked about.
func (s *Store) FindDomainFamilies(ctx context.Context, registered []string) (map[string]intel.DomainFamily, error) {
	out := map[string]intel.DomainFamily{}
	if len(registered) == 0 {
		return out, nil
	}
	want := make(map[string]bool, len(registered))
	for _, r := range registered {
		want[r] = true
	}
	under := map[int64]string{} // indicator → the registered domain it is under
	// No index finds names by suffix. A few registered domains (a page's,
	// a search's) are matched by the engine's LIKE, which reads the names
	// without handing each to Go; a batch's many read every name once.
	q, args := `SELECT id, value FROM indicators WHERE type = ?`, []any{string(intel.IndicatorDomain)}
	if len(registered) <= familyLikeMax {
		var ors []string
		for _, r := range registered {
			ors = append(ors, `value LIKE ? ESCAPE '\'`)
			args = append(args, "%."+likeEscape(r))
		}
		q += ` AND (` + strings.Join(ors, " OR ") + `)`
	}
	rows, err := s.query(ctx, s.rdb, q, args...)
	if err != nil {
		return nil, s.wrap("find domain families", err)
	}
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return nil, s.wrap("find domain families", err)
		}
		// Walk up the labels: "a.b.evil.com" is under "b.evil.com",
		// "evil.com" and "com"; the first wanted one is its family (the
		// wanted names are registered domains, so at most one is).
		for i := strings.IndexByte(v, '.'); i >= 0; {
			if p := v[i+1:]; want[p] {
				under[id] = p
				break
			}
			j := strings.IndexByte(v[i+1:], '.')
			if j < 0 {
				break
			}
			i += j + 1
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, s.wrap("find domain families", err)
	}
	ids := make([]int64, 0, len(under))
	for id, r := range under {
		ids = append(ids, id)
		f := out[r]
		f.Names++
		out[r] = f
	}
	slices.Sort(ids)
	err = s.eachKnownBad(ctx, ids, func(id int64) {
		f := out[under[id]]
		f.Listed++
		out[under[id]] = f
	})
	return out, s.wrap("find domain families", err)
}

// dedupe returns the distinct values, sorted.
func dedupe[T int64 | string](vs []T) []T {
	out := slices.Clone(vs)
	slices.Sort(out)
	return slices.Compact(out)
}
