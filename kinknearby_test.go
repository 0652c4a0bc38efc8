package gradcheck_test

import (
	"math"
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
