package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// The bundle importer's batched writes. An ATT&CK release holds some
// 13,000 relationships and 21,000 citation links: written one statement
// each they were most of an import's time on PostgreSQL, where every
// statement is a round trip. New relationships and every citation link
// are queued and written bulkRows at a time; a queued relationship has a
// temporary negative id until its row is written, and its citation links
// are queued under that id.

// citeTable is a table of citation links the importer writes.
type citeTable int

const (
	objectCitations citeTable = iota
	relationshipCitations
)

var citeInsertSQL = [...]string{
	objectCitations:       `INSERT INTO object_citations (object_id, document_id) `,
	relationshipCitations: `INSERT INTO relationship_citations (relationship_id, document_id) `,
}

var citeDeleteSQL = [...]string{
	objectCitations:       `DELETE FROM object_citations WHERE object_id = ?`,
	relationshipCitations: `DELETE FROM relationship_citations WHERE relationship_id = ?`,
}

// importLinks is what an import has queued to write.
type importLinks struct {
	cites   [len(citeInsertSQL)]map[int64][]int64 // table → record id → document ids
	newRels []queuedRelationship
}

type queuedRelationship struct {
	stixID string
	args   []any // insertRelationshipSQL's, in order
	st     stored
}

// queueCite queues a citation link of record id.
func (im *importer) queueCite(t citeTable, id, docID int64) {
	if im.links.cites[t] == nil {
		im.links.cites[t] = map[int64][]int64{}
	}
	im.links.cites[t][id] = append(im.links.cites[t][id], docID)
}

// uncite deletes record id's citation links, the stored and the queued.
func (im *importer) uncite(ctx context.Context, t citeTable, id int64) error {
	delete(im.links.cites[t], id)
	return im.execStmt(ctx, citeDeleteSQL[t], id)
}

// queueRelationship queues a new relationship's row and returns its
// temporary id.
func (im *importer) queueRelationship(stixID string, args []any, st stored) int64 {
	im.links.newRels = append(im.links.newRels, queuedRelationship{stixID: stixID, args: args, st: st})
	return -int64(len(im.links.newRels))
}

var relationshipRowKinds = []colKind{colText, colText, colInt, colInt, colText, colText, colInt, colInt, colInt, colInt,
	colInt, colReal, colText}

// flushRelationships writes the queued relationships, gives each its id
// in im.rels, and moves its queued citation links to that id.
func (im *importer) flushRelationships(ctx context.Context) error {
	q := im.links.newRels
	for start := 0; start < len(q); start += bulkRows {
		part := q[start:min(start+bulkRows, len(q))]
		rs := newRowSet(relationshipRowKinds...)
		for _, r := range part {
			rs.add(r.args...)
		}
		src, args := im.s.d.rowsSource(rs)
		st, err := im.stmt(ctx, `INSERT INTO relationships (stix_id, type, source_ref, target_ref, description, refs,
	revoked, deprecated, created, modified, source_id, confidence, import_hash) `+src+` RETURNING id, stix_id`)
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		ids := make(map[string]int64, len(part))
		for rows.Next() {
			var id int64
			var stixID string
			if err := rows.Scan(&id, &stixID); err != nil {
				rows.Close()
				return err
			}
			ids[stixID] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i, r := range part {
			id, ok := ids[r.stixID]
			if !ok {
				return fmt.Errorf("relationship %s: no id returned", r.stixID)
			}
			tmp := -int64(start + i + 1)
			if docs, ok := im.links.cites[relationshipCitations][tmp]; ok {
				delete(im.links.cites[relationshipCitations], tmp)
				im.links.cites[relationshipCitations][id] = docs
			}
			r.st.id = id
			im.rels[r.stixID] = r.st
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	im.links.newRels = nil
	return nil
}

// flushCites writes the queued citation links, in (record, document)
// order; a link already stored, or queued twice, is written once.
func (im *importer) flushCites(ctx context.Context) error {
	for t, byID := range im.links.cites {
		pairs := make([][2]int64, 0, len(byID))
		for id, docs := range byID {
			if id < 0 {
				return fmt.Errorf("citation of relationship not yet written (%d)", id)
			}
			for _, d := range docs {
				pairs = append(pairs, [2]int64{id, d})
			}
		}
		slices.SortFunc(pairs, func(x, y [2]int64) int {
			return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1]))
		})
		pairs = slices.Compact(pairs)
		for start := 0; start < len(pairs); start += bulkRows {
			rs := newRowSet(colInt, colInt)
			for _, p := range pairs[start:min(start+bulkRows, len(pairs))] {
				rs.add(p[0], p[1])
			}
			src, args := im.s.d.rowsSource(rs)
			if err := im.execStmt(ctx, citeInsertSQL[t]+src+` ON CONFLICT DO NOTHING`, args...); err != nil {
				return err
			}
		}
		im.links.cites[t] = nil
	}
	return nil
}
