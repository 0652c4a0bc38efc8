package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestWrongGradientOfCancellingQuadratic: x·(tanh(−5.90625) + (1 + x)) at
// x = 6e-8 (TestPropertyWrongGradientsFail, -rapid.seed=9137 at 200000
// checks) with its gradient off by 1e-4 must be a Mismatch. The loss is a
// quadratic, small by cancellation: its central differences agree to 5e-17
// at every step and disagree with the analytic value by 1.5e-9. The 5e-17
// is the rounding of 1 + x ± h, far above one rounding of the loss near x,
// the ladder's bound; judged against that bound the corrections looked
// outside the Taylor regime, the Mismatch was withheld, and the Taylor
// remainder then called the entry OK to 2.5e-4 of the derivative. The
// regime is now judged against the round-off bound the corroboration uses
// (corroborationNoise: one rounding of the largest loss value the ladder
// saw), under which those corrections are round-off.
func TestWrongGradientOfCancellingQuadratic(t *testing.T) {
	th := math.Tanh(3 * -1.96875)
	f := func(x []float64) float64 { return x[0] * ((0 + th) + (1 + x[0])) }
	grad := func(dst, x []float64) {
		dst[0] = (((0 + th) + (1 + x[0])) + x[0]) * (1 + 1e-4) // off by 1e-4
	}
	rep, err := gradcheck.Gradient(f, grad, []float64{5.960464477539063e-08}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Blocks[0].Entries[0].Verdict; v != gradcheck.Mismatch {
		t.Errorf("gradient off by 1e-4: verdict %v, want mismatch\n%s", v, rep)
	}
	// The same gradient without the error passes.
	exact := func(dst, x []float64) { dst[0] = ((0 + th) + (1 + x[0])) + x[0] }
	if rep, err := gradcheck.Gradient(f, exact, []float64{5.960464477539063e-08}, nil); err != nil || !rep.OK() {
		t.Errorf("exact gradient: %v\n%s", err, rep)
	}
}
