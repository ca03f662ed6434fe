package store

import (
	"context"
	"slices"

	"github.com/spoor/spoor/internal/intel"
)

// maxCheckedIndicators bounds the values one attribution looks up.
const maxCheckedIndicators = 500

// FindAttributionChecks returns, for the groups an attribution ranked,
// the stored indicators among indicators that the groups' events hold
// (each with its event count and sources), and the groups' events that
// carry techniques, software, sectors or victim countries, oldest first.
func (s *Store) FindAttributionChecks(ctx context.Context, groups []int64, indicators []*intel.Indicator) (*intel.AttributionChecks, error) {
	const op = "find attribution checks"
	out := &intel.AttributionChecks{Shared: []intel.SharedIndicator{}, Events: []*intel.Event{}}
	if len(groups) == 0 {
		return out, nil
	}
	groupIn, groupArgs := s.d.inInt(groups)
	want := map[[2]string]bool{}
	var values []string
	for _, ind := range indicators[:min(len(indicators), maxCheckedIndicators)] {
		key := [2]string{string(ind.Type), ind.Value}
		if !want[key] {
			want[key] = true
			values = append(values, ind.Value)
		}
	}
	if len(values) > 0 {
		valueIn, valueArgs := s.d.inText(values)
		rows, err := s.query(ctx, s.rdb, `SELECT e.group_id, i.type, i.value, COUNT(DISTINCT e.id), COALESCE(src.name, '')
FROM indicators i JOIN event_indicators ei ON ei.indicator_id = i.id JOIN events e ON e.id = ei.event_id
LEFT JOIN sources src ON src.id = e.source_id
WHERE e.group_id `+groupIn+` AND i.value `+valueIn+`
GROUP BY e.group_id, i.type, i.value, src.name ORDER BY e.group_id, i.type, i.value, src.name`, append(slices.Clone(groupArgs), valueArgs...)...)
		if err != nil {
			return nil, s.wrap(op, err)
		}
		defer rows.Close()
		for rows.Next() {
			var sh intel.SharedIndicator
			var source string
			if err := rows.Scan(&sh.GroupID, &sh.Type, &sh.Value, &sh.Events, &source); err != nil {
				return nil, s.wrap(op, err)
			}
			if !want[[2]string{string(sh.Type), sh.Value}] {
				continue // the same value as another type
			}
			if n := len(out.Shared); n > 0 && out.Shared[n-1].GroupID == sh.GroupID && out.Shared[n-1].Type == sh.Type && out.Shared[n-1].Value == sh.Value {
				last := &out.Shared[n-1]
				last.Events += sh.Events
				if source != "" {
					last.Sources = append(last.Sources, source)
				}
				continue
			}
			sh.Sources = []string{}
			if source != "" {
				sh.Sources = append(sh.Sources, source)
			}
			out.Shared = append(out.Shared, sh)
		}
		if err := rows.Err(); err != nil {
			return nil, s.wrap(op, err)
		}
		rows.Close()
	}
	rows, err := s.query(ctx, s.rdb, `SELECT e.id, e.group_id, e.title, COALESCE(e.document_id, 0), e.first_seen,
	e.techniques, e.software, e.sectors, e.victim_countries
FROM events e WHERE e.group_id `+groupIn+` AND (e.techniques <> '[]' OR e.software <> '[]' OR e.sectors <> '[]' OR e.victim_countries <> '[]')
ORDER BY e.first_seen, e.id`, groupArgs...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		e := &intel.Event{}
		var first int64
		var techniques, software, sectors, victims string
		if err := rows.Scan(&e.ID, &e.GroupID, &e.Title, &e.DocumentID, &first, &techniques, &software, &sectors, &victims); err != nil {
			return nil, s.wrap(op, err)
		}
		e.FirstSeen = fromMS(first)
		e.Techniques, e.Software = fromJSON[string](techniques), fromJSON[string](software)
		e.Sectors, e.VictimCountries = fromJSON[string](sectors), fromJSON[string](victims)
		out.Events = append(out.Events, e)
	}
	return out, s.wrap(op, rows.Err())
}
