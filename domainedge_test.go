package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
	"gonum.org/v1/gonum/mat"
)

// Near the edge of a loss's domain, closer than the refinement ladder's
// smallest steps, the slopes of the finite side see the loss blow up as
// the step shrinks toward the edge: they are no series in h, and their
// extrapolation no estimate of the derivative. An agreement needs the same
// evidence as a disagreement, slopes in the Taylor regime; the smaller
// steps of the second ladder see both sides and judge.
func TestDomainEdgeOneSidedAgreement(t *testing.T) {
	for _, d := range []float64{1e-7, 1e-6, 2e-6} {
		// y's derivative g sets the gradient's scale G: before, with
		// g = 1e12, a derivative of 0 along x, where the loss 1/x has
		// −1/d², passed, the forward slopes extrapolated to −3e7 ± 4e7
		// and resolved to 1e-3 of G.
		for _, g := range []float64{1e3, 1e12} {
			exact := -1 / (d * d)
			for _, a := range []float64{exact, 0, exact / 2, -exact} {
				f := func(x []float64) float64 {
					if x[0] <= 0 {
						return math.NaN()
					}
					return 1/x[0] + g*x[1]
				}
				grad := func(dst, x []float64) { dst[0], dst[1] = a, g }
				rep, err := gradcheck.Gradient(f, grad, []float64{d, 0.5}, nil)
				if err != nil {
					t.Fatal(err)
				}
				switch e := rep.Blocks[0].Entries[0]; {
				case a == exact && e.Verdict != gradcheck.OK:
					t.Errorf("1/x at x = %g, y's derivative %g: the exact %g is %v, want ok:\n%v", d, g, a, e.Verdict, rep)
				case a != exact && e.Verdict.Pass():
					t.Errorf("1/x at x = %g, y's derivative %g: %g against the exact %g passed:\n%v", d, g, a, exact, rep)
				}
			}
		}
	}
}

// A loss finite only on (−a, b) around x, both edges within the first
// ladder's steps: its few finite rows on one side gave no verdict, and the
// climbed ladder, all of whose steps leave the domain, called the exact
// derivative NonFinite, though the loss was finite at smaller steps.
func TestDomainEdgeBothSides(t *testing.T) {
	for _, ab := range [][2]float64{{1e-5, 2e-6}, {2e-5, 1e-6}, {1e-4, 1e-6}, {1e-2, 1e-6}} {
		lo, hi := ab[0], ab[1]
		f := func(x []float64) float64 {
			if x[0] <= -lo || x[0] >= hi {
				return math.NaN()
			}
			return 1 / ((x[0] + lo) * (hi - x[0]))
		}
		exact := (lo - hi) / (lo * lo * hi * hi)
		for _, mul := range []float64{1, 1.01, 0, -1} {
			grad := func(dst, x []float64) { dst[0] = mul * exact }
			rep, err := gradcheck.Gradient(f, grad, []float64{0}, nil)
			if err != nil {
				t.Fatal(err)
			}
			switch e := rep.Blocks[0].Entries[0]; {
			case mul == 1 && e.Verdict != gradcheck.OK:
				t.Errorf("domain (−%g, %g): the exact %g is %v, want ok:\n%v", lo, hi, exact, e.Verdict, rep)
			case mul != 1 && e.Verdict.Pass():
				t.Errorf("domain (−%g, %g): %g times the exact %g passed:\n%v", lo, hi, mul, exact, rep)
			}
		}
	}
}

// mahalanobis is x·A⁻¹x with A symmetric, given by its packed lower
// triangle l, and NaN where A is not positive definite; its gradient is
// 2A⁻¹x along x and −y_i·y_j along l (twice off the diagonal), y = A⁻¹x.
func mahalanobis(n int, x, l []float64) *gradcheck.Model[float64] {
	gx, gl := make([]float64, n), make([]float64, len(l))
	solve := func() (float64, *mat.VecDense) {
		a := mat.NewSymDense(n, nil)
		k := 0
		for i := range n {
			for j := 0; j <= i; j++ {
				a.SetSym(i, j, l[k])
				k++
			}
		}
		var ch mat.Cholesky
		if !ch.Factorize(a) {
			return math.NaN(), nil
		}
		xv := mat.NewVecDense(n, append([]float64(nil), x...))
		var y mat.VecDense
		if err := ch.SolveVecTo(&y, xv); err != nil {
			return math.NaN(), nil
		}
		return mat.Dot(xv, &y), &y
	}
	m := &gradcheck.Model[float64]{Blocks: []gradcheck.Block[float64]{
		{Name: "x", Value: x, Grad: gx},
		{Name: "l", Value: l, Grad: gl},
	}}
	m.Loss = func() float64 { f, _ := solve(); return f }
	m.Gradient = func() {
		_, y := solve()
		if y == nil {
			return // out of the domain: the checker's probes of the gradient's rounding go there
		}
		for i := range n {
			gx[i] = 2 * y.AtVec(i)
		}
		k := 0
		for i := range n {
			for j := 0; j <= i; j++ {
				gl[k] = -y.AtVec(i) * y.AtVec(j)
				if i != j {
					gl[k] *= 2
				}
				k++
			}
		}
	}
	return m
}

// A Mahalanobis distance whose matrix has eigenvalues down to 1e-6 is
// finite along a diagonal entry of it only within about 1e-5: its exact
// gradient had entries called NonFinite, and one missing entry of the
// packed gradient (0 for −3.6e7) passed as the forward slopes'
// extrapolation, −5850 ± 7800, resolved to 1e-3 of the gradient's scale.
func TestDomainEdgeMahalanobis(t *testing.T) {
	cases := []struct {
		x, l []float64
	}{
		{ // eigenvalues 1.1, 0.05, 1.1e-3, 1.6e-5, 5.4e-7
			x: []float64{0.724851311634605, -1.2721112597278776, 0.4668806131608466, -0.39154538457372, -0.9431480533095832},
			l: []float64{0.04075420909734502, -0.10851904072921506, 0.3175878966434299, -0.06486197923979437, 0.1733568680068995, 0.10823515320136169, -0.06872604001876728, 0.2217094933991269, 0.10165053333214948, 0.18309691373185188, 0.10683702297884695, -0.3081704755204161, -0.1715300310095138, -0.21056955560984358, 0.2998935699006327},
		},
		{
			x: []float64{0.36492584707254616, 0.44723561841311, 0.9552821305253663},
			l: []float64{0.15636712341761713, -0.3940066938889131, 0.9944903724956999, -0.06716552335147168, 0.17057563213807064, 0.02990992222569273},
		},
	}
	for ci, tc := range cases {
		n := len(tc.x)
		m := mahalanobis(n, tc.x, tc.l)
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Errorf("case %d: the exact gradient fails:\n%v", ci, rep)
		}
		// Each packed entry of the gradient left at 0 in turn.
		exact := m.Gradient
		for k := range tc.l {
			m.Gradient = func() {
				exact()
				m.Blocks[1].Grad[k] = 0
			}
			rep, err := gradcheck.Check(m, nil)
			if err != nil {
				t.Fatal(err)
			}
			if e := rep.Blocks[1].Entries[k]; e.Verdict.Pass() {
				t.Errorf("case %d: l[%d] left at 0 passed as %v (numeric %g ± %g):\n%v", ci, k, e.Verdict, e.Numeric, e.ErrEst, rep)
			}
		}
	}
}
