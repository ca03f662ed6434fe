package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

const objectCols = `o.id, o.kind, COALESCE(o.stix_id, ''), o.external_id, o.name, o.aliases, o.description, o.url,
	o.refs, o.country, o.tactics, o.is_sub, o.platforms, o.software_type, o.first_seen, o.last_seen,
	o.revoked, o.deprecated, o.created, o.modified, COALESCE(o.source_id, 0), o.confidence, o.tlp, o.updated_at,
	o.sectors, o.victim_countries, o.motivations`

func scanObject(r scanner) (*intel.Object, error) {
	var o intel.Object
	var aliases, refs, tactics, platforms, sectors, victims, motivations string
	var isSub, revoked, deprecated int
	var first, last, created, modified, updated int64
	err := r.Scan(&o.ID, &o.Kind, &o.StixID, &o.ExternalID, &o.Name, &aliases, &o.Description, &o.URL,
		&refs, &o.Country, &tactics, &isSub, &platforms, &o.SoftwareType, &first, &last,
		&revoked, &deprecated, &created, &modified, &o.SourceID, &o.Confidence, &o.TLP, &updated,
		&sectors, &victims, &motivations)
	if err != nil {
		return nil, err
	}
	o.Sectors = fromJSON[string](sectors)
	o.VictimCountries = fromJSON[string](victims)
	o.Motivations = fromJSON[string](motivations)
	o.Aliases = fromJSON[string](aliases)
	o.Refs = fromJSON[intel.ExternalRef](refs)
	o.Tactics = fromJSON[string](tactics)
	o.Platforms = fromJSON[string](platforms)
	o.IsSubtechnique, o.Revoked, o.Deprecated = isSub != 0, revoked != 0, deprecated != 0
	o.FirstSeen, o.LastSeen = fromMS(first), fromMS(last)
	o.Created, o.Modified, o.UpdatedAt = fromMS(created), fromMS(modified), fromMS(updated)
	return &o, nil
}

// cleanAliases drops empty aliases, aliases equal to the name and
// duplicates under intel.NormalizeName, keeping the first spelling.
func cleanAliases(name string, aliases []string) []string {
	seen := map[string]bool{intel.NormalizeName(name): true}
	var out []string
	for _, a := range aliases {
		a = strings.TrimSpace(a)
		n := intel.NormalizeName(a)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, a)
	}
	return out
}

// objectArgs are the values of objectWriteCols for o, in order.
const objectWriteCols = `kind, stix_id, external_id, external_id_norm, name, name_norm, aliases, description, url,
	refs, country, tactics, is_sub, platforms, software_type, first_seen, last_seen, revoked, deprecated,
	created, modified, source_id, confidence, tlp, import_hash, updated_at, sectors, victim_countries, motivations`

func objectArgs(o *intel.Object, hash string) []any {
	return []any{o.Kind, nullStr(o.StixID), o.ExternalID, intel.NormalizeName(o.ExternalID), o.Name,
		intel.NormalizeName(o.Name), jsonText(o.Aliases), o.Description, o.URL,
		jsonText(o.Refs), o.Country, jsonText(o.Tactics), b2i(o.IsSubtechnique), jsonText(o.Platforms),
		o.SoftwareType, ms(o.FirstSeen), ms(o.LastSeen), b2i(o.Revoked), b2i(o.Deprecated),
		ms(o.Created), ms(o.Modified), nullID(o.SourceID), o.Confidence, o.TLP, hash, ms(o.UpdatedAt),
		jsonText(o.Sectors), jsonText(o.VictimCountries), jsonText(o.Motivations)}
}

const insertObjectSQL = `INSERT INTO objects (` + objectWriteCols + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

const updateObjectSQL = `UPDATE objects SET kind = ?, stix_id = ?, external_id = ?, external_id_norm = ?, name = ?,
	name_norm = ?, aliases = ?, description = ?, url = ?, refs = ?, country = ?, tactics = ?, is_sub = ?,
	platforms = ?, software_type = ?, first_seen = ?, last_seen = ?, revoked = ?, deprecated = ?,
	created = ?, modified = ?, source_id = ?, confidence = ?, tlp = ?, import_hash = ?, updated_at = ?,
	sectors = ?, victim_countries = ?, motivations = ?
WHERE id = ?`

const deleteAliasesSQL = `DELETE FROM aliases WHERE object_id = ?`
const insertAliasSQL = `INSERT INTO aliases (object_id, alias, alias_norm, source_id) VALUES (?, ?, ?, ?)`

// FindObjectByID returns one object, or CodeNotFound.
func (s *Store) FindObjectByID(ctx context.Context, id int64) (*intel.Object, error) {
	o, err := s.findObjectByID(ctx, s.rdb, id)
	return o, s.wrap("find object", err)
}

