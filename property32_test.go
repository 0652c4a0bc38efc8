package gradcheck_test

import (
	"fmt"
	"math"
	"testing"

	"pgregory.net/rapid"

	"github.com/gradcheck/gradcheck"
)

// eval32 evaluates e as a float32 model would, every intermediate rounded
// to float32. It sets *under when a value is a float32 subnormal or a
// product of nonzero factors rounds to zero (see underflows).
func (e *expr) eval32(x []float32, under *bool) float32 {
	var v float32
	switch e.op {
	case "x":
		return x[e.i]
	case "c":
		v = float32(e.c)
	case "add":
		v = e.args[0].eval32(x, under) + e.args[1].eval32(x, under)
	case "mul":
		a, b := e.args[0].eval32(x, under), e.args[1].eval32(x, under)
		v = a * b
		if a != 0 && b != 0 && v == 0 {
			*under = true
		}
	case "scale":
		a := e.args[0].eval32(x, under)
		v = float32(e.c) * a
		if e.c != 0 && a != 0 && v == 0 {
			*under = true
		}
	default:
		u, _ := e.unary(float64(e.args[0].eval32(x, under)))
		v = float32(u)
	}
	if v != 0 && math.Abs(float64(v)) < 0x1p-126 {
		*under = true
	}
	return v
}

// round32 returns a copy of e whose constants are rounded to float32, as
// eval32 rounds them. The float32 loss computes that function, not e: a
// constant's rounding is no round-off that varies with x but a fixed change
// of the function, which finite differences of the loss see and no step can
// undo. Where constants cancel it is far from small: 1.99951171875 −
// 1.9995118975639343 is −1.8e-7 in float64 and −2.4e-7 in float32, so the
// derivative of sin((x0 + 1)·(that sum)) at x0 = 1 differs by a third
// (seed 23). The exact gradient is the one of the rounded function.
func (e *expr) round32() *expr {
	r := *e
	if e.op == "c" || e.op == "scale" {
		r.c = float64(float32(e.c))
	}
	r.args = make([]*expr, len(e.args))
	for i, a := range e.args {
		r.args[i] = a.round32()
	}
	return &r
}

// TestPropertyExactGradientsPass32 is TestPropertyExactGradientsPass for a
// float32 model: the parameters are float32, the loss rounds every
// intermediate to float32, and the gradient is the exact one rounded to
// float32 (its own error, ε32·|a|, is far below float32's Rtol). The
// exceptions are those of the float64 test, in float32's terms: gradual
// underflow in float32 (of a value or of a gradient entry) is not judged,
// nor an entry along which the loss is constant to the bit at every step
// the checker tries, and Inconclusive is allowed for a derivative too small
// to resolve (invisible32).
//
// And, as the float64 test allows for the analytic value's round-off, an
// entry the float32 loss itself cannot be true to: where intermediates
// cancel, the slope of what the loss computes is off from the exact
// derivative by up to the gradient's error bound in float32's unit
// (gradErr with unit32), since the loss rounds those intermediates and
// the exact gradient does not. (sin(1.5625) − 1)·x0 has the slope
// float32(sin(1.5625)) − 1 = −3.4392e-5 as float32 computes it, against an
// exact −3.4414e-5: a relative 6.5e-4, above float32's Rtol, which finite
// differences of the loss measure to 9e-11 (seed 397). An entry whose
// bound is above Rtol·(|a| + 1e-3·G) may be Inconclusive, or a Mismatch
// whose disagreement is within that bound and K·ErrEst.
func TestPropertyExactGradientsPass32(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e, x, x64 := drawCase32(t)
		n := len(x)
		under := e.underflows(x64)
		e.eval32(x, &under)
		exact := make([]float64, n)
		e.eval(x64, exact, 1)
		if under || underflows32(exact) {
			t.Skip("gradual underflow in float32")
		}
		m := model32(e, x, func(g []float32) {
			xx := make([]float64, len(x))
			for i, v := range x {
				xx[i] = float64(v)
			}
			gg := make([]float64, len(x))
			e.eval(xx, gg, 1)
			for i := range g {
				g[i] = float32(gg[i])
			}
		})
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		f32 := e.loss32
		fx := max(math.Abs(m.Loss()), e.terms(x64, 1))
		gerr := e.gradErr(x64, unit32)
		g := 0.0 // the gradient's scale, as the checker takes it
		for _, en := range rep.Blocks[0].Entries {
			g = max(g, math.Abs(en.Analytic))
		}
		for _, en := range rep.Blocks[0].Entries {
			if en.Verdict.Pass() || constantAlong32(f32, x64, en.Index) {
				continue
			}
			if en.Verdict == gradcheck.Inconclusive && invisible32(en.Analytic, x64[en.Index], fx) {
				continue
			}
			if inexactExcused(en, gerr[en.Index], rtol32, g) {
				continue
			}
			t.Fatalf("exact gradient of %v at x = %v not accepted in float32 at x[%d] (f = %.9g, terms %.3g):\n%s", e, x, en.Index, m.Loss(), e.terms(x64, 1), rep)
		}
		if len(rep.Hazards) > 0 {
			t.Fatalf("hazards on a pure function:\n%s", rep)
		}
	})
}

