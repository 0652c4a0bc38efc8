package gradcheck_test

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"slices"
	"strings"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// scalarFnC is scalarFn in complex arithmetic.
func scalarFnC(z []complex128) complex128 {
	return cmplx.Sin(z[0])*cmplx.Exp(z[1]) + z[0]*z[0]*z[2] + 3*z[1]*z[2]*z[2]
}

func TestComplexStepExact(t *testing.T) {
	x := slices.Clone(scalarX)
	rep, err := gradcheck.ComplexStep(scalarFnC, scalarGrad, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Errorf("a right gradient fails:\n%s", rep)
	}
	// No cancellation: the reference agrees with the analytic gradient to
	// a few units of round-off, where a central difference gets ε^(2/3).
	for _, e := range rep.Blocks[0].Entries {
		if e.RelErr() > 8*0x1p-53 {
			t.Errorf("x[%d]: complex step %.17g, analytic %.17g: relative error %.2g, want below 8ε", e.Index, e.Numeric, e.Analytic, e.RelErr())
		}
	}
	if got, want := rep.Evals, len(x)+1; got != want {
		t.Errorf("%d evaluations of fc, want %d: one per entry and one at x", got, want)
	}
	if !slices.Equal(x, scalarX) {
		t.Errorf("x changed: %v, want %v", x, scalarX)
	}
}

func TestComplexStepFindsSmallErrors(t *testing.T) {
	// 1e-11 relative is below what any real difference can resolve in
	// float64 (about ε^(2/3) ≈ 4e-11 at best) but far above the complex
	// step's round-off.
	bad := func(dst, x []float64) { scalarGrad(dst, x); dst[1] *= 1 + 1e-11 }
	rep, err := gradcheck.ComplexStep(scalarFnC, bad, slices.Clone(scalarX), &gradcheck.Options{Rtol: 1e-13})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := failingNames(rep), []string{"x[1]"}; !slices.Equal(got, want) {
		t.Errorf("failing %v, want %v\n%s", got, want, rep)
	}
}

func TestComplexStepErrors(t *testing.T) {
	x := slices.Clone(scalarX)
	if _, err := gradcheck.ComplexStep(nil, scalarGrad, x, nil); err == nil {
		t.Error("nil fc: no error")
	}
	if _, err := gradcheck.ComplexStep(scalarFnC, nil, x, nil); err == nil {
		t.Error("nil grad: no error")
	}
	if _, err := gradcheck.ComplexStep(scalarFnC, scalarGrad, []float64{1, math.Inf(1), 0}, nil); err == nil {
		t.Error("Inf in x: no error")
	}
	boom := func(z []complex128) complex128 {
		if imag(z[2]) != 0 {
			panic("no complex here")
		}
		return scalarFnC(z)
	}
	_, err := gradcheck.ComplexStep(boom, scalarGrad, x, nil)
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) || pe.Func != "fc" || pe.Value != "no complex here" {
		t.Fatalf("error %v, want a *PanicError of fc", err)
	}
	if pe.Entry == "" {
		t.Error("the panic error does not name the perturbed entry")
	}
	nan := func(z []complex128) complex128 {
		if imag(z[0]) != 0 {
			return complex(0, math.NaN())
		}
		return scalarFnC(z)
	}
	rep, err := gradcheck.ComplexStep(nan, scalarGrad, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Blocks[0].Entries[0].Verdict; v != gradcheck.NonFinite {
		t.Errorf("x[0] with a NaN imaginary part: %v, want nonfinite", v)
	}
	// An fc that is not real at real inputs: its imaginary part would be
	// read as every derivative (numeric values near 1e20).
	offAxis := func(z []complex128) complex128 { return scalarFnC(z) + 1i }
	if _, err := gradcheck.ComplexStep(offAxis, scalarGrad, x, nil); err == nil || !strings.Contains(err.Error(), "must be real") {
		t.Errorf("fc not real at real x: error %v, want one saying so", err)
	}
	if !slices.Equal(x, scalarX) {
		t.Errorf("x changed: %v, want %v", x, scalarX)
	}
}

