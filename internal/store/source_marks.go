package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// FindSourceMarks returns the marks a source's collection left of one
// kind (for a MISP feed: event UUID → manifest timestamp), empty when
// there are none.
func (s *Store) FindSourceMarks(ctx context.Context, sourceID int64, kind string) (map[string]int64, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT key, mark FROM source_marks WHERE source_id = ? AND kind = ?`, sourceID, kind)
	if err != nil {
		return nil, s.wrap("find source marks", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var m int64
		if err := rows.Scan(&k, &m); err != nil {
			return nil, s.wrap("find source marks", err)
		}
		out[k] = m
	}
	return out, s.wrap("find source marks", rows.Err())
}

// SaveSourceMarks replaces a source's marks of one kind, in one
// transaction. A collection saves them after its import committed: a
// crash in between only makes the next run read again what it already
// holds (imports are idempotent), never skip something.
func (s *Store) SaveSourceMarks(ctx context.Context, sourceID int64, kind string, marks map[string]int64) error {
	if sourceID == 0 || strings.TrimSpace(kind) == "" {
		return s.wrap("save source marks", intel.Errorf(intel.CodeInvalid, "source marks need a source and a kind"))
	}
	return s.wrap("save source marks", s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `DELETE FROM source_marks WHERE source_id = ? AND kind = ?`, sourceID, kind); err != nil {
			return err
		}
		keys := make([]string, 0, len(marks))
		for k := range marks {
			keys = append(keys, k)
		}
		for start := 0; start < len(keys); start += bulkRows {
			rs := newRowSet(colInt, colText, colText, colInt)
			for _, k := range keys[start:min(start+bulkRows, len(keys))] {
				rs.add(sourceID, kind, k, marks[k])
			}
			src, args := s.d.rowsSource(rs)
			if _, err := s.exec(ctx, tx, `INSERT INTO source_marks (source_id, kind, key, mark) `+src, args...); err != nil {
				return err
			}
		}
		return nil
	}))
}

// ResetCollectionState forgets what a source's collections have read —
// its marks, its TAXII pull positions, the HTTP validators of its
// location — so that its next run reads everything again. Audited.
func (s *Store) ResetCollectionState(ctx context.Context, src *intel.Source) error {
	if src.ID == 0 {
		return s.wrap("reset collection state", intel.Errorf(intel.CodeInvalid, "the source is not stored"))
	}
	return s.wrap("reset collection state", s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql string
			arg any
		}{
			{`DELETE FROM source_marks WHERE source_id = ?`, src.ID},
			{`DELETE FROM taxii_state WHERE source = ?`, src.Name},
			{`DELETE FROM fetch_state WHERE url = ?`, src.Location},
		} {
			if _, err := s.exec(ctx, tx, q.sql, q.arg); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, "source.reset", "source", src.ID, src.Name)
	}))
}
