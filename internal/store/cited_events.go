package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"

	"github.com/spoor/spoor/internal/intel"
)

// citedKeyPrefix marks the events DeriveReportEvents owns: one per group
// and cited report, keyed "cited:<group id>:<document id>".
const citedKeyPrefix = "cited:"

// citedEventsQuery lists, for every "uses" link of an active group to an
// active technique or software, the reports that back it — and the same
// for campaigns attributed to an active group, whose reports are events
// of that group. Ordered so that one (group, report) pair's rows are
// adjacent.
const citedEventsQuery = `SELECT g.id, g.name, d.id, d.title, d.published, d.citation, t.kind, COALESCE(t.external_id, ''), t.name,
	COALESCE(r.source_id, 0), r.confidence
FROM relationships r JOIN relationship_citations rc ON rc.relationship_id = r.id
JOIN documents d ON d.id = rc.document_id JOIN objects t ON t.id = r.target_ref JOIN objects g ON g.id = r.source_ref
WHERE r.type = 'uses' AND r.revoked = 0 AND r.deprecated = 0 AND t.revoked = 0 AND t.deprecated = 0
	AND t.kind IN ('technique', 'software') AND g.kind = 'group' AND g.revoked = 0 AND g.deprecated = 0
UNION ALL
SELECT g.id, g.name, d.id, d.title, d.published, d.citation, t.kind, COALESCE(t.external_id, ''), t.name,
	COALESCE(r.source_id, 0), r.confidence
FROM relationships r JOIN relationship_citations rc ON rc.relationship_id = r.id
JOIN documents d ON d.id = rc.document_id JOIN objects t ON t.id = r.target_ref JOIN objects c ON c.id = r.source_ref
JOIN relationships a ON a.source_ref = c.id AND a.type = 'attributed-to' AND a.revoked = 0 AND a.deprecated = 0
JOIN objects g ON g.id = a.target_ref
WHERE r.type = 'uses' AND r.revoked = 0 AND r.deprecated = 0 AND t.revoked = 0 AND t.deprecated = 0
	AND t.kind IN ('technique', 'software') AND c.kind = 'campaign' AND c.revoked = 0 AND c.deprecated = 0
	AND g.kind = 'group' AND g.revoked = 0 AND g.deprecated = 0
ORDER BY 1, 3`

