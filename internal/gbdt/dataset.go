package gbdt

import (
	"fmt"
	"math"
)

// Dataset holds feature rows and their labels. It keeps references to the
// caller's slices (no copy), so they must not change while the Dataset is in
// use. Rows are either dense or compressed sparse rows (CSR); in the sparse
// form an absent entry is 0 and NaN means missing in both forms.
type Dataset struct {
	numRows, numFeat int
	labels           []float64

	dense [][]float64 // dense form: numRows rows of numFeat values

	// CSR form: row r has entries indptr[r]..indptr[r+1] of indices/values.
	indptr  []int
	indices []int32
	values  []float64
}

// NewDataset builds a Dataset from dense rows, all of the same length.
// labels may be nil for a Dataset used only for prediction.
func NewDataset(rows [][]float64, labels []float64) (*Dataset, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("gbdt: new dataset: no rows")
	}
	nf := len(rows[0])
	for i, r := range rows {
		if len(r) != nf {
			return nil, fmt.Errorf("gbdt: new dataset: row %d has %d features, row 0 has %d", i, len(r), nf)
		}
	}
	if err := checkLabels(labels, len(rows)); err != nil {
		return nil, err
	}
	return &Dataset{numRows: len(rows), numFeat: nf, labels: labels, dense: rows}, nil
}

// NewSparseDataset builds a Dataset from compressed sparse rows: row r has
// the values values[indptr[r]:indptr[r+1]] at feature indices
// indices[indptr[r]:indptr[r+1]], which must increase within a row. Absent
// features are 0. labels may be nil for prediction only.
func NewSparseDataset(numFeatures int, indptr []int, indices []int32, values []float64, labels []float64) (*Dataset, error) {
	if len(indptr) < 2 {
		return nil, fmt.Errorf("gbdt: new sparse dataset: no rows (indptr has %d entries)", len(indptr))
	}
	if numFeatures <= 0 {
		return nil, fmt.Errorf("gbdt: new sparse dataset: numFeatures must be > 0, got %d", numFeatures)
	}
	if len(indices) != len(values) {
		return nil, fmt.Errorf("gbdt: new sparse dataset: %d indices but %d values", len(indices), len(values))
	}
	n := len(indptr) - 1
	if indptr[0] != 0 || indptr[n] != len(indices) {
		return nil, fmt.Errorf("gbdt: new sparse dataset: indptr must run from 0 to %d, got %d..%d", len(indices), indptr[0], indptr[n])
	}
	for r := 0; r < n; r++ {
		if indptr[r+1] < indptr[r] {
			return nil, fmt.Errorf("gbdt: new sparse dataset: indptr decreases at row %d", r)
		}
		prev := int32(-1)
		for k := indptr[r]; k < indptr[r+1]; k++ {
			c := indices[k]
			if c <= prev || int(c) >= numFeatures {
				return nil, fmt.Errorf("gbdt: new sparse dataset: row %d: feature index %d out of order or not in [0, %d)", r, c, numFeatures)
			}
			prev = c
		}
	}
	if err := checkLabels(labels, n); err != nil {
		return nil, err
	}
	return &Dataset{numRows: n, numFeat: numFeatures, labels: labels, indptr: indptr, indices: indices, values: values}, nil
}

func checkLabels(labels []float64, n int) error {
	if labels == nil {
		return nil
	}
	if len(labels) != n {
		return fmt.Errorf("gbdt: new dataset: %d labels for %d rows", len(labels), n)
	}
	for i, y := range labels {
		if math.IsNaN(y) || math.IsInf(y, 0) {
			return fmt.Errorf("gbdt: new dataset: label %v at row %d is not finite", y, i)
		}
	}
	return nil
}

// NumRows returns the number of rows.
func (d *Dataset) NumRows() int { return d.numRows }

// NumFeatures returns the number of features.
func (d *Dataset) NumFeatures() int { return d.numFeat }

// Labels returns the labels (nil if none were given); do not modify them.
func (d *Dataset) Labels() []float64 { return d.labels }

// sparse reports whether the Dataset is in CSR form.
func (d *Dataset) sparse() bool { return d.dense == nil }

// rowInto writes row r as dense values into buf (len numFeat) and returns it;
// for dense data it returns the caller's row without copying. clearRow
// undoes the write for sparse data so buf can be reused cheaply.
func (d *Dataset) rowInto(r int, buf []float64) []float64 {
	if d.dense != nil {
		return d.dense[r]
	}
	for k := d.indptr[r]; k < d.indptr[r+1]; k++ {
		buf[d.indices[k]] = d.values[k]
	}
	return buf
}

func (d *Dataset) clearRow(r int, buf []float64) {
	if d.dense != nil {
		return
	}
	for k := d.indptr[r]; k < d.indptr[r+1]; k++ {
		buf[d.indices[k]] = 0
	}
}

// subset returns the rows idx of d as a new Dataset (dense rows are shared).
func (d *Dataset) subset(idx []int) *Dataset {
	s := &Dataset{numRows: len(idx), numFeat: d.numFeat}
	if d.labels != nil {
		s.labels = make([]float64, len(idx))
		for i, r := range idx {
			s.labels[i] = d.labels[r]
		}
	}
	if d.dense != nil {
		s.dense = make([][]float64, len(idx))
		for i, r := range idx {
			s.dense[i] = d.dense[r]
		}
		return s
	}
	s.indptr = make([]int, 1, len(idx)+1)
	for _, r := range idx {
		s.indices = append(s.indices, d.indices[d.indptr[r]:d.indptr[r+1]]...)
		s.values = append(s.values, d.values[d.indptr[r]:d.indptr[r+1]]...)
		s.indptr = append(s.indptr, len(s.indices))
	}
	return s
}
