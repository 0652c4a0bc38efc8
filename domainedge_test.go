package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// Near the edge of a loss's domain, closer than the refinement ladder's
// smallest steps, the slopes of the finite side see the loss blow up as
// the step shrinks toward the edge: they are no series in h, and their
// extrapolation no estimate of the derivative. An agreement needs the same
// evidence as a disagreement, slopes in the Taylor regime; the smaller
// steps of the second ladder see both sides and judge.
func TestDomainEdgeOneSidedAgreement(t *testing.T) {
	for _, d := range []float64{1e-7, 1e-6, 2e-6} {
		// y's derivative g sets the gradient's scale G: before, with
		// g = 1e12, a derivative of 0 along x, where the loss 1/x has
		// −1/d², passed, the forward slopes extrapolated to −3e7 ± 4e7
		// and resolved to 1e-3 of G.
		for _, g := range []float64{1e3, 1e12} {
			exact := -1 / (d * d)
			for _, a := range []float64{exact, 0, exact / 2, -exact} {
				f := func(x []float64) float64 {
					if x[0] <= 0 {
						return math.NaN()
					}
					return 1/x[0] + g*x[1]
				}
				grad := func(dst, x []float64) { dst[0], dst[1] = a, g }
				rep, err := gradcheck.Gradient(f, grad, []float64{d, 0.5}, nil)
				if err != nil {
					t.Fatal(err)
				}
				switch e := rep.Blocks[0].Entries[0]; {
				case a == exact && e.Verdict != gradcheck.OK:
					t.Errorf("1/x at x = %g, y's derivative %g: the exact %g is %v, want ok:\n%v", d, g, a, e.Verdict, rep)
				case a != exact && e.Verdict.Pass():
					t.Errorf("1/x at x = %g, y's derivative %g: %g against the exact %g passed:\n%v", d, g, a, exact, rep)
				}
			}
		}
	}
}
