package reputation

import "math"

// The seed normalised VirusTotal counts into [0, 1] with two CDFs: the
// engines' detections with a truncated normal, the maximum detections of
// a domain's communicating files with a skew normal. They live here for
// the VirusTotal import to use.

// NormalCDF is Φ, the standard normal distribution function.
func NormalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// TruncNormalCDF is the distribution function at x of a normal (mu, sigma)
// truncated to [lo, hi]: 0 below lo, 1 above hi.
func TruncNormalCDF(x, mu, sigma, lo, hi float64) float64 {
	switch {
	case x <= lo:
		return 0
	case x >= hi:
		return 1
	}
	a, b := NormalCDF((lo-mu)/sigma), NormalCDF((hi-mu)/sigma)
	return (NormalCDF((x-mu)/sigma) - a) / (b - a)
}

// SkewNormalCDF is the distribution function at x of the skew normal with
// location xi, scale omega and shape alpha: Φ(z) − 2·T(z, α) with
// z = (x − ξ)/ω and T Owen's function. Its error is about 1e-16
// absolute, so far in the short tail (F below 1e-15) it is 0 or noise.
func SkewNormalCDF(x, xi, omega, alpha float64) float64 {
	z := (x - xi) / omega
	return min(max(NormalCDF(z)-2*OwenT(z, alpha), 0), 1)
}

// OwenT is Owen's T function, T(h, a) = 1/(2π) ∫₀^a exp(−h²(1+x²)/2)/(1+x²) dx.
// For |a| ≤ 1 the integral is taken by 20-point Gauss–Legendre
// quadrature, whose error there is far below float64's; for |a| > 1 the
// identity T(h, a) = ½Φ(h) + ½Φ(ah) − Φ(h)Φ(ah) − T(ah, 1/a) (h ≥ 0)
// brings the argument back into [0, 1]. T is even in h and odd in a.
func OwenT(h, a float64) float64 {
	if a < 0 {
		return -OwenT(h, -a)
	}
	h = math.Abs(h)
	if a == 0 {
		return 0
	}
	if a > 1 {
		ah := a * h
		ph, pah := NormalCDF(h), NormalCDF(ah)
		return 0.5*ph + 0.5*pah - ph*pah - OwenT(ah, 1/a)
	}
	var s float64
	for i, x := range gl20x {
		t := a * (x + 1) / 2 // [−1, 1] → [0, a]
		s += gl20w[i] * math.Exp(-h*h*(1+t*t)/2) / (1 + t*t)
	}
	return s * a / 2 / (2 * math.Pi)
}

// gl20x and gl20w are the 20-point Gauss–Legendre nodes and weights on
// [−1, 1].
var gl20x, gl20w = func() ([]float64, []float64) {
	const n = 20
	x, w := make([]float64, n), make([]float64, n)
	for i := range n {
		// Newton's method on P_n from the Chebyshev guess.
		z := math.Cos(math.Pi * (float64(i) + 0.75) / (n + 0.5))
		var dp float64
		for range 100 {
			p0, p1 := 1.0, z
			for k := 2; k <= n; k++ {
				p0, p1 = p1, ((2*float64(k)-1)*z*p1-(float64(k)-1)*p0)/float64(k)
			}
			dp = n * (z*p1 - p0) / (z*z - 1)
			dz := p1 / dp
			z -= dz
			if math.Abs(dz) < 1e-16 {
				break
			}
		}
		x[i], w[i] = z, 2/((1-z*z)*dp*dp)
	}
	return x, w
}()
