package gradcheck_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gradcheck/gradcheck"
	"github.com/gradcheck/gradcheck/zoo"
)

// poolNet is a correct CNN in precision T: a 3×3 convolution of 8 filters
// over 2 images 3×12×12, the activation act, 2×2 max pooling, a linear
// layer 200 → 10 and a mean squared error; 2 234 parameters in the blocks
// K, kb, W and b. ReLU and max pooling put a kink wherever a
// pre-activation crosses zero or two inputs of a window swap: along a
// kernel weight, dozens within 0.1 of it.
func poolNet[T gradcheck.Float](seed uint64, act string) *gradcheck.Model[T] {
	r := rand.New(rand.NewPCG(seed, 77))
	param := func(name string, scale float64, shape ...int) *zoo.Param[T] {
		return f32Param[T](r, name, scale, shape...)
	}
	kern, kb := param("K", 1.0/3, 8, 3, 3, 3), param("kb", 0.1, 8)
	w, b := param("W", 1/math.Sqrt(200), 200, 10), param("b", 0.1, 10)
	x, y := param("x", 1, 2*3*12*12), param("y", 1, 2*10)
	return (&zoo.Net[T]{
		Layers: []zoo.Layer[T]{
			&dataLayer[T]{x.Value},
			&zoo.Conv2D[T]{N: 2, C: 3, H: 12, W: 12, F: 8, K: 3, S: 1, Kern: kern, B: kb},
			&zoo.Act[T]{Kind: act},
			&zoo.MaxPool2D[T]{N: 2, C: 8, H: 10, W: 10, K: 2},
			&zoo.Linear[T]{N: 2, In: 200, Out: 10, W: w, B: b},
		},
		Head: &zoo.MSE[T]{Target: y.Value},
	}).Model()
}

// TestKinkSideStillMovingNotMismatch32 checks correct float32 CNNs whose
// kinks lie closer to a weight, on either side, than float32's smallest
// steps resolve. The ladder read a kink at the weight and extrapolated each
// side's slopes over all its rows, while the slopes at its smallest step,
// past the farther kinks, had come to the exact value:
//
//   - tanh, seed 15, the kernel alone checked: max-pool kinks 2.1e-4 and
//     4.8e-4 from K[161], and 3.8e-3 to 0.1 beyond. Slopes extrapolated to
//     −0.0958 and −0.0971, at the smallest step −0.0775 and −0.0757: the
//     exact −0.0772461 was a Mismatch (and K[158], −0.0907, against
//     −0.0628).
//   - ReLU, seed 15, every block: kinks 1.1e-4 below K[144] and 1.7e-3
//     above. The climbed ladder, steps 0.8 to 1.6e-3, read slopes
//     −0.0771 and −0.1414 ± 0.0059, the forward one −0.1700 at its
//     smallest step: the exact −0.16987 was a Mismatch.
//
// The float64 net at the same point confirms every gradient entry (central
// differences there give −0.07724609 and −0.16987 at steps 1e-4 to 1e-6).
func TestKinkSideStillMovingNotMismatch32(t *testing.T) {
	for _, tc := range []struct {
		act    string
		kernel bool // only the kernel K checked
	}{{zoo.Tanh, true}, {zoo.ReLU, false}} {
		m, ref := poolNet[float32](15, tc.act), poolNet[float64](15, tc.act)
		if tc.kernel {
			m.Blocks, ref.Blocks = m.Blocks[:1], ref.Blocks[:1]
		}
		m.Gradient()
		ref.Gradient()
		rep, err := gradcheck.Check(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, b := range rep.Blocks {
			for _, e := range b.Entries {
				exact := ref.Blocks[k].Grad[e.Index]
				if d := math.Abs(e.Analytic - exact); d > 1e-5*math.Max(1, math.Abs(exact)) {
					t.Fatalf("%s %s[%d]: float32 gradient %.7g, float64 %.7g: the reference does not confirm it", tc.act, b.Name, e.Index, e.Analytic, exact)
				}
				if e.Verdict == gradcheck.Mismatch {
					t.Errorf("%s %s[%d]: exact %.7g (float64 %.7g) called a Mismatch against %.7g ± %.2g (slopes %.6g, %.6g)",
						tc.act, b.Name, e.Index, e.Analytic, exact, e.Numeric, e.ErrEst, e.Left, e.Right)
				}
			}
		}
	}
}

// TestKinkFarSideMovingStillMismatch32 checks that a side still moving
// toward the analytic value withholds a Mismatch only where it is the side
// nearest that value. The float32 ReLU CNN of seed 15's shape at seed 6,
// with its largest kernel entry K[60] 1% off (1.54949 against an exact
// 1.53415): its forward slopes converge to 1.5343 ± 3.5e-4, below the
// wrong value, while the backward ones, a kink about 2e-4 behind K[60],
// rise from 1.4868 to 1.5185 at steps 1.6e-3 to 2e-4. To reach the wrong
// value the backward slopes would have to pass the forward ones' limit,
// and the entry is a Mismatch; withheld for the far side, it was
// Inconclusive.
func TestKinkFarSideMovingStillMismatch32(t *testing.T) {
	m, ref := poolNet[float32](6, zoo.ReLU), poolNet[float64](6, zoo.ReLU)
	m = zoo.Corrupt(m, "K", zoo.Corruption{Pattern: gradcheck.PatternFew, Factor: 0.01})
	ref.Gradient()
	big := 0
	for i, g := range ref.Blocks[0].Grad {
		if math.Abs(g) > math.Abs(ref.Blocks[0].Grad[big]) {
			big = i
		}
	}
	rep, err := gradcheck.Check(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := rep.Blocks[0].Entries[big]
	exact := ref.Blocks[0].Grad[big]
	if d := math.Abs(e.Analytic/exact - 1.01); d > 1e-5 {
		t.Fatalf("K[%d]: gradient %.7g against an exact %.7g, not 1%% off", big, e.Analytic, exact)
	}
	if e.Verdict != gradcheck.Mismatch {
		t.Errorf("K[%d], 1%% off (%.7g against an exact %.7g): %v, want Mismatch (numeric %.7g ± %.2g, slopes %.6g, %.6g)",
			big, e.Analytic, exact, e.Verdict, e.Numeric, e.ErrEst, e.Left, e.Right)
	}
}
