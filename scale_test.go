package gradcheck_test

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/optimize/functions"
	"pgregory.net/rapid"

	"github.com/gradcheck/gradcheck"
)

// TestPropertyScaleEquivariance: a loss and its gradient multiplied by a
// power of two 2^k get the same verdicts, with every estimate and error
// bound multiplied by 2^k to the bit and the same number of evaluations,
// wherever the scaled values stay in the normal range. Multiplying by a
// power of two is exact, and every rule of the checker is relative to
// the loss and its gradient, so nothing may change: this is the check that
// a loss near 1e200 or 1e-200 is judged as the same loss near 1. The
// draws are those of TestPropertyExactGradientsPass, with one entry off
// by 1e-4 in half of them, scaled so that the largest of the loss and the
// gradient, at the point and a whole scale away along every coordinate,
// stands near 2⁸⁵⁰, and so that the smallest stands near 2⁻⁸⁵⁰; draws
// whose values span more than 2⁴⁰⁰ are left out. Half are checked entry
// by entry, half along three directions (Options.Directions). Before the
// noise estimate scaled its values (fdiff.NoiseCeiling), a third of the
// draws scaled up changed, most to Inconclusive with an error bound of
// +Inf; before the directional tolerance did (dirCheck.measure), a
// gradient above about 1e154 passed every direction, wrong or not.
func TestPropertyScaleEquivariance(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e, x := drawCase(t)
		n := len(x)
		bad := rapid.IntRange(-1, n-1).Draw(t, "bad") // −1: no bug
		opts := &gradcheck.Options{Directions: rapid.SampledFrom([]int{0, 3}).Draw(t, "directions")}
		if e.underflows(x) {
			t.Skip("gradual underflow")
		}
		hi, lo := exponentRange(x, e)
		if hi < lo || hi-lo > 400 {
			t.Skip("values span too many orders")
		}
		check := func(k int) *gradcheck.Report {
			f := func(x []float64) float64 { return math.Ldexp(e.eval(x, nil, 0), k) }
			grad := func(dst, x []float64) {
				clear(dst)
				e.eval(x, dst, 1)
				for i := range dst {
					dst[i] = math.Ldexp(dst[i], k)
				}
				if bad >= 0 {
					dst[bad] *= 1 + 1e-4
				}
			}
			rep, err := gradcheck.Gradient(f, grad, x, opts)
			if err != nil {
				t.Fatalf("%v at x = %v, scaled by 2^%d: %v", e, x, k, err)
			}
			return rep
		}
		base := check(0)
		for _, k := range []int{850 - hi, -850 - lo} {
			rep := check(k)
			if rep.Evals != base.Evals {
				t.Fatalf("%v at x = %v: %d loss evaluations, %d scaled by 2^%d", e, x, base.Evals, rep.Evals, k)
			}
			for i, want := range base.Directions {
				got := rep.Directions[i]
				if got.Verdict != want.Verdict || got.Located != want.Located || math.Ldexp(got.Numeric, -k) != want.Numeric || math.Ldexp(got.ErrEst, -k) != want.ErrEst || math.Ldexp(got.Threshold, -k) != want.Threshold {
					t.Fatalf("%v at x = %v, direction %d (bug at %d): %+v; scaled by 2^%d: %+v\n%s\n%s", e, x, i, bad, want, k, got, base, rep)
				}
			}
			if len(rep.Blocks) != len(base.Blocks) {
				t.Fatalf("%v at x = %v: %d blocks reported, %d scaled by 2^%d", e, x, len(base.Blocks), len(rep.Blocks), k)
			}
			if len(base.Blocks) == 0 {
				continue
			}
			if len(rep.Blocks[0].Entries) != len(base.Blocks[0].Entries) {
				t.Fatalf("%v at x = %v: %d entries reported, %d scaled by 2^%d", e, x, len(base.Blocks[0].Entries), len(rep.Blocks[0].Entries), k)
			}
			for i, want := range base.Blocks[0].Entries {
				got := rep.Blocks[0].Entries[i]
				if got.Verdict != want.Verdict || math.Ldexp(got.Numeric, -k) != want.Numeric || math.Ldexp(got.ErrEst, -k) != want.ErrEst {
					t.Fatalf("%v at x = %v, x[%d] (bug at %d): %v, numeric %v ± %v; scaled by 2^%d: %v, numeric %v ± %v (scaled back)\n%s\n%s",
						e, x, i, bad, want.Verdict, want.Numeric, want.ErrEst, k, got.Verdict, math.Ldexp(got.Numeric, -k), math.Ldexp(got.ErrEst, -k), base, rep)
				}
			}
		}
	})
}

