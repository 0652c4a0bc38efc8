package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestWrongGradientAfterGrowthOutsideRegime: gradients off by a relative
// 1e-4 where the ladder's larger steps are beyond the reach of the
// expansion, shrunk from seeds 9101 and 9125 of the float64 property test.
// The corrections of the central differences shrank, then grew, then
// shrank by a quarter per halving down to the last row, which converged
// far below the disagreement. The growth is truncation, not noise: noise δ
// would have kept the corrections near δ/h. Taken for noise (grownNoise),
// it put σ at 1.3e-4 and 0.039, with which the entry was judged again and
// passed, resolved to 0.5% and to 360% (against the slopes nearby), once
// judge's early Mismatch was held back; each is a Mismatch, and the exact
// gradients pass.
func TestWrongGradientAfterGrowthOutsideRegime(t *testing.T) {
	t.Run("seed 9101", func(t *testing.T) {
		// sin(sin(2x0²·x1²·softplus(x1))) at (0.2734375, 3): a growth at
		// step 0.00625.
		softplus := func(u float64) float64 { return math.Log1p(math.Exp(u)) }
		f := func(x []float64) float64 {
			return math.Sin(math.Sin((x[0]*x[0] + x[0]*x[0]) * (x[1] * x[1] * softplus(x[1]))))
		}
		grad := func(rel float64) func(d, x []float64) {
			return func(d, x []float64) {
				a, b := 2*x[0]*x[0], x[1]*x[1]*softplus(x[1])
				u := a * b
				outer := math.Cos(math.Sin(u)) * math.Cos(u)
				d[0] = outer * 4 * x[0] * b * (1 + rel)
				d[1] = outer * a * (2*x[1]*softplus(x[1]) + x[1]*x[1]/(1+math.Exp(-x[1])))
			}
		}
		wantVerdicts(t, f, grad(1e-4), []float64{0.2734375, 3}, 0)
		wantVerdicts(t, f, grad(0), []float64{0.2734375, 3}, -1)
	})
	t.Run("seed 9125", func(t *testing.T) {
		// x·sin(x³·et(x²)) at x = 3, et(u) = exp(2·tanh(u)): the argument
		// turns 200 radians per unit of x, and the corrections grew at
		// step 0.019, nearly 4 radians.
		et := func(u float64) float64 { return math.Exp(2 * math.Tanh(u)) }
		f := func(x []float64) float64 { return math.Sin((x[0]*(x[0]*x[0]))*et(x[0]*x[0])) * x[0] }
		grad := func(rel float64) func(d, x []float64) {
			return func(d, x []float64) {
				v := x[0]
				th := math.Tanh(v * v)
				e := et(v * v)
				u := v * v * v * e
				du := 3*v*v*e + v*v*v*e*2*(1-th*th)*2*v
				d[0] = (math.Cos(u)*du*v + math.Sin(u)) * (1 + rel)
			}
		}
		wantVerdicts(t, f, grad(1e-4), []float64{3}, 0)
		wantVerdicts(t, f, grad(0), []float64{3}, -1)
	})
}

// staircaseTimesSmooth is (1 + tanh((x1 + x2)·x1·x3))·x1 and its gradient
// with ∂/∂x1 times factor (TestIllConditioned).
func staircaseTimesSmooth(factor float64) (func([]float64) float64, func(dst, x []float64)) {
	f := func(x []float64) float64 { return (1 + math.Tanh((x[1]+x[2])*(x[1]*x[3]))) * x[1] }
	grad := func(dst, x []float64) {
		u := (x[1] + x[2]) * (x[1] * x[3])
		th := math.Tanh(u)
		s := 1 - th*th
		dst[0] = 0
		dst[1] = ((1 + th) + x[1]*s*(x[1]*x[3]+(x[1]+x[2])*x[3])) * factor
		dst[2] = x[1] * s * x[1] * x[3]
		dst[3] = x[1] * s * (x[1] + x[2]) * x[1]
	}
	return f, grad
}

