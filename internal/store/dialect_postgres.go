package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Postgres returns the dialect of PostgreSQL through pgx: $n placeholders
// and tsvector generated columns with GIN indexes.
func Postgres() Dialect { return postgresDialect{} }

type postgresDialect struct{}

func (postgresDialect) Name() string               { return "postgres" }
func (postgresDialect) Rebind(query string) string { return rebindDollar(query) }

// MigrationLock serialises migrations of replicas that start together; the
// lock is released when the migration's transaction ends.
func (postgresDialect) MigrationLock() string {
	return "SELECT pg_advisory_xact_lock(727001)"
}

// LockRows makes a SELECT lock its rows: under READ COMMITTED, two
// transactions that check and then change the same rows would otherwise
// each see the other's rows unchanged.
func (postgresDialect) LockRows() string { return " FOR UPDATE" }

// SQLSTATE classes (PostgreSQL appendix A); matched through the SQLState
// method of pgconn.PgError so that this package does not import the driver.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

func (postgresDialect) MapError(err error) error {
	if err == nil || passIntel(err) {
		return err
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		switch coded.SQLState() {
		case pgUniqueViolation:
			return conflictError(err)
		case pgForeignKeyViolation:
			return invalidRefError(err)
		}
	}
	return err
}

// MatchArg joins the terms for plainto_tsquery, which ignores every
// operator character, so user text is never parsed as tsquery syntax.
func (postgresDialect) MatchArg(terms []string) string {
	return strings.Join(terms, " ")
}

// ts_headline options are passed as text; the markers are control
// characters, which the option parser takes as ordinary characters.
func (postgresDialect) SearchObjects() string {
	return searchParams + `, q AS (SELECT plainto_tsquery('english', p.m) AS q FROM p)
SELECT o.id, o.kind, o.name, o.external_id,
	ts_headline('english', o.name || ' ' || o.description, q.q,
		'MaxFragments=1, MaxWords=24, MinWords=8, StartSel=' || p.hs || ', StopSel=' || p.he),
	ts_rank(o.search, q.q) AS score,
	CASE WHEN o.name_norm = p.norm OR o.external_id_norm = p.norm
		OR EXISTS (SELECT 1 FROM aliases a WHERE a.object_id = o.id AND a.alias_norm = p.norm) THEN 2
		WHEN substr(o.name_norm, 1, length(p.norm)) = p.norm THEN 1 ELSE 0 END AS exact
FROM p, q, objects o
WHERE o.search @@ q.q AND o.revoked = 0 AND o.deprecated = 0 %s
ORDER BY exact DESC, score DESC, o.id LIMIT ?`
}

// SearchDocuments and SearchIndicators rank a bounded set of candidates
// (see Dialect.SearchDocuments): the newest matches up to the cap, and the
// exact ones wherever they are; ts_headline runs after the sort and
// limit, on the page's rows only. The newest matches are sorted by
// "id + 0": ordered by id itself, the generic plan of the prepared
// statement (which knows neither the words nor the cap) walked the
// primary key backwards testing every row against the query, 150 ms on
// the mirror's indicators for a word none of them holds, where the GIN
// index lists the matches at once.
func (postgresDialect) SearchDocuments() string {
	return searchParams + `, q AS (SELECT plainto_tsquery('english', p.m) AS q FROM p),
c AS ((SELECT d.id FROM q, documents d WHERE d.search @@ q.q ORDER BY d.id + 0 DESC LIMIT ?)
	UNION SELECT d.id FROM p, q, documents d WHERE d.search @@ q.q AND lower(d.title) = p.raw)
SELECT d.id, 'document', d.title, '',
	ts_headline('english', d.title || ' ' || d.text, q.q,
		'MaxFragments=1, MaxWords=24, MinWords=8, StartSel=' || p.hs || ', StopSel=' || p.he),
	ts_rank(d.search, q.q) AS score,
	CASE WHEN lower(d.title) = p.raw THEN 1 ELSE 0 END AS exact
FROM p, q, c JOIN documents d ON d.id = c.id
ORDER BY exact DESC, score DESC, d.id LIMIT ?`
}

func (postgresDialect) SearchIndicators() string {
	return searchParams + `, q AS (SELECT plainto_tsquery('english', p.m) AS q FROM p),
c AS ((SELECT i.id FROM q, indicators i WHERE i.search @@ q.q ORDER BY i.id + 0 DESC LIMIT ?)
	UNION SELECT i.id FROM p, q, indicators i WHERE i.search @@ q.q AND i.value = p.raw)
SELECT i.id, 'indicator', i.value, i.type,
	ts_headline('english', i.value || ' ' || i.description, q.q,
		'MaxFragments=1, MaxWords=24, MinWords=8, StartSel=' || p.hs || ', StopSel=' || p.he),
	ts_rank(i.search, q.q) * (CASE WHEN EXISTS (SELECT 1 FROM sightings g WHERE g.indicator_id = i.id) THEN 1.5 ELSE 1 END) AS score,
	CASE WHEN i.value = p.raw THEN 1 ELSE 0 END AS exact
FROM p, q, c JOIN indicators i ON i.id = c.id
ORDER BY exact DESC, score DESC, i.id LIMIT ?`
}

