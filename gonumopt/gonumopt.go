// Package gonumopt checks the derivatives of a gonum optimize.Problem:
// Grad against finite differences of Func, and Hess against finite
// differences of Grad, with the verdicts of package gradcheck.
//
// gonum's Hess methods write a *mat.SymDense, which stores one triangle:
// the symmetry of such a Hessian holds by construction, so only its
// entries are checked, against the columns of the finite-difference
// Jacobian of Grad.
package gonumopt

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"

	"github.com/gradcheck/gradcheck"
)

// Problem checks p at x and returns one report: a block "grad" of shape
// [n] with the verdicts on Grad against Func (see gradcheck.Gradient) and,
// when p.Hess is set, a block "hess" of shape [n, n] with the verdicts on
// Hess against Grad (see gradcheck.Hessian; the diagonal and both
// triangles, so that a wrong entry shows in the row and the column of its
// index). The Hessian's reference is Grad: when the "grad" block fails,
// read the "hess" block with suspicion.
//
// p.Func and p.Grad must not be nil. Report.Evals counts calls of Func
// and of Grad made as the function of the Hessian check; Report.GradEvals
// counts calls of Grad as a gradient and of Hess. Hazards of either check
// are in Report.Hazards. x is restored bit for bit. p.Status is not
// called.
func Problem(p optimize.Problem, x []float64, opts *gradcheck.Options) (*gradcheck.Report, error) {
	switch {
	case p.Func == nil:
		return nil, errors.New("gonumopt: the problem has no Func")
	case p.Grad == nil:
		return nil, errors.New("gonumopt: the problem has no Grad")
	}
	rep, err := gradcheck.Gradient(p.Func, p.Grad, x, opts)
	if rep != nil && len(rep.Blocks) > 0 {
		rep.Blocks[0].Name = "grad"
	}
	if err != nil || p.Hess == nil {
		return rep, err
	}
	hrep, err := gradcheck.Hessian(p.Grad, Hess(p.Hess, len(x)), x, opts)
	if hrep != nil {
		for _, b := range hrep.Blocks {
			if b.Name == "H" {
				b.Name = "hess"
				rep.Blocks = append(rep.Blocks, b)
			}
		}
		rep.Hazards = append(rep.Hazards, hrep.Hazards...)
		rep.Evals += hrep.Evals
		rep.GradEvals += hrep.GradEvals
	}
	if err != nil {
		// The Hessian check stopped: the report holds the gradient's
		// verdicts and those of the Hessian judged before it stopped, and
		// is not OK, as the report of a check that stops is not.
		rep.Partial = true
		return rep, fmt.Errorf("gonumopt: checking Hess: %w", err)
	}
	return rep, nil
}

// Hess adapts a gonum Hessian, which writes an n×n *mat.SymDense, to the
// row-major form of gradcheck.Hessian. The SymDense is allocated once and
// zeroed before every call, so a Hess that adds into its destination is
// seen as it is on a fresh matrix.
//
// n is len(x) and must be positive: mat has no empty matrix. Hess itself
// does not panic for n ≤ 0; the function it returns then panics when
// called, saying that n is not positive, which gradcheck.Hessian returns as
// a *gradcheck.PanicError of "hess".
func Hess(hess func(dst *mat.SymDense, x []float64), n int) func(dst, x []float64) {
	if hess == nil {
		return nil
	}
	if n <= 0 {
		return func(dst, x []float64) {
			panic(fmt.Sprintf("gonumopt: Hess of n = %d: n is the length of x, and it must be positive", n))
		}
	}
	s := mat.NewSymDense(n, nil)
	return func(dst, x []float64) {
		s.Zero()
		hess(s, x)
		for i := range n {
			for j := range n {
				dst[i*n+j] = s.At(i, j)
			}
		}
	}
}
