package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// Group identity.
//
// Every imported record of an object (a STIX object, a MISP galaxy value,
// a MISP event's cluster, a hand-made object) is kept in object_records
// under its import key and points at the object it belongs to. One record
// is the object's primary: its name and text are what the object shows.
// Aliases, country, sectors, victim countries and motivations are derived
// from all records (refreshObject), so each alias keeps its sources and a
// split can take a source's names away again.
//
// A new active group or software record joins an existing object only on
// explicit evidence (resolve): a key both hold (RuleKey: ATT&CK ID, UUID),
// a MISP "similar"/"synonym-of" link either way (RuleRelated), or at least
// two names shared with exactly one object and no other (RuleSynonyms). A
// single shared alias never merges: vendors reuse names. A record already
// placed stays where it is: the rules place new records only, so an
// analyst's merge or split (MergeObjects, SplitObject) is never undone by
// a re-import.

// minSharedNames is how many distinct names a record must share with one
// object, and with no other, to merge by RuleSynonyms. Two: one shared name
// is the vendor-reuse case the rule exists to refuse.
const minSharedNames = 2

var attackIDPattern = regexp.MustCompile(`^[GS]\d{4}$`)

// recordData is what a record contributes to its object besides names.
type recordData struct {
	Country         string   `json:"country,omitempty"`
	Sectors         []string `json:"sectors,omitempty"`
	VictimCountries []string `json:"victim_countries,omitempty"`
	Motivations     []string `json:"motivations,omitempty"`
}

func dataOf(o *intel.Object) string {
	b, _ := json.Marshal(recordData{Country: o.Country, Sectors: o.Sectors, VictimCountries: o.VictimCountries, Motivations: o.Motivations})
	return string(b)
}

// recordNames is the record's name then its aliases, without duplicates.
func recordNames(o *intel.Object) []string {
	return append([]string{o.Name}, cleanAliases(o.Name, o.Aliases)...)
}

// recordXRefs is what a record says about its identity: its own XRefs,
// plus the UUID of a STIX ID and an ATT&CK ID it carries.
func recordXRefs(o *intel.Object) []intel.XRef {
	out := slices.Clone(o.XRefs)
	add := func(x intel.XRef) {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	if _, uuid, ok := strings.Cut(o.StixID, "--"); ok && uuid != "" {
		add(intel.XRef{Key: "uuid:" + strings.ToLower(uuid), Type: intel.XRefHolds})
	}
	if (o.Kind == intel.KindGroup || o.Kind == intel.KindSoftware) && attackIDPattern.MatchString(strings.ToUpper(o.ExternalID)) {
		add(intel.XRef{Key: "attack:" + strings.ToUpper(o.ExternalID), Type: intel.XRefHolds})
	}
	return out
}

func (s *Store) insertRecord(ctx context.Context, q querier, key string, o *intel.Object, hash string, primary bool,
	rule intel.MergeRule, evidence string, now time.Time) error {
	if _, err := s.exec(ctx, q, `INSERT INTO object_records (record_key, object_id, source_id, is_primary, names, data,
	rule, evidence, import_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		key, o.ID, nullID(o.SourceID), b2i(primary), jsonText(recordNames(o)), dataOf(o), rule, evidence, hash, ms(now)); err != nil {
		return fmt.Errorf("record %s: %w", key, err)
	}
	return s.insertXRefs(ctx, q, key, o)
}

func (s *Store) insertXRefs(ctx context.Context, q querier, key string, o *intel.Object) error {
	for _, x := range recordXRefs(o) {
		if _, err := s.exec(ctx, q, `INSERT INTO record_xrefs (record_key, xref, type) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			key, x.Key, x.Type); err != nil {
			return fmt.Errorf("record %s: %w", key, err)
		}
	}
	return nil
}

// updateRecord replaces what a record says with a newer version of it.
func (s *Store) updateRecord(ctx context.Context, q querier, key string, o *intel.Object, hash string) error {
	if _, err := s.exec(ctx, q, `UPDATE object_records SET names = ?, data = ?, source_id = ?, import_hash = ?
WHERE record_key = ?`, jsonText(recordNames(o)), dataOf(o), nullID(o.SourceID), hash, key); err != nil {
		return fmt.Errorf("record %s: %w", key, err)
	}
	if _, err := s.exec(ctx, q, `DELETE FROM record_xrefs WHERE record_key = ?`, key); err != nil {
		return fmt.Errorf("record %s: %w", key, err)
	}
	return s.insertXRefs(ctx, q, key, o)
}

// updatePrimaryRecord writes a hand edit of o into its primary record.
func (s *Store) updatePrimaryRecord(ctx context.Context, q querier, o *intel.Object) error {
	_, err := s.exec(ctx, q, `UPDATE object_records SET names = ?, data = ? WHERE object_id = ? AND is_primary = 1`,
		jsonText(recordNames(o)), dataOf(o), o.ID)
	return err
}