// TestPropertyWrongGradientsFail32 is TestPropertyWrongGradientsFail for
// a float32 model: one entry of the exact gradient, rounded to float32, off
// by a relative 1e-2, must not pass with a resolution finer than the bug
// (an OK whose K·ErrEst is at least the bug says it cannot tell, as the
// report's summary does), and no other entry may be a Mismatch. The bug
// is only required to be found where it is ten times above what a finite
// difference can resolve in float32 (invisible32's limit, for the bug's
// own size) and ten times above the checker's allowance for the rounding
// of the inputs (inputAllowance32), where the first pass's truncation is
// below a quarter of the bug (firstPassTruncation32), and where the wrong
// entry is at least 1e-2 of the gradient's largest; the other entries may
// be Inconclusive where invisible32 or constantAlong32 excuses them in
// TestPropertyExactGradientsPass32.
func TestPropertyWrongGradientsFail32(t *testing.T) {
	const rel = 1e-2
	rapid.Check(t, func(t *rapid.T) {
		e, x, x64 := drawCase32(t)
		n := len(x)
		bad := rapid.IntRange(0, n-1).Draw(t, "bad")
		under := e.underflows(x64)
		e.eval32(x, &under)
		exact := make([]float64, n)
		e.eval(x64, exact, 1)
		norm := 0.0
		for _, g := range exact {
			norm = math.Max(norm, math.Abs(g))
		}
		if under || underflows32(exact) {
			t.Skip("gradual underflow in float32")
		}
		fx := max(math.Abs(float64(func() float32 { var u bool; return e.eval32(x, &u) }())), e.terms(x64, 1))
		bug := rel * math.Abs(exact[bad])
		if bug < 1e-2*rel*norm || invisible32(bug/10, x64[bad], fx) || bug <= 10*inputAllowance32(e, x64, bad) {
			t.Skip("a bug below what float32 differences resolve")
		}
		if firstPassTruncation32(e, x64, bad) >= bug/4 {
			t.Skip("the first pass's truncation as large as the bug")
		}
		m := model32(e, x, func(g []float32) {
			for i := range g {
				g[i] = float32(exact[i])
			}
			g[bad] = float32(exact[bad] * (1 + rel))
		})
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		f32 := e.loss32
		for _, en := range rep.Blocks[0].Entries {
			switch {
			case en.Index == bad && en.Verdict.Pass() && 4*en.ErrEst < bug:
				t.Fatalf("gradient of %v at x = %v with x[%d] off by %g passed in float32 (f = %.9g, terms %.3g):\n%s", e, x, bad, rel, m.Loss(), e.terms(x64, 1), rep)
			case en.Index != bad && en.Verdict == gradcheck.Mismatch:
				t.Fatalf("gradient of %v at x = %v with x[%d] off by %g: x[%d], exact, is a Mismatch in float32:\n%s", e, x, bad, rel, en.Index, rep)
			case en.Index != bad && !en.Verdict.Pass() && !constantAlong32(f32, x64, en.Index) && !invisible32(en.Analytic, x64[en.Index], fx):
				t.Fatalf("gradient of %v at x = %v with x[%d] off by %g: x[%d], exact, is %v in float32:\n%s", e, x, bad, rel, en.Index, en.Verdict, rep)
			}
		}
	})
}

// firstPassTruncation32 is the truncation error of the checker's first
// pass on entry i of a float32 model: the central difference of the exact
// loss, in float64, at the float32 first-pass step ε^(1/3)·max(|x_i|, 1) =
// 2⁻⁸·max(|x_i|, 1), against the exact derivative. One central difference
// cannot tell its own truncation from a bug of the same size, and the first
// pass accepts an entry whose difference agrees with the analytic value:
// where the truncation is about the bug and of its sign, a wrong gradient
// passes (exp-tanh(x)·x² at x = 0.0015: 2h² = 3e-5 against a derivative of
// 3e-3, a relative 1%). docs/limits.md.
func firstPassTruncation32(e *expr, x []float64, i int) float64 {
	h := 0x1p-8 * math.Max(math.Abs(x[i]), 1)
	y := append([]float64(nil), x...)
	y[i] = x[i] + h
	fp := e.eval(y, nil, 0)
	y[i] = x[i] - h
	fm := e.eval(y, nil, 0)
	g := make([]float64, len(x))
	e.eval(x, g, 1)
	return math.Abs((fp-fm)/(2*h) - g[i])
}

