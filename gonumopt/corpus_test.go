package gonumopt

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/optimize/functions"
)

// corpusFunc is a function of gonum's optimize/functions with a Grad or a
// Hess method, at the points it is checked at.
type corpusFunc struct {
	name string
	p    optimize.Problem
	// points are where it is checked: the standard starting point (Moré,
	// Garbow and Hillstrom 1981 for most), points far from it and from the
	// minima with unequal coordinates, and then the minima gonum lists.
	points [][]float64
	// standard is the number of points before the minima.
	standard int
}

// seeded returns k points of dimension n with coordinates drawn from
// [−span, span], all different: unequal coordinates expose an x[0] used
// for an x[1], which equal ones hide.
func seeded(seed uint64, k, n int, span float64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([][]float64, k)
	for i := range out {
		out[i] = make([]float64, n)
		for j := range out[i] {
			out[i][j] = span * (2*rng.Float64() - 1)
		}
	}
	return out
}

func with(pts ...[][]float64) [][]float64 {
	var out [][]float64
	for _, p := range pts {
		out = append(out, p...)
	}
	return out
}

func one(x ...float64) [][]float64 { return [][]float64{x} }

// corpus lists every type of gonum.org/v1/gonum/optimize/functions v0.17.0
// with a Grad or a Hess method. The functions of vlse.go have neither.
func corpus() []corpusFunc {
	linear := functions.Linear{}
	ms := functions.NewMinimalSurface(5, 6)
	msx := ms.InitX()
	plass := functions.Plassmann{L: 39, Beta: 0.01}
	yok := functions.YanaiOzawaKaneko{Beta1: 0.001, Beta2: 0.001}
	var cs []corpusFunc
	// minima appends the minima gonum lists for v, of the dimension of
	// one of the points: the gradient is zero there, which a checker must
	// not mistake for a missing gradient.
	minima := func(v any, pts [][]float64) [][]float64 {
		m, ok := v.(interface{ Minima() []functions.Minimum })
		if !ok {
			return pts
		}
		dims := map[int]bool{}
		for _, p := range pts {
			dims[len(p)] = true
		}
		for _, min := range m.Minima() {
			if dims[len(min.X)] {
				pts = append(pts, min.X)
			}
		}
		return pts
	}
	add := func(v any, name string, f func([]float64) float64, g func(dst, x []float64), pts [][]float64) {
		cs = append(cs, corpusFunc{name: name, p: optimize.Problem{Func: f, Grad: g}, points: minima(v, pts), standard: len(pts)})
	}
	addH := func(v any, name string, f func([]float64) float64, g func(dst, x []float64), h func(*mat.SymDense, []float64), pts [][]float64) {
		cs = append(cs, corpusFunc{name: name, p: optimize.Problem{Func: f, Grad: g, Hess: h}, points: minima(v, pts), standard: len(pts)})
	}
	addH(functions.Beale{}, "Beale", functions.Beale{}.Func, functions.Beale{}.Grad, functions.Beale{}.Hess, with(one(1, 1), one(-2.5, 1.7), seeded(1, 3, 2, 3)))
	add(functions.BiggsEXP2{}, "BiggsEXP2", functions.BiggsEXP2{}.Func, functions.BiggsEXP2{}.Grad, with(one(1, 2), seeded(2, 3, 2, 3)))
	add(functions.BiggsEXP3{}, "BiggsEXP3", functions.BiggsEXP3{}.Func, functions.BiggsEXP3{}.Grad, with(one(1, 2, 1), seeded(3, 3, 3, 3)))
	add(functions.BiggsEXP4{}, "BiggsEXP4", functions.BiggsEXP4{}.Func, functions.BiggsEXP4{}.Grad, with(one(1, 2, 1, 1), seeded(4, 3, 4, 3)))
	add(functions.BiggsEXP5{}, "BiggsEXP5", functions.BiggsEXP5{}.Func, functions.BiggsEXP5{}.Grad, with(one(1, 2, 1, 1, 1), seeded(5, 3, 5, 3)))
	add(functions.BiggsEXP6{}, "BiggsEXP6", functions.BiggsEXP6{}.Func, functions.BiggsEXP6{}.Grad, with(one(1, 2, 1, 1, 1, 1), seeded(6, 3, 6, 3)))
	add(functions.Box3D{}, "Box3D", functions.Box3D{}.Func, functions.Box3D{}.Grad, with(one(0, 10, 20), seeded(7, 3, 3, 5)))
	addH(functions.BrownBadlyScaled{}, "BrownBadlyScaled", functions.BrownBadlyScaled{}.Func, functions.BrownBadlyScaled{}.Grad, functions.BrownBadlyScaled{}.Hess, with(one(1, 1), one(-3, 700), seeded(8, 3, 2, 50)))
	addH(functions.BrownAndDennis{}, "BrownAndDennis", functions.BrownAndDennis{}.Func, functions.BrownAndDennis{}.Grad, functions.BrownAndDennis{}.Hess, with(one(25, 5, -5, -1), seeded(9, 3, 4, 20)))
	add(functions.ExtendedPowellSingular{}, "ExtendedPowellSingular", functions.ExtendedPowellSingular{}.Func, functions.ExtendedPowellSingular{}.Grad, with(one(3, -1, 0, 3, 3, -1, 0, 3), seeded(10, 3, 8, 4)))
	add(functions.ExtendedRosenbrock{}, "ExtendedRosenbrock", functions.ExtendedRosenbrock{}.Func, functions.ExtendedRosenbrock{}.Grad, with(one(-1.2, 1, -1.2, 1, -1.2, 1), seeded(11, 3, 5, 3)))
	add(functions.Gaussian{}, "Gaussian", functions.Gaussian{}.Func, functions.Gaussian{}.Grad, with(one(0.4, 1, 0), seeded(12, 3, 3, 2)))
	add(functions.GulfResearchAndDevelopment{}, "GulfResearchAndDevelopment", functions.GulfResearchAndDevelopment{}.Func, functions.GulfResearchAndDevelopment{}.Grad, with(one(5, 2.5, 0.15), one(40, 20, 1.5), one(7, 30, 0.6)))
	add(functions.HelicalValley{}, "HelicalValley", functions.HelicalValley{}.Func, functions.HelicalValley{}.Grad, with(one(-1, 0, 0), seeded(14, 3, 3, 3)))
	add(nil, "Linear", linear.Func, func(dst, x []float64) { linear.Grad(dst, x) }, with(one(1, 2, 3, 4), seeded(15, 2, 4, 100)))
	add(functions.PenaltyI{}, "PenaltyI", functions.PenaltyI{}.Func, functions.PenaltyI{}.Grad, with(one(1, 2, 3, 4), seeded(16, 3, 4, 3)))
	add(functions.PenaltyII{}, "PenaltyII", functions.PenaltyII{}.Func, functions.PenaltyII{}.Grad, with(one(0.5, 0.5, 0.5, 0.5), seeded(17, 3, 4, 2)))
	addH(functions.PowellBadlyScaled{}, "PowellBadlyScaled", functions.PowellBadlyScaled{}.Func, functions.PowellBadlyScaled{}.Grad, functions.PowellBadlyScaled{}.Hess, with(one(0, 1), one(-0.7, 2.3), seeded(18, 3, 2, 3)))
	add(functions.Sphere{}, "Sphere", functions.Sphere{}.Func, functions.Sphere{}.Grad, with(one(1, -2, 3, -4), seeded(19, 2, 5, 10)))
	add(functions.Trigonometric{}, "Trigonometric", functions.Trigonometric{}.Func, functions.Trigonometric{}.Grad, with(one(0.2, 0.2, 0.2, 0.2, 0.2), seeded(20, 3, 5, 2)))
	add(functions.VariablyDimensioned{}, "VariablyDimensioned", functions.VariablyDimensioned{}.Func, functions.VariablyDimensioned{}.Grad, with(one(1-1.0/6, 1-2.0/6, 1-3.0/6, 1-4.0/6, 1-5.0/6, 0), seeded(21, 3, 6, 3)))
	addH(functions.Watson{}, "Watson", functions.Watson{}.Func, functions.Watson{}.Grad, functions.Watson{}.Hess, with(one(0, 0, 0, 0, 0, 0), seeded(22, 2, 6, 2), seeded(23, 2, 9, 1)))
	addH(functions.Wood{}, "Wood", functions.Wood{}.Func, functions.Wood{}.Grad, functions.Wood{}.Hess, with(one(-3, -1, -3, -1), seeded(24, 3, 4, 5)))
	add(functions.ConcaveRight{}, "ConcaveRight", functions.ConcaveRight{}.Func, functions.ConcaveRight{}.Grad, with(one(0.5), one(3), one(-2.2)))
	add(functions.ConcaveLeft{}, "ConcaveLeft", functions.ConcaveLeft{}.Func, functions.ConcaveLeft{}.Grad, with(one(0.5), one(3), one(1.9)))
	add(nil, "Plassmann", plass.Func, plass.Grad, with(one(0.3), one(2.7), one(-1.4)))
	add(nil, "YanaiOzawaKaneko", yok.Func, yok.Grad, with(one(0.3), one(2.7), one(-1.4)))
	add(nil, "MinimalSurface", ms.Func, func(dst, x []float64) { ms.Grad(dst, x) }, with([][]float64{msx}, seeded(25, 2, len(msx), 1)))
	return cs
}

func (c corpusFunc) String() string { return fmt.Sprintf("%s (%d points)", c.name, len(c.points)) }