// TestWrongGradientOnStaircaseTimesSmooth: TestIllConditioned's staircases
// times a smooth factor with ∂/∂x1 off by 10%, doubled, left out or of the
// wrong sign. With judge's early Mismatch held back where the ladder shows
// more noise than it was judged with, the steps above the stair's flat
// resolve it, and each is a Mismatch.
func TestWrongGradientOnStaircaseTimesSmooth(t *testing.T) {
	for _, x := range [][]float64{{1, 2.06640625, 0.5, -3}, {1, 2.146484375, 0.03125, -3}} {
		for _, factor := range []float64{1.1, 2, 0, -1} {
			f, grad := staircaseTimesSmooth(factor)
			wantVerdicts(t, f, grad, x, 1)
		}
	}
}

// saturatedTimesShift is (1 − tanh²(s·x3))·s with s = x0 + 2c, a row of
// the gradient of a composition (a Hessian check's scalar function), and
// its gradient with ∂/∂x0 times factor (TestIllConditioned). At x = (3, ·,
// ·, 3), 1 − tanh²(s·x3) = 1.6e-14 lies on the grid of an ulp of 1.
func saturatedTimesShift(factor float64) (func([]float64) float64, func(dst, x []float64)) {
	const c = 1.2640199749630252
	f := func(x []float64) float64 {
		s := x[0] + 2*c
		t := math.Tanh(s * x[3])
		return (1 + -1*(t*t)) * (s * 1)
	}
	grad := func(dst, x []float64) {
		s := x[0] + 2*c
		t := math.Tanh(s * x[3])
		a := 1 - t*t
		d := -2 * t * a // d(1 − tanh²(u))/du
		clear(dst)
		dst[0] = (a + s*d*x[3]) * factor
		dst[3] = s * d * s
	}
	return f, grad
}

// saturatedTimesShiftX is where TestIllConditioned checks
// saturatedTimesShift.
var saturatedTimesShiftX = []float64{3, 7.864595981983398e-100, -2.718785385850072e-192, 3}

// TestWrongGradientOnStairEdge: TestIllConditioned's staircase whose edge
// the ladder crosses (saturatedTimesShift) with ∂/∂x0 doubled, left out or
// of the wrong sign. With the loss's quantum read from the stair's edge
// (stairEdge), the steps above the edge resolve the derivative to 3% and
// each is a Mismatch. (Off by 10%, it passes with an error bound of 1.5e-14,
// K times which, 5.9e-14, covers the bug, 5.1e-14: at what the loss's
// rounding resolves.)
func TestWrongGradientOnStairEdge(t *testing.T) {
	for _, factor := range []float64{2, 0, -1} {
		f, grad := saturatedTimesShift(factor)
		wantVerdicts(t, f, grad, append([]float64(nil), saturatedTimesShiftX...), 0)
	}
}

// TestWrongGradientOnStaircaseNotKink: a second derivative off by a
// relative 1e-4, found by a property test of the Hessian check and reduced
// to the row function it checks: ∂f/∂x1 of f = tanh(x1 + (x1 + c)·x1²) at
// x1 = −1.684, (1 − tanh²(w))·p(x1) with w = −10.4, so 1 − tanh²(w) = 3.7e-9
// lies on the grid of an ulp of 1, a relative quantum of 3e-8. The
// one-sided slopes at the three smallest steps differ by a few quanta over
// the step, which against a round-off bound of one rounding of the loss
// isKink took for a jump: the entry passed as a Kink of a smooth function,
// its subgradients [1.43966e-6, 1.44001e-6] holding both the right value,
// 1.4396661e-6, and the wrong one. The ladder's corrections had grown
// beyond its noise (grownNoise), and a Kink from such a ladder is judged
// again with the noise measured along the entry, as a Mismatch is: a
// Mismatch, and the exact value OK.
func TestWrongGradientOnStaircaseNotKink(t *testing.T) {
	const c = -1.3888815627838298
	g1 := func(x []float64) float64 { // ∂f/∂x1, as a symbolic derivative computes it
		x1 := x[1]
		th := math.Tanh(x1 + (x1+c)*(x1*x1))
		return (1 + -1*(th*th)) * (1 + ((1 * (x1 * x1)) + ((x1 + c) * ((1 * x1) + (x1 * 1)))))
	}
	const h11 = 1.4396660933833465e-06 // ∂²f/∂x1², by reverse accumulation through g1
	x := []float64{1.195960521697998, -1.6842234761978936}
	for _, rel := range []float64{1e-4, -1e-4} {
		wantVerdicts(t, g1, func(dst, x []float64) { dst[0], dst[1] = 0, h11*(1+rel) }, x, 1)
	}
	wantVerdicts(t, g1, func(dst, x []float64) { dst[0], dst[1] = 0, h11 }, x, -1)
}