// inputAllowance32 is what the checker allows an entry of a float32 model
// for the rounding of the parameters and of intermediates of their size,
// K·ε·Σ_j |∂²f/∂x_i∂x_j|·max(|x_j|, 1) (doc.go, the input floor and
// measureSensitivity), from the exact Hessian row, by central differences
// of the exact gradient in float64. Near a minimum at 0 it is a large part
// of a small entry: for x² at x = 1.5e-5 it is 4.8e-7 against a derivative
// of 3e-5.
func inputAllowance32(e *expr, x []float64, i int) float64 {
	const eps32, k = 0x1p-24, 4
	sum := 0.0
	y := append([]float64(nil), x...)
	gp, gm := make([]float64, len(x)), make([]float64, len(x))
	for j := range x {
		h := 1e-6 * math.Max(math.Abs(x[j]), 1)
		clear(gp)
		clear(gm)
		y[j] = x[j] + h
		e.eval(y, gp, 1)
		y[j] = x[j] - h
		e.eval(y, gm, 1)
		y[j] = x[j]
		sum += math.Abs(gp[i]-gm[i]) / (2 * h) * math.Max(math.Abs(x[j]), 1)
	}
	return k * eps32 * sum
}

// drawCase32 draws a composition of up to six parameters, rounded to
// float32 as a float32 model computes it, and a point in [−3, 3] for it, in
// float32 and the same in float64.
func drawCase32(t *rapid.T) (e *expr, x []float32, x64 []float64) {
	n := rapid.IntRange(1, 6).Draw(t, "n")
	e = genExpr(t, n, 5).round32()
	x = make([]float32, n)
	x64 = make([]float64, n)
	for i := range x {
		x[i] = float32(rapid.Float64Range(-3, 3).Draw(t, fmt.Sprintf("x%d", i)))
		x64[i] = float64(x[i])
	}
	return e, x, x64
}

// model32 is the float32 model of the loss e over the block x, whose
// Gradient writes grad's values into the block's Grad.
func model32(e *expr, x []float32, grad func(g []float32)) *gradcheck.Model[float32] {
	g := make([]float32, len(x))
	return &gradcheck.Model[float32]{
		Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
		Loss: func() float64 {
			var u bool
			return float64(e.eval32(x, &u))
		},
		Gradient: func() { grad(g) },
	}
}

// underflows32 reports whether an entry of the exact gradient underflows
// in float32, to zero or into the subnormal range.
func underflows32(exact []float64) bool {
	for _, g := range exact {
		if g32 := float32(g); (g != 0 && g32 == 0) || (g32 != 0 && math.Abs(float64(g32)) < 0x1p-126) {
			return true
		}
	}
	return false
}

// loss32 is the float32 loss e at y, every value rounded to float32.
func (e *expr) loss32(y []float64) float64 {
	yy := make([]float32, len(y))
	for i, v := range y {
		yy[i] = float32(v)
	}
	var u bool
	return float64(e.eval32(yy, &u))
}

// invisible32 reports whether a float32 derivative a along a parameter at x,
// of a loss whose round-off is that of terms of size T, is below what the
// verdict rules can resolve: |a|·max(|x|, 1) ≤ max(√ε, (K/resolveRel)·ε^(2/3))·T,
// ε = 2⁻²⁴.
//
// √ε·T is the float64 test's limit (TestPropertyExactGradientsPass). It is
// not enough in float32. The best a central difference reaches on a loss of
// size T that varies on the parameter's scale s is an error of about
// ε^(2/3)·T/s: the truncation h²·|f⁽³⁾|/6 with |f⁽³⁾| ≈ T/s³ against the
// round-off ε·T/h, balanced at h = ε^(1/3)·s, come to (3/2)·3^(−1/3)·ε^(2/3)·T/s
// ≈ 1.04·ε^(2/3)·T/s (the reason Rtol is a multiple of ε^(2/3)). An OK needs
// K·err ≤ resolveRel·|a| (doc.go, Resolution), with err an error bound, at
// least the error itself: so |a|·s ≥ (K/resolveRel)·ε^(2/3)·T = 40·ε^(2/3)·T
// for any estimate no better than a central difference. Extrapolation does
// better only where the loss is in its Taylor regime up to steps far above
// ε^(1/3)·s, which a random composition need not be (sin(1.875·x) at x = 2.75
// turns a radian in 0.5). In float64, 40·ε^(2/3) = 9.2e-10 is below
// √ε = 1.1e-8 and the float64 limit stands; in float32, √ε = 2.4e-4 is only
// ε^(−1/6) = 16 times ε^(2/3), below the 40 times a verdict needs, and the
// limit is 40·ε^(2/3) = 6.1e-4. The test's seeds 2, 9 and 29 were
// Inconclusive at 1.2 to 1.6 times √ε·T, the checker's estimates within
// 0.04% to 0.9% and its error bounds 2.5% to 3.3% of the derivative. A
// loss that varies much faster than its parameter's scale (|f⁽³⁾| ≫ T/s³)
// is resolved more coarsely still, and this limit does not cover it. What
// counts is f⁽³⁾, not how fast the loss's value moves: seed 9 draws
// exp-tanh(sin(1.98·x)·x + …) at x = 2.76, a loss within 3e-4 of e² whose
// varying part moves by its own size over 0.16, not 2.76, with its
// derivative at 1.02 times the limit. Its |f⁽³⁾|, 0.036, is a tenth of
// T/s³, so the best central difference does better than this limit
// assumes, (3/2)·(δ²·|f⁽³⁾|/3)^(1/3) = 2.0e-5 with δ = ε·T, a K·err of
// 4.8% of the derivative; the checker resolves it (TestIllConditioned32).
func invisible32(a, x, terms float64) bool {
	const eps32 = 0x1p-24
	limit := max(math.Sqrt(eps32), k/resolveRel*math.Pow(eps32, 2.0/3))
	return math.Abs(a)*math.Max(math.Abs(x), 1) <= limit*terms
}

