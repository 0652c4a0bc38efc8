package gradcheck_test

import (
	"math"
	"testing"

	"github.com/gradcheck/gradcheck"
)

// TestGrowingCorrectionsAboveRegime: a wrong gradient must stay a Mismatch
// where the ladder's corrections grow only at steps outside the Taylor
// regime. sin(tanh(1.34375·1.375·x·et(x))) at x = 6e-8 (et(u) = exp(2·tanh u);
// found by TestPropertyWrongGradientsFail, -rapid.seed=1 at 100000 checks):
// its central differences' corrections grow from step 0.05 to 0.025, before
// any has shrunk, and taking that growth for round-off (grownNoise without
// its regime condition) raised σ to 2.4e-6 and passed a gradient off by 1e-4.
func TestGrowingCorrectionsAboveRegime(t *testing.T) {
	const k = 1.34375 * 1.375
	f := func(x []float64) float64 {
		return math.Sin(math.Tanh(1.34375 * ((x[0] * 1.375) * math.Exp(2*math.Tanh(x[0])))))
	}
	grad := func(dst, x []float64) {
		u := x[0]
		th := math.Tanh(u)
		e := math.Exp(2 * th)
		tg := math.Tanh(k * u * e)
		dg := k * (e + u*e*2*(1-th*th))
		dst[0] = math.Cos(tg) * (1 - tg*tg) * dg * (1 + 1e-4) // off by 1e-4
	}
	rep, err := gradcheck.Gradient(f, grad, []float64{5.960464477539063e-08}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Blocks[0].Entries[0].Verdict; v != gradcheck.Mismatch {
		t.Errorf("gradient off by 1e-4: verdict %v, want mismatch\n%s", v, rep)
	}
	// x·(x − 1.6875)·et(et(2x)) at x = 4.5e-8 (seed 9113 at 200000
	// checks): corrections 2.3e-2, 2.7e-4 (a collapse, outside the regime
	// by inTaylorRegime's measure), then 3.5e-4 at step 0.0125; taken for
	// round-off, σ 6e-7 passed a gradient off by 1e-4.
	g := func(x []float64) float64 { return x[0] * (x[0] - 1.6875) * et(et(2*x[0])) }
	gradG := func(dst, x []float64) {
		u := x[0]
		t1 := math.Tanh(2 * u)
		e1 := math.Exp(2 * t1) // et(2u)
		t2 := math.Tanh(e1)
		e2 := math.Exp(2 * t2) // et(et(2u))
		de2 := e2 * 2 * (1 - t2*t2) * e1 * 2 * (1 - t1*t1) * 2
		dst[0] = ((2*u-1.6875)*e2 + u*(u-1.6875)*de2) * (1 + 1e-4) // off by 1e-4
	}
	rep, err = gradcheck.Gradient(g, gradG, []float64{4.470348358154297e-08}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Blocks[0].Entries[0].Verdict; v != gradcheck.Mismatch {
		t.Errorf("gradient off by 1e-4: verdict %v, want mismatch\n%s", v, rep)
	}
}

func et(u float64) float64 { return math.Exp(2 * math.Tanh(u)) }