func BenchmarkComplexStep(b *testing.B) {
	l := newLogistic(15, 10)
	fc := func(z []complex128) complex128 {
		var s complex128
		for i := range l.k {
			var zi complex128
			for j := range l.n {
				zi += complex(l.A[i*l.n+j], 0) * z[j]
			}
			s += cmplx.Log(1 + cmplx.Exp(zi))
		}
		for _, v := range z {
			s += v * v / 2
		}
		return s
	}
	x := layerX(10)
	benchReport(b, func() (*gradcheck.Report, error) { return gradcheck.ComplexStep(fc, l.grad, x, nil) })
}

func ExampleComplexStep() {
	// f(x) = exp(x₀)·x₁³, in complex arithmetic for the reference.
	fc := func(z []complex128) complex128 { return cmplx.Exp(z[0]) * z[1] * z[1] * z[1] }
	grad := func(dst, x []float64) {
		dst[0] = math.Exp(x[0]) * x[1] * x[1] * x[1]
		dst[1] = 3 * math.Exp(x[0]) * x[1] * x[1]
	}
	rep, err := gradcheck.ComplexStep(fc, grad, []float64{0.5, -1.5}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range rep.Blocks[0].Entries {
		fmt.Printf("x[%d]: %v, relative error below 1e-15: %v\n", e.Index, e.Verdict, e.RelErr() < 1e-15)
	}
	// Output:
	// x[0]: ok, relative error below 1e-15: true
	// x[1]: ok, relative error below 1e-15: true
}

// TestComplexStepFarAndTiny: correct gradients pass where the complex step
// itself went wrong, and a wrong one still fails.
//   - At large x: the step was scaled by |x|, 1e-3 at x = 1e17, and sin's
//     reference read cos(x)·sinh(h)/h, off by 1.7e-7; (x0 − x1)³ at
//     (1e16 + 2, 1e16) read 3d² − h². The step is now 1e-20 everywhere.
//   - A gradient of 1e-300: the imaginary part, 1e-320, is subnormal and
//     carried on a few bits; the error bound now allows for that.
func TestComplexStepFarAndTiny(t *testing.T) {
	const c = 1e-300
	for _, tc := range []struct {
		name string
		fc   func(z []complex128) complex128
		grad func(dst, x []float64)
		x    []float64
		bug  float64 // a relative error the check must find
	}{
		{"sin at 1e17", func(z []complex128) complex128 { return cmplx.Sin(z[0]) },
			func(dst, x []float64) { dst[0] = math.Cos(x[0]) }, []float64{1e17}, 1e-6},
		{"(x0 − x1)³ at 1e16", func(z []complex128) complex128 { d := z[0] - z[1]; return d * d * d },
			func(dst, x []float64) { d := x[0] - x[1]; dst[0], dst[1] = 3*d*d, -3*d*d }, []float64{1e16 + 2, 1e16}, 1e-6},
		// Resolved to about 0.2% (the summary says so): a bug of 1%.
		{"1e-300·(x0 + x1²)", func(z []complex128) complex128 { return complex(c, 0) * (z[0] + z[1]*z[1]) },
			func(dst, x []float64) { dst[0], dst[1] = c, 2*c*x[1] }, []float64{1, 1}, 1e-2},
	} {
		rep, err := gradcheck.ComplexStep(tc.fc, tc.grad, tc.x, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Errorf("%s, a correct gradient:\n%s", tc.name, rep)
		}
		wrong := func(dst, x []float64) { tc.grad(dst, x); dst[0] *= 1 + tc.bug }
		if rep, err := gradcheck.ComplexStep(tc.fc, wrong, tc.x, nil); err != nil || rep.OK() {
			t.Errorf("%s, off by %g: %v\n%v", tc.name, tc.bug, err, rep)
		}
	}
}
