package gonum

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/num/dual"
	"gonum.org/v1/gonum/num/hyperdual"
	"gonum.org/v1/gonum/stat/distmv"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/gradcheck/gradcheck"
)

// expectOK checks grad against f at x with default options and fails the
// test unless every entry passes.
func expectOK(t *testing.T, name string, f func([]float64) float64, grad func(dst, x []float64), x []float64) {
	t.Helper()
	rep, err := gradcheck.Gradient(f, grad, x, nil)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if !rep.OK() {
		t.Errorf("%s:\n%v", name, rep)
	}
}

// scored is a distuv distribution with hand-written score functions.
type scored interface {
	LogProb(x float64) float64
	Score(deriv []float64, x float64) []float64
	ScoreInput(x float64) float64
}

// TestDistuvScores checks Score, the derivative of LogProb with respect to
// the distribution's parameters, and ScoreInput, its derivative with
// respect to x, of every distuv distribution that has them, at points
// inside each one's support and away from its kinks (Laplace's mode,
// Triangle's mode and ends, where both return NaN).
func TestDistuvScores(t *testing.T) {
	cases := []struct {
		name   string
		params [][]float64
		dist   func(p []float64) scored
	}{
		{"Normal", [][]float64{{0, 1}, {1.5, 0.3}, {-2, 4}},
			func(p []float64) scored { return distuv.Normal{Mu: p[0], Sigma: p[1]} }},
		{"Laplace", [][]float64{{0, 1}, {1.5, 0.3}, {-2, 4}},
			func(p []float64) scored { return distuv.Laplace{Mu: p[0], Scale: p[1]} }},
		{"Weibull", [][]float64{{0.5, 1}, {1.5, 2}, {3, 0.7}},
			func(p []float64) scored { return distuv.Weibull{K: p[0], Lambda: p[1]} }},
		{"Exponential", [][]float64{{0.5}, {1}, {3}},
			func(p []float64) scored { return distuv.Exponential{Rate: p[0]} }},
		{"Uniform", [][]float64{{0, 1}, {-2, 3}},
			func(p []float64) scored { return distuv.Uniform{Min: p[0], Max: p[1]} }},
		{"Triangle", [][]float64{{0, 3, 1}, {-1, 2, 1.5}},
			func(p []float64) scored { return distuv.NewTriangle(p[0], p[1], p[2], nil) }},
	}
	xs := []float64{-1.3, 0.2, 0.7, 1.1, 1.9, 2.5, 3.7, 11}
	checked := 0
	for _, c := range cases {
		for _, p := range c.params {
			for _, x := range xs {
				d := c.dist(p)
				if lp := d.LogProb(x); math.IsInf(lp, 0) || math.IsNaN(lp) {
					continue // outside the support
				}
				name := fmt.Sprintf("%s%v at x = %v", c.name, p, x)
				expectOK(t, name+": Score",
					func(q []float64) float64 { return c.dist(q).LogProb(x) },
					func(dst, q []float64) { c.dist(q).Score(dst, x) },
					append([]float64(nil), p...))
				expectOK(t, name+": ScoreInput",
					func(v []float64) float64 { return d.LogProb(v[0]) },
					func(dst, v []float64) { dst[0] = d.ScoreInput(v[0]) },
					[]float64{x})
				checked += 2
			}
		}
	}
	if checked < 150 {
		t.Errorf("only %d checks ran: the points fell outside the supports", checked)
	}
}

// TestDistmvNormalScoreInput checks distmv.Normal's ScoreInput, −Σ⁻¹(x − μ)
// through a Cholesky solve, against its LogProb.
func TestDistmvNormalScoreInput(t *testing.T) {
	sigma := mat.NewSymDense(3, []float64{
		2.0, 0.6, -0.3,
		0.6, 1.0, 0.2,
		-0.3, 0.2, 0.5,
	})
	n, ok := distmv.NewNormal([]float64{0.5, -1, 2}, sigma, nil)
	if !ok {
		t.Fatal("the covariance is not positive definite")
	}
	for _, x := range [][]float64{{0, 0, 0}, {1.7, -2.2, 2.4}, {-4, 3, 9}} {
		expectOK(t, fmt.Sprintf("distmv.Normal at %v", x),
			n.LogProb,
			func(dst, v []float64) { n.ScoreInput(dst, v) },
			x)
	}
}

// TestDigammaIsLgammaDerivative checks mathext.Digamma as the derivative of
// log|Γ(x)| (math.Lgamma), negative non-integer x included.
func TestDigammaIsLgammaDerivative(t *testing.T) {
	lgamma := func(v []float64) float64 { l, _ := math.Lgamma(v[0]); return l }
	for _, x := range []float64{0.3, 1, 1.7, 4.2, 25, 170, -0.5, -2.7} {
		expectOK(t, fmt.Sprintf("Digamma at %v", x), lgamma,
			func(dst, v []float64) { dst[0] = mathext.Digamma(v[0]) }, []float64{x})
	}
}

// unary pairs a function's dual and hyperdual forms.
type unary struct {
	name string
	d    func(dual.Number) dual.Number
	h    func(hyperdual.Number) hyperdual.Number
}

func powReal(p float64) unary {
	return unary{fmt.Sprintf("PowReal(·, %v)", p),
		func(d dual.Number) dual.Number { return dual.PowReal(d, p) },
		func(d hyperdual.Number) hyperdual.Number { return hyperdual.PowReal(d, p) }}
}

