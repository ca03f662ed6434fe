package store

import (
	"context"
	"database/sql"

	"github.com/spoor/spoor/internal/intel"
)

// SaveModel stores a trained model as the newest of its kind, audited.
func (s *Store) SaveModel(ctx context.Context, m *intel.Model) error {
	if m.Kind == "" || m.Data == "" {
		return s.wrap("save model", intel.Errorf(intel.CodeInvalid, "a model needs a kind and data"))
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = s.now()
	}
	m.CreatedAt = truncMS(m.CreatedAt)
	for _, f := range []*string{&m.Params, &m.Summary, &m.Evaluation} {
		if *f == "" {
			*f = "{}"
		}
	}
	return s.wrap("save model", s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.queryRow(ctx, tx, `INSERT INTO models (kind, version, created_at, params, summary, evaluation, data)
VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.Kind, m.Version, ms(m.CreatedAt), m.Params, m.Summary, m.Evaluation,
			m.Data).Scan(&m.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, "model.save", "model", m.ID, m.Kind)
	}))
}

// FindLatestModel returns the model of a kind in use: the pinned one,
// else the newest; CodeNotFound when none is stored.
func (s *Store) FindLatestModel(ctx context.Context, kind string) (*intel.Model, error) {
	m := &intel.Model{}
	var created, pinned int64
	err := s.queryRow(ctx, s.rdb, `SELECT id, kind, version, created_at, params, summary, evaluation, data, pinned
FROM models WHERE kind = ? ORDER BY pinned DESC, id DESC LIMIT 1`, kind).Scan(&m.ID, &m.Kind, &m.Version, &created, &m.Params,
		&m.Summary, &m.Evaluation, &m.Data, &pinned)
	if err == sql.ErrNoRows {
		return nil, s.wrap("find model", intel.Errorf(intel.CodeNotFound, "no %s model is stored", kind))
	}
	if err != nil {
		return nil, s.wrap("find model", err)
	}
	m.CreatedAt, m.Pinned, m.Bytes = fromMS(created), pinned != 0, int64(len(m.Data))
	return m, nil
}

// LatestModelID returns the ID of the model of a kind in use (the pinned
// one, else the newest), or CodeNotFound: one small row among the few of
// its kind, so that a server can tell whether the model it holds is still
// the one to use without reading it.
func (s *Store) LatestModelID(ctx context.Context, kind string) (int64, error) {
	var id int64
	err := s.queryRow(ctx, s.rdb, `SELECT id FROM models WHERE kind = ? ORDER BY pinned DESC, id DESC LIMIT 1`, kind).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, s.wrap("find model", intel.Errorf(intel.CodeNotFound, "no %s model is stored", kind))
	}
	return id, s.wrap("find model", err)
}

// ListModels returns the stored models of a kind ("" for every kind),
// newest first, without their data.
func (s *Store) ListModels(ctx context.Context, kind string) ([]*intel.Model, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT id, kind, version, created_at, params, summary, evaluation, pinned, LENGTH(data)
FROM models WHERE ? = '' OR kind = ? ORDER BY id DESC`, kind, kind)
	if err != nil {
		return nil, s.wrap("list models", err)
	}
	defer rows.Close()
	out := []*intel.Model{}
	for rows.Next() {
		m := &intel.Model{}
		var created, pinned int64
		if err := rows.Scan(&m.ID, &m.Kind, &m.Version, &created, &m.Params, &m.Summary, &m.Evaluation, &pinned, &m.Bytes); err != nil {
			return nil, s.wrap("list models", err)
		}
		m.CreatedAt, m.Pinned = fromMS(created), pinned != 0
		out = append(out, m)
	}
	return out, s.wrap("list models", rows.Err())
}

// PinModel makes a stored model the one of its kind in use, whatever
// newer ones are stored or trained later, until UnpinModel; audited.
// usable, when not nil, may refuse the model by its kind and version (one
// this program cannot read) before anything changes.
func (s *Store) PinModel(ctx context.Context, id int64, usable func(kind string, version int) error) (*intel.Model, error) {
	m := &intel.Model{ID: id}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var version int
		err := s.queryRow(ctx, tx, `SELECT kind, version FROM models WHERE id = ?`, id).Scan(&m.Kind, &version)
		if err == sql.ErrNoRows {
			return intel.Errorf(intel.CodeNotFound, "no model %d is stored", id)
		}
		if err != nil {
			return err
		}
		if usable != nil {
			if err := usable(m.Kind, version); err != nil {
				return err
			}
		}
		m.Version, m.Pinned = version, true
		if _, err := s.exec(ctx, tx, `UPDATE models SET pinned = 0 WHERE kind = ? AND pinned = 1`, m.Kind); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE models SET pinned = 1 WHERE id = ?`, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "model.pin", "model", id, m.Kind)
	})
	if err != nil {
		return nil, s.wrap("pin model", err)
	}
	return m, nil
}

// UnpinModel lets the newest model of a kind be used again; it reports
// whether one was pinned. Audited when it changes something.
func (s *Store) UnpinModel(ctx context.Context, kind string) (bool, error) {
	changed := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := s.queryRow(ctx, tx, `SELECT id FROM models WHERE kind = ? AND pinned = 1`, kind).Scan(&id)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE models SET pinned = 0 WHERE id = ?`, id); err != nil {
			return err
		}
		changed = true
		return s.audit(ctx, tx, "model.unpin", "model", id, kind)
	})
	return changed, s.wrap("unpin model", err)
}
