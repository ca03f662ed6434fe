package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spoor/spoor/internal/intel"
)

const indicatorCols = `i.id, i.type, i.value, i.description, i.tags, i.first_seen, i.last_seen, i.confidence,
	i.tlp, COALESCE(i.source_id, 0), i.warninglist, i.created_at, i.updated_at`

func scanIndicator(r scanner) (*intel.Indicator, error) {
	var in intel.Indicator
	var tags string
	var first, last, created, updated int64
	if err := r.Scan(&in.ID, &in.Type, &in.Value, &in.Description, &tags, &first, &last, &in.Confidence,
		&in.TLP, &in.SourceID, &in.Warninglist, &created, &updated); err != nil {
		return nil, err
	}
	in.Tags = fromJSON[string](tags)
	in.FirstSeen, in.LastSeen = fromMS(first), fromMS(last)
	in.CreatedAt, in.UpdatedAt = fromMS(created), fromMS(updated)
	return &in, nil
}

func (s *Store) insertIndicator(ctx context.Context, q querier, in *intel.Indicator) error {
	return s.queryRow(ctx, q, `INSERT INTO indicators (type, value, description, tags, first_seen, last_seen,
	confidence, tlp, source_id, warninglist, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Type, in.Value, in.Description, jsonText(in.Tags),
		ms(in.FirstSeen), ms(in.LastSeen), in.Confidence, in.TLP, nullID(in.SourceID), in.Warninglist,
		ms(in.CreatedAt), ms(in.UpdatedAt)).Scan(&in.ID)
}

// writeIndicator stores the changeable fields of an existing indicator.
func (s *Store) writeIndicator(ctx context.Context, q querier, in *intel.Indicator) error {
	_, err := s.exec(ctx, q, `UPDATE indicators SET description = ?, tags = ?, first_seen = ?, last_seen = ?,
	confidence = ?, tlp = ?, updated_at = ? WHERE id = ?`, in.Description, jsonText(in.Tags), ms(in.FirstSeen),
		ms(in.LastSeen), in.Confidence, in.TLP, ms(in.UpdatedAt), in.ID)
	return err
}

// FindIndicatorByID returns one indicator, or CodeNotFound.
func (s *Store) FindIndicatorByID(ctx context.Context, id int64) (*intel.Indicator, error) {
	in, err := s.findIndicatorByID(ctx, s.rdb, id)
	return in, s.wrap("find indicator", err)
}

func (s *Store) findIndicatorByID(ctx context.Context, q querier, id int64) (*intel.Indicator, error) {
	in, err := scanIndicator(s.queryRow(ctx, q, `SELECT `+indicatorCols+` FROM indicators i WHERE i.id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("indicator", id)
	}
	return in, err
}

// FindIndicators lists indicators newest first, or in f.Sort's order,
// with keyset paging.
func (s *Store) FindIndicators(ctx context.Context, f intel.IndicatorFilter) (intel.Page[*intel.Indicator], error) {
	var page intel.Page[*intel.Indicator]
	if err := f.Validate(); err != nil {
		return page, s.wrap("find indicators", err)
	}
	ks, err := newKeyset(f.Sort, intel.IndicatorSorts, indicatorSortSQL, "i.id")
	if err != nil {
		return page, s.wrap("find indicators", err)
	}
	limit := pageLimit(f.Limit)
	where, args := indicatorListWhere(f)
	if f.After != "" {
		clause, cargs, err := ks.after(f.After)
		if err != nil {
			return page, s.wrap("find indicators", err)
		}
		where, args = append(where, clause), append(args, cargs...)
	}
	query := `SELECT ` + indicatorCols + `, ` + ks.col.expr + ` FROM indicators i`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.query(ctx, s.rdb, query+ks.orderBy()+" LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return page, s.wrap("find indicators", err)
	}
	page, err = keysetPage(rows, ks, limit, scanIndicator, func(x *intel.Indicator) int64 { return x.ID })
	return page, s.wrap("find indicators", err)
}

