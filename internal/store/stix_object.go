package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/intel"
)

// This file keeps STIX objects whole (intel.STIXObject): written by
// ImportBundle in its transaction, read by type, value or reference, and
// shown with the kept relationships and the reports that name them.

const stixObjectCols = `x.id, x.stix_id, x.type, x.spec_version, x.name, x.created, x.modified, x.source_ref, x.target_ref,
	x.pattern, x.pattern_type, x.pattern_tree, x.flags, x.modelled, x.raw, COALESCE(x.source_id, 0), x.updated_at`

func scanSTIXObject(r scanner) (*intel.STIXObject, error) {
	var o intel.STIXObject
	var created, modified, updated int64
	var flags, raw string
	if err := r.Scan(&o.ID, &o.StixID, &o.Type, &o.SpecVersion, &o.Name, &created, &modified, &o.SourceRef, &o.TargetRef,
		&o.Pattern, &o.PatternType, &o.PatternTree, &flags, &o.Modelled, &raw, &o.SourceID, &updated); err != nil {
		return nil, err
	}
	o.Created, o.Modified, o.UpdatedAt = fromMS(created), fromMS(modified), fromMS(updated)
	o.Flags = fromJSON[string](flags)
	o.Raw = []byte(raw)
	return &o, nil
}

const insertSTIXObjectSQL = `INSERT INTO stix_objects (stix_id, type, spec_version, name, created, modified, source_ref, target_ref,
	pattern, pattern_type, pattern_tree, flags, modelled, raw, source_id, import_hash, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

const updateSTIXObjectSQL = `UPDATE stix_objects SET stix_id = ?, type = ?, spec_version = ?, name = ?, created = ?, modified = ?,
	source_ref = ?, target_ref = ?, pattern = ?, pattern_type = ?, pattern_tree = ?, flags = ?, modelled = ?, raw = ?,
	source_id = ?, import_hash = ?, updated_at = ?
WHERE id = ?`

// stixObject upserts a kept STIX object by STIX ID. An object older
// (by modified) than the stored version leaves it as it is.
func (im *importer) stixObject(ctx context.Context, o *intel.STIXObject) error {
	c := im.stats.Count("stix-object")
	c.Seen++
	if err := o.Validate(); err != nil {
		return err
	}
	// PostgreSQL text holds no NUL and only UTF-8: the decoded strings
	// are UTF-8 already; a NUL (written \u0000 in the JSON) is dropped.
	for _, p := range []*string{&o.Name, &o.SourceRef, &o.TargetRef, &o.Pattern, &o.PatternType, &o.PatternTree, &o.Modelled} {
		*p = strings.ToValidUTF8(strings.ReplaceAll(*p, "\x00", ""), "\uFFFD")
	}
	for i := range o.Flags {
		o.Flags[i] = strings.ToValidUTF8(strings.ReplaceAll(o.Flags[i], "\x00", ""), "\uFFFD")
	}
	if !utf8.Valid(o.Raw) {
		o.Raw = []byte(strings.ToValidUTF8(string(o.Raw), "\uFFFD"))
	}
	o.Created, o.Modified = truncMS(o.Created), truncMS(o.Modified)
	o.ID, o.SourceID, o.UpdatedAt = 0, im.src.ID, time.Time{}
	values := stixValues(o.Values)
	o.Values = values
	hash := digest(o)
	if _, known := im.stix[o.StixID]; !known {
		if err := im.loadSTIXObjects(ctx, []string{o.StixID}); err != nil {
			return err
		}
	}
	old := im.stix[o.StixID]
	id := old.id
	switch {
	case id == 0:
	case old.hash == hash || old.modified > ms(o.Modified):
		o.ID = id
		c.Unchanged++
		return nil
	}
	o.UpdatedAt = im.now
	args := []any{o.StixID, o.Type, o.SpecVersion, o.Name, ms(o.Created), ms(o.Modified), o.SourceRef, o.TargetRef,
		o.Pattern, o.PatternType, o.PatternTree, jsonText(o.Flags), o.Modelled, string(o.Raw), nullID(im.src.ID), hash, ms(im.now)}
	if id != 0 {
		o.ID = id
		if err := im.execStmt(ctx, updateSTIXObjectSQL, append(args, id)...); err != nil {
			return err
		}
		if err := im.execStmt(ctx, `DELETE FROM stix_object_values WHERE stix_object_id = ?`, id); err != nil {
			return err
		}
		c.Updated++
	} else {
		ins, err := im.stmt(ctx, insertSTIXObjectSQL)
		if err != nil {
			return err
		}
		if err := ins.QueryRowContext(ctx, args...).Scan(&o.ID); err != nil {
			return err
		}
		c.Created++
	}
	im.stix[o.StixID] = storedSTIX{id: o.ID, hash: hash, modified: ms(o.Modified)}
	for _, v := range values {
		if err := im.execStmt(ctx, `INSERT INTO stix_object_values (value, stix_object_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			v, o.ID); err != nil {
			return err
		}
	}
	return nil
}

