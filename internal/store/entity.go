package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// reportEntities replaces the document's recognised entities when they
// differ from the stored ones. An entity whose offsets do not lie in the
// text, or whose text is not the text at them, is rejected with a warning.
func (s *Store) reportEntities(ctx context.Context, tx *sql.Tx, docID int64, text string, ents []intel.EntityMention, stats *intel.ImportStats) (bool, error) {
	c := &intel.ImportCount{}
	if len(ents) > 0 {
		c = stats.Count("entity")
	}
	type key struct {
		start int
		typ   string
	}
	type row struct {
		end        int
		text       string
		confidence float64
		model      string
		objectID   int64
	}
	exists := objectChecker(ctx, s, tx)
	want := map[key]row{}
	for _, e := range ents {
		c.Seen++
		if e.Start < 0 || e.End <= e.Start || e.End > len(text) || text[e.Start:e.End] != e.Text || e.Type == "" {
			c.Rejected++
			warn(stats, "entity %q at [%d,%d): not the text at those offsets", e.Text, e.Start, e.End)
			continue
		}
		ok, err := exists(e.ObjectID)
		if err != nil {
			return false, err
		}
		if !ok {
			warn(stats, "entity %q: object %d does not exist, left unlinked", e.Text, e.ObjectID)
			e.ObjectID = 0
		}
		want[key{e.Start, e.Type}] = row{e.End, e.Text, roundConf(e.Confidence), e.Model, e.ObjectID}
	}
	stored := map[key]row{}
	rows, err := s.query(ctx, tx, `SELECT start_offset, type, end_offset, text, confidence, model, COALESCE(object_id, 0) FROM document_entities WHERE document_id = ?`, docID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var r row
		if err := rows.Scan(&k.start, &k.typ, &r.end, &r.text, &r.confidence, &r.model, &r.objectID); err != nil {
			return false, err
		}
		r.confidence = roundConf(r.confidence)
		stored[k] = r
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	return replaceRows(c, want, stored, func() error {
		_, err := s.exec(ctx, tx, `DELETE FROM document_entities WHERE document_id = ?`, docID)
		return err
	}, func(k key, r row) error {
		_, err := s.exec(ctx, tx, `INSERT INTO document_entities (document_id, start_offset, end_offset, type, text, confidence, model, object_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, docID, k.start, r.end, k.typ, r.text, r.confidence, r.model, nullID(r.objectID))
		return err
	})
}

// roundConf keeps three decimals, so that a stored value compares equal
// to the one a re-import computes.
func roundConf(v float64) float64 { return math.Round(v*1000) / 1000 }

// reportTechniques replaces the document's mapped techniques when they
// differ from the stored ones. A technique that is no ATT&CK ID, or with
// another method than id, name or classifier, is rejected with a warning.
func (s *Store) reportTechniques(ctx context.Context, tx *sql.Tx, docID int64, techs []intel.TechniqueMention, stats *intel.ImportStats) (bool, error) {
	c := &intel.ImportCount{}
	if len(techs) > 0 {
		c = stats.Count("technique mapping")
	}
	type row struct {
		score      float64
		method     string
		sentence   string
		start, end int
		model      string
		objectID   int64
	}
	exists := objectChecker(ctx, s, tx)
	want := map[string]row{}
	for _, t := range techs {
		c.Seen++
		if !isTechniqueID(t.Technique) || t.Method != "id" && t.Method != "name" && t.Method != "classifier" {
			c.Rejected++
			warn(stats, "technique %q (%s): not an ATT&CK technique ID found by id, name or classifier", t.Technique, t.Method)
			continue
		}
		ok, err := exists(t.ObjectID)
		if err != nil {
			return false, err
		}
		if !ok {
			warn(stats, "technique %s: object %d does not exist, left unlinked", t.Technique, t.ObjectID)
			t.ObjectID = 0
		}
		want[t.Technique] = row{roundConf(t.Score), t.Method, t.Sentence, t.Start, t.End, t.Model, t.ObjectID}
	}
	stored := map[string]row{}
	rows, err := s.query(ctx, tx, `SELECT technique, score, method, sentence, start_offset, end_offset, model, COALESCE(object_id, 0) FROM document_techniques WHERE document_id = ?`, docID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var r row
		if err := rows.Scan(&k, &r.score, &r.method, &r.sentence, &r.start, &r.end, &r.model, &r.objectID); err != nil {
			return false, err
		}
		r.score = roundConf(r.score)
		stored[k] = r
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	return replaceRows(c, want, stored, func() error {
		_, err := s.exec(ctx, tx, `DELETE FROM document_techniques WHERE document_id = ?`, docID)
		return err
	}, func(k string, r row) error {
		_, err := s.exec(ctx, tx, `INSERT INTO document_techniques (document_id, technique, score, method, sentence, start_offset, end_offset, model, object_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, docID, k, r.score, r.method, r.sentence, r.start, r.end, r.model, nullID(r.objectID))
		return err
	})
}

// isTechniqueID reports whether id is an ATT&CK technique or
// sub-technique ID (not a tactic's).
func isTechniqueID(id string) bool {
	return intel.IsAttackID(id) && strings.HasPrefix(id, "T") && !strings.HasPrefix(id, "TA")
}

// FindDocumentEntities lists the entities recognised in a document, in
// text order, with their links and the analyst's decisions on them.
func (s *Store) FindDocumentEntities(ctx context.Context, documentID int64) ([]intel.EntityMention, error) {
	reviews, err := s.documentReviews(ctx, s.rdb, documentID)
	if err != nil {
		return nil, s.wrap("find document entities", err)
	}
	rows, err := s.query(ctx, s.rdb, `SELECT document_id, type, text, start_offset, end_offset, confidence, model, COALESCE(object_id, 0)
FROM document_entities WHERE document_id = ? ORDER BY start_offset, type`, documentID)
	if err != nil {
		return nil, s.wrap("find document entities", err)
	}
	defer rows.Close()
	out := []intel.EntityMention{}
	for rows.Next() {
		var e intel.EntityMention
		if err := rows.Scan(&e.DocumentID, &e.Type, &e.Text, &e.Start, &e.End, &e.Confidence, &e.Model, &e.ObjectID); err != nil {
			return nil, s.wrap("find document entities", err)
		}
		e.Decision = reviews[entityReviewKey(e.Type, e.Text)].Decision
		out = append(out, e)
	}
	return out, s.wrap("find document entities", rows.Err())
}

// FindDocumentTechniques lists the techniques mapped from a document,
// best score first, with their links and the analyst's decisions.
func (s *Store) FindDocumentTechniques(ctx context.Context, documentID int64) ([]intel.TechniqueMention, error) {
	reviews, err := s.documentReviews(ctx, s.rdb, documentID)
	if err != nil {
		return nil, s.wrap("find document techniques", err)
	}
	rows, err := s.query(ctx, s.rdb, `SELECT document_id, technique, score, method, sentence, start_offset, end_offset, model,
	COALESCE(object_id, 0) FROM document_techniques WHERE document_id = ? ORDER BY score DESC, technique`, documentID)
	if err != nil {
		return nil, s.wrap("find document techniques", err)
	}
	defer rows.Close()
	out := []intel.TechniqueMention{}
	for rows.Next() {
		var t intel.TechniqueMention
		if err := rows.Scan(&t.DocumentID, &t.Technique, &t.Score, &t.Method, &t.Sentence, &t.Start, &t.End, &t.Model, &t.ObjectID); err != nil {
			return nil, s.wrap("find document techniques", err)
		}
		t.Decision = reviews[techniqueReviewKey(t.Technique)].Decision
		out = append(out, t)
	}
	return out, s.wrap("find document techniques", rows.Err())
}

// objectChecker reports whether an object ID (0: none, always fine) is
// stored, asking once per ID.
func objectChecker(ctx context.Context, s *Store, q querier) func(int64) (bool, error) {
	known := map[int64]bool{0: true}
	return func(id int64) (bool, error) {
		if ok, asked := known[id]; asked {
			return ok, nil
		}
		var one int
		err := s.queryRow(ctx, q, `SELECT 1 FROM objects WHERE id = ?`, id).Scan(&one)
		if err != nil && err != sql.ErrNoRows {
			return false, err
		}
		known[id] = err == nil
		return err == nil, nil
	}
}

// ReportDocumentIDs lists the documents that have text (imported reports,
// not the bare citations ATT&CK's references make), by ID.
func (s *Store) ReportDocumentIDs(ctx context.Context) ([]int64, error) {
	ids, err := s.queryIDs(ctx, s.rdb, `SELECT id FROM documents WHERE text <> '' ORDER BY id`)
	return ids, s.wrap("report document ids", err)
}

// RereadReport stores a new reading of a stored report — its entities and
// techniques, read again or the stored ones linked again — and brings the
// report's event up to date, in one transaction, audited when anything
// changed. contentHash is the hash of the text that was read: when the
// stored text has changed since (a re-import in between), nothing is
// written and the error is CodeConflict. The analyst's decisions are kept:
// they are keyed by the item, not by the reading.
func (s *Store) RereadReport(ctx context.Context, docID int64, contentHash string, ents []intel.EntityMention,
	techs []intel.TechniqueMention) (*intel.ImportStats, error) {
	const op = "reread report"
	stats := &intel.ImportStats{}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		d, err := s.findDocumentByID(ctx, tx, docID)
		if err != nil {
			return err
		}
		if d.ContentHash != contentHash {
			return intel.Errorf(intel.CodeConflict, "document %d: its text changed since it was read", docID)
		}
		entChanged, err := s.reportEntities(ctx, tx, docID, d.Text, ents, stats)
		if err != nil {
			return fmt.Errorf("entities: %w", err)
		}
		techChanged, err := s.reportTechniques(ctx, tx, docID, techs, stats)
		if err != nil {
			return fmt.Errorf("techniques: %w", err)
		}
		evChanged, err := s.reportEvent(ctx, tx, docID, stats.Count("event"))
		if err != nil {
			return fmt.Errorf("event: %w", err)
		}
		if !entChanged && !techChanged && !evChanged {
			return nil
		}
		return s.audit(ctx, tx, "report.reread", "document", docID, readingSummary(stats))
	})
	if err != nil {
		return nil, s.wrap(op, err)
	}
	return stats, nil
}

// readingSummary is the audit detail of a report read again.
func readingSummary(st *intel.ImportStats) string {
	var parts []string
	for _, k := range []string{"entity", "technique mapping", "event"} {
		if c := st.Counts[k]; c != nil && c.Seen > 0 {
			parts = append(parts, fmt.Sprintf("%s %d new, %d changed, %d unchanged", k, c.Created, c.Updated, c.Unchanged))
		}
	}
	return strings.Join(parts, "; ")
}
