package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// logSumExp is log Σ exp(x_j), computed stably.
func logSumExp(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	s := 0.0
	for _, v := range x {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

// TestLogSoftmaxJacobianLargeLogits: log-softmax and the gradient of a
// softmax cross-entropy at logits where one dominates. The output of the
// dominating logit, x4 − log Σ exp(x_j), is 0 to the bit for steps of the
// others up to 1.6: its derivatives, −exp(x_j − 78) ≈ 1e-34, move it by
// far less than an ulp of the values it is computed with, and the loss
// never moves. Those exact entries were Mismatches against 0 ± 0, an ulp
// of 0 taken for the rounding of the output (found by a test of
// log-softmax Jacobians); an output of a vector check is known only to a
// rounding of the function's outputs. The Jacobian and VJPs must pass, and
// one entry off by 1e-4 must not. The JVPs' output 4 moves along the
// tangent, which moves x4 too, by roundings of 78: it resolves nothing of
// its derivative, 1e-34, and may be Inconclusive, but no entry may be a
// Mismatch.
//
// Not fixed: the gradient of the cross-entropy with label 4, softmax(x) −
// e₄, whose output 4, p₄ − 1, is 0 because p₄ rounds to 1. Its outputs
// are all below 1e-33, and nothing the check sees shows that output 4 is
// computed on the grid of an ulp of 1: the Hessian's row 4, about 1e-34,
// is still a Mismatch against 0 ± 1e-49.
func TestLogSoftmaxJacobianLargeLogits(t *testing.T) {
	x := []float64{0.3, -1.2, 0.5, 2, 78}
	n := len(x)
	logSoftmax := func(dst, x []float64) {
		l := logSumExp(x)
		for i := range x {
			dst[i] = x[i] - l
		}
	}
	jac := func(bad float64) func(dst, x []float64) {
		return func(dst, x []float64) {
			l := logSumExp(x)
			for i := range n {
				for j := range n {
					d := -math.Exp(x[j] - l)
					if i == j {
						d++
					}
					dst[i*n+j] = d
				}
			}
			dst[3*n+3] *= 1 + bad
		}
	}
	// wᵀJ where transpose, else J·w.
	product := func(transpose bool) func(dst, x, w []float64) {
		return func(dst, x, w []float64) {
			J := make([]float64, n*n)
			jac(0)(J, x)
			for i := range n {
				dst[i] = 0
				for j := range n {
					if transpose {
						dst[i] += w[j] * J[j*n+i]
					} else {
						dst[i] += J[i*n+j] * w[j]
					}
				}
			}
		}
	}
	vjp, jvp := product(true), product(false)
	check := func(name string, rep *gradcheck.Report, err error, want bool) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rep.OK() != want {
			t.Errorf("%s: OK() = %v, want %v\n%s", name, rep.OK(), want, rep)
		}
	}
	rep, err := gradcheck.Jacobian(logSoftmax, jac(0), n, x, nil)
	check("Jacobian", rep, err, true)
	rep, err = gradcheck.Jacobian(logSoftmax, jac(1e-4), n, x, nil)
	check("Jacobian with J[3,3] off by 1e-4", rep, err, false)
	rep, err = gradcheck.VJP(logSoftmax, vjp, n, x, nil)
	check("VJP", rep, err, true)
	rep, err = gradcheck.JVP(logSoftmax, jvp, n, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if k := rep.Count(gradcheck.Mismatch); k > 0 {
		t.Errorf("JVP: %d Mismatches\n%s", k, rep)
	}
}
