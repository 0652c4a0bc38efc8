package gradcheck_test

import (
	"fmt"
	"math"
	"testing"

	"pgregory.net/rapid"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/gradchecktest"
)

// expr is a random smooth function of x, built from a small grammar, with
// an exact gradient by reverse accumulation.
type expr struct {
	op   string
	i    int     // variable index, for "x"
	c    float64 // constant, for "c" and "scale"
	args []*expr
}

// genConst draws 0 or a constant of magnitude in [0.1, max]. A constant
// such as 1e-12 multiplying every variable makes the whole function flat to
// within a few hundred units in the last place of its value; there the
// derivative may be resolvable to a percent only, and Inconclusive is the
// right verdict, not a pass. TestFlatFunction covers flat functions.
func genConst(t *rapid.T, label string, max float64) float64 {
	if rapid.IntRange(0, 9).Draw(t, label+"-zero") == 0 {
		return 0
	}
	c := rapid.Float64Range(0.1, max).Draw(t, label)
	if rapid.Bool().Draw(t, label+"-sign") {
		c = -c
	}
	return c
}

func genExpr(t *rapid.T, n, depth int) *expr {
	if depth == 0 || rapid.IntRange(0, 3).Draw(t, "leafness") == 0 {
		if rapid.Bool().Draw(t, "var") {
			return &expr{op: "x", i: rapid.IntRange(0, n-1).Draw(t, "i")}
		}
		return &expr{op: "c", c: genConst(t, "c", 2)}
	}
	op := rapid.SampledFrom([]string{"add", "mul", "sin", "tanh", "exp-tanh", "softplus", "sqrt1p", "div1p", "scale"}).Draw(t, "op")
	switch op {
	case "add", "mul":
		return &expr{op: op, args: []*expr{genExpr(t, n, depth-1), genExpr(t, n, depth-1)}}
	case "scale":
		return &expr{op: op, c: genConst(t, "k", 3), args: []*expr{genExpr(t, n, depth-1)}}
	}
	return &expr{op: op, args: []*expr{genExpr(t, n, depth-1)}}
}

// eval returns the value; if grad is not nil it adds seed·∂e/∂x into grad.
func (e *expr) eval(x, grad []float64, seed float64) float64 {
	switch e.op {
	case "x":
		if grad != nil {
			grad[e.i] += seed
		}
		return x[e.i]
	case "c":
		return e.c
	case "add":
		return e.args[0].eval(x, grad, seed) + e.args[1].eval(x, grad, seed)
	case "mul":
		a, b := e.args[0].eval(x, nil, 0), e.args[1].eval(x, nil, 0)
		if grad != nil {
			e.args[0].eval(x, grad, seed*b)
			e.args[1].eval(x, grad, seed*a)
		}
		return a * b
	case "scale":
		return e.c * e.args[0].eval(x, grad, seed*e.c)
	}
	u := e.args[0].eval(x, nil, 0)
	var v, d float64
	switch e.op {
	case "sin":
		v, d = math.Sin(u), math.Cos(u)
	case "tanh":
		v = math.Tanh(u)
		d = 1 - v*v
	case "exp-tanh": // exp of a bounded argument, so values stay moderate
		t := math.Tanh(u)
		v = math.Exp(2 * t)
		d = v * 2 * (1 - t*t)
	case "softplus":
		v, d = math.Log1p(math.Exp(-math.Abs(u)))+math.Max(u, 0), 1/(1+math.Exp(-u))
	case "sqrt1p":
		v = math.Sqrt(1 + u*u)
		d = u / v
	case "div1p":
		v, d = 1/(1+u*u), -2*u/((1+u*u)*(1+u*u))
	}
	if grad != nil {
		e.args[0].eval(x, grad, seed*d)
	}
	return v
}

// conditioned reports whether e is numerically benign at x: no sum cancels
// more than all but 1e-4 of its terms (a condition number above 1e4), and
// no tanh-like unit is saturated (|u| > 6, within 1e-5 of its asymptote).
// On such compositions the float64 value of the loss differs from the
// function the exact gradient differentiates by more than round-off of
// the loss's own size, or is a plateau at every step a finite difference
// can resolve; TestIllConditionedLimitation shows what the checker does
// there.
func (e *expr) conditioned(x []float64) bool {
	switch e.op {
	case "x", "c":
		return true
	}
	for _, a := range e.args {
		if !a.conditioned(x) {
			return false
		}
	}
	switch e.op {
	case "add":
		a, b := e.args[0].eval(x, nil, 0), e.args[1].eval(x, nil, 0)
		return math.Abs(a+b) >= 1e-4*(math.Abs(a)+math.Abs(b))
	case "tanh", "exp-tanh", "softplus":
		return math.Abs(e.args[0].eval(x, nil, 0)) <= 6
	}
	return true
}

