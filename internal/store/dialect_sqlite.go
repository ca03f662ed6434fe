package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// SQLite returns the dialect of modernc.org/sqlite: '?' placeholders and
// FTS5 external-content tables kept in sync by triggers.
func SQLite() Dialect { return sqliteDialect{} }

type sqliteDialect struct{}

func (sqliteDialect) Name() string               { return "sqlite" }
func (sqliteDialect) Rebind(query string) string { return query }
func (sqliteDialect) MigrationLock() string      { return "" }

// LockRows is empty: write transactions begin IMMEDIATE (the store opens
// SQLite with _txlock=immediate), so one writer holds the database.
func (sqliteDialect) LockRows() string { return "" }

// SQLite extended result codes (sqlite3.h); matched by value so that this
// package does not import the driver.
const (
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
	sqliteConstraintForeignKey = 787
)

func (sqliteDialect) MapError(err error) error {
	if err == nil || passIntel(err) {
		return err
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		switch coded.Code() {
		case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
			return conflictError(err)
		case sqliteConstraintForeignKey:
			return invalidRefError(err)
		}
	}
	return err
}

// MatchArg quotes every term as an FTS5 string ("a.b" "c"): a quoted
// string is a phrase of its tokens, so no term can act as an operator.
func (sqliteDialect) MatchArg(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	return strings.Join(q, " ")
}

// The bm25 weights favour names, aliases and IDs over descriptions. bm25
// is lower-is-better, so score negates it. The matches are ranked first
// and snippets cut for the page's rows only: tokenising every match's
// description for its snippet was three quarters of the query's time
// (161 matches of "powershell").
func (sqliteDialect) SearchObjects() string {
	return searchParams + `, top AS (SELECT o.id, -bm25(objects_fts, 10.0, 8.0, 10.0, 1.0) AS score,
	CASE WHEN o.name_norm = p.norm OR o.external_id_norm = p.norm
		OR EXISTS (SELECT 1 FROM aliases a WHERE a.object_id = o.id AND a.alias_norm = p.norm) THEN 2
		WHEN substr(o.name_norm, 1, length(p.norm)) = p.norm THEN 1 ELSE 0 END AS exact
FROM p, objects_fts JOIN objects o ON o.id = objects_fts.rowid
WHERE objects_fts MATCH p.m AND o.revoked = 0 AND o.deprecated = 0 %s
ORDER BY exact DESC, score DESC, o.id LIMIT ?)
SELECT o.id, o.kind, o.name, o.external_id, snippet(objects_fts, -1, p.hs, p.he, '…', 16), t.score, t.exact
FROM p CROSS JOIN top t CROSS JOIN objects_fts JOIN objects o ON o.id = t.id
WHERE objects_fts MATCH p.m AND objects_fts.rowid = t.id
ORDER BY t.exact DESC, t.score DESC, o.id`
}

// SearchDocuments and SearchIndicators rank a bounded set of candidates
// (see Dialect.SearchDocuments): the newest matches up to the cap, and the
// exact ones wherever they are. bm25 runs on those only, and snippet on
// the page's rows only, after the ranking: a word in every domain ("com")
// matched tens of thousands of rows, and scoring and cutting a snippet of
// each took 100 ms. The newest matches come from the index in rowid
// order, no sort: the match argument is a scalar subquery, since with p
// joined in FTS5 does not promise the order.
func (sqliteDialect) SearchDocuments() string {
	// The exact titles come from the index on lower(title) (migration
	// 0034). The query's text is a scalar subquery, and its + drops the
	// TEXT affinity of p.raw: with either a join to p or that affinity,
	// SQLite scanned the whole index instead of searching it.
	return searchParams + `, ex AS MATERIALIZED (SELECT d.id FROM documents d WHERE lower(d.title) = (SELECT +raw FROM p)),
ranked AS (
	SELECT * FROM (SELECT documents_fts.rowid AS id, -bm25(documents_fts, 5.0, 1.0) AS score
		FROM documents_fts WHERE documents_fts MATCH (SELECT m FROM p) ORDER BY documents_fts.rowid DESC LIMIT ?)
	UNION SELECT documents_fts.rowid, -bm25(documents_fts, 5.0, 1.0) FROM p, documents_fts
	WHERE documents_fts MATCH p.m AND documents_fts.rowid IN (SELECT id FROM ex)),
top AS (SELECT r.id, r.score, CASE WHEN r.id IN (SELECT id FROM ex) THEN 1 ELSE 0 END AS exact
	FROM ranked r ORDER BY exact DESC, score DESC, r.id LIMIT ?)
SELECT d.id, 'document', d.title, '', snippet(documents_fts, -1, p.hs, p.he, '…', 16), t.score, t.exact
FROM p CROSS JOIN top t CROSS JOIN documents_fts JOIN documents d ON d.id = t.id
WHERE documents_fts MATCH p.m AND documents_fts.rowid = t.id
ORDER BY t.exact DESC, t.score DESC, d.id`
}