// compactSearch: a GIN index keeps new entries in a pending list (up to
// gin_pending_list_limit, 4 MB) that every search reads through until
// VACUUM or ANALYZE moves them into the index (an IOC import's ANALYZE
// does); after `spoor migrate` copied the mirror into PostgreSQL the
// indicators' list held 48,000 entries and a search of them spent 9 ms
// reading it, the facet counts 11 ms. gin_clean_pending_list moves them
// at once; it needs the index's owner, so a role that is not one
// (migrations run by another) leaves the work to autovacuum instead of
// failing the import.
func (postgresDialect) compactSearch(table string) string {
	return fmt.Sprintf(`SELECT gin_clean_pending_list(c.oid) FROM pg_class c
WHERE c.oid = to_regclass('%s_search') AND pg_has_role(c.relowner, 'USAGE')`, table)
}

// SearchCounts compares with the query as a scalar subquery: joined to
// q, which the three counts share and PostgreSQL therefore materialises,
// the documents were counted by a sequential scan testing all 21,948 of
// them (11 ms on the mirror) instead of through their GIN index.
func (postgresDialect) SearchCounts() string {
	return `WITH q AS (SELECT plainto_tsquery('english', CAST(? AS TEXT)) AS q)
SELECT o.kind, COUNT(*) FROM objects o WHERE o.search @@ (SELECT q FROM q) AND o.revoked = 0 AND o.deprecated = 0 GROUP BY o.kind
UNION ALL SELECT 'document', COUNT(*) FROM documents d WHERE d.search @@ (SELECT q FROM q)
UNION ALL SELECT 'indicator', COUNT(*) FROM indicators i WHERE i.search @@ (SELECT q FROM q)`
}

// BulkIndicators: custom plans for the lookups of stored rows. After
// five runs PostgreSQL may switch a prepared statement to a generic plan;
// for the chunked lookups (type = ? AND value IN (500 values)) one costed
// while the table was nearly empty scans the table for every chunk of a
// large list (minutes instead of seconds). Only the lookups: the inserts
// and the foreign-key checks they fire run 3× slower when every
// execution is planned anew. SET LOCAL ends with the transaction at the
// latest.
func (postgresDialect) BulkIndicators() BulkHooks {
	return BulkHooks{
		// Two imports that both found the table empty and both dropped
		// its indexes each waited for the other's lock on it (a deadlock
		// PostgreSQL ended by failing one); the one that cannot have the
		// table at once keeps the indexes instead.
		DeferLock: "LOCK TABLE indicators IN ACCESS EXCLUSIVE MODE NOWAIT",
		Lookup:    []string{"SET LOCAL plan_cache_mode = force_custom_plan"},
		Unlookup:  []string{"SET LOCAL plan_cache_mode = DEFAULT"},
		// Without statistics the planner takes value = ANY(500 values)
		// for most of a table and scans it: a re-import right after a
		// large first one (before autovacuum analyzes) spent its time in
		// sequential scans of the lookups.
		Analyze: []string{"ANALYZE indicators, indicator_sources, event_indicators"},
		Copy:    true,
	}
}

func (postgresDialect) rowsSource(r *rowSet) (string, []any) { return unnestSource(r) }

// copyRows sends rows with COPY … FROM STDIN in the binary format through
// pgx on the transaction's connection: one round trip and no SQL to parse
// or bind per row, whatever the run's size.
func (postgresDialect) copyRows(ctx context.Context, conn *sql.Conn, table string, cols []string, r *rowSet) error {
	k := len(r.kinds)
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy into %s: the connection is a %T, not pgx's", table, dc)
		}
		n, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(r.n, func(i int) ([]any, error) {
			return r.args[i*k : (i+1)*k], nil
		}))
		if err == nil && int(n) != r.n {
			err = fmt.Errorf("copy into %s: %d of %d rows", table, n, r.n)
		}
		return err
	})
}

// inText and inInt pass the list as one array: one query text and one
// parameter whatever its length, cheap to bind and to plan.
func (postgresDialect) inText(values []string) (string, []any) {
	return "= ANY(CAST(? AS TEXT[]))", []any{values}
}

func (postgresDialect) inInt(values []int64) (string, []any) {
	return "= ANY(CAST(? AS BIGINT[]))", []any{values}
}
