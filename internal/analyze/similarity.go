package analyze

import "math"

// JSSimilarity is 1 − the Jensen–Shannon divergence (base 2) of two
// distributions given as non-negative weights of the same length, each
// normalised to sum to one: 1 for identical shapes, 0 for disjoint ones,
// symmetric. ok is false when either has no weight (or the lengths
// differ), since then there is nothing to compare.
func JSSimilarity(p, q []float64) (sim float64, ok bool) {
	if len(p) != len(q) {
		return 0, false
	}
	var sp, sq float64
	for i := range p {
		if p[i] < 0 || q[i] < 0 || math.IsNaN(p[i]) || math.IsNaN(q[i]) {
			return 0, false
		}
		sp += p[i]
		sq += q[i]
	}
	if sp == 0 || sq == 0 || math.IsInf(sp, 0) || math.IsInf(sq, 0) {
		return 0, false
	}
	// JSD = H(M) − (H(P) + H(Q))/2 with M = (P+Q)/2, summed term by term:
	// ½ Σ p log₂(2p/(p+q)) + ½ Σ q log₂(2q/(p+q)).
	jsd := 0.0
	for i := range p {
		a, b := p[i]/sp, q[i]/sq
		m := a + b
		if a > 0 {
			jsd += a * math.Log2(2*a/m)
		}
		if b > 0 {
			jsd += b * math.Log2(2*b/m)
		}
	}
	jsd /= 2
	return math.Min(1, math.Max(0, 1-jsd)), true
}

// TimeSimilarity compares two profiles' UTC hour-of-week histograms with
// JSSimilarity. ok is false when either has no timestamp with a time of
// day; dates alone are left out, since a weekday histogram would score
// every pair of Monday-to-Friday actors alike.
func TimeSimilarity(a, b *TimeProfile) (sim float64, ok bool) {
	var p, q [168]float64
	for i := range p {
		p[i], q[i] = float64(a.HourOfWeek[i]), float64(b.HourOfWeek[i])
	}
	return JSSimilarity(p[:], q[:])
}
