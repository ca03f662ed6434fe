// Package gbdt trains and applies gradient-boosted decision trees: a
// histogram learner in the manner of LightGBM and XGBoost's hist method,
// written with the standard library only.
//
// Data goes in as a Dataset, built from dense rows (NewDataset) or from
// compressed sparse rows (NewSparseDataset) so that thousands of mostly-zero
// binary features need no dense matrix. NaN means missing in both forms.
//
//	ds, err := gbdt.NewDataset(rows, labels)
//	p := gbdt.DefaultParams(gbdt.Multiclass, 10)
//	p.EarlyStoppingRounds = 20
//	m, err := gbdt.Train(p, ds, validDS)
//	probs := m.Predict(row)          // one probability per class
//	why := m.Contributions(row)      // per class: one value per feature, bias last
//	err = m.Save(w); m2, err := gbdt.Load(r)
//
// How training works, and why:
//
//   - Each feature is cut into at most MaxBin (255) quantile bins, found on a
//     sample of 200,000 rows; a feature with missing values gets one more bin
//     for them, and every split learns which side missing values take.
//   - A feature whose rows mostly fall in the bin of 0 is stored sparsely:
//     per row, only the entries outside that bin. A histogram pass touches
//     only those entries and the zero bin is the node total minus the rest,
//     so a sparse binary feature costs in proportion to its non-zeros.
//     The other features are stored as uint8 bin columns.
//   - A histogram pass takes dense features four at a time: their four
//     histograms (4 KB each) stay in L1 cache while the leaf's rows stream
//     by. Row gradients are float32 pairs, as in XGBoost, gathered into leaf
//     order once per pass; all sums are float64.
//   - Trees grow leaf-wise (best gain first) up to NumLeaves and MaxDepth.
//     Each leaf owns a contiguous, ordered segment of one row-index array;
//     a split partitions the segment stably. Only the smaller child's
//     histogram is built from rows; the larger one is the parent's minus it.
//     Histogram buffers are pooled and reused across trees.
//   - Histograms are built in parallel by groups of features, each bin summed
//     by one goroutine in row order, so the model is bit-for-bit the same
//     for any NumThreads. Random draws (bagging, feature fraction, binning
//     sample) come from Seed only.
//   - Leaf values are -G/(H+LambdaL2)·LearningRate; the split gain is
//     GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ). The softmax hessian is 2p(1−p) as
//     in XGBoost. Binary and regression scores start from the
//     (class-weighted) prior, multiclass scores from 0.
//
// Memory is fixed when training starts: one byte per row and dense feature
// (five per sparse entry), NumLeaves pooled histograms of 16 bytes per bin,
// and per row the raw scores and (multiclass) probabilities, 8 bytes per
// class each, plus 8 bytes of gradients and 16 of row indices. Growing a
// tree reuses these buffers; per node it allocates only the hand-off to
// worker goroutines.
//
// Predictions are per row (Predict, PredictRaw) or per Dataset in parallel
// (PredictBatch, PredictRawBatch). Contributions uses TreeSHAP on the node
// covers (hessian sums) recorded in training; the contributions and the bias
// add up to the raw score. Models are saved as JSON with a format version;
// Load checks the version and the tree structure and names what is wrong.
//
// CrossValidate runs stratified k-fold cross-validation, and Accuracy,
// TopKAccuracy, LogLoss, ConfusionMatrix and MacroF1 score its predictions.
package gbdt
