package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// FindTAXIIState returns where the last pull of a source's collection
// stopped. A collection never pulled gives a state with a zero AddedAfter
// (pull everything), not an error.
func (s *Store) FindTAXIIState(ctx context.Context, source, collection string) (*intel.TAXIIState, error) {
	st := &intel.TAXIIState{Source: source, Collection: collection}
	var after, last int64
	err := s.queryRow(ctx, s.rdb, `SELECT added_after, last_pull, objects_total FROM taxii_state
WHERE source = ? AND collection = ?`, source, collection).Scan(&after, &last, &st.ObjectsTotal)
	switch {
	case err == sql.ErrNoRows:
		return st, nil
	case err != nil:
		return nil, s.wrap("find TAXII state", err)
	}
	st.AddedAfter, st.LastPull = fromMS(after), fromMS(last)
	return st, nil
}

// SaveTAXIIState records where a pull stopped, replacing the previous
// state of the same source and collection.
func (s *Store) SaveTAXIIState(ctx context.Context, st *intel.TAXIIState) error {
	if strings.TrimSpace(st.Source) == "" || strings.TrimSpace(st.Collection) == "" {
		return s.wrap("save TAXII state", intel.Errorf(intel.CodeInvalid, "TAXII state needs a source and a collection"))
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// Milliseconds round a TAXII date (microseconds) down, so the next
		// pull may see the newest object again (imports are idempotent) but
		// never skips one.
		_, err := s.exec(ctx, tx, `INSERT INTO taxii_state (source, collection, added_after, last_pull, objects_total)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (source, collection) DO UPDATE SET added_after = excluded.added_after, last_pull = excluded.last_pull,
	objects_total = excluded.objects_total`, st.Source, st.Collection, ms(st.AddedAfter), ms(st.LastPull), st.ObjectsTotal)
		return err
	})
	return s.wrap("save TAXII state", err)
}
