package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestWrongGradientOnBinaryGrid: raising a ladder's round-off bounds to
// the binary grid its loss values lie on (a sum that cancels, 2 + y − 2,
// is a multiple of an ulp of 2) must not hide a wrong gradient: the loss
// of TestIllConditioned's "a sum that cancels" case with its derivative
// along x1 off by 1e-4 (1.2e-11 absolute) is still a Mismatch, since the
// ladder's largest steps resolve it, the grid over 2h being 1e-15 there.
// The same loss computed in float32 lies on the grid of float32's ulps,
// its real round-off; a right gradient passes there, a wrong one off by
// 1e-2 fails.
func TestWrongGradientOnBinaryGrid(t *testing.T) {
	const c = 1.564453125
	x := []float64{7.46294972486794e-08, 1.1641532182693481e-10}
	f := func(x []float64) float64 { return (2 + math.Sin(x[0]*c)*x[1]) + -2 }
	wrong := func(dst, x []float64) {
		dst[0] = c * math.Cos(x[0]*c) * x[1]
		dst[1] = math.Sin(x[0]*c) * (1 + 1e-4)
	}
	rep, err := gradcheck.Gradient(f, wrong, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fails := rep.Blocks[0].Failures(); len(fails) != 1 || fails[0].Index != 1 || fails[0].Verdict != gradcheck.Mismatch {
		t.Errorf("x[1] off by 1e-4 on a loss on the grid of an ulp of 2: failures %v, want a Mismatch at x[1]\n%s", fails, rep)
	}

	f32 := func(x []float64) float64 {
		return float64(float32(math.Sin(x[0]) * math.Exp(x[1])))
	}
	y := []float64{0.7, -0.3}
	for _, bias := range []float64{0, 1e-2} {
		grad := func(dst, x []float64) {
			dst[0] = math.Cos(x[0]) * math.Exp(x[1])
			dst[1] = math.Sin(x[0]) * math.Exp(x[1]) * (1 + bias)
		}
		rep, err := gradcheck.Gradient(f32, grad, y, nil)
		if err != nil {
			t.Fatal(err)
		}
		fails := rep.Blocks[0].Failures()
		if bias == 0 && len(fails) != 0 {
			t.Errorf("a loss rounded to float32, right gradient: failures %v\n%s", fails, rep)
		}
		if bias != 0 && (len(fails) != 1 || fails[0].Index != 1 || fails[0].Verdict != gradcheck.Mismatch) {
			t.Errorf("a loss rounded to float32, x[1] off by 1e-2: failures %v, want a Mismatch at x[1]\n%s", fails, rep)
		}
	}
}