// indicatorListWhere is the WHERE of an indicator list, without paging.
func indicatorListWhere(f intel.IndicatorFilter) ([]string, []any) {
	var where []string
	var args []any
	if f.Type != "" {
		where = append(where, "i.type = ?")
		args = append(args, f.Type)
	}
	if f.Value != "" {
		where = append(where, "i.value = ?")
		args = append(args, f.Value)
	}
	if f.Prefix != "" {
		// substr is the same on both engines and exact, whatever the
		// collation; values are mostly stored in lower case.
		n := utf8.RuneCountInString(f.Prefix)
		where = append(where, "(substr(i.value, 1, ?) = ? OR substr(i.value, 1, ?) = ?)")
		args = append(args, n, f.Prefix, n, strings.ToLower(f.Prefix))
	}
	if f.SourceID > 0 {
		where = append(where, "(i.source_id = ? OR i.id IN (SELECT indicator_id FROM indicator_sources WHERE source_id = ?))")
		args = append(args, f.SourceID, f.SourceID)
	}
	switch f.Warninglisted {
	case "only":
		where = append(where, "i.warninglist <> ''")
	case "exclude":
		where = append(where, "i.warninglist = ''")
	}
	return indicatorWhere(where, args, f.GroupID, f.Since, f.MinConfidence)
}

// CountIndicators counts what an indicator list selects, over every page.
func (s *Store) CountIndicators(ctx context.Context, f intel.IndicatorFilter) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, s.wrap("count indicators", err)
	}
	where, args := indicatorListWhere(f)
	query := `SELECT COUNT(*) FROM indicators i`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	var n int
	err := s.queryRow(ctx, s.rdb, query, args...).Scan(&n)
	return n, s.wrap("count indicators", err)
}

// CreateIndicator stores an indicator and sets i.ID; an existing (type,
// value) gives CodeConflict.
func (s *Store) CreateIndicator(ctx context.Context, i *intel.Indicator) error {
	in := i
	if err := in.Validate(); err != nil {
		return s.wrap("create indicator", err)
	}
	now := truncMS(s.now())
	in.CreatedAt, in.UpdatedAt = now, now
	in.FirstSeen, in.LastSeen = truncMS(in.FirstSeen), truncMS(in.LastSeen)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertIndicator(ctx, tx, in); err != nil {
			if intel.ErrorCode(s.d.MapError(err)) == intel.CodeConflict {
				return &intel.Error{Code: intel.CodeConflict, Message: fmt.Sprintf("indicator %s %q already exists", in.Type, in.Value), Err: err}
			}
			return err
		}
		return s.audit(ctx, tx, "indicator.create", "indicator", in.ID, string(in.Type)+" "+in.Value)
	})
	return s.wrap("create indicator", err)
}

// UpdateIndicator changes an indicator and returns it.
func (s *Store) UpdateIndicator(ctx context.Context, id int64, u intel.IndicatorUpdate) (*intel.Indicator, error) {
	var in *intel.Indicator
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if in, err = s.findIndicatorByID(ctx, tx, id); err != nil {
			return err
		}
		var changed []string
		if u.Description != nil {
			in.Description = *u.Description
			changed = append(changed, "description")
		}
		if u.Tags != nil {
			in.Tags = *u.Tags
			changed = append(changed, "tags")
		}
		if u.Confidence != nil {
			in.Confidence = *u.Confidence
			changed = append(changed, "confidence")
		}
		if u.TLP != nil {
			in.TLP = *u.TLP
			changed = append(changed, "tlp")
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if len(in.Tags) == 0 {
			in.Tags = nil // reads back as nil
		}
		in.UpdatedAt = truncMS(s.now())
		if err := s.writeIndicator(ctx, tx, in); err != nil {
			return err
		}
		return s.audit(ctx, tx, "indicator.update", "indicator", id, "changed "+strings.Join(changed, ", "))
	})
	if err != nil {
		return nil, s.wrap("update indicator", err)
	}
	return in, nil
}

// DeleteIndicator removes an indicator.
func (s *Store) DeleteIndicator(ctx context.Context, id int64) error {
	return s.wrap("delete indicator", s.inTx(ctx, func(tx *sql.Tx) error {
		in, err := s.findIndicatorByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM indicators WHERE id = ?`, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "indicator.delete", "indicator", id, string(in.Type)+" "+in.Value)
	}))
}
