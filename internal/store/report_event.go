package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Thresholds of what a report's event takes without an analyst's word:
// a technique the mapper scored at least reportEventMinScore, an entity
// the recogniser was at least reportEventMinConfidence sure of. A
// confirmed one is taken whatever its score, a rejected one never.
const (
	reportEventMinScore      = 0.5
	reportEventMinConfidence = 0.5
)

// ReportEventKey is the key, within the report's source, of the event an
// imported report becomes. It differs from the "cited:<group>:<doc>"
// events derived from the reports ATT&CK cites, which FindGroupEvidence joins
// with it when both stand for one report of one group.
func ReportEventKey(documentID int64) string {
	return "document:" + strconv.FormatInt(documentID, 10)
}

func entityReviewKey(typ, text string) string {
	return intel.MappingReview{Kind: intel.ReviewEntity, Type: typ, Text: text}.ReviewKey()
}

func techniqueReviewKey(id string) string {
	return intel.MappingReview{Kind: intel.ReviewTechnique, Technique: id}.ReviewKey()
}

// documentReviews reads a document's decisions by their key.
func (s *Store) documentReviews(ctx context.Context, q querier, docID int64) (map[string]intel.MappingReview, error) {
	rows, err := s.query(ctx, q, `SELECT kind, item_key, decision, COALESCE(object_id, 0), decided_by, decided_at
FROM document_reviews WHERE document_id = ?`, docID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]intel.MappingReview{}
	for rows.Next() {
		r := intel.MappingReview{DocumentID: docID}
		var key string
		var at int64
		if err := rows.Scan(&r.Kind, &key, &r.Decision, &r.ObjectID, &r.DecidedBy, &at); err != nil {
			return nil, err
		}
		r.DecidedAt = fromMS(at)
		if r.Kind == intel.ReviewTechnique {
			r.Technique = key
		} else {
			r.Type, r.Text, _ = strings.Cut(key, "\t")
		}
		out[key] = r
	}
	return out, rows.Err()
}

// FindDocumentReviews lists the analyst's decisions on a document's links
// and mappings, by kind and key. An entity's Text is its normalised text.
func (s *Store) FindDocumentReviews(ctx context.Context, documentID int64) ([]intel.MappingReview, error) {
	m, err := s.documentReviews(ctx, s.rdb, documentID)
	if err != nil {
		return nil, s.wrap("find document reviews", err)
	}
	out := make([]intel.MappingReview, 0, len(m))
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(m[k].Kind + "\x00" + k) {
				return
			}
		}
	}) {
		_, key, _ := strings.Cut(k, "\x00")
		out = append(out, m[key])
	}
	return out, nil
}

