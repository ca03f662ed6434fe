package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// Watches: what users asked to be told about (migration 0025). The
// notifier reads them all after a collection and after sightings.

const watchCols = `w.id, w.user_id, w.kind, w.target, COALESCE(w.object_id, 0), w.seen, w.created_at, u.login, u.role`

func scanWatch(r scanner) (*intel.Watch, error) {
	var w intel.Watch
	var seen string
	var created int64
	if err := r.Scan(&w.ID, &w.UserID, &w.Kind, &w.Target, &w.ObjectID, &seen, &created, &w.Login, &w.Role); err != nil {
		return nil, err
	}
	w.Seen, w.CreatedAt = fromJSON[string](seen), fromMS(created)
	return &w, nil
}

// CreateWatch stores a watch of w.UserID; the same watch twice is a
// conflict. A group watch names the group by ObjectID, and its Target
// becomes the group's name. ID and CreatedAt are set.
func (s *Store) CreateWatch(ctx context.Context, w *intel.Watch) error {
	if err := w.Validate(); err != nil {
		return s.wrap("create watch", err)
	}
	w.CreatedAt = truncMS(s.now())
	return s.wrap("create watch", s.inTx(ctx, func(tx *sql.Tx) error {
		if w.Kind == intel.WatchGroup {
			err := s.queryRow(ctx, tx, `SELECT name FROM objects WHERE id = ? AND kind = 'group'`, w.ObjectID).Scan(&w.Target)
			if err == sql.ErrNoRows {
				return notFound("group", w.ObjectID)
			}
			if err != nil {
				return err
			}
		}
		err := s.queryRow(ctx, tx, `INSERT INTO watches (user_id, kind, target, object_id, seen, created_at)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, w.UserID, w.Kind, w.Target, nullID(w.ObjectID), jsonText(w.Seen), ms(w.CreatedAt)).Scan(&w.ID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, "watch.create", "watch", w.ID, fmt.Sprintf("%s %s", w.Kind, w.Target))
	}))
}

// FindWatches lists the watches of a user, or of every enabled user when
// userID is 0, oldest first.
func (s *Store) FindWatches(ctx context.Context, userID int64) ([]*intel.Watch, error) {
	q := `SELECT ` + watchCols + ` FROM watches w JOIN users u ON u.id = w.user_id WHERE `
	args := []any{}
	if userID > 0 {
		q += `w.user_id = ?`
		args = append(args, userID)
	} else {
		q += `u.enabled <> 0`
	}
	rows, err := s.query(ctx, s.rdb, q+` ORDER BY w.id`, args...)
	if err != nil {
		return nil, s.wrap("find watches", err)
	}
	defer rows.Close()
	var out []*intel.Watch
	for rows.Next() {
		w, err := scanWatch(rows)
		if err != nil {
			return nil, s.wrap("find watches", err)
		}
		out = append(out, w)
	}
	return out, s.wrap("find watches", rows.Err())
}

// DeleteWatch deletes a watch of the user (any user's when userID is 0),
// or gives CodeNotFound: someone else's watch is not found.
func (s *Store) DeleteWatch(ctx context.Context, userID, id int64) error {
	return s.wrap("delete watch", s.inTx(ctx, func(tx *sql.Tx) error {
		var owner int64
		var what string
		err := s.queryRow(ctx, tx, `SELECT user_id, kind || ' ' || target FROM watches WHERE id = ?`, id).Scan(&owner, &what)
		if err == sql.ErrNoRows || err == nil && userID > 0 && owner != userID {
			return notFound("watch", id)
		}
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM watches WHERE id = ?`, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, "watch.delete", "watch", id, what)
	}))
}

// SaveWatchSeen keeps the hits a search watch has told of.
func (s *Store) SaveWatchSeen(ctx context.Context, id int64, seen []string) error {
	_, err := s.exec(ctx, s.db, `UPDATE watches SET seen = ? WHERE id = ?`, jsonText(seen), id)
	return s.wrap("save watch", err)
}

// IndicatorGroups returns the groups each of the indicators points at
// (by an attributed event or an indicates link), as exports see them.
func (s *Store) IndicatorGroups(ctx context.Context, indicatorIDs []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(indicatorIDs) == 0 {
		return out, nil
	}
	in := "IN (?" + strings.Repeat(", ?", len(indicatorIDs)-1) + ")"
	args := make([]any, 0, 2*len(indicatorIDs))
	for range 2 {
		for _, id := range indicatorIDs {
			args = append(args, id)
		}
	}
	rows, err := s.query(ctx, s.rdb, fmt.Sprintf(groupLinkSQL, in, in), args...)
	if err != nil {
		return nil, s.wrap("indicator groups", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ind, obj int64
		if err := rows.Scan(&ind, &obj); err != nil {
			return nil, s.wrap("indicator groups", err)
		}
		out[ind] = append(out[ind], obj)
	}
	return out, s.wrap("indicator groups", rows.Err())
}

// FindSightingsSince lists sightings recorded at or after since (those a
// collection just imported), oldest first, at most 500.
func (s *Store) FindSightingsSince(ctx context.Context, since time.Time) ([]intel.Sighting, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+sightingCols+` FROM sightings g WHERE g.recorded_at >= ?
ORDER BY g.recorded_at, g.id LIMIT ?`, ms(since), maxLimit)
	if err != nil {
		return nil, s.wrap("find sightings", err)
	}
	defer rows.Close()
	var out []intel.Sighting
	for rows.Next() {
		sg, err := scanSighting(rows)
		if err != nil {
			return nil, s.wrap("find sightings", err)
		}
		out = append(out, *sg)
	}
	return out, s.wrap("find sightings", rows.Err())
}
