package gradcheck

import (
	"fmt"
	"math"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// Hessian checks hess, the Hessian of a function whose gradient is grad,
// at x, against finite differences of grad: the Hessian is the Jacobian of
// the gradient, and each entry H[i,j] gets the verdict of Jacobian. grad
// writes the gradient into dst (length n = len(x)); hess writes the n×n
// Hessian into dst, row major: dst[i*n+j] = ∂²f/∂x_i∂x_j.
//
// The reference is the analytic gradient, so check grad first (Gradient):
// a wrong gradient makes a right Hessian look wrong.
//
// The report has a block "H" of shape [n, n] and, for n > 1, a block
// "symmetry" of the same shape holding, for i < j, the entry with Index
// i·n+j whose Analytic is H[i,j] and whose Numeric is H[j,i], with
// verdict OK when
//
//	|H[i,j] − H[j,i]| ≤ Atol + Rtol·max(|H[i,j]|, |H[j,i]|, max|H|)
//
// and Mismatch otherwise. The max|H| term lets entries that are zero in
// exact arithmetic differ by round-off of the Hessian's own size.
// Report.Evals counts evaluations of grad and Report.GradEvals calls of
// hess: as for jac in Jacobian, two of them, away from x, where some entry
// waits for the noise. The symmetry block holds the Hessian at x.
func Hessian(grad func(dst, x []float64), hess func(dst, x []float64), x []float64, opts *Options) (*Report, error) {
	n := len(x)
	var H []float64
	record := hess
	if hess != nil {
		// Keep the analytic Hessian of the first call for the symmetry
		// check, without calling hess again.
		record = func(dst, x []float64) {
			hess(dst, x)
			if H == nil {
				H = append([]float64(nil), dst...)
			}
		}
	}
	rep, err := checkJacobian(vecSpec{fname: "grad", dname: "hess", block: "H", f: grad, jac: record, m: n}, x, opts)
	if err != nil || rep == nil || len(rep.Blocks) == 0 || n < 2 || H == nil {
		return stopped(rep, err)
	}
	o, err := opts.resolve(fdiff.Float64)
	if err != nil {
		return rep, err
	}
	hmax := 0.0
	for _, v := range H {
		hmax = math.Max(hmax, math.Abs(v))
	}
	sym := BlockReport{Name: "symmetry", Shape: []int{n, n}}
	for i := range n {
		for j := i + 1; j < n; j++ {
			a, b := H[i*n+j], H[j*n+i]
			e := Entry{Index: i*n + j, Analytic: a, Numeric: b, Left: math.NaN(), Right: math.NaN()}
			if math.Abs(a-b) > o.atol+o.rtol*math.Max(math.Max(math.Abs(a), math.Abs(b)), hmax) {
				e.Verdict = Mismatch
			}
			sym.Entries = append(sym.Entries, e)
		}
	}
	sym.RelErr = blockRelErr(sym.Entries)
	rep.Blocks = append(rep.Blocks, sym)
	return rep, nil
}

// HVP checks hvp, the Hessian-vector product of a function whose gradient
// is grad, at x, along Options.Directions seeded random tangents v (see
// Tangent; zero Directions means 3): hvp writes Hv, of length n, into dst.
// Hv is the derivative of t ↦ grad(x + t·v) at 0, so each tangent is a
// JVP check of grad. The report has one block per tangent, "hvp0", "hvp1",
// …, of shape [n]. Report.Evals counts evaluations of grad and
// Report.GradEvals calls of hvp.
func HVP(grad func(dst, x []float64), hvp func(dst, x, v []float64), x []float64, opts *Options) (*Report, error) {
	if grad == nil {
		return nil, fmt.Errorf("gradcheck: the function grad is nil")
	}
	return stopped(checkJVP("grad", "hvp", grad, hvp, len(x), x, opts))
}
