package store

import (
	"context"

	"github.com/spoor/spoor/internal/intel"
)

// FindGroupIndicators returns indicators that events attributed to the
// object report (an IOC list's events linked to their group), most
// confident first, with how many there are in all.
func (s *Store) FindGroupIndicators(ctx context.Context, objectID int64, limit int) ([]*intel.Indicator, int, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var total int
	err := s.queryRow(ctx, s.rdb, `SELECT COUNT(DISTINCT ei.indicator_id) FROM events e
JOIN event_indicators ei ON ei.event_id = e.id WHERE e.group_id = ?`, objectID).Scan(&total)
	if err != nil {
		return nil, 0, s.wrap("find group indicators", err)
	}
	rows, err := s.query(ctx, s.rdb, `SELECT `+indicatorCols+` FROM indicators i
WHERE i.id IN (SELECT ei.indicator_id FROM events e JOIN event_indicators ei ON ei.event_id = e.id WHERE e.group_id = ?)
ORDER BY i.confidence DESC, i.id LIMIT ?`, objectID, limit)
	if err != nil {
		return nil, 0, s.wrap("find group indicators", err)
	}
	defer rows.Close()
	var out []*intel.Indicator
	for rows.Next() {
		ind, err := scanIndicator(rows)
		if err != nil {
			return nil, 0, s.wrap("find group indicators", err)
		}
		out = append(out, ind)
	}
	return out, total, s.wrap("find group indicators", rows.Err())
}
