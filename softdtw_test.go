package gradcheck_test

import (
	"math"
	"math/rand"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// softDTW is soft dynamic time warping between the rows of x and y (n×d
// and m×d), with squared Euclidean costs and smoothing gamma:
// R[i][j] = C[i][j] + softmin_γ(R[i−1][j−1], R[i−1][j], R[i][j−1]). grad,
// if not nil, gets the gradient with respect to x by the backward
// recursion; normalise false leaves the soft-min weights unnormalised, a
// bug that matters only where two predecessors nearly tie.
func softDTW(x, y []float64, n, m, d int, gamma float64, grad []float64, normalise bool) float64 {
	R := make([]float64, n*m)
	W := make([][3]float64, n*m)
	at := func(i, j int) float64 {
		switch {
		case i < 0 && j < 0:
			return 0
		case i < 0 || j < 0:
			return math.Inf(1)
		}
		return R[i*m+j]
	}
	cost := func(i, j int) float64 {
		s := 0.0
		for k := 0; k < d; k++ {
			t := x[i*d+k] - y[j*d+k]
			s += t * t
		}
		return s
	}
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			v := [3]float64{at(i-1, j-1), at(i-1, j), at(i, j-1)}
			lo := math.Min(v[0], math.Min(v[1], v[2]))
			var w [3]float64
			sum := 0.0
			for k := range v {
				w[k] = math.Exp(-(v[k] - lo) / gamma)
				sum += w[k]
			}
			if normalise {
				for k := range w {
					w[k] /= sum
				}
			}
			W[i*m+j] = w
			R[i*m+j] = cost(i, j) + lo - gamma*math.Log(sum)
			if i == 0 && j == 0 {
				R[0] = cost(0, 0)
				W[0] = [3]float64{}
			}
		}
	}
	if grad != nil {
		E := make([]float64, n*m)
		E[n*m-1] = 1
		clear(grad)
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				e := E[i*m+j]
				for k, p := range [3][2]int{{-1, -1}, {-1, 0}, {0, -1}} {
					if i+p[0] >= 0 && j+p[1] >= 0 {
						E[(i+p[0])*m+j+p[1]] += e * W[i*m+j][k]
					}
				}
				for k := 0; k < d; k++ {
					grad[i*d+k] += e * 2 * (x[i*d+k] - y[j*d+k])
				}
			}
		}
	}
	return R[n*m-1]
}

// Soft-DTW at γ = 1e-4 with two rows of x 1e-9 apart: along x[3] the loss
// turns from a slope near −0.05 to one near −9.2 within 3e-5 of x, and its
// derivative at x is −4.00008. The unnormalised soft-min weights give
// −9.166, the slope beyond the turn on the + side. The Taylor remainder
// on that side, at steps from 0.03 up, far above the turn, is of order 2;
// the secant on the − side at those steps is −0.08. An OK from one side
// must agree with the other side's secant.
func TestSoftDTWOneSidedTaylor(t *testing.T) {
	r := rand.New(rand.NewSource(1024))
	n, m, d := 5+r.Intn(36), 5+r.Intn(36), 1+r.Intn(4)
	x := make([]float64, n*d)
	y := make([]float64, m*d)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	for i := range y {
		y[i] = r.NormFloat64()
	}
	copy(x[d:2*d], x[:d])
	x[d] += 1e-9
	const gamma = 1e-4
	const entry = 3
	f := func(x []float64) float64 { return softDTW(x, y, n, m, d, gamma, nil, true) }
	for _, tc := range []struct {
		name      string
		normalise bool
	}{{"exact", true}, {"unnormalised weights", false}} {
		g := func(dst, x []float64) { softDTW(x, y, n, m, d, gamma, dst, tc.normalise) }
		rep, err := gradcheck.Gradient(f, g, append([]float64(nil), x...), nil)
		if err != nil {
			t.Fatal(err)
		}
		e := rep.Blocks[0].Entries[entry]
		if pass := e.Verdict.Pass(); pass != tc.normalise {
			t.Errorf("%s: x[%d]: verdict %v (analytic %g, numeric %g ± %g, step %g), want pass = %v",
				tc.name, entry, e.Verdict, e.Analytic, e.Numeric, e.ErrEst, e.Step, tc.normalise)
		}
	}
}
