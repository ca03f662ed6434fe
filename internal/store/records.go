package store

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/intel"
)

// Records: every imported record of an object (a STIX object, a MISP galaxy value,
// a MISP event's cluster, a hand-made object) is kept in object_records
// under its import key and points at the object it belongs to. One record
// is the object's primary: its name and text are what the object shows.
// Aliases, country, sectors, victim countries and motivations are derived
// from all records (refreshObject), so each alias keeps its sources and a
// split can take a source's names away again. Which object a new record
// joins is identity.go's; moving records by hand is merge.go's.

// attackIDPattern is an ATT&CK group or software ID, a key that names one
// object whichever source gives it.
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
