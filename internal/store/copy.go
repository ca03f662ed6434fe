package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spoor/spoor/internal/intel"
)

// TableRows is how many rows one table holds.
type TableRows struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

// TableCounts counts the rows of every table that holds data (the tables
// Copy copies), by name, in one consistent snapshot.
func (s *Store) TableCounts(ctx context.Context) ([]TableRows, error) {
	tx, err := s.rdb.BeginTx(ctx, s.d.snapshot())
	if err != nil {
		return nil, s.wrap("count tables", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	tables, err := dataTables(ctx, s.d, tx)
	if err != nil {
		return nil, s.wrap("count tables", err)
	}
	out := make([]TableRows, 0, len(tables))
	for _, t := range tables {
		n, err := countRows(ctx, tx, t)
		if err != nil {
			return nil, s.wrap("count tables", err)
		}
		out = append(out, TableRows{Table: t, Rows: n})
	}
	return out, nil
}

// dataTables lists the tables of the schema that hold data: all but
// notCopied.
func dataTables(ctx context.Context, d Dialect, q querier) ([]string, error) {
	all, err := d.tables(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var out []string
	for _, t := range all {
		if _, skip := notCopied[t]; skip {
			continue
		}
		if err := checkIdent(t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func countRows(ctx context.Context, q querier, table string) (int64, error) {
	var n int64
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(table)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}

// CopyOptions tune Copy.
type CopyOptions struct {
	// Replace empties the target's tables first, so that the target ends
	// an exact copy of the source. Without it rows are inserted, or
	// updated by primary key, and a target that holds rows the source
	// does not fails the count check.
	Replace bool
}

// TableCopy is one table's row counts after a copy: what the source
// held and what the target holds.
type TableCopy struct {
	Table  string `json:"table"`
	Source int64  `json:"source"`
	Target int64  `json:"target"`
}

// Copy copies every table of src into dst, whichever their engines: one
// generic row copier over the migrated schema, reading table and column
// lists from each database (so a new table is copied without being
// named), table by table in foreign-key order, with ids preserved, inside
// one transaction on dst while src is read in one snapshot. Both must be
// at the same migration version. A row already in dst (by primary key)
// is updated, so copying again gives the same rows, not duplicates;
// afterwards dst's identity sequences continue after the copied ids. The
// per-table counts are checked before the commit: when dst then holds
// more rows than src had (it held other data), nothing is committed and
// the counts come back with a CodeConflict error.
func Copy(ctx context.Context, dst, src *Store, opts CopyOptions) ([]TableCopy, error) {
	stx, err := src.rdb.BeginTx(ctx, src.d.snapshot())
	if err != nil {
		return nil, src.wrap("copy: begin reading", err)
	}
	defer stx.Rollback() //nolint:errcheck // read only
	dtx, err := dst.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, dst.wrap("copy: begin writing", err)
	}
	defer dtx.Rollback() //nolint:errcheck // a no-op after Commit

	plan, err := copyPlan(ctx, dst.d, dtx, src.d, stx)
	if err != nil {
		return nil, err
	}
	if opts.Replace {
		for i := len(plan) - 1; i >= 0; i-- {
			if _, err := dtx.ExecContext(ctx, `DELETE FROM `+quoteIdent(plan[i].table)); err != nil {
				return nil, dst.wrap("copy: empty "+plan[i].table, err)
			}
		}
	}
	out := make([]TableCopy, len(plan))
	for i, t := range plan {
		n, err := copyTable(ctx, dst.d, dtx, stx, t)
		if err != nil {
			return nil, dst.wrap("copy "+t.table, err)
		}
		out[i] = TableCopy{Table: t.table, Source: n}
	}
	var differ []string
	for i, t := range plan {
		if err := dst.d.resetSequence(ctx, dtx, t.table); err != nil {
			return nil, dst.wrap("copy", err)
		}
		if out[i].Target, err = countRows(ctx, dtx, t.table); err != nil {
			return nil, dst.wrap("copy", err)
		}
		if out[i].Target != out[i].Source {
			differ = append(differ, fmt.Sprintf("%s (source %d, target %d)", t.table, out[i].Source, out[i].Target))
		}
	}
	if len(differ) > 0 {
		return out, intel.Errorf(intel.CodeConflict, "nothing copied: the target holds rows the source does not, in %s",
			strings.Join(differ, ", "))
	}
	// A copy writes every row of the search indexes: leave them compacted,
	// as a large import does.
	if err := dst.compactSearch(ctx, dtx, "objects", "documents", "indicators"); err != nil {
		return nil, dst.wrap("copy", err)
	}
	if err := dst.bumpGeneration(ctx, dtx); err != nil {
		return nil, err
	}
	if err := dtx.Commit(); err != nil {
		return nil, dst.wrap("copy: commit", err)
	}
	return out, nil
}

// tablePlan is how one table is copied.
type tablePlan struct {
	table string
	cols  []string // in the source's order
	pk    []string // primary-key columns, in key order
}

// copyPlan checks that both schemas are the same migration version and
// hold the same tables and columns, and orders the tables so that each
// comes after the tables its foreign keys point at.
func copyPlan(ctx context.Context, dd Dialect, dq querier, sd Dialect, sq querier) ([]tablePlan, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("store: copy: %w", intel.Errorf(intel.CodeInvalid, format, args...))
	}
	sv, err := appliedVersions(ctx, sq)
	if err != nil {
		return nil, fmt.Errorf("store: copy: source: %w", err)
	}
	dv, err := appliedVersions(ctx, dq)
	if err != nil {
		return nil, fmt.Errorf("store: copy: target: %w", err)
	}
	if !slices.Equal(sv, dv) {
		return nil, fail("the source is at migration %d and the target at %d: open both with this spoor first", last(sv), last(dv))
	}
	st, err := dataTables(ctx, sd, sq)
	if err != nil {
		return nil, fmt.Errorf("store: copy: source: %w", err)
	}
	dt, err := dataTables(ctx, dd, dq)
	if err != nil {
		return nil, fmt.Errorf("store: copy: target: %w", err)
	}
	if only := minus(st, dt); len(only) > 0 {
		return nil, fail("the schemas differ: only the source has table %s", strings.Join(only, ", "))
	}
	if only := minus(dt, st); len(only) > 0 {
		return nil, fail("the schemas differ: only the target has table %s", strings.Join(only, ", "))
	}
	plans := map[string]tablePlan{}
	deps := map[string][]string{}
	for _, t := range st {
		scols, err := sd.columns(ctx, sq, t)
		if err != nil {
			return nil, fmt.Errorf("store: copy: source columns of %s: %w", t, err)
		}
		dcols, err := dd.columns(ctx, dq, t)
		if err != nil {
			return nil, fmt.Errorf("store: copy: target columns of %s: %w", t, err)
		}
		p := tablePlan{table: t}
		var keyed []column
		for _, c := range scols {
			p.cols = append(p.cols, c.name)
			if c.pk > 0 {
				keyed = append(keyed, c)
			}
		}
		var dnames []string
		for _, c := range dcols {
			dnames = append(dnames, c.name)
		}
		if only := minus(p.cols, dnames); len(only) > 0 {
			return nil, fail("the schemas differ: only the source has column %s.%s", t, strings.Join(only, ", "))
		}
		if only := minus(dnames, p.cols); len(only) > 0 {
			return nil, fail("the schemas differ: only the target has column %s.%s", t, strings.Join(only, ", "))
		}
		if len(keyed) == 0 {
			return nil, fail("table %s has no primary key, so it cannot be copied without duplicates", t)
		}
		slices.SortFunc(keyed, func(a, b column) int { return cmp.Compare(a.pk, b.pk) })
		for _, c := range keyed {
			p.pk = append(p.pk, c.name)
		}
		plans[t] = p
		refs, err := sd.references(ctx, sq, t)
		if err != nil {
			return nil, fmt.Errorf("store: copy: foreign keys of %s: %w", t, err)
		}
		for _, r := range refs {
			if r != t {
				deps[t] = append(deps[t], r)
			}
		}
	}
	order, err := dependencyOrder(st, deps)
	if err != nil {
		return nil, fmt.Errorf("store: copy: %w", err)
	}
	out := make([]tablePlan, len(order))
	for i, t := range order {
		out[i] = plans[t]
	}
	return out, nil
}

// dependencyOrder sorts tables so that each follows those it depends on,
// by name among equals (Kahn's algorithm).
func dependencyOrder(tables []string, deps map[string][]string) ([]string, error) {
	waiting := map[string]int{}
	users := map[string][]string{}
	for _, t := range tables {
		for _, d := range deps[t] {
			if !slices.Contains(tables, d) {
				return nil, fmt.Errorf("table %s refers to %s, which is not copied", t, d)
			}
			waiting[t]++
			users[d] = append(users[d], t)
		}
	}
	var ready, order []string
	for _, t := range tables {
		if waiting[t] == 0 {
			ready = append(ready, t)
		}
	}
	for len(ready) > 0 {
		slices.Sort(ready)
		t := ready[0]
		ready = ready[1:]
		order = append(order, t)
		for _, u := range users[t] {
			if waiting[u]--; waiting[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	if len(order) != len(tables) {
		return nil, fmt.Errorf("the foreign keys between %s form a cycle", strings.Join(minus(tables, order), ", "))
	}
	return order, nil
}

// copyBatchParams bounds the parameters of one INSERT (SQLite allows
// 32766, PostgreSQL 65535).
const copyBatchParams = 30000

// copyTable streams a table's rows from the source in batches of
// multi-row upserts and returns how many it read.
func copyTable(ctx context.Context, dd Dialect, dq querier, sq querier, t tablePlan) (int64, error) {
	quoted := make([]string, len(t.cols))
	for i, c := range t.cols {
		quoted[i] = quoteIdent(c)
	}
	rows, err := sq.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+quoteIdent(t.table))
	if err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	defer rows.Close()
	k := len(t.cols)
	per := max(1, min(500, copyBatchParams/k))
	full := upsertStatement(dd, t, quoted, per)
	args := make([]any, 0, per*k)
	var n int64
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		q := full
		if len(args) < per*k {
			q = upsertStatement(dd, t, quoted, len(args)/k)
		}
		if _, err := dq.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		args = args[:0]
		return nil
	}
	vals := make([]any, k)
	ptrs := make([]any, k)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("read: %w", err)
		}
		args = append(args, vals...)
		n++
		if len(args) == per*k {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read: %w", err)
	}
	return n, flush()
}

// upsertStatement inserts n rows, updating the non-key columns of a row
// whose primary key is already there.
func upsertStatement(d Dialect, t tablePlan, quoted []string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES %s ON CONFLICT (", quoteIdent(t.table), strings.Join(quoted, ", "), buildPlaceholders(n, len(quoted)))
	for i, c := range t.pk {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c))
	}
	b.WriteString(") DO ")
	var set []string
	for i, c := range t.cols {
		if !slices.Contains(t.pk, c) {
			set = append(set, quoted[i]+" = excluded."+quoted[i])
		}
	}
	if len(set) == 0 {
		b.WriteString("NOTHING")
	} else {
		b.WriteString("UPDATE SET " + strings.Join(set, ", "))
	}
	return d.Rebind(b.String())
}

func appliedVersions(ctx context.Context, q querier) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	defer rows.Close()
	var vs []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("migration status: %w", err)
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

func last(vs []int64) int64 {
	if len(vs) == 0 {
		return 0
	}
	return vs[len(vs)-1]
}

// minus returns the elements of a not in b, in a's order.
func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
