package intel

import (
	"sort"
	"strings"
)

// SortKey is a column a list can be ordered by and the order it takes
// when none is asked for: names ascending, dates and scores newest or
// highest first.
type SortKey struct {
	Name string
	Desc bool
}

// Sort orders a list: Key is a name of the list's SortKeys ("" is the
// list's default, its first key), Order is "asc", "desc" or "" (the
// key's own order). Ties are broken by ID in the same direction, so that
// keyset paging visits every row once.
type Sort struct {
	Key   string
	Order string
}

// The sortable columns of each list, default first.
var (
	IndicatorSorts = []SortKey{{"id", true}, {"type", false}, {"value", false}, {"confidence", true}, {"last_seen", true}, {"tlp", false}}
	ObjectSorts    = []SortKey{{"name", false}, {"external_id", false}, {"country", false}, {"modified", true}}
	EventSorts     = []SortKey{{"first_seen", true}, {"last_seen", true}, {"title", false}, {"actor", false}}
	DocumentSorts  = []SortKey{{"id", true}, {"title", false}, {"published", true}, {"tlp", false}}
)

// Resolve checks s against the list's keys and returns the key and
// whether the order is descending; a bad key or order is CodeInvalid and
// names the keys there are.
func (s Sort) Resolve(keys []SortKey) (SortKey, bool, error) {
	k := keys[0]
	if s.Key != "" {
		found := false
		for _, c := range keys {
			if c.Name == s.Key {
				k, found = c, true
				break
			}
		}
		if !found {
			names := make([]string, len(keys))
			for i, c := range keys {
				names[i] = c.Name
			}
			sort.Strings(names)
			return k, false, Errorf(CodeInvalid, "sort %q is not one of %s", s.Key, strings.Join(names, ", "))
		}
	}
	switch s.Order {
	case "":
		return k, k.Desc, nil
	case "asc":
		return k, false, nil
	case "desc":
		return k, true, nil
	}
	return k, false, Errorf(CodeInvalid, "order %q is not asc or desc", s.Order)
}
