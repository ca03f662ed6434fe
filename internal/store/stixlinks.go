package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// linkKinds are the ImportStats kinds of ImportLinks, in summary order.
var linkKinds = []string{"stix-indicator", "indicates", "report-ref", "target", "sighting"}

// ImportLinks writes what a STIX bundle says beyond ImportBundle, in one
// transaction: which indicators each STIX indicator yielded, indicator →
// object links, report coverage, victims and sightings. Call it after
// ImportBundle of the same bundle: the source must be stored, and the
// indicators and report documents it names are found in the base.
//
// Links between STIX IDs are stored as STIX IDs and resolved when read,
// so a link that arrives before an end (a later TAXII page or pull) is
// kept. A sighting needs its indicator now: without it, it is rejected
// with a warning. Like ImportBundle, a re-import changes nothing.
func (s *Store) ImportLinks(ctx context.Context, l *intel.BundleLinks) (*intel.ImportStats, error) {
	stats := &intel.ImportStats{Counts: map[string]*intel.ImportCount{}}
	for _, k := range linkKinds {
		stats.Count(k)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		src, err := scanSource(s.queryRow(ctx, tx, `SELECT `+sourceCols+` FROM sources WHERE name = ?`, l.Source.Name))
		if err == sql.ErrNoRows {
			return intel.Errorf(intel.CodeInvalid, "source %q is not stored: import the bundle first", l.Source.Name)
		}
		if err != nil {
			return fmt.Errorf("source %q: %w", l.Source.Name, err)
		}
		lw := &linkWriter{s: s, tx: tx, src: src.ID, stats: stats}
		steps := []func(context.Context, *intel.BundleLinks) error{
			lw.indicators, lw.indicates, lw.reports, lw.targets, lw.sightings,
		}
		for _, step := range steps {
			if err := step(ctx, l); err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, "import.links", "source", src.ID, linksSummary(stats))
	})
	if err != nil {
		return nil, s.wrap("import links", err)
	}
	return stats, nil
}

func linksSummary(st *intel.ImportStats) string {
	var parts []string
	for _, k := range linkKinds {
		if c := st.Counts[k]; c != nil && c.Seen > 0 {
			parts = append(parts, fmt.Sprintf("%s %d new %d changed", k, c.Created, c.Updated))
		}
	}
	if len(parts) == 0 {
		return "empty"
	}
	return strings.Join(parts, ", ")
}

// linkWriter is the state of one ImportLinks.
type linkWriter struct {
	s     *Store
	tx    *sql.Tx
	src   int64
	stats *intel.ImportStats
}

func (w *linkWriter) warn(format string, args ...any) { warn(w.stats, format, args...) }

// insertOnce runs an INSERT … ON CONFLICT DO NOTHING and counts a created
// or unchanged row.
func (w *linkWriter) insertOnce(ctx context.Context, c *intel.ImportCount, query string, args ...any) error {
	res, err := w.s.exec(ctx, w.tx, query, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		c.Created++
	} else {
		c.Unchanged++
	}
	return nil
}

func (w *linkWriter) indicators(ctx context.Context, l *intel.BundleLinks) error {
	c := w.stats.Count("stix-indicator")
	for _, si := range l.Indicators {
		for _, k := range si.Keys {
			c.Seen++
			var id int64
			err := w.s.queryRow(ctx, w.tx, `SELECT id FROM indicators WHERE type = ? AND value = ?`, k.Type, k.Value).Scan(&id)
			if err == sql.ErrNoRows {
				c.Rejected++
				w.warn("%s: indicator %s %q is not stored", si.StixID, k.Type, k.Value)
				continue
			}
			if err != nil {
				return fmt.Errorf("%s: %w", si.StixID, err)
			}
			if err := w.insertOnce(ctx, c, `INSERT INTO stix_indicators (stix_id, indicator_id, source_id) VALUES (?, ?, ?)
ON CONFLICT DO NOTHING`, si.StixID, id, nullID(w.src)); err != nil {
				return fmt.Errorf("%s: %w", si.StixID, err)
			}
		}
	}
	return nil
}

