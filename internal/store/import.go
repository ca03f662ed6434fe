package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// catalogue reports whether an external-reference source names IDs in a
// catalogue (T1059, CAPEC-66) rather than a report: such references never
// become documents.
func catalogue(sourceName string) bool {
	switch sourceName {
	case "mitre-attack", "capec", "mitre-mobile-attack", "mitre-ics-attack",
		"NIST Mobile Threat Catalogue", "ATTACK IDs":
		return true
	}
	return false
}

// maxWarnings bounds the warnings an import returns; a bad bundle should
// say what is wrong, not list every dangling edge.
const maxWarnings = 50

// warn adds a warning to stats, up to maxWarnings and one line saying
// that more were left out.
func warn(stats *intel.ImportStats, format string, args ...any) {
	if len(stats.Warnings) < maxWarnings {
		stats.Warnings = append(stats.Warnings, fmt.Sprintf(format, args...))
	} else if len(stats.Warnings) == maxWarnings {
		stats.Warnings = append(stats.Warnings, "more warnings left out")
	}
}

// importer is the state of one ImportBundle: the transaction, its prepared
// statements and the stix_id → row maps loaded once at the start.
type importer struct {
	s     *Store
	tx    *sql.Tx
	src   *intel.Source
	now   time.Time
	stats *intel.ImportStats

	objects   map[string]stored     // record key (stix_id) → object row
	id        *identity             // records, keys, links and names for merging
	rels      map[string]stored     // stix_id → relationship row
	citations map[string]int64      // documents.dedupe_key → id
	citeSeen  map[string]bool       // citation keys counted in this import
	links     importLinks           // rows queued to be written in batches
	stix      map[string]storedSTIX // kept objects' stored versions by STIX ID (id 0: not stored)

	*stmtCache
}

type stored struct {
	id   int64
	hash string
	// primary is set for an object record that is its object's primary;
	// src and dst are a relationship's ends.
	primary  bool
	src, dst int64
}

func (im *importer) warn(format string, args ...any) { warn(im.stats, format, args...) }

// ImportBundle writes a bundle in one transaction (upsert of its source,
// objects by StixID, relationships by StixID, documents, indicators) and
// reports what changed. progress, if not nil, is called with (done, total)
// records as the import goes. An invalid object or a cancelled ctx rolls
// the whole import back.
func (s *Store) ImportBundle(ctx context.Context, b *intel.Bundle, progress func(done, total int)) (*intel.ImportStats, error) {
	src := b.Source
	if err := src.Validate(); err != nil {
		return nil, s.wrap("import", err)
	}
	stats := &intel.ImportStats{Counts: map[string]*intel.ImportCount{}}
	for _, k := range []string{"group", "technique", "software", "campaign", "relationship", "document", "indicator"} {
		stats.Count(k)
	}
	if len(b.STIXObjects) > 0 {
		stats.Count("stix-object")
	}
	total := len(b.Objects) + len(b.Relationships) + len(b.Documents) + len(b.Indicators) + len(b.STIXObjects)
	done := 0
	step := func() error {
		done++
		if done%s.lims.progressEvery == 0 {
			if progress != nil {
				progress(done, total)
			}
			// Checked here rather than per row: cheap, and a cancelled
			// import still rolls back completely.
			return ctx.Err()
		}
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		im := &importer{s: s, tx: tx, src: &src, now: truncMS(s.now()), stats: stats,
			citeSeen: map[string]bool{}, stmtCache: newStmtCache(s, tx)}
		defer im.close()
		if _, err := s.upsertSource(ctx, tx, &src); err != nil {
			return fmt.Errorf("source %q: %w", src.Name, err)
		}
		if err := im.load(ctx); err != nil {
			return err
		}
		for i := range b.Objects {
			if err := im.object(ctx, &b.Objects[i]); err != nil {
				return fmt.Errorf("object %d (%s): %w", i, b.Objects[i].StixID, err)
			}
			if err := step(); err != nil {
				return err
			}
		}
		for i := range b.Relationships {
			if err := im.relationship(ctx, &b.Relationships[i]); err != nil {
				return fmt.Errorf("relationship %d (%s): %w", i, b.Relationships[i].StixID, err)
			}
			if err := step(); err != nil {
				return err
			}
		}
		if err := im.flushRelationships(ctx); err != nil {
			return fmt.Errorf("relationships: %w", err)
		}
		for i := range b.Documents {
			if err := im.document(ctx, &b.Documents[i]); err != nil {
				return fmt.Errorf("document %d (%s): %w", i, b.Documents[i].Title, err)
			}
			if err := step(); err != nil {
				return err
			}
		}
		for i := range b.Indicators {
			if err := im.indicator(ctx, &b.Indicators[i]); err != nil {
				return fmt.Errorf("indicator %d (%s): %w", i, b.Indicators[i].Value, err)
			}
			if err := step(); err != nil {
				return err
			}
		}
		stixIDs := make([]string, len(b.STIXObjects))
		for i := range b.STIXObjects {
			stixIDs[i] = b.STIXObjects[i].StixID
		}
		if err := im.loadSTIXObjects(ctx, stixIDs); err != nil {
			return fmt.Errorf("load STIX objects: %w", err)
		}
		for i := range b.STIXObjects {
			if err := im.stixObject(ctx, &b.STIXObjects[i]); err != nil {
				return fmt.Errorf("STIX object %d (%s): %w", i, b.STIXObjects[i].StixID, err)
			}
			if err := step(); err != nil {
				return err
			}
		}
		if err := im.flushCites(ctx); err != nil {
			return fmt.Errorf("citations: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.compactSearch(ctx, tx, bundleCompactions(stats)...); err != nil {
			return err
		}
		return s.audit(ctx, tx, "import.create", "source", src.ID, importSummary(stats))
	})
	if err != nil {
		return nil, s.wrap("import", err)
	}
	if progress != nil {
		progress(total, total)
	}
	return stats, nil
}

