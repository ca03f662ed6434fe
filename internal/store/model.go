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

// FindLatestModel returns the newest model of a kind, or CodeNotFound.
func (s *Store) FindLatestModel(ctx context.Context, kind string) (*intel.Model, error) {
	m := &intel.Model{}
	var created int64
	err := s.queryRow(ctx, s.rdb, `SELECT id, kind, version, created_at, params, summary, evaluation, data
FROM models WHERE kind = ? ORDER BY id DESC LIMIT 1`, kind).Scan(&m.ID, &m.Kind, &m.Version, &created, &m.Params,
		&m.Summary, &m.Evaluation, &m.Data)
	if err == sql.ErrNoRows {
		return nil, s.wrap("find model", intel.Errorf(intel.CodeNotFound, "no %s model is stored", kind))
	}
	if err != nil {
		return nil, s.wrap("find model", err)
	}
	m.CreatedAt = fromMS(created)
	return m, nil
}

// LatestModelID returns the ID of the newest model of a kind, or
// CodeNotFound: one indexed row, so that a server can tell whether the
// model it holds is still the newest without reading it.
func (s *Store) LatestModelID(ctx context.Context, kind string) (int64, error) {
	var id int64
	err := s.queryRow(ctx, s.rdb, `SELECT id FROM models WHERE kind = ? ORDER BY id DESC LIMIT 1`, kind).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, s.wrap("find model", intel.Errorf(intel.CodeNotFound, "no %s model is stored", kind))
	}
	return id, s.wrap("find model", err)
}
