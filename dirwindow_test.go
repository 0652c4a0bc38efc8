package gradcheck_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestDirectionalLadderLeadingRowsOutside checks a smooth loss whose
// largest ladder steps, moving every parameter at once, are far outside
// its Taylor regime, while the smaller steps converge: Σ a_i·tanh(8·x_i)
// over 3 000 parameters, one entry wrong by 0.5. Every direction must be a
// Mismatch. Judged on all rows of the ladder, the leading rows' corrections
// (growing, then shrinking irregularly) made every direction Inconclusive,
// though the rows from the step 0.003 down converged to a discrepancy many
// thousand times its error; the same held for a tanh MLP of 3 482
// parameters with one wrong entry.
func TestDirectionalLadderLeadingRowsOutside(t *testing.T) {
	const n = 3000
	rng := rand.New(rand.NewPCG(4, 1))
	x, g, a := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = 0.1 * rng.NormFloat64()
		a[i] = rng.NormFloat64()
	}
	wrong := rng.IntN(n)
	m := &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "W", Value: x, Grad: g}},
		Loss: func() float64 {
			var f float64
			for i, v := range x {
				f += a[i] * math.Tanh(8*v)
			}
			return f
		},
		Gradient: func() {
			for i, v := range x {
				th := math.Tanh(8 * v)
				g[i] = 8 * a[i] * (1 - th*th)
			}
			g[wrong] += 0.5
		},
	}
	for seed := uint64(1); seed <= 4; seed++ {
		rep, err := gradcheck.Check(m, &gradcheck.Options{Directions: 4, Seed: seed, SkipLocalize: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range rep.Directions {
			if d.Verdict != gradcheck.Mismatch {
				t.Errorf("seed %d: direction %d with %s[%d] wrong by 0.5 is %v, not a Mismatch: analytic %.7g, numeric %.7g ± %.2g at step %v",
					seed, d.Index, "W", wrong, d.Verdict, d.Analytic, d.Numeric, d.ErrEst, d.Step)
			}
		}
	}
}
