package store

import (
	"context"
	"slices"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/ipasn"
	"github.com/spoor/spoor/internal/ipgeo"
)

// FindGroupEvidence returns, for every active group, what its fingerprint
// is built from, ordered by group ID: its records' facts and the stored
// events attributed to it — among them one per report cited for what it
// uses, once DeriveReportEvents has stored those. It reads the whole base in a few
// set-wise queries (one per kind of evidence) rather than one per group:
// fingerprints are rebuilt for all groups at once.
func (s *Store) FindGroupEvidence(ctx context.Context) ([]*intel.GroupEvidence, error) {
	const op = "find group evidence"
	byID := map[int64]*intel.GroupEvidence{}
	var out []*intel.GroupEvidence
	rows, err := s.query(ctx, s.rdb, `SELECT id, name, aliases, description, sectors, victim_countries, motivations
FROM objects WHERE kind = 'group' AND revoked = 0 AND deprecated = 0 ORDER BY id`)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		g := &intel.GroupEvidence{}
		var aliases, sectors, victims, motivations string
		if err := rows.Scan(&g.GroupID, &g.Name, &aliases, &g.Description, &sectors, &victims, &motivations); err != nil {
			return nil, s.wrap(op, err)
		}
		g.Aliases = fromJSON[string](aliases)
		g.Sectors, g.VictimCountries, g.Motivations = fromJSON[string](sectors), fromJSON[string](victims), fromJSON[string](motivations)
		byID[g.GroupID] = g
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, err)
	}
	rows.Close()

	// What the group uses: techniques by ATT&CK ID, software by name.
	rows, err = s.query(ctx, s.rdb, `SELECT r.source_ref, t.kind, t.external_id, t.name
FROM relationships r JOIN objects t ON t.id = r.target_ref
WHERE r.type = 'uses' AND r.revoked = 0 AND r.deprecated = 0 AND t.revoked = 0 AND t.deprecated = 0
	AND t.kind IN ('technique', 'software')
ORDER BY r.source_ref, t.kind, t.external_id, t.name`)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var groupID int64
		var kind, extID, name string
		if err := rows.Scan(&groupID, &kind, &extID, &name); err != nil {
			return nil, s.wrap(op, err)
		}
		g := byID[groupID]
		switch {
		case g == nil:
		case kind == string(intel.KindTechnique) && extID != "":
			g.Techniques = append(g.Techniques, extID)
		case kind == string(intel.KindSoftware):
			g.Software = append(g.Software, name)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, err)
	}
	rows.Close()

	events := map[int64]*intel.Event{}
	rows, err = s.query(ctx, s.rdb, `SELECT `+eventCols+` FROM events e WHERE e.group_id IS NOT NULL ORDER BY e.id`)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, s.wrap(op, err)
		}
		if g := byID[e.GroupID]; g != nil {
			g.Events = append(g.Events, e)
			events[e.ID] = e
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, err)
	}
	rows.Close()

	rows, err = s.query(ctx, s.rdb, `SELECT ei.event_id, i.type, i.value, i.warninglist
FROM events e JOIN event_indicators ei ON ei.event_id = e.id JOIN indicators i ON i.id = ei.indicator_id
WHERE e.group_id IS NOT NULL ORDER BY ei.event_id, i.type, i.value`)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var eventID int64
		in := &intel.Indicator{}
		if err := rows.Scan(&eventID, &in.Type, &in.Value, &in.Warninglist); err != nil {
			return nil, s.wrap(op, err)
		}
		if e := events[eventID]; e != nil {
			e.Indicators = append(e.Indicators, in)
			// A warninglisted address (a public resolver, a CDN) says
			// nothing about where the group's infrastructure is.
			if (in.Type == intel.IndicatorIPv4 || in.Type == intel.IndicatorIPv6) && in.Warninglist == "" {
				if c := ipgeo.Country(in.Value); c != "" && !slices.Contains(e.InfraCountries, c) {
					e.InfraCountries = append(e.InfraCountries, c)
				}
				if a, ok := ipasn.Lookup(in.Value); ok && !slices.Contains(e.InfraASNs, a.String()) {
					e.InfraASNs = append(e.InfraASNs, a.String())
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, err)
	}
	for _, g := range out {
		g.Events = joinDocumentEvents(g.Events)
	}
	return out, nil
}