// wantVerdicts checks grad of f at x and wants entry k a Mismatch (none for
// k < 0) and every other entry OK.
func wantVerdicts(t *testing.T, f func([]float64) float64, grad func(dst, x []float64), x []float64, k int) {
	t.Helper()
	rep, err := gradcheck.Gradient(f, grad, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Blocks[0].Entries {
		want := gradcheck.OK
		if e.Index == k {
			want = gradcheck.Mismatch
		}
		if e.Verdict != want {
			t.Errorf("x[%d] of %v: %v, want %v\n%s", e.Index, x, e.Verdict, want, rep)
		}
	}
}

// TestWrongGradientAfterDispute: two losses whose last row's Mismatch the
// ladder's own rows dispute (towardAnalytic, strictlyInRegime), with the
// derivative off by 1e-4. The Taylor remainder, asked next, finds order 2
// at its large steps, where the bug is small beside h·f⁽²⁾, and its OK
// passed them (float64 property seeds 9135 and 9139): it may confirm a
// disputed disagreement but not overrule it (climb). The exact gradients
// pass.
func TestWrongGradientAfterDispute(t *testing.T) {
	et := func(u float64) (v, d float64) {
		th := math.Tanh(u)
		v = math.Exp(2 * th)
		return v, v * 2 * (1 - th*th)
	}
	// 1 + exp-tanh(√(1 + x⁴)) near x = 0.0054.
	quartic := func(x []float64) float64 {
		u := x[0] * x[0]
		v, _ := et(math.Sqrt(1 + u*u))
		return 1 + v
	}
	quarticGrad := func(rel float64) func(dst, x []float64) {
		return func(dst, x []float64) {
			u := x[0] * x[0]
			s := math.Sqrt(1 + u*u)
			_, d := et(s)
			dst[0] = d * (u / s) * 2 * x[0] * (1 + rel)
		}
	}
	// exp-tanh(tanh(c·softplus(w·x))) at x = 2.53, the tanh saturated.
	const c, w = 1.7044979634229094, 1.9999999999417923
	saturated := func(x []float64) float64 {
		a := w * x[0]
		sp := math.Log1p(math.Exp(-math.Abs(a))) + math.Max(a, 0)
		v, _ := et(math.Tanh(c * sp))
		return v
	}
	saturatedGrad := func(rel float64) func(dst, x []float64) {
		return func(dst, x []float64) {
			a := w * x[0]
			sp := math.Log1p(math.Exp(-math.Abs(a))) + math.Max(a, 0)
			th := math.Tanh(c * sp)
			_, d := et(th)
			dst[0] = d * (1 - th*th) * c / (1 + math.Exp(-a)) * w * (1 + rel)
		}
	}
	for _, tc := range []struct {
		name string
		f    func([]float64) float64
		grad func(rel float64) func(dst, x []float64)
		x    float64
	}{
		{"1 + exp-tanh(√(1 + x⁴))", quartic, quarticGrad, 0.005392263876274228},
		{"1 + exp-tanh(√(1 + x⁴))", quartic, quarticGrad, 0.0053503},
		{"exp-tanh(tanh(c·softplus(w·x)))", saturated, saturatedGrad, 2.5253359526395798},
	} {
		for _, rel := range []float64{0, 1e-4} {
			rep, err := gradcheck.Gradient(tc.f, tc.grad(rel), []float64{tc.x}, nil)
			if err != nil {
				t.Fatal(err)
			}
			e := rep.Blocks[0].Entries[0]
			if pass := e.Verdict.Pass(); pass != (rel == 0) {
				t.Errorf("%s at x = %v, derivative off by %g: %v (Taylor order %.3g)\n%s", tc.name, tc.x, rel, e.Verdict, e.TaylorOrder, rep)
			}
		}
	}
}

// sineAndFarUnit is sin(w·x0) + a·tanh(10⁴·(x0 − 0.003)) and its gradient
// times factor: at x0 = 0 the tanh is saturated to 1e-26 of its
// asymptote, and its transition, 0.003 away, is crossed by the ladder's
// steps from 0.1 down to 0.0031 on one side only (TestSaturatedUnitNotStair).
func sineAndFarUnit(w, a, factor float64) (func([]float64) float64, func(dst, x []float64)) {
	f := func(x []float64) float64 { return math.Sin(w*x[0]) + a*math.Tanh(1e4*(x[0]-0.003)) }
	grad := func(dst, x []float64) {
		th := math.Tanh(1e4 * (x[0] - 0.003))
		dst[0] = (w*math.Cos(w*x[0]) + a*1e4*(1-th*th)) * factor
	}
	return f, grad
}

// TestSaturatedUnitNotStair: a saturated unit seen from far
// (sineAndFarUnit at x0 = 0) is not a staircase. The last step that
// crosses its transition, 0.0031, shows the edge stairEdge looks for: a
// second difference of about 2a, F − B clear of round-off, every row
// below it at rounding, and the sine's central differences in their
// Taylor regime above it. Read as the loss's quantum, the edge, 0.0185
// for a = 0.01, sets a noise of 4.6e-3 that no step resolves: the exact
// derivative, 30, was Inconclusive (30.97 ± 1.8), and so was one off by
// 1e-4. The edge is 1/16 of the loss's change over the ladder's largest
// step, 0.302, and the bound of 1/stairCount of that change rejects it;
// so it does where the sine all but cancels over that step, w = 10π (a
// change of 2e-6, the edge's own), where a gradient off by 1e-4 passed
// through the Taylor remainder, 31.259 ± 0.16 against 31.419. A smaller
// unit passes the bound (TestSaturatedUnitNotStairLimitation).
func TestSaturatedUnitNotStair(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, a float64
	}{
		{"edge 1/16 of the change", 30, 0.01},
		{"edge all of the change", 10 * math.Pi, 1e-6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := []float64{0}
			f, grad := sineAndFarUnit(tc.w, tc.a, 1)
			wantVerdicts(t, f, grad, x, -1)
			for _, factor := range []float64{1 + 1e-4, 1 - 1e-4} {
				f, grad := sineAndFarUnit(tc.w, tc.a, factor)
				wantVerdicts(t, f, grad, x, 0)
			}
		})
	}
}

// TestSaturatedUnitNotStairLimitation keeps, skipped, a wrong gradient
// that passes: sineAndFarUnit with w = 30 and a = 1e-3, off by 1e-4. The
// unit's edge, 1.9e-3, is below 1/32 of the loss's change over the
// largest step, 0.284, so stairEdge takes it for the loss's quantum, and
// with that noise the gradient is accepted. With no edge read (stairEdge
// returning 0) it is a Mismatch. Of a from 1e-9 to 3e-3 by decades, 1e-6,
// 1e-3 and 3e-3 pass so; 1e-5 and 1e-4 pass with or without the edge, by
// another way. Remove the Skip to see the report.
func TestSaturatedUnitNotStairLimitation(t *testing.T) {
	t.Skip("fails on purpose: a known limitation, kept so that it can be seen")
	for _, factor := range []float64{1 + 1e-4, 1 - 1e-4} {
		f, grad := sineAndFarUnit(30, 1e-3, factor)
		wantVerdicts(t, f, grad, []float64{0}, 0)
	}
}
