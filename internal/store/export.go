package store

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// exportPage is how many indicators one query of an export reads: their
// sources and groups then take one query each, so memory stays flat
// however many indicators the export holds.
const exportPage = 500

// groupLinkSQL selects (indicator, object) pairs of the two ways an
// indicator points at a group: an event attributed to the group holds it,
// or a STIX "indicates" relationship names one of the group's records
// (object_records, so links to a record merged into another group follow
// it). Each %s is an indicator ID condition ("IN (…)").
const groupLinkSQL = `SELECT ei.indicator_id, e.group_id FROM event_indicators ei JOIN events e ON e.id = ei.event_id
WHERE e.group_id IS NOT NULL AND ei.indicator_id %s
UNION
SELECT si.indicator_id, r.object_id FROM stix_indicators si
JOIN indicator_links l ON l.indicator_ref = si.stix_id AND l.type = 'indicates'
JOIN object_records r ON r.record_key = l.object_ref
WHERE si.indicator_id %s`

// indicatorWhere adds the conditions exports and indicator lists share:
// tied to a group (through its events or STIX indicates relationships),
// seen or changed since a time, at least a confidence.
func indicatorWhere(where []string, args []any, groupID int64, since time.Time, minConfidence float64) ([]string, []any) {
	if groupID > 0 {
		where = append(where, `i.id IN (SELECT ei.indicator_id FROM event_indicators ei JOIN events e ON e.id = ei.event_id
	WHERE e.group_id = ?
UNION SELECT si.indicator_id FROM stix_indicators si
	JOIN indicator_links l ON l.indicator_ref = si.stix_id AND l.type = 'indicates'
	JOIN object_records r ON r.record_key = l.object_ref WHERE r.object_id = ?)`)
		args = append(args, groupID, groupID)
	}
	if !since.IsZero() {
		t := ms(since)
		where = append(where, "(i.last_seen >= ? OR i.first_seen >= ? OR i.updated_at >= ?)")
		args = append(args, t, t, t)
	}
	if minConfidence > 0 {
		where = append(where, "i.confidence >= ?")
		args = append(args, minConfidence)
	}
	return where, args
}

// exportWhere returns the conditions and arguments of f, without the
// type (which ExportIndicators walks one at a time).
func (s *Store) exportWhere(f intel.ExportFilter) ([]string, []any) {
	var where []string
	var args []any
	where, args = indicatorWhere(where, args, f.GroupID, f.Since, f.MinConfidence)
	if f.TLPMax != "" {
		var allowed []string
		for _, t := range []intel.TLP{"", intel.TLPClear, intel.TLPGreen, intel.TLPAmber, intel.TLPAmberStrict, intel.TLPRed} {
			if t.AtMost(f.TLPMax) {
				allowed = append(allowed, string(t))
			}
		}
		in, inArgs := s.d.inText(allowed)
		where = append(where, "i.tlp "+in)
		args = append(args, inArgs...)
	}
	if f.ExcludeWarninglisted {
		where = append(where, "i.warninglist = ''")
	}
	return where, args
}

// ExportSummary counts the indicators f selects and finds when the
// latest of them last changed, without reading them.
func (s *Store) ExportSummary(ctx context.Context, f intel.ExportFilter) (intel.ExportSummary, error) {
	var sum intel.ExportSummary
	if err := f.Validate(); err != nil {
		return sum, s.wrap("export summary", err)
	}
	where, args := s.exportWhere(f)
	if len(f.Types) > 0 {
		var ts []string
		for _, t := range f.Types {
			ts = append(ts, string(t))
		}
		in, inArgs := s.d.inText(ts)
		where = append(where, "i.type "+in)
		args = append(args, inArgs...)
	}
	query := `SELECT COUNT(*), COALESCE(MAX(i.updated_at), 0) FROM indicators i`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	var last int64
	if err := s.queryRow(ctx, s.rdb, query, args...).Scan(&sum.Count, &last); err != nil {
		return sum, s.wrap("export summary", err)
	}
	sum.LastChange = fromMS(last)
	if f.STIXObjects() {
		since, args := keptSince(f)
		query := `SELECT COUNT(*), COALESCE(MAX(x.updated_at), 0) FROM stix_objects x WHERE x.spec_version <> 'misp'` + since
		if err := s.queryRow(ctx, s.rdb, query, args...).Scan(&sum.STIXObjects, &last); err != nil {
			return sum, s.wrap("export summary", err)
		}
		sum.STIXChange = fromMS(last)
	}
	return sum, nil
}

