package gradcheck_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// taylorCase is a function with its right gradient and Hessian.
type taylorCase struct {
	name string
	f    func(x []float64) float64
	g    func(dst, x []float64)
	h    func(dst, x []float64)
	x    []float64
	// dg and dh are the planted bugs, added to the last gradient entry
	// and to the diagonal of H. A Taylor test resolves a gradient error δ only where
	// δ·h exceeds both round-off and the h² term, so each is sized to the
	// function: well above round-off, well below the derivative.
	dg, dh float64
}

func taylorCases() []taylorCase {
	rosen := func(x []float64) float64 { return 100*math.Pow(x[1]-x[0]*x[0], 2) + math.Pow(1-x[0], 2) }
	rosenG := func(dst, x []float64) {
		dst[0] = -400*x[0]*(x[1]-x[0]*x[0]) - 2*(1-x[0])
		dst[1] = 200 * (x[1] - x[0]*x[0])
	}
	rosenH := func(dst, x []float64) {
		copy(dst, []float64{1200*x[0]*x[0] - 400*x[1] + 2, -400 * x[0], -400 * x[0], 200})
	}
	// A large loss with a small gradient: round-off is 1e-7 of the
	// change of f over a unit step, so it decides where the fit starts.
	big := func(x []float64) float64 { return 1e9 + math.Cos(x[0]) + x[0]*x[1]*x[1] }
	bigG := func(dst, x []float64) { dst[0], dst[1] = -math.Sin(x[0])+x[1]*x[1], 2*x[0]*x[1] }
	bigH := func(dst, x []float64) {
		copy(dst, []float64{-math.Cos(x[0]), 2 * x[1], 2 * x[1], 2 * x[0]})
	}
	return []taylorCase{
		{"smooth3", scalarFn, scalarGrad, scalarHess, scalarX, 0.05, 0.1},
		{"rosenbrock far", rosen, rosenG, rosenH, []float64{-1.2, 1}, 0.5, 20},
		{"rosenbrock near min", rosen, rosenG, rosenH, []float64{1.001, 0.998}, 0.01, 10},
		// Round-off of 1e9 is 1e-7: errors must stand above it.
		{"large offset", big, bigG, bigH, []float64{0.3, -2.1}, 0.5, 1},
	}
}

// The issue's proof: the fitted order is 2 ± 0.2 on right gradients and
// 1 ± 0.2 on wrong ones, and 3 (± 0.2) on right Hessians.
func TestTaylorOrders(t *testing.T) {
	const tol = 0.2 // the issue's bound
	for _, tc := range taylorCases() {
		t.Run(tc.name, func(t *testing.T) {
			x := slices.Clone(tc.x)
			n := len(x)
			wrongG := func(dst, x []float64) { tc.g(dst, x); dst[n-1] += tc.dg }
			// dh on the whole diagonal: uᵀ(ΔH)u = dh·|u|² is then seen
			// along every direction, which one entry alone is not.
			wrongH := func(dst, x []float64) {
				tc.h(dst, x)
				for i := range n {
					dst[i*n+i] += tc.dh
				}
			}
			o := &gradcheck.TaylorOptions{Directions: 4, Seed: 3}
			for _, run := range []struct {
				what   string
				rep    func() (*gradcheck.TaylorReport, error)
				order  float64
				expect gradcheck.Verdict
			}{
				{"right gradient", func() (*gradcheck.TaylorReport, error) { return gradcheck.Taylor(tc.f, tc.g, x, o) }, 2, gradcheck.OK},
				{"wrong gradient", func() (*gradcheck.TaylorReport, error) { return gradcheck.Taylor(tc.f, wrongG, x, o) }, 1, gradcheck.Mismatch},
				{"right Hessian", func() (*gradcheck.TaylorReport, error) { return gradcheck.TaylorHessian(tc.f, tc.g, tc.h, x, o) }, 3, gradcheck.OK},
				{"wrong Hessian", func() (*gradcheck.TaylorReport, error) { return gradcheck.TaylorHessian(tc.f, tc.g, wrongH, x, o) }, 2, gradcheck.Mismatch},
			} {
				rep, err := run.rep()
				if err != nil {
					t.Fatalf("%s: %v", run.what, err)
				}
				for k, fit := range rep.Fits {
					if math.Abs(fit.Order-run.order) > tol || fit.Verdict != run.expect {
						t.Errorf("%s, direction %d: order %.3f, verdict %v; want %v ± %v, %v\n%s", run.what, k, fit.Order, fit.Verdict, run.order, tol, run.expect, rep)
					}
				}
				t.Logf("%s: %s", run.what, rep)
			}
			if !slices.Equal(x, tc.x) {
				t.Errorf("x changed: %v, want %v", x, tc.x)
			}
		})
	}
}

