package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestFlatSideOfKinkNotStaircase: a kink at x whose one side is flat, with
// another kink within the ladder's largest step on that side, as in a
// quantile regression whose pinball losses' slopes along one coefficient
// sum to −1.75 on the left and to exactly 0 on the right up to the next
// data point's kink. The flat side moves at the largest step only, which
// reads like a staircase's first stair; the other side's changes, 1.75·h,
// are no whole number of such stairs, and the one-sided slopes are exact
// at every smaller step. Every subgradient passes as a Kink, and a value
// outside [−1.75, 0] is a Mismatch.
func TestFlatSideOfKinkNotStaircase(t *testing.T) {
	for _, tc := range []struct {
		name   string
		x, far float64 // the point and the distance of the next kink on the flat side
	}{
		// From a quantile regression (20 to 120 observations on dyadic
		// data, a fifth of them on the fit): beta[0] at 1.25, the next
		// kink 0.0625 to 0.125 to its right.
		{"quantile regression coefficient", 1.25, 0.09375},
		{"next kink just inside the largest step", 1.25, 0.12},
		{"at the origin", 0, 0.07},
	} {
		f := func(x []float64) float64 {
			u := x[0] - tc.x
			return 1.75*math.Max(-u, 0) + 4*math.Max(u-tc.far, 0) + 0.5*x[1]*x[1]
		}
		for _, a := range []float64{-1.75, -0.75, 0} {
			rep, err := gradcheck.Gradient(f, func(dst, x []float64) { dst[0], dst[1] = a, x[1] }, []float64{tc.x, 0.5}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if e := rep.Blocks[0].Entries[0]; e.Verdict != gradcheck.Kink {
				t.Errorf("%s: subgradient %g: %v (numeric %g ± %g, slopes [%g, %g]), want kink", tc.name, a, e.Verdict, e.Numeric, e.ErrEst, e.Left, e.Right)
			}
		}
		for _, a := range []float64{-1.85, 0.1} {
			rep, err := gradcheck.Gradient(f, func(dst, x []float64) { dst[0], dst[1] = a, x[1] }, []float64{tc.x, 0.5}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if e := rep.Blocks[0].Entries[0]; e.Verdict != gradcheck.Mismatch {
				t.Errorf("%s: %g outside the subgradients [−1.75, 0]: %v (numeric %g ± %g), want mismatch", tc.name, a, e.Verdict, e.Numeric, e.ErrEst)
			}
		}
	}
}
