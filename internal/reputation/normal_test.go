package reputation

import (
	"math"
	"testing"
)

func TestOwenT(t *testing.T) {
	// Reference values from Patefield and Tandy, "Fast and accurate
	// calculation of Owen's T function" (J. Stat. Softw. 5(5), 2000), each
	// checked here against composite Simpson integration with 200,000
	// intervals (the last two are from that integration only).
	for _, tc := range []struct{ h, a, want float64 }{
		{0.0625, 0.25, 3.8911930234701366e-02},
		{2, 0.5, 8.6250779855215071e-03},
		{6.5, 0.4375, 2.0005773048508315e-11},
		{7, 0.96875, 6.3990627193898685e-13},
		{4.78125, 0.0625, 1.0632974804687463e-07},
		{1, 0.9999975, 6.6741808978228592e-02},
		{0.5, 3, 0.15108404307601625},
		{1.2, -2, -0.05731563968210026},
	} {
		if got := OwenT(tc.h, tc.a); math.Abs(got-tc.want) > 1e-12*math.Abs(tc.want) {
			t.Errorf("T(%v, %v) = %.17g, want %.17g", tc.h, tc.a, got, tc.want)
		}
	}
	// Identities: T(0, a) = atan(a)/2π; T(h, 1) = ½Φ(h)(1 − Φ(h)); even in h.
	for _, a := range []float64{0.1, 0.5, 1, 2, 10} {
		if got, want := OwenT(0, a), math.Atan(a)/(2*math.Pi); math.Abs(got-want) > 1e-14 {
			t.Errorf("T(0, %v) = %v, want %v", a, got, want)
		}
	}
	for _, h := range []float64{0.3, 1, 2.5} {
		if got, want := OwenT(h, 1), NormalCDF(h)*(1-NormalCDF(h))/2; math.Abs(got-want) > 1e-14 {
			t.Errorf("T(%v, 1) = %v, want %v", h, got, want)
		}
		if OwenT(-h, 0.7) != OwenT(h, 0.7) {
			t.Errorf("T is not even in h at %v", h)
		}
	}
}

func TestSkewAndTruncatedNormal(t *testing.T) {
	for _, x := range []float64{-2, -0.5, 0, 1.3} {
		if got, want := SkewNormalCDF(x, 0, 1, 0), NormalCDF(x); math.Abs(got-want) > 1e-15 {
			t.Errorf("shape 0 at %v: %v, want Φ = %v", x, got, want)
		}
	}
	// At the location, F = ½ − atan(α)/π.
	for _, a := range []float64{-3, 0.5, 1, 4} {
		if got, want := SkewNormalCDF(2, 2, 1.5, a), 0.5-math.Atan(a)/math.Pi; math.Abs(got-want) > 1e-14 {
			t.Errorf("F(ξ) with α = %v: %v, want %v", a, got, want)
		}
	}
	// A skew normal is increasing and runs from 0 to 1 (to the absolute
	// accuracy of float64: far in the short tail the identity for α > 1
	// subtracts numbers near ¼).
	prev := 0.0
	for x := -6.0; x <= 6; x += 0.25 {
		v := SkewNormalCDF(x, 0, 1, 3)
		if v < prev-1e-15 {
			t.Fatalf("not increasing at %v", x)
		}
		prev = v
	}
	// With α > 0 the long tail is the upper one: 1 − F(x) → 2(1 − Φ(x)).
	if got, want := 1-prev, 2*(1-NormalCDF(6)); math.Abs(got-want) > 1e-3*want {
		t.Errorf("1 − F(6) = %v, want about %v", got, want)
	}
	// Standard normal truncated to [0, ∞): F(1) = (Φ(1) − ½)/½.
	if got, want := TruncNormalCDF(1, 0, 1, 0, math.Inf(1)), 0.6826894921370859; math.Abs(got-want) > 1e-15 {
		t.Errorf("truncated normal F(1) = %v, want %v", got, want)
	}
	if TruncNormalCDF(-1, 0, 1, 0, 5) != 0 || TruncNormalCDF(7, 0, 1, 0, 5) != 1 || math.Abs(TruncNormalCDF(3, 3, 2, 0, 6)-0.5) > 1e-15 {
		t.Error("truncated normal outside or at the centre of its range")
	}
}