// joinDocumentEvents makes the events of one group that stand for the same
// document one event, so that a report counts once: the event derived from
// a report ATT&CK cites and the event the report became when imported
// with its text (ReportEventKey), say. The first keeps its key, title and
// dates and takes the others' techniques, software, sectors, countries and
// indicators.
func joinDocumentEvents(events []*intel.Event) []*intel.Event {
	first := map[int64]*intel.Event{}
	out := events[:0]
	for _, e := range events {
		if e.DocumentID == 0 {
			out = append(out, e)
			continue
		}
		f := first[e.DocumentID]
		if f == nil {
			first[e.DocumentID] = e
			out = append(out, e)
			continue
		}
		f.Techniques = union(f.Techniques, e.Techniques)
		f.Software = union(f.Software, e.Software)
		f.Sectors = union(f.Sectors, e.Sectors)
		f.VictimCountries = union(f.VictimCountries, e.VictimCountries)
		f.InfraCountries = union(f.InfraCountries, e.InfraCountries)
		f.InfraASNs = union(f.InfraASNs, e.InfraASNs)
		f.Times = append(f.Times, e.Times...)
		if f.Purpose == "" {
			f.Purpose = e.Purpose
		}
		for _, in := range e.Indicators {
			if !slices.ContainsFunc(f.Indicators, func(x *intel.Indicator) bool { return x.Type == in.Type && x.Value == in.Value }) {
				f.Indicators = append(f.Indicators, in)
			}
		}
	}
	return out
}

// FindRelatedGroupPairs returns pairs of distinct active groups that a
// source relates without their being merged: a galaxy link from a record
// of one to a record held by the other, or a name that one group has as
// an alias and the other as its name. Each pair is listed once (A < B).
func (s *Store) FindRelatedGroupPairs(ctx context.Context) ([]intel.RelatedPair, error) {
	const op = "find related group pairs"
	seen := map[[2]int64]bool{}
	var out []intel.RelatedPair
	add := func(a, b int64, why string) {
		if a == b {
			return
		}
		if a > b {
			a, b = b, a
		}
		if !seen[[2]int64{a, b}] {
			seen[[2]int64{a, b}] = true
			out = append(out, intel.RelatedPair{A: a, B: b, Why: why})
		}
	}
	collect := func(query, why string) error {
		rows, err := s.query(ctx, s.rdb, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, b int64
			if err := rows.Scan(&a, &b); err != nil {
				return err
			}
			add(a, b, why)
		}
		return rows.Err()
	}
	active := `SELECT id FROM objects WHERE kind = 'group' AND revoked = 0 AND deprecated = 0`
	if err := collect(`SELECT ra.object_id, rb.object_id
FROM record_xrefs xa JOIN object_records ra ON ra.record_key = xa.record_key
JOIN record_xrefs xb ON xb.xref = xa.xref AND xb.type = 'holds'
JOIN object_records rb ON rb.record_key = xb.record_key
WHERE xa.type <> 'holds' AND ra.object_id <> rb.object_id
	AND ra.object_id IN (`+active+`) AND rb.object_id IN (`+active+`)
ORDER BY 1, 2`, "galaxy link"); err != nil {
		return nil, s.wrap(op, err)
	}
	if err := collect(`SELECT a.object_id, o.id
FROM aliases a JOIN objects o ON o.name_norm = a.alias_norm AND o.id <> a.object_id
WHERE o.kind = 'group' AND o.revoked = 0 AND o.deprecated = 0 AND a.object_id IN (`+active+`)
ORDER BY 1, 2`, "shared name"); err != nil {
		return nil, s.wrap(op, err)
	}
	slices.SortFunc(out, func(x, y intel.RelatedPair) int {
		if x.A != y.A {
			return int(x.A - y.A)
		}
		return int(x.B - y.B)
	})
	return out, nil
}
