package store

import (
	"strconv"
	"strings"
)

// colKind is the SQL type of a rowSet column.
type colKind int

const (
	colText colKind = iota // TEXT, from string
	colInt                 // BIGINT, from int64
	colReal                // REAL / DOUBLE PRECISION, from float64
	colRef                 // BIGINT reference, from int64; 0 is NULL
)

// rowSet holds the rows of a multi-row INSERT column by column, so that
// each dialect can pass them its own way (rowsSource): SQLite as a VALUES
// list of one parameter per value, PostgreSQL as one array parameter per
// column, which it parses, binds and plans once whatever the row count.
type rowSet struct {
	kinds []colKind
	text  [][]string
	ints  [][]int64
	reals [][]float64
	args  []any // the values row by row, as valuesSource binds them
	n     int
}

func newRowSet(kinds ...colKind) *rowSet {
	return &rowSet{kinds: kinds, text: make([][]string, len(kinds)), ints: make([][]int64, len(kinds)),
		reals: make([][]float64, len(kinds))}
}

// add appends one row; vals are string, int64 or float64 by column kind.
// The values are kept both by column (for unnestSource) and as given,
// already boxed, for valuesSource: boxing them again per statement was a
// tenth of a large import's Go time.
func (r *rowSet) add(vals ...any) {
	for i, v := range vals {
		switch r.kinds[i] {
		case colText:
			r.text[i] = append(r.text[i], v.(string))
		case colInt:
			r.ints[i] = append(r.ints[i], v.(int64))
		case colRef:
			r.ints[i] = append(r.ints[i], v.(int64))
			v = nullID(v.(int64))
		case colReal:
			r.reals[i] = append(r.reals[i], v.(float64))
		}
		r.args = append(r.args, v)
	}
	r.n++
}

// valuesSource is the portable row source: VALUES (?, …), … with the
// values row by row.
func valuesSource(r *rowSet) (string, []any) {
	return "VALUES " + placeholders(r.n, len(r.kinds)), r.args
}

// unnestSource is PostgreSQL's row source: a SELECT over unnest of one
// typed array per column.
func unnestSource(r *rowSet) (string, []any) {
	var sel, fn strings.Builder
	args := make([]any, len(r.kinds))
	for c, k := range r.kinds {
		if c > 0 {
			sel.WriteString(", ")
			fn.WriteString(", ")
		}
		col := "u.c" + strconv.Itoa(c)
		switch k {
		case colText:
			sel.WriteString(col)
			fn.WriteString("CAST(? AS TEXT[])")
			args[c] = r.text[c]
		case colInt:
			sel.WriteString(col)
			fn.WriteString("CAST(? AS BIGINT[])")
			args[c] = r.ints[c]
		case colRef:
			sel.WriteString("NULLIF(" + col + ", 0)")
			fn.WriteString("CAST(? AS BIGINT[])")
			args[c] = r.ints[c]
		case colReal:
			sel.WriteString(col)
			fn.WriteString("CAST(? AS DOUBLE PRECISION[])")
			args[c] = r.reals[c]
		}
	}
	names := make([]string, len(r.kinds))
	for c := range names {
		names[c] = "c" + strconv.Itoa(c)
	}
	return "SELECT " + sel.String() + " FROM unnest(" + fn.String() + ") AS u(" + strings.Join(names, ", ") + ")", args
}
