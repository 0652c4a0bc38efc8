package gradcheck_test

import (
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestPerspectiveNearZeroDepth32 checks the reprojection loss of one point
// at depth z = −1.1e-4 in float32, ½((x/z − u)² + (y/z − v)²): a pole at
// z = 0, within every step of the ladder down to √ε, 3.5e-4, but not
// within the steps below it, which resolve ∂/∂z = 7.7173e6 to 0.5%. The
// noise measured along z at spacing 9.8e-4 straddled the pole and found a
// σ of 1340; the smaller spacing, 1.5e-5, found none, its values holding at
// most 27; and the third, 2.4e-5, whose points come within 3.7e-5 of the
// pole, found 4147 and confirmed the larger. With that σ every row's
// change lay within its round-off bound, the largest steps' central
// differences, growing fourfold per halving, passed for converged, and the
// exact derivative was a Mismatch against 377 ± 2.5e5. Noise does not
// depend on the spacing, so the smaller spacing's ceiling refutes the
// third's σ as it refutes the larger's. Found by a test of geometry losses
// with points near the camera plane (11 of 100 correct float32 checks
// failed so). The derivative doubled must still fail.
func TestPerspectiveNearZeroDepth32(t *testing.T) {
	for _, bug := range []float32{1, 2} {
		p := []float32{0.008565871, 0.0044272081, -0.00010971046}
		g := make([]float32, 3)
		const u, v = -70, -35
		m := &gradcheck.Model[float32]{
			Blocks: []gradcheck.Block[float32]{{Name: "p", Value: p, Grad: g}},
			Loss: func() float64 {
				ru, rv := p[0]/p[2]-u, p[1]/p[2]-v
				return float64(ru*ru/2 + rv*rv/2)
			},
			Gradient: func() {
				ru, rv := p[0]/p[2]-u, p[1]/p[2]-v
				g[0], g[1] = ru/p[2], rv/p[2]
				g[2] = -bug * (ru*p[0] + rv*p[1]) / (p[2] * p[2])
			},
		}
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := rep.Blocks[0].Entries[2]
		if want := bug == 1; e.Verdict.Pass() != want {
			t.Errorf("∂/∂z scaled by %g: verdict %v (analytic %v, numeric %v ± %v, step %v), want pass = %v", bug, e.Verdict, e.Analytic, e.Numeric, e.ErrEst, e.Step, want)
		}
	}
}
