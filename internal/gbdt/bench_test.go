package gbdt_test

import (
	"testing"

	"github.com/spoor/spoor/internal/gbdt"
)

func BenchmarkTrainMulticlass(b *testing.B) {
	rows, y := blobs(20000, 20, 5, 0.01, 12)
	d := mustDataset(b, rows, y)
	p := gbdt.DefaultParams(gbdt.Multiclass, 5)
	p.NumRounds = 10
	for b.Loop() {
		if _, err := gbdt.Train(p, d, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTrainSparse(b *testing.B) {
	rows, y := blobs(5000, 10, 5, 0, 13)
	// Widen to 500 mostly-zero binary features.
	indptr := []int{0}
	var idx []int32
	var vals []float64
	for i, r := range rows {
		for j, v := range r {
			if v > 1 {
				idx = append(idx, int32(j*50+i%50))
				vals = append(vals, 1)
			}
		}
		indptr = append(indptr, len(idx))
	}
	d, err := gbdt.NewSparseDataset(500, indptr, idx, vals, y)
	if err != nil {
		b.Fatal(err)
	}
	p := gbdt.DefaultParams(gbdt.Multiclass, 5)
	p.NumRounds, p.MinDataInLeaf = 10, 5
	for b.Loop() {
		if _, err := gbdt.Train(p, d, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPredictBatch(b *testing.B) {
	rows, y := blobs(20000, 20, 5, 0.01, 14)
	d := mustDataset(b, rows, y)
	p := gbdt.DefaultParams(gbdt.Multiclass, 5)
	p.NumRounds = 20
	m, err := gbdt.Train(p, d, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		m.PredictBatch(d, 2)
	}
	b.ReportMetric(float64(b.N*d.NumRows())/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkPredictRow(b *testing.B) {
	rows, y := blobs(5000, 20, 5, 0.01, 15)
	p := gbdt.DefaultParams(gbdt.Multiclass, 5)
	p.NumRounds = 20
	m, err := gbdt.Train(p, mustDataset(b, rows, y), nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		m.Predict(rows[0])
	}
}

func BenchmarkContributions(b *testing.B) {
	rows, y := blobs(5000, 20, 5, 0.01, 16)
	p := gbdt.DefaultParams(gbdt.Multiclass, 5)
	p.NumRounds = 20
	m, err := gbdt.Train(p, mustDataset(b, rows, y), nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		m.Contributions(rows[0])
	}
}
