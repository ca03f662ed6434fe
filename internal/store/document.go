package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// documentListCols leaves the text out: lists and profiles never show it
// and a report may be megabytes.
const documentListCols = `d.id, COALESCE(d.source_id, 0), d.title, d.url, d.published, '', d.citation,
	d.content_hash, d.tlp, d.created_at, d.updated_at`

const documentCols = `d.id, COALESCE(d.source_id, 0), d.title, d.url, d.published, d.text, d.citation,
	d.content_hash, d.tlp, d.created_at, d.updated_at`

func scanDocument(r scanner) (*intel.Document, error) {
	var d intel.Document
	var published, created, updated int64
	if err := r.Scan(&d.ID, &d.SourceID, &d.Title, &d.URL, &published, &d.Text, &d.Citation,
		&d.ContentHash, &d.TLP, &created, &updated); err != nil {
		return nil, err
	}
	d.Published, d.CreatedAt, d.UpdatedAt = fromMS(published), fromMS(created), fromMS(updated)
	return &d, nil
}

// contentHash is the SHA-256 of a document's text, hex; "" for no text.
func contentHash(text string) string {
	if text == "" {
		return ""
	}
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// documentKey is the dedupe key of a document: its URL when it has one.
// Documents without a URL are not deduplicated (NULL key).
func documentKey(url string) any {
	if url = strings.TrimSpace(url); url != "" {
		return "url:" + url
	}
	return nil
}

// FindDocumentByID returns one document with its text, or CodeNotFound.
func (s *Store) FindDocumentByID(ctx context.Context, id int64) (*intel.Document, error) {
	d, err := s.findDocumentByID(ctx, s.rdb, id)
	return d, s.wrap("find document", err)
}

func (s *Store) findDocumentByID(ctx context.Context, q querier, id int64) (*intel.Document, error) {
	d, err := scanDocument(s.queryRow(ctx, q, `SELECT `+documentCols+` FROM documents d WHERE d.id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("document", id)
	}
	return d, err
}

// FindDocuments lists documents newest first (by ID), or in f.Sort's
// order, without their text.
func (s *Store) FindDocuments(ctx context.Context, f intel.DocumentFilter) (intel.Page[*intel.Document], error) {
	var page intel.Page[*intel.Document]
	ks, err := newKeyset(f.Sort, intel.DocumentSorts, documentSortSQL, "d.id")
	if err != nil {
		return page, s.wrap("find documents", err)
	}
	limit := pageLimit(f.Limit)
	var where []string
	var args []any
	if f.SourceID != 0 {
		where = append(where, "d.source_id = ?")
		args = append(args, f.SourceID)
	}
	for _, t := range []struct{ kind, key string }{{intel.EntryCountry, f.Country}, {intel.EntrySector, f.Sector}} {
		if t.key != "" {
			where = append(where, "d.id IN (SELECT document_id FROM document_terms WHERE kind = ? AND key = ?)")
			args = append(args, t.kind, t.key)
		}
	}
	if f.After != "" {
		clause, cargs, err := ks.after(f.After)
		if err != nil {
			return page, s.wrap("find documents", err)
		}
		where, args = append(where, clause), append(args, cargs...)
	}
	query := `SELECT ` + documentListCols + `, ` + ks.col.expr + ` FROM documents d`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.query(ctx, s.rdb, query+ks.orderBy()+" LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return page, s.wrap("find documents", err)
	}
	page, err = keysetPage(rows, ks, limit, scanDocument, func(x *intel.Document) int64 { return x.ID })
	return page, s.wrap("find documents", err)
}

const insertDocumentSQL = `INSERT INTO documents (source_id, title, url, published, text, citation, content_hash,
	tlp, dedupe_key, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

func (s *Store) insertDocument(ctx context.Context, q querier, d *intel.Document, key any) error {
	d.ContentHash = contentHash(d.Text)
	d.Published = truncMS(d.Published)
	return s.queryRow(ctx, q, insertDocumentSQL, nullID(d.SourceID), d.Title, d.URL, ms(d.Published), d.Text,
		d.Citation, d.ContentHash, d.TLP, key, ms(d.CreatedAt), ms(d.UpdatedAt)).Scan(&d.ID)
}

// CreateDocument stores a document, computes its content hash and sets
// d.ID. A document whose URL is already stored gives CodeConflict.
func (s *Store) CreateDocument(ctx context.Context, d *intel.Document) error {
	if err := d.Validate(); err != nil {
		return s.wrap("create document", err)
	}
	now := truncMS(s.now())
	d.CreatedAt, d.UpdatedAt = now, now
	return s.wrap("create document", s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertDocument(ctx, tx, d, documentKey(d.URL)); err != nil {
			return err
		}
		return s.audit(ctx, tx, "document.create", "document", d.ID, d.Title)
	}))
}

// UpdateDocument changes a document and returns it.
func (s *Store) UpdateDocument(ctx context.Context, id int64, u intel.DocumentUpdate) (*intel.Document, error) {
	var d *intel.Document
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if d, err = s.findDocumentByID(ctx, tx, id); err != nil {
			return err
		}
		var changed []string
		if u.Title != nil {
			d.Title = *u.Title
			changed = append(changed, "title")
		}
		if u.URL != nil {
			d.URL = *u.URL
			changed = append(changed, "url")
		}
		if u.Published != nil {
			d.Published = truncMS(*u.Published)
			changed = append(changed, "published")
		}
		if u.Text != nil {
			d.Text = *u.Text
			changed = append(changed, "text")
		}
		if u.TLP != nil {
			d.TLP = *u.TLP
			changed = append(changed, "tlp")
		}
		if err := d.Validate(); err != nil {
			return err
		}
		d.ContentHash = contentHash(d.Text)
		d.UpdatedAt = truncMS(s.now())
		// The dedupe key follows the URL only when the URL changes, so a
		// citation keyed by its name keeps its key until it gets a URL.
		keySQL := ""
		args := []any{d.Title, d.URL, ms(d.Published), d.Text, d.ContentHash, d.TLP, ms(d.UpdatedAt)}
		if u.URL != nil {
			keySQL = ", dedupe_key = ?"
			args = append(args, documentKey(d.URL))
		}
		if _, err := s.exec(ctx, tx, `UPDATE documents SET title = ?, url = ?, published = ?, text = ?,
	content_hash = ?, tlp = ?, updated_at = ?`+keySQL+` WHERE id = ?`, append(args, id)...); err != nil {
			return err
		}
		return s.audit(ctx, tx, "document.update", "document", id, "changed "+strings.Join(changed, ", "))
	})
	if err != nil {
		return nil, s.wrap("update document", err)
	}
	return d, nil
}

// DeleteDocument removes a document.
func (s *Store) DeleteDocument(ctx context.Context, id int64) error {
	return s.wrap("delete document", s.inTx(ctx, func(tx *sql.Tx) error {
		d, err := s.findDocumentByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM documents WHERE id = ?`, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "document.delete", "document", id, d.Title)
	}))
}
