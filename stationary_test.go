package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestWrongGradientNearStationary: et(et(x³) + 0.5) at x = 4.6e-4
// (TestPropertyWrongGradientsFail, -rapid.seed=9112 at 200000 checks), a
// loss A + B·x³ + … with B ≈ 4.4 whose derivative 3B·x² = 2.8e-6 is tiny
// beside the curvature its ladder sees (B·h² = 0.044 at h = 0.1), with its
// gradient off by 1e-4 (2.8e-10), must be a Mismatch. Its central
// differences shrink by a quarter per halving from h = 0.1 down and
// extrapolate to the derivative with an error bound of 1e-12. But the
// backward slopes B(h) = f' − h·f”/2 + h²·f”'/6 − … have terms in h and h²
// of opposite sign that cross where h is near x (f”/f”' = 2x): their
// corrections pass through zero there (−3.4e-6, then 3.5e-7, then 6.8e-7
// at steps 7.8e-4 to 2e-4, the smallest that corroborate), which the
// one-sided regime test read as slopes that do not converge, and the
// Mismatch was withheld; the Taylor remainder then called the entry OK to
// 2.3% of the derivative. The even part of the one-sided slopes is the
// central difference and their odd part (F − B)/2 = h·f”/2 + h³·f⁽⁴⁾/24 +
// …, and (F − B)/h, here f” = 0.0121 to five digits at every step, shows
// that odd part in its regime.
func TestWrongGradientNearStationary(t *testing.T) {
	f := func(x []float64) float64 { return et(et(x[0]*x[0]*x[0]) + 0.5) }
	exact := func(dst, x []float64) {
		u := x[0] * x[0] * x[0]
		v := et(u) + 0.5
		tv, tu := math.Tanh(v), math.Tanh(u)
		dst[0] = et(v) * 2 * (1 - tv*tv) * et(u) * 2 * (1 - tu*tu) * 3 * x[0] * x[0]
	}
	wrong := func(dst, x []float64) {
		exact(dst, x)
		dst[0] *= 1 + 1e-4
	}
	x := []float64{0.000457763671875}
	rep, err := gradcheck.Gradient(f, wrong, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Blocks[0].Entries[0].Verdict; v != gradcheck.Mismatch {
		t.Errorf("gradient off by 1e-4: verdict %v, want mismatch\n%s", v, rep)
	}
	if rep, err := gradcheck.Gradient(f, exact, x, nil); err != nil || !rep.OK() {
		t.Errorf("exact gradient: %v\n%s", err, rep)
	}
}