type recordRow struct {
	key      string
	sourceID int64
	primary  bool
	names    []string
	data     recordData
	rule     intel.MergeRule
	evidence string
	manual   bool
	created  int64
}

func (s *Store) objectRecords(ctx context.Context, q querier, id int64) ([]recordRow, error) {
	rows, err := s.query(ctx, q, `SELECT record_key, COALESCE(source_id, 0), is_primary, names, data, rule, evidence, manual, created_at
FROM object_records WHERE object_id = ? ORDER BY is_primary DESC, created_at, record_key`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []recordRow
	for rows.Next() {
		var r recordRow
		var primary, manual int
		var names, data string
		if err := rows.Scan(&r.key, &r.sourceID, &primary, &names, &data, &r.rule, &r.evidence, &manual, &r.created); err != nil {
			return nil, err
		}
		r.primary, r.manual = primary != 0, manual != 0
		r.names = fromJSON[string](names)
		_ = json.Unmarshal([]byte(data), &r.data)
		out = append(out, r)
	}
	return out, rows.Err()
}

// refreshObject derives an object's aliases, country, sectors, victim
// countries and motivations from its records and writes them when they
// changed, reporting whether they did. force rewrites the alias rows even
// when the object's columns already agree (after the caller rewrote the
// row itself).
func (s *Store) refreshObject(ctx context.Context, q querier, id int64, now time.Time, force bool) (bool, error) {
	o, err := s.findObjectByID(ctx, q, id)
	if err != nil {
		return false, err
	}
	recs, err := s.objectRecords(ctx, q, id)
	if err != nil {
		return false, err
	}
	var names []string
	aliasSource := map[string]int64{}
	var country string
	var sectors, victims, motives []string
	for _, r := range recs {
		for _, n := range r.names {
			names = append(names, n)
			if k := intel.NormalizeName(n); aliasSource[k] == 0 {
				aliasSource[k] = r.sourceID
			}
		}
		if country == "" {
			country = r.data.Country
		}
		sectors = union(sectors, r.data.Sectors)
		victims = union(victims, r.data.VictimCountries)
		motives = union(motives, r.data.Motivations)
	}
	aliases := cleanAliases(o.Name, names)
	if !force && slices.Equal(aliases, o.Aliases) && country == o.Country && slices.Equal(sectors, o.Sectors) &&
		slices.Equal(victims, o.VictimCountries) && slices.Equal(motives, o.Motivations) {
		return false, nil
	}
	if _, err := s.exec(ctx, q, `UPDATE objects SET aliases = ?, country = ?, sectors = ?, victim_countries = ?,
	motivations = ?, updated_at = ? WHERE id = ?`, jsonText(aliases), country, jsonText(sectors), jsonText(victims),
		jsonText(motives), ms(now), id); err != nil {
		return false, err
	}
	if _, err := s.exec(ctx, q, deleteAliasesSQL, id); err != nil {
		return false, err
	}
	for _, a := range aliases {
		n := intel.NormalizeName(a)
		if _, err := s.exec(ctx, q, insertAliasSQL, id, a, n, nullID(aliasSource[n])); err != nil {
			return false, err
		}
	}
	return true, nil
}

func union(a, b []string) []string {
	for _, x := range b {
		if x != "" && !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}

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

// identity is the import's in-memory view of the records, their keys and
// links, and the names of active groups and software, loaded once.
type identity struct {
	holders  map[string][]string // xref → records that hold it
	linkers  map[string][]string // xref → records that link to it
	recSrc   map[string]int64    // record → source
	recNames map[string][]string // record → normalised names
	objRecs  map[int64][]string  // object → records
	objKind  map[int64]intel.ObjectKind
	inactive map[int64]bool
	names    map[intel.ObjectKind]map[string][]int64 // normalised name → active objects
	blocks   map[string][]int64                      // record → objects an analyst split it from
}

func (im *importer) loadIdentity(ctx context.Context) error {
	id := &identity{holders: map[string][]string{}, linkers: map[string][]string{}, recSrc: map[string]int64{},
		recNames: map[string][]string{}, objRecs: map[int64][]string{}, objKind: map[int64]intel.ObjectKind{},
		inactive: map[int64]bool{}, names: map[intel.ObjectKind]map[string][]int64{}, blocks: map[string][]int64{}}
	im.id = id
	im.objects = map[string]stored{}
	rows, err := im.s.query(ctx, im.tx, `SELECT r.record_key, r.object_id, r.import_hash, r.is_primary, o.import_hash,
	COALESCE(r.source_id, 0), r.names, o.kind, o.revoked + o.deprecated
FROM object_records r JOIN objects o ON o.id = r.object_id`)
	if err != nil {
		return fmt.Errorf("load records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key, rhash, ohash, names string
		var oid, src int64
		var primary, inactive int
		var kind intel.ObjectKind
		if err := rows.Scan(&key, &oid, &rhash, &primary, &ohash, &src, &names, &kind, &inactive); err != nil {
			return fmt.Errorf("load records: %w", err)
		}
		st := stored{id: oid, hash: rhash, primary: primary != 0}
		if st.primary {
			// A hand edit clears the object's import_hash, so the next
			// import of its primary record rewrites it.
			st.hash = ohash
		}
		im.objects[key] = st
		id.recSrc[key] = src
		id.recNames[key] = normNames(fromJSON[string](names))
		id.objRecs[oid] = append(id.objRecs[oid], key)
		id.objKind[oid] = kind
		id.inactive[oid] = inactive != 0
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load records: %w", err)
	}
	rows.Close()
	xr, err := im.s.query(ctx, im.tx, `SELECT record_key, xref, type FROM record_xrefs`)
	if err != nil {
		return fmt.Errorf("load xrefs: %w", err)
	}
	defer xr.Close()
	for xr.Next() {
		var key, x, typ string
		if err := xr.Scan(&key, &x, &typ); err != nil {
			return fmt.Errorf("load xrefs: %w", err)
		}
		id.addXRef(key, intel.XRef{Key: x, Type: typ})
	}
	if err := xr.Err(); err != nil {
		return fmt.Errorf("load xrefs: %w", err)
	}
	xr.Close()
	nr, err := im.s.query(ctx, im.tx, `SELECT o.id, o.kind, o.name_norm FROM objects o
WHERE o.kind IN ('group', 'software') AND o.revoked = 0 AND o.deprecated = 0
UNION ALL
SELECT o.id, o.kind, a.alias_norm FROM aliases a JOIN objects o ON o.id = a.object_id
WHERE o.kind IN ('group', 'software') AND o.revoked = 0 AND o.deprecated = 0`)
	if err != nil {
		return fmt.Errorf("load names: %w", err)
	}
	defer nr.Close()
	for nr.Next() {
		var oid int64
		var kind intel.ObjectKind
		var n string
		if err := nr.Scan(&oid, &kind, &n); err != nil {
			return fmt.Errorf("load names: %w", err)
		}
		id.addName(kind, n, oid)
	}
	if err := nr.Err(); err != nil {
		return fmt.Errorf("load names: %w", err)
	}
	nr.Close()
	br, err := im.s.query(ctx, im.tx, `SELECT record_key, object_id FROM merge_blocks`)
	if err != nil {
		return fmt.Errorf("load merge blocks: %w", err)
	}
	defer br.Close()
	for br.Next() {
		var key string
		var oid int64
		if err := br.Scan(&key, &oid); err != nil {
			return fmt.Errorf("load merge blocks: %w", err)
		}
		id.blocks[key] = append(id.blocks[key], oid)
	}
	return br.Err()
}

func normNames(names []string) []string {
	var out []string
	for _, n := range names {
		if k := intel.NormalizeName(n); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func (id *identity) addXRef(key string, x intel.XRef) {
	if x.Type == intel.XRefHolds {
		id.holders[x.Key] = append(id.holders[x.Key], key)
	} else {
		id.linkers[x.Key] = append(id.linkers[x.Key], key)
	}
}

func (id *identity) addName(kind intel.ObjectKind, n string, oid int64) {
	m := id.names[kind]
	if m == nil {
		m = map[string][]int64{}
		id.names[kind] = m
	}
	if n != "" && !slices.Contains(m[n], oid) {
		m[n] = append(m[n], oid)
	}
}

// add indexes a record placed in this import.
func (id *identity) add(key string, o *intel.Object, oid int64, srcID int64) {
	id.recSrc[key] = srcID
	id.recNames[key] = normNames(recordNames(o))
	id.objRecs[oid] = append(id.objRecs[oid], key)
	id.objKind[oid] = o.Kind
	if len(id.objRecs[oid]) == 1 { // the record started the object
		id.inactive[oid] = !o.Active()
	}
	for _, x := range recordXRefs(o) {
		id.addXRef(key, x)
	}
	if !id.inactive[oid] {
		for _, n := range id.recNames[key] {
			id.addName(o.Kind, n, oid)
		}
	}
}

// candidate is an object the evidence points at.
type candidate struct {
	id       int64
	evidence []string
}

// resolve finds the object a new record belongs to, strongest rule first,
// or reports false when it starts an object of its own.
func (im *importer) resolve(o *intel.Object) (int64, intel.MergeRule, string, bool) {
	id := im.id
	names := normNames(recordNames(o))
	eligible := func(oid int64, guard bool) bool {
		if id.objKind[oid] != o.Kind || id.inactive[oid] || slices.Contains(id.blocks[o.StixID], oid) {
			return false
		}
		if !guard {
			return true
		}
		// A source never lists one group twice unless it says so: a record
		// does not join an object that holds another record of its own
		// source, unless the two share a name (a renamed group).
		for _, rk := range id.objRecs[oid] {
			if id.recSrc[rk] == im.src.ID && !intersects(id.recNames[rk], names) {
				return false
			}
		}
		return true
	}
	tally := func(m map[int64]*candidate, oid int64, ev string) {
		c := m[oid]
		if c == nil {
			c = &candidate{id: oid}
			m[oid] = c
		}
		if !slices.Contains(c.evidence, ev) {
			c.evidence = append(c.evidence, ev)
		}
	}
	xrefs := recordXRefs(o)
	// (a) keys both hold.
	byKey := map[int64]*candidate{}
	for _, x := range xrefs {
		if x.Type != intel.XRefHolds {
			continue
		}
		for _, rk := range id.holders[x.Key] {
			if oid, ok := im.objects[rk]; ok && eligible(oid.id, false) {
				tally(byKey, oid.id, x.Key)
			}
		}
	}
	if oid, ev, ok := im.pick(byKey, o, intel.RuleKey); ok {
		return oid, intel.RuleKey, ev, true
	}
	if len(byKey) > 0 {
		return 0, "", "", false
	}
	// (b) identity links, either way.
	byLink := map[int64]*candidate{}
	for _, x := range xrefs {
		if x.Type == intel.XRefHolds {
			for _, rk := range id.linkers[x.Key] {
				if oid, ok := im.objects[rk]; ok && eligible(oid.id, true) {
					tally(byLink, oid.id, rk+" links "+x.Key)
				}
			}
			continue
		}
		for _, rk := range id.holders[x.Key] {
			if oid, ok := im.objects[rk]; ok && eligible(oid.id, true) {
				tally(byLink, oid.id, x.Type+" "+x.Key)
			}
		}
	}
	if oid, ev, ok := im.pick(byLink, o, intel.RuleRelated); ok {
		return oid, intel.RuleRelated, ev, true
	}
	if len(byLink) > 0 {
		return 0, "", "", false
	}
	// (c) agreeing synonyms: names that name exactly one object.
	byName := map[int64]*candidate{}
	for _, n := range names {
		objs := id.names[o.Kind][n]
		if len(objs) == 1 && eligible(objs[0], true) {
			tally(byName, objs[0], n)
		}
	}
	var found []*candidate
	for _, c := range byName {
		if len(c.evidence) >= minSharedNames {
			found = append(found, c)
		}
	}
	if len(found) == 1 {
		return found[0].id, intel.RuleSynonyms, "names " + strings.Join(found[0].evidence, ", "), true
	}
	if len(found) > 1 {
		im.warn("%s %q: names shared with %d groups: kept apart", o.Kind, o.Name, len(found))
	}
	return 0, "", "", false
}

// pick chooses the candidate with the most evidence; a tie is ambiguous
// and merges nothing.
func (im *importer) pick(m map[int64]*candidate, o *intel.Object, rule intel.MergeRule) (int64, string, bool) {
	if len(m) == 0 {
		return 0, "", false
	}
	cs := make([]*candidate, 0, len(m))
	for _, c := range m {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b *candidate) int {
		return cmp.Or(cmp.Compare(len(b.evidence), len(a.evidence)), cmp.Compare(a.id, b.id))
	})
	if len(cs) > 1 && len(cs[0].evidence) == len(cs[1].evidence) {
		im.warn("%s %q: %s evidence points at %d objects: kept apart", o.Kind, o.Name, rule, len(cs))
		return 0, "", false
	}
	return cs[0].id, strings.Join(cs[0].evidence, "; "), true
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// attach stores a new record as part of an existing object.
func (im *importer) attach(ctx context.Context, o *intel.Object, target int64, rule intel.MergeRule, evidence, hash string) error {
	o.ID = target
	if err := im.s.insertRecord(ctx, im.tx, o.StixID, o, hash, false, rule, evidence, im.now); err != nil {
		return err
	}
	if err := im.cite(ctx, o.Refs, `INSERT INTO object_citations (object_id, document_id) VALUES (?, ?)
ON CONFLICT DO NOTHING`, target); err != nil {
		return err
	}
	if _, err := im.s.refreshObject(ctx, im.tx, target, im.now, false); err != nil {
		return err
	}
	im.objects[o.StixID] = stored{id: target, hash: hash}
	im.id.add(o.StixID, o, target, im.src.ID)
	im.stats.Count("merge:"+string(rule)).Created++
	return im.s.logMerge(ctx, im.tx, &intel.MergeRecord{ObjectID: target, Key: o.StixID, SourceID: im.src.ID,
		Rule: rule, Evidence: evidence})
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
