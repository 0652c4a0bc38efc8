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

// TestPropertyExactGradientsPass32 is TestPropertyExactGradientsPass for a
// float32 model: the parameters are float32, the loss rounds every
// intermediate to float32, and the gradient is the exact one rounded to
// float32 (its own error, ε32·|a|, is far below float32's Rtol). The
// exceptions are those of the float64 test, in float32's terms: gradual
// underflow in float32 (of a value or of a gradient entry) is not judged,
// nor an entry along which the loss is constant to the bit at every step
// the checker tries, and Inconclusive is allowed for a derivative below
// √ε32 times the loss's round-off scale.
func TestPropertyExactGradientsPass32(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 6).Draw(t, "n")
		e := genExpr(t, n, 5)
		x := make([]float32, n)
		x64 := make([]float64, n)
		for i := range x {
			x[i] = float32(rapid.Float64Range(-3, 3).Draw(t, fmt.Sprintf("x%d", i)))
			x64[i] = float64(x[i])
		}
		under := e.underflows(x64)
		e.eval32(x, &under)
		exact := make([]float64, n)
		e.eval(x64, exact, 1)
		for _, g := range exact {
			if g32 := float32(g); (g != 0 && g32 == 0) || (g32 != 0 && math.Abs(float64(g32)) < 0x1p-126) {
				under = true
			}
		}
		if under {
			t.Skip("gradual underflow in float32")
		}
		g := make([]float32, n)
		m := &gradcheck.Model[float32]{
			Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
			Loss: func() float64 {
				var u bool
				return float64(e.eval32(x, &u))
			},
			Gradient: func() {
				xx := make([]float64, len(x))
				for i, v := range x {
					xx[i] = float64(v)
				}
				gg := make([]float64, len(x))
				e.eval(xx, gg, 1)
				for i := range g {
					g[i] = float32(gg[i])
				}
			},
		}
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		f32 := func(y []float64) float64 {
			yy := make([]float32, len(y))
			for i, v := range y {
				yy[i] = float32(v)
			}
			var u bool
			return float64(e.eval32(yy, &u))
		}
		fx := max(math.Abs(m.Loss()), e.terms(x64, 1))
		for _, en := range rep.Blocks[0].Entries {
			if en.Verdict.Pass() || constantAlong32(f32, x64, en.Index) {
				continue
			}
			invisible := math.Abs(en.Analytic)*math.Max(math.Abs(x64[en.Index]), 1) <= math.Sqrt(0x1p-24)*fx
			if en.Verdict == gradcheck.Inconclusive && invisible {
				continue
			}
			t.Fatalf("exact gradient of %v at x = %v not accepted in float32 at x[%d] (f = %.9g, terms %.3g):\n%s", e, x, en.Index, m.Loss(), e.terms(x64, 1), rep)
		}
		if len(rep.Hazards) > 0 {
			t.Fatalf("hazards on a pure function:\n%s", rep)
		}
	})
}

// constantAlong32 is constantAlong for a float32 loss: the same to the bit
// at x and at x ± h·e_i, h rounded to float32, for every step a float32
// check tries on entry i (0.8 of max(|x_i|, 1) down to √ε32 of it).
func constantAlong32(f func([]float64) float64, x []float64, i int) bool {
	y := append([]float64(nil), x...)
	f0 := math.Float64bits(f(y))
	scale := math.Max(math.Abs(x[i]), 1)
	for h := 0.8 * scale; h >= 1e-4*scale; h /= 2 {
		for _, s := range []float64{h, -h} {
			y[i] = float64(float32(x[i] + s))
			if math.Float64bits(f(y)) != f0 {
				return false
			}
		}
	}
	return true
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
		"x − tanh(x) rounded to 0",
		"tanh(−x0) + x0 at x0 = 9.5e-7: in float32 the tanh rounds to −x0 and the loss is 0 at x, while its derivative, x0² = 9.1e-13, is far below what any step sees; the loss lies on the grid of the ulps of x0 ± h, it did not move at all over a noise window along x0, and with no noise found the ladder extrapolated to 2.5e-8 with an error bound of 1.3e-14",
		func(x []float32) float32 { return float32(math.Tanh(float64(-1*x[0]))) + x[0] },
		func(x []float32) []float64 { t := math.Tanh(-float64(x[0])); return []float64{t * t} },
		[]float32{9.536743e-07},
		9.536743e-07,
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
			invisible := math.Abs(e.Analytic)*math.Max(math.Abs(float64(tc.x[e.Index])), 1) <= math.Sqrt(0x1p-24)*fx
			if !e.Verdict.Pass() && !(e.Verdict == gradcheck.Inconclusive && invisible) {
				t.Errorf("%s: x[%d] is %v (%s)\n%s", tc.name, e.Index, e.Verdict, tc.reason, rep)
			}
		}
	}
}