// ExportIndicators calls fn with every indicator f selects, ordered by
// type name and then value (the engine's order of text), each with the
// names of its sources and its active groups within f.TLPMax. It reads a
// page at a time, so memory does not grow with the export; an error from
// fn stops it and is returned.
func (s *Store) ExportIndicators(ctx context.Context, f intel.ExportFilter, fn func(*intel.ExportIndicator) error) error {
	if err := f.Validate(); err != nil {
		return s.wrap("export indicators", err)
	}
	ex := &exporter{s: s, f: f, groups: map[int64]*intel.Object{}}
	if err := ex.loadSources(ctx); err != nil {
		return s.wrap("export indicators", err)
	}
	where, args := s.exportWhere(f)
	cond := ""
	if len(where) > 0 {
		cond = " AND " + strings.Join(where, " AND ")
	}
	query := `SELECT ` + indicatorCols + ` FROM indicators i WHERE i.type = ? AND i.value > ?` + cond +
		` ORDER BY i.value LIMIT ?`
	for _, t := range f.ExportTypes() {
		after := ""
		for {
			page, err := ex.page(ctx, query, append(append([]any{t, after}, args...), exportPage))
			if err != nil {
				return s.wrap("export indicators", err)
			}
			for _, in := range page {
				if err := fn(in); err != nil {
					return err
				}
			}
			if len(page) < exportPage {
				break
			}
			after = page[len(page)-1].Value
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// exporter is the state of one ExportIndicators: the source names and
// the groups loaded so far (nil for an object that is not exported).
type exporter struct {
	s       *Store
	f       intel.ExportFilter
	sources map[int64]string
	groups  map[int64]*intel.Object
}

func (ex *exporter) loadSources(ctx context.Context) error {
	rows, err := ex.s.query(ctx, ex.s.rdb, `SELECT id, name FROM sources`)
	if err != nil {
		return err
	}
	defer rows.Close()
	ex.sources = map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		ex.sources[id] = name
	}
	return rows.Err()
}

// page reads one page of indicators and fills in their sources and groups.
func (ex *exporter) page(ctx context.Context, query string, args []any) ([]*intel.ExportIndicator, error) {
	s := ex.s
	rows, err := s.query(ctx, s.rdb, query, args...)
	if err != nil {
		return nil, err
	}
	var page []*intel.ExportIndicator
	byID := map[int64]*intel.ExportIndicator{}
	for rows.Next() {
		in, err := scanIndicator(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		e := &intel.ExportIndicator{Indicator: *in}
		if name, ok := ex.sources[in.SourceID]; ok {
			e.Sources = []string{name}
		}
		page = append(page, e)
		byID[in.ID] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(page) == 0 {
		return page, err
	}
	ids := make([]int64, len(page))
	for i, e := range page {
		ids[i] = e.ID
	}
	if err := ex.addSources(ctx, ids, byID); err != nil {
		return nil, err
	}
	if err := ex.addGroups(ctx, ids, byID); err != nil {
		return nil, err
	}
	if err := ex.addSightings(ctx, ids, byID); err != nil {
		return nil, err
	}
	for _, e := range page {
		slices.Sort(e.Sources)
		e.Sources = slices.Compact(e.Sources)
		slices.SortFunc(e.Groups, func(a, b *intel.Object) int {
			return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
		})
		e.Groups = slices.Compact(e.Groups)
	}
	return page, nil
}

// addSightings adds how often each indicator was seen, and when last.
func (ex *exporter) addSightings(ctx context.Context, ids []int64, byID map[int64]*intel.ExportIndicator) error {
	in, args := ex.s.d.inInt(ids)
	rows, err := ex.s.query(ctx, ex.s.rdb, `SELECT indicator_id, SUM(count), MAX(seen_at) FROM sightings WHERE indicator_id `+in+`
GROUP BY indicator_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, n, last int64
		if err := rows.Scan(&id, &n, &last); err != nil {
			return err
		}
		if e := byID[id]; e != nil {
			e.Sightings, e.LastSighted = int(n), fromMS(last)
		}
	}
	return rows.Err()
}

// addSources adds the sources of the provenance rows (IOC lists); an
// indicator's own source is already there.
func (ex *exporter) addSources(ctx context.Context, ids []int64, byID map[int64]*intel.ExportIndicator) error {
	in, args := ex.s.d.inInt(ids)
	rows, err := ex.s.query(ctx, ex.s.rdb, `SELECT indicator_id, source_id FROM indicator_sources WHERE indicator_id `+in, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ind, src int64
		if err := rows.Scan(&ind, &src); err != nil {
			return err
		}
		if name, ok := ex.sources[src]; ok && byID[ind] != nil {
			byID[ind].Sources = append(byID[ind].Sources, name)
		}
	}
	return rows.Err()
}

func (ex *exporter) addGroups(ctx context.Context, ids []int64, byID map[int64]*intel.ExportIndicator) error {
	s := ex.s
	in, inArgs := s.d.inInt(ids)
	rows, err := s.query(ctx, s.rdb, strings.ReplaceAll(groupLinkSQL, "%s", in), append(slices.Clone(inArgs), inArgs...)...)
	if err != nil {
		return err
	}
	type link struct{ ind, obj int64 }
	var links []link
	for rows.Next() {
		var l link
		if err := rows.Scan(&l.ind, &l.obj); err != nil {
			rows.Close()
			return err
		}
		links = append(links, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var missing []int64
	for _, l := range links {
		if _, ok := ex.groups[l.obj]; !ok && !slices.Contains(missing, l.obj) {
			missing = append(missing, l.obj)
		}
	}
	if err := ex.loadGroups(ctx, missing); err != nil {
		return err
	}
	for _, l := range links {
		if g := ex.groups[l.obj]; g != nil && byID[l.ind] != nil {
			byID[l.ind].Groups = append(byID[l.ind].Groups, g)
		}
	}
	return nil
}

// loadGroups reads the objects ids name; those that are not active groups
// within the TLP ceiling are remembered as nil.
func (ex *exporter) loadGroups(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		ex.groups[id] = nil
	}
	in, args := ex.s.d.inInt(ids)
	rows, err := ex.s.query(ctx, ex.s.rdb, `SELECT `+objectCols+` FROM objects o WHERE o.id `+in, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return err
		}
		if o.Kind == intel.KindGroup && o.Active() && o.TLP.AtMost(ex.f.TLPMax) {
			ex.groups[o.ID] = o
		}
	}
	return rows.Err()
}

// ExportSTIXObjects calls fn with the kept STIX objects an export of f
// holds (none when f.STIXObjects is false; never the MISP events kept
// whole, which are not STIX; the flagged ones too, which the export
// leaves out unless f.Flagged): those within f.TLPMax (by their TLP marking, else their
// source's TLP; unmarked is clear) and changed since f.Since, ordered by
// STIX ID, the relationships after the others, each relationship with
// what its ends stand for. It reads a page at a time, so memory does not
// grow with the store.
func (s *Store) ExportSTIXObjects(ctx context.Context, f intel.ExportFilter, fn func(*intel.ExportSTIXObject) error) error {
	if err := f.Validate(); err != nil {
		return s.wrap("export STIX objects", err)
	}
	if !f.STIXObjects() {
		return nil
	}
	since, sinceArgs := keptSince(f)
	for _, rels := range []bool{false, true} {
		// MISP events kept whole (spec version "misp") are not STIX.
		cond := "x.spec_version <> 'misp' AND x.type <> 'relationship'"
		if rels {
			cond = "x.spec_version <> 'misp' AND x.type = 'relationship'"
		}
		err := s.exportKept(ctx, f, cond+since, sinceArgs, readSTIXHead, func(page []*intel.ExportSTIXObject) error {
			if rels {
				return s.exportSTIXEnds(ctx, f, since, sinceArgs, page)
			}
			return nil
		}, fn)
		if err != nil {
			return s.wrap("export STIX objects", err)
		}
	}
	return nil
}

// ExportMISPEvents calls fn with the MISP events kept whole (type
// x-misp-event) that a MISP export of f holds (none when f.STIXObjects is
// false), ordered by STIX ID: those within f.TLPMax by
// intel.MISPEventTLP (the event's TLP tag, else its source's TLP, raised
// by its attributes' TLP tags) and changed since f.Since. An event
// flagged at import (no uuid, an attribute value spoor did not take) is
// still a valid MISP event and goes out. It reads a page at a time.
func (s *Store) ExportMISPEvents(ctx context.Context, f intel.ExportFilter, fn func(*intel.ExportSTIXObject) error) error {
	if err := f.Validate(); err != nil {
		return s.wrap("export MISP events", err)
	}
	if !f.STIXObjects() {
		return nil
	}
	since, sinceArgs := keptSince(f)
	readMISP := func(e *intel.ExportSTIXObject, src intel.TLP) { e.TLP = intel.MISPEventTLP(e.Object.Raw, src) }
	err := s.exportKept(ctx, f, "x.spec_version = 'misp' AND x.type = 'x-misp-event'"+since, sinceArgs, readMISP, nil, fn)
	return s.wrap("export MISP events", err)
}

// keptSince is the condition of f.Since on kept objects: changed in spoor
// or modified at or after it.
func keptSince(f intel.ExportFilter) (string, []any) {
	if f.Since.IsZero() {
		return "", nil
	}
	return " AND (x.updated_at >= ? OR x.modified >= ?)", []any{ms(f.Since), ms(f.Since)}
}

// exportKept pages through the kept objects cond selects by STIX ID,
// reads each one's TLP, creator and markings with head, lets each page be completed
// (a relationship's ends), and calls fn with those within f.TLPMax.
func (s *Store) exportKept(ctx context.Context, f intel.ExportFilter, cond string, condArgs []any,
	head func(*intel.ExportSTIXObject, intel.TLP), complete func([]*intel.ExportSTIXObject) error,
	fn func(*intel.ExportSTIXObject) error) error {
	query := `SELECT ` + stixObjectCols + `, COALESCE(src.tlp, '') FROM stix_objects x LEFT JOIN sources src ON src.id = x.source_id
WHERE ` + cond + ` AND x.stix_id > ? ORDER BY x.stix_id LIMIT ?`
	after := ""
	for {
		page, err := s.exportSTIXPage(ctx, query, append(slices.Clone(condArgs), after, exportPage), head)
		if err != nil {
			return err
		}
		if complete != nil {
			if err := complete(page); err != nil {
				return err
			}
		}
		for _, o := range page {
			if o.TLP.AtMost(f.TLPMax) {
				if err := fn(o); err != nil {
					return err
				}
			}
		}
		if len(page) < exportPage {
			return nil
		}
		after = page[len(page)-1].Object.StixID
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// stixHead is what an export reads of a kept object's JSON.
type stixHead struct {
	CreatedByRef      string   `json:"created_by_ref"`
	ObjectMarkingRefs []string `json:"object_marking_refs"`
}

// readSTIXHead sets a kept object's TLP (by its markings, else its
// source's), creator and markings from its JSON, read once here so that
// the export writer need not read it again.
func readSTIXHead(e *intel.ExportSTIXObject, sourceTLP intel.TLP) {
	var h stixHead
	// A kept object is valid JSON; a property of another JSON type is
	// read as absent.
	_ = json.Unmarshal(e.Object.Raw, &h)
	e.TLP, e.CreatedBy, e.Markings = intel.STIXTLP(h.ObjectMarkingRefs, sourceTLP), h.CreatedByRef, h.ObjectMarkingRefs
}

// exportSTIXPage reads one page of kept objects with their TLP (of all
// TLPs: the caller applies the ceiling, so that paging sees every row).
func (s *Store) exportSTIXPage(ctx context.Context, query string, args []any,
	head func(*intel.ExportSTIXObject, intel.TLP)) ([]*intel.ExportSTIXObject, error) {
	rows, err := s.query(ctx, s.rdb, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []*intel.ExportSTIXObject
	for rows.Next() {
		var srcTLP string
		o, err := scanSTIXObject(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &srcTLP)...) }))
		if err != nil {
			return nil, err
		}
		e := &intel.ExportSTIXObject{Object: *o}
		head(e, intel.TLP(srcTLP))
		page = append(page, e)
	}
	return page, rows.Err()
}

// exportSTIXEnds says what the ends of a page of relationships stand for:
// a kept object the export holds (within the ceiling and since), or the
// active object within the ceiling that a record of that ID belongs to.
func (s *Store) exportSTIXEnds(ctx context.Context, f intel.ExportFilter, since string, sinceArgs []any,
	page []*intel.ExportSTIXObject) error {
	var ids []string
	for _, o := range page {
		for _, id := range []string{o.Object.SourceRef, o.Object.TargetRef} {
			if id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	ends := map[string]intel.STIXEnd{}
	in, args := s.d.inText(ids)
	rows, err := s.query(ctx, s.rdb, `SELECT x.stix_id, x.raw, x.flags, COALESCE(src.tlp, '') FROM stix_objects x
LEFT JOIN sources src ON src.id = x.source_id WHERE x.stix_id `+in+` AND x.spec_version <> 'misp'`+since, append(args, sinceArgs...)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, raw, flags, srcTLP string
		if err := rows.Scan(&id, &raw, &flags, &srcTLP); err != nil {
			rows.Close()
			return err
		}
		end := intel.ExportSTIXObject{Object: intel.STIXObject{Raw: []byte(raw)}}
		readSTIXHead(&end, intel.TLP(srcTLP))
		if end.TLP.AtMost(f.TLPMax) {
			ends[id] = intel.STIXEnd{Kept: true, TLP: end.TLP, CreatedBy: end.CreatedBy, Flagged: flags != "[]"}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.query(ctx, s.rdb, `SELECT r.record_key, `+objectCols+` FROM object_records r JOIN objects o ON o.id = r.object_id
WHERE r.record_key `+in, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	objs := map[int64]*intel.Object{}
	for rows.Next() {
		var key string
		o, err := scanObject(scanFunc(func(dest ...any) error { return rows.Scan(append([]any{&key}, dest...)...) }))
		if err != nil {
			return err
		}
		if _, kept := ends[key]; kept || !o.Active() || !o.TLP.AtMost(f.TLPMax) {
			continue
		}
		if same := objs[o.ID]; same != nil {
			o = same // one *Object an object, as ExportIndicators gives
		}
		objs[o.ID] = o
		ends[key] = intel.STIXEnd{Object: o}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range page {
		o.Ends = map[string]intel.STIXEnd{}
		for _, id := range []string{o.Object.SourceRef, o.Object.TargetRef} {
			o.Ends[id] = ends[id]
		}
	}
	return nil
}
