package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
)

// bulkTx is inTx for bulk writes: it holds one connection of the pool for
// the whole write, runs the dialect's Session statements on it, then fn in
// a transaction on that connection that starts with the Begin statements
// (fn runs End itself, before its last write), and finally the Unsession
// statements, even when fn failed or ctx was cancelled.
func (s *Store) bulkTx(ctx context.Context, h BulkHooks, fn func(conn *sql.Conn, tx *sql.Tx) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", s.d.MapError(err))
	}
	defer conn.Close()
	for _, q := range h.Session {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bulk session: %w", s.d.MapError(err))
		}
	}
	defer func() {
		// The write has committed or rolled back by now and its outcome
		// stands; a connection whose settings could not be restored is
		// discarded rather than returned to the pool.
		for _, q := range h.Unsession {
			if _, err := conn.ExecContext(context.WithoutCancel(ctx), q); err != nil {
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				return
			}
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", s.d.MapError(err))
	}
	for _, q := range h.Begin {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("bulk begin: %w", s.d.MapError(err))
		}
	}
	if err := fn(conn, tx); err != nil {
		_ = tx.Rollback() // the error from fn is the one that matters
		return err
	}
	if err := s.bumpGeneration(ctx, tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", s.d.MapError(err))
	}
	return nil
}
