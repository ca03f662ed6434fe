package store

import (
	"context"
	"database/sql"
)

// stmtCache prepares each query text once per transaction: an import runs
// the same few statements (and the multi-row ones in a few sizes)
// thousands of times. close releases them.
type stmtCache struct {
	store  *Store
	stmtTx *sql.Tx
	stmts  map[string]*sql.Stmt
}

func newStmtCache(s *Store, tx *sql.Tx) *stmtCache {
	return &stmtCache{store: s, stmtTx: tx, stmts: map[string]*sql.Stmt{}}
}

// stmt returns the prepared statement of query.
func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	st, err := c.store.prepare(ctx, c.stmtTx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = st
	return st, nil
}

// execStmt runs query, prepared once, with args.
func (c *stmtCache) execStmt(ctx context.Context, query string, args ...any) error {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

func (c *stmtCache) close() {
	for _, st := range c.stmts {
		st.Close()
	}
}