// TestDualDerivatives checks the derivative rule of every one-argument
// function of num/dual (the Emag part of f(x + ε)) and the first and
// second derivatives of num/hyperdual's (E1mag, and E1E2mag by Hessian)
// at points across each one's domain. Abs is checked at 0 too, a kink,
// where the rule's +1 is a subgradient.
func TestDualDerivatives(t *testing.T) {
	fns := []unary{
		{"Abs", dual.Abs, hyperdual.Abs}, {"Acos", dual.Acos, hyperdual.Acos},
		{"Acosh", dual.Acosh, hyperdual.Acosh}, {"Asin", dual.Asin, hyperdual.Asin},
		{"Asinh", dual.Asinh, hyperdual.Asinh}, {"Atan", dual.Atan, hyperdual.Atan},
		{"Atanh", dual.Atanh, hyperdual.Atanh}, {"Cos", dual.Cos, hyperdual.Cos},
		{"Cosh", dual.Cosh, hyperdual.Cosh}, {"Exp", dual.Exp, hyperdual.Exp},
		{"Inv", dual.Inv, hyperdual.Inv}, {"Log", dual.Log, hyperdual.Log},
		{"Sin", dual.Sin, hyperdual.Sin}, {"Sinh", dual.Sinh, hyperdual.Sinh},
		{"Sqrt", dual.Sqrt, hyperdual.Sqrt}, {"Tan", dual.Tan, hyperdual.Tan},
		{"Tanh", dual.Tanh, hyperdual.Tanh},
		powReal(2.5), powReal(-1.5), powReal(0.5), powReal(3),
	}
	xs := []float64{-3.7, -1.9, -0.7, -0.3, 0.2, 0.45, 0.9, 1.3, 2.6, 7.1, 30}
	checked := 0
	for _, fn := range fns {
		for _, x := range xs {
			if v := fn.d(dual.Number{Real: x}).Real; math.IsNaN(v) || math.IsInf(v, 0) {
				continue // outside the domain
			}
			name := fmt.Sprintf("%s at %v", fn.name, x)
			expectOK(t, "dual."+name,
				func(v []float64) float64 { return fn.d(dual.Number{Real: v[0]}).Real },
				func(dst, v []float64) { dst[0] = fn.d(dual.Number{Real: v[0], Emag: 1}).Emag },
				[]float64{x})
			grad := func(dst, v []float64) { dst[0] = fn.h(hyperdual.Number{Real: v[0], E1mag: 1}).E1mag }
			expectOK(t, "hyperdual."+name,
				func(v []float64) float64 { return fn.h(hyperdual.Number{Real: v[0]}).Real },
				grad, []float64{x})
			rep, err := gradcheck.Hessian(grad,
				func(dst, v []float64) {
					dst[0] = fn.h(hyperdual.Number{Real: v[0], E1mag: 1, E2mag: 1}).E1E2mag
				}, []float64{x}, nil)
			if err != nil || !rep.OK() {
				t.Errorf("hyperdual.%s, second derivative: %v\n%v", name, err, rep)
			}
			checked += 3
		}
	}
	if checked < 400 {
		t.Errorf("only %d checks ran", checked)
	}
	rep, err := gradcheck.Gradient(
		func(v []float64) float64 { return dual.Abs(dual.Number{Real: v[0]}).Real },
		func(dst, v []float64) { dst[0] = dual.Abs(dual.Number{Real: v[0], Emag: 1}).Emag },
		[]float64{0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := rep.Blocks[0].Entries[0]; e.Verdict != gradcheck.Kink {
		t.Errorf("dual.Abs at 0: verdict %v, want %v (slopes %v and %v around the rule's %v)",
			e.Verdict, gradcheck.Kink, e.Left, e.Right, e.Analytic)
	}
}

// TestDualPow checks the two-argument Pow of num/dual and num/hyperdual,
// x^y, in both arguments: the gradient, and hyperdual's Hessian with its
// mixed entries.
func TestDualPow(t *testing.T) {
	dpow := func(v []float64, i int) dual.Number {
		a, b := dual.Number{Real: v[0]}, dual.Number{Real: v[1]}
		if i == 0 {
			a.Emag = 1
		} else if i == 1 {
			b.Emag = 1
		}
		return dual.Pow(a, b)
	}
	hpow := func(v []float64, i, j int) hyperdual.Number {
		a, b := hyperdual.Number{Real: v[0]}, hyperdual.Number{Real: v[1]}
		for k, e := range []*float64{&a.E1mag, &b.E1mag} {
			if k == i {
				*e = 1
			}
		}
		for k, e := range []*float64{&a.E2mag, &b.E2mag} {
			if k == j {
				*e = 1
			}
		}
		return hyperdual.Pow(a, b)
	}
	hgrad := func(dst, v []float64) {
		for i := range dst {
			dst[i] = hpow(v, i, -1).E1mag
		}
	}
	for _, p := range [][]float64{{0.7, 1.3}, {2.5, -0.4}, {1.9, 2.2}, {0.3, 0.5}} {
		expectOK(t, fmt.Sprintf("dual.Pow at %v", p),
			func(v []float64) float64 { return dpow(v, -1).Real },
			func(dst, v []float64) { dst[0], dst[1] = dpow(v, 0).Emag, dpow(v, 1).Emag },
			append([]float64(nil), p...))
		expectOK(t, fmt.Sprintf("hyperdual.Pow at %v", p),
			func(v []float64) float64 { return hpow(v, -1, -1).Real },
			hgrad, append([]float64(nil), p...))
		rep, err := gradcheck.Hessian(hgrad, func(dst, v []float64) {
			for i := range 2 {
				for j := range 2 {
					dst[2*i+j] = hpow(v, i, j).E1E2mag
				}
			}
		}, append([]float64(nil), p...), nil)
		if err != nil || !rep.OK() {
			t.Errorf("hyperdual.Pow at %v, Hessian: %v\n%v", p, err, rep)
		}
	}
}
