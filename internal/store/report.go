package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/geo"
	"github.com/spoor/spoor/internal/intel"
)

// maxMentionList bounds FindMentions: an object page lists the newest
// reports, not thousands.
const maxMentionList = 1000

// ImportReport writes a report in one transaction: its source (when
// named), the document, the indicators of its text (upserted by type and
// value, merging first/last seen and confidence) with their link to the
// document, and the objects it mentions.
//
// The document is deduplicated by URL, then by content hash: importing the
// same report again, from the same or another URL, changes nothing and
// counts everything Unchanged. A known URL with new text updates the
// document and replaces its mentions, countries, sectors, recognised
// entities, mapped techniques and indicator links. A stored
// citation (a document with the URL but no text, from a STIX reference)
// gets the text. Mentions of objects that do not exist are rejected with a
// warning rather than failing the import.
//
// The report becomes one event (reportEvent), written again whenever what
// it is built from changes.
func (s *Store) ImportReport(ctx context.Context, imp *intel.ReportImport) (*intel.ImportStats, error) {
	d := imp.Document
	if err := d.Validate(); err != nil {
		return nil, s.wrap("import report", err)
	}
	if strings.TrimSpace(d.Text) == "" {
		return nil, s.wrap("import report", intel.Errorf(intel.CodeInvalid, "report %q has no text", d.Title))
	}
	for _, ri := range imp.Indicators {
		if err := ri.Indicator.Validate(); err != nil {
			return nil, s.wrap("import report", err)
		}
	}
	if imp.Source.Name != "" {
		if err := imp.Source.Validate(); err != nil {
			return nil, s.wrap("import report", err)
		}
	}
	stats := &intel.ImportStats{}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		src := imp.Source
		if src.Name != "" {
			if _, err := s.upsertSource(ctx, tx, &src); err != nil {
				return fmt.Errorf("source: %w", err)
			}
		}
		now := truncMS(s.now())
		d.SourceID = src.ID
		if d.TLP == "" {
			d.TLP = src.TLP
		}
		docChanged, err := s.reportDocument(ctx, tx, &d, now, stats.Count("document"))
		if err != nil {
			return fmt.Errorf("document: %w", err)
		}
		indChanged, err := s.reportIndicators(ctx, tx, d.ID, src.ID, imp.Indicators, now, stats)
		if err != nil {
			return fmt.Errorf("indicators: %w", err)
		}
		menChanged, err := s.reportMentions(ctx, tx, d.ID, imp.Mentions, stats)
		if err != nil {
			return fmt.Errorf("mentions: %w", err)
		}
		termChanged, err := s.reportTerms(ctx, tx, d.ID, imp.Terms, stats)
		if err != nil {
			return fmt.Errorf("countries and sectors: %w", err)
		}
		entChanged, err := s.reportEntities(ctx, tx, d.ID, d.Text, imp.Entities, stats)
		if err != nil {
			return fmt.Errorf("entities: %w", err)
		}
		techChanged, err := s.reportTechniques(ctx, tx, d.ID, imp.Techniques, stats)
		if err != nil {
			return fmt.Errorf("techniques: %w", err)
		}
		evChanged, err := s.reportEvent(ctx, tx, d.ID, stats.Count("event"))
		if err != nil {
			return fmt.Errorf("event: %w", err)
		}
		if !docChanged && !indChanged && !menChanged && !termChanged && !entChanged && !techChanged && !evChanged {
			return nil
		}
		return s.audit(ctx, tx, "report.import", "document", d.ID, importSummary(stats))
	})
	if err != nil {
		return nil, s.wrap("import report", err)
	}
	imp.Document.ID = d.ID
	return stats, nil
}

