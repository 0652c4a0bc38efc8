package gradcheck_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// float32SumLoss is a least-squares loss over n samples of d features, as
// a float64 program that sums its terms in a float32 accumulator computes
// it, plus 0.1·Σ sin(w_j) in float64, and its exact gradient, at a point w;
// the data and w are drawn from seed. With kahan the sum is compensated
// (Kahan), still in float32.
func float32SumLoss(n, d int, seed uint64, kahan bool) (f func(w []float64) float64, grad func(dst, w []float64), w []float64) {
	r := rand.New(rand.NewPCG(seed, uint64(d)))
	xs := make([]float64, n*d)
	for k := range xs {
		xs[k] = r.NormFloat64()
	}
	truth := make([]float64, d)
	for j := range truth {
		truth[j] = 2*r.Float64() - 1
	}
	y := make([]float64, n)
	for k := range y {
		for j := range d {
			y[k] += xs[k*d+j] * truth[j]
		}
		y[k] += 0.5 * r.NormFloat64()
	}
	w = make([]float64, d)
	for j := range w {
		w[j] = 2 * (2*r.Float64() - 1)
	}
	residual := func(w []float64, k int) float64 {
		s := 0.0
		for j := range d {
			s += xs[k*d+j] * w[j]
		}
		return s - y[k]
	}
	f = func(w []float64) float64 {
		var sum, comp float32
		for k := range n {
			r := residual(w, k)
			t := float32(0.5 * r * r)
			if !kahan {
				sum += t
				continue
			}
			y := t - comp
			s := sum + y
			comp = (s - sum) - y
			sum = s
		}
		reg := 0.0
		for _, v := range w {
			reg += 0.1 * math.Sin(v)
		}
		return float64(sum)/float64(n) + reg
	}
	grad = func(dst, w []float64) {
		clear(dst)
		for k := range n {
			r := residual(w, k)
			for j := range d {
				dst[j] += r * xs[k*d+j]
			}
		}
		for j := range dst {
			dst[j] = dst[j]/float64(n) + 0.1*math.Cos(w[j])
		}
	}
	return f, grad, w
}

// TestFloat32SumNoFalseMismatch: a float64 loss summed in float32 over 10⁴
// terms, plus a smooth float64 term, carries noise of about 1e-6 at the
// larger noise spacing; at the smaller two the sum stays on one stair and
// only the smooth term's rounding, 5e-16, shows, so the noise spacings
// refused the larger σ as a kink's pseudo-noise and judged the ladders
// with σ = 0 (found by a test of losses summed in float32). With seed 1
// the smallest steps of x[11]'s ladder, a few stairs of the sum each,
// extrapolated to 2.396 for a derivative of 1.199, with an error bound of
// 4e-9; with seed 3 the Taylor remainder of x[9], at steps near 1e-10
// below the first stair, read the smooth term's slope alone, 0.067 for
// 1.594. Both were Mismatches of a correct gradient. With the sum
// compensated (seed 1 again), the noise spacings refused σ = 4.9e-7 along
// x[0]; along x[4], whose slope moves the sum by a fortieth of a stair over
// their largest window, both found 5e-16, and x[4]'s ladder read the smooth
// term's slope alone at its smallest steps, 0.0712 for 0.0912, with an
// error bound of 6e-10.
func TestFloat32SumNoFalseMismatch(t *testing.T) {
	for _, c := range []struct {
		seed  uint64
		kahan bool
	}{{1, false}, {3, false}, {1, true}} {
		f, grad, w := float32SumLoss(10000, 20, c.seed, c.kahan)
		rep, err := gradcheck.Gradient(f, grad, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		if k := rep.Count(gradcheck.Mismatch); k > 0 || len(rep.Hazards) > 0 {
			t.Errorf("seed %d, Kahan %v: exact gradient of a loss summed in float32: %d mismatches, hazards %v\n%s", c.seed, c.kahan, k, rep.Hazards, rep)
		}
	}
}

// TestRefusedNoiseKeepsKinkMismatch: |x + 3| + exp-tanh(x + exp-tanh(sin x²))
// at its kink x = −3, where the noise spacings refuse the kink's
// pseudo-noise, with a subgradient 0.0625 outside [5.029, 7.028]. Judged
// again with the refused σ, which widened the error bounds of the
// one-sided slopes at the small steps to 0.0165, it passed as a Kink
// (float64 subgradient property seed 5): the ladder's F − B, 2 at every
// row, shows the kink that the refused σ comes from, and the Mismatch
// judged without it stands.
func TestRefusedNoiseKeepsKinkMismatch(t *testing.T) {
	th := func(u float64) float64 { return math.Exp(2 * math.Tanh(u)) }
	dth := func(u float64) float64 { t := math.Tanh(u); return th(u) * 2 * (1 - t*t) }
	f := func(y []float64) float64 { return th(y[0]+th(math.Sin(y[0]*y[0]))) + math.Abs(y[0]+3) }
	grad := func(dst, y []float64) {
		x := y[0]
		inner := dth(math.Sin(x*x)) * math.Cos(x*x) * 2 * x
		dst[0] = dth(x+th(math.Sin(x*x)))*(1+inner) - 1.0625 // the subgradients are [−1, 1]
	}
	rep, err := gradcheck.Gradient(f, grad, []float64{-3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Blocks[0].Entries[0].Verdict; v != gradcheck.Mismatch {
		t.Errorf("subgradient 0.0625 outside: verdict %v, want mismatch\n%s", v, rep)
	}
}

// TestFloat32SumKinkOfNoise: a gradient twice the right one on
// TestFloat32SumNoFalseMismatch's loss (seed 3). Judged with σ = 0, x[8]'s
// one-sided slopes differed by stairs of the float32 sum over each step,
// F − B clear of the one-rounding bound but not steady from row to row,
// and their interval, [0.886, 3.087], held the doubled 1.782: a Kink, which
// passes. With the σ the noise spacings refused, x[8] is a Mismatch.
func TestFloat32SumKinkOfNoise(t *testing.T) {
	f, grad, w := float32SumLoss(10000, 20, 3, false)
	doubled := func(dst, w []float64) {
		grad(dst, w)
		for i := range dst {
			dst[i] *= 2
		}
	}
	rep, err := gradcheck.Gradient(f, doubled, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := rep.Blocks[0].Entries[8]; e.Verdict.Pass() {
		t.Errorf("x[8] doubled: %v with numeric %.4g ± %.3g in [%.4g, %.4g], want no pass\n%s", e.Verdict, e.Numeric, e.ErrEst, e.Left, e.Right, rep)
	}
}
