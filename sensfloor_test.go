package gradcheck_test

import (
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestWrongGradientWithOwnSensitivity32: the sensitivity floor K·ε·S_i
// comes from the gradient under test, moved at every parameter at once.
// A wrong gradient can be far more sensitive to its inputs than the loss's
// derivative is (an adjoint recursion with a wrong sign on its feedback
// term, unstable where the true one is stable, over 200 steps of an LQR
// rollout in float32: S of 1e9 against a loss whose Hessian is of order
// 1), and its floor then covered its own error, a gradient off by half
// passing as OK with an error bound of 1e-4. Here the wrong gradient adds
// 1e9·(Σx − Σx₀), zero at the point checked and steep around it, to a
// gradient off by 50%; the right one passes.
func TestWrongGradientWithOwnSensitivity32(t *testing.T) {
	for _, tc := range []struct {
		name  string
		scale float32 // of the true gradient 2(x − 1)
		pass  bool
	}{
		{"right", 1, true},
		{"off by half", 1.5, false},
	} {
		x := []float32{0.5, -0.25, 0.75, 0.3125}
		sum := func(v []float32) float32 {
			var s float32
			for _, u := range v {
				s += u
			}
			return s
		}
		s0 := sum(x)
		g := make([]float32, len(x))
		m := &gradcheck.Model[float32]{
			Blocks: []gradcheck.Block[float32]{{Name: "x", Value: x, Grad: g}},
			Loss: func() float64 {
				var f float32
				for _, u := range x {
					f += (u - 1) * (u - 1)
				}
				return float64(f)
			},
			Gradient: func() {
				steep := 1e9 * (sum(x) - s0)
				for i, u := range x {
					g[i] = tc.scale*2*(u-1) + steep
				}
			},
		}
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if rep.OK() != tc.pass {
			t.Errorf("%s: OK() = %v, want %v", tc.name, rep.OK(), tc.pass)
			for _, e := range rep.Blocks[0].Entries {
				t.Logf("  x[%d] %v: analytic %.6g, numeric %.6g ± %.2g", e.Index, e.Verdict, e.Analytic, e.Numeric, e.ErrEst)
			}
		}
	}
}