// reportDocument finds or writes the document and reports whether it
// changed anything.
func (s *Store) reportDocument(ctx context.Context, tx *sql.Tx, d *intel.Document, now time.Time, c *intel.ImportCount) (bool, error) {
	c.Seen++
	hash := contentHash(d.Text)
	var old *intel.Document
	var err error
	if key := documentKey(d.URL); key != nil {
		old, err = scanDocument(s.queryRow(ctx, tx, `SELECT `+documentCols+` FROM documents d WHERE d.dedupe_key = ?`, key))
		if err != nil && err != sql.ErrNoRows {
			return false, err
		}
	}
	if old == nil {
		old, err = scanDocument(s.queryRow(ctx, tx, `SELECT `+documentCols+` FROM documents d
WHERE d.content_hash = ? ORDER BY d.id LIMIT 1`, hash))
		if err != nil && err != sql.ErrNoRows {
			return false, err
		}
	}
	if old == nil {
		d.CreatedAt, d.UpdatedAt = now, now
		if err := s.insertDocument(ctx, tx, d, documentKey(d.URL)); err != nil {
			return false, err
		}
		c.Created++
		return true, nil
	}
	if old.ContentHash == hash {
		*d = *old
		c.Unchanged++
		return false, nil
	}
	// Same URL, new text (a revised report, or a citation getting its
	// text): the stored row takes the new title, date and text.
	d.ID, d.CreatedAt, d.UpdatedAt, d.ContentHash = old.ID, old.CreatedAt, now, hash
	if d.Published.IsZero() {
		d.Published = old.Published
	}
	d.Published = truncMS(d.Published)
	if d.SourceID == 0 {
		d.SourceID = old.SourceID
	}
	if _, err := s.exec(ctx, tx, `UPDATE documents SET title = ?, published = ?, text = ?, content_hash = ?, tlp = ?,
	source_id = ?, updated_at = ? WHERE id = ?`, d.Title, ms(d.Published), d.Text, d.ContentHash, d.TLP,
		nullID(d.SourceID), ms(d.UpdatedAt), d.ID); err != nil {
		return false, err
	}
	c.Updated++
	return true, nil
}

