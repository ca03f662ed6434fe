package store

import (
	"context"
	"database/sql"
	"sync"
)

// The data generation (table data_generation, migration 0033) is a number
// that every write transaction increments as its last statement, so that it
// commits with the writes it stands for. A figure derived from the whole
// base, such as the dashboard's counts, is kept beside the generation it
// was computed at and computed again only when the generation has moved:
// one single-row read per request instead of COUNT(*) over every table.
// Because the number lives in the database, every replica of a
// multi-machine deployment sees a write made through any other.
//
// The increment comes last, just before COMMIT, so that on PostgreSQL the
// row lock it takes is held for the commit only, not for the whole write.

// generationVersion is the migration that creates data_generation: the
// migrations from it on bump it too.
const generationVersion = 33

// bumpGenerationSQL increments the data generation (no placeholders, so
// the same text serves both engines).
const bumpGenerationSQL = `UPDATE data_generation SET n = n + 1 WHERE id = 1`

// bumpGeneration increments the data generation inside tx.
func (s *Store) bumpGeneration(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, bumpGenerationSQL)
	if err != nil {
		return s.wrap("data generation", err)
	}
	return nil
}

// Generation returns the data generation: it differs from an earlier
// answer whenever a write has committed since.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	var n int64
	err := s.queryRow(ctx, s.rdb, `SELECT n FROM data_generation WHERE id = 1`).Scan(&n)
	return n, s.wrap("data generation", err)
}

// genCache holds one value computed from the base at a generation.
type genCache[T any] struct {
	// mu is held while the value is computed, so that requests arriving
	// together after a write compute it once, not once each.
	mu    sync.Mutex
	valid bool
	gen   int64
	v     T
}

// get returns the cached value when the generation has not moved since it
// was computed, and otherwise computes it with compute. The generation is
// read before computing: a write committing in between leaves a value
// newer than its generation, which the next call computes again, never a
// value older than the generation it is kept under.
func (c *genCache[T]) get(ctx context.Context, s *Store, compute func(context.Context) (T, error)) (T, error) {
	gen, err := s.Generation(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.valid && c.gen == gen {
		return c.v, nil
	}
	v, err := compute(ctx)
	if err != nil {
		return v, err
	}
	c.valid, c.gen, c.v = true, gen, v
	return v, nil
}

// caches are the store's generation-keyed values.
type caches struct {
	counts      genCache[map[string]int]
	eventCounts genCache[map[string]int]
}