// exponentRange returns the largest and the smallest binary exponent of
// the nonzero values and gradient entries of the expressions es over the
// region a check evaluates them in: at x, and a whole scale away along
// every coordinate. x is left as it was.
func exponentRange(x []float64, es ...*expr) (hi, lo int) {
	hi, lo = math.MinInt, math.MaxInt
	see := func() {
		for _, e := range es {
			g := make([]float64, len(x))
			for _, v := range append(g, e.eval(x, g, 1)) {
				if v != 0 {
					_, ex := math.Frexp(v)
					hi, lo = max(hi, ex), min(lo, ex)
				}
			}
		}
	}
	see()
	for i, x0 := range x {
		for _, d := range []float64{-1, 1} {
			x[i] = x0 + d*max(math.Abs(x0), 1)
			see()
		}
		x[i] = x0
	}
	return hi, lo
}

// TestPropertyScaleEquivarianceJacobian is TestPropertyScaleEquivariance
// for the checks of a function of two outputs: its Jacobian, and its VJP
// and JVP along the default three cotangents or tangents, with one entry
// of the Jacobian off by 1e-4 in most draws.
func TestPropertyScaleEquivarianceJacobian(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 4).Draw(t, "n")
		e1, e2 := genExpr(t, n, 4), genExpr(t, n, 4)
		x := make([]float64, n)
		for i := range x {
			x[i] = rapid.Float64Range(-3, 3).Draw(t, fmt.Sprintf("x%d", i))
		}
		bad := rapid.IntRange(-1, 2*n-1).Draw(t, "bad") // −1: no bug
		which := rapid.SampledFrom([]string{"Jacobian", "VJP", "JVP"}).Draw(t, "check")
		if e1.underflows(x) || e2.underflows(x) {
			t.Skip("gradual underflow")
		}
		hi, lo := exponentRange(x, e1, e2)
		if hi < lo || hi-lo > 400 {
			t.Skip("values span too many orders")
		}
		check := func(k int) *gradcheck.Report {
			f := func(dst, x []float64) {
				dst[0] = math.Ldexp(e1.eval(x, nil, 0), k)
				dst[1] = math.Ldexp(e2.eval(x, nil, 0), k)
			}
			jac := func(dst, x []float64) {
				clear(dst)
				e1.eval(x, dst[:n], 1)
				e2.eval(x, dst[n:], 1)
				for i := range dst {
					dst[i] = math.Ldexp(dst[i], k)
				}
				if bad >= 0 {
					dst[bad] *= 1 + 1e-4
				}
			}
			var rep *gradcheck.Report
			var err error
			switch which {
			case "Jacobian":
				rep, err = gradcheck.Jacobian(f, jac, 2, x, nil)
			case "VJP":
				rep, err = gradcheck.VJP(f, func(dst, x, w []float64) {
					j := make([]float64, 2*n)
					jac(j, x)
					for i := range dst {
						dst[i] = w[0]*j[i] + w[1]*j[n+i]
					}
				}, 2, x, nil)
			case "JVP":
				rep, err = gradcheck.JVP(f, func(dst, x, v []float64) {
					j := make([]float64, 2*n)
					jac(j, x)
					dst[0], dst[1] = 0, 0
					for i := range v {
						dst[0] += j[i] * v[i]
						dst[1] += j[n+i] * v[i]
					}
				}, 2, x, nil)
			}
			if err != nil {
				t.Fatalf("%s of (%v, %v) at x = %v, scaled by 2^%d: %v", which, e1, e2, x, k, err)
			}
			return rep
		}
		base := check(0)
		for _, k := range []int{850 - hi, -850 - lo} {
			rep := check(k)
			if rep.Evals != base.Evals {
				t.Fatalf("%s of (%v, %v) at x = %v: %d evaluations, %d scaled by 2^%d", which, e1, e2, x, base.Evals, rep.Evals, k)
			}
			for b := range base.Blocks {
				for i, want := range base.Blocks[b].Entries {
					got := rep.Blocks[b].Entries[i]
					if got.Verdict != want.Verdict || math.Ldexp(got.Numeric, -k) != want.Numeric || math.Ldexp(got.ErrEst, -k) != want.ErrEst {
						t.Fatalf("%s of (%v, %v) at x = %v, block %d entry %d (bug at %d): %+v; scaled by 2^%d: %+v\n%s\n%s", which, e1, e2, x, b, i, bad, want, k, got, base, rep)
					}
				}
			}
		}
	})
}