// DeriveReportEvents makes the reports that back a group's "uses"
// relationships (ATT&CK's procedure citations, above all) into stored
// events of that group: one per group and report, holding the techniques
// and software the report is cited for, on the report's date, with the
// report linked. It brings the stored set up to date in one transaction —
// new pairs added, changed ones rewritten, pairs no longer backed (a
// revoked link, a merged group) removed — so that it can run after every
// change to the base and adds nothing when nothing changed. The events
// are then listed, filtered and analysed like every other event.
func (s *Store) DeriveReportEvents(ctx context.Context) (intel.DerivedEvents, error) {
	const op = "derive report events"
	var out intel.DerivedEvents
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		want, order, err := s.citedEvents(ctx, tx)
		if err != nil {
			return err
		}
		have, err := s.storedCitedEvents(ctx, tx)
		if err != nil {
			return err
		}
		now := ms(s.now())
		for _, key := range order {
			e := want[key]
			old, ok := have[key]
			delete(have, key)
			source := nullID(e.SourceID)
			switch {
			case !ok:
				if _, err := s.exec(ctx, tx, `INSERT INTO events (title, group_id, group_label, document_id, source_id, event_key,
	first_seen, last_seen, techniques, software, confidence, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Title, e.GroupID, e.GroupLabel, e.DocumentID, source, key,
					ms(e.FirstSeen), ms(e.LastSeen), jsonText(e.Techniques), jsonText(e.Software), e.Confidence, now, now); err != nil {
					return fmt.Errorf("event %s: %w", key, err)
				}
				out.Created++
			case !sameCitedEvent(old, e):
				if _, err := s.exec(ctx, tx, `UPDATE events SET title = ?, group_label = ?, source_id = ?, first_seen = ?,
	last_seen = ?, techniques = ?, software = ?, confidence = ?, updated_at = ? WHERE id = ?`, e.Title, e.GroupLabel, source,
					ms(e.FirstSeen), ms(e.LastSeen), jsonText(e.Techniques), jsonText(e.Software), e.Confidence, now, old.ID); err != nil {
					return fmt.Errorf("event %s: %w", key, err)
				}
				out.Updated++
			}
		}
		for key, old := range have {
			if _, err := s.exec(ctx, tx, `DELETE FROM events WHERE id = ?`, old.ID); err != nil {
				return fmt.Errorf("event %s: %w", key, err)
			}
			out.Deleted++
		}
		out.Total = len(order)
		if out.Created+out.Updated+out.Deleted == 0 {
			return nil
		}
		return s.audit(ctx, tx, "event.derive", "event", 0, fmt.Sprintf("cited reports: %d events, %d new, %d changed, %d removed",
			out.Total, out.Created, out.Updated, out.Deleted))
	})
	return out, s.wrap(op, err)
}

// citedEvents computes the events the base's citations back, by key, and
// their keys in group and report order.
func (s *Store) citedEvents(ctx context.Context, q querier) (map[string]*intel.Event, []string, error) {
	rows, err := s.query(ctx, q, citedEventsQuery)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	want := map[string]*intel.Event{}
	var order []string
	for rows.Next() {
		var groupID, docID, published, sourceID int64
		var group, title, citation, kind, extID, name string
		var confidence float64
		if err := rows.Scan(&groupID, &group, &docID, &title, &published, &citation, &kind, &extID, &name, &sourceID, &confidence); err != nil {
			return nil, nil, err
		}
		key := citedKeyPrefix + strconv.FormatInt(groupID, 10) + ":" + strconv.FormatInt(docID, 10)
		e := want[key]
		if e == nil {
			date := fromMS(published)
			if published == 0 { // a citation stored before its date was read
				date, _ = intel.CitationDate(citation)
			}
			e = &intel.Event{GroupID: groupID, GroupLabel: group, DocumentID: docID, Key: key, Title: title,
				FirstSeen: date, LastSeen: date, SourceID: sourceID}
			want[key] = e
			order = append(order, key)
		}
		// The event belongs to the lowest-numbered source citing it, so
		// that the choice does not depend on row order.
		if sourceID != 0 && (e.SourceID == 0 || sourceID < e.SourceID) {
			e.SourceID = sourceID
		}
		e.Confidence = max(e.Confidence, confidence)
		switch {
		case kind == string(intel.KindTechnique) && extID != "":
			e.Techniques = append(e.Techniques, extID)
		case kind == string(intel.KindSoftware):
			e.Software = append(e.Software, name)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, e := range want {
		slices.Sort(e.Techniques)
		e.Techniques = slices.Compact(e.Techniques)
		slices.Sort(e.Software)
		e.Software = slices.Compact(e.Software)
	}
	return want, order, nil
}

// storedCitedEvents reads the events an earlier derivation stored.
func (s *Store) storedCitedEvents(ctx context.Context, q querier) (map[string]*intel.Event, error) {
	rows, err := s.query(ctx, q, `SELECT `+eventCols+` FROM events e WHERE e.event_key LIKE ?`, citedKeyPrefix+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]*intel.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		have[e.Key] = e
	}
	return have, rows.Err()
}

// sameCitedEvent says whether a stored cited-report event already holds
// what the citations back.
func sameCitedEvent(old, e *intel.Event) bool {
	return old.Title == e.Title && old.GroupLabel == e.GroupLabel && old.SourceID == e.SourceID &&
		old.FirstSeen.Equal(e.FirstSeen) && old.LastSeen.Equal(e.LastSeen) && old.Confidence == e.Confidence &&
		slices.Equal(old.Techniques, e.Techniques) && slices.Equal(old.Software, e.Software)
}
