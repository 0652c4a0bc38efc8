package gonumopt

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// TestProblemStoppedHessIsNotOK: when the Hessian check stops (a panic in
// Hess, a panic in Grad while the Hessian is checked, a NaN Hessian),
// Problem's report comes with the error and is partial, not OK. It was
// OK, "ok: 2 entries in 1 blocks agree", beside the error.
func TestProblemStoppedHessIsNotOK(t *testing.T) {
	f := func(x []float64) float64 { return x[0] * x[0] * x[1] }
	grad := func(g, x []float64) { g[0] = 2 * x[0] * x[1]; g[1] = x[0] * x[0] }
	hess := func(h *mat.SymDense, x []float64) { h.SetSym(0, 0, 2*x[1]); h.SetSym(0, 1, 2*x[0]); h.SetSym(1, 1, 0) }
	cases := []struct {
		name string
		p    optimize.Problem
	}{
		{"Hess panics", optimize.Problem{Func: f, Grad: grad, Hess: func(*mat.SymDense, []float64) { panic("hess") }}},
		{"Hess is NaN", optimize.Problem{Func: f, Grad: grad, Hess: func(h *mat.SymDense, x []float64) { hess(h, x); h.SetSym(1, 1, math.NaN()) }}},
		{"Grad panics in the Hessian check", optimize.Problem{Func: f, Grad: func() func(g, x []float64) {
			calls := 0
			return func(g, x []float64) {
				// The gradient check calls Grad three times; the
				// Hessian check's eighth call moves x[1].
				if calls++; calls == 8 {
					panic("grad")
				}
				grad(g, x)
			}
		}(), Hess: hess}},
	}
	for _, c := range cases {
		rep, err := Problem(c.p, []float64{1, 2}, nil)
		if err == nil || rep == nil {
			t.Errorf("%s: error %v, report %v: want both", c.name, err, rep != nil)
			continue
		}
		if !rep.Partial || rep.OK() {
			t.Errorf("%s (%v): Partial %v, OK %v, summary %q", c.name, err, rep.Partial, rep.OK(), rep.Summary())
		}
	}
}