// TestHugeLoss: a loss near 1e200 is judged as the same loss near 1, and
// one near MaxFloat64 does not pass what it cannot resolve. Its
// differences square to +Inf, which the noise estimate took for noise of
// σ = +Inf: every refined entry became Inconclusive with an error bound of
// +Inf, a gradient off by 1% among them; and along directions the
// tolerance, a norm of the gradient, was +Inf. gonum's Gaussian function far
// from its minimum, at 2.6e285, is such a loss (the corpus sweep found
// it): its steep exponential makes the first pass refine two entries.
func TestHugeLoss(t *testing.T) {
	for _, scale := range []float64{1e200, 1e280} {
		f := func(x []float64) float64 {
			v := 0.0
			for _, xi := range x {
				v += scale * (xi*xi + math.Sin(3*xi))
			}
			return v
		}
		gradWith := func(bug float64) func(dst, x []float64) {
			return func(dst, x []float64) {
				for i, xi := range x {
					dst[i] = scale * (2*xi + 3*math.Cos(3*xi))
				}
				dst[1] *= bug
			}
		}
		x := []float64{0.7, -1.3, 2.1}
		rep, err := gradcheck.Gradient(f, gradWith(1), x, nil)
		if err != nil || !rep.OK() {
			t.Errorf("scale %g, exact gradient: %v\n%v", scale, err, rep)
		}
		rep, err = gradcheck.Gradient(f, gradWith(1.01), x, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range rep.Blocks[0].Entries {
			if want := map[bool]gradcheck.Verdict{true: gradcheck.Mismatch, false: gradcheck.OK}[e.Index == 1]; e.Verdict != want {
				t.Errorf("scale %g, x[1] off by 1%%: x[%d] is %v, want %v\n%v", scale, e.Index, e.Verdict, want, rep)
			}
		}
		// Along directions, whose tolerance is a norm of the gradient:
		// its sum of squares was +Inf, and every direction passed.
		rep, err = gradcheck.Gradient(f, gradWith(1.01), x, &gradcheck.Options{Directions: 3})
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() || len(rep.Blocks) != 1 || len(rep.Blocks[0].Failures()) != 1 || rep.Blocks[0].Failures()[0].Index != 1 {
			t.Errorf("scale %g, x[1] off by 1%%, along directions: not located at x[1] alone\n%v", scale, rep)
		}
	}
	g := functions.Gaussian{}
	x := []float64{-2.908288132303255, -3.045436794360495, -11.166072739509628}
	rep, err := gradcheck.Gradient(g.Func, g.Grad, x, nil)
	if err != nil || !rep.OK() {
		t.Errorf("gonum Gaussian at %v (loss %g): %v\n%v", x, g.Func(x), err, rep)
	}
	// gonum's BiggsEXP2 at a loss of 5.07e307, within a factor of four of
	// MaxFloat64: the second difference over the first-pass step, f⁽²⁾ of
	// 3.5e310, overflowed, and so did the input floor it makes, which
	// passed a gradient off by any amount at the first pass, with an
	// error bound of 3.3e294 on an entry of 1e308. It may pass coarsely,
	// not more finely than the bug.
	b := functions.BiggsEXP2{}
	x = []float64{-102.83068474999347, -352.6485759058686}
	for _, rel := range []float64{1e-6, 1e-3} {
		rep, err := gradcheck.Gradient(b.Func, func(dst, x []float64) {
			b.Grad(dst, x)
			dst[1] *= 1 + rel
		}, x, nil)
		if err != nil {
			t.Fatal(err)
		}
		if e := rep.Blocks[0].Entries[1]; e.Verdict.Pass() && 4*e.ErrEst < rel*math.Abs(e.Analytic)/(1+rel) {
			t.Errorf("gonum BiggsEXP2 at %v (loss %g), x[1] off by %g: %v with an error bound of %.3g, finer than the bug\n%v", x, b.Func(x), rel, e.Verdict, e.ErrEst, rep)
		}
	}
}