func (w *linkWriter) indicates(ctx context.Context, l *intel.BundleLinks) error {
	c := w.stats.Count("indicates")
	for _, il := range l.Indicates {
		c.Seen++
		if il.StixID == "" || il.IndicatorRef == "" || il.ObjectRef == "" {
			c.Rejected++
			w.warn("indicator link %q: no STIX ID or end", il.StixID)
			continue
		}
		var typ, ind, obj, desc string
		err := w.s.queryRow(ctx, w.tx, `SELECT type, indicator_ref, object_ref, description FROM indicator_links WHERE stix_id = ?`,
			il.StixID).Scan(&typ, &ind, &obj, &desc)
		switch {
		case err == sql.ErrNoRows:
			if _, err := w.s.exec(ctx, w.tx, `INSERT INTO indicator_links (stix_id, type, indicator_ref, object_ref, description, source_id)
VALUES (?, ?, ?, ?, ?, ?)`, il.StixID, il.Type, il.IndicatorRef, il.ObjectRef, il.Description, nullID(w.src)); err != nil {
				return fmt.Errorf("%s: %w", il.StixID, err)
			}
			c.Created++
		case err != nil:
			return fmt.Errorf("%s: %w", il.StixID, err)
		case typ == il.Type && ind == il.IndicatorRef && obj == il.ObjectRef && desc == il.Description:
			c.Unchanged++
		default:
			if _, err := w.s.exec(ctx, w.tx, `UPDATE indicator_links SET type = ?, indicator_ref = ?, object_ref = ?, description = ?,
	source_id = ? WHERE stix_id = ?`, il.Type, il.IndicatorRef, il.ObjectRef, il.Description, nullID(w.src), il.StixID); err != nil {
				return fmt.Errorf("%s: %w", il.StixID, err)
			}
			c.Updated++
		}
	}
	return nil
}

// reports links each report document to the STIX IDs it covers. The
// objects among them that are stored already also get the report as a
// citation, so the report shows on their profile.
func (w *linkWriter) reports(ctx context.Context, l *intel.BundleLinks) error {
	c := w.stats.Count("report-ref")
	for _, r := range l.Reports {
		// The key ImportBundle gives a document: its URL, else its title.
		key := "title:" + r.Title
		if k := documentKey(r.URL); k != nil {
			key = k.(string)
		}
		var docID int64
		err := w.s.queryRow(ctx, w.tx, `SELECT id FROM documents WHERE dedupe_key = ?`, key).Scan(&docID)
		if err == sql.ErrNoRows {
			n := len(r.ObjectRefs) + len(r.IndicatorRefs)
			c.Seen += n
			c.Rejected += n
			w.warn("report %q: no stored document", r.Title)
			continue
		}
		if err != nil {
			return fmt.Errorf("report %q: %w", r.Title, err)
		}
		for _, ref := range slices.Concat(r.ObjectRefs, r.IndicatorRefs) {
			c.Seen++
			if err := w.insertOnce(ctx, c, `INSERT INTO report_refs (document_id, ref, source_id) VALUES (?, ?, ?)
ON CONFLICT DO NOTHING`, docID, ref, nullID(w.src)); err != nil {
				return fmt.Errorf("report %q: %w", r.Title, err)
			}
		}
		for _, ref := range r.ObjectRefs {
			if _, err := w.s.exec(ctx, w.tx, `INSERT INTO object_citations (object_id, document_id)
SELECT id, ? FROM objects WHERE stix_id = ? ON CONFLICT DO NOTHING`, docID, ref); err != nil {
				return fmt.Errorf("report %q: cite %s: %w", r.Title, ref, err)
			}
		}
	}
	return nil
}

