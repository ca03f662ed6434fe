// Package attribute names the groups most likely behind an event, with
// probabilities and the evidence that moved them, and measures how well it
// does.
//
// An event becomes a sparse feature vector (Encoder): its techniques (and
// their parent techniques), software, sectors, victim countries, purpose,
// and, as a family of its own, how much of the event's indicators each
// group is already known for. Three models read the same vectors: a
// multiclass gradient-boosted-tree model (internal/gbdt) with class weights
// and early stopping, a Bernoulli naive Bayes model as the textbook
// baseline, and the nearest fingerprint (IDF-weighted overlap of the
// event's features with each group's). Evaluate compares them, with the
// majority class, on folds that keep every report's events on one side.
//
// The package is pure: events in, rankings and figures out.
package attribute
