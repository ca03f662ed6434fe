package gbdt_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spoor/spoor/internal/gbdt"
)

// mustDataset builds a dense Dataset or fails the test.
func mustDataset(t testing.TB, rows [][]float64, labels []float64) *gbdt.Dataset {
	t.Helper()
	d, err := gbdt.NewDataset(rows, labels)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustTrain(t testing.TB, p gbdt.Params, train, valid *gbdt.Dataset) *gbdt.Model {
	t.Helper()
	m, err := gbdt.Train(p, train, valid)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// blobs makes n rows of nf features in k classes: class c shifts feature
// c%nf by 1.5, the rest is Gaussian noise; a share of values is NaN.
func blobs(n, nf, k int, nanShare float64, seed uint64) ([][]float64, []float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	rows := make([][]float64, n)
	y := make([]float64, n)
	for i := range rows {
		c := rng.IntN(k)
		r := make([]float64, nf)
		for j := range r {
			r[j] = rng.NormFloat64()
			if j == c%nf {
				r[j] += 1.5
			}
			if rng.Float64() < nanShare {
				r[j] = math.NaN()
			}
		}
		rows[i], y[i] = r, float64(c)
	}
	return rows, y
}

func approx(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

// savedTrees decodes the saved JSON of m for checks on the tree structure.
func savedTrees(t *testing.T, m *gbdt.Model) []map[string]json.RawMessage {
	t.Helper()
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct{ Trees []map[string]json.RawMessage }
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Trees
}

func TestRegressionStumpMatchesHandComputation(t *testing.T) {
	// x = 1..10, y = 0 for x <= 5 and 10 above. The prior is the mean 5, so
	// the left rows have g = 5 each (G = 25, H = 5) and the right rows
	// G = -25, H = 5; with λ = 1 and lr = 0.5 the leaves are ∓25/6·0.5, and
	// the threshold is the midpoint 5.5.
	var rows [][]float64
	var y []float64
	for x := 1; x <= 10; x++ {
		rows = append(rows, []float64{float64(x)})
		y = append(y, map[bool]float64{true: 0, false: 10}[x <= 5])
	}
	p := gbdt.Params{Objective: gbdt.Regression, NumRounds: 1, NumLeaves: 2, LearningRate: 0.5,
		LambdaL2: 1, MinDataInLeaf: 1, NumThreads: 1}
	m := mustTrain(t, p, mustDataset(t, rows, y), nil)
	trees := savedTrees(t, m)
	if len(trees) != 1 {
		t.Fatalf("got %d trees, want 1", len(trees))
	}
	var thr, leaves []float64
	json.Unmarshal(trees[0]["threshold"], &thr)
	json.Unmarshal(trees[0]["leaf_value"], &leaves)
	leaf := 25.0 / 6 * 0.5
	if diff := cmp.Diff([]float64{5.5}, thr); diff != "" {
		t.Errorf("threshold (-want +got):\n%s", diff)
	}
	if len(leaves) != 2 || !approx(leaves[0], -leaf, 1e-12) || !approx(leaves[1], leaf, 1e-12) {
		t.Errorf("leaf values = %v, want [%v %v]", leaves, -leaf, leaf)
	}
	for _, c := range []struct{ x, want float64 }{{1, 5 - leaf}, {5.5, 5 - leaf}, {5.5000001, 5 + leaf}, {10, 5 + leaf}} {
		if got := m.Predict([]float64{c.x})[0]; !approx(got, c.want, 1e-12) {
			t.Errorf("Predict(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

func TestBinaryStumpMatchesHandComputation(t *testing.T) {
	// x = 0 has 1 positive in 4, x = 1 has 3 in 4: the prior log-odds is 0,
	// p = 0.5 everywhere, so the x = 0 leaf has G = 3·0.5 − 0.5 = 1, H = 1 and
	// value −1 (λ = 0, lr = 1); the x = 1 leaf +1.
	rows := [][]float64{{0}, {0}, {0}, {0}, {1}, {1}, {1}, {1}}
	y := []float64{0, 0, 0, 1, 1, 1, 1, 0}
	p := gbdt.Params{Objective: gbdt.Binary, NumRounds: 1, NumLeaves: 2, LearningRate: 1, MinDataInLeaf: 1, NumThreads: 1}
	m := mustTrain(t, p, mustDataset(t, rows, y), nil)
	for _, c := range []struct{ x, raw float64 }{{0, -1}, {1, 1}} {
		raw := m.PredictRaw([]float64{c.x})
		if !approx(raw[0], c.raw, 1e-12) {
			t.Errorf("PredictRaw(%v) = %v, want %v", c.x, raw, c.raw)
		}
		pr := m.Predict([]float64{c.x})
		want := 1 / (1 + math.Exp(-c.raw))
		if !approx(pr[1], want, 1e-12) || !approx(pr[0], 1-want, 1e-12) {
			t.Errorf("Predict(%v) = %v, want [%v %v]", c.x, pr, 1-want, want)
		}
	}
}

func TestMulticlassProbabilitiesAndContributions(t *testing.T) {
	rows, y := blobs(600, 6, 4, 0.05, 1)
	p := gbdt.DefaultParams(gbdt.Multiclass, 4)
	p.NumRounds, p.NumLeaves, p.NumThreads = 15, 8, 2
	m := mustTrain(t, p, mustDataset(t, rows, y), nil)
	if m.NumTrees() != 60 {
		t.Fatalf("NumTrees = %d, want 60 (one per class per round)", m.NumTrees())
	}
	probe := append([][]float64{{math.NaN(), 0, 1, 2, math.NaN(), -1}, {}}, rows[:20]...)
	for i, row := range probe {
		pr := m.Predict(row)
		var s float64
		for _, v := range pr {
			s += v
		}
		if len(pr) != 4 || !approx(s, 1, 1e-12) {
			t.Errorf("row %d: probabilities %v sum to %v, want 4 summing to 1", i, pr, s)
		}
		raw := m.PredictRaw(row)
		contrib := m.Contributions(row)
		for k := range contrib {
			if len(contrib[k]) != 7 {
				t.Fatalf("row %d class %d: %d contributions, want 7", i, k, len(contrib[k]))
			}
			var c float64
			for _, v := range contrib[k] {
				c += v
			}
			if !approx(c, raw[k], 1e-9) {
				t.Errorf("row %d class %d: contributions sum to %v, raw score %v", i, k, c, raw[k])
			}
			if one := m.ClassContributions(row, k); !slices.Equal(one, contrib[k]) {
				t.Errorf("row %d class %d: ClassContributions %v, Contributions %v", i, k, one, contrib[k])
			}
		}
	}
	// Feature c%6 drives class c, so it must carry the largest contribution
	// to its class for a clear example.
	row := []float64{0, 0, 3, 0, 0, 0}
	c := m.Contributions(row)[2]
	for f := range 6 {
		if f != 2 && c[f] >= c[2] {
			t.Errorf("feature %d contributes %v to class 2, more than feature 2 (%v)", f, c[f], c[2])
		}
	}
	acc := gbdt.Accuracy(intLabels(y), m.PredictBatch(mustDataset(t, rows, nil), 2))
	if acc < 0.7 {
		t.Errorf("training accuracy %v, want >= 0.7", acc)
	}
}

func intLabels(y []float64) []int {
	out := make([]int, len(y))
	for i, v := range y {
		out[i] = int(v)
	}
	return out
}

func TestBinaryContributionsSumToRawScore(t *testing.T) {
	rows, y := blobs(400, 5, 2, 0.1, 2)
	p := gbdt.DefaultParams(gbdt.Binary, 0)
	p.NumRounds, p.NumThreads = 10, 1
	m := mustTrain(t, p, mustDataset(t, rows, y), nil)
	for i, row := range rows[:30] {
		c := m.Contributions(row)
		if len(c) != 1 {
			t.Fatalf("got %d contribution slices, want 1", len(c))
		}
		var s float64
		for _, v := range c[0] {
			s += v
		}
		if raw := m.PredictRaw(row)[0]; !approx(s, raw, 1e-9) {
			t.Errorf("row %d: contributions sum to %v, raw score %v", i, s, raw)
		}
	}
}

func TestSaveLoadPredictsIdentically(t *testing.T) {
	rows, y := blobs(300, 5, 3, 0.1, 3)
	reg := make([]float64, len(y))
	for i := range y {
		reg[i] = y[i]*2 + rows[i][1]
		if math.IsNaN(reg[i]) {
			reg[i] = 0
		}
	}
	bin := make([]float64, len(y))
	for i := range y {
		bin[i] = float64(int(y[i]) % 2)
	}
	for _, c := range []struct {
		name string
		p    gbdt.Params
		y    []float64
	}{
		{"multiclass", gbdt.DefaultParams(gbdt.Multiclass, 3), y},
		{"binary", gbdt.DefaultParams(gbdt.Binary, 2), bin},
		{"regression", gbdt.DefaultParams(gbdt.Regression, 0), reg},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.p.NumRounds, c.p.NumThreads = 8, 1
			m := mustTrain(t, c.p, mustDataset(t, rows, c.y), nil)
			var buf bytes.Buffer
			if err := m.Save(&buf); err != nil {
				t.Fatal(err)
			}
			saved := buf.String()
			m2, err := gbdt.Load(&buf)
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range rows {
				if diff := cmp.Diff(m.PredictRaw(row), m2.PredictRaw(row)); diff != "" {
					t.Fatalf("row %d: raw scores differ after load (-saved +loaded):\n%s", i, diff)
				}
			}
			var again bytes.Buffer
			if err := m2.Save(&again); err != nil {
				t.Fatal(err)
			}
			if again.String() != saved {
				t.Error("saving the loaded model gives different bytes")
			}
			if !strings.Contains(saved, `"version":1`) {
				t.Errorf("saved model has no version field: %.80s", saved)
			}
		})
	}
}

func TestEarlyStoppingKeepsBestRound(t *testing.T) {
	// Labels are noise, so the validation loss gets worse soon after the
	// prior and training must stop long before NumRounds.
	rng := rand.New(rand.NewPCG(4, 4))
	mk := func(n int) *gbdt.Dataset {
		rows := make([][]float64, n)
		y := make([]float64, n)
		for i := range rows {
			rows[i] = []float64{rng.Float64(), rng.Float64(), rng.Float64()}
			y[i] = float64(rng.IntN(3))
		}
		return mustDataset(t, rows, y)
	}
	train, valid := mk(500), mk(300)
	p := gbdt.DefaultParams(gbdt.Multiclass, 3)
	p.NumRounds, p.LearningRate, p.EarlyStoppingRounds, p.NumThreads, p.MinDataInLeaf = 200, 0.3, 5, 1, 5
	m := mustTrain(t, p, train, valid)
	best := m.BestIteration()
	if best < 1 || best > 20 {
		t.Fatalf("BestIteration = %d, want early stop within 20 rounds of noise", best)
	}
	if m.NumTrees() != best*3 {
		t.Errorf("NumTrees = %d, want %d (best rounds × classes)", m.NumTrees(), best*3)
	}
	// The kept model is exactly the model trained for the best number of rounds.
	p.EarlyStoppingRounds, p.NumRounds = 0, best
	ref := mustTrain(t, p, train, nil)
	row := []float64{0.3, 0.6, 0.9}
	if diff := cmp.Diff(ref.PredictRaw(row), m.PredictRaw(row)); diff != "" {
		t.Errorf("early-stopped model differs from a %d-round model:\n%s", best, diff)
	}
}

func TestSameSeedSameModelAcrossThreads(t *testing.T) {
	// Large enough that partitions take the parallel path (32768 rows),
	// with enough features for more than one group of four, which is
	// what histogram building splits across threads (3 would be one).
	rows, y := blobs(36000, 9, 3, 0.02, 5)
	d := mustDataset(t, rows, y)
	p := gbdt.DefaultParams(gbdt.Multiclass, 3)
	p.NumRounds, p.NumLeaves, p.Seed = 1, 6, 42
	// A bag of 95% keeps the root above the parallel-partition threshold
	// (32768 rows).
	p.FeatureFraction, p.BaggingFraction, p.BaggingFreq = 0.75, 0.95, 1
	save := func(threads int, seed uint64) string {
		p.NumThreads, p.Seed = threads, seed
		var buf bytes.Buffer
		if err := mustTrain(t, p, d, nil).Save(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	one, two := save(1, 42), save(2, 42)
	if one != two {
		t.Error("models trained with 1 and 2 threads differ")
	}
	if other := save(2, 43); other == two {
		t.Error("a different seed gave the same model despite bagging and feature sampling")
	}
}

func TestClassWeightsShiftImbalancedDecision(t *testing.T) {
	// Class 1 is 5% of rows and overlaps class 0 around x = 0.5: unweighted,
	// the overlap is predicted 0; weighted 19:1 it is predicted 1.
	rng := rand.New(rand.NewPCG(6, 6))
	var rows [][]float64
	var y []float64
	for i := 0; i < 2000; i++ {
		c := 0.0
		x := rng.Float64()
		if i%20 == 0 {
			c = 1
			x = 0.4 + 0.6*rng.Float64()
		}
		rows = append(rows, []float64{x})
		y = append(y, c)
	}
	d := mustDataset(t, rows, y)
	p := gbdt.DefaultParams(gbdt.Binary, 2)
	// Few, large leaves: the test is about the weighted prior and leaf
	// values, not about fitting gaps between the rare rows.
	p.NumRounds, p.NumLeaves, p.MinDataInLeaf, p.NumThreads = 30, 3, 100, 1
	plain := mustTrain(t, p, d, nil)
	p.ClassWeights = []float64{1, 19}
	weighted := mustTrain(t, p, d, nil)
	for x := 0.45; x < 1; x += 0.05 {
		if got := plain.Predict([]float64{x})[1]; got >= 0.5 {
			t.Errorf("unweighted P(1|%.2f) = %v, want < 0.5", x, got)
		}
		if got := weighted.Predict([]float64{x})[1]; got <= 0.5 {
			t.Errorf("weighted P(1|%.2f) = %v, want > 0.5", x, got)
		}
	}
	if got := weighted.Predict([]float64{0.1})[1]; got >= 0.5 {
		t.Errorf("weighted P(1|0.1) = %v, want < 0.5 where class 1 never occurs", got)
	}
}

func TestSparseAndDenseGiveSameModel(t *testing.T) {
	// Binary features, about 3% set: stored sparsely from either form.
	rng := rand.New(rand.NewPCG(7, 7))
	n, nf := 800, 60
	rows := make([][]float64, n)
	y := make([]float64, n)
	indptr := []int{0}
	var idx []int32
	var vals []float64
	for i := range rows {
		c := rng.IntN(3)
		r := make([]float64, nf)
		for j := range r {
			// Feature 3 is set in about half the rows, so it is stored
			// densely while the others are stored sparsely.
			on := rng.Float64() < 0.03 || (j < 3 && j == c && rng.Float64() < 0.6) || (j == 3 && rng.IntN(2) == 0)
			if on {
				r[j] = 1
				idx = append(idx, int32(j))
				vals = append(vals, 1)
			}
		}
		rows[i], y[i] = r, float64(c)
		indptr = append(indptr, len(idx))
	}
	sp, err := gbdt.NewSparseDataset(nf, indptr, idx, vals, y)
	if err != nil {
		t.Fatal(err)
	}
	p := gbdt.DefaultParams(gbdt.Multiclass, 3)
	p.NumRounds, p.NumThreads, p.MinDataInLeaf = 10, 2, 3
	ms := mustTrain(t, p, sp, nil)
	md := mustTrain(t, p, mustDataset(t, rows, y), nil)
	var a, b bytes.Buffer
	ms.Save(&a)
	md.Save(&b)
	if a.String() != b.String() {
		t.Error("models from sparse and dense forms differ")
	}
	if diff := cmp.Diff(md.PredictBatch(mustDataset(t, rows, nil), 1), ms.PredictBatch(sp, 2)); diff != "" {
		t.Errorf("batch predictions differ between forms:\n%s", diff)
	}
	cv, err := gbdt.CrossValidate(p, sp, 3)
	if err != nil {
		t.Fatal(err)
	}
	if acc := gbdt.Accuracy(intLabels(y), cv.Pred); acc < 0.5 {
		t.Errorf("sparse out-of-fold accuracy %v, want >= 0.5", acc)
	}
	imp := ms.FeatureImportance(gbdt.ImportanceGain)
	for f := 4; f < nf; f++ {
		if imp[f] >= imp[0] {
			t.Errorf("noise feature %d gain %v >= signal feature 0 gain %v", f, imp[f], imp[0])
		}
	}
}

func TestMissingValuesLearnDefaultDirection(t *testing.T) {
	// NaN rows are all positive, low values negative, high values positive:
	// missing values must be sent with the high side.
	var rows [][]float64
	var y []float64
	for i := 0; i < 300; i++ {
		switch i % 3 {
		case 0:
			rows, y = append(rows, []float64{math.NaN()}), append(y, 1)
		case 1:
			rows, y = append(rows, []float64{float64(i % 50)}), append(y, 0)
		default:
			rows, y = append(rows, []float64{100 + float64(i%50)}), append(y, 1)
		}
	}
	p := gbdt.DefaultParams(gbdt.Binary, 2)
	p.NumRounds, p.NumThreads = 20, 1
	m := mustTrain(t, p, mustDataset(t, rows, y), nil)
	if got := m.Predict([]float64{math.NaN()})[1]; got < 0.9 {
		t.Errorf("P(1|NaN) = %v, want >= 0.9", got)
	}
	if got := m.Predict([]float64{10})[1]; got > 0.1 {
		t.Errorf("P(1|10) = %v, want <= 0.1", got)
	}
}

func TestTrainRejectsBadParams(t *testing.T) {
	rows, y := blobs(50, 2, 3, 0, 8)
	d := mustDataset(t, rows, y)
	base := gbdt.DefaultParams(gbdt.Multiclass, 3)
	for _, c := range []struct {
		name  string
		edit  func(p *gbdt.Params)
		valid bool
		want  string
	}{
		{"objective", func(p *gbdt.Params) { p.Objective = "poisson" }, false, `unknown objective "poisson"`},
		{"numclass", func(p *gbdt.Params) { p.NumClass = 1 }, false, "NumClass >= 2"},
		{"label out of range", func(p *gbdt.Params) { p.NumClass = 2 }, false, "not a class in [0, 2)"},
		{"leaves", func(p *gbdt.Params) { p.NumLeaves = 1 }, false, "NumLeaves"},
		{"learning rate", func(p *gbdt.Params) { p.LearningRate = -1 }, false, "LearningRate"},
		{"lambda", func(p *gbdt.Params) { p.LambdaL2 = math.NaN() }, false, "LambdaL2"},
		{"feature fraction", func(p *gbdt.Params) { p.FeatureFraction = 1.5 }, false, "FeatureFraction"},
		{"bagging fraction", func(p *gbdt.Params) { p.BaggingFraction = -0.5 }, false, "BaggingFraction"},
		{"max bin", func(p *gbdt.Params) { p.MaxBin = 256 }, false, "MaxBin"},
		{"class weights length", func(p *gbdt.Params) { p.ClassWeights = []float64{1, 2} }, false, "ClassWeights has 2 weights for 3 classes"},
		{"class weight value", func(p *gbdt.Params) { p.ClassWeights = []float64{1, 0, 1} }, false, "ClassWeights[1]"},
		{"early stopping without validation", func(p *gbdt.Params) { p.EarlyStoppingRounds = 3 }, false, "needs validation data"},
		{"threads", func(p *gbdt.Params) { p.NumThreads = -2 }, false, "NumThreads"},
		{"ok", func(p *gbdt.Params) { p.NumRounds = 2 }, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := base
			c.edit(&p)
			_, err := gbdt.Train(p, d, nil)
			if c.valid {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestLoadRejectsBadModels(t *testing.T) {
	rows, y := blobs(200, 3, 2, 0, 9)
	p := gbdt.DefaultParams(gbdt.Binary, 2)
	p.NumRounds, p.NumLeaves, p.NumThreads = 2, 4, 1
	var buf bytes.Buffer
	if err := mustTrain(t, p, mustDataset(t, rows, y), nil).Save(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		json.Unmarshal([]byte(good), &m)
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	tree0 := func(m map[string]any) map[string]any { return m["trees"].([]any)[0].(map[string]any) }
	for _, c := range []struct {
		name, in, want string
	}{
		{"empty", "", "truncated JSON"},
		{"truncated", good[:len(good)/2], "truncated JSON"},
		{"not json", "GBDT\x00\x01", "corrupt JSON"},
		{"newer version", edit(func(m map[string]any) { m["version"] = 2 }), "unsupported format version 2 (this build reads version 1)"},
		{"other format", edit(func(m map[string]any) { m["format"] = "xgboost" }), `format is "xgboost"`},
		{"child out of range", edit(func(m map[string]any) { tree0(m)["left"] = []int{7, -2, -3} }), "tree 0: node 0: child node 7"},
		{"cycle", edit(func(m map[string]any) { tree0(m)["left"] = []int{0, -2, -3} }), "tree 0: node 0: child node 0"},
		{"feature out of range", edit(func(m map[string]any) { tree0(m)["split_feature"] = []int{9, 0, 0} }), "feature 9 not in [0, 3)"},
		{"short leaves", edit(func(m map[string]any) { tree0(m)["leaf_value"] = []float64{1} }), "need 4 leaves"},
		{"init score", edit(func(m map[string]any) { m["init_score"] = []float64{} }), "init_score has 0 values"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := gbdt.Load(strings.NewReader(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "gbdt: load model: ") {
				t.Fatalf("error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	labels := []int{0, 1, 2, 2}
	probs := [][]float64{{0.7, 0.2, 0.1}, {0.5, 0.4, 0.1}, {0.1, 0.1, 0.8}, {0.3, 0.6, 0.1}}
	if got := gbdt.Accuracy(labels, probs); got != 0.5 {
		t.Errorf("Accuracy = %v, want 0.5", got)
	}
	if got := gbdt.TopKAccuracy(labels, probs, 2); got != 0.75 {
		t.Errorf("Top2Accuracy = %v, want 0.75", got)
	}
	wantLL := -(math.Log(0.7) + math.Log(0.4) + math.Log(0.8) + math.Log(0.1)) / 4
	if got := gbdt.LogLoss(labels, probs); !approx(got, wantLL, 1e-12) {
		t.Errorf("LogLoss = %v, want %v", got, wantLL)
	}
	cm := gbdt.ConfusionMatrix(labels, probs, 3)
	if diff := cmp.Diff([][]int{{1, 0, 0}, {1, 0, 0}, {0, 1, 1}}, cm); diff != "" {
		t.Errorf("ConfusionMatrix (-want +got):\n%s", diff)
	}
	// F1: class 0 = 2·1/(2+1+0) = 2/3, class 1 = 0, class 2 = 2/(2+0+1) = 2/3.
	if got := gbdt.MacroF1(cm); !approx(got, 4.0/9, 1e-12) {
		t.Errorf("MacroF1 = %v, want %v", got, 4.0/9)
	}
}

func TestCrossValidateStratifies(t *testing.T) {
	rows, y := blobs(300, 4, 3, 0, 10)
	p := gbdt.DefaultParams(gbdt.Multiclass, 3)
	p.NumRounds, p.NumThreads = 10, 2
	res, err := gbdt.CrossValidate(p, mustDataset(t, rows, y), 5)
	if err != nil {
		t.Fatal(err)
	}
	perFold := make([][3]int, 5)
	for r, f := range res.Fold {
		perFold[f][int(y[r])]++
		if len(res.Pred[r]) != 3 {
			t.Fatalf("row %d has %d out-of-fold probabilities, want 3", r, len(res.Pred[r]))
		}
	}
	var total [3]int
	for _, c := range y {
		total[int(c)]++
	}
	for f, counts := range perFold {
		for c := range 3 {
			if lo := total[c] / 5; counts[c] < lo || counts[c] > lo+1 {
				t.Errorf("fold %d has %d rows of class %d, want %d or %d", f, counts[c], c, lo, lo+1)
			}
		}
	}
	if acc := gbdt.Accuracy(intLabels(y), res.Pred); acc < 0.6 {
		t.Errorf("out-of-fold accuracy %v, want >= 0.6", acc)
	}
	if _, err := gbdt.CrossValidate(p, mustDataset(t, rows, y), 1); err == nil {
		t.Error("k = 1 accepted")
	}
}
