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
