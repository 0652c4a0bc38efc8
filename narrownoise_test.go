package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// narrowComponent32 is the float32 loss of one observation y under a
// mixture of N(μ, s²) and N(0, 1) with equal weights, computed in float64 and
// rounded to float32, as a function of μ, with the exact gradient times
// factor.
func narrowComponent32(mu, y, s float32, factor float64) *gradcheck.Model[float32] {
	x := []float32{mu}
	g := make([]float32, 1)
	f := func(mu float64) (loss, grad float64) {
		sd := float64(s)
		z := (float64(y) - mu) / sd
		a := 0.5 * math.Exp(-0.5*z*z) / (sd * math.Sqrt(2*math.Pi))
		b := 0.5 * math.Exp(-0.5*float64(y)*float64(y)) / math.Sqrt(2*math.Pi)
		return -math.Log(a + b), -a / (a + b) * z / sd
	}
	return &gradcheck.Model[float32]{
		Blocks: []gradcheck.Block[float32]{{Name: "mu", Value: x, Grad: g}},
		Loss: func() float64 {
			v, _ := f(float64(x[0]))
			return float64(float32(v))
		},
		Gradient: func() {
			_, d := f(float64(x[0]))
			g[0] = float32(d * factor)
		},
	}
}

// TestNarrowComponentNotNoise32: a mixture component of width 2e-3, 1.8e-3
// from μ = 4.498, is smooth at the noise measurement's smaller spacing
// (6.9e-5: the float32 loss's values there lie on a parabola of whole
// quanta, second differences of 2552 quanta, third differences zero) and
// mimics noise at the larger (4.4e-3: σ = 4.4, ten million times the
// loss's rounding). That σ stood, on the ground that values on a
// polynomial of whole quanta say nothing of noise, and swamped every step
// that resolves the derivative: the ladder raised to step 3.6 read the far
// tail, numeric 1.6e-6 ± 7.3 against the exact −452, a Mismatch of a
// correct gradient. The third spacing (1.1e-4) now decides there, as where
// the two spacings disagree; it finds 7.6e-5, under an eighth of 4.4, and
// the steps near 3.5e-3 resolve −452 to 5e-4. Found by a test of
// Gaussian-mixture likelihoods with a collapsing component.
func TestNarrowComponentNotNoise32(t *testing.T) {
	const y, d, s = 4.5, -0.0017513064, 0.001968399
	for _, c := range []struct {
		factor float64
		want   gradcheck.Verdict
	}{
		{1, gradcheck.OK},
		{1.1, gradcheck.Mismatch},
		{-1, gradcheck.Mismatch},
	} {
		rep, err := gradcheck.Check(narrowComponent32(y+d, y, s, c.factor), nil)
		if err != nil {
			t.Fatal(err)
		}
		if e := rep.Blocks[0].Entries[0]; e.Verdict != c.want {
			t.Errorf("gradient times %v: %v (numeric %g ± %g at step %g), want %v\n%s",
				c.factor, e.Verdict, e.Numeric, e.ErrEst, e.Step, c.want, rep)
		}
	}
}

// TestNarrowWellNotKink32: a component of width 3.7e-4 whose mean μ sits
// 9.7e-4 from the observation y = 7.9375. Every step of 6.2e-3 and more
// leaves its well on both sides, where the loss is 36 higher and flat, so
// that F − B = 72/h grows as the step halves and the rows are flagged as a
// kink; the one-sided slopes ±36/h, meeting the well's own as the steps
// entered it, converged at three rows by chance, and the exact derivative
// 7134.36, which the last two rows (3.1e-3 and 1.55e-3) and every smaller
// step resolve, was a Mismatch against ±135.9. Rows whose change on one
// side does not shrink as the step halves show no slope of that side. A
// gradient off by 10% is still not passed.
func TestNarrowWellNotKink32(t *testing.T) {
	const y, d, s = 7.9375, 0.0009650007, 0.00036780088
	for _, factor := range []float64{1, 1.1} {
		rep, err := gradcheck.Check(narrowComponent32(y+d, y, s, factor), nil)
		if err != nil {
			t.Fatal(err)
		}
		switch v := rep.Blocks[0].Entries[0].Verdict; {
		case factor == 1 && v == gradcheck.Mismatch:
			t.Errorf("the exact gradient is a Mismatch:\n%s", rep)
		case factor != 1 && v.Pass():
			t.Errorf("a gradient off by 10%% passed:\n%s", rep)
		}
	}
}
