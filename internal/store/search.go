package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// Search runs a ranked full-text query over documents, objects and
// indicators, best first, with highlighted snippets. User text is split
// into quoted terms, so operators and SQL metacharacters only ever match as
// words. A hit whose name, alias or external ID equals the whole query
// ranks above every other hit.
func (s *Store) Search(ctx context.Context, q intel.SearchQuery) ([]intel.SearchHit, error) {
	terms := searchTerms(q.Text)
	if len(terms) == 0 {
		return nil, nil
	}
	if q.Offset < 0 || q.Offset > intel.MaxSearchOffset {
		return nil, s.wrap("search", intel.Errorf(intel.CodeInvalid, "offset must be from 0 to %d", intel.MaxSearchOffset))
	}
	// Each part ranks its best offset+limit; the merged ranking is cut
	// to the page asked for.
	pageSize := pageLimit(q.Limit)
	limit := q.Offset + pageSize
	want := func(kind string) bool { return len(q.Kinds) == 0 || slices.Contains(q.Kinds, kind) }
	raw := strings.ToLower(strings.TrimSpace(q.Text))
	params := []any{intel.HighlightStart, intel.HighlightEnd, intel.NormalizeName(q.Text), raw, s.d.MatchArg(terms)}

	var hits []intel.SearchHit
	var kinds []any
	for _, k := range intel.ObjectKinds {
		if want(string(k)) {
			kinds = append(kinds, string(k))
		}
	}
	if len(kinds) > 0 {
		filter := ""
		if len(kinds) < len(intel.ObjectKinds) {
			filter = "AND o.kind IN (?" + strings.Repeat(", ?", len(kinds)-1) + ")"
		}
		args := slices.Clone(params)
		if filter != "" {
			args = append(args, kinds...)
		}
		args = append(args, limit)
		h, err := s.search(ctx, fmt.Sprintf(s.d.SearchObjects(), filter), args)
		if err != nil {
			return nil, s.wrap("search objects", err)
		}
		hits = append(hits, h...)
	}
	// Documents and indicators rank a bounded set of their matches (see
	// Dialect.SearchDocuments), never fewer than the page needs.
	rankCap := max(searchRankCap, limit)
	if want("document") {
		h, err := s.search(ctx, s.d.SearchDocuments(), append(slices.Clone(params), rankCap, limit))
		if err != nil {
			return nil, s.wrap("search documents", err)
		}
		hits = append(hits, h...)
	}
	if want("indicator") {
		h, err := s.search(ctx, s.d.SearchIndicators(), append(slices.Clone(params), rankCap, limit))
		if err != nil {
			return nil, s.wrap("search indicators", err)
		}
		hits = append(hits, h...)
	}
	// Stable on ties so equal ranks keep each query's own order.
	slices.SortStableFunc(hits, func(a, b intel.SearchHit) int {
		switch {
		case a.Rank > b.Rank:
			return -1
		case a.Rank < b.Rank:
			return 1
		}
		return 0
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	if q.Offset >= len(hits) {
		return nil, nil
	}
	return hits[q.Offset:], nil
}

// SearchCounts counts the hits of a query per kind over every page: the
// facets beside the results, and their total. Blank text counts nothing.
func (s *Store) SearchCounts(ctx context.Context, text string) (map[string]int, error) {
	out := map[string]int{}
	terms := searchTerms(text)
	if len(terms) == 0 {
		return out, nil
	}
	rows, err := s.query(ctx, s.rdb, s.d.SearchCounts(), s.d.MatchArg(terms))
	if err != nil {
		return nil, s.wrap("search counts", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, s.wrap("search counts", err)
		}
		if n > 0 {
			out[k] = n
		}
	}
	return out, s.wrap("search counts", rows.Err())
}

// searchRankCap is how many of the newest matching documents, and of the
// newest matching indicators, a search ranks (the exact matches come on
// top, wherever they are); the facets still count every match. A word
// in most domains ("com") matched 26,000 indicators, and scoring each
// cost 100 ms; 300 keeps a search near 20 ms on the mirror while a rare
// word, the common case, is ranked over all its matches.
const searchRankCap = 300

// compactRows is how many rows of a table (objects, documents,
// indicators) a bundle import must write before it compacts the table's
// full-text index (compactSearch); an IOC import compacts the
// indicators' index from analyzeRows rows. Compacting
// costs in proportion to the whole index (0.02 s for the mirror's objects,
// 0.17 s for its 166k indicators), so small writes leave it to the
// engine's own merging.
const compactRows = 1000

// compactSearch compacts the full-text indexes of tables in tx, when the
// dialect has a statement for it.
func (s *Store) compactSearch(ctx context.Context, tx querier, tables ...string) error {
	for _, t := range tables {
		if q := s.d.compactSearch(t); q != "" {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("compact the search index of %s: %w", t, err)
			}
		}
	}
	return nil
}

// exactBoost lifts exact name, alias and ID matches, then names that start
// with the query, above any text score.
const exactBoost = 1000

func (s *Store) search(ctx context.Context, query string, args []any) ([]intel.SearchHit, error) {
	rows, err := s.query(ctx, s.rdb, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []intel.SearchHit
	for rows.Next() {
		var h intel.SearchHit
		var exact int
		if err := rows.Scan(&h.ID, &h.Kind, &h.Title, &h.ExternalID, &h.Snippet, &h.Rank, &exact); err != nil {
			return nil, err
		}
		h.Rank += float64(exact * exactBoost)
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// Counts returns how many active objects of each kind, documents,
// indicators, sources, users and active relationships the base holds.
//
// The counts are kept until the next write (generation.go): the dashboard
// asks on every load, and counting every table took longer than the rest
// of the page. The caller owns the map it gets.
func (s *Store) Counts(ctx context.Context) (intel.Counts, error) {
	c, err := s.cache.counts.get(ctx, s, s.countAll)
	return maps.Clone(c), err
}

// countAll counts what Counts returns.
func (s *Store) countAll(ctx context.Context) (map[string]int, error) {
	c := intel.Counts{}
	for _, k := range intel.ObjectKinds {
		c[string(k)] = 0
	}
	rows, err := s.query(ctx, s.rdb, `SELECT kind, COUNT(*) FROM objects WHERE revoked = 0 AND deprecated = 0 GROUP BY kind
UNION ALL SELECT 'document', COUNT(*) FROM documents
UNION ALL SELECT 'indicator', COUNT(*) FROM indicators
UNION ALL SELECT 'source', COUNT(*) FROM sources
UNION ALL SELECT 'user', COUNT(*) FROM users
UNION ALL SELECT 'relationship', COUNT(*) FROM relationships WHERE revoked = 0 AND deprecated = 0`)
	if err != nil {
		return nil, s.wrap("counts", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, s.wrap("counts", err)
		}
		c[k] = n
	}
	return c, s.wrap("counts", rows.Err())
}
