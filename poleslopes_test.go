package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestPoleSlopesNotKink32 checks a float32 Gamma likelihood's shape a at
// 2.05e-4, where the pole of lgamma at 0 lies within every step of the
// refinement ladder (its smallest, √ε·max(|a|, 1), is 3.5e-4). The slopes
// across the pole and away from it grow as the step halves, of opposite
// signs, and bound no subgradient; a gradient with digamma replaced by log
// lay between them and passed as a Kink, 6000 times below the exact
// −24386, while the exact value, outside them, was judged by the Taylor
// remainder at steps below the distance to the pole.
func TestPoleSlopesNotKink32(t *testing.T) {
	const (
		b  = 0.55    // rate
		sy = -37.5   // Σ log y over the five samples
		n  = 5       // samples
		a0 = 2.05e-4 // the shape
	)
	digamma := func(x float64) float64 { // recurrence, then the asymptotic series
		s := 0.0
		for ; x < 10; x++ {
			s -= 1 / x
		}
		x2 := 1 / (x * x)
		return s + math.Log(x) - 0.5/x - x2*(1.0/12-x2*(1.0/120-x2/252))
	}
	for _, c := range []struct {
		name string
		psi  func(float64) float64
		pass bool
	}{
		{"digamma", digamma, true},
		{"log in place of digamma", math.Log, false},
	} {
		v := []float32{a0}
		g := make([]float32, 1)
		m := &gradcheck.Model[float32]{
			Blocks: []gradcheck.Block[float32]{{Name: "a", Value: v, Grad: g}},
			Loss: func() float64 {
				a := float64(v[0])
				lg, _ := math.Lgamma(a)
				return float64(float32(n*lg - a*(n*math.Log(b)+sy)))
			},
			Gradient: func() {
				a := float64(v[0])
				g[0] = float32(n*c.psi(a) - (n*math.Log(b) + sy))
			},
		}
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := rep.Blocks[0].Entries[0]
		if e.Verdict.Pass() != c.pass {
			t.Errorf("%s: verdict %v (analytic %v, numeric %v ± %v, slopes %v, %v)", c.name, e.Verdict, e.Analytic, e.Numeric, e.ErrEst, e.Left, e.Right)
		}
	}
}
