package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

const eventCols = `e.id, e.title, COALESCE(e.group_id, 0), e.group_label, COALESCE(e.event_key, ''),
	COALESCE(e.document_id, 0), COALESCE(e.source_id, 0), e.first_seen, e.last_seen, e.times, e.techniques,
	e.software, e.indicator_ids, e.sectors, e.purpose, e.victim_countries, e.confidence, e.tlp, e.created_at,
	e.updated_at, (SELECT COUNT(*) FROM event_indicators ei WHERE ei.event_id = e.id)`

func scanEvent(r scanner) (*intel.Event, error) {
	var e intel.Event
	var first, last, created, updated int64
	var times, techniques, software, indIDs, sectors, victims string
	if err := r.Scan(&e.ID, &e.Title, &e.GroupID, &e.GroupLabel, &e.Key, &e.DocumentID, &e.SourceID, &first, &last,
		&times, &techniques, &software, &indIDs, &sectors, &e.Purpose, &victims, &e.Confidence, &e.TLP,
		&created, &updated, &e.IndicatorCount); err != nil {
		return nil, err
	}
	e.FirstSeen, e.LastSeen = fromMS(first), fromMS(last)
	e.CreatedAt, e.UpdatedAt = fromMS(created), fromMS(updated)
	for _, t := range fromJSON[int64](times) {
		e.Times = append(e.Times, fromMS(t))
	}
	e.Techniques, e.Software = fromJSON[string](techniques), fromJSON[string](software)
	e.IndicatorIDs, e.Sectors = fromJSON[int64](indIDs), fromJSON[string](sectors)
	e.VictimCountries = fromJSON[string](victims)
	return &e, nil
}