// TestPropertyExactGradientsPass: the exact gradient of a random smooth,
// well-conditioned composition (see conditioned), at a random point, passes
// with default options. The one exception is an entry whose derivative is
// below what any finite difference can see, |a|·max(|x|, 1) ≤ √ε·|f| (a flat
// inflection, a near-stationary point): it may be Inconclusive, which says
// so, but never Mismatch.
func TestPropertyExactGradientsPass(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 6).Draw(t, "n")
		e := genExpr(t, n, 5)
		x := make([]float64, n)
		for i := range x {
			x[i] = rapid.Float64Range(-3, 3).Draw(t, fmt.Sprintf("x%d", i))
		}
		if !e.conditioned(x) {
			t.Skip("ill-conditioned or saturated composition")
		}
		f := func(x []float64) float64 { return e.eval(x, nil, 0) }
		grad := func(dst, x []float64) {
			clear(dst)
			e.eval(x, dst, 1)
		}
		rep, err := gradcheck.Gradient(f, grad, x, nil)
		if err != nil {
			t.Fatal(err)
		}
		fx := math.Abs(f(x))
		for _, e := range rep.Blocks[0].Entries {
			invisible := math.Abs(e.Analytic)*math.Max(math.Abs(x[e.Index]), 1) <= math.Sqrt(0x1p-53)*fx
			if !e.Verdict.Pass() && !(e.Verdict == gradcheck.Inconclusive && invisible) {
				t.Fatalf("exact gradient not accepted at x[%d] (f = %.17g):\n%s", e.Index, f(x), rep)
			}
		}
		if len(rep.Hazards) > 0 {
			t.Fatalf("hazards on a pure function:\n%s", rep)
		}
	})
}

// TestPropertyWrongGradientsFail: the same gradient with one entry off by a
// relative 1e-4 is always named, when the entry is not near zero.
func TestPropertyWrongGradientsFail(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 6).Draw(t, "n")
		e := genExpr(t, n, 5)
		x := make([]float64, n)
		for i := range x {
			x[i] = rapid.Float64Range(-3, 3).Draw(t, fmt.Sprintf("x%d", i))
		}
		bad := rapid.IntRange(0, n-1).Draw(t, "bad")
		g := make([]float64, n)
		e.eval(x, g, 1)
		norm := 0.0
		for _, v := range g {
			norm = math.Max(norm, math.Abs(v))
		}
		// An entry far below the gradient's scale may be dominated by
		// round-off of the other terms; skip those draws.
		if math.Abs(g[bad]) < 1e-3*norm || math.Abs(g[bad]) < 1e-6 {
			t.Skip("entry near zero")
		}
		f := func(x []float64) float64 { return e.eval(x, nil, 0) }
		grad := func(dst, x []float64) {
			clear(dst)
			e.eval(x, dst, 1)
			dst[bad] *= 1 + 1e-4
		}
		rep, err := gradcheck.Gradient(f, grad, x, nil)
		if err != nil {
			t.Fatal(err)
		}
		fails := rep.Blocks[0].Failures()
		if len(fails) != 1 || fails[0].Index != bad {
			t.Fatalf("x[%d] off by 1e-4: failures %v\n%s", bad, fails, rep)
		}
	})
}

// TestFlatFunction: a loss of order 1 whose derivative is 9e-13 does not
// change at all over the first-pass step (its change is below half an ulp
// of 1). The first pass must not take n = 0 as confirming anything:
// refinement on larger steps resolves the derivative, so the right value
// passes and a zero gradient, a missing gradient, fails.
func TestFlatFunction(t *testing.T) {
	const c = 9.094947017729282e-13
	f := func(x []float64) float64 { return 1 + math.Sin(c*x[0]) }
	for _, analytic := range []float64{c * math.Cos(c), 0} {
		rep, err := gradcheck.Gradient(f, func(dst, x []float64) { dst[0] = analytic }, []float64{1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := rep.Blocks[0].Entries[0]
		if want := analytic != 0; e.Verdict.Pass() != want || !e.Refined {
			t.Errorf("flat function, analytic %v: verdict %v (refined %v), want pass=%v after refinement\n%s", analytic, e.Verdict, e.Refined, want, rep)
		}
	}
}

// TestIllConditionedLimitation keeps, skipped, two losses on which the
// checker calls a right gradient wrong, found by the property test about
// once in a million random compositions: a tanh saturated to within 12
// ulps of 1, whose derivative (5e-14) shows only at steps where the
// function is a plateau; and sin(sin(u)) with u near π, where the rounding
// of u gives the loss a noise that the noise estimate, made along another
// coordinate, misses. Remove the Skip to see the reports.
func TestIllConditionedLimitation(t *testing.T) {
	t.Skip("fails on purpose: a known limitation, kept so that it can be seen")
	et := func(u float64) float64 { return math.Exp(2 * math.Tanh(u)) }
	c := 1.5625 * 1.9951171875
	for _, tc := range []struct {
		f    func(x []float64) float64
		grad func(dst, x []float64)
		x    []float64
	}{
		{func(x []float64) float64 { return math.Tanh(et(et(1)) * et(x[0])) },
			func(dst, x []float64) {
				t := math.Tanh(et(et(1)) * et(x[0]))
				dst[0] = (1 - t*t) * et(et(1)) * et(x[0]) * 2 * (1 - math.Tanh(x[0])*math.Tanh(x[0]))
			}, []float64{0.46875}},
		{func(x []float64) float64 { return math.Sin(math.Sin(c + x[0]*x[1])) },
			func(dst, x []float64) {
				u := c + x[0]*x[1]
				d := math.Cos(math.Sin(u)) * math.Cos(u)
				dst[0], dst[1] = d*x[1], d*x[0]
			}, []float64{0.001953125, 3.814697265625e-06}},
	} {
		gradchecktest.Gradient(t, tc.f, tc.grad, tc.x, nil)
	}
}
