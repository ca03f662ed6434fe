package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
)

// column is one stored column of a table, as the engine reports it.
type column struct {
	name string
	pk   int // position in the primary key, from 1; 0 when not part of it
}

// catalog is what a dialect reports of the schema in its database. The
// copier, backups and table counts read table and column lists from here,
// not from a list kept by hand, so a table a migration adds is never
// forgotten.
type catalog interface {
	// tables lists the base tables of the current schema, sorted: the
	// engine's own tables and full-text index tables (SQLite's FTS5
	// virtual and shadow tables) are left out.
	tables(ctx context.Context, q querier) ([]string, error)
	// columns lists the stored columns of a table in order; generated
	// columns (PostgreSQL's tsvectors) are left out.
	columns(ctx context.Context, q querier, table string) ([]column, error)
	// references lists the tables a table's foreign keys point at.
	references(ctx context.Context, q querier, table string) ([]string, error)
	// resetSequence makes the identity column of a table, if it has
	// one, continue after the largest value stored.
	resetSequence(ctx context.Context, q querier, table string) error
	// secondaryIndexes lists the indexes of a table that enforce nothing
	// (neither primary nor unique), each with the statement that creates
	// it again, sorted by name: those a bulk load may drop and rebuild.
	secondaryIndexes(ctx context.Context, q querier, table string) ([]tableIndex, error)
	// snapshot is the options of a read transaction that sees one
	// consistent state of the database throughout.
	snapshot() *sql.TxOptions
	// backupInto is a statement that writes a consistent copy of the
	// database to the file named by its one argument, "" when the
	// engine has none (PostgreSQL: pg_dump).
	backupInto() string
	// integrityCheck is a query whose rows are "ok" when the database
	// file is sound, "" when the engine keeps that to itself.
	integrityCheck() string
}

// SecondaryIndexes returns the statements that create the indexes of
// table that enforce nothing (neither primary nor unique), by index
// name, as the engine reports them: what a bulk import may drop and
// build again, for checks that it left them as they were.
func (s *Store) SecondaryIndexes(ctx context.Context, table string) (map[string]string, error) {
	ixs, err := s.d.secondaryIndexes(ctx, s.rdb, table)
	if err != nil {
		return nil, s.wrap("indexes of "+table, err)
	}
	out := make(map[string]string, len(ixs))
	for _, ix := range ixs {
		out[ix.name] = ix.create
	}
	return out, nil
}

// tableIndex is an index as the engine stores it: its name and the
// statement that creates it.
type tableIndex struct{ name, create string }

func queryIndexes(ctx context.Context, q querier, query, table string) ([]tableIndex, error) {
	return queryRows(ctx, q, query, []any{table}, func(r *sql.Rows) (ix tableIndex, err error) {
		if err = r.Scan(&ix.name, &ix.create); err == nil {
			err = checkIdent(ix.name)
		}
		return ix, err
	})
}

// queryRows runs a catalog query and reads each row with scan.
func queryRows[T any](ctx context.Context, q querier, query string, args []any, scan func(*sql.Rows) (T, error)) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// notCopied are the tables of a schema that are not data to copy, with
// why. Every other table is copied, and must exist in both dialects.
var notCopied = map[string]string{
	"schema_migrations":    "each database records its own migrations",
	"indicators_fts_pause": "SQLite only, and empty outside a bulk import's transaction",
	"data_generation":      "each database counts its own writes; the copy increments the target's",
}

// identRE is what a table or column name may look like: names come from
// the database's catalog and are spliced into statements, so anything
// else is refused rather than quoted.
var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

func checkIdent(name string) error {
	if !identRE.MatchString(name) {
		return fmt.Errorf("unexpected name %q in the schema", name)
	}
	return nil
}

func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	return queryRows(ctx, q, query, args, func(r *sql.Rows) (v string, err error) {
		return v, r.Scan(&v)
	})
}

func queryColumns(ctx context.Context, q querier, query string, args ...any) ([]column, error) {
	return queryRows(ctx, q, query, args, func(r *sql.Rows) (c column, err error) {
		if err = r.Scan(&c.name, &c.pk); err == nil {
			err = checkIdent(c.name)
		}
		return c, err
	})
}

