package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// SaveFingerprints replaces every stored group fingerprint with fps in one
// transaction and records the rebuild: readers see the old set or the new
// one, never a mix. A fingerprint of a group deleted since its evidence
// was read is skipped.
func (s *Store) SaveFingerprints(ctx context.Context, fps []intel.Fingerprint, took time.Duration) (*intel.FingerprintBuild, error) {
	b := &intel.FingerprintBuild{BuiltAt: truncMS(s.now()), TookMS: took.Milliseconds()}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.queryRow(ctx, tx, `INSERT INTO fingerprint_builds (built_at, group_count, took_ms) VALUES (?, ?, ?) RETURNING id`,
			ms(b.BuiltAt), len(fps), b.TookMS).Scan(&b.ID); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM group_fingerprints`); err != nil {
			return err
		}
		for _, fp := range fps {
			res, err := s.exec(ctx, tx, `INSERT INTO group_fingerprints (group_id, build_id, events, profile)
SELECT id, ?, ?, ? FROM objects WHERE id = ? AND kind = 'group'`, b.ID, fp.Events, fp.Profile, fp.GroupID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				b.Groups++
			}
		}
		if _, err := s.exec(ctx, tx, `UPDATE fingerprint_builds SET group_count = ? WHERE id = ?`, b.Groups, b.ID); err != nil {
			return err
		}
		// Keep the recent history of rebuilds, not all of it.
		_, err := s.exec(ctx, tx, `DELETE FROM fingerprint_builds WHERE id < ? AND id NOT IN (SELECT DISTINCT build_id FROM group_fingerprints)`, b.ID-20)
		return err
	})
	if err != nil {
		return nil, s.wrap("save fingerprints", err)
	}
	return b, nil
}

// FindFingerprintBuild returns the newest rebuild, or CodeNotFound when
// fingerprints were never built. It is one indexed row: pages call it on
// every view to know whether what they hold is current.
func (s *Store) FindFingerprintBuild(ctx context.Context) (*intel.FingerprintBuild, error) {
	b := &intel.FingerprintBuild{}
	var built int64
	err := s.queryRow(ctx, s.rdb, `SELECT id, built_at, group_count, took_ms FROM fingerprint_builds ORDER BY id DESC LIMIT 1`).
		Scan(&b.ID, &built, &b.Groups, &b.TookMS)
	if err == sql.ErrNoRows {
		return nil, s.wrap("find fingerprint build", intel.Errorf(intel.CodeNotFound, "group fingerprints have not been built"))
	}
	if err != nil {
		return nil, s.wrap("find fingerprint build", err)
	}
	b.BuiltAt = fromMS(built)
	return b, nil
}

// FindFingerprints returns every stored fingerprint, by group ID, with the
// build they belong to (CodeNotFound when none was built). Build and rows
// are read in one transaction so that they agree.
func (s *Store) FindFingerprints(ctx context.Context) (*intel.FingerprintBuild, []intel.Fingerprint, error) {
	var b *intel.FingerprintBuild
	var out []intel.Fingerprint
	tx, err := s.rdb.BeginTx(ctx, s.d.snapshot())
	if err != nil {
		return nil, nil, s.wrap("find fingerprints", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	err = func() error {
		b = &intel.FingerprintBuild{}
		var built int64
		err := s.queryRow(ctx, tx, `SELECT id, built_at, group_count, took_ms FROM fingerprint_builds ORDER BY id DESC LIMIT 1`).
			Scan(&b.ID, &built, &b.Groups, &b.TookMS)
		if err == sql.ErrNoRows {
			return intel.Errorf(intel.CodeNotFound, "group fingerprints have not been built")
		}
		if err != nil {
			return err
		}
		b.BuiltAt = fromMS(built)
		rows, err := s.query(ctx, tx, `SELECT group_id, events, profile FROM group_fingerprints ORDER BY group_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var fp intel.Fingerprint
			if err := rows.Scan(&fp.GroupID, &fp.Events, &fp.Profile); err != nil {
				return err
			}
			out = append(out, fp)
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, nil, s.wrap("find fingerprints", err)
	}
	return b, out, nil
}

// FindFingerprint returns one group's stored fingerprint, or CodeNotFound.
func (s *Store) FindFingerprint(ctx context.Context, groupID int64) (*intel.Fingerprint, error) {
	fp := &intel.Fingerprint{GroupID: groupID}
	err := s.queryRow(ctx, s.rdb, `SELECT events, profile FROM group_fingerprints WHERE group_id = ?`, groupID).
		Scan(&fp.Events, &fp.Profile)
	if err == sql.ErrNoRows {
		return nil, s.wrap("find fingerprint", intel.Errorf(intel.CodeNotFound, "group %d has no stored fingerprint", groupID))
	}
	if err != nil {
		return nil, s.wrap("find fingerprint", err)
	}
	return fp, nil
}

// MarkGroupsDistinct records that two groups are not the same, so that
// the possible duplicates leave the pair out; audited. Saying it again
// replaces the reason.
func (s *Store) MarkGroupsDistinct(ctx context.Context, a, b int64, reason string) error {
	if a > b {
		a, b = b, a
	}
	if err := intel.CheckText("reason", reason); err != nil {
		return s.wrap("mark groups distinct", err)
	}
	if strings.TrimSpace(reason) == "" || a == b {
		return s.wrap("mark groups distinct", intel.Errorf(intel.CodeInvalid, "two different groups and a reason are needed"))
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range []int64{a, b} {
			o, err := s.findObjectByID(ctx, tx, id)
			if err != nil {
				return err
			}
			if o.Kind != intel.KindGroup {
				return intel.Errorf(intel.CodeInvalid, "%d is a %s, not a group", id, o.Kind)
			}
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO distinct_groups (group_a, group_b, reason, decided_by, decided_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (group_a, group_b) DO UPDATE SET reason = excluded.reason, decided_by = excluded.decided_by, decided_at = excluded.decided_at`,
			a, b, strings.TrimSpace(reason), intel.ActorFrom(ctx).Login, ms(s.now())); err != nil {
			return err
		}
		return s.audit(ctx, tx, "group.distinct", "object", a, fmt.Sprintf("not the same as %d: %s", b, reason))
	})
	return s.wrap("mark groups distinct", err)
}

// FindDistinctGroups lists the pairs marked distinct.
func (s *Store) FindDistinctGroups(ctx context.Context) ([]intel.DistinctPair, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT group_a, group_b, reason, decided_by, decided_at FROM distinct_groups ORDER BY group_a, group_b`)
	if err != nil {
		return nil, s.wrap("find distinct groups", err)
	}
	defer rows.Close()
	var out []intel.DistinctPair
	for rows.Next() {
		var p intel.DistinctPair
		var at int64
		if err := rows.Scan(&p.A, &p.B, &p.Reason, &p.DecidedBy, &at); err != nil {
			return nil, s.wrap("find distinct groups", err)
		}
		p.DecidedAt = fromMS(at)
		out = append(out, p)
	}
	return out, s.wrap("find distinct groups", rows.Err())
}