// reportIndicators upserts the indicators by (type, value) and links them
// to the document. It is its own small upsert, on the columns every schema
// version has, rather than the bundle importer's, which lives on the
// importer type of another file.
func (s *Store) reportIndicators(ctx context.Context, tx *sql.Tx, docID, srcID int64, inds []intel.ReportIndicator, now time.Time, stats *intel.ImportStats) (bool, error) {
	c := stats.Count("indicator")
	changed := false
	links := map[int64][2]int{}
	for _, ri := range inds {
		in := ri.Indicator
		c.Seen++
		in.SourceID = srcID
		in.FirstSeen, in.LastSeen = truncMS(in.FirstSeen), truncMS(in.LastSeen)
		var id int64
		var first, last int64
		var conf float64
		err := s.queryRow(ctx, tx, `SELECT id, first_seen, last_seen, confidence FROM indicators WHERE type = ? AND value = ?`,
			in.Type, in.Value).Scan(&id, &first, &last, &conf)
		switch {
		case err == sql.ErrNoRows:
			err = s.queryRow(ctx, tx, `INSERT INTO indicators (type, value, description, tags, first_seen, last_seen,
	confidence, tlp, source_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				in.Type, in.Value, in.Description, jsonText(in.Tags), ms(in.FirstSeen), ms(in.LastSeen), in.Confidence,
				in.TLP, nullID(in.SourceID), ms(now), ms(now)).Scan(&id)
			if err != nil {
				return false, err
			}
			c.Created++
			changed = true
		case err != nil:
			return false, err
		default:
			nf, nl, nc := first, last, max(conf, in.Confidence)
			if f := ms(in.FirstSeen); f != 0 && (nf == 0 || f < nf) {
				nf = f
			}
			nl = max(nl, ms(in.LastSeen))
			if nf == first && nl == last && nc == conf {
				c.Unchanged++
				break
			}
			if _, err := s.exec(ctx, tx, `UPDATE indicators SET first_seen = ?, last_seen = ?, confidence = ?, updated_at = ?
WHERE id = ?`, nf, nl, nc, ms(now), id); err != nil {
				return false, err
			}
			c.Updated++
			changed = true
		}
		l := links[id]
		links[id] = [2]int{l[0] + ri.Count, firstOffset(l, ri.FirstOffset)}
	}
	stored := map[int64][2]int{}
	rows, err := s.query(ctx, tx, `SELECT indicator_id, count, first_offset FROM document_indicators WHERE document_id = ?`, docID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v [2]int
		if err := rows.Scan(&id, &v[0], &v[1]); err != nil {
			return false, err
		}
		stored[id] = v
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	if sameLinks(stored, links) {
		return changed, nil
	}
	if _, err := s.exec(ctx, tx, `DELETE FROM document_indicators WHERE document_id = ?`, docID); err != nil {
		return false, err
	}
	for id, v := range links {
		if _, err := s.exec(ctx, tx, `INSERT INTO document_indicators (document_id, indicator_id, count, first_offset)
VALUES (?, ?, ?, ?)`, docID, id, v[0], v[1]); err != nil {
			return false, err
		}
	}
	return true, nil
}

func firstOffset(l [2]int, off int) int {
	if l[0] == 0 {
		return off
	}
	return min(l[1], off)
}

func sameLinks(a, b map[int64][2]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// reportMentions replaces the document's mentions when they differ from
// the stored ones.
func (s *Store) reportMentions(ctx context.Context, tx *sql.Tx, docID int64, mentions []intel.Mention, stats *intel.ImportStats) (bool, error) {
	c := stats.Count("mention")
	type row struct {
		name         string
		count, first int
	}
	want := map[int64]row{}
	for _, m := range mentions {
		c.Seen++
		var one int
		err := s.queryRow(ctx, tx, `SELECT 1 FROM objects WHERE id = ?`, m.ObjectID).Scan(&one)
		if err == sql.ErrNoRows {
			c.Rejected++
			warn(stats, "mention of %q: object %d does not exist", m.Name, m.ObjectID)
			continue
		}
		if err != nil {
			return false, err
		}
		r, ok := want[m.ObjectID]
		if !ok {
			r = row{name: m.Name, first: m.FirstOffset}
		}
		r.count += m.Count
		r.first = min(r.first, m.FirstOffset)
		want[m.ObjectID] = r
	}
	stored := map[int64]row{}
	rows, err := s.query(ctx, tx, `SELECT object_id, name, count, first_offset FROM document_mentions WHERE document_id = ?`, docID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r row
		if err := rows.Scan(&id, &r.name, &r.count, &r.first); err != nil {
			return false, err
		}
		stored[id] = r
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	return replaceRows(c, want, stored, func() error {
		_, err := s.exec(ctx, tx, `DELETE FROM document_mentions WHERE document_id = ?`, docID)
		return err
	}, func(id int64, r row) error {
		_, err := s.exec(ctx, tx, `INSERT INTO document_mentions (document_id, object_id, name, count, first_offset)
VALUES (?, ?, ?, ?, ?)`, docID, id, r.name, r.count, r.first)
		return err
	})
}

// replaceRows compares the rows a document should have (want) with the
// stored ones, counting each wanted row created, updated or unchanged in
// c; when the two sets differ it runs del and then ins for every wanted
// row, and reports true.
func replaceRows[K, R comparable](c *intel.ImportCount, want, stored map[K]R, del func() error, ins func(K, R) error) (bool, error) {
	same := len(stored) == len(want)
	for k, r := range want {
		old, ok := stored[k]
		switch {
		case !ok:
			c.Created++
			same = false
		case old != r:
			c.Updated++
			same = false
		default:
			c.Unchanged++
		}
	}
	if same {
		return false, nil
	}
	if err := del(); err != nil {
		return false, err
	}
	for k, r := range want {
		if err := ins(k, r); err != nil {
			return false, err
		}
	}
	return true, nil
}

// reportTerms replaces the document's countries and sectors when they
// differ from the stored ones. A term of another kind, or a country that
// is not an ISO 3166 code, is rejected with a warning.
func (s *Store) reportTerms(ctx context.Context, tx *sql.Tx, docID int64, terms []intel.TermMention, stats *intel.ImportStats) (bool, error) {
	c := &intel.ImportCount{} // counted in stats only when the report names any
	if len(terms) > 0 {
		c = stats.Count("term")
	}
	type key struct{ kind, key string }
	type row struct {
		name         string
		count, first int
	}
	want := map[key]row{}
	for _, t := range terms {
		c.Seen++
		if reason := termProblem(t); reason != "" {
			c.Rejected++
			warn(stats, "%s %q: %s", t.Kind, t.Key, reason)
			continue
		}
		k := key{t.Kind, t.Key}
		r, ok := want[k]
		if !ok {
			r = row{name: t.Name, first: t.FirstOffset}
		}
		r.count += t.Count
		r.first = min(r.first, t.FirstOffset)
		want[k] = r
	}
	stored := map[key]row{}
	rows, err := s.query(ctx, tx, `SELECT kind, key, name, count, first_offset FROM document_terms WHERE document_id = ?`, docID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var r row
		if err := rows.Scan(&k.kind, &k.key, &r.name, &r.count, &r.first); err != nil {
			return false, err
		}
		stored[k] = r
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	return replaceRows(c, want, stored, func() error {
		_, err := s.exec(ctx, tx, `DELETE FROM document_terms WHERE document_id = ?`, docID)
		return err
	}, func(k key, r row) error {
		_, err := s.exec(ctx, tx, `INSERT INTO document_terms (document_id, kind, key, name, count, first_offset)
VALUES (?, ?, ?, ?, ?, ?)`, docID, k.kind, k.key, r.name, r.count, r.first)
		return err
	})
}

// termProblem says what is wrong with a country or sector mention, or "".
func termProblem(t intel.TermMention) string {
	switch t.Kind {
	case intel.EntryCountry:
		if c, ok := geo.Find(t.Key); !ok || c.Code != t.Key {
			return "not an ISO 3166 alpha-2 code"
		}
	case intel.EntrySector:
		if intel.FindSector(t.Key) != t.Key {
			return "not a sector of the vocabulary"
		}
	default:
		return "neither a country nor a sector"
	}
	return ""
}

// FindDocumentTerms lists the countries and sectors a document names,
// most named first.
func (s *Store) FindDocumentTerms(ctx context.Context, documentID int64) ([]intel.TermMention, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT document_id, kind, key, name, count, first_offset FROM document_terms
WHERE document_id = ? ORDER BY count DESC, kind, key`, documentID)
	if err != nil {
		return nil, s.wrap("find document terms", err)
	}
	defer rows.Close()
	out := []intel.TermMention{}
	for rows.Next() {
		var t intel.TermMention
		if err := rows.Scan(&t.DocumentID, &t.Kind, &t.Key, &t.Name, &t.Count, &t.FirstOffset); err != nil {
			return nil, s.wrap("find document terms", err)
		}
		out = append(out, t)
	}
	return out, s.wrap("find document terms", rows.Err())
}

// FindMentions lists the documents that mention an object, newest first
// (by publication date, then ID), without their text; at most 1000.
func (s *Store) FindMentions(ctx context.Context, objectID int64) ([]intel.DocumentMention, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+documentListCols+`, m.object_id, m.name, m.count, m.first_offset
FROM document_mentions m JOIN documents d ON d.id = m.document_id
WHERE m.object_id = ? ORDER BY d.published DESC, d.id DESC LIMIT ?`, objectID, maxMentionList)
	if err != nil {
		return nil, s.wrap("find mentions", err)
	}
	defer rows.Close()
	out := []intel.DocumentMention{}
	for rows.Next() {
		var dm intel.DocumentMention
		var published, created, updated int64
		d := &dm.Document
		m := &dm.Mention
		if err := rows.Scan(&d.ID, &d.SourceID, &d.Title, &d.URL, &published, &d.Text, &d.Citation,
			&d.ContentHash, &d.TLP, &created, &updated, &m.ObjectID, &m.Name, &m.Count, &m.FirstOffset); err != nil {
			return nil, s.wrap("find mentions", err)
		}
		d.Published, d.CreatedAt, d.UpdatedAt = fromMS(published), fromMS(created), fromMS(updated)
		m.DocumentID = d.ID
		out = append(out, dm)
	}
	return out, s.wrap("find mentions", rows.Err())
}

// FindDocumentMentions lists the objects a document mentions, most
// mentioned first.
func (s *Store) FindDocumentMentions(ctx context.Context, documentID int64) ([]intel.Mention, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT document_id, object_id, name, count, first_offset FROM document_mentions
WHERE document_id = ? ORDER BY count DESC, first_offset`, documentID)
	if err != nil {
		return nil, s.wrap("find document mentions", err)
	}
	defer rows.Close()
	out := []intel.Mention{}
	for rows.Next() {
		var m intel.Mention
		if err := rows.Scan(&m.DocumentID, &m.ObjectID, &m.Name, &m.Count, &m.FirstOffset); err != nil {
			return nil, s.wrap("find document mentions", err)
		}
		out = append(out, m)
	}
	return out, s.wrap("find document mentions", rows.Err())
}

// FindDocumentIndicators lists the indicators a document's text gives, in
// order of first appearance.
func (s *Store) FindDocumentIndicators(ctx context.Context, documentID int64) ([]intel.ReportIndicator, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT i.id, i.type, i.value, i.first_seen, i.last_seen, i.confidence, i.tlp,
	COALESCE(i.source_id, 0), l.count, l.first_offset
FROM document_indicators l JOIN indicators i ON i.id = l.indicator_id
WHERE l.document_id = ? ORDER BY l.first_offset, i.id`, documentID)
	if err != nil {
		return nil, s.wrap("find document indicators", err)
	}
	defer rows.Close()
	out := []intel.ReportIndicator{}
	for rows.Next() {
		var ri intel.ReportIndicator
		in := &ri.Indicator
		var first, last int64
		if err := rows.Scan(&in.ID, &in.Type, &in.Value, &first, &last, &in.Confidence, &in.TLP, &in.SourceID,
			&ri.Count, &ri.FirstOffset); err != nil {
			return nil, s.wrap("find document indicators", err)
		}
		in.FirstSeen, in.LastSeen = fromMS(first), fromMS(last)
		out = append(out, ri)
	}
	return out, s.wrap("find document indicators", rows.Err())
}

