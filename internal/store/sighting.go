package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/spoor/spoor/internal/intel"
)

// RecordSightings stores sightings of stored indicators (from spoor match
// or the API) in one transaction: each is validated, its indicator must
// exist, and who records it is the ctx actor. One audit entry notes how
// many were recorded. IDs, RecordedBy and RecordedAt are set.
func (s *Store) RecordSightings(ctx context.Context, sgs []*intel.Sighting) error {
	for i, sg := range sgs {
		if err := sg.Validate(); err != nil {
			return s.wrap("record sightings", fmt.Errorf("sighting %d: %w", i+1, err))
		}
		if sg.Origin == "" {
			sg.Origin = intel.SightingAPI
		}
		sg.StixID, sg.IndicatorRef = "", ""
		sg.SeenAt, sg.FirstSeen, sg.LastSeen = truncMS(sg.SeenAt), truncMS(sg.FirstSeen), truncMS(sg.LastSeen)
	}
	if len(sgs) == 0 {
		return nil
	}
	return s.wrap("record sightings", s.inTx(ctx, func(tx *sql.Tx) error {
		known := map[int64]bool{}
		for _, sg := range sgs {
			if !known[sg.IndicatorID] {
				var one int
				err := s.queryRow(ctx, tx, `SELECT 1 FROM indicators WHERE id = ?`, sg.IndicatorID).Scan(&one)
				if err == sql.ErrNoRows {
					return notFound("indicator", sg.IndicatorID)
				}
				if err != nil {
					return err
				}
				known[sg.IndicatorID] = true
			}
			if err := s.insertSighting(ctx, tx, sg); err != nil {
				return err
			}
		}
		detail := fmt.Sprintf("%d sightings (%s)", len(sgs), sgs[0].Origin)
		if len(sgs) == 1 {
			detail = fmt.Sprintf("sighting %d (%s)", sgs[0].ID, sgs[0].Origin)
		}
		return s.audit(ctx, tx, "record sightings", "indicator", sgs[0].IndicatorID, detail)
	}))
}

// FindGroupSightings lists the sightings of the indicators that point at
// a group (an attributed event or an indicates link, as exports see
// them), latest first, at most 500, each with its indicator.
func (s *Store) FindGroupSightings(ctx context.Context, groupID int64) ([]intel.IndicatorSighting, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+sightingCols+`, i.type, i.value FROM sightings g JOIN indicators i ON i.id = g.indicator_id
WHERE g.indicator_id IN (SELECT ei.indicator_id FROM event_indicators ei JOIN events e ON e.id = ei.event_id WHERE e.group_id = ?
UNION SELECT si.indicator_id FROM stix_indicators si
	JOIN indicator_links l ON l.indicator_ref = si.stix_id AND l.type = 'indicates'
	JOIN object_records r ON r.record_key = l.object_ref WHERE r.object_id = ?)
ORDER BY g.seen_at DESC, g.id DESC LIMIT ?`, groupID, groupID, maxLimit)
	if err != nil {
		return nil, s.wrap("find group sightings", err)
	}
	defer rows.Close()
	var out []intel.IndicatorSighting
	for rows.Next() {
		var x intel.IndicatorSighting
		var seen, first, last, recorded int64
		var where string
		sg := &x.Sighting
		if err := rows.Scan(&sg.ID, &sg.IndicatorID, &seen, &sg.Count, &sg.SourceID, &sg.Note, &sg.StixID,
			&first, &last, &where, &sg.Sensor, &sg.LogFile, &sg.Origin, &sg.RecordedBy, &recorded, &x.IndicatorType, &x.IndicatorValue); err != nil {
			return nil, s.wrap("find group sightings", err)
		}
		sg.SeenAt, sg.FirstSeen, sg.LastSeen, sg.RecordedAt = fromMS(seen), fromMS(first), fromMS(last), fromMS(recorded)
		sg.Where = fromJSON[string](where)
		out = append(out, x)
	}
	return out, s.wrap("find group sightings", rows.Err())
}
