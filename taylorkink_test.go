package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// sphereUnion is a signed-distance fit: the union of spheres (centre and
// radius, four parameters each) by exact min, squared against targets at
// points. Its gradient takes the sphere that the comparison picks, one
// of the one-sided derivatives where two spheres are equidistant.
type sphereUnion struct {
	pts [][3]float64
	tg  []float64
}

func (s sphereUnion) sdf(x []float64, p [3]float64) (float64, int, [3]float64) {
	best, bk := math.Inf(1), 0
	var u [3]float64
	for k := 0; 4*k < len(x); k++ {
		dx, dy, dz := p[0]-x[4*k], p[1]-x[4*k+1], p[2]-x[4*k+2]
		n := math.Sqrt(dx*dx + dy*dy + dz*dz)
		if d := n - x[4*k+3]; d < best {
			best, bk, u = d, k, [3]float64{dx / n, dy / n, dz / n}
		}
	}
	return best, bk, u
}

func (s sphereUnion) loss(x []float64) float64 {
	var l float64
	for j, p := range s.pts {
		v, _, _ := s.sdf(x, p)
		l += (v - s.tg[j]) * (v - s.tg[j])
	}
	return l
}

func (s sphereUnion) grad(dst, x []float64) {
	clear(dst)
	for j, p := range s.pts {
		v, k, u := s.sdf(x, p)
		dv := 2 * (v - s.tg[j])
		for c := range 3 {
			dst[4*k+c] -= dv * u[c]
		}
		dst[4*k+3] -= dv
	}
}

// TestTaylorKinkOneSide: several points were placed by bisection where
// two spheres are equidistant; along the radius of sphere 0 one such tie
// is at x and another lies between 1e-5 and 1e-4 to its right, within
// the ladder's steps, so that refinement leaves the entry undecided. The
// gradient's value is the right-hand slope, −6.3745; the left-hand one is
// −5.627. The Taylor remainder on the left is linear in h, and made the
// entry a Mismatch: a one-sided remainder refutes only its own side's
// slope, and on the other side this one agrees with the analytic value.
func TestTaylorKinkOneSide(t *testing.T) {
	s := sphereUnion{
		pts: [][3]float64{
			{-1.3635645666207812, 0.38997763460848667, 1.3409978590963618},
			{-0.23989888411443827, 0.9589425813449148, 1.230493711119176},
			{-0.29843400958833066, -1.0844763202674907, 0.4046251230621012},
			{0.23928953415400311, 0.2506273928997409, -0.9862044034476372},
			{-0.6544602236087211, -1.2776421568544445, -0.48613423330797345},
			{0.1155314288373206, -0.6640152559553815, 0.6572872678756614},
			{0.291342712158811, 1.356318692200559, 1.2905570750726643},
			{1.2136043721788363, 0.09175592867630211, -0.2502074335442712},
			{0.22809570221312425, 0.06694177057810236, 0.6309063774535453},
			{0.8520282113055551, -1.4405844583991336, 0.80182075641215},
			{0.282284878057971, 0.031072719819227157, 1.0455189421659223},
			{-0.10282603393715817, -0.43005555884526325, -0.18959259134069928},
			{-0.26708290268039225, 0.27506356913667357, 0.8918838003841767},
			{0.2994571090118716, -1.1557556066579187, 0.22996696312052067},
			{0.2999538313515052, -0.23429732785233381, 0.9244028643998491},
			{-0.02352061379438347, 0.23866618573803028, 0.8994286718879236},
		},
		tg: []float64{-0.09656836007509528, 0.441381035461828, -0.04169774209010233,
			0.5201492239247193, 0.20194687067820657, 0.15865758866179272,
			0.09187228628756827, 0.012955547801750816, 0.29572516272836596,
			-0.14191850078471538, 0.3518774134522216, -0.28263452178339143,
			-0.015109368397250167, 0.018467096435581313, 0.32049358836403996,
			0.13168736039615997},
	}
	x := []float64{-0.4508134536517665, -0.7447711289269585, 0.9166013834150588, 0.5772914386592904,
		0.8597966483200481, -0.3363498552816695, 0.34719386943501873, 0.4799448887059801,
		-0.15980427704810296, 0.8756066521691204, 0.5062896838109783, 0.26570544365130355}
	r, err := gradcheck.Gradient(s.loss, s.grad, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range r.Blocks[0].Entries {
		if e.Verdict == gradcheck.Mismatch {
			t.Errorf("x[%d]: exact one-sided derivative %.6g judged a Mismatch (numeric %.6g ± %.2g, left %.6g, right %.6g, Taylor order %.3g)",
				e.Index, e.Analytic, e.Numeric, e.ErrEst, e.Left, e.Right, e.TaylorOrder)
		}
	}

	// The radius gradient of sphere 0 with its sign flipped lies outside
	// both one-sided slopes: it must still fail.
	wrong := func(dst, x []float64) {
		s.grad(dst, x)
		dst[3] = -dst[3]
	}
	r, err = gradcheck.Gradient(s.loss, wrong, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := r.Blocks[0].Entries[3]; e.Verdict.Pass() {
		t.Errorf("x[3]: sign-flipped derivative %.6g passed as %v (numeric %.6g ± %.2g)", e.Analytic, e.Verdict, e.Numeric, e.ErrEst)
	}
}
