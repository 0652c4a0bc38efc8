package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestFarFromOriginEnergy: a coordinate of an atom near 8.6e4 (a
// rigid-body model's Morse sites, far from the origin), whose energy
// varies on the scale of the distances, about 1. The refinement ladder's
// sixteen rows run from 0.1·|x| = 8642 down to 0.26, all outside the
// Taylor regime: the top rows a plateau (the sites pulled apart), whose
// one-sided slopes ±Δ/h made a Kink of [−0.0044, 0.0044], and the exact
// derivative 4.596 was called a Mismatch (found by a test of physics
// energies with hand-written forces). The ladder now goes on below its
// last row; the exact gradient passes, and one off by 1% does not.
func TestFarFromOriginEnergy(t *testing.T) {
	const x0 = 86422.42003332953
	// Sites at distance b_k across and c_k along the coordinate.
	b := []float64{1.6, 1.73, 1.13, 1.66}
	c := []float64{-1.84, 3.27, 0.64, 0.57}
	f := func(x []float64) float64 {
		s := 0.0
		for k := range b {
			d := x[0] - x0 - c[k]
			r := math.Sqrt(d*d + b[k]*b[k])
			e := math.Exp(-2 * (r - 1))
			s += (1 - e) * (1 - e)
		}
		return s
	}
	for _, tc := range []struct {
		name  string
		scale float64
		pass  bool
	}{{"exact", 1, true}, {"off by 1%", 1.01, false}} {
		grad := func(dst, x []float64) {
			s := 0.0
			for k := range b {
				d := x[0] - x0 - c[k]
				r := math.Sqrt(d*d + b[k]*b[k])
				e := math.Exp(-2 * (r - 1))
				s += 4 * e * (1 - e) * d / r
			}
			dst[0] = tc.scale * s
		}
		rep, err := gradcheck.Gradient(f, grad, []float64{x0}, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := rep.Blocks[0].Entries[0]
		if rep.OK() != tc.pass {
			t.Errorf("%s: OK() = %v, want %v: %v, analytic %.9g, numeric %.9g ± %.3g, step %.3g", tc.name, rep.OK(), tc.pass, e.Verdict, e.Analytic, e.Numeric, e.ErrEst, e.Step)
		}
	}
}
