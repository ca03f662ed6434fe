package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Merge and split: an analyst's moves of records between objects, and the
// merge log that every placement of a record (by import rule or by hand)
// writes, so an object's page can say why it holds what it holds.

// logMerge writes one line of the merge log; the login is kept for the
// moves made by hand.
func (s *Store) logMerge(ctx context.Context, q querier, m *intel.MergeRecord) error {
	a := intel.ActorFrom(ctx)
	login := ""
	if m.Rule == intel.RuleManualMerge || m.Rule == intel.RuleManualSplit {
		login = a.Login
	}
	_, err := s.exec(ctx, q, `INSERT INTO merges (at, object_id, other_id, record_key, source_id, rule, evidence, user_id, login)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ms(s.now()), m.ObjectID, m.OtherID, m.Key, m.SourceID, m.Rule, m.Evidence, a.UserID, login)
	return err
}

// MergeObjects merges mergeID into keepID by hand: mergeID's records,
// relationships, citations, events and merge log move to keepID and
// mergeID is deleted. Later imports keep the records where they are now.
func (s *Store) MergeObjects(ctx context.Context, keepID, mergeID int64, reason string) (*intel.Object, error) {
	if keepID == mergeID {
		return nil, s.wrap("merge objects", intel.Errorf(intel.CodeInvalid, "cannot merge an object into itself"))
	}
	if err := intel.CheckText("reason", reason); err != nil {
		return nil, s.wrap("merge objects", err)
	}
	var out *intel.Object
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		keep, err := s.findObjectByID(ctx, tx, keepID)
		if err != nil {
			return err
		}
		drop, err := s.findObjectByID(ctx, tx, mergeID)
		if err != nil {
			return err
		}
		if keep.Kind != drop.Kind {
			return intel.Errorf(intel.CodeInvalid, "cannot merge %s %q into %s %q", drop.Kind, drop.Name, keep.Kind, keep.Name)
		}
		for _, q := range []string{
			`UPDATE object_records SET object_id = ?, is_primary = 0, manual = 1 WHERE object_id = ?`,
			`UPDATE relationships SET source_ref = ? WHERE source_ref = ?`,
			`UPDATE relationships SET target_ref = ? WHERE target_ref = ?`,
			`INSERT INTO object_citations (object_id, document_id) SELECT ?, document_id FROM object_citations WHERE object_id = ?
ON CONFLICT DO NOTHING`,
			`UPDATE events SET group_id = ? WHERE group_id = ?`,
			`INSERT INTO merge_blocks (record_key, object_id) SELECT record_key, ? FROM merge_blocks WHERE object_id = ?
ON CONFLICT DO NOTHING`,
			`UPDATE merges SET object_id = ? WHERE object_id = ?`,
		} {
			if _, err := s.exec(ctx, tx, q, keepID, mergeID); err != nil {
				return err
			}
		}
		// Blocks that kept a record away from either side no longer mean
		// anything once both are one.
		if _, err := s.exec(ctx, tx, `DELETE FROM merge_blocks WHERE object_id = ? AND record_key IN
	(SELECT record_key FROM object_records WHERE object_id = ?)`, keepID, keepID); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM objects WHERE id = ?`, mergeID); err != nil {
			return err
		}
		now := truncMS(s.now())
		if _, err := s.refreshObject(ctx, tx, keepID, now, false); err != nil {
			return err
		}
		if err := s.logMerge(ctx, tx, &intel.MergeRecord{ObjectID: keepID, OtherID: mergeID, Rule: intel.RuleManualMerge,
			Evidence: fmt.Sprintf("merged %q: %s", drop.Name, reason)}); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, string(keep.Kind)+".merge", string(keep.Kind), keepID,
			fmt.Sprintf("merged %q (%d): %s", drop.Name, mergeID, reason)); err != nil {
			return err
		}
		out, err = s.findObjectByID(ctx, tx, keepID)
		return err
	})
	if err != nil {
		return nil, s.wrap("merge objects", err)
	}
	return out, nil
}

