package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestStaircaseTimesSmoothLimitation keeps, skipped, a false Mismatch not
// fixed: (1 + tanh((x1 + x2)·x1·x3))·x1 at (1, 2.06640625, 0.5, −3), an
// exact gradient, shrunk by the property test's search from a failure of
// seed 9020 under a change that was then kept out (the unshrunk failure
// passes). 1 + tanh(u) at u = −15.9 is 3e-14 on the grid of an ulp of 1,
// so the loss is a staircase times x1. The noise measurement found none
// (σ = 9e-30, from a loss of 6e-14); the ladder's steps from 0.026 to
// 0.003 agree with the analytic −1.7098e-12 to 1e-15, but below 4e-4 the
// staircase stands still on both sides while x1 moves, and the central
// differences read the stair, 1 + tanh(u) = 3.03e-14, with error bounds of
// 1e-24. The first-pass step, on the same stair, confirms that, and
// judge's early Mismatch stops the ladder. The corrections that grew at
// step 0.0016 show the loss's rounding (grownNoise, σ ≈ 1e-17); holding
// the early Mismatch back where they do fixes this loss, but exposes the
// last row's second judgement, in which such a growth at the larger steps
// of a fast sine passed for noise and wrong gradients passed (float64
// property seeds 9101, 9125), and the rule tried for those, that rows
// below whose corrections stay far under that noise refute it, is fooled
// by this staircase's flat, which converges too. Remove the Skip to see
// the report.
func TestStaircaseTimesSmoothLimitation(t *testing.T) {
	t.Skip("fails on purpose: a known limitation, kept so that it can be seen")
	f := func(x []float64) float64 { return (1 + math.Tanh((x[1]+x[2])*(x[1]*x[3]))) * x[1] }
	grad := func(dst, x []float64) {
		u := (x[1] + x[2]) * (x[1] * x[3])
		th := math.Tanh(u)
		s := 1 - th*th
		dst[0] = 0
		dst[1] = (1 + th) + x[1]*s*(x[1]*x[3]+(x[1]+x[2])*x[3])
		dst[2] = x[1] * s * x[1] * x[3]
		dst[3] = x[1] * s * (x[1] + x[2]) * x[1]
	}
	rep, err := gradcheck.Gradient(f, grad, []float64{1, 2.06640625, 0.5, -3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("a staircase times a smooth factor:\n%s", rep)
	}
}
