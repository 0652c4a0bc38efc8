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

// TestDirectionalKinksAtPointNoRegion checks a correct model whose block
// of 48 entries has a kink at the point in every third entry,
// Σ a_i·relu(x_i) + ½x_i² with x_i = 0 for i divisible by 3: each of the
// block's sixteenths holds one kink and disagrees, and the four evidence
// entries are all Kinks. The block was reported as a Region of a correct
// gradient, on its own refined test, whose discrepancy from the kinks
// converges as a wrong gradient's does. The search now goes on into the
// sixteenths, and the kinks get their own verdicts.
func TestDirectionalKinksAtPointNoRegion(t *testing.T) {
	const n = 48
	rng := rand.New(rand.NewPCG(9, 1))
	x, g, a := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = 0.5 + rng.Float64()
		if rng.IntN(2) == 0 {
			x[i] = -x[i]
		}
		if i%3 == 0 {
			x[i] = 0
		}
		a[i] = 1 + rng.Float64()
	}
	m := &gradcheck.Model[float64]{
		Blocks: []gradcheck.Block[float64]{{Name: "b", Value: x, Grad: g}},
		Loss: func() float64 {
			var f float64
			for i, v := range x {
				f += a[i]*max(v, 0) + 0.5*v*v
			}
			return f
		},
		Gradient: func() {
			for i, v := range x {
				g[i] = v
				if v > 0 {
					g[i] += a[i]
				}
			}
		},
	}
	for seed := uint64(1); seed <= 8; seed++ {
		rep, err := gradcheck.Check(m, &gradcheck.Options{Directions: 4, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Regions {
			t.Errorf("seed %d: region %s[%d, %d) reported in a correct model with kinks at the point", seed, r.Block, r.Lo, r.Hi)
		}
		for _, e := range rep.Blocks[0].Failures() {
			t.Errorf("seed %d: b[%d] is %v in a correct model: analytic %g, numeric %g", seed, e.Index, e.Verdict, e.Analytic, e.Numeric)
		}
		if !rep.OK() {
			t.Errorf("seed %d: a correct model with kinks at the point is not OK", seed)
		}
	}
}
