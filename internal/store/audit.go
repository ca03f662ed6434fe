package store

import (
	"context"
	"fmt"

	"github.com/spoor/spoor/internal/intel"
)

// audit records a write by the ctx actor in the write's own transaction, so
// that the trail and the data cannot disagree.
func (s *Store) audit(ctx context.Context, q querier, action, kind string, id int64, detail string) error {
	a := intel.ActorFrom(ctx)
	_, err := s.exec(ctx, q, `INSERT INTO audit (at, user_id, login, action, object_kind, object_id, detail, addr)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ms(s.now()), a.UserID, a.Login, action, kind, id, detail, a.Addr)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// RecordAudit appends an entry that no write of the store's own carries
// (failed sign-ins, refused API tokens). Empty fields are filled from the
// ctx actor and the clock; e.ID and e.At are set.
func (s *Store) RecordAudit(ctx context.Context, e *intel.AuditEntry) error {
	if e.Action == "" {
		return intel.Errorf(intel.CodeInvalid, "audit action is required")
	}
	a := intel.ActorFrom(ctx)
	if e.Login == "" && e.UserID == 0 {
		e.UserID, e.Login = a.UserID, a.Login
	}
	if e.Addr == "" {
		e.Addr = a.Addr
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = truncMS(e.At)
	err := s.queryRow(ctx, s.db, `INSERT INTO audit (at, user_id, login, action, object_kind, object_id, detail, addr)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, ms(e.At), e.UserID, e.Login, e.Action, e.ObjectKind, e.ObjectID, e.Detail, e.Addr).Scan(&e.ID)
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
	rows, err := s.query(ctx, s.rdb, `SELECT id, at, user_id, login, action, object_kind, object_id, detail, addr
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
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Login, &e.Action, &e.ObjectKind, &e.ObjectID, &e.Detail, &e.Addr); err != nil {
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
