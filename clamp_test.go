package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// A weight clamped at a bound (a Wasserstein critic's weight clipping)
// leaves the loss constant near a weight beyond the bound: for any step
// into the clamped side, and for steps toward the bound shorter than the
// distance to it. The loss moved at the one row whose step just crossed
// the bound, by little, and stayed at f(x) to the bit below: that was
// read as a staircase of that quantum, which raised the round-off of
// every smaller row to Δ/2h, and a gradient that leaks through the clamp
// (the unclamped derivative where the true one is 0) passed as a Kink
// with an error bound as large as itself. The other side, still at every
// row while the first moved by many such quanta, refutes the staircase.
func TestClampedWeightNotStaircase(t *testing.T) {
	const clip = 0.01
	// v·tanh(clamp(w)·x + b) over four samples, a critic of one unit;
	// x[0] is the clamped weight, x[1] the bias.
	xs := []float64{1.7, -2.3, 3.1, 0.4}
	v := 150.0
	clamp := func(w float64) float64 { return max(-clip, min(w, clip)) }
	f := func(x []float64) float64 {
		s := 0.0
		for _, xi := range xs {
			s += v * math.Tanh(clamp(x[0])*xi+x[1])
		}
		return s / float64(len(xs))
	}
	grad := func(leak bool) func(dst, x []float64) {
		return func(dst, x []float64) {
			dst[0], dst[1] = 0, 0
			for _, xi := range xs {
				d := v * (1 - math.Pow(math.Tanh(clamp(x[0])*xi+x[1]), 2)) / float64(len(xs))
				if leak || math.Abs(x[0]) <= clip {
					dst[0] += d * xi
				}
				dst[1] += d
			}
		}
	}
	// Weights beyond the bound, 0.0007 to 0.02 from it. Before, the leaked
	// gradient passed at 5 of these 8 points in float64 (a Kink of
	// [−0.80 ± 5.6, 0] against 15.8 at −0.0159 in a critic of two units).
	for _, w := range []float64{-0.0159, -0.0107, -0.013, -0.03, 0.0107, 0.0125, 0.0159, 0.02} {
		for _, leak := range []bool{false, true} {
			rep, err := gradcheck.Gradient(f, grad(leak), []float64{w, 0.3}, nil)
			if err != nil {
				t.Fatal(err)
			}
			e := rep.Blocks[0].Entries[0]
			switch {
			case !leak && e.Verdict != gradcheck.OK:
				t.Errorf("w = %g, exact 0: %v (numeric %g ± %g)", w, e.Verdict, e.Numeric, e.ErrEst)
			case leak && e.Verdict != gradcheck.Mismatch:
				t.Errorf("w = %g, leaked %g: %v (numeric %g ± %g, slopes %g, %g)", w, e.Analytic, e.Verdict, e.Numeric, e.ErrEst, e.Left, e.Right)
			}
		}
	}
}

// A saturated unit on a staircase looks the same to the ladder: tanh(u) − 1
// with tanh(u) 13 ulps below 1 in float32 stays at f(x) on its plateau's
// side at every step, and on the other moves at step 0.4 by 3 stairs of 2⁻²⁴ and at 0.8 by 41, where the unit leaves
// saturation. Those are whole stairs, and refute no staircase: the exact
// gradient, 1.01e-8, is below what the stairs resolve, and Inconclusive
// (it was a Mismatch against 0 ± 6.9e-13 before the whole-stairs test,
// as float32 property seed 11 found).
func TestSaturatedStaircaseNotConstant32(t *testing.T) {
	et := func(u float32) float32 { return float32(math.Exp(2 * math.Tanh(float64(u)))) }
	x := []float32{0.125}
	g := []float32{0}
	m := &gradcheck.Model[float32]{
		Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
		Loss: func() float64 {
			return float64(float32(math.Tanh(float64(et(et(et(x[0])))))) + -1)
		},
		Gradient: func() {
			// The exact derivative, in float64, of tanh(e(e(e(x)))) with
			// e(u) = exp(2·tanh(u)).
			u := float64(x[0])
			d := 1.0
			for range 3 {
				t := math.Tanh(u)
				u = math.Exp(2 * t)
				d *= u * 2 * (1 - t*t)
			}
			t := math.Tanh(u)
			g[0] = float32(d * (1 - t*t))
		},
	}
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := rep.Blocks[0].Entries[0]; e.Verdict == gradcheck.Mismatch {
		t.Errorf("exact %g: %v (numeric %g ± %g)", e.Analytic, e.Verdict, e.Numeric, e.ErrEst)
	}
}
