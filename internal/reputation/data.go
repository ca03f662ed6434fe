package reputation

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Columns are the columns of a labelled CSV, as in
// ../shared/data/domain-reputation/domains.csv.gz.
var Columns = []string{"domain", "label", "category", "family", "rank", "source"}

// Labels of the labelled data.
var dataLabels = []string{Malicious, Suspicious, Benign}

// Row is one labelled row.
type Row struct {
	Domain, Label, Category, Family string
	Rank                            int // popularity rank, 0 if none
	Source                          string
	Line                            int
}

// LineError is a malformed row.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ReadStats counts what ReadCSV read.
type ReadStats struct {
	Rows         int   `json:"rows"`
	Skipped      int   `json:"skipped"`
	SkippedLines []int `json:"skipped_lines,omitempty"` // the first 20
}

// ReadCSV reads a labelled CSV, plain or gzip-compressed (told apart by
// the gzip magic bytes). The header must name the six Columns, in any
// order. A malformed row — wrong field count, an unknown label, a rank
// that is not a positive number, an empty domain — is a *LineError, unless
// skipBad, which skips and counts it. Whether a domain is a valid name is
// Prepare's business: a block list's odd entry is data, not a broken file.
func ReadCSV(r io.Reader, skipBad bool) ([]Row, ReadStats, error) {
	var st ReadStats
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, st, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, st, &LineError{Line: 1, Err: errors.New("empty file: no header")}
		}
		return nil, st, &LineError{Line: 1, Err: err}
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, c := range Columns {
		if _, ok := col[c]; !ok {
			return nil, st, &LineError{Line: 1, Err: fmt.Errorf("header lacks column %q (want %s)", c, strings.Join(Columns, ","))}
		}
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var row Row
		line := 0
		if err == nil {
			line, _ = cr.FieldPos(0)
			row, err = parseRow(rec, col, len(head))
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line, err = pe.Line, pe.Err
			}
			if !skipBad {
				return nil, st, &LineError{Line: line, Err: err}
			}
			st.Skipped++
			if len(st.SkippedLines) < 20 {
				st.SkippedLines = append(st.SkippedLines, line)
			}
			continue
		}
		row.Line = line
		rows = append(rows, row)
		st.Rows++
	}
	return rows, st, nil
}

func parseRow(rec []string, col map[string]int, fields int) (Row, error) {
	if len(rec) != fields {
		return Row{}, fmt.Errorf("%d fields, the header has %d", len(rec), fields)
	}
	get := func(c string) string { return strings.TrimSpace(rec[col[c]]) }
	row := Row{Domain: strings.ToLower(get("domain")), Label: get("label"), Category: get("category"),
		Family: get("family"), Source: get("source")}
	if row.Domain == "" {
		return Row{}, errors.New("empty domain")
	}
	if !slices.Contains(dataLabels, row.Label) {
		return Row{}, fmt.Errorf("label %q is not malicious, suspicious or benign", row.Label)
	}
	if s := get("rank"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return Row{}, fmt.Errorf("rank %q is not a positive number", s)
		}
		row.Rank = n
	}
	return row, nil
}

// Example is one distinct, parsed domain with its label.
type Example struct {
	Name       Name
	Malicious  bool // false: benign, unless Suspicious
	Suspicious bool
	Category   int // CategoryIndex of the data category (malicious only)
	RawCat     string
	Family     string // "" for benign rows
	Rank       int
}

// group is the key that keeps related names on one side of a split: the
// family for block-list names, the name itself otherwise.
func (e *Example) group() string {
	if e.Family != "" {
		return "f:" + e.Family
	}
	return "d:" + e.Name.Domain
}

// DataSummary says what Prepare kept and dropped.
type DataSummary struct {
	Rows         int            `json:"rows"`
	Distinct     int            `json:"distinct"`
	InvalidNames int            `json:"invalid_names"` // rows whose domain is not a valid name
	Conflicts    int            `json:"conflicts"`     // names labelled benign and bad: dropped
	Benign       int            `json:"benign"`
	Malicious    int            `json:"malicious"`
	Suspicious   int            `json:"suspicious"` // kept aside: neither class of the binary model
	Families     int            `json:"families"`
	Categories   map[string]int `json:"categories"` // malicious names per model category
}

// Prepare parses and deduplicates rows. A name keeps its first row of its
// worst label (malicious over suspicious), so it has one family; a name
// labelled both benign and bad is dropped, since the data disagrees with
// itself about it.
func Prepare(rows []Row) ([]Example, DataSummary) {
	sum := DataSummary{Rows: len(rows), Categories: map[string]int{}}
	type seen struct {
		idx            int
		benign, badRow bool
	}
	byName := make(map[string]*seen, len(rows))
	var exs []Example
	for _, r := range rows {
		n, err := ParseName(r.Domain)
		if err != nil {
			sum.InvalidNames++
			continue
		}
		ex := Example{Name: n, Rank: r.Rank}
		switch r.Label {
		case Malicious:
			ex.Malicious, ex.Family, ex.RawCat = true, r.Family, r.Category
			ex.Category = CategoryIndex(r.Category)
		case Suspicious:
			ex.Suspicious, ex.Family, ex.RawCat = true, r.Family, r.Category
		}
		s := byName[n.Domain]
		if s == nil {
			byName[n.Domain] = &seen{idx: len(exs), benign: r.Label == Benign, badRow: r.Label != Benign}
			exs = append(exs, ex)
			continue
		}
		s.benign = s.benign || r.Label == Benign
		s.badRow = s.badRow || r.Label != Benign
		if old := &exs[s.idx]; old.Suspicious && ex.Malicious {
			*old = ex
		}
	}
	sum.Distinct = len(exs)
	out := exs[:0]
	fams := map[string]bool{}
	for _, ex := range exs {
		if s := byName[ex.Name.Domain]; s.benign && s.badRow {
			sum.Conflicts++
			continue
		}
		switch {
		case ex.Malicious:
			sum.Malicious++
			sum.Categories[Categories[ex.Category]]++
			fams[ex.Family] = true
		case ex.Suspicious:
			sum.Suspicious++
		default:
			sum.Benign++
		}
		out = append(out, ex)
	}
	sum.Families = len(fams)
	return out, sum
}
