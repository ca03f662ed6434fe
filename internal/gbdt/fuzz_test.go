package gbdt_test

import (
	"bytes"
	"testing"

	"github.com/spoor/spoor/internal/gbdt"
)

// FuzzLoad checks that Load never panics, and that whatever it accepts
// predicts without panicking and saves back to the same model.
func FuzzLoad(f *testing.F) {
	rows, y := blobs(200, 3, 3, 0.1, 11)
	p := gbdt.DefaultParams(gbdt.Multiclass, 3)
	p.NumRounds, p.NumLeaves, p.NumThreads = 2, 4, 1
	m, err := gbdt.Train(p, mustDataset(f, rows, y), nil)
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"format":"spoor-gbdt","version":1,"objective":"binary","num_class":2,"num_feature":1,"init_score":[0],"trees":[]}`))
	f.Add([]byte(`{"format":"spoor-gbdt","version":1}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := gbdt.Load(bytes.NewReader(data))
		if err != nil {
			return
		}
		if m.NumFeatures() <= 1<<12 {
			// Contributions allocates per feature; a fuzzed header may claim
			// millions of features, which is valid but slow to explain.
			row := make([]float64, m.NumFeatures())
			m.Predict(row)
			m.Contributions(row)
		}
		var a, b bytes.Buffer
		if err := m.Save(&a); err != nil {
			t.Fatal(err)
		}
		m2, err := gbdt.Load(bytes.NewReader(a.Bytes()))
		if err != nil {
			t.Fatalf("reloading a saved model: %v", err)
		}
		if err := m2.Save(&b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatal("save, load, save is not stable")
		}
	})
}