// bundleCompactions names the tables whose search index an import that
// wrote stats should compact: those it wrote compactRows rows of.
func bundleCompactions(st *intel.ImportStats) []string {
	written := func(kinds ...string) (n int) {
		for _, k := range kinds {
			if c := st.Counts[k]; c != nil {
				n += c.Created + c.Updated
			}
		}
		return n
	}
	objectKinds := make([]string, len(intel.ObjectKinds))
	for i, k := range intel.ObjectKinds {
		objectKinds[i] = string(k)
	}
	var tables []string
	if written(objectKinds...) >= compactRows {
		tables = append(tables, "objects")
	}
	if written("document") >= compactRows {
		tables = append(tables, "documents")
	}
	if written("indicator") >= compactRows {
		tables = append(tables, "indicators")
	}
	return tables
}

// importSummary is the audit detail of an import: created/updated per kind.
func importSummary(st *intel.ImportStats) string {
	var parts []string
	for _, k := range []string{"group", "technique", "software", "campaign", "relationship", "document", "indicator"} {
		c := st.Counts[k]
		if c == nil || c.Seen == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d new %d changed", k, c.Created, c.Updated))
	}
	if p := stixObjectsSummary(st); p != "" {
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "empty"
	}
	return strings.Join(parts, ", ")
}

