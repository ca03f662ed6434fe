package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"unicode"

	"github.com/spoor/spoor/internal/intel"
)

// Dialect names what SQLite and PostgreSQL do differently; everything else
// is shared SQL in this package. Implementations: SQLite() and Postgres().
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// Rebind turns the shared '?' placeholders into the engine's.
	Rebind(query string) string
	// MapError turns engine errors into intel errors where a user should
	// see a code (unique violation → CodeConflict); others pass through.
	MapError(err error) error
	// MigrationLock is a statement run first in each migration transaction
	// so that concurrent replicas do not migrate at once ("" for none).
	MigrationLock() string
	// LockRows ends a SELECT inside a write transaction so that the rows
	// it reads stay as read until the transaction ends (" FOR UPDATE"),
	// or is "" where a write transaction holds the whole database.
	LockRows() string

	// MatchArg turns quoted search terms into the engine's full-text query
	// argument.
	MatchArg(terms []string) string
	// SearchObjects, SearchDocuments and SearchIndicators return full-text
	// queries that start with searchParams and end with a LIMIT ?; the
	// arguments are those of searchParams, then the kind filter's (objects
	// only), then, for documents and indicators, the cap on the matches
	// ranked (searchRankCap: they rank the newest matches up to it, and the
	// exact ones wherever they are, so that a word found in every domain
	// costs no more than a rare one), then the limit. Each returns the columns id, kind, title,
	// external_id, snippet, score (higher is better) and exact (2 when the
	// name, alias or external ID equals the whole query, 1 when the name
	// starts with it, else 0; documents and indicators use 1 for equal
	// title or value). An indicator that was sighted scores half as
	// much again: what was seen in one's own logs stands higher than what
	// was only reported. SearchObjects has one %s where the kind filter
	// ("AND o.kind IN (…)") goes.
	SearchObjects() string
	SearchDocuments() string
	SearchIndicators() string
	// SearchCounts counts the hits of a match argument per kind (object
	// kinds, 'document', 'indicator'): the facets of a search.
	SearchCounts() string
	// compactSearch is the statement that merges the full-text index of
	// table (objects, documents or indicators) into one piece after a
	// large write, or "" when the engine needs none (see
	// Store.compactSearch).
	compactSearch(table string) string

	// BulkIndicators names the statements ImportIndicators runs to write
	// a large batch fast; see BulkHooks.
	BulkIndicators() BulkHooks
	// rowsSource returns the row source of a multi-row INSERT of rows
	// (VALUES … or a SELECT) and its arguments.
	rowsSource(rows *rowSet) (string, []any)
	// copyRows loads rows into table (a temporary table of the
	// transaction on conn) with the engine's bulk load; only called where
	// BulkHooks.Copy says there is one.
	copyRows(ctx context.Context, conn *sql.Conn, table string, cols []string, rows *rowSet) error
	// inText and inInt return the condition that follows a column to
	// test membership in a list ("IN (?, …)" or "= ANY(?)") and its
	// arguments.
	inText(values []string) (string, []any)
	inInt(values []int64) (string, []any)

	// catalog reads the schema from the database (catalog.go), for the
	// copier, backups and table counts.
	catalog
}

// BulkHooks are the engine-specific statements of a bulk indicator
// import; none takes arguments. Session runs on the import's connection
// before its transaction begins and Unsession after it ends, whatever the
// outcome (connection settings such as SQLite's foreign-key checks); Begin runs
// first inside the transaction and End last before the audit row, so
// whatever they switch off is never seen off by another connection.
// Lookup and Unlookup run around each batch of lookups of stored rows.
// Run runs after each run of rows (a stream is written in runs; see
// iocChunkRows), before the next can update what it wrote.
// Analyze runs before End when the import wrote at least analyzeRows
// rows, so that the planner knows the tables it filled. OwnIDs says the
// import may number new indicators itself, from the largest id stored
// when it began (see iocImport.insertNew). Copy says the dialect loads a
// run's rows into temporary tables with copyRows, from which one INSERT …
// SELECT writes them, instead of multi-row statements of bulkRows.
// DeferLock, when set, takes the indicators table for the import alone
// before it drops the secondary indexes of an empty table
// (iocImport.deferIndexes), without waiting: it fails at once when
// another transaction holds any lock on the table, and the import then
// keeps the indexes up as it goes.
type BulkHooks struct {
	Session, Unsession []string
	Begin, End         []string
	Lookup, Unlookup   []string
	Run                []string
	Analyze            []string
	OwnIDs             bool
	Copy               bool
	DeferLock          string
}

// searchParams binds the search arguments once, by name, so each dialect's
// query can use them several times: highlight start and end markers, the
// query folded by intel.NormalizeName, the query in lower case, and the
// MatchArg text. CAST gives PostgreSQL the parameter types.
const searchParams = `WITH p AS (SELECT CAST(? AS TEXT) AS hs, CAST(? AS TEXT) AS he,
	CAST(? AS TEXT) AS norm, CAST(? AS TEXT) AS raw, CAST(? AS TEXT) AS m)
`

// conflictError is a unique-constraint violation, whichever engine.
func conflictError(err error) error {
	return &intel.Error{Code: intel.CodeConflict, Message: "already exists", Err: err}
}

func invalidRefError(err error) error {
	return &intel.Error{Code: intel.CodeInvalid, Message: "refers to a missing record", Err: err}
}

// passIntel reports whether err is already an intel error and needs no mapping.
func passIntel(err error) bool {
	_, ok := errors.AsType[*intel.Error](err)
	return ok
}

// rebindDollar rewrites '?' as $1, $2… outside quoted strings and
// identifiers.
func rebindDollar(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// searchTerms splits user text into words for a full-text query. A word
// is kept only if it holds a letter or digit; the dialect quotes each, so
// operators (OR, NEAR, *, parentheses) and SQL metacharacters are inert.
func searchTerms(text string) []string {
	var terms []string
	for _, w := range strings.Fields(text) {
		// Drop characters that could end a quoted FTS string or mean
		// something to a tsquery parser; keep the rest (dots, @, slashes)
		// because indicator values need them.
		w = strings.Map(func(r rune) rune {
			switch r {
			case '"', '\'', '\\', '(', ')', '*', ':', '&', '|', '!', '<', '>', '^', '{', '}', '[', ']', ';', '+':
				return ' '
			}
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, w)
		for _, p := range strings.Fields(w) {
			if strings.IndexFunc(p, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
				terms = append(terms, p)
			}
		}
		if len(terms) >= 16 { // a query longer than this is not a search
			break
		}
	}
	return terms
}
