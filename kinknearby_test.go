package gradcheck_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestKinkWithKinkNearby: the loss of a ReLU regressor along the bias b of
// one hidden unit and its output weight u, (1/2N)·Σ_k (a_k + u·max(c_k +
// b, 0))², at b = 0 (from a float64 check of a regressor with zero biases:
// four samples have zero inputs, c_k = 0, a kink at b; one has c_k =
// 3.39e-5, a second kink just left of it). The backward slopes at the
// steps above 3.39e-5 see both kinks and are no series in h; below it they
// converge to the slope at b. Before a Mismatch at a kink needed the rows
// each side's slopes converge on to reject the analytic value too
// (judgeKink), the backward slopes were extrapolated from the large steps
// to 0.442, and the exact left slope, 0.311384, was called a Mismatch: 4
// checks in 3000 of such regressors with zero biases and rows of zero
// inputs in float64, 37 in float32. Each end of the subgradients and a
// value between them must pass, and values outside must not.
func TestKinkWithKinkNearby(t *testing.T) {
	c := []float64{0.21201917, -0.26405615, 0.2256147, 3.3941655e-05, 0, -0.74178265, -1.1084689, 0, -0.54726814, 0.13188195, 0, 0, -0.44903547}
	a := []float64{0.30632689, -0.27801249, -1.5300273, 1.0647153, -0.30760920, -1.5847845, -2.1576391, 0.65102245, -3.0460769, -1.4515873, -0.27353596, -0.55180657, -1.8215128}
	n := float64(len(c))
	f := func(x []float64) float64 {
		s := 0.0
		for k := range c {
			r := a[k] + x[1]*math.Max(c[k]+x[0], 0)
			s += r * r
		}
		return s / (2 * n)
	}
	// The slopes in b at b = 0: the left one, and the right one, which the
	// samples with c_k = 0 join.
	var left, jump float64
	for k := range c {
		switch {
		case c[k] > 0:
			left += (a[k] + -1.6037937*c[k]) * -1.6037937 / n
		case c[k] == 0:
			jump += a[k] * -1.6037937 / n
		}
	}
	for _, tc := range []struct {
		name string
		s    float64 // ∂/∂b is the left slope plus s times the jump
		pass bool
	}{
		{"left slope", 0, true},
		{"right slope", 1, true},
		{"between", 0.5, true},
		{"beyond the left slope", -0.2, false},
		{"beyond the right slope", 1.2, false},
	} {
		grad := func(dst, x []float64) {
			dst[0], dst[1] = 0, 0
			for k := range c {
				h := c[k] + x[0]
				r := a[k] + x[1]*math.Max(h, 0)
				if h > 0 {
					dst[0] += r * x[1] / n
				}
				dst[1] += r * math.Max(h, 0) / n
			}
			dst[0] += tc.s * jump
		}
		x := []float64{0, -1.6037937}
		rep, err := gradcheck.Gradient(f, grad, x, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range rep.Blocks[0].Entries {
			if want := tc.pass || e.Index != 0; e.Verdict.Pass() != want {
				t.Errorf("%s (left slope %.6g, jump %.6g): x[%d] is %v\n%s", tc.name, left, jump, e.Index, e.Verdict, rep)
			}
		}
	}
}

// reluZeroBias is a float32 ReLU regressor computed in float32, as
// frameworks compute one: a hidden layer of 4 to 7 units with biases 0, 6
// to 15 samples of 3 inputs, a third of them all zero, so that every
// unit's pre-activation is exactly 0 on those samples, and a loss of half
// the mean squared error. It returns the model, with the gradient
// backpropagated with relu'(0) = 0, a subgradient at every kink.
func reluZeroBias(seed uint64) *gradcheck.Model[float32] {
	r := rand.New(rand.NewPCG(seed, 7))
	in, h, n := 3, 4+r.IntN(4), 6+r.IntN(10)
	w1, b1, w2 := make([]float32, in*h), make([]float32, h), make([]float32, h)
	for i := range w1 {
		w1[i] = float32(0.5 * r.NormFloat64())
	}
	for i := range w2 {
		w2[i] = float32(r.NormFloat64())
	}
	x, y := make([]float32, n*in), make([]float32, n)
	for k := range n {
		if r.IntN(3) != 0 {
			for j := range in {
				x[k*in+j] = float32(r.NormFloat64())
			}
		}
		y[k] = float32(r.NormFloat64())
	}
	z := make([]float32, h)
	forward := func(k int) float32 {
		var o float32
		for q := range h {
			s := b1[q]
			for j := range in {
				s += x[k*in+j] * w1[j*h+q]
			}
			z[q] = s
			o += w2[q] * max(0, s)
		}
		return o
	}
	g1, gb, g2 := make([]float32, in*h), make([]float32, h), make([]float32, h)
	return &gradcheck.Model[float32]{
		Blocks: []gradcheck.Block[float32]{
			{Name: "W1", Shape: []int{in, h}, Value: w1, Grad: g1},
			{Name: "b1", Value: b1, Grad: gb},
			{Name: "W2", Value: w2, Grad: g2},
		},
		Loss: func() float64 {
			var s float32
			for k := range n {
				e := forward(k) - y[k]
				s += e * e / 2
			}
			return float64(s / float32(n))
		},
		Gradient: func() {
			for _, g := range [][]float32{g1, gb, g2} {
				clear(g)
			}
			for k := range n {
				d := (forward(k) - y[k]) / float32(n)
				for q := range h {
					g2[q] += d * max(0, z[q])
					if z[q] > 0 {
						gb[q] += d * w2[q]
						for j := range in {
							g1[j*h+q] += d * w2[q] * x[k*in+j]
						}
					}
				}
			}
		},
	}
}

// TestKinkWithKinkNearby32: float32 regressors of reluZeroBias whose
// biases sit at a kink with other samples' kinks within the float32
// ladder's steps, which stop at 2.4e-4. Extrapolated over every row, the
// one-sided slopes of the side that sees the other kinks called an exact
// subgradient a Mismatch; extrapolated over the rows below their last
// growing correction (judgeKink), they do not. Over 3000 such regressors,
// checks with a Mismatch fell from 37 to 16; these are five of them.
func TestKinkWithKinkNearby32(t *testing.T) {
	for _, seed := range []uint64{1109, 1383, 1674, 1689, 1821} {
		rep, err := gradcheck.Check(reluZeroBias(seed), nil)
		if err != nil {
			t.Fatal(err)
		}
		if k := rep.Count(gradcheck.Mismatch); k > 0 {
			t.Errorf("seed %d: %d exact entries called a Mismatch\n%s", seed, k, rep)
		}
	}
}