// FindEventByID returns one event with its indicators (those linked by
// an import, and those listed in its own IndicatorIDs), or CodeNotFound.
func (s *Store) FindEventByID(ctx context.Context, id int64) (*intel.Event, error) {
	e, err := scanEvent(s.queryRow(ctx, s.rdb, `SELECT `+eventCols+` FROM events e WHERE e.id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, s.wrap("find event", notFound("event", id))
	}
	if err != nil {
		return nil, s.wrap("find event", err)
	}
	rows, err := s.query(ctx, s.rdb, `SELECT `+indicatorCols+` FROM indicators i
WHERE i.id IN (SELECT indicator_id FROM event_indicators WHERE event_id = ?)
ORDER BY i.type, i.value`, id)
	if err != nil {
		return nil, s.wrap("find event", err)
	}
	defer rows.Close()
	linked := map[int64]bool{}
	for rows.Next() {
		in, err := scanIndicator(rows)
		if err != nil {
			return nil, s.wrap("find event", err)
		}
		linked[in.ID] = true
		e.Indicators = append(e.Indicators, in)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("find event", err)
	}
	for _, iid := range e.IndicatorIDs {
		if linked[iid] {
			continue
		}
		in, err := s.findIndicatorByID(ctx, s.rdb, iid)
		if intel.ErrorCode(err) == intel.CodeNotFound {
			continue // deleted since: the event keeps the ID, not the value
		}
		if err != nil {
			return nil, s.wrap("find event", err)
		}
		e.Indicators = append(e.Indicators, in)
	}
	return e, nil
}

// FindEvents lists events newest first with keyset paging, optionally
// those of one stored group, one source label or one source.
func (s *Store) FindEvents(ctx context.Context, f intel.EventFilter) (intel.Page[*intel.Event], error) {
	var page intel.Page[*intel.Event]
	ks, err := newKeyset(f.Sort, intel.EventSorts, eventSortSQL, "e.id")
	if err != nil {
		return page, s.wrap("find events", err)
	}
	limit := pageLimit(f.Limit)
	var where []string
	var args []any
	if f.GroupID != 0 {
		where = append(where, "e.group_id = ?")
		args = append(args, f.GroupID)
	}
	if f.GroupLabel != "" {
		where = append(where, "e.group_label = ?")
		args = append(args, f.GroupLabel)
	}
	if f.SourceID != 0 {
		where = append(where, "e.source_id = ?")
		args = append(args, f.SourceID)
	}
	if f.IndicatorID != 0 {
		where = append(where, "e.id IN (SELECT event_id FROM event_indicators WHERE indicator_id = ?)")
		args = append(args, f.IndicatorID)
	}
	// Techniques and victim countries are JSON arrays of IDs and codes.
	if f.Technique != "" {
		clause, targs := techniqueClause(f.Technique)
		where = append(where, clause)
		args = append(args, targs...)
	}
	if f.VictimCountry != "" {
		where = append(where, `e.victim_countries LIKE ? ESCAPE '\'`)
		args = append(args, `%"`+likeEscape(strings.ToUpper(f.VictimCountry))+`"%`)
	}
	if !f.Since.IsZero() {
		where = append(where, "(e.last_seen >= ? OR (e.last_seen = 0 AND e.first_seen >= ?))")
		args = append(args, ms(f.Since), ms(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "e.first_seen <> 0 AND e.first_seen <= ?")
		args = append(args, ms(f.Until))
	}
	if f.After != "" {
		clause, cargs, err := ks.after(f.After)
		if err != nil {
			return page, s.wrap("find events", err)
		}
		where, args = append(where, clause), append(args, cargs...)
	}
	query := `SELECT ` + eventCols + `, ` + ks.col.expr + ` FROM events e`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.query(ctx, s.rdb, query+ks.orderBy()+" LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return page, s.wrap("find events", err)
	}
	page, err = keysetPage(rows, ks, limit, scanEvent, func(x *intel.Event) int64 { return x.ID })
	return page, s.wrap("find events", err)
}

// EventCounts returns how many events the base holds, how many of them
// are linked to a stored group, and how many indicator links they have.
// (Counts lives with search and does not list events; this is its
// companion for the dashboard.)
// They are kept until the next write, as Counts are; the caller owns the
// map it gets.
func (s *Store) EventCounts(ctx context.Context) (intel.Counts, error) {
	c, err := s.cache.eventCounts.get(ctx, s, s.countEvents)
	return maps.Clone(c), err
}

// countEvents counts what EventCounts returns.
func (s *Store) countEvents(ctx context.Context) (map[string]int, error) {
	c := intel.Counts{}
	var events, attributed, links int
	err := s.queryRow(ctx, s.rdb, `SELECT (SELECT COUNT(*) FROM events),
	(SELECT COUNT(*) FROM events WHERE group_id IS NOT NULL),
	(SELECT COUNT(*) FROM event_indicators)`).Scan(&events, &attributed, &links)
	if err != nil {
		return nil, s.wrap("event counts", err)
	}
	c["event"], c["event_attributed"], c["event_indicator"] = events, attributed, links
	return c, nil
}

// FindIndicatorSources returns the provenance of an indicator: one entry
// per source that reported it, most credible first. Imports of IOC lists
// record one row per source (indicator_sources); an indicator written
// another way (a STIX or MISP import, a report, by hand) has its own
// source only, listed from the indicator's fields (merged ones, once a
// list has reported the value too).
func (s *Store) FindIndicatorSources(ctx context.Context, id int64) ([]intel.Provenance, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT p.source_id, s.name, p.first_seen, p.last_seen, p.confidence, s.tlp
FROM indicator_sources p JOIN sources s ON s.id = p.source_id
WHERE p.indicator_id = ?
UNION ALL
SELECT i.source_id, s.name, i.first_seen, i.last_seen, i.confidence, s.tlp
FROM indicators i JOIN sources s ON s.id = i.source_id
WHERE i.id = ? AND NOT EXISTS (SELECT 1 FROM indicator_sources p WHERE p.indicator_id = i.id AND p.source_id = i.source_id)
ORDER BY 5 DESC, 2`, id, id)
	if err != nil {
		return nil, s.wrap("find indicator sources", err)
	}
	defer rows.Close()
	var out []intel.Provenance
	for rows.Next() {
		var p intel.Provenance
		var first, last int64
		if err := rows.Scan(&p.SourceID, &p.SourceName, &first, &last, &p.Confidence, &p.TLP); err != nil {
			return nil, s.wrap("find indicator sources", err)
		}
		p.FirstSeen, p.LastSeen = fromMS(first), fromMS(last)
		out = append(out, p)
	}
	return out, s.wrap("find indicator sources", rows.Err())
}

// groupIndex resolves a source's actor label to a stored group.
type groupIndex struct {
	byExt, byName, byAlias map[string]int64 // normalised → id; -1 when ambiguous
}

func (g *groupIndex) resolve(externalID, label string) int64 {
	if id := g.byExt[intel.NormalizeName(externalID)]; externalID != "" && id > 0 {
		return id
	}
	n := intel.NormalizeName(label)
	if n == "" {
		return 0
	}
	if id := g.byName[n]; id > 0 {
		return id
	}
	if id := g.byAlias[n]; id > 0 {
		return id
	}
	return 0
}

// loadGroupIndex reads the active groups' external IDs, names and
// aliases in two queries.
func (s *Store) loadGroupIndex(ctx context.Context, q querier) (*groupIndex, error) {
	g := &groupIndex{byExt: map[string]int64{}, byName: map[string]int64{}, byAlias: map[string]int64{}}
	put := func(m map[string]int64, k string, id int64) {
		if k == "" {
			return
		}
		if old, ok := m[k]; ok && old != id {
			m[k] = -1 // two groups answer to this name: link neither
			return
		}
		m[k] = id
	}
	rows, err := s.query(ctx, q, `SELECT id, external_id_norm, name_norm FROM objects
WHERE kind = 'group' AND revoked = 0 AND deprecated = 0`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var ext, name string
		if err := rows.Scan(&id, &ext, &name); err != nil {
			rows.Close()
			return nil, err
		}
		put(g.byExt, ext, id)
		put(g.byName, name, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.query(ctx, q, `SELECT a.object_id, a.alias_norm FROM aliases a JOIN objects o ON o.id = a.object_id
WHERE o.kind = 'group' AND o.revoked = 0 AND o.deprecated = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var alias string
		if err := rows.Scan(&id, &alias); err != nil {
			return nil, err
		}
		put(g.byAlias, alias, id)
	}
	return g, rows.Err()
}

// CreateEvent stores an event entered by hand (the events form, POST
// /api/v1/events), audited. A group ID must name a stored group; the
// event's indicators are not linked here.
func (s *Store) CreateEvent(ctx context.Context, e *intel.Event) error {
	if err := e.Validate(); err != nil {
		return s.wrap("create event", err)
	}
	now := truncMS(s.now())
	e.CreatedAt, e.UpdatedAt = now, now
	e.FirstSeen, e.LastSeen = truncMS(e.FirstSeen), truncMS(e.LastSeen)
	times := make([]int64, len(e.Times))
	for i, t := range e.Times {
		e.Times[i] = truncMS(t)
		times[i] = ms(t)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var group any
		if e.GroupID != 0 {
			g, err := s.findObjectByID(ctx, tx, e.GroupID)
			if intel.ErrorCode(err) == intel.CodeNotFound || err == nil && g.Kind != intel.KindGroup {
				return intel.Errorf(intel.CodeInvalid, "event %q: group %d is not a stored group", e.Title, e.GroupID)
			}
			if err != nil {
				return err
			}
			group = e.GroupID
			if e.GroupLabel == "" {
				e.GroupLabel = g.Name
			}
		}
		if err := s.queryRow(ctx, tx, `INSERT INTO events (title, group_id, group_label, first_seen, last_seen, times,
	techniques, software, sectors, purpose, victim_countries, confidence, tlp, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, e.Title, group, e.GroupLabel, ms(e.FirstSeen),
			ms(e.LastSeen), jsonText(times), jsonText(e.Techniques), jsonText(e.Software), jsonText(e.Sectors), e.Purpose,
			jsonText(e.VictimCountries), e.Confidence, e.TLP, ms(now), ms(now)).Scan(&e.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, "event.create", "event", e.ID, e.Title)
	})
	return s.wrap("create event", err)
}

// SaveSourceEvents stores events a source derives (a forum's threat
// events, say) in one transaction, keyed by (source, Key): an event whose
// key the source already has is left as stored, so deriving them again
// adds nothing. It returns how many were new.
func (s *Store) SaveSourceEvents(ctx context.Context, sourceID int64, events []*intel.Event) (int, error) {
	created := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		created, err = s.saveSourceEventsTx(ctx, tx, sourceID, events)
		return err
	})
	return created, s.wrap("save source events", err)
}

// saveSourceEventsTx is SaveSourceEvents within tx.
func (s *Store) saveSourceEventsTx(ctx context.Context, tx *sql.Tx, sourceID int64, events []*intel.Event) (int, error) {
	created := 0
	now := ms(s.now())
	for i, e := range events {
		if e.Key == "" {
			return 0, intel.Errorf(intel.CodeInvalid, "event %d (%q): a derived event needs a key", i+1, e.Title)
		}
		if err := e.Validate(); err != nil {
			return 0, err
		}
		times := make([]int64, len(e.Times))
		for j, t := range e.Times {
			times[j] = ms(t)
		}
		var group any
		if e.GroupID != 0 {
			group = e.GroupID
		}
		r, err := s.exec(ctx, tx, `INSERT INTO events (title, group_id, group_label, source_id, event_key, first_seen, last_seen, times,
	techniques, software, sectors, purpose, victim_countries, confidence, tlp, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, event_key) DO NOTHING`, e.Title, group, e.GroupLabel, sourceID, e.Key,
			ms(e.FirstSeen), ms(e.LastSeen), jsonText(times), jsonText(e.Techniques), jsonText(e.Software), jsonText(e.Sectors), e.Purpose,
			jsonText(e.VictimCountries), e.Confidence, e.TLP, now, now)
		if err != nil {
			return 0, fmt.Errorf("event %q: %w", e.Key, err)
		}
		if n, _ := r.RowsAffected(); n > 0 {
			created++
		}
	}
	if created == 0 {
		return 0, nil
	}
	return created, s.audit(ctx, tx, "event.derive", "source", sourceID, fmt.Sprintf("%d events derived, %d new", len(events), created))
}

// techniqueClause matches the events that hold an ATT&CK technique: a
// technique finds its sub-techniques too (T1566 finds T1566.001), a
// sub-technique only itself.
func techniqueClause(technique string) (string, []any) {
	id := likeEscape(strings.ToUpper(technique))
	if strings.Contains(id, ".") {
		return `e.techniques LIKE ? ESCAPE '\'`, []any{`%"` + id + `"%`}
	}
	return `(e.techniques LIKE ? ESCAPE '\' OR e.techniques LIKE ? ESCAPE '\')`, []any{`%"` + id + `"%`, `%"` + id + `.%`}
}

// FindTechniqueTimeline lists the stored groups whose events hold a
// technique (or one of its sub-techniques), most events first, each with
// the dates of those events: which groups use it, and when.
func (s *Store) FindTechniqueTimeline(ctx context.Context, technique string) ([]intel.TechniqueUse, error) {
	clause, args := techniqueClause(technique)
	rows, err := s.query(ctx, s.rdb, `SELECT e.group_id, o.name, e.first_seen FROM events e JOIN objects o ON o.id = e.group_id
WHERE `+clause+` ORDER BY e.group_id, e.first_seen`, args...)
	if err != nil {
		return nil, s.wrap("find technique timeline", err)
	}
	defer rows.Close()
	var out []intel.TechniqueUse
	for rows.Next() {
		var groupID, first int64
		var name string
		if err := rows.Scan(&groupID, &name, &first); err != nil {
			return nil, s.wrap("find technique timeline", err)
		}
		if len(out) == 0 || out[len(out)-1].GroupID != groupID {
			out = append(out, intel.TechniqueUse{GroupID: groupID, Group: name, Dates: []time.Time{}})
		}
		u := &out[len(out)-1]
		u.Events++
		if first != 0 {
			u.Dates = append(u.Dates, fromMS(first))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("find technique timeline", err)
	}
	slices.SortStableFunc(out, func(a, b intel.TechniqueUse) int {
		if a.Events != b.Events {
			return b.Events - a.Events
		}
		return strings.Compare(a.Group, b.Group)
	})
	return out, nil
}
