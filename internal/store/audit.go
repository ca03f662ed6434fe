package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/spoor/spoor/internal/intel"
)

// audit records a write by the ctx actor in the write's own transaction, so
// that the trail and the data cannot disagree.
func (s *Store) audit(ctx context.Context, q querier, action, kind string, id int64, detail string) error {
	a := intel.ActorFrom(ctx)
	_, err := s.exec(ctx, q, `INSERT INTO audit (at, user_id, login, action, object_kind, object_id, detail)
VALUES (?, ?, ?, ?, ?, ?, ?)`, ms(s.now()), a.UserID, a.Login, action, kind, id, detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// RecordAudit appends an entry written outside the store's own methods
// (sign-in, sign-out, failed logins). Empty fields are filled from the ctx
// actor and the clock; e.ID and e.At are set.
func (s *Store) RecordAudit(ctx context.Context, e *intel.AuditEntry) error {
	if e.Action == "" {
		return intel.Errorf(intel.CodeInvalid, "audit action is required")
	}
	if e.Login == "" && e.UserID == 0 {
		a := intel.ActorFrom(ctx)
		e.UserID, e.Login = a.UserID, a.Login
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = truncMS(e.At)
	err := s.queryRow(ctx, s.db, `INSERT INTO audit (at, user_id, login, action, object_kind, object_id, detail)
VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, ms(e.At), e.UserID, e.Login, e.Action, e.ObjectKind, e.ObjectID, e.Detail).Scan(&e.ID)
	return s.wrap("record audit", err)
}

// FindAudit lists audit entries newest first with keyset paging.
func (s *Store) FindAudit(ctx context.Context, f intel.AuditFilter) (intel.Page[*intel.AuditEntry], error) {
	var page intel.Page[*intel.AuditEntry]
	limit := pageLimit(f.Limit)
	before := int64(-1)
	if f.After != "" {
		_, id, err := decodeCursor(f.After)
		if err != nil {
			return page, err
		}
		before = id
	}
	rows, err := s.query(ctx, s.rdb, `SELECT id, at, user_id, login, action, object_kind, object_id, detail
FROM audit
WHERE (? = 0 OR user_id = ?) AND (? < 0 OR id < ?)
ORDER BY id DESC LIMIT ?`, f.UserID, f.UserID, before, before, limit+1)
	if err != nil {
		return page, s.wrap("find audit", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e intel.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Login, &e.Action, &e.ObjectKind, &e.ObjectID, &e.Detail); err != nil {
			return page, s.wrap("find audit", err)
		}
		e.At = fromMS(at)
		page.Items = append(page.Items, &e)
	}
	if err := rows.Err(); err != nil {
		return page, s.wrap("find audit", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = encodeCursor("", page.Items[limit-1].ID)
	}
	return page, nil
}

// Sources.

const sourceCols = `id, name, kind, url, credibility, tlp, created_at`

func scanSource(r scanner) (*intel.Source, error) {
	var src intel.Source
	var created int64
	if err := r.Scan(&src.ID, &src.Name, &src.Kind, &src.URL, &src.Credibility, &src.TLP, &created); err != nil {
		return nil, err
	}
	src.CreatedAt = fromMS(created)
	return &src, nil
}

// UpsertSource creates the source named s.Name or updates its kind, URL,
// credibility and TLP; it sets s.ID.
func (s *Store) UpsertSource(ctx context.Context, src *intel.Source) error {
	if err := src.Validate(); err != nil {
		return err
	}
	return s.wrap("upsert source", s.inTx(ctx, func(tx *sql.Tx) error {
		changed, err := s.upsertSource(ctx, tx, src)
		if err != nil || !changed {
			return err
		}
		return s.audit(ctx, tx, "source.upsert", "source", src.ID, src.Name)
	}))
}

// upsertSource writes src and reports whether anything changed, so that
// re-imports do not fill the audit trail with no-ops.
func (s *Store) upsertSource(ctx context.Context, q querier, src *intel.Source) (bool, error) {
	old, err := scanSource(s.queryRow(ctx, q, `SELECT `+sourceCols+` FROM sources WHERE name = ?`, src.Name))
	switch {
	case err == sql.ErrNoRows:
		src.CreatedAt = truncMS(s.now())
		err := s.queryRow(ctx, q, `INSERT INTO sources (name, kind, url, credibility, tlp, created_at)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, src.Name, src.Kind, src.URL, src.Credibility, src.TLP, ms(src.CreatedAt)).Scan(&src.ID)
		return true, err
	case err != nil:
		return false, err
	}
	src.ID, src.CreatedAt = old.ID, old.CreatedAt
	if old.Kind == src.Kind && old.URL == src.URL && old.Credibility == src.Credibility && old.TLP == src.TLP {
		return false, nil
	}
	_, err = s.exec(ctx, q, `UPDATE sources SET kind = ?, url = ?, credibility = ?, tlp = ? WHERE id = ?`,
		src.Kind, src.URL, src.Credibility, src.TLP, src.ID)
	return true, err
}

// FindSourceByName returns the source with that name, or CodeNotFound.
func (s *Store) FindSourceByName(ctx context.Context, name string) (*intel.Source, error) {
	src, err := scanSource(s.queryRow(ctx, s.rdb, `SELECT `+sourceCols+` FROM sources WHERE name = ?`, name))
	if err == sql.ErrNoRows {
		return nil, s.wrap("find source", notFound("source", fmt.Sprintf("%q", name)))
	}
	return src, s.wrap("find source", err)
}

// FindSources returns all sources ordered by name.
func (s *Store) FindSources(ctx context.Context) ([]*intel.Source, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+sourceCols+` FROM sources ORDER BY name, id`)
	if err != nil {
		return nil, s.wrap("find sources", err)
	}
	defer rows.Close()
	var out []*intel.Source
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, s.wrap("find sources", err)
		}
		out = append(out, src)
	}
	return out, s.wrap("find sources", rows.Err())
}