func (w *linkWriter) targets(ctx context.Context, l *intel.BundleLinks) error {
	c := w.stats.Count("target")
	for _, t := range l.Targets {
		c.Seen++
		if t.ObjectRef == "" || t.Kind == "" || t.Value == "" {
			c.Rejected++
			w.warn("target %q: no attacker, kind or value", t.StixID)
			continue
		}
		if err := w.insertOnce(ctx, c, `INSERT INTO object_targets (object_ref, kind, value, stix_id, source_id)
VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, t.ObjectRef, t.Kind, t.Value, t.StixID, nullID(w.src)); err != nil {
			return fmt.Errorf("target %s %s: %w", t.Kind, t.Value, err)
		}
	}
	return nil
}

func (w *linkWriter) sightings(ctx context.Context, l *intel.BundleLinks) error {
	c := w.stats.Count("sighting")
	for _, sg := range l.Sightings {
		ids, err := w.s.stixIndicatorIDs(ctx, w.tx, sg.IndicatorRef)
		if err != nil {
			return fmt.Errorf("sighting %s: %w", sg.StixID, err)
		}
		if len(ids) == 0 || sg.StixID == "" {
			c.Seen++
			c.Rejected++
			w.warn("sighting %s: indicator %s is not stored", sg.StixID, sg.IndicatorRef)
			continue
		}
		for _, id := range ids {
			c.Seen++
			sg := sg
			sg.IndicatorID, sg.SourceID, sg.Origin = id, w.src, intel.SightingSTIX
			sg.SeenAt, sg.FirstSeen, sg.LastSeen = truncMS(sg.SeenAt), truncMS(sg.FirstSeen), truncMS(sg.LastSeen)
			old, err := scanSighting(w.s.queryRow(ctx, w.tx, `SELECT `+sightingCols+` FROM sightings g
WHERE g.stix_id = ? AND g.indicator_id = ?`, sg.StixID, id))
			switch {
			case err == sql.ErrNoRows:
				if err := w.s.insertSighting(ctx, w.tx, &sg); err != nil {
					return fmt.Errorf("sighting %s: %w", sg.StixID, err)
				}
				c.Created++
				continue
			case err != nil:
				return fmt.Errorf("sighting %s: %w", sg.StixID, err)
			}
			sg.ID = old.ID
			if old.SeenAt.Equal(sg.SeenAt) && old.Count == sg.Count && old.Note == sg.Note && old.FirstSeen.Equal(sg.FirstSeen) &&
				old.LastSeen.Equal(sg.LastSeen) && slices.Equal(old.Where, sg.Where) && old.SourceID == sg.SourceID {
				c.Unchanged++
				continue
			}
			if _, err := w.s.exec(ctx, w.tx, `UPDATE sightings SET seen_at = ?, count = ?, source_id = ?, note = ?, first_seen = ?,
	last_seen = ?, where_sighted = ? WHERE id = ?`, ms(sg.SeenAt), sg.Count, nullID(sg.SourceID), sg.Note, ms(sg.FirstSeen),
				ms(sg.LastSeen), jsonText(sg.Where), sg.ID); err != nil {
				return fmt.Errorf("sighting %s: %w", sg.StixID, err)
			}
			c.Updated++
		}
	}
	return nil
}

func (s *Store) stixIndicatorIDs(ctx context.Context, q querier, stixID string) ([]int64, error) {
	return s.queryIDs(ctx, q, `SELECT indicator_id FROM stix_indicators WHERE stix_id = ? ORDER BY indicator_id`, stixID)
}

// queryIDs runs a query of one integer column and returns its values.
func (s *Store) queryIDs(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := s.query(ctx, q, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

const sightingCols = `g.id, g.indicator_id, g.seen_at, g.count, COALESCE(g.source_id, 0), g.note, COALESCE(g.stix_id, ''),
	g.first_seen, g.last_seen, g.where_sighted, g.sensor, g.log_file, g.origin, g.recorded_by, g.recorded_at`

func scanSighting(r scanner) (*intel.Sighting, error) {
	var sg intel.Sighting
	var seen, first, last, recorded int64
	var where string
	if err := r.Scan(&sg.ID, &sg.IndicatorID, &seen, &sg.Count, &sg.SourceID, &sg.Note, &sg.StixID,
		&first, &last, &where, &sg.Sensor, &sg.LogFile, &sg.Origin, &sg.RecordedBy, &recorded); err != nil {
		return nil, err
	}
	sg.SeenAt, sg.FirstSeen, sg.LastSeen, sg.RecordedAt = fromMS(seen), fromMS(first), fromMS(last), fromMS(recorded)
	sg.Where = fromJSON[string](where)
	return &sg, nil
}

func (s *Store) insertSighting(ctx context.Context, q querier, sg *intel.Sighting) error {
	sg.RecordedBy, sg.RecordedAt = intel.ActorFrom(ctx).Login, truncMS(s.now())
	return s.queryRow(ctx, q, `INSERT INTO sightings (indicator_id, seen_at, count, source_id, note, stix_id, first_seen,
	last_seen, where_sighted, sensor, log_file, origin, recorded_by, recorded_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, sg.IndicatorID, ms(sg.SeenAt), sg.Count,
		nullID(sg.SourceID), sg.Note, nullStr(sg.StixID), ms(sg.FirstSeen), ms(sg.LastSeen), jsonText(sg.Where),
		sg.Sensor, sg.LogFile, sg.Origin, sg.RecordedBy, ms(sg.RecordedAt)).Scan(&sg.ID)
}

// FindSightings lists the sightings of an indicator, latest first.
func (s *Store) FindSightings(ctx context.Context, indicatorID int64) ([]intel.Sighting, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+sightingCols+` FROM sightings g WHERE g.indicator_id = ?
ORDER BY g.seen_at DESC, g.id DESC LIMIT ?`, indicatorID, maxLimit)
	if err != nil {
		return nil, s.wrap("find sightings", err)
	}
	defer rows.Close()
	var out []intel.Sighting
	for rows.Next() {
		sg, err := scanSighting(rows)
		if err != nil {
			return nil, s.wrap("find sightings", err)
		}
		out = append(out, *sg)
	}
	return out, s.wrap("find sightings", rows.Err())
}

// FindIndicatorRelations lists the indicator links that touch an object
// (objectID > 0) or an indicator (indicatorID > 0), resolving their STIX
// ends; links whose ends are not stored (yet) are left out.
func (s *Store) FindIndicatorRelations(ctx context.Context, objectID, indicatorID int64) ([]intel.IndicatorRelation, error) {
	query := `SELECT si.indicator_id, o.id, l.type, COALESCE(l.source_id, 0), l.description
FROM indicator_links l
JOIN objects o ON o.stix_id = l.object_ref
JOIN stix_indicators si ON si.stix_id = l.indicator_ref
WHERE `
	var arg int64
	switch {
	case objectID > 0:
		query, arg = query+`o.id = ?`, objectID
	case indicatorID > 0:
		query, arg = query+`si.indicator_id = ?`, indicatorID
	default:
		return nil, s.wrap("find indicator relations", intel.Errorf(intel.CodeInvalid, "an object or an indicator is required"))
	}
	rows, err := s.query(ctx, s.rdb, query+` ORDER BY si.indicator_id, o.id, l.type LIMIT ?`, arg, maxLimit)
	if err != nil {
		return nil, s.wrap("find indicator relations", err)
	}
	defer rows.Close()
	var out []intel.IndicatorRelation
	for rows.Next() {
		var r intel.IndicatorRelation
		if err := rows.Scan(&r.IndicatorID, &r.ObjectID, &r.Type, &r.SourceID, &r.Description); err != nil {
			return nil, s.wrap("find indicator relations", err)
		}
		// One indicator may be linked to an object by several STIX
		// relationships (several sources): list it once.
		if n := len(out); n > 0 && out[n-1].IndicatorID == r.IndicatorID && out[n-1].ObjectID == r.ObjectID && out[n-1].Type == r.Type {
			continue
		}
		out = append(out, r)
	}
	return out, s.wrap("find indicator relations", rows.Err())
}

// FindTargets lists the victims of a group or campaign: sectors,
// countries, organisations and regions, by kind and value.
func (s *Store) FindTargets(ctx context.Context, objectID int64) ([]intel.Target, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT o.id, t.object_ref, t.stix_id, t.kind, t.value, COALESCE(t.source_id, 0)
FROM object_targets t JOIN objects o ON o.stix_id = t.object_ref
WHERE o.id = ? ORDER BY t.kind, t.value LIMIT ?`, objectID, maxLimit)
	if err != nil {
		return nil, s.wrap("find targets", err)
	}
	defer rows.Close()
	var out []intel.Target
	for rows.Next() {
		var t intel.Target
		if err := rows.Scan(&t.ObjectID, &t.ObjectRef, &t.StixID, &t.Kind, &t.Value, &t.SourceID); err != nil {
			return nil, s.wrap("find targets", err)
		}
		out = append(out, t)
	}
	return out, s.wrap("find targets", rows.Err())
}

// FindReportCoverage returns what a report covers: the IDs of the stored
// objects and indicators its STIX object_refs name.
func (s *Store) FindReportCoverage(ctx context.Context, documentID int64) (objectIDs, indicatorIDs []int64, err error) {
	scan := func(query string) ([]int64, error) { return s.queryIDs(ctx, s.rdb, query, documentID) }
	if objectIDs, err = scan(`SELECT DISTINCT o.id FROM report_refs r JOIN objects o ON o.stix_id = r.ref
WHERE r.document_id = ? ORDER BY o.id`); err != nil {
		return nil, nil, s.wrap("find report coverage", err)
	}
	if indicatorIDs, err = scan(`SELECT DISTINCT si.indicator_id FROM report_refs r JOIN stix_indicators si ON si.stix_id = r.ref
WHERE r.document_id = ? ORDER BY si.indicator_id`); err != nil {
		return nil, nil, s.wrap("find report coverage", err)
	}
	return objectIDs, indicatorIDs, nil
}
