package gradcheck

import (
	"errors"
	"fmt"
	"math"

	"github.com/gradcheck/gradcheck/internal/fdiff"
)

// complexStep is the step of the complex-step derivative, the same for
// every entry. The imaginary part of f(x + i·h) is h·f'(x) −
// h³f⁽³⁾(x)/6 + …, with no subtraction of nearby values, so h can be far
// below any real step: at 1e-20 the truncation term is 1e-40 of f' times
// (f⁽³⁾/f')·1/6, negligible wherever f varies on a scale above 1e-14, and
// the estimate is exact to the precision f is evaluated in. It is not
// scaled by |x_i| as a real step is: with no subtraction there is nothing
// to gain, and sin(x) at x = 1e17 with h = 1e-3 read cos(x)·sinh(h)/h, off
// by a relative 1.7e-7, a Mismatch of the exact cos(x).
const complexStep = 1e-20

// complexRoundoff κ: a derivative evaluated in floating point carries a
// round-off of a few units of its own size and of the sizes of the terms
// summed into it; 4 allows for a short sum.
const complexRoundoff = 4

// ComplexStep checks grad, the gradient of f, at x against the
// complex-step derivative of fc, a complex128 version of f (the same
// formula with complex arithmetic, real where f is):
//
//	∂f/∂x_i ≈ Im fc(x + i·h·e_i) / h,  h = 1e-20.
//
// There is no cancellation, so the reference is exact to machine precision
// and needs one evaluation per entry. fc must be analytic in each
// variable: abs, max, comparisons on the real part, and conjugation break
// the method (use a complex-safe abs, which takes the sign of the real
// part).
//
// The verdict of an entry with analytic a and complex-step value n is OK
// when
//
//	|a − n| ≤ Atol + Rtol·max(|a|, |n|) + K·e,  e = κ·(ε·(|n| + max_j |a_j|) + δ/h),
//
// with κ = 4 and ε the float64 unit round-off: e is the round-off of a
// derivative evaluated in floating point, relative to the gradient's scale
// so that entries near zero are not held to a tighter standard than their
// neighbours, and δ = 2⁻¹⁰⁷⁴ the smallest subnormal, the resolution of an
// imaginary part h·f' that underflows (a gradient below about 1e-288). The default Rtol is that of a central difference; since the
// reference is exact, a smaller Rtol (down to about 1e-13) finds smaller
// errors. Otherwise the entry is a Mismatch, or NonFinite when the
// imaginary part is not finite. The report has one block "x" of shape
// [n]; Report.Evals counts evaluations of fc, Report.GradEvals of grad.
//
// x is not modified: fc is evaluated at a complex copy. A panic in fc or
// grad is returned as a *PanicError. Options.Shards, Options.Directions and
// an Options.Sample of fewer entries than x has are not supported.
func ComplexStep(fc func(z []complex128) complex128, grad func(dst, x []float64), x []float64, opts *Options) (*Report, error) {
	return stopped(complexStepCheck(fc, grad, x, opts))
}

func complexStepCheck(fc func(z []complex128) complex128, grad func(dst, x []float64), x []float64, opts *Options) (*Report, error) {
	switch {
	case fc == nil:
		return nil, errors.New("gradcheck: the complex function fc is nil")
	case grad == nil:
		return nil, errors.New("gradcheck: the gradient function grad is nil")
	case len(x) == 0:
		return nil, errors.New("gradcheck: x is empty")
	}
	s, err := opts.resolve(fdiff.Float64)
	if err != nil {
		return nil, err
	}
	if s.shards > 0 {
		// Each shard would check every entry, and its report, not a
		// shard's, would not merge.
		return nil, errors.New("gradcheck: Options.Shards is not supported by ComplexStep, which checks every entry with one evaluation each")
	}
	// Nor a sample or directions: the check had ignored them and checked
	// every entry, which a caller of a large x asking for a sample of a
	// few did not expect. A Sample of every entry is the whole check.
	switch {
	case s.sample > 0 && s.sample < len(x):
		return nil, fmt.Errorf("gradcheck: Options.Sample (%d of %d entries) is not supported by ComplexStep, which checks every entry with one evaluation each", s.sample, len(x))
	case s.directions > 0:
		return nil, errors.New("gradcheck: Options.Directions is not supported by ComplexStep, which checks every entry with one evaluation each")
	}
	for i, v := range x {
		if !isFinite(v) {
			return nil, fmt.Errorf("gradcheck: parameter x[%d] is %v", i, v)
		}
	}
	n := len(x)
	rep := &Report{Precision: "float64"}
	z := make([]complex128, n)
	reset := func() {
		for i, v := range x {
			z[i] = complex(v, 0)
		}
	}
	var f0 complex128
	if err := call("fc", func() { reset(); f0 = fc(z) }); err != nil {
		return nil, err
	}
	rep.Evals++
	if !isFinite(real(f0)) {
		return rep, fmt.Errorf("gradcheck: fc at the caller's x is %v", f0)
	}
	if imag(f0) != 0 {
		// Its imaginary part over the step would be read as every
		// derivative: f0 = 1i gave numeric values of about 1e20, every
		// entry a Mismatch of a correct gradient.
		return rep, fmt.Errorf("gradcheck: fc at the caller's x is %v: a complex version of f must be real where f is, at real inputs", f0)
	}
	g := make([]float64, n)
	xc := append([]float64(nil), x...)
	if err := call("grad", func() { grad(g, xc) }); err != nil {
		return nil, err
	}
	rep.GradEvals++
	gscale := 0.0
	for i, v := range g {
		if !isFinite(v) {
			return nil, fmt.Errorf("gradcheck: the analytic gradient at x[%d] is %v", i, v)
		}
		gscale = math.Max(gscale, math.Abs(v))
	}
	blk := BlockReport{Name: "x", Shape: []int{n}}
	for i := range n {
		h := complexStep
		var fi complex128
		err := call("fc", func() {
			reset()
			z[i] = complex(x[i], h)
			fi = fc(z)
		})
		if err != nil {
			var pe *PanicError
			if errors.As(err, &pe) {
				pe.Entry, pe.Saved, pe.Perturbed = fmt.Sprintf("x[%d] (imaginary step %g)", i, h), x[i], x[i]
			}
			rep.Blocks = append(rep.Blocks, blk)
			return rep, err
		}
		rep.Evals++
		num := imag(fi) / h
		a := g[i]
		e := Entry{Index: i, Analytic: a, Numeric: num, Step: h, Left: math.NaN(), Right: math.NaN()}
		if !isFinite(num) {
			e.Verdict, e.ErrEst = NonFinite, math.Inf(1)
		} else {
			// Besides the round-off relative to the sizes, the
			// imaginary part is known to no better than the smallest
			// subnormal, 2⁻¹⁰⁷⁴, a few times over: a gradient of 1e-300
			// makes it 1e-320, carried on a few bits, and exact
			// gradients of 1e-300·(x0 + x1²) were Mismatches.
			e.ErrEst = complexRoundoff * (fdiff.Eps64*(math.Abs(num)+gscale) + math.SmallestNonzeroFloat64/h)
			if math.Abs(a-num) > s.atol+s.rtol*math.Max(math.Abs(a), math.Abs(num))+s.k*e.ErrEst {
				e.Verdict = Mismatch
			}
		}
		blk.Entries = append(blk.Entries, e)
	}
	blk.RelErr = blockRelErr(blk.Entries)
	rep.Blocks = append(rep.Blocks, blk)
	return rep, nil
}
