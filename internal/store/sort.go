package store

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// sortColumn is the SQL of one sort key of a list (written here, never
// taken from input) and the kind of its values, which the cursor needs
// to compare them as the engine does.
type sortColumn struct {
	expr string
	kind sortKind
	// emptyLast puts rows whose value is '' (unknown: no country, no
	// ATT&CK ID) after the others in either direction: a list sorted by
	// country should open on countries, not on the groups without one.
	emptyLast bool
}

type sortKind int

const (
	sortInt sortKind = iota
	sortFloat
	sortText
)

// The SQL of each list's sort keys (intel.*Sorts). Every key has an index
// led by its column or is one of a short list (see migration 0028).
var (
	indicatorSortSQL = map[string]sortColumn{"id": {"i.id", sortInt, false}, "type": {"i.type", sortText, false},
		"value": {"i.value", sortText, false}, "confidence": {"i.confidence", sortFloat, false},
		"last_seen": {"i.last_seen", sortInt, false}, "tlp": {"i.tlp", sortText, false}}
	objectSortSQL = map[string]sortColumn{"name": {"o.name_norm", sortText, false},
		"external_id": {"o.external_id", sortText, true}, "country": {"o.country", sortText, true},
		"modified": {"o.modified", sortInt, false}}
	eventSortSQL = map[string]sortColumn{"first_seen": {"e.first_seen", sortInt, false}, "last_seen": {"e.last_seen", sortInt, false},
		"title": {"e.title", sortText, false}, "actor": {"e.group_label", sortText, true}}
	documentSortSQL = map[string]sortColumn{"id": {"d.id", sortInt, false}, "title": {"d.title", sortText, false},
		"published": {"d.published", sortInt, false}, "tlp": {"d.tlp", sortText, false}}
)

// keyset is a resolved list order: the column, the direction and the ID
// column that breaks ties.
type keyset struct {
	name string
	col  sortColumn
	desc bool
	id   string
}

// newKeyset resolves a list's sort against its keys and their SQL.
func newKeyset(s intel.Sort, keys []intel.SortKey, cols map[string]sortColumn, id string) (keyset, error) {
	k, desc, err := s.Resolve(keys)
	if err != nil {
		return keyset{}, err
	}
	col, ok := cols[k.Name]
	if !ok {
		panic(fmt.Sprintf("store: sort key %q has no SQL", k.Name)) // a key added to intel without its column
	}
	return keyset{name: k.Name, col: col, desc: desc, id: id}, nil
}

// prefix tags a cursor with its order, so that a cursor of another order
// is refused rather than read as a value of this one.
func (k keyset) prefix() string {
	if k.desc {
		return k.name + " desc\x1f"
	}
	return k.name + " asc\x1f"
}

// after is the WHERE clause of the rows after a cursor.
func (k keyset) after(cursor string) (string, []any, error) {
	key, id, err := decodeCursor(cursor)
	if err != nil {
		return "", nil, err
	}
	text, ok := strings.CutPrefix(key, k.prefix())
	if !ok {
		return "", nil, intel.Errorf(intel.CodeInvalid, "bad page cursor: not one of this order (sort %s)", k.name)
	}
	var v any = text
	switch k.col.kind {
	case sortInt:
		v, err = strconv.ParseInt(text, 10, 64)
	case sortFloat:
		v, err = strconv.ParseFloat(text, 64)
	}
	if err != nil {
		return "", nil, intel.Errorf(intel.CodeInvalid, "bad page cursor")
	}
	op := ">"
	if k.desc {
		op = "<"
	}
	e := k.col.expr
	if k.col.emptyLast {
		if v == "" {
			return "(" + e + " = '' AND " + k.id + " " + op + " ?)", []any{id}, nil
		}
		return "(" + e + " = '' OR (" + e + " <> '' AND (" + e + " " + op + " ? OR (" + e + " = ? AND " + k.id + " " + op + " ?))))",
			[]any{v, v, id}, nil
	}
	return "(" + e + " " + op + " ? OR (" + e + " = ? AND " + k.id + " " + op + " ?))", []any{v, v, id}, nil
}

// orderBy is the ORDER BY of the list, ties broken by ID.
func (k keyset) orderBy() string {
	dir := " ASC"
	if k.desc {
		dir = " DESC"
	}
	if k.col.emptyLast {
		return " ORDER BY CASE WHEN " + k.col.expr + " = '' THEN 1 ELSE 0 END, " + k.col.expr + dir + ", " + k.id + dir
	}
	return " ORDER BY " + k.col.expr + dir + ", " + k.id + dir
}

// cursor is the cursor after a row whose sort value (the extra column
// selected after the list's own) is v.
func (k keyset) cursor(v any, id int64) string {
	var text string
	switch x := v.(type) {
	case int64:
		text = strconv.FormatInt(x, 10)
	case float64:
		if k.col.kind == sortInt {
			text = strconv.FormatInt(int64(x), 10)
		} else {
			text = strconv.FormatFloat(x, 'g', -1, 64)
		}
	case []byte:
		text = string(x)
	case string:
		text = x
	case nil:
	default:
		text = fmt.Sprint(x)
	}
	return encodeCursor(k.prefix()+text, id)
}

// keysetPage reads a list query that selected limit+1 rows with the sort
// value after the columns scan reads: the first limit rows are the page,
// one more means a next page, whose cursor is the last row's.
func keysetPage[T any](rows *sql.Rows, ks keyset, limit int, scan func(scanner) (T, error), id func(T) int64) (intel.Page[T], error) {
	var page intel.Page[T]
	defer rows.Close()
	var last any
	for rows.Next() {
		var key any
		item, err := scan(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &key)...) }))
		if err != nil {
			return page, err
		}
		if len(page.Items) == limit {
			page.Next = ks.cursor(last, id(page.Items[limit-1]))
			break
		}
		page.Items, last = append(page.Items, item), key
	}
	return page, rows.Err()
}
