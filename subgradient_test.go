package gradcheck_test

import (
	"math"
	"testing"

	"pgregory.net/rapid"

	"github.com/gradcheck/gradcheck"
)

// TestPropertySubgradients: the compositions of TestPropertyExactGradientsPass
// plus a kink at the point itself, c·|x_j − x_j| or c·max(x_j − x_j, 0) with
// c in [0.1, 3]: an analytic value anywhere between the one-sided slopes
// (the smooth part's derivative plus c·s, s in [−1, 1] for |·| and [0, 1]
// for max) is a subgradient and must pass, as OK or Kink; one outside by
// at least 5% of c must not, where the smooth part's derivative is below
// 1e3; and no other entry may be a Mismatch. It found the kink the central
// differences cannot see, which the loss's curvature hid from isKink
// (judge: the early Mismatch asks the analytic value to lie outside the
// one-sided slopes' extrapolations, and the last row takes a jump between
// them for a kink).
func TestPropertySubgradients(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e, x := drawCase(t)
		n := len(x)
		j := rapid.IntRange(0, n-1).Draw(t, "j")
		c := rapid.Float64Range(0.1, 3).Draw(t, "c")
		relu := rapid.Bool().Draw(t, "relu") // max(·, 0) rather than |·|
		wrong := rapid.Bool().Draw(t, "wrong")
		var s float64 // the analytic value is the smooth part's derivative + c·s
		if wrong {
			d := rapid.Float64Range(0.05, 1).Draw(t, "delta")
			switch {
			case rapid.Bool().Draw(t, "above"):
				s = 1 + d
			case relu:
				s = -d
			default:
				s = -1 - d
			}
		} else {
			s = rapid.Float64Range(-1, 1).Draw(t, "s")
			if relu {
				s = (s + 1) / 2
			}
		}
		if e.underflows(x) {
			t.Skip("gradual underflow")
		}
		k := x[j]
		f := func(y []float64) float64 {
			if relu {
				return e.eval(y, nil, 0) + c*math.Max(y[j]-k, 0)
			}
			return e.eval(y, nil, 0) + c*math.Abs(y[j]-k)
		}
		g := make([]float64, n)
		e.eval(x, g, 1)
		if wrong && math.Abs(g[j]) > 1e3 {
			t.Skip("a wrong subgradient small beside the smooth part")
		}
		grad := func(dst, y []float64) {
			clear(dst)
			e.eval(y, dst, 1)
			dst[j] += c * s
		}
		rep, err := gradcheck.Gradient(f, grad, x, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range rep.Blocks[0].Entries {
			switch {
			case en.Index == j && !wrong && !en.Verdict.Pass():
				t.Fatalf("%v + %g·kink(x%d) at x = %v (relu %v), subgradient %g: %v\n%s", e, c, j, x, relu, s, en.Verdict, rep)
			case en.Index == j && wrong && en.Verdict.Pass():
				t.Fatalf("%v + %g·kink(x%d) at x = %v (relu %v), %g outside the subgradients: %v\n%s", e, c, j, x, relu, s, en.Verdict, rep)
			case en.Index != j && en.Verdict == gradcheck.Mismatch:
				t.Fatalf("%v + %g·kink(x%d) at x = %v: x[%d], exact, is a Mismatch\n%s", e, c, j, x, en.Index, rep)
			}
		}
	})
}
