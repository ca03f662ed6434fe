package web

// Sorting of the list pages and API lists: the sort and order query
// parameters, and the column headers that set them.

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// listSorts are the sort keys of each list a page can sort, by the name
// its templates use.
var listSorts = map[string][]intel.SortKey{
	"indicators": intel.IndicatorSorts,
	"objects":    intel.ObjectSorts,
	"events":     intel.EventSorts,
	"documents":  intel.DocumentSorts,
}

// querySort reads sort and order as given; the store checks them against
// the list's keys, so that a bad one is a 400 naming the keys there are.
func querySort(q url.Values) intel.Sort {
	return intel.Sort{Key: strings.TrimSpace(q.Get("sort")), Order: strings.TrimSpace(q.Get("order"))}
}

// sortParams documents sort and order for a list with these keys.
func sortParams(keys []intel.SortKey) []queryParam {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Name
	}
	return []queryParam{
		{"sort", "string", fmt.Sprintf("order by %s (default %s); ties by ID", strings.Join(names, ", "), keys[0].Name)},
		{"order", "string", "asc or desc (default: names ascending, dates and scores descending)"},
	}
}

// sortHeader is one sortable column header: the link that sorts by it
// (the other way round when it is the current order) and, on the current
// column, its aria-sort.
type sortHeader struct {
	Label, Href string
	Aria        string // "ascending", "descending" or "" when not sorted by
}

// sortColumn is the header of column key of a list shown at path with
// the query q: filters are kept, paging starts again.
func sortColumn(list, path string, q url.Values, key, label string) (sortHeader, error) {
	keys, ok := listSorts[list]
	if !ok {
		return sortHeader{}, fmt.Errorf("sortColumn: no list %q", list)
	}
	cur, curDesc, err := querySort(q).Resolve(keys)
	if err != nil {
		cur, curDesc = keys[0], keys[0].Desc // the page shows the error; headers stay usable
	}
	var k intel.SortKey
	for _, c := range keys {
		if c.Name == key {
			k = c
		}
	}
	if k.Name == "" {
		return sortHeader{}, fmt.Errorf("sortColumn: list %q has no sort %q", list, key)
	}
	h := sortHeader{Label: label}
	desc := k.Desc
	if cur.Name == key {
		h.Aria = "ascending"
		if curDesc {
			h.Aria = "descending"
		}
		desc = !curDesc
	}
	nq := url.Values{}
	for name, vs := range q {
		nq[name] = vs
	}
	nq.Del("after")
	nq.Set("sort", key)
	nq.Set("order", "asc")
	if desc {
		nq.Set("order", "desc")
	}
	h.Href = path + "?" + nq.Encode()
	return h, nil
}

// orderText says in words how a list is ordered: def for its default.
func orderText(s intel.Sort, keys []intel.SortKey, def string) string {
	k, desc, err := s.Resolve(keys)
	if err != nil || (k.Name == keys[0].Name && desc == k.Desc) {
		return def
	}
	dir := "ascending"
	if desc {
		dir = "descending"
	}
	return "by " + strings.ReplaceAll(k.Name, "_", " ") + ", " + dir
}
