package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestNarrowCuspNotKink: a Student-t regression's negative log-likelihood
// over its coefficients β at σ = 6.9e-8 and ν = 5.9e4, where one residual
// is 2.4e-6, 34σ: along β₀ the loss is a narrow log-cusp, its Taylor regime
// below steps of 1e-6, under the ladder's sixteen rows, and at the steps
// above it the change on one side did not shrink as the step halved. The
// one-sided slopes there converged at three rows by chance, and the exact
// −5.1e8 was a Mismatch against −62914 ± 1.9e6 from the climbed ladder.
// Found by a test of statistical models with hand-written gradients.
func TestNarrowCuspNotKink(t *testing.T) {
	X := [][2]float64{{-1.028823488946684, 0.34593945971003803}, {-0.9898909379849714, 1.0825365281856238}, {1.2046537254455887, -1.177203362033946}, {0.538281215718916, -0.5984764612440763}, {-0.9345399993341135, -0.7829402307280855}}
	y := []float64{2.3414022009139157, 2.467427301999733, -2.939436243857335, -1.381653855409438, 1.8587992947760357}
	const ls, lnu = -16.4896025524302, 10.978044244915651
	sig, nu := math.Exp(ls), math.Exp(lnu)
	f := func(b []float64) float64 {
		s := 0.0
		for i := range X {
			z := (y[i] - X[i][0]*b[0] - X[i][1]*b[1]) / sig
			s += ls + (nu+1)/2*math.Log1p(z*z/nu)
		}
		return s
	}
	grad := func(dst, b []float64) {
		dst[0], dst[1] = 0, 0
		for i := range X {
			z := (y[i] - X[i][0]*b[0] - X[i][1]*b[1]) / sig
			w := (nu + 1) / (nu + z*z)
			dst[0] -= w * z * X[i][0] / sig
			dst[1] -= w * z * X[i][1] / sig
		}
	}
	rep, err := gradcheck.Gradient(f, grad, []float64{-2.176930047038744, 0.2940624188784169}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(gradcheck.Mismatch) > 0 {
		t.Errorf("the exact gradient has a Mismatch:\n%s", rep)
	}
}
