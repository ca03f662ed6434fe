package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Identity resolution: a new active group or software record joins an existing object only on
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
	if err := im.cite(ctx, o.Refs, objectCitations, target); err != nil {
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