// load reads the stix_id → row maps once, so that the per-record work is
// writes only.
func (im *importer) load(ctx context.Context) error {
	var err error
	if err := im.loadIdentity(ctx); err != nil {
		return err
	}
	if im.rels, err = im.loadStored(ctx, `SELECT stix_id, id, import_hash, source_ref, target_ref FROM relationships WHERE stix_id IS NOT NULL`); err != nil {
		return fmt.Errorf("load relationships: %w", err)
	}
	rows, err := im.s.query(ctx, im.tx, `SELECT dedupe_key, id FROM documents WHERE dedupe_key IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("load documents: %w", err)
	}
	defer rows.Close()
	im.citations = map[string]int64{}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return fmt.Errorf("load documents: %w", err)
		}
		im.citations[k] = id
	}
	return rows.Err()
}

func (im *importer) loadStored(ctx context.Context, query string) (map[string]stored, error) {
	rows, err := im.s.query(ctx, im.tx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]stored{}
	for rows.Next() {
		var k string
		var st stored
		if err := rows.Scan(&k, &st.id, &st.hash, &st.src, &st.dst); err != nil {
			return nil, err
		}
		m[k] = st
	}
	return m, rows.Err()
}

// digest is the import hash of a record: any change to what the source
// says (Modified or any field) changes it.
func digest(v any) string {
	b, err := json.Marshal(v)
	if err != nil { // plain structs of strings, numbers and times
		panic(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

func (im *importer) object(ctx context.Context, o *intel.Object) error {
	c := im.stats.Count(string(o.Kind))
	if o.Kind.Valid() {
		c.Seen++
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if o.StixID == "" {
		return intel.Errorf(intel.CodeInvalid, "%s %q has no STIX ID", o.Kind, o.Name)
	}
	o.ID, o.SourceID = 0, im.src.ID
	if o.Confidence == 0 {
		o.Confidence = im.src.Credibility
	}
	if o.TLP == "" {
		o.TLP = im.src.TLP
	}
	o.Aliases = cleanAliases(o.Name, o.Aliases)
	for _, t := range []*time.Time{&o.FirstSeen, &o.LastSeen, &o.Created, &o.Modified} {
		*t = truncMS(*t)
	}
	o.UpdatedAt = time.Time{}
	hash := digest(o)
	o.UpdatedAt = im.now

	old, exists := im.objects[o.StixID]
	if exists && !old.primary {
		return im.mergedRecord(ctx, o, old, hash, c)
	}
	if !exists && o.Active() && (o.Kind == intel.KindGroup || o.Kind == intel.KindSoftware) {
		if target, rule, evidence, ok := im.resolve(o); ok {
			c.Updated++ // the record joins, and so changes, an object
			im.countCitations(o.Refs)
			return im.attach(ctx, o, target, rule, evidence, hash)
		}
	}
	switch {
	case !o.Active():
		c.Inactive++
	case !exists:
		c.Created++
	case old.hash != hash:
		c.Updated++
	default:
		c.Unchanged++
	}
	im.countCitations(o.Refs)
	if exists && old.hash == hash {
		o.ID = old.id
		return nil
	}
	if exists {
		o.ID = old.id
		st, err := im.stmt(ctx, updateObjectSQL)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, append(objectArgs(o, hash), o.ID)...); err != nil {
			return err
		}
	} else {
		st, err := im.stmt(ctx, insertObjectSQL)
		if err != nil {
			return err
		}
		if err := st.QueryRowContext(ctx, objectArgs(o, hash)...).Scan(&o.ID); err != nil {
			return err
		}
	}
	im.objects[o.StixID] = stored{id: o.ID, hash: hash, primary: true}

	if exists {
		// The record is rewritten; aliases and the rest are derived again
		// from all the object's records, and citations replaced with what
		// the bundle says now.
		if err := im.s.updateRecord(ctx, im.tx, o.StixID, o, hash); err != nil {
			return err
		}
		if _, err := im.s.refreshObject(ctx, im.tx, o.ID, im.now, true); err != nil {
			return err
		}
		if err := im.uncite(ctx, objectCitations, o.ID); err != nil {
			return err
		}
	} else {
		if err := im.s.insertRecord(ctx, im.tx, o.StixID, o, hash, true, intel.RuleNew, "", im.now); err != nil {
			return err
		}
		im.id.add(o.StixID, o, o.ID, im.src.ID)
		for _, a := range o.Aliases {
			if err := im.execStmt(ctx, insertAliasSQL, o.ID, a, intel.NormalizeName(a), im.src.ID); err != nil {
				return err
			}
		}
	}
	return im.cite(ctx, o.Refs, objectCitations, o.ID)
}

// mergedRecord re-imports a record that belongs to an object whose
// primary record is another: the record is updated in place and the
// object's derived fields refreshed; the object's own text is untouched.
func (im *importer) mergedRecord(ctx context.Context, o *intel.Object, old stored, hash string, c *intel.ImportCount) error {
	im.countCitations(o.Refs)
	if old.hash == hash {
		c.Unchanged++
		return nil
	}
	c.Updated++
	o.ID = old.id
	if err := im.s.updateRecord(ctx, im.tx, o.StixID, o, hash); err != nil {
		return err
	}
	im.objects[o.StixID] = stored{id: old.id, hash: hash}
	if _, err := im.s.refreshObject(ctx, im.tx, old.id, im.now, false); err != nil {
		return err
	}
	return im.cite(ctx, o.Refs, objectCitations, old.id)
}

// citationKey is the dedupe key of a citing reference, or "" when the
// reference is a catalogue ID or names nothing to cite.
func citationKey(r intel.ExternalRef) string {
	if catalogue(r.SourceName) || (r.URL == "" && r.Description == "") {
		return ""
	}
	if u := strings.TrimSpace(r.URL); u != "" {
		return "url:" + u
	}
	if r.SourceName == "" {
		return ""
	}
	return "cite:" + r.SourceName
}

// countCitations counts the citation documents of a record the first time
// this import meets them, whether or not the record itself is rewritten,
// so that a re-import reports the same Seen as the first import.
func (im *importer) countCitations(refs []intel.ExternalRef) {
	c := im.stats.Count("document")
	for _, r := range refs {
		key := citationKey(r)
		if key == "" || im.citeSeen[key] {
			continue
		}
		im.citeSeen[key] = true
		c.Seen++
		if _, ok := im.citations[key]; ok {
			c.Unchanged++
		} else {
			c.Created++ // created by cite below
		}
	}
}

// cite links the record to a document per citing reference, creating the
// document the first time any import cites it.
func (im *importer) cite(ctx context.Context, refs []intel.ExternalRef, t citeTable, id int64) error {
	for _, r := range refs {
		key := citationKey(r)
		if key == "" {
			continue
		}
		docID, ok := im.citations[key]
		if !ok {
			title := r.SourceName
			if title == "" {
				title = r.URL
			}
			st, err := im.stmt(ctx, insertDocumentSQL)
			if err != nil {
				return err
			}
			// The reference's own date ("(2015, December 4)") is the
			// report's: it dates the events the report backs.
			var published int64
			if t, ok := intel.CitationDate(r.Description); ok {
				published = ms(t)
			}
			if err := st.QueryRowContext(ctx, im.src.ID, title, r.URL, published, "", r.Description, "", im.src.TLP, key,
				ms(im.now), ms(im.now)).Scan(&docID); err != nil {
				return fmt.Errorf("citation %q: %w", title, err)
			}
			im.citations[key] = docID
		}
		im.queueCite(t, id, docID)
	}
	return nil
}

const updateRelationshipSQL = `UPDATE relationships SET stix_id = ?, type = ?, source_ref = ?, target_ref = ?,
	description = ?, refs = ?, revoked = ?, deprecated = ?, created = ?, modified = ?, source_id = ?,
	confidence = ?, import_hash = ?
WHERE id = ?`

func (im *importer) relationship(ctx context.Context, l *intel.Link) error {
	c := im.stats.Count("relationship")
	c.Seen++
	if l.StixID == "" || l.Type == "" {
		c.Rejected++
		im.warn("relationship %q: no STIX ID or type", l.StixID)
		return nil
	}
	src, okS := im.objects[l.SourceRef]
	dst, okT := im.objects[l.TargetRef]
	if !okS || !okT {
		c.Rejected++
		im.warn("relationship %s: %s %s → %s refers to an unknown object", l.StixID, l.Type, l.SourceRef, l.TargetRef)
		return nil
	}
	l.Created, l.Modified = truncMS(l.Created), truncMS(l.Modified)
	// The ends are compared apart from the hash: a manual merge moves
	// edges to the kept object, and that is no change of the source's.
	hash := digest(struct {
		L    *intel.Link
		Src  int64
		Conf float64
	}{l, im.src.ID, im.src.Credibility})
	old, exists := im.rels[l.StixID]
	if exists && old.id < 0 {
		// The same relationship twice in one bundle: the first is
		// written now, so that the second updates it.
		if err := im.flushRelationships(ctx); err != nil {
			return err
		}
		old = im.rels[l.StixID]
	}
	same := exists && old.hash == hash && old.src == src.id && old.dst == dst.id
	switch {
	case l.Revoked || l.Deprecated:
		c.Inactive++
	case !exists:
		c.Created++
	case !same:
		c.Updated++
	default:
		c.Unchanged++
	}
	im.countCitations(l.Refs)
	if same {
		return nil
	}
	args := []any{l.StixID, l.Type, src.id, dst.id, l.Description, jsonText(l.Refs), int64(b2i(l.Revoked)),
		int64(b2i(l.Deprecated)), ms(l.Created), ms(l.Modified), im.src.ID, im.src.Credibility, hash}
	id := old.id
	st := stored{id: id, hash: hash, src: src.id, dst: dst.id}
	if exists {
		if err := im.execStmt(ctx, updateRelationshipSQL, append(args, id)...); err != nil {
			return err
		}
		if err := im.uncite(ctx, relationshipCitations, id); err != nil {
			return err
		}
	} else {
		id = im.queueRelationship(l.StixID, args, st)
		st.id = id
	}
	im.rels[l.StixID] = st
	return im.cite(ctx, l.Refs, relationshipCitations, id)
}

// document upserts a bundle document by URL; a document without a URL is
// keyed by its title so that a re-import finds it again.
func (im *importer) document(ctx context.Context, d *intel.Document) error {
	c := im.stats.Count("document")
	c.Seen++
	if err := d.Validate(); err != nil {
		return err
	}
	key := "title:" + d.Title
	if k := documentKey(d.URL); k != nil {
		key = k.(string)
	}
	d.SourceID = im.src.ID
	if d.TLP == "" {
		d.TLP = im.src.TLP
	}
	d.Published = truncMS(d.Published)
	old, err := scanDocument(im.s.queryRow(ctx, im.tx, `SELECT `+documentCols+` FROM documents d WHERE d.dedupe_key = ?`, key))
	switch {
	case err == sql.ErrNoRows:
		d.CreatedAt, d.UpdatedAt = im.now, im.now
		if err := im.s.insertDocument(ctx, im.tx, d, key); err != nil {
			return err
		}
		im.citations[key] = d.ID
		c.Created++
		return nil
	case err != nil:
		return err
	}
	d.ID = old.ID
	if old.Title == d.Title && old.URL == d.URL && old.Published.Equal(d.Published) && old.Text == d.Text &&
		old.Citation == d.Citation && old.TLP == d.TLP {
		c.Unchanged++
		return nil
	}
	d.ContentHash = contentHash(d.Text)
	_, err = im.s.exec(ctx, im.tx, `UPDATE documents SET title = ?, url = ?, published = ?, text = ?, citation = ?,
	content_hash = ?, tlp = ?, source_id = ?, updated_at = ? WHERE id = ?`,
		d.Title, d.URL, ms(d.Published), d.Text, d.Citation, d.ContentHash, d.TLP, im.src.ID, ms(im.now), d.ID)
	c.Updated++
	return err
}

// indicator upserts by (type, value), merging what is known: the earliest
// first sighting, the latest last sighting, the highest confidence and the
// union of tags.
func (im *importer) indicator(ctx context.Context, in *intel.Indicator) error {
	c := im.stats.Count("indicator")
	c.Seen++
	if err := in.Validate(); err != nil {
		return err
	}
	if in.TLP == "" {
		in.TLP = im.src.TLP
	}
	in.SourceID = im.src.ID
	in.FirstSeen, in.LastSeen = truncMS(in.FirstSeen), truncMS(in.LastSeen)
	old, err := scanIndicator(im.s.queryRow(ctx, im.tx, `SELECT `+indicatorCols+` FROM indicators i WHERE i.type = ? AND i.value = ?`,
		in.Type, in.Value))
	switch {
	case err == sql.ErrNoRows:
		in.CreatedAt, in.UpdatedAt = im.now, im.now
		if err := im.s.insertIndicator(ctx, im.tx, in); err != nil {
			return err
		}
		c.Created++
		return nil
	case err != nil:
		return err
	}
	m := mergeIndicator(*old, *in)
	if m.Description == old.Description && slices.Equal(m.Tags, old.Tags) && m.FirstSeen.Equal(old.FirstSeen) &&
		m.LastSeen.Equal(old.LastSeen) && m.Confidence == old.Confidence {
		*in = *old
		c.Unchanged++
		return nil
	}
	m.UpdatedAt = im.now
	if err := im.s.writeIndicator(ctx, im.tx, &m); err != nil {
		return err
	}
	*in = m
	c.Updated++
	return nil
}

func mergeIndicator(old, in intel.Indicator) intel.Indicator {
	m := old
	if m.Description == "" {
		m.Description = in.Description
	}
	for _, t := range in.Tags {
		if !slices.Contains(m.Tags, t) {
			m.Tags = append(m.Tags, t)
		}
	}
	if !in.FirstSeen.IsZero() && (m.FirstSeen.IsZero() || in.FirstSeen.Before(m.FirstSeen)) {
		m.FirstSeen = in.FirstSeen
	}
	if in.LastSeen.After(m.LastSeen) {
		m.LastSeen = in.LastSeen
	}
	m.Confidence = max(m.Confidence, in.Confidence)
	return m
}
