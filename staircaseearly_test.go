package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// boundedModel32 is the log-density of three parameters constrained to
// (a, b) by x = a + (b − a)·logistic(u), each with three observations of
// deviation 0.5, as a user writes it in float32: the log-Jacobian as
// log(x − a) + log(b − x) − log(b − a). Far into either tail, x − a or
// b − x is a difference of numbers near a or b, a hundred or so of their
// ulps: the loss is a staircase along u, stairs of about 1% in that
// difference. The gradient is the exact derivative, its entry i times
// factor.
func boundedModel32(u0 [3]float32, a, b float32, obs [9]float32, i int, factor float32) *gradcheck.Model[float32] {
	u, g := u0[:], make([]float32, 3)
	logistic := func(v float32) float32 { return 1 / (1 + float32(math.Exp(float64(-v)))) }
	log := func(v float32) float32 { return float32(math.Log(float64(v))) }
	return &gradcheck.Model[float32]{
		Blocks: []gradcheck.Block[float32]{{Name: "u", Value: u, Grad: g}},
		Loss: func() float64 {
			var lp float32
			for k := range u {
				x := a + (b-a)*logistic(u[k])
				for m := range 3 {
					e := x - obs[3*k+m]
					lp -= e * e / (2 * 0.25)
				}
				lp += log(x-a) + log(b-x) - log(b-a)
			}
			return -float64(lp)
		},
		Gradient: func() {
			for k := range u {
				p, q := logistic(u[k]), logistic(-u[k])
				x := a + (b-a)*p
				var gx float32
				for m := range 3 {
					gx -= (x - obs[3*k+m]) / 0.25
				}
				g[k] = -(gx*(b-a)*p*q + q - p)
			}
			g[i] *= factor
		},
	}
}

// TestEarlyMismatchOnStaircase32: along u[1] the float32 loss is flat
// between stairs about 0.017 apart (−11.35, x − a about 100 ulps of a =
// 1.32) or 0.03 apart (9.25, b − x beside b = 4.90). The ladder's three
// largest steps, 0.0355 down to 0.0089 (0.029 down to 0.0072), straddled 4,
// 2 and 1 stairs each, by the chance of where x lies between them, and
// their central differences agreed on −0.93956 (0.93476) to within 5e-4,
// as did the first pass; with the noise measured along u[2], a smooth
// coordinate, that was an early Mismatch of the exact −1.0000 (1.0000).
// The next row, 0.0044, reads two stairs (−1.89), and every smaller one
// none (0). An early Mismatch now needs the next row to say so too; here
// it does not, and the ladder goes on to the noise along the entry and the
// climbed ladder: a Kink of [−0.93958, −0.93947] ± 0.016 (its stairs are
// jumps) and an OK at 1.0037 ± 0.023, bounds that cover what the staircase
// hides. A sign flip is still a Mismatch. Found by a test of Bayesian
// models with constraint transforms.
func TestEarlyMismatchOnStaircase32(t *testing.T) {
	for _, c := range []struct {
		u      [3]float32
		a, b   float32
		obs    [9]float32
		reason string
	}{
		{[3]float32{13.156747, -11.353804, -0.7094961}, 1.3224612, 2.5426612,
			[9]float32{2.162361, 2.505283, 2.317414, 1.2810186, 1.5168141, 1.5366241, 2.5055974, 1.2228256, 2.4192493},
			"x − a at u = −11.35"},
		{[3]float32{6.1744933, 9.253193, 2.2885563}, 4.163739, 4.900433,
			[9]float32{4.105932, 4.7139416, 4.862887, 4.37753, 4.589614, 4.891142, 4.2331357, 4.449012, 4.0234616},
			"b − x at u = 9.25"},
	} {
		for _, factor := range []float32{1, -1} {
			rep, err := gradcheck.Check(boundedModel32(c.u, c.a, c.b, c.obs, 1, factor), nil)
			if err != nil {
				t.Fatal(err)
			}
			e := rep.Blocks[0].Entries[1]
			switch {
			case factor == 1 && e.Verdict == gradcheck.Mismatch:
				t.Errorf("%s: the exact u[1] is a Mismatch (numeric %g ± %g at step %g):\n%s", c.reason, e.Numeric, e.ErrEst, e.Step, rep)
			case factor == -1 && e.Verdict != gradcheck.Mismatch:
				t.Errorf("%s: u[1] with its sign flipped is %v, want a Mismatch:\n%s", c.reason, e.Verdict, rep)
			}
		}
	}
}