// resolveRel is the checker's resolveRel: an agreement is a verdict only
// where K·err is within resolveRel of the derivative (doc.go, Resolution).
const resolveRel = 0.1

// constantAlong32 is constantAlong for a float32 loss: the same to the bit
// at x and at x ± h·e_i, h rounded to float32, for every step a float32
// check tries on entry i (0.8 of max(|x_i|, 1) down to √ε32 of it).
func constantAlong32(f func([]float64) float64, x []float64, i int) bool {
	return constantDownTo(f, x, i, 1e-4, func(v float64) float64 { return float64(float32(v)) })
}

// TestIllConditioned32: exact gradients of float32 losses on which the
// checker once called a right gradient wrong, found by
// TestPropertyExactGradientsPass32. Each must pass, or be Inconclusive where
// its derivative is below what a finite difference can see (as there).
func TestIllConditioned32(t *testing.T) {
	for _, tc := range []struct {
		name, reason string
		loss         func(x []float32) float32
		grad         func(x []float32) []float64 // exact, in float64
		x            []float32
		terms        float64 // the size of the terms a loss cancels, where larger than |f|
	}{{
		"slope along one parameter through another rounded at the constants' scale",
		"x2·sin(c + (−c + x0)) with c = 1.999755859375 at x0 = 6.1e-5, x2 = 0.125, seed 36 of the float32 property test: −c + x0 rounds to the grid of 1.2e-7 near 2, so the loss computes its slope along x2 as sin(6.1035156e-5), a relative 1e-3 from the exact sin(6.1094761e-5), and exactly so: the loss is linear in x2, and the ladder measured that slope to 2e-10. No step along x2 can see the rounding of x0; the gradient's sensitivity to its inputs can (measureSensitivity)",
		func(x []float32) float32 {
			c := float32(1.999755859375)
			return x[2]*float32(math.Sin(float64(c+(-c+x[0])))) + 0
		},
		func(x []float32) []float64 {
			x0, x2 := float64(x[0]), float64(x[2])
			return []float64{x2 * math.Cos(x0), 0, math.Sin(x0)}
		},
		[]float32{6.109476e-05, 1, 0.125},
		0.25,
	}, {
		"two sides of a staircase meeting below a step",
		"tanh(−6) + 1/(1 + x0²) at x0 = 3e-6, seed 70 of the float32 property test: 1/(1 + x0²) rounds to the grid of an ulp of 1, 6e-8, and the loss, 1.2e-5, with it; the sides f(x ± h) differed by 20, 10, 5, 2 and 1 stairs from step 0.1 down and met at every smaller step, while each stayed away from f(x) by the curvature's h²; the noise measurement found nothing (at spacings 2⁻¹⁰ and 2⁻¹⁶ the squares lay on the grid exactly), and the zeros extrapolated to 0 with an error bound of 7e-10 against a derivative of −6e-6 (quantize)",
		func(x []float32) float32 {
			return float32(math.Tanh(-6)) + float32(1/(1+float64(x[0]*x[0])))
		},
		func(x []float32) []float64 {
			u := float64(x[0])
			return []float64{-2 * u / ((1 + u*u) * (1 + u*u))}
		},
		[]float32{2.9802322e-06},
		1,
	}, {
		"a sine turning many radians within the larger steps, early",
		"sin(4x⁴ − 3x³) as computed, ((x0 + x0)·(x0 + x0))·(−0.75 + x0)·x0, at x0 = −2.59375, shrunk from seed 8 of the float32 property test: the argument turns about 280 radians per unit of x0, and two of the ladder's larger steps, many radians each, gave central differences that agreed by chance with each other and, within witnessAgree of the disagreement, with the first-pass estimate; judge's early Mismatch stopped the ladder before its small steps, which converge to the analytic value. An early Mismatch now needs its rows in the Taylor regime",
		func(x []float32) float32 {
			return float32(math.Sin(float64((((x[0] + x[0]) * (x[0] + x[0])) * (0 + (-0.75 + x[0]))) * x[0])))
		},
		func(x []float32) []float64 {
			v := float64(x[0])
			return []float64{math.Cos(4*v*v*v*v-3*v*v*v) * (16*v*v*v - 9*v*v)}
		},
		[]float32{-2.59375},
		1,
	}, {
		"sin(1.8·x⁴) + x at x = 3, early",
		"from a sweep of sin(c·x⁴) + x: the argument turns 194 radians per unit of x, and as for seed 8 an early Mismatch came from steps of several radians",
		func(x []float32) float32 {
			return float32(math.Sin(float64(float32(1.8)*(x[0]*x[0]*x[0]*x[0])))) + x[0]
		},
		func(x []float32) []float64 {
			v, c := float64(x[0]), float64(float32(1.8))
			return []float64{math.Cos(c*v*v*v*v)*4*c*v*v*v + 1}
		},
		[]float32{3},
		4,
	}, {
		"x − tanh(x) rounded to 0",
		"tanh(−x0) + x0 at x0 = 9.5e-7: in float32 the tanh rounds to −x0 and the loss is 0 at x, while its derivative, x0² = 9.1e-13, is far below what any step sees; the loss lies on the grid of the ulps of x0 ± h, it did not move at all over a noise window along x0, and with no noise found the ladder extrapolated to 2.5e-8 with an error bound of 1.3e-14",
		func(x []float32) float32 { return float32(math.Tanh(float64(-1*x[0]))) + x[0] },
		func(x []float32) []float64 { t := math.Tanh(-float64(x[0])); return []float64{t * t} },
		[]float32{9.536743e-07},
		9.536743e-07,
	}, {
		"saturated tanh inside 1/(1 + t²), derivative near the resolution",
		"1/(1 + tanh²(sin(x2) − 1.8125·x3)) at x2 = x3 = 3, seed 2 of the float32 property test: the derivative along x2, −5e-5, varies on a scale of 0.5 (the tanh's saturation moves with 2·cos(x2)), so the climbed ladder's larger steps are outside the Taylor regime and the best estimate combines steps 0.3, 0.15 and 0.075; its error bound, 1.2e-6, is 2.5% of the derivative, which a verdict cannot call resolved (K·err > 10%), at 1.2 times √ε·T and below the 40·ε^(2/3)·T that a central difference can resolve (invisible32)",
		func(x []float32) float32 {
			th := float32(math.Tanh(float64(float32(math.Sin(float64(x[2]))) + float32(-1.8125)*x[3])))
			return 0 + float32(1/(1+float64(th)*float64(th)))
		},
		func(x []float32) []float64 {
			u := math.Sin(float64(x[2])) + -1.8125*float64(x[3])
			th := math.Tanh(u)
			d := -2 * th / ((1 + th*th) * (1 + th*th)) * (1 - th*th)
			return []float64{0, 0, d * math.Cos(float64(x[2])), d * -1.8125}
		},
		[]float32{1, 1, 3, 3},
		0.5,
	}, {
		"saturated tanh minus 1, no step of the first ladder moves it",
		"tanh(et(et(et(x0)))) − 1 at x0 = 0.5, seed 11 of the float32 property test: the tanh is 13 ulps of 1 below 1, so the loss, −7.7e-7, lies on the grid of an ulp of 1 and stays there to the bit at every step from 0.1 down; the ladder took that for a loss that does not depend on x0 and bounded its zero by an ulp of f over 0.1, 4.6e-13, against a derivative of 7.3e-11",
		func(x []float32) float32 {
			et := func(u float32) float32 { return float32(math.Exp(2 * math.Tanh(float64(u)))) }
			return float32(math.Tanh(float64(et(et(et(x[0])))))) + -1
		},
		func(x []float32) []float64 {
			et := func(u float64) float64 { return math.Exp(2 * math.Tanh(u)) }
			d := 1.0
			u := float64(x[0])
			for range 3 {
				t := math.Tanh(u)
				d *= et(u) * 2 * (1 - t*t)
				u = et(u)
			}
			t := math.Tanh(u)
			return []float64{d * (1 - t*t)}
		},
		[]float32{0.5},
		1,
	}, {
		"sum cancelling to 0.012, no step of the first ladder moves it",
		"√(1 + et(k·(x0 − 1.9375))²) + sin(−1.5) at x0 = −1.875, seed 15 of the float32 property test: et's tanh is saturated at −1, the two terms near ±1 cancel to 0.0116, and the loss, on the grid of an ulp of 1, did not move at any step from 0.19 down; its zero was bounded by an ulp of f over 0.19, 3.7e-9, against a derivative of 1.3e-7",
		func(x []float32) float32 {
			sp := float32(math.Log1p(math.Exp(-1.75)) + 1.75)
			e := float32(math.Exp(2 * math.Tanh(float64(sp*(-1.9375+x[0])))))
			return float32(math.Sqrt(1+float64(e)*float64(e))) + float32(math.Sin(-1.5))
		},
		func(x []float32) []float64 {
			k := math.Log1p(math.Exp(-1.75)) + 1.75
			t := math.Tanh(k * (-1.9375 + float64(x[0])))
			e := math.Exp(2 * t)
			return []float64{e / math.Sqrt(1+e*e) * e * 2 * (1 - t*t) * k}
		},
		[]float32{-1.875},
		1,
	}, {
		"sine of a product rounded on a grid its steps align with",
		"sin((tanh(0.122) + 1)·((x0 − 2)·(1.99999988 + 2))·et(sin(1))) at x0 = −2.3103228, seed 23 of the float32 property test: the argument, −76.3, carries its rounding (an ulp of 7.6e-6, 1e-6 in the loss), but at the smaller noise spacing the rounding errors lay on a line and the larger spacing's found noise only at its fourth differences, which fdiff.Noise did not try with seven values (σ 1.2e-6 there); with σ 9.4e-9 from the smaller spacing, the two smallest steps, 9e-4 and 4.5e-4, agreed to 4e-7 of the derivative and extrapolated to 10.5009 against 10.5074, with an error bound of 1.6e-4",
		func(x []float32) float32 {
			et := func(u float32) float32 { return float32(math.Exp(2 * math.Tanh(float64(u)))) }
			a := float32(math.Tanh(float64(float32(0.12206608057022095)))) + et(0)
			b := (x[0] + -2) * (float32(1.9999998807907104) + 2)
			return float32(math.Sin(float64(a * b * et(float32(math.Sin(float64(et(0))))))))
		},
		func(x []float32) []float64 {
			k := (math.Tanh(float64(float32(0.12206608057022095))) + 1) * (float64(float32(1.9999998807907104)) + 2) * math.Exp(2*math.Tanh(math.Sin(1)))
			return []float64{math.Cos(k*(float64(x[0])-2)) * k}
		},
		[]float32{-2.3103228},
		45.3,
	}, {
		"saturated tanh plus 1, no noise found, corrections growing",
		"sin(tanh(x0 + x1) + 1)·sin(x1) at x = (−2.25, −3), seed 12 of the float32 property test: tanh(−5.25) + 1 = 5.5e-5 lies on the grid of an ulp of 1 (6e-8), so the loss, −7.8e-6, is rounded in steps of 0.141·6e-8 = 8.5e-9, which no noise spacing along x1 showed (σ = 0); the round-off bounds, 2e-10 to 8e-10 at the small steps, were far below the corrections of the central differences, which grew from 2.5e-7 to 1.8e-6 as the step halved from 0.019 to 0.0023, and the three smallest steps, where the count of stairs halved with the step, agreed to 3e-9 and extrapolated to −6.888e-5 against −7.006e-5",
		func(x []float32) float32 {
			q := float32(math.Tanh(float64(x[0]+x[1]))) + 1
			return float32(math.Sin(float64(q))) * float32(math.Sin(float64(x[1])))
		},
		func(x []float32) []float64 {
			th := math.Tanh(float64(x[0]) + float64(x[1]))
			d := math.Cos(th+1) * (1 - th*th) * math.Sin(float64(x[1]))
			return []float64{d, d + math.Sin(th+1)*math.Cos(float64(x[1]))}
		},
		[]float32{-2.25, -3},
		0.141,
	}, {
		"smooth loss whose F − B stays put, seed 9's draw",
		"et(sin(k·x0)·x0 + (sin(tanh(x0)) + tanh(2)·et(x0))) with k = 1.9771477 at x0 = 2.760494, seed 9 of the float32 property test as drawn: the tanh is within 4e-5 of 1, f = 7.389, a = 1.66699e-3, f⁽³⁾ = −0.0360, f⁽⁵⁾ = −0.39; with δ = ε·|f| = 4.4e-7 the best central difference errs by (3/2)·(δ²·|f⁽³⁾|/3)^(1/3) = 2.0e-5 at h = 0.033 (K·err 4.8% of a), so the derivative is within reach. F − B went from −7.1e-4 at step 0.276 to −6.2e-4 at 0.138 (f⁽²⁾ = −5.4e-3 and h³·f⁽⁴⁾/12 of the other sign), a kink flag that left only steps from 0.069 down, whose best bound was 4.7e-5 (K·err 11% of a, Inconclusive) on an error of 1.8e-6; (F − B)/h converges there (−2.58e-3, −4.51e-3, −5.00e-3), and the steps 0.276 to 0.069 extrapolate to 1.66667e-3 with a bound of 1.6e-5 (widen)",
		func(x []float32) float32 { return nearE2(1.9771476984024048, 2, x[0]) },
		func(x []float32) []float64 { return []float64{nearE2Grad(1.9771476984024048, 2, float64(x[0]))} },
		[]float32{2.760494},
		0,
	}, {
		"smooth loss whose F − B keeps above kinkRatio, seed 9 shrunk",
		"et(sin(1.9375·x0)·x0 + (sin(tanh(x0)) + tanh(1.749267578125)·et(x0))) at x0 = 2.75, seed 9 of the float32 property test as rapid shrank it: a = 2.80109e-3, f⁽³⁾ = −0.104, best central difference 2.8e-5 (K·err 4.0% of a); F − B went from −2.15e-4 at step 0.1375 to −1.53e-4 at 0.069, a ratio of 0.71, just above kinkRatio; the steps from 0.034 down gave 2.81129e-3 with a bound of 7.5e-5 (11% of a) on an error of 1.0e-5, and with the flagged steps 2.79275e-3 with a bound of 2.2e-5",
		func(x []float32) float32 { return nearE2(1.9375, 1.749267578125, x[0]) },
		func(x []float32) []float64 { return []float64{nearE2Grad(1.9375, 1.749267578125, float64(x[0]))} },
		[]float32{2.75},
		0,
	}, {
		"smooth loss whose one-sided slope turns, seed 9 shrunk otherwise",
		"et(sin(1.96875·x0)·x0 + (sin(tanh(x0)) + tanh(1.999755859375)·et(x0))) at x0 = 2.75, seed 9 shrunk against a first version of widen that asked the whole window to be in the Taylor regime: a = 1.79525e-3, f⁽³⁾ = −0.0492, best central difference 2.2e-5 (K·err 4.9% of a); F − B stays at −5.0e-4 from step 0.276 to 0.138, and B(h) = f' − h·f⁽²⁾/2 + h²·f⁽³⁾/6 − … has a turning point near 0.1, so its corrections grow from 6.9e-6 to 4.2e-5 below it; the steps from 0.069 down gave a bound of 5.1e-5 (11% of a), with the flagged steps 2.4e-5",
		func(x []float32) float32 { return nearE2(1.96875, 1.999755859375, x[0]) },
		func(x []float32) []float64 { return []float64{nearE2Grad(1.96875, 1.999755859375, float64(x[0]))} },
		[]float32{2.75},
		0,
	}, {
		"sine turning about a radian per point of the larger noise spacing",
		"sin(x0³·3x0) + x0 at x0 = 3, found by shrinking a failure of seed 8 of the float32 property test (against a version of widen since withdrawn): the argument, 243, turns 324 radians per unit of x0, 0.95 per point of the larger noise spacing, 2.9e-3, where the sine's own swing had σ_1..σ_3 = 0.47, 0.22, 0.13, within fdiff.Noise's factor of 4 with differences that change sign, so σ = 0.47; the smaller spacing, 4.6e-5, found no noise (σ_3..σ_5 = 3.2e-7, 4.7e-8, 3.0e-8) and let it stand. With it every row's round-off bound was of the size of the central differences, the steps 1.2 to 0.3 counted as in the Taylor regime and corroborated a Mismatch, 0.743 against −146.725. Its values hold no noise above σ_4 = 4.7e-8 (fdiff.NoiseCeiling), so the third spacing, 7.3e-5, decides: it finds 1.1e-5 (the argument's rounding), far below 0.47, and neither stands (σ = 0); the ladder then agrees, −146.750 with a bound of 0.128 at steps from 2.3e-3",
		func(x []float32) float32 {
			return float32(math.Sin(float64((x[0]*(x[0]*x[0]))*(float32(3)*x[0]+0)))) + x[0]
		},
		func(x []float32) []float64 { v := float64(x[0]); return []float64{math.Cos(3*v*v*v*v)*12*v*v*v + 1} },
		[]float32{3},
		0,
	}} {
		x := append([]float32(nil), tc.x...)
		g := make([]float32, len(x))
		m := &gradcheck.Model[float32]{
			Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
			Loss:   func() float64 { return float64(tc.loss(x)) },
			Gradient: func() {
				for i, v := range tc.grad(x) {
					g[i] = float32(v)
				}
			},
		}
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		fx := max(math.Abs(float64(tc.loss(x))), tc.terms)
		for _, e := range rep.Blocks[0].Entries {
			invisible := invisible32(e.Analytic, float64(tc.x[e.Index]), fx)
			if !e.Verdict.Pass() && !(e.Verdict == gradcheck.Inconclusive && invisible) {
				t.Errorf("%s: x[%d] is %v (%s)\n%s", tc.name, e.Index, e.Verdict, tc.reason, rep)
			}
		}
	}
}

