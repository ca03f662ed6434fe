package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/store"
)

// sortedList is one list under test: how to read a page of it in an
// order, and a row's ID and value of a sort key as the store returns
// them.
type sortedList[T any] struct {
	keys []intel.SortKey
	find func(s intel.Sort, after string, limit int) (intel.Page[T], error)
	id   func(T) int64
	key  func(T, string) any
	// emptyLast are the keys whose empty values (unknown) come after the
	// others in both orders.
	emptyLast map[string]bool
}

// checkSorts reads the list under every key in both orders, two rows a
// page, and compares the rows with all of them sorted here by (key, ID):
// each row comes once, in order, across pages. A bad key or order and a
// cursor of another order are refused as invalid, naming what is wrong.
func checkSorts[T any](t *testing.T, name string, l sortedList[T]) {
	t.Helper()
	all, err := l.find(intel.Sort{}, "", 500)
	must(t, name+": all", err)
	if len(all.Items) < 4 {
		t.Fatalf("%s: %d rows, want at least 4 to page", name, len(all.Items))
	}
	for _, k := range l.keys {
		for _, order := range []string{"asc", "desc"} {
			what := fmt.Sprintf("%s sort=%s order=%s", name, k.Name, order)
			want := slices.Clone(all.Items)
			slices.SortFunc(want, func(a, b T) int {
				ka, kb := l.key(a, k.Name), l.key(b, k.Name)
				if l.emptyLast[k.Name] {
					if e := cmp.Compare(boolInt(ka == ""), boolInt(kb == "")); e != 0 {
						return e
					}
				}
				c := compareKey(ka, kb)
				if c == 0 {
					c = cmp.Compare(l.id(a), l.id(b))
				}
				if order == "desc" {
					c = -c
				}
				return c
			})
			var got []int64
			after, pages := "", 0
			for {
				page, err := l.find(intel.Sort{Key: k.Name, Order: order}, after, 2)
				must(t, what, err)
				for _, it := range page.Items {
					got = append(got, l.id(it))
				}
				pages++
				if page.Next == "" || pages > len(all.Items) {
					break
				}
				after = page.Next
			}
			ids := make([]int64, len(want))
			for i, it := range want {
				ids[i] = l.id(it)
			}
			mustDiff(t, what, ids, got)
		}
	}
	// The default order is the first key's own.
	first, err := l.find(intel.Sort{Key: l.keys[0].Name}, "", 500)
	must(t, name+": first key", err)
	if !slices.EqualFunc(first.Items, all.Items, func(a, b T) bool { return l.id(a) == l.id(b) }) {
		t.Errorf("%s: no sort and sort=%s differ", name, l.keys[0].Name)
	}
	for _, bad := range []intel.Sort{{Key: "id; DROP TABLE x"}, {Key: "Value"}, {Order: "up"}} {
		_, err := l.find(bad, "", 2)
		if intel.ErrorCode(err) != intel.CodeInvalid {
			t.Errorf("%s: sort %+v: %v, want invalid", name, bad, err)
		} else if text := bad.Key + bad.Order; !strings.Contains(err.Error(), text) {
			t.Errorf("%s: sort %+v: error %q does not name %q", name, bad, err, text)
		}
	}
	page, err := l.find(intel.Sort{Key: l.keys[1].Name, Order: "asc"}, "", 2)
	must(t, name+": page", err)
	if _, err := l.find(intel.Sort{Key: l.keys[1].Name, Order: "desc"}, page.Next, 2); intel.ErrorCode(err) != intel.CodeInvalid {
		t.Errorf("%s: a cursor of the other order: %v, want invalid", name, err)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func compareKey(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case float64:
		return cmp.Compare(x, b.(float64))
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	panic(fmt.Sprintf("compareKey: %T", a))
}

// testListSorts: indicators, groups, events and documents sort by each of
// their visible columns in both orders, page across every row once in
// that order with ties broken by ID, and refuse an unknown sort.
func testListSorts(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxAs(t, 0, "analyst")
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	// Values of one shape (letters of one length, then a fixed suffix) so
	// that any collation orders them as bytes do; ties on every column.
	for i, in := range []struct {
		typ   intel.IndicatorType
		value string
		conf  float64
		last  int
		tlp   intel.TLP
	}{
		{intel.IndicatorDomain, "kkk.test", 0.5, 3, intel.TLPGreen},
		{intel.IndicatorDomain, "bbb.test", 0.9, 1, intel.TLPClear},
		{intel.IndicatorIPv4, "198.51.100.7", 0.5, 3, intel.TLPAmber},
		{intel.IndicatorDomain, "ddd.test", 0.25, 0, intel.TLPGreen},
		{intel.IndicatorIPv4, "198.51.100.3", 0.9, 2, intel.TLPClear},
		{intel.IndicatorURL, "http://aaa.test/x", 1, 3, intel.TLPGreen},
	} {
		ind := &intel.Indicator{Type: in.typ, Value: in.value, Confidence: in.conf, TLP: in.tlp}
		if in.last > 0 {
			ind.FirstSeen, ind.LastSeen = day(in.last), day(in.last)
		}
		must(t, fmt.Sprint("indicator ", i), s.CreateIndicator(ctx, ind))
	}
	checkSorts(t, "indicators", indicatorSorts(s))

	for i, g := range []struct {
		name, ext, country string
		modified           int
	}{
		{"Kilo Bear", "G9003", "RU", 2}, {"alpha Panda", "G9001", "CN", 5}, {"Delta Kitten", "G9002", "IR", 2},
		{"Bravo Spider", "G9005", "RU", 1}, {"echo Owl", "G9004", "", 5}, {"Foxtrot Mantis", "", "", 3},
	} {
		o := &intel.Object{Kind: intel.KindGroup, Name: g.name, ExternalID: g.ext, Country: g.country, Modified: day(g.modified)}
		must(t, fmt.Sprint("group ", i), s.CreateObject(ctx, o))
	}
	checkSorts(t, "groups", sortedList[*intel.Object]{keys: intel.ObjectSorts,
		find: func(o intel.Sort, after string, limit int) (intel.Page[*intel.Object], error) {
			return s.FindObjects(ctx, intel.ObjectFilter{Kind: intel.KindGroup, Sort: o, After: after, Limit: limit})
		},
		id: func(o *intel.Object) int64 { return o.ID },
		key: func(o *intel.Object, k string) any {
			return map[string]any{"name": intel.NormalizeName(o.Name), "external_id": o.ExternalID, "country": o.Country,
				"modified": o.Modified}[k]
		},
		emptyLast: map[string]bool{"country": true, "external_id": true}})

	for i, e := range []struct {
		title, actor string
		first, last  int
	}{
		{"kkkk", "Sofacy", 3, 4}, {"bbbb", "Gamaredon", 0, 0}, {"dddd", "Sofacy", 3, 9}, {"aaaa", "Lazarus", 1, 9},
		{"cccc", "", 7, 7}, {"eeee", "", 2, 2},
	} {
		ev := &intel.Event{Title: e.title, GroupLabel: e.actor, Confidence: 1}
		if e.first > 0 {
			ev.FirstSeen, ev.LastSeen = day(e.first), day(e.last)
		}
		must(t, fmt.Sprint("event ", i), s.CreateEvent(ctx, ev))
	}
	checkSorts(t, "events", sortedList[*intel.Event]{keys: intel.EventSorts,
		find: func(o intel.Sort, after string, limit int) (intel.Page[*intel.Event], error) {
			return s.FindEvents(ctx, intel.EventFilter{Sort: o, After: after, Limit: limit})
		},
		id: func(e *intel.Event) int64 { return e.ID },
		key: func(e *intel.Event, k string) any {
			return map[string]any{"first_seen": e.FirstSeen, "last_seen": e.LastSeen, "title": e.Title, "actor": e.GroupLabel}[k]
		},
		emptyLast: map[string]bool{"actor": true}})

	for i, d := range []struct {
		title     string
		published int
		tlp       intel.TLP
	}{
		{"kkkk", 3, intel.TLPGreen}, {"bbbb", 0, intel.TLPClear}, {"dddd", 3, intel.TLPGreen}, {"aaaa", 1, intel.TLPAmber},
		{"cccc", 7, intel.TLPClear},
	} {
		doc := &intel.Document{Title: d.title, Text: "text " + d.title, TLP: d.tlp}
		if d.published > 0 {
			doc.Published = day(d.published)
		}
		must(t, fmt.Sprint("document ", i), s.CreateDocument(ctx, doc))
	}
	checkSorts(t, "documents", sortedList[*intel.Document]{keys: intel.DocumentSorts,
		find: func(o intel.Sort, after string, limit int) (intel.Page[*intel.Document], error) {
			return s.FindDocuments(ctx, intel.DocumentFilter{Sort: o, After: after, Limit: limit})
		},
		id: func(d *intel.Document) int64 { return d.ID },
		key: func(d *intel.Document, k string) any {
			return map[string]any{"id": float64(d.ID), "title": d.Title, "published": d.Published, "tlp": string(d.TLP)}[k]
		}})
}

// indicatorSorts reads a store's indicator list for checkSorts.
func indicatorSorts(s *store.Store) sortedList[*intel.Indicator] {
	ctx := context.Background()
	return sortedList[*intel.Indicator]{keys: intel.IndicatorSorts,
		find: func(o intel.Sort, after string, limit int) (intel.Page[*intel.Indicator], error) {
			return s.FindIndicators(ctx, intel.IndicatorFilter{Sort: o, After: after, Limit: limit})
		},
		id: func(in *intel.Indicator) int64 { return in.ID },
		key: func(in *intel.Indicator, k string) any {
			return map[string]any{"id": float64(in.ID), "type": string(in.Type), "value": in.Value,
				"confidence": in.Confidence, "last_seen": in.LastSeen, "tlp": string(in.TLP)}[k]
		}}
}