// storedSTIX is what the import compares a kept object with.
type storedSTIX struct {
	id       int64
	hash     string
	modified int64
}

// loadSTIXObjects reads the stored versions of kept objects by STIX ID
// into im.stix, bulkRows IDs a query: one lookup per object was a round
// trip each on PostgreSQL. An ID not stored is kept with id 0.
func (im *importer) loadSTIXObjects(ctx context.Context, stixIDs []string) error {
	if im.stix == nil {
		im.stix = map[string]storedSTIX{}
	}
	for start := 0; start < len(stixIDs); start += bulkRows {
		part := stixIDs[start:min(start+bulkRows, len(stixIDs))]
		for _, k := range part {
			im.stix[k] = storedSTIX{}
		}
		in, args := im.s.d.inText(part)
		st, err := im.stmt(ctx, `SELECT stix_id, id, import_hash, modified FROM stix_objects WHERE stix_id `+in)
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k string
			var v storedSTIX
			if err := rows.Scan(&k, &v.id, &v.hash, &v.modified); err != nil {
				rows.Close()
				return err
			}
			im.stix[k] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// maxValue bounds one searchable value; longer ones are not indexed.
const maxValue = 2048

// stixValues are the values a kept object is found by: trimmed,
// lower-cased, bounded and once each.
func stixValues(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range in {
		v = strings.ToValidUTF8(strings.ToLower(strings.TrimSpace(strings.ReplaceAll(v, "\x00", ""))), "\uFFFD")
		if v == "" || len(v) > maxValue || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	return out
}

// FindSTIXObjects lists kept STIX objects by STIX ID, paged by keyset.
func (s *Store) FindSTIXObjects(ctx context.Context, f intel.STIXObjectFilter) (intel.Page[*intel.STIXObject], error) {
	var page intel.Page[*intel.STIXObject]
	limit := pageLimit(f.Limit)
	var where []string
	var args []any
	if f.Type != "" {
		where = append(where, "x.type = ?")
		args = append(args, f.Type)
	}
	if v := strings.ToLower(strings.TrimSpace(f.Value)); v != "" {
		where = append(where, "x.id IN (SELECT stix_object_id FROM stix_object_values WHERE value = ?)")
		args = append(args, v)
	}
	if f.Ref != "" {
		where = append(where, "(x.source_ref = ? OR x.target_ref = ?)")
		args = append(args, f.Ref, f.Ref)
	}
	if f.Flagged {
		where = append(where, "x.flags <> '[]'")
	}
	if f.After != "" {
		key, _, err := decodeCursor(f.After)
		if err != nil {
			return page, s.wrap("find STIX objects", err)
		}
		where = append(where, "x.stix_id > ?")
		args = append(args, key)
	}
	query := `SELECT ` + stixObjectCols + ` FROM stix_objects x`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY x.stix_id LIMIT ?"
	args = append(args, limit+1)
	rows, err := s.query(ctx, s.rdb, query, args...)
	if err != nil {
		return page, s.wrap("find STIX objects", err)
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanSTIXObject(rows)
		if err != nil {
			return page, s.wrap("find STIX objects", err)
		}
		if len(page.Items) < limit {
			page.Items = append(page.Items, o)
		} else {
			last := page.Items[limit-1]
			page.Next = encodeCursor(last.StixID, last.ID)
		}
	}
	return page, s.wrap("find STIX objects", rows.Err())
}

// FindSTIXObject returns a kept STIX object by STIX ID with the kept
// relationships and sightings that name it and the reports whose
// object_refs list it.
func (s *Store) FindSTIXObject(ctx context.Context, stixID string) (*intel.STIXObjectView, error) {
	o, err := scanSTIXObject(s.queryRow(ctx, s.rdb, `SELECT `+stixObjectCols+` FROM stix_objects x WHERE x.stix_id = ?`, stixID))
	if err == sql.ErrNoRows {
		return nil, s.wrap("find STIX object", intel.Errorf(intel.CodeNotFound, "STIX object %q not found", stixID))
	}
	if err != nil {
		return nil, s.wrap("find STIX object", err)
	}
	v := &intel.STIXObjectView{Object: *o, Relationships: []intel.STIXObject{}, Reports: []intel.Document{}}
	rows, err := s.query(ctx, s.rdb, `SELECT `+stixObjectCols+` FROM stix_objects x
WHERE (x.source_ref = ? OR x.target_ref = ?) AND x.stix_id <> ? ORDER BY x.stix_id LIMIT ?`, stixID, stixID, stixID, maxLimit)
	if err != nil {
		return nil, s.wrap("find STIX object", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanSTIXObject(rows)
		if err != nil {
			return nil, s.wrap("find STIX object", err)
		}
		v.Relationships = append(v.Relationships, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("find STIX object", err)
	}
	docs, err := s.query(ctx, s.rdb, `SELECT `+documentCols+` FROM documents d JOIN report_refs r ON r.document_id = d.id
WHERE r.ref = ? ORDER BY d.id LIMIT ?`, stixID, maxLimit)
	if err != nil {
		return nil, s.wrap("find STIX object", err)
	}
	defer docs.Close()
	for docs.Next() {
		d, err := scanDocument(docs)
		if err != nil {
			return nil, s.wrap("find STIX object", err)
		}
		v.Reports = append(v.Reports, *d)
	}
	return v, s.wrap("find STIX object", docs.Err())
}

// stixObjectsSummary adds the kept objects to an import's audit detail.
func stixObjectsSummary(st *intel.ImportStats) string {
	c := st.Counts["stix-object"]
	if c == nil || c.Seen == 0 {
		return ""
	}
	return fmt.Sprintf("stix-object %d new %d changed", c.Created, c.Updated)
}

// STIXObjectTypes counts the kept STIX objects by type, and how many of
// each are flagged, most numerous first: the facets of the objects page.
func (s *Store) STIXObjectTypes(ctx context.Context) ([]intel.STIXTypeCount, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT type, COUNT(*), SUM(CASE WHEN flags <> '[]' THEN 1 ELSE 0 END)
FROM stix_objects GROUP BY type ORDER BY COUNT(*) DESC, type`)
	if err != nil {
		return nil, s.wrap("count STIX object types", err)
	}
	defer rows.Close()
	out := []intel.STIXTypeCount{}
	for rows.Next() {
		var c intel.STIXTypeCount
		if err := rows.Scan(&c.Type, &c.Count, &c.Flagged); err != nil {
			return nil, s.wrap("count STIX object types", err)
		}
		out = append(out, c)
	}
	return out, s.wrap("count STIX object types", rows.Err())
}

// FindBySTIXID says what a STIX ID stands for in spoor's own model: the
// object that holds the record of that ID (after merges, the one it was
// merged into), or an indicator an import made from it. Neither is
// CodeNotFound.
func (s *Store) FindBySTIXID(ctx context.Context, stixID string) (intel.STIXRef, error) {
	var ref intel.STIXRef
	err := s.queryRow(ctx, s.rdb, `SELECT o.id, o.kind FROM object_records r JOIN objects o ON o.id = r.object_id WHERE r.record_key = ?`, stixID).
		Scan(&ref.ObjectID, &ref.Kind)
	if err == nil {
		return ref, nil
	}
	if err != sql.ErrNoRows {
		return ref, s.wrap("find by STIX ID", err)
	}
	err = s.queryRow(ctx, s.rdb, `SELECT COALESCE(MIN(indicator_id), 0) FROM stix_indicators WHERE stix_id = ?`, stixID).Scan(&ref.IndicatorID)
	if err != nil && err != sql.ErrNoRows {
		return ref, s.wrap("find by STIX ID", err)
	}
	if ref.IndicatorID == 0 {
		return ref, s.wrap("find by STIX ID", intel.Errorf(intel.CodeNotFound, "nothing stored for STIX ID %q", stixID))
	}
	return ref, nil
}