// On a quadratic the remainder of a right gradient is exactly h²/2·uᵀHu:
// the order must be 2 to within round-off, and a wrong gradient shows order
// 1 even when its error is 1e-4 relative. (The resolution is about
// √(taylorFloor·κ·ε·|f|·|uᵀHu|) relative to the gradient, as for a forward
// difference: a 1e-6 error is below it here.)
func TestTaylorQuadratic(t *testing.T) {
	f := func(x []float64) float64 { return 3*x[0]*x[0] + x[0]*x[1] + 0.5*x[1]*x[1] }
	g := func(dst, x []float64) { dst[0], dst[1] = 6*x[0]+x[1], x[0]+x[1] }
	bad := func(dst, x []float64) { g(dst, x); dst[1] *= 1 + 1e-4 }
	x := []float64{0.4, -1.7}
	rep, err := gradcheck.Taylor(f, g, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, fit := range rep.Fits {
		if math.Abs(fit.Order-2) > 0.02 {
			t.Errorf("direction %d: order %.4f on a quadratic, want 2 ± 0.02\n%s", k, fit.Order, rep)
		}
	}
	rep, err = gradcheck.Taylor(f, bad, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, fit := range rep.Fits {
		if fit.Verdict != gradcheck.Mismatch {
			t.Errorf("direction %d: a 1e-4 error gives %v (order %.3f), want mismatch\n%s", k, fit.Verdict, fit.Order, rep)
		}
	}
}

// A linear function has no remainder at all: no order can be fitted, and
// the test must say so rather than guess.
func TestTaylorLinearInconclusive(t *testing.T) {
	f := func(x []float64) float64 { return 2*x[0] - x[1] }
	g := func(dst, x []float64) { dst[0], dst[1] = 2, -1 }
	rep, err := gradcheck.Taylor(f, g, []float64{1, 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, fit := range rep.Fits {
		if !math.IsNaN(fit.Order) || fit.Verdict != gradcheck.Inconclusive {
			t.Errorf("direction %d: order %v, verdict %v; want NaN, inconclusive", k, fit.Order, fit.Verdict)
		}
	}
	if rep.OK() {
		t.Error("a report with no fitted order is OK")
	}
}

func TestTaylorErrors(t *testing.T) {
	x := slices.Clone(scalarX)
	if _, err := gradcheck.Taylor(nil, scalarGrad, x, nil); err == nil {
		t.Error("nil f: no error")
	}
	if _, err := gradcheck.Taylor(scalarFn, nil, x, nil); err == nil {
		t.Error("nil grad: no error")
	}
	if _, err := gradcheck.Taylor(scalarFn, scalarGrad, nil, nil); err == nil {
		t.Error("empty x: no error")
	}
	if _, err := gradcheck.Taylor(scalarFn, scalarGrad, x, &gradcheck.TaylorOptions{Directions: -2}); err == nil {
		t.Error("negative Directions: no error")
	}
	boom := func(x []float64) float64 {
		if x[0] != scalarX[0] {
			panic("out of domain")
		}
		return scalarFn(x)
	}
	_, err := gradcheck.Taylor(boom, scalarGrad, x, nil)
	var pe *gradcheck.PanicError
	if !errors.As(err, &pe) || pe.Func != "f" || pe.Value != "out of domain" {
		t.Errorf("error %v, want a *PanicError of f", err)
	}
	if !slices.Equal(x, scalarX) {
		t.Errorf("x changed after a panic: %v, want %v", x, scalarX)
	}
}

// benchTaylor reports evaluations per Taylor test and the fitted orders.
func benchTaylor(b *testing.B, run func() (*gradcheck.TaylorReport, error)) {
	b.Helper()
	var rep *gradcheck.TaylorReport
	for b.Loop() {
		var err error
		if rep, err = run(); err != nil {
			b.Fatal(err)
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, f := range rep.Fits {
		lo, hi = math.Min(lo, f.Order), math.Max(hi, f.Order)
	}
	b.ReportMetric(float64(rep.Evals), "evals/op")
	b.ReportMetric(lo, "min-order")
	b.ReportMetric(hi, "max-order")
}

func BenchmarkTaylor(b *testing.B) {
	l := newLogistic(15, 10)
	x := layerX(10)
	wrong := func(dst, x []float64) { l.grad(dst, x); dst[3] += 0.01 }
	wrongH := func(dst, x []float64) {
		l.hess(dst, x)
		for j := range l.n {
			dst[j*l.n+j] += 0.01
		}
	}
	b.Run("gradient/right", func(b *testing.B) {
		benchTaylor(b, func() (*gradcheck.TaylorReport, error) { return gradcheck.Taylor(l.f, l.grad, x, nil) })
	})
	b.Run("gradient/wrong", func(b *testing.B) {
		benchTaylor(b, func() (*gradcheck.TaylorReport, error) { return gradcheck.Taylor(l.f, wrong, x, nil) })
	})
	b.Run("hessian/right", func(b *testing.B) {
		benchTaylor(b, func() (*gradcheck.TaylorReport, error) {
			return gradcheck.TaylorHessian(l.f, l.grad, l.hess, x, nil)
		})
	})
	b.Run("hessian/wrong", func(b *testing.B) {
		benchTaylor(b, func() (*gradcheck.TaylorReport, error) { return gradcheck.TaylorHessian(l.f, l.grad, wrongH, x, nil) })
	})
}

func ExampleTaylor() {
	f := func(x []float64) float64 { return math.Exp(x[0]) * math.Sin(x[1]) }
	right := func(dst, x []float64) { dst[0], dst[1] = math.Exp(x[0])*math.Sin(x[1]), math.Exp(x[0])*math.Cos(x[1]) }
	wrong := func(dst, x []float64) { dst[0], dst[1] = math.Exp(x[0])*math.Sin(x[1]), -math.Exp(x[0])*math.Cos(x[1]) }
	for _, g := range []func(dst, x []float64){right, wrong} {
		rep, err := gradcheck.Taylor(f, g, []float64{0.3, 1.2}, &gradcheck.TaylorOptions{Directions: 1})
		if err != nil {
			fmt.Println(err)
			return
		}
		fit := rep.Fits[0]
		fmt.Printf("order %.1f: %v\n", fit.Order, fit.Verdict)
	}
	// Output:
	// order 2.0: ok
	// order 1.0: mismatch
}

// (A + x)² − A² − 2Ax is x², computed with a cancellation of A² = 1e14:
// its round-off (about 0.01) keeps refinement from resolving the
// derivative at x = 0.3, so the Taylor second opinion runs, and below the
// quantum of A + x (2e-9) its remainder is exactly linear in h, which looks
// like a wrong gradient. The right gradient must not be called a Mismatch
// for it. A gradient wrong by 0.5 is below what that noise lets either
// method resolve (|δ| ≳ √(16·0.02·|f⁽²⁾|) ≈ 0.6): it must not be called OK.
// One wrong by 3 must be a Mismatch.
func TestTaylorSecondOpinionCancellation(t *testing.T) {
	const A = 1e7
	f := func(x []float64) float64 { y := A + x[0]; return y*y - A*A - 2*A*x[0] }
	for _, tc := range []struct {
		name    string
		delta   float64
		allowed []gradcheck.Verdict
	}{
		{"right", 0, []gradcheck.Verdict{gradcheck.OK, gradcheck.Inconclusive}},
		{"wrong by 0.5", 0.5, []gradcheck.Verdict{gradcheck.Mismatch, gradcheck.Inconclusive}},
		{"wrong by 3", 3, []gradcheck.Verdict{gradcheck.Mismatch}},
	} {
		g := func(dst, x []float64) { dst[0] = 2*x[0] + tc.delta }
		rep, err := gradcheck.Gradient(f, g, []float64{0.3}, nil)
		if err != nil {
			t.Fatal(err)
		}
		e := rep.Blocks[0].Entries[0]
		if !slices.Contains(tc.allowed, e.Verdict) {
			t.Errorf("%s: %v (Taylor order %.3f), want one of %v\n%s", tc.name, e.Verdict, e.TaylorOrder, tc.allowed, rep)
		}
		t.Logf("%s: %v, Taylor order %.3f", tc.name, e.Verdict, e.TaylorOrder)
	}
}