// SQLite: the table_list, table_xinfo and foreign_key_list pragmas.

func (sqliteDialect) tables(ctx context.Context, q querier) ([]string, error) {
	return queryStrings(ctx, q, `SELECT name FROM pragma_table_list
WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
}

// columns keeps hidden = 0: 1 marks a virtual table's hidden column, 2
// and 3 generated columns.
func (sqliteDialect) columns(ctx context.Context, q querier, table string) ([]column, error) {
	return queryColumns(ctx, q, `SELECT name, pk FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid`, table)
}

func (sqliteDialect) references(ctx context.Context, q querier, table string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?) ORDER BY 1`, table)
}

// secondaryIndexes: indexes a table's constraints make (UNIQUE, PRIMARY
// KEY) have no SQL of their own, and CREATE UNIQUE INDEX ones are left
// out, so that what remains enforces nothing.
func (sqliteDialect) secondaryIndexes(ctx context.Context, q querier, table string) ([]tableIndex, error) {
	return queryIndexes(ctx, q, `SELECT name, sql FROM sqlite_schema
WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE %' ORDER BY name`, table)
}

// resetSequence has nothing to do: an INTEGER PRIMARY KEY continues after
// the largest rowid by itself.
func (sqliteDialect) resetSequence(context.Context, querier, string) error { return nil }

// snapshot: a deferred transaction reads one snapshot from its first
// read under WAL.
func (sqliteDialect) snapshot() *sql.TxOptions { return nil }

func (sqliteDialect) backupInto() string { return `VACUUM INTO ?` }

func (sqliteDialect) integrityCheck() string { return `PRAGMA integrity_check` }

// PostgreSQL: pg_catalog, in the current schema (the first of the
// search_path), which is the one the store's unqualified names resolve to.

func (postgresDialect) tables(ctx context.Context, q querier) ([]string, error) {
	return queryStrings(ctx, q, `SELECT c.relname FROM pg_class c
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relkind IN ('r', 'p') ORDER BY c.relname COLLATE "C"`)
}

func (postgresDialect) columns(ctx context.Context, q querier, table string) ([]column, error) {
	return queryColumns(ctx, q, `SELECT a.attname,
	COALESCE((SELECT k.n FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
		WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum), 0)
FROM pg_attribute a
WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1))
	AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum`, table)
}

func (postgresDialect) references(ctx context.Context, q querier, table string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT DISTINCT f.relname FROM pg_constraint co JOIN pg_class f ON f.oid = co.confrelid
WHERE co.contype = 'f' AND co.conrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1))
ORDER BY 1`, table)
}

// resetSequence sets the sequence of each identity or serial column so
// that the next id is one past the largest stored: rows copied with their
// ids do not move it.
func (postgresDialect) resetSequence(ctx context.Context, q querier, table string) error {
	cols, err := queryStrings(ctx, q, `SELECT a.attname FROM pg_attribute a
WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1))
	AND a.attnum > 0 AND NOT a.attisdropped
	AND (a.attidentity <> '' OR pg_get_serial_sequence(quote_ident($1), a.attname) IS NOT NULL) ORDER BY a.attnum`, table)
	if err != nil {
		return err
	}
	for _, c := range cols {
		if err := checkIdent(c); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(%[1]s), 0) + 1, false) FROM %[2]s`,
			quoteIdent(c), quoteIdent(table)), quoteIdent(table), c); err != nil {
			return fmt.Errorf("reset the sequence of %s.%s: %w", table, c, err)
		}
	}
	return nil
}

func (postgresDialect) secondaryIndexes(ctx context.Context, q querier, table string) ([]tableIndex, error) {
	return queryIndexes(ctx, q, `SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1))
	AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion
ORDER BY c.relname COLLATE "C"`, table)
}

func (postgresDialect) snapshot() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
}

func (postgresDialect) backupInto() string { return "" }

func (postgresDialect) integrityCheck() string { return "" }

// quoteIdent quotes a name checked by checkIdent; both engines read
// double-quoted identifiers.
func quoteIdent(name string) string { return `"` + name + `"` }