// MentionDictionary returns what the report linker looks for: every
// active group, software and campaign with its name and aliases, and every
// active technique with its ATT&CK ID. Revoked and deprecated objects are
// left out; a revoked object's names are aliases of its replacement.
func (s *Store) MentionDictionary(ctx context.Context) ([]intel.NameEntry, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT id, kind, name, aliases, external_id FROM objects
WHERE revoked = 0 AND deprecated = 0 ORDER BY id`)
	if err != nil {
		return nil, s.wrap("mention dictionary", err)
	}
	defer rows.Close()
	var out []intel.NameEntry
	for rows.Next() {
		var e intel.NameEntry
		var name, aliases string
		if err := rows.Scan(&e.ObjectID, &e.Kind, &name, &aliases, &e.ExternalID); err != nil {
			return nil, s.wrap("mention dictionary", err)
		}
		e.Key = name
		e.Names = append([]string{name}, fromJSON[string](aliases)...)
		out = append(out, e)
	}
	return out, s.wrap("mention dictionary", rows.Err())
}

// FindFetchState returns what was stored about a URL's last fetch, or
// CodeNotFound.
func (s *Store) FindFetchState(ctx context.Context, url string) (*intel.FetchState, error) {
	var st intel.FetchState
	var at int64
	err := s.queryRow(ctx, s.rdb, `SELECT url, etag, last_modified, content_hash, fetched_at FROM fetch_state WHERE url = ?`,
		url).Scan(&st.URL, &st.ETag, &st.LastModified, &st.ContentHash, &at)
	if err == sql.ErrNoRows {
		return nil, s.wrap("find fetch state", notFound("fetch state", url))
	}
	if err != nil {
		return nil, s.wrap("find fetch state", err)
	}
	st.FetchedAt = fromMS(at)
	return &st, nil
}

// SaveFetchState stores what a fetch of a URL returned, replacing the
// previous state.
func (s *Store) SaveFetchState(ctx context.Context, st *intel.FetchState) error {
	if st.URL == "" {
		return s.wrap("save fetch state", intel.Errorf(intel.CodeInvalid, "fetch state needs a URL"))
	}
	// Delete-then-insert instead of an upsert: the two engines spell
	// ON CONFLICT updates alike, but this keeps the query text trivially
	// shared and the row is tiny.
	return s.wrap("save fetch state", s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `DELETE FROM fetch_state WHERE url = ?`, st.URL); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, `INSERT INTO fetch_state (url, etag, last_modified, content_hash, fetched_at)
VALUES (?, ?, ?, ?, ?)`, st.URL, st.ETag, st.LastModified, st.ContentHash, ms(st.FetchedAt))
		return err
	}))
}