// nearE2 is et(sin(k1·x)·x + (sin(tanh(x)) + tanh(k2)·et(x))) as eval32
// computes it, every intermediate rounded to float32, with et(u) =
// exp(2·tanh(u)): the float32 property test's seed 9, a loss near e² whose
// outer tanh is within 4e-5 of 1 at x near 2.75.
func nearE2(k1, k2 float64, x float32) float32 {
	et := func(u float32) float32 { return float32(math.Exp(2 * math.Tanh(float64(u)))) }
	m := float32(math.Sin(float64(float32(k1)*x))) * x
	s := float32(math.Sin(float64(float32(math.Tanh(float64(x))))))
	c := float32(math.Tanh(float64(float32(k2))))
	return et(m + (s + c*et(x)))
}

// nearE2Grad is the exact derivative of nearE2, its constants rounded to
// float32 as nearE2 rounds them.
func nearE2Grad(k1, k2, x float64) float64 {
	k1, k2 = float64(float32(k1)), float64(float32(k2))
	tx := math.Tanh(x)
	ex := math.Exp(2 * tx)
	u := math.Sin(k1*x)*x + (math.Sin(tx) + math.Tanh(k2)*ex)
	du := math.Cos(k1*x)*k1*x + math.Sin(k1*x) + math.Cos(tx)*(1-tx*tx) + math.Tanh(k2)*ex*2*(1-tx*tx)
	tu := math.Tanh(u)
	return math.Exp(2*tu) * 2 * (1 - tu*tu) * du
}