// ReviewMapping records an analyst's decision on a report's entity link
// or technique mapping (replacing an earlier one on the same item),
// audited, and brings the report's event up to date with it. The item
// must be one the document has: an entity of that type and text (whose
// current link, when r.ObjectID is 0, is the object decided on), or a
// mapped technique. r is completed with what was stored. Decision
// ReviewWithdrawn removes the item's decision (CodeNotFound when it has
// none), so that the model's score rules it again.
func (s *Store) ReviewMapping(ctx context.Context, r *intel.MappingReview) error {
	const op = "review mapping"
	if r.Decision != intel.ReviewConfirmed && r.Decision != intel.ReviewRejected && r.Decision != intel.ReviewWithdrawn {
		return s.wrap(op, intel.Errorf(intel.CodeInvalid, "decision %q: not confirmed, rejected or withdrawn", r.Decision))
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var link int64
		var what string
		switch r.Kind {
		case intel.ReviewEntity:
			key := entityReviewKey(r.Type, r.Text)
			rows, err := s.query(ctx, tx, `SELECT text, COALESCE(object_id, 0) FROM document_entities
WHERE document_id = ? AND type = ? ORDER BY start_offset`, r.DocumentID, r.Type)
			if err != nil {
				return err
			}
			found := false
			for rows.Next() {
				var text string
				var id int64
				if err := rows.Scan(&text, &id); err != nil {
					rows.Close()
					return err
				}
				if entityReviewKey(r.Type, text) == key && !found {
					found, link = true, id
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if !found {
				return notFound("entity", fmt.Sprintf("%s %q of document %d", r.Type, r.Text, r.DocumentID))
			}
			what = fmt.Sprintf("%s %q", r.Type, r.Text)
		case intel.ReviewTechnique:
			r.Technique = techniqueReviewKey(r.Technique)
			err := s.queryRow(ctx, tx, `SELECT COALESCE(object_id, 0) FROM document_techniques WHERE document_id = ? AND technique = ?`,
				r.DocumentID, r.Technique).Scan(&link)
			if err == sql.ErrNoRows {
				return notFound("technique mapping", fmt.Sprintf("%s of document %d", r.Technique, r.DocumentID))
			}
			if err != nil {
				return err
			}
			what = r.Technique
		default:
			return intel.Errorf(intel.CodeInvalid, "review kind %q: not entity or technique", r.Kind)
		}
		if r.Decision == intel.ReviewWithdrawn {
			return s.withdrawReview(ctx, tx, r, what)
		}
		if r.ObjectID == 0 {
			r.ObjectID = link
		} else if ok, err := objectChecker(ctx, s, tx)(r.ObjectID); err != nil {
			return err
		} else if !ok {
			return intel.Errorf(intel.CodeInvalid, "review of %s: object %d does not exist", what, r.ObjectID)
		}
		r.DecidedBy, r.DecidedAt = intel.ActorFrom(ctx).Login, truncMS(s.now())
		key := r.ReviewKey()
		if _, err := s.exec(ctx, tx, `DELETE FROM document_reviews WHERE document_id = ? AND kind = ? AND item_key = ?`,
			r.DocumentID, r.Kind, key); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO document_reviews (document_id, kind, item_key, decision, object_id, decided_by, decided_at)
VALUES (?, ?, ?, ?, ?, ?, ?)`, r.DocumentID, r.Kind, key, r.Decision, nullID(r.ObjectID), r.DecidedBy, ms(r.DecidedAt)); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, "report.review", "document", r.DocumentID,
			fmt.Sprintf("%s %s (object %d)", r.Decision, what, r.ObjectID)); err != nil {
			return err
		}
		_, err := s.reportEvent(ctx, tx, r.DocumentID, &intel.ImportCount{})
		return err
	})
	return s.wrap(op, err)
}

// withdrawReview removes the decision on an item ReviewMapping found,
// audited, and brings the report's event up to date; r takes the decision
// withdrawn and who withdrew it.
func (s *Store) withdrawReview(ctx context.Context, tx *sql.Tx, r *intel.MappingReview, what string) error {
	key := r.ReviewKey()
	var decision string
	var objectID int64
	err := s.queryRow(ctx, tx, `SELECT decision, COALESCE(object_id, 0) FROM document_reviews
WHERE document_id = ? AND kind = ? AND item_key = ?`, r.DocumentID, r.Kind, key).Scan(&decision, &objectID)
	if err == sql.ErrNoRows {
		return notFound("decision", fmt.Sprintf("on %s of document %d", what, r.DocumentID))
	}
	if err != nil {
		return err
	}
	if _, err := s.exec(ctx, tx, `DELETE FROM document_reviews WHERE document_id = ? AND kind = ? AND item_key = ?`,
		r.DocumentID, r.Kind, key); err != nil {
		return err
	}
	r.ObjectID, r.DecidedBy, r.DecidedAt = objectID, intel.ActorFrom(ctx).Login, truncMS(s.now())
	if err := s.audit(ctx, tx, "report.review", "document", r.DocumentID,
		fmt.Sprintf("withdrawn %s (was %s, object %d)", what, decision, objectID)); err != nil {
		return err
	}
	_, err = s.reportEvent(ctx, tx, r.DocumentID, &intel.ImportCount{})
	return err
}

// reportEvent writes the event an imported report stands for, keyed
// ReportEventKey within the report's source, and reports whether it
// changed: the report's title and date; the techniques mapped from it and
// the software and groups its entities link to (above the thresholds, an
// analyst's rejections left out and confirmations put in); the countries
// and sectors it names; its indicators; the group when exactly one is
// linked (or exactly one confirmed); the purposes it states; the source's
// credibility as the confidence.
// kindName is an object's kind and name.
type kindName struct{ kind, name string }

// activeObjectNames reads the kind and name of the active objects among
// ids, bulkRows a query.
func (s *Store) activeObjectNames(ctx context.Context, q querier, ids []int64) (map[int64]kindName, error) {
	out := make(map[int64]kindName, len(ids))
	for start := 0; start < len(ids); start += bulkRows {
		in, args := s.d.inInt(ids[start:min(start+bulkRows, len(ids))])
		rows, err := s.query(ctx, q, `SELECT id, kind, name FROM objects WHERE revoked = 0 AND deprecated = 0 AND id `+in, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var o kindName
			if err := rows.Scan(&id, &o.kind, &o.name); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = o
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) reportEvent(ctx context.Context, tx *sql.Tx, docID int64, c *intel.ImportCount) (bool, error) {
	c.Seen++
	reviews, err := s.documentReviews(ctx, tx, docID)
	if err != nil {
		return false, err
	}
	e := intel.Event{DocumentID: docID, Key: ReportEventKey(docID)}
	var published, created int64
	if err := s.queryRow(ctx, tx, `SELECT d.title, d.published, d.created_at, COALESCE(d.source_id, 0), d.tlp, COALESCE(s.credibility, 0)
FROM documents d LEFT JOIN sources s ON s.id = d.source_id WHERE d.id = ?`, docID).Scan(&e.Title, &published, &created,
		&e.SourceID, &e.TLP, &e.Confidence); err != nil {
		return false, err
	}
	if published == 0 {
		published = created
	}
	e.FirstSeen, e.LastSeen = fromMS(published), fromMS(published)

	// Techniques.
	rows, err := s.query(ctx, tx, `SELECT technique, score FROM document_techniques WHERE document_id = ? ORDER BY technique`, docID)
	if err != nil {
		return false, err
	}
	for rows.Next() {
		var id string
		var score float64
		if err := rows.Scan(&id, &score); err != nil {
			rows.Close()
			return false, err
		}
		if taken(reviews[techniqueReviewKey(id)].Decision, score >= reportEventMinScore) {
			e.Techniques = append(e.Techniques, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}

	// Linked entities: the confirmed object of a reviewed one, else its
	// link. Purposes are the recogniser's Purp entities.
	type group struct {
		id        int64
		name      string
		confirmed bool
	}
	var groups []group
	rows, err = s.query(ctx, tx, `SELECT e.type, e.text, e.confidence, COALESCE(e.object_id, 0) FROM document_entities e
WHERE e.document_id = ? ORDER BY e.start_offset, e.type`, docID)
	if err != nil {
		return false, err
	}
	type ent struct {
		typ, text  string
		confidence float64
		objectID   int64
	}
	var ents []ent
	for rows.Next() {
		var x ent
		if err := rows.Scan(&x.typ, &x.text, &x.confidence, &x.objectID); err != nil {
			rows.Close()
			return false, err
		}
		ents = append(ents, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	var purposes []string
	linked := make([]int64, len(ents)) // the object each entity stands for, 0 for none
	var linkedIDs []int64
	for i, x := range ents {
		rv := reviews[entityReviewKey(x.typ, x.text)]
		if x.typ == "Purp" {
			if p := strings.ToLower(strings.TrimSpace(x.text)); taken(rv.Decision, x.confidence >= reportEventMinConfidence) &&
				p != "" && !slices.Contains(purposes, p) {
				purposes = append(purposes, p)
			}
			continue
		}
		id := x.objectID
		if rv.Decision == intel.ReviewConfirmed && rv.ObjectID != 0 {
			id = rv.ObjectID
		}
		if id == 0 || !taken(rv.Decision, x.confidence >= reportEventMinConfidence) {
			continue
		}
		linked[i] = id
		linkedIDs = append(linkedIDs, id)
	}
	// The linked objects that are active, read in one query.
	objs, err := s.activeObjectNames(ctx, tx, linkedIDs)
	if err != nil {
		return false, err
	}
	for i, x := range ents {
		id := linked[i]
		o, ok := objs[id]
		if id == 0 || !ok {
			continue
		}
		rv := reviews[entityReviewKey(x.typ, x.text)]
		kind, name := o.kind, o.name
		switch intel.ObjectKind(kind) {
		case intel.KindSoftware:
			if !slices.Contains(e.Software, name) {
				e.Software = append(e.Software, name)
			}
		case intel.KindGroup:
			i := slices.IndexFunc(groups, func(g group) bool { return g.id == id })
			if i < 0 {
				groups = append(groups, group{id: id, name: name})
				i = len(groups) - 1
			}
			groups[i].confirmed = groups[i].confirmed || rv.Decision == intel.ReviewConfirmed
		}
	}
	slices.Sort(e.Software)
	slices.Sort(purposes)
	e.Purpose = strings.Join(purposes, ", ")
	var confirmed []group
	for _, g := range groups {
		if g.confirmed {
			confirmed = append(confirmed, g)
		}
	}
	switch {
	case len(confirmed) == 1:
		e.GroupID, e.GroupLabel = confirmed[0].id, confirmed[0].name
	case len(confirmed) == 0 && len(groups) == 1:
		e.GroupID, e.GroupLabel = groups[0].id, groups[0].name
	}

	// Countries and sectors named in the text.
	rows, err = s.query(ctx, tx, `SELECT kind, key FROM document_terms WHERE document_id = ? ORDER BY kind, key`, docID)
	if err != nil {
		return false, err
	}
	for rows.Next() {
		var kind, key string
		if err := rows.Scan(&kind, &key); err != nil {
			rows.Close()
			return false, err
		}
		if kind == intel.EntryCountry {
			e.VictimCountries = append(e.VictimCountries, key)
		} else {
			e.Sectors = append(e.Sectors, key)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	indicators, err := s.queryIDs(ctx, tx, `SELECT indicator_id FROM document_indicators WHERE document_id = ? ORDER BY indicator_id`, docID)
	if err != nil {
		return false, err
	}

	// Compare with the stored event, columns as stored.
	type cols struct {
		title, groupLabel, techniques, software, sectors, purpose, victims, tlp string
		groupID, sourceID, first, last                                          int64
		confidence                                                              float64
	}
	want := cols{e.Title, e.GroupLabel, jsonText(e.Techniques), jsonText(e.Software), jsonText(e.Sectors), e.Purpose,
		jsonText(e.VictimCountries), string(e.TLP), e.GroupID, e.SourceID, ms(e.FirstSeen), ms(e.LastSeen), e.Confidence}
	var have cols
	var eventID int64
	err = s.queryRow(ctx, tx, `SELECT id, title, group_label, techniques, software, sectors, purpose, victim_countries, tlp,
	COALESCE(group_id, 0), COALESCE(source_id, 0), first_seen, last_seen, confidence
FROM events WHERE document_id = ? AND event_key = ?`, docID, e.Key).Scan(&eventID, &have.title, &have.groupLabel,
		&have.techniques, &have.software, &have.sectors, &have.purpose, &have.victims, &have.tlp, &have.groupID,
		&have.sourceID, &have.first, &have.last, &have.confidence)
	now := ms(s.now())
	switch {
	case err == sql.ErrNoRows:
		if err := s.queryRow(ctx, tx, `INSERT INTO events (title, group_id, group_label, document_id, source_id, event_key,
	first_seen, last_seen, techniques, software, sectors, purpose, victim_countries, confidence, tlp, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, want.title, nullID(want.groupID), want.groupLabel,
			docID, nullID(want.sourceID), e.Key, want.first, want.last, want.techniques, want.software, want.sectors,
			want.purpose, want.victims, want.confidence, want.tlp, now, now).Scan(&eventID); err != nil {
			return false, err
		}
		c.Created++
	case err != nil:
		return false, err
	default:
		stored, err := s.queryIDs(ctx, tx, `SELECT indicator_id FROM event_indicators WHERE event_id = ? ORDER BY indicator_id`, eventID)
		if err != nil {
			return false, err
		}
		if have == want && slices.Equal(stored, indicators) {
			c.Unchanged++
			return false, nil
		}
		if _, err := s.exec(ctx, tx, `UPDATE events SET title = ?, group_id = ?, group_label = ?, source_id = ?, first_seen = ?,
	last_seen = ?, techniques = ?, software = ?, sectors = ?, purpose = ?, victim_countries = ?, confidence = ?, tlp = ?,
	updated_at = ? WHERE id = ?`, want.title, nullID(want.groupID), want.groupLabel, nullID(want.sourceID), want.first,
			want.last, want.techniques, want.software, want.sectors, want.purpose, want.victims, want.confidence, want.tlp,
			now, eventID); err != nil {
			return false, err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM event_indicators WHERE event_id = ?`, eventID); err != nil {
			return false, err
		}
		c.Updated++
	}
	for _, id := range indicators {
		if _, err := s.exec(ctx, tx, `INSERT INTO event_indicators (event_id, indicator_id) VALUES (?, ?)`, eventID, id); err != nil {
			return false, err
		}
	}
	return true, nil
}

// taken says whether an item goes on a report's event: an analyst's
// decision wins over the model's.
func taken(decision string, aboveThreshold bool) bool {
	switch decision {
	case intel.ReviewConfirmed:
		return true
	case intel.ReviewRejected:
		return false
	}
	return aboveThreshold
}
