package gradcheck

import (
	"context"
	"math"
	"testing"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// opinionChecker returns a checker of f at x, ready for the second
// opinion on entry 0, as refinement leaves it.
func opinionChecker(t *testing.T, f func(x []float64) float64, x []float64, gscale float64) *checker[float64] {
	t.Helper()
	m := &Model[float64]{
		Blocks:   []Block[float64]{{Name: "x", Value: x, Grad: make([]float64, len(x))}},
		Loss:     func() float64 { return f(x) },
		Gradient: func() {},
	}
	s, err := (*Options)(nil).resolve(fdiff.Float64)
	if err != nil {
		t.Fatal(err)
	}
	c := &checker[float64]{m: m, s: s, ctx: context.Background()}
	c.saveAll()
	c.f0 = f(x)
	c.gscale = gscale
	return c
}

// The second opinion is wired in at one point only, where refinement ends
// Inconclusive; these tests call it directly on such an entry, since the
// entries that reach it depend on the refinement rules of the day.
func TestTaylorOpinion(t *testing.T) {
	smooth := func(x []float64) float64 { return math.Sin(3*x[0]) + x[0]*x[0]*x[0] }
	dsmooth := 3*math.Cos(3*0.4) + 3*0.4*0.4
	// (A + x)² − A² − 2Ax is x² computed with a cancellation of A²: its
	// round-off, about ε·A² = 0.01 for A = 1e7, is what keeps the ladder
	// from resolving the derivative, and the Taylor test sees it too. The
	// noise is left unmeasured (sigma 0), so that the test's own round-off
	// rules are what keep its linear quantization from passing for a wrong
	// gradient.
	const A = 1e7
	noisy := func(x []float64) float64 { y := A + x[0]; return y*y - A*A - 2*A*x[0] }
	for _, tc := range []struct {
		name    string
		f       func(x []float64) float64
		x, a    float64
		sigma   float64 // the loss's measured noise
		want    Verdict
		order   float64 // 0: no order fitted
		numeric float64 // the Numeric a Mismatch must report; NaN: not checked
		reason  string
	}{
		{"right", smooth, 0.4, dsmooth, 0, OK, 2, math.NaN(), "a right derivative: remainder O(h²)"},
		{"1% wrong", smooth, 0.4, 1.01 * dsmooth, 0, Mismatch, 1, dsmooth, "the linear term shows below h ≈ 0.01·|f'|/|f''|"},
		{"sign", smooth, 0.4, -dsmooth, 0, Mismatch, 1, dsmooth, "a flipped sign"},
		{"noise-limited right", noisy, 0.5, 1, 0, Inconclusive, -1, math.NaN(), "order 2 only at steps too large to bound the error"},
		{"noise-limited 3% wrong", noisy, 0.5, 1.03, 0, Inconclusive, -1, math.NaN(), "must not be made OK by a fit at large steps"},
		// A measured noise of 1e-4 leaves only steps above 0.3 usable,
		// where tanh has saturated: r ≈ h·a − const, of order 1 with a
		// right derivative.
		{"saturated", func(x []float64) float64 { return math.Tanh(x[0]) }, 0.5, 1 - math.Pow(math.Tanh(0.5), 2), 1e-4, Inconclusive, -1, math.NaN(), "order 1 from saturation is not a wrong derivative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := []float64{tc.x}
			c := opinionChecker(t, tc.f, x, math.Abs(tc.a))
			c.sigma = tc.sigma
			e := Entry{Index: 0, Analytic: tc.a, Verdict: Inconclusive, Left: math.NaN(), Right: math.NaN()}
			e, err := c.taylorOpinion(0, 0, e, tc.sigma, false)
			if err != nil {
				t.Fatal(err)
			}
			if e.Verdict != tc.want {
				t.Errorf("verdict %v (Taylor order %.3f), want %v: %s", e.Verdict, e.TaylorOrder, tc.want, tc.reason)
			}
			if tc.order > 0 && math.Abs(float64(e.TaylorOrder)-tc.order) > 0.2 {
				t.Errorf("Taylor order %.3f, want %v ± 0.2", e.TaylorOrder, tc.order)
			}
			if !math.IsNaN(tc.numeric) && math.Abs(e.Numeric-tc.numeric) > 1e-3*math.Abs(tc.numeric) {
				t.Errorf("Numeric %v, want the true derivative %v to 1e-3", e.Numeric, tc.numeric)
			}
			if x[0] != tc.x {
				t.Errorf("x[0] = %v after the second opinion, want %v", x[0], tc.x)
			}
		})
	}
}

// A saturated function seen only at large steps: f(x+h) − f(x) levels off
// at 0.01 by h = 0.05 while round-off of 1e-3 hides every step below
// about 0.1. There r = h·a − 0.01 grows like h, an order of 1, though the
// derivative a = 1 is right (the slope of 0.01·tanh(h/0.01) at 0). The
// increment's own flatness must keep that from being called a Mismatch.
func TestFitTaylorSaturation(t *testing.T) {
	const a = 1.0
	eval := func(h float64) (r, incr, noise, step float64, err error) {
		incr = 0.01 * math.Tanh(h/0.01)
		return math.Abs(incr - h*a), incr, 1e-3, h, nil
	}
	fit, err := fitTaylor(eval, 1, fdiff.Float64, 2)
	if err != nil {
		t.Fatal(err)
	}
	if fit.Verdict == Mismatch {
		t.Errorf("saturation taken for a wrong derivative: order %.3f over h in [%.3g, %.3g]", fit.Order, fit.Steps[fit.Lo], fit.Steps[fit.Hi])
	}
	// The same remainders with an increment that grows, as that of a
	// derivative wrong by 1 does (f flat, a = 1): a Mismatch.
	wrong := func(h float64) (r, incr, noise, step float64, err error) {
		incr = 0.5 * h
		return math.Abs(incr - h*a), incr, 1e-3, h, nil
	}
	if fit, _ := fitTaylor(wrong, 1, fdiff.Float64, 2); fit.Verdict != Mismatch {
		t.Errorf("a derivative wrong by 0.5 is %v (order %.3f)", fit.Verdict, fit.Order)
	}
}
