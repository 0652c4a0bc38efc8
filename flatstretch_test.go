package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// verdict1 checks the one-parameter loss f at x against the analytic
// derivative a, in float64, or in float32 with f computed in float32.
func verdict1(t *testing.T, f32 bool, f func(float64) float64, ff func(float32) float32, a, x float64) gradcheck.Entry {
	t.Helper()
	var rep *gradcheck.Report
	var err error
	if f32 {
		v, g := []float32{float32(x)}, []float32{0}
		rep, err = gradcheck.Check(&gradcheck.Model[float32]{
			Blocks:   []gradcheck.Block[float32]{{Name: "x", Value: v, Grad: g}},
			Loss:     func() float64 { return float64(ff(v[0])) },
			Gradient: func() { g[0] = float32(a) },
		}, nil)
	} else {
		rep, err = gradcheck.Gradient(func(x []float64) float64 { return f(x[0]) }, func(dst, _ []float64) { dst[0] = a }, []float64{x}, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return rep.Blocks[0].Entries[0]
}

// TestFlatStretchNotStaircase: a wrong gradient where the loss is exactly
// constant near x, with a kink within the ladder's largest step, as in an
// elementwise max(a, b) whose gradients are swapped (Gorgonia's
// LispMachine: the gradient of b where a is the larger). The loss moved at
// the top row only (step 0.8), or at the top two rows by changes whole
// multiples of each other (0.35 and 0.07 with the kink 0.3 away), and
// stayed at f(x) to the bit below, as a staircase does below its first
// stair: taken for one, the wrong values of the first three cases were
// Inconclusive (−0.020 ± 0.265 against −0.869 with the kink 0.66 away, in
// 131 evaluations), and so was the exact 0 in float32. A probe just below the step that moved
// reads a change that is no whole number of such stairs (probeStair):
// each is a Mismatch against 0 ± 1e-15 (float32: ± 5e-7), in 62
// evaluations (50), and 0 passes. With the kink 1.5 away, beyond every
// ladder step, the loss never moves on them and the Mismatch was never in
// question.
func TestFlatStretchNotStaircase(t *testing.T) {
	for _, tc := range []struct {
		name    string
		c, x, a float64 // 0.7·max(c, x) at x, against a
	}{
		{"kink 0.66 away", 1.16, 0.5, -0.869},
		{"kink 0.3 away", 0.8, 0.5, -0.869},
		{"kink 0.66 away at 1.2", 1.86, 1.2, 0.441},
		{"kink 1.5 away", 2.0, 0.5, -0.869},
	} {
		for _, f32 := range []bool{false, true} {
			f := func(x float64) float64 { return 0.7 * math.Max(tc.c, x) }
			ff := func(x float32) float32 { return 0.7 * max(float32(tc.c), x) }
			if e := verdict1(t, f32, f, ff, tc.a, tc.x); e.Verdict != gradcheck.Mismatch {
				t.Errorf("%s (float32 %v): %g where the derivative is 0: %v (numeric %g ± %g), want mismatch", tc.name, f32, tc.a, e.Verdict, e.Numeric, e.ErrEst)
			}
			if e := verdict1(t, f32, f, ff, 0, tc.x); e.Verdict != gradcheck.OK {
				t.Errorf("%s (float32 %v): exact 0: %v (numeric %g ± %g)", tc.name, f32, e.Verdict, e.Numeric, e.ErrEst)
			}
		}
	}
}

// TestStaircaseTopRowStays: losses quantized to a coarse grid, q·round(g/q)
// with a smooth g, that move at the ladder's top row (step 0.8) by one or
// two stairs and stay at f(x) below, on one side or on both. The probe
// below the top row reads the top row's change to the bit, and the
// verdicts are those of the staircase rule, as before the probe: 0 passes
// the first pass, and g' and wrong values are Inconclusive against zero
// slopes whose round-off is the stair; x³, whose sides both moved at the
// top row, was a Mismatch against 0 ± 0 before the probe and still is.
func TestStaircaseTopRowStays(t *testing.T) {
	for _, tc := range []struct {
		name string
		g, d func(float64) float64
		q, x float64
		want [4]gradcheck.Verdict // against 0, g', −g', 3g' + 1
	}{
		{"0.3x + 0.05 sin x, one stair", func(x float64) float64 { return 0.3*x + 0.05*math.Sin(x) }, func(x float64) float64 { return 0.3 + 0.05*math.Cos(x) }, 0.5, 0.2, [4]gradcheck.Verdict{gradcheck.OK, gradcheck.Inconclusive, gradcheck.Inconclusive, gradcheck.Inconclusive}},
		{"exp(2x), one stair", func(x float64) float64 { return math.Exp(2 * x) }, func(x float64) float64 { return 2 * math.Exp(2*x) }, 1, -0.8, [4]gradcheck.Verdict{gradcheck.OK, gradcheck.Inconclusive, gradcheck.Inconclusive, gradcheck.Inconclusive}},
		{"exp(3x), two stairs", func(x float64) float64 { return math.Exp(3 * x) }, func(x float64) float64 { return 3 * math.Exp(3*x) }, 0.5, -0.88, [4]gradcheck.Verdict{gradcheck.OK, gradcheck.Inconclusive, gradcheck.Inconclusive, gradcheck.Inconclusive}},
		{"exp(4x), two stairs", func(x float64) float64 { return math.Exp(4 * x) }, func(x float64) float64 { return 4 * math.Exp(4*x) }, 0.25, -0.95, [4]gradcheck.Verdict{gradcheck.OK, gradcheck.Inconclusive, gradcheck.Inconclusive, gradcheck.Inconclusive}},
		{"x³, both sides", func(x float64) float64 { return x * x * x }, func(x float64) float64 { return 3 * x * x }, 0.25, 0.06, [4]gradcheck.Verdict{gradcheck.OK, gradcheck.Mismatch, gradcheck.Mismatch, gradcheck.Mismatch}},
	} {
		for _, f32 := range []bool{false, true} {
			f := func(x float64) float64 { return tc.q * math.Round(tc.g(x)/tc.q) }
			ff := func(x float32) float32 {
				q := float32(tc.q)
				return q * float32(math.Round(float64(float32(tc.g(float64(x)))/q)))
			}
			d := tc.d(tc.x)
			for n, a := range []float64{0, d, -d, 3*d + 1} {
				if e := verdict1(t, f32, f, ff, a, tc.x); e.Verdict != tc.want[n] {
					t.Errorf("%s (float32 %v) against %g: %v (numeric %g ± %g), want %v", tc.name, f32, a, e.Verdict, e.Numeric, e.ErrEst, tc.want[n])
				}
			}
		}
	}
}