func (s *Store) findObjectByID(ctx context.Context, q querier, id int64) (*intel.Object, error) {
	o, err := scanObject(s.queryRow(ctx, q, `SELECT `+objectCols+` FROM objects o WHERE o.id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("object", id)
	}
	return o, err
}

// FindObjectsByIDs returns the objects of ids that exist, by ID, in one
// query per bulkRows IDs: pages name the objects a report or an event
// links to, tens or hundreds of them.
func (s *Store) FindObjectsByIDs(ctx context.Context, ids []int64) (map[int64]*intel.Object, error) {
	out := make(map[int64]*intel.Object, len(ids))
	for start := 0; start < len(ids); start += bulkRows {
		in, args := s.d.inInt(ids[start:min(start+bulkRows, len(ids))])
		rows, err := s.query(ctx, s.rdb, `SELECT `+objectCols+` FROM objects o WHERE o.id `+in, args...)
		if err != nil {
			return nil, s.wrap("find objects by ID", err)
		}
		for rows.Next() {
			o, err := scanObject(rows)
			if err != nil {
				rows.Close()
				return nil, s.wrap("find objects by ID", err)
			}
			out[o.ID] = o
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.wrap("find objects by ID", err)
		}
	}
	return out, nil
}

// FindObjectByName returns the active object of that kind whose name,
// alias or external ID equals name (compared with intel.NormalizeName;
// exact name first, then external ID, then alias), or CodeNotFound.
func (s *Store) FindObjectByName(ctx context.Context, kind intel.ObjectKind, name string) (*intel.Object, error) {
	n := intel.NormalizeName(name)
	if n == "" {
		return nil, s.wrap("find object", notFound(string(kind), fmt.Sprintf("%q", name)))
	}
	// Three index lookups joined, not one OR: with the OR, SQLite scans
	// every object of the kind (4,550 software on the mirror, about 4 ms).
	o, err := scanObject(s.queryRow(ctx, s.rdb, `SELECT `+objectCols+` FROM objects o
WHERE o.kind = ? AND o.revoked = 0 AND o.deprecated = 0 AND o.id IN (
	SELECT id FROM objects WHERE kind = ? AND name_norm = ?
	UNION ALL SELECT id FROM objects WHERE external_id_norm = ?
	UNION ALL SELECT object_id FROM aliases WHERE alias_norm = ?)
ORDER BY CASE WHEN o.name_norm = ? THEN 0 WHEN o.external_id_norm = ? THEN 1 ELSE 2 END, o.id
LIMIT 1`, kind, kind, n, n, n, n, n))
	if err == sql.ErrNoRows {
		return nil, s.wrap("find object", notFound(string(kind), fmt.Sprintf("%q", name)))
	}
	return o, s.wrap("find object", err)
}

// FindAllObjects returns every active object of a kind, by name, read a
// page at a time: for the few kinds a caller needs whole (ATT&CK's 750
// techniques for the matrix and the attribution encoder).
func (s *Store) FindAllObjects(ctx context.Context, kind intel.ObjectKind) ([]*intel.Object, error) {
	var out []*intel.Object
	f := intel.ObjectFilter{Kind: kind, Limit: 500}
	for {
		page, err := s.FindObjects(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out, nil
		}
		f.After = page.Next
	}
}

// FindObjects lists objects by name, or in f.Sort's order, with keyset
// paging.
func (s *Store) FindObjects(ctx context.Context, f intel.ObjectFilter) (intel.Page[*intel.Object], error) {
	var page intel.Page[*intel.Object]
	ks, err := newKeyset(f.Sort, intel.ObjectSorts, objectSortSQL, "o.id")
	if err != nil {
		return page, s.wrap("find objects", err)
	}
	limit := pageLimit(f.Limit)
	var where []string
	var args []any
	if f.Kind != "" {
		where = append(where, "o.kind = ?")
		args = append(args, f.Kind)
	}
	if !f.IncludeInactive {
		where = append(where, "o.revoked = 0 AND o.deprecated = 0")
	}
	if p := intel.NormalizeName(f.NamePrefix); p != "" {
		where = append(where, `o.name_norm LIKE ? ESCAPE '\'`)
		args = append(args, likeEscape(p)+"%")
	}
	if f.Country != "" {
		where = append(where, "o.country = ?")
		args = append(args, strings.ToUpper(f.Country))
	}
	// Sectors and motivations are JSON arrays of names as the sources
	// write them: a quoted, lower-cased name is one element.
	anyOf := func(column string, names []string) {
		var ors []string
		for _, n := range names {
			ors = append(ors, "lower("+column+`) LIKE ? ESCAPE '\'`)
			args = append(args, `%"`+likeEscape(strings.ToLower(n))+`"%`)
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	if f.Sector != "" {
		names := []string{f.Sector}
		for _, sec := range intel.Sectors {
			if sec.Key == f.Sector {
				names = append(names, sec.Names...)
			}
		}
		anyOf("o.sectors", names)
	}
	if f.Motivation != "" {
		anyOf("o.motivations", []string{f.Motivation})
	}
	if f.SourceID > 0 {
		where = append(where, "(o.source_id = ? OR o.id IN (SELECT object_id FROM object_records WHERE source_id = ?))")
		args = append(args, f.SourceID, f.SourceID)
	}
	if f.After != "" {
		clause, cargs, err := ks.after(f.After)
		if err != nil {
			return page, s.wrap("find objects", err)
		}
		where, args = append(where, clause), append(args, cargs...)
	}
	query := `SELECT ` + objectCols + `, ` + ks.col.expr + ` FROM objects o`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.query(ctx, s.rdb, query+ks.orderBy()+" LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return page, s.wrap("find objects", err)
	}
	page, err = keysetPage(rows, ks, limit, scanObject, func(x *intel.Object) int64 { return x.ID })
	return page, s.wrap("find objects", err)
}

// scanFunc adapts a function to scanner, to scan extra columns after a
// shared column list.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// CreateObject stores a new object and sets o.ID.
func (s *Store) CreateObject(ctx context.Context, o *intel.Object) error {
	if err := o.Validate(); err != nil {
		return s.wrap("create object", err)
	}
	o.Aliases = cleanAliases(o.Name, o.Aliases)
	o.UpdatedAt = truncMS(s.now())
	return s.wrap("create object", s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.queryRow(ctx, tx, insertObjectSQL, objectArgs(o, "")...).Scan(&o.ID); err != nil {
			return err
		}
		if err := s.replaceAliases(ctx, tx, o.ID, o.Aliases, o.SourceID); err != nil {
			return err
		}
		key := o.StixID
		if key == "" {
			key = fmt.Sprintf("object:%d", o.ID)
		}
		if err := s.insertRecord(ctx, tx, key, o, "", true, intel.RuleNew, "", truncMS(s.now())); err != nil {
			return err
		}
		return s.audit(ctx, tx, string(o.Kind)+".create", string(o.Kind), o.ID, o.Name)
	}))
}

func (s *Store) replaceAliases(ctx context.Context, q querier, id int64, aliases []string, sourceID int64) error {
	if _, err := s.exec(ctx, q, deleteAliasesSQL, id); err != nil {
		return err
	}
	for _, a := range aliases {
		if _, err := s.exec(ctx, q, insertAliasSQL, id, a, intel.NormalizeName(a), nullID(sourceID)); err != nil {
			return err
		}
	}
	return nil
}

// UpdateObject changes an object and returns it.
func (s *Store) UpdateObject(ctx context.Context, id int64, u intel.ObjectUpdate) (*intel.Object, error) {
	var o *intel.Object
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if o, err = s.findObjectByID(ctx, tx, id); err != nil {
			return err
		}
		var changed []string
		if u.Name != nil {
			o.Name = *u.Name
			changed = append(changed, "name")
		}
		if u.Aliases != nil {
			o.Aliases = *u.Aliases
			changed = append(changed, "aliases")
		}
		if u.Description != nil {
			o.Description = *u.Description
			changed = append(changed, "description")
		}
		if u.Country != nil {
			o.Country = *u.Country
			changed = append(changed, "country")
		}
		if u.TLP != nil {
			o.TLP = *u.TLP
			changed = append(changed, "tlp")
		}
		if err := o.Validate(); err != nil {
			return err
		}
		o.Aliases = cleanAliases(o.Name, o.Aliases)
		o.UpdatedAt = truncMS(s.now())
		// A hand edit clears import_hash: the next import of the same
		// STIX object counts as a change and its text wins again.
		if _, err := s.exec(ctx, tx, updateObjectSQL, append(objectArgs(o, ""), o.ID)...); err != nil {
			return err
		}
		if u.Aliases != nil || u.Name != nil || u.Country != nil {
			// The analyst edits the object's own (primary) record; names
			// that other sources give stay until the group is split.
			if err := s.updatePrimaryRecord(ctx, tx, o); err != nil {
				return err
			}
			if _, err := s.refreshObject(ctx, tx, o.ID, o.UpdatedAt, true); err != nil {
				return err
			}
			fresh, err := s.findObjectByID(ctx, tx, o.ID)
			if err != nil {
				return err
			}
			o.Aliases, o.Country = fresh.Aliases, fresh.Country
		}
		return s.audit(ctx, tx, string(o.Kind)+".update", string(o.Kind), o.ID, "changed "+strings.Join(changed, ", "))
	})
	if err != nil {
		return nil, s.wrap("update object", err)
	}
	return o, nil
}

// DeleteObject removes an object with its relationships.
func (s *Store) DeleteObject(ctx context.Context, id int64) error {
	return s.wrap("delete object", s.inTx(ctx, func(tx *sql.Tx) error {
		o, err := s.findObjectByID(ctx, tx, id)
		if err != nil {
			return err
		}
		// Relationships go by ON DELETE CASCADE, aliases and citations too.
		if _, err := s.exec(ctx, tx, `DELETE FROM objects WHERE id = ?`, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, string(o.Kind)+".delete", string(o.Kind), id, o.Name)
	}))
}