// SplitObject moves records (by import key, or every record that gives one
// of the names in keysOrNames) out of object id into a new object, which
// it returns. The object's primary record stays. The moved records never
// go back automatically: a re-import keeps them in the new object and the
// rules will not merge them into id again.
func (s *Store) SplitObject(ctx context.Context, id int64, keysOrNames []string, reason string) (*intel.Object, error) {
	if err := intel.CheckText("reason", reason); err != nil {
		return nil, s.wrap("split object", err)
	}
	var out *intel.Object
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		o, err := s.findObjectByID(ctx, tx, id)
		if err != nil {
			return err
		}
		recs, err := s.objectRecords(ctx, tx, id)
		if err != nil {
			return err
		}
		var move []recordRow
		for _, r := range recs {
			hit := false
			for _, k := range keysOrNames {
				if r.key == k || slices.Contains(normNames(r.names), intel.NormalizeName(k)) {
					hit = true
				}
			}
			if !hit {
				continue
			}
			if r.primary {
				return intel.Errorf(intel.CodeInvalid, "%s is the primary record of %q: split the other records away instead", r.key, o.Name)
			}
			move = append(move, r)
		}
		if len(move) == 0 {
			return intel.Errorf(intel.CodeInvalid, "no record of %q matches %s", o.Name, strings.Join(keysOrNames, ", "))
		}
		now := truncMS(s.now())
		first := move[0]
		n := &intel.Object{Kind: o.Kind, StixID: first.key, Name: first.names[0], SourceID: first.sourceID,
			Confidence: o.Confidence, TLP: o.TLP, UpdatedAt: now}
		if err := s.queryRow(ctx, tx, insertObjectSQL, objectArgs(n, "")...).Scan(&n.ID); err != nil {
			return err
		}
		for i, r := range move {
			if _, err := s.exec(ctx, tx, `UPDATE object_records SET object_id = ?, is_primary = ?, manual = 1, rule = ?, evidence = ?
WHERE record_key = ?`, n.ID, b2i(i == 0), intel.RuleManualSplit, reason, r.key); err != nil {
				return err
			}
			if _, err := s.exec(ctx, tx, `INSERT INTO merge_blocks (record_key, object_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
				r.key, id); err != nil {
				return err
			}
			for _, side := range [][2]int64{{id, n.ID}, {n.ID, id}} {
				if err := s.logMerge(ctx, tx, &intel.MergeRecord{ObjectID: side[0], OtherID: side[1], Key: r.key,
					SourceID: r.sourceID, Rule: intel.RuleManualSplit, Evidence: reason}); err != nil {
					return err
				}
			}
		}
		// The new object's row stands for its primary record as imported,
		// so that an unchanged re-import of that record changes nothing.
		if _, err := s.exec(ctx, tx, `UPDATE objects SET import_hash =
	(SELECT import_hash FROM object_records WHERE record_key = ?) WHERE id = ?`, first.key, n.ID); err != nil {
			return err
		}
		for _, oid := range []int64{id, n.ID} {
			if _, err := s.refreshObject(ctx, tx, oid, now, false); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, tx, string(o.Kind)+".split", string(o.Kind), id,
			fmt.Sprintf("split %d record(s) into %q (%d): %s", len(move), n.Name, n.ID, reason)); err != nil {
			return err
		}
		out, err = s.findObjectByID(ctx, tx, n.ID)
		return err
	})
	if err != nil {
		return nil, s.wrap("split object", err)
	}
	return out, nil
}

// FindRecords lists the source records merged into an object, primary
// first, with the rule that placed each.
func (s *Store) FindRecords(ctx context.Context, objectID int64) ([]intel.ObjectRecord, error) {
	recs, err := s.objectRecords(ctx, s.rdb, objectID)
	if err != nil {
		return nil, s.wrap("find records", err)
	}
	srcNames, err := s.sourceNames(ctx)
	if err != nil {
		return nil, s.wrap("find records", err)
	}
	out := make([]intel.ObjectRecord, 0, len(recs))
	for _, r := range recs {
		out = append(out, intel.ObjectRecord{Key: r.key, ObjectID: objectID, SourceID: r.sourceID,
			SourceName: srcNames[r.sourceID], Primary: r.primary, Names: r.names, Rule: r.rule,
			Evidence: r.evidence, Manual: r.manual, CreatedAt: fromMS(r.created)})
	}
	return out, nil
}

// FindAliases lists every name of an object (its name first) with the
// sources that give it, in the order the records give them.
func (s *Store) FindAliases(ctx context.Context, objectID int64) ([]intel.AliasInfo, error) {
	o, err := s.findObjectByID(ctx, s.rdb, objectID)
	if err != nil {
		return nil, s.wrap("find aliases", err)
	}
	recs, err := s.FindRecords(ctx, objectID)
	if err != nil {
		return nil, err
	}
	var out []intel.AliasInfo
	index := map[string]int{}
	add := func(name, src string) {
		k := intel.NormalizeName(name)
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, intel.AliasInfo{Alias: name})
		}
		if src != "" && !slices.Contains(out[i].Sources, src) {
			out[i].Sources = append(out[i].Sources, src)
		}
	}
	add(o.Name, "")
	for _, r := range recs {
		src := r.SourceName
		if src == "" {
			src = "manual"
		}
		for _, n := range r.Names {
			add(n, src)
		}
	}
	return out, nil
}

// FindMerges returns an object's merge log, oldest first.
func (s *Store) FindMerges(ctx context.Context, objectID int64) ([]intel.MergeRecord, error) {
	srcNames, err := s.sourceNames(ctx)
	if err != nil {
		return nil, s.wrap("find merges", err)
	}
	rows, err := s.query(ctx, s.rdb, `SELECT id, at, object_id, other_id, record_key, source_id, rule, evidence, login
FROM merges WHERE object_id = ? ORDER BY id`, objectID)
	if err != nil {
		return nil, s.wrap("find merges", err)
	}
	defer rows.Close()
	var out []intel.MergeRecord
	for rows.Next() {
		var m intel.MergeRecord
		var at int64
		if err := rows.Scan(&m.ID, &at, &m.ObjectID, &m.OtherID, &m.Key, &m.SourceID, &m.Rule, &m.Evidence, &m.Login); err != nil {
			return nil, s.wrap("find merges", err)
		}
		m.At, m.SourceName = fromMS(at), srcNames[m.SourceID]
		out = append(out, m)
	}
	return out, s.wrap("find merges", rows.Err())
}

func (s *Store) sourceNames(ctx context.Context) (map[int64]string, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT id, name FROM sources`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]string{}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		m[id] = n
	}
	return m, rows.Err()
}