func (sqliteDialect) SearchIndicators() string {
	return searchParams + `, ex AS MATERIALIZED (SELECT i.id FROM indicators i WHERE i.value = (SELECT raw FROM p)),
ranked AS (
	SELECT * FROM (SELECT indicators_fts.rowid AS id, -bm25(indicators_fts, 10.0, 1.0, 2.0) AS score
		FROM indicators_fts WHERE indicators_fts MATCH (SELECT m FROM p) ORDER BY indicators_fts.rowid DESC LIMIT ?)
	UNION SELECT indicators_fts.rowid, -bm25(indicators_fts, 10.0, 1.0, 2.0) FROM p, indicators_fts
	WHERE indicators_fts MATCH p.m AND indicators_fts.rowid IN (SELECT id FROM ex)),
top AS (SELECT r.id, r.score * (CASE WHEN EXISTS (SELECT 1 FROM sightings g WHERE g.indicator_id = r.id) THEN 1.5 ELSE 1 END) AS score,
	CASE WHEN r.id IN (SELECT id FROM ex) THEN 1 ELSE 0 END AS exact
	FROM ranked r ORDER BY exact DESC, score DESC, r.id LIMIT ?)
SELECT i.id, 'indicator', i.value, i.type, snippet(indicators_fts, -1, p.hs, p.he, '…', 16), t.score, t.exact
FROM p CROSS JOIN top t CROSS JOIN indicators_fts JOIN indicators i ON i.id = t.id
WHERE indicators_fts MATCH p.m AND indicators_fts.rowid = t.id
ORDER BY t.exact DESC, t.score DESC, i.id`
}

// compactSearch: FTS5's 'optimize' merges the index's segments (and drops
// the entries of deleted rows) into one. A bulk write leaves several
// behind, and every query reads and merges each segment's doclists; on the
// mirror one segment instead of five made a search for "com" among the
// indicators three times as fast, for 0.17 s of work after the import.
func (sqliteDialect) compactSearch(table string) string {
	return fmt.Sprintf("INSERT INTO %[1]s_fts (%[1]s_fts) VALUES ('optimize')", table)
}

func (sqliteDialect) SearchCounts() string {
	return `WITH p AS (SELECT CAST(? AS TEXT) AS m)
SELECT o.kind, COUNT(*) FROM p, objects_fts JOIN objects o ON o.id = objects_fts.rowid
WHERE objects_fts MATCH p.m AND o.revoked = 0 AND o.deprecated = 0 GROUP BY o.kind
UNION ALL SELECT 'document', COUNT(*) FROM p, documents_fts WHERE documents_fts MATCH p.m
UNION ALL SELECT 'indicator', COUNT(*) FROM p, indicators_fts WHERE indicators_fts MATCH p.m`
}

// BulkIndicators: the import keeps the connection's 32 MiB page cache
// (sqlite.Open). With the secondary indexes built at the end of an import
// into an empty table, a larger cache no longer pays: 128 MiB ran the
// real 175k-row list in the same time and a synthetic 1M-row list 4 %
// faster, for 45 and 200 MB more peak memory (docs/benchmarks.md);
// foreign-key checks off for the import's transaction (about 15 % of its
// CPU: every id it writes into a reference column was read or returned
// by the same transaction on the only writer connection, and it deletes
// nothing, so no check could fail; Unsession turns them back on, and
// bulkTx discards the connection if it cannot); and the FTS insert
// trigger of indicators paused (migration 0007) while the rows go in, the
// new rows then indexed by one INSERT … SELECT. New
// rows are those above the largest id before the import (or the last
// run of a streamed list, Run): SQLite gives a new rowid above the
// largest one. Updates of older rows keep their
// trigger, which needs the old values for the FTS 'delete' command.
// OwnIDs: the import's transaction holds the database's write lock, so
// the ids above the largest one at its start are its own to give.
func (sqliteDialect) BulkIndicators() BulkHooks {
	return BulkHooks{
		OwnIDs:    true,
		Session:   []string{"PRAGMA foreign_keys = OFF"},
		Unsession: []string{"PRAGMA foreign_keys = ON"},
		Begin: []string{`DELETE FROM indicators_fts_pause`,
			`INSERT INTO indicators_fts_pause (max_id) SELECT COALESCE(MAX(id), 0) FROM indicators`},
		Run: sqliteFTSFill,
		End: append(slices.Clone(sqliteFTSFill), `DELETE FROM indicators_fts_pause`),
	}
}

// sqliteFTSFill indexes the rows a run of an import added and moves the
// pause's mark past them: a later run may update them, and their update
// trigger's FTS 'delete' needs the row indexed (deleting a row FTS5 never
// had corrupts the index).
var sqliteFTSFill = []string{`INSERT INTO indicators_fts (rowid, value, description, tags)
SELECT id, value, description, tags FROM indicators WHERE id > (SELECT max_id FROM indicators_fts_pause) ORDER BY id`,
	`UPDATE indicators_fts_pause SET max_id = (SELECT COALESCE(MAX(id), 0) FROM indicators)`}

func (sqliteDialect) rowsSource(r *rowSet) (string, []any) { return valuesSource(r) }

// copyRows: SQLite has no bulk load; multi-row statements are as fast
// in-process (BulkHooks.Copy is false).
func (sqliteDialect) copyRows(context.Context, *sql.Conn, string, []string, *rowSet) error {
	return errors.New("sqlite: no bulk load")
}

func (sqliteDialect) inText(values []string) (string, []any) {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return "IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ") + ")", args
}

func (sqliteDialect) inInt(values []int64) (string, []any) {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return "IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ") + ")", args
}