// TestWrongGradientOfFastSine32: the loss of TestIllConditioned32's sine
// turning about a radian per point of the larger noise spacing, with its
// gradient off by 1%: the noise measurement that no longer takes the
// sine's swing for noise must not hide a wrong gradient either.
func TestWrongGradientOfFastSine32(t *testing.T) {
	x := []float32{3}
	g := make([]float32, 1)
	m := &gradcheck.Model[float32]{
		Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
		Loss: func() float64 {
			return float64(float32(math.Sin(float64((x[0]*(x[0]*x[0]))*(float32(3)*x[0]+0)))) + x[0])
		},
		Gradient: func() {
			v := float64(x[0])
			g[0] = float32((math.Cos(3*v*v*v*v)*12*v*v*v + 1) * 1.01)
		},
	}
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Blocks[0].Entries[0].Verdict; v != gradcheck.Mismatch {
		t.Errorf("gradient of a fast sine off by 1%%: %v, want Mismatch\n%s", v, rep)
	}
}

// TestIllConditioned32Limitation keeps, skipped, a false Mismatch not fixed:
// sin(c·x⁴) + x with c = 5.9 at x = 3 in float32, one of 6 in a sweep of
// 800 (c from 0.5 to 10.45, x in {1.5, 2, 2.5, 3}; 14 before judge's
// early Mismatch asked for the Taylor regime). The argument turns 637
// radians per unit of x, and the ladder's smallest step, √ε·scale = 5.9e-4,
// is still a third of a radian: there the central differences approach
// the derivative, 593, but the one-sided slopes' extrapolation, out of its
// regime, won by a chance small spread (622 ± 0.75), and the Mismatch from
// the last row was judged again with the noise along x, σ = 0.07, which
// the sine's swing at the larger noise spacing passed for; with that
// noise the largest steps extrapolate to 2.9 ± 1.7, and every row is
// within round-off of the Taylor regime, which corroborates a Mismatch.
// Steps below the ladder's floor reach the regime (an experiment that
// extended the ladder while its corrections did not shrink left 4 of the
// 800). Remove the Skip to see the report.
func TestIllConditioned32Limitation(t *testing.T) {
	t.Skip("fails on purpose: a known limitation, kept so that it can be seen")
	x := []float32{3}
	g := make([]float32, 1)
	c := float32(5.9)
	m := &gradcheck.Model[float32]{
		Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
		Loss: func() float64 {
			return float64(float32(math.Sin(float64(c*(x[0]*x[0]*x[0]*x[0])))) + x[0])
		},
		Gradient: func() {
			v, c := float64(x[0]), float64(c)
			g[0] = float32(math.Cos(c*v*v*v*v)*4*c*v*v*v + 1)
		},
	}
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Blocks[0].Entries[0].Verdict == gradcheck.Mismatch {
		t.Errorf("a sine turning within the ladder's smallest steps:\n%s", rep)
	}
}
