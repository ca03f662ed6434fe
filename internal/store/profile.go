package store

import (
	"context"
	"database/sql"

	"github.com/spoor/spoor/internal/intel"
)

const relationshipCols = `r.id, COALESCE(r.stix_id, ''), r.type, r.source_ref, r.target_ref, r.description, r.refs,
	r.revoked, r.deprecated, r.created, r.modified, COALESCE(r.source_id, 0), r.confidence`

func scanRelationship(r *intel.Relationship, refs *string, revoked, deprecated *int, created, modified *int64) []any {
	return []any{&r.ID, &r.StixID, &r.Type, &r.SourceRef, &r.TargetRef, &r.Description, refs,
		revoked, deprecated, created, modified, &r.SourceID, &r.Confidence}
}

// FindProfile returns an object with its related objects grouped by kind
// and the documents cited by it and its relationships. Revoked and
// deprecated relationships and objects are left out.
func (s *Store) FindProfile(ctx context.Context, id int64) (*intel.Profile, error) {
	// One read transaction, so that the object, its edges and its
	// documents come from the same snapshot.
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.wrap("find profile", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	p, err := s.findProfile(ctx, tx, id)
	return p, s.wrap("find profile", err)
}

func (s *Store) findProfile(ctx context.Context, tx *sql.Tx, id int64) (*intel.Profile, error) {
	o, err := s.findObjectByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	p := &intel.Profile{Object: *o}
	rows, err := s.query(ctx, tx, `SELECT `+relationshipCols+`, `+objectCols+`
FROM relationships r
JOIN objects o ON o.id = CASE WHEN r.source_ref = ? THEN r.target_ref ELSE r.source_ref END
WHERE (r.source_ref = ? OR r.target_ref = ?) AND r.revoked = 0 AND r.deprecated = 0
	AND o.revoked = 0 AND o.deprecated = 0
ORDER BY o.name_norm, o.id, r.id`, id, id, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var rel intel.Relationship
		var refs string
		var revoked, deprecated int
		var created, modified int64
		dest := scanRelationship(&rel, &refs, &revoked, &deprecated, &created, &modified)
		other, err := scanObject(scanFunc(func(odest ...any) error { return rows.Scan(append(dest, odest...)...) }))
		if err != nil {
			return nil, err
		}
		rel.Refs = fromJSON[intel.ExternalRef](refs)
		rel.Revoked, rel.Deprecated = revoked != 0, deprecated != 0
		rel.Created, rel.Modified = fromMS(created), fromMS(modified)
		r := intel.Related{Relationship: rel, Other: *other, Outgoing: rel.SourceRef == id}
		switch other.Kind {
		case intel.KindTechnique:
			p.Techniques = append(p.Techniques, r)
		case intel.KindSoftware:
			p.Software = append(p.Software, r)
		case intel.KindGroup:
			p.Groups = append(p.Groups, r)
		case intel.KindCampaign:
			p.Campaigns = append(p.Campaigns, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	docs, err := s.query(ctx, tx, `WITH rels AS (
	SELECT r.id FROM relationships r
	JOIN objects o ON o.id = CASE WHEN r.source_ref = ? THEN r.target_ref ELSE r.source_ref END
	WHERE (r.source_ref = ? OR r.target_ref = ?) AND r.revoked = 0 AND r.deprecated = 0
		AND o.revoked = 0 AND o.deprecated = 0
), cited AS (
	SELECT document_id FROM object_citations WHERE object_id = ?
	UNION
	SELECT rc.document_id FROM relationship_citations rc JOIN rels ON rels.id = rc.relationship_id
)
SELECT `+documentListCols+` FROM documents d JOIN cited c ON c.document_id = d.id
ORDER BY d.title, d.id`, id, id, id, id)
	if err != nil {
		return nil, err
	}
	defer docs.Close()
	for docs.Next() {
		d, err := scanDocument(docs)
		if err != nil {
			return nil, err
		}
		p.Documents = append(p.Documents, *d)
	}
	return p, docs.Err()
}
