package spago

import (
	"math"
	"testing"

	"github.com/nlpodyssey/spago/mat"

	"github.com/gradcheck/gradcheck"
)

// The same corpus in float32: spaGO's tensors are generic, and each case
// runs as mat.Dense[float32] checked with a gradcheck.Model[float32],
// whose steps and thresholds follow float32, at the seeds of the float64
// tests, the inputs and the cotangent rounded to float32. Every case the
// float64 tests find right passes, every entry OK away from kinks and a
// Kink at them, none Inconclusive; all at the first pass but NLL's p[2]
// at seed 1, a relative difference of 8.5e-6 that refinement settles,
// six entries of mlpmixer (five at seed 1, one at seed 2), OK after
// refinement too, and the entries at kinks. The rules found wrong fail as
// in float64, except GELU, whose error is below float32's resolution, and
// gMLP with it (TestGMLP).

// agree32 is agree in float32: float32 central differences at gradcheck's
// float32 steps (4e-3 and up) resolve the derivatives here to within
// 7e-6 of the hand-derived ones, relative to the larger of 1 and their
// size, and spaGO's wrong rules are off by 0.017 at least (SELU's α at
// seed 2), AdaNorm's gradient by 0.003 (TestAdaNorm).
const agree32 = 1e-4

// match32 is how closely spaGO's float32 gradient must match its float64
// one at the same point, relative to the largest entry of the block in
// float64 (of all blocks, for a block whose gradient is zero but for
// rounding): float32 holds a value to 6e-8, and a backward pass of a few
// operations, whose entries cancel, loses some digits more: the worst
// here is batchnorm's, 1.2e-6 in most runs and 2.3e-6 at most in 300, as
// it varies with the order its backward pass sums in (TestBackwardOrder).
// A constant of the float32 path written to fewer digits would show
// above it.
const match32 = 1e-5

// checkOK32 asserts that gradcheck accepts every float32 case at two
// seeded points, first pass or not, every entry OK (the points are away
// from kinks), and that each gradient has its input's shape. cases64 are the same cases built in float64, in the same
// order: spaGO's float32 gradient must also match its float64 one at the
// same point, the float32 inputs widened.
func checkOK32(t *testing.T, cases32, cases64 []opCase) {
	t.Helper()
	if len(cases32) != len(cases64) {
		t.Fatalf("%d float32 cases, %d float64", len(cases32), len(cases64))
	}
	worst, worstAt := 0.0, ""
	for ci, c := range cases32 {
		for _, seed := range []uint64{1, 2} {
			rep, p := checkOf[float32](t, c, seed)
			if rep.Precision != "float32" {
				t.Fatalf("%s, seed %d: checked in %s", c.name, seed, rep.Precision)
			}
			if !rep.OK() || rep.Count(gradcheck.OK) != rep.Checked() {
				t.Errorf("%s, seed %d: gradcheck rejects spaGO's float32 gradient, or finds a kink:\n%v", c.name, seed, rep)
			}
			for name, shape := range p.wrongShape {
				t.Errorf("%s, seed %d: the gradient of %s has shape %v", c.name, seed, name, shape)
			}
			vs := narrow[float32](c.point(seed))
			w, ws := cotangentOf(c, vs, seed)
			g32 := backwardOf(c, vs, w, ws)
			g64 := backwardOf(cases64[ci], widen(vs), w, ws)
			largest := func(v []float64) float64 {
				m := 0.0
				for _, x := range v {
					m = math.Max(m, math.Abs(x))
				}
				return m
			}
			all := 0.0
			for _, v := range g64.value {
				all = math.Max(all, largest(v))
			}
			for b := range g32.value {
				// A block whose gradient is zero but for rounding (the
				// bias of self-attention's keys, which adds the same
				// q·b to every score of a softmax) is compared on the
				// scale of the case's largest entry.
				scale := largest(g64.value[b])
				if scale <= 1e-12*all {
					scale = all
				}
				for i, a := range g32.value[b] {
					d := math.Abs(a-g64.value[b][i]) / scale
					if d > worst {
						worst, worstAt = d, c.name
					}
					if d > match32 {
						t.Errorf("%s, seed %d, %s[%d]: spaGO's float32 gradient %.9g, its float64 one %.12g",
							c.name, seed, rep.Blocks[b].Name, i, a, g64.value[b][i])
					}
				}
			}
		}
	}
	t.Logf("%d cases: spaGO's float32 gradients match its float64 ones to %.2g of their block's largest entry (%s)",
		len(cases32), worst, worstAt)
}

// TestOps32 checks every operator case in float32.
func TestOps32(t *testing.T) { checkOK32(t, opCases(), opCases()) }

// TestLosses32 checks every loss in float32.
func TestLosses32(t *testing.T) { checkOK32(t, lossCasesOf[float32](), lossCasesOf[float64]()) }

// TestLayers32 checks every layer in float32.
func TestLayers32(t *testing.T) { checkOK32(t, layerCasesOf[float32](), layerCasesOf[float64]()) }

// TestMoreLayers32 checks the layers of moreLayerCasesOf in float32.
func TestMoreLayers32(t *testing.T) {
	checkOK32(t, moreLayerCasesOf[float32](), moreLayerCasesOf[float64]())
}

// TestKinks32: every entry at a kink is a Kink in float32 too, every
// other OK, and Abs's OK.
func TestKinks32(t *testing.T) { checkKinks[float32](t) }

// TestWrongShape32: the wrong-shape gradients' values pass in float32,
// and their shapes are spaGO's.
func TestWrongShape32(t *testing.T) { checkWrongShape[float32](t) }

// TestForwardBugs32: the gradients of what ScalarMax and MaxPooling 2×3
// compute pass in float32.
func TestForwardBugs32(t *testing.T) {
	for _, tt := range forwardBugs() {
		for _, seed := range []uint64{1, 2} {
			rep, _ := checkOf[float32](t, tt.c, seed)
			if !rep.OK() {
				t.Errorf("%s, seed %d: gradcheck rejects the float32 gradient of what the forward computes:\n%v", tt.c.name, seed, rep)
			}
		}
	}
}

// TestWrong32: the dropped α of CELU, ELU and LeakyReLU, the dropped
// hyperparameters of SELU, SoftPlus, SoftShrink and Threshold (whose
// thresholds pass), Max(x, x) and Min(x, x), and MaxPooling over a pool
// without a positive entry fail in float32 exactly where spaGO's gradient differs from the hand-derived
// one, which agrees with gradcheck's float32 estimate. MaxPooling's
// maximum starts at math.SmallestNonzeroFloat64 in float32 too, which the
// output rounds to 0: the forward computes max(0, max of the pool), and
// the gradient of a negative pool still lands on x[0,0].
func TestWrong32(t *testing.T) {
	pool := negPoolCase()
	_, out := forwardOf(pool, narrow[float32](pool.point(1)))
	if got := mat.Data[float32](out.Value())[3]; got != 0 {
		t.Errorf("float32 MaxPooling of a pool of negative entries (largest −0.2) = %g, want 0, spaGO's 5e-324 rounded", got)
	}
	cases := append(append(append([]opCase{pool}, alphaCases()...), hyperCases()...), maxSelfCases()...)
	for _, c := range cases {
		for _, seed := range []uint64{1, 2} {
			checkWrongOf[float32](t, c, seed, agree32)
		}
	}
}

// TestGELU32: spaGO's GELU rule, off by up to 2e-7 of its value in
// float64 (TestGELU), passes in float32 at both points, every entry at
// the first pass: float32 central differences resolve a derivative to a
// few parts in 1e6 at best, and the rule's error is below that, as is
// the rounding of spaGO's float32 gradient itself. The hand-derived
// gradient agrees with gradcheck's float32 estimate.
func TestGELU32(t *testing.T) {
	c := geluCase()
	for _, seed := range []uint64{1, 2} {
		rep, _ := checkOf[float32](t, c, seed)
		vs := narrow[float32](c.point(seed))
		w, _ := cotangentOf(c, vs, seed)
		want := c.want(widen(vs), w)[0]
		if len(rep.Blocks) != 1 || rep.Checked() != len(want) {
			t.Fatalf("GELU, seed %d: %d blocks, %d entries checked", seed, len(rep.Blocks), rep.Checked())
		}
		for _, e := range rep.Blocks[0].Entries {
			if e.Verdict != gradcheck.OK || e.Refined {
				t.Errorf("GELU, seed %d, x[%d]: verdict %v (refined %v), analytic %.9g, numeric %.9g, hand-derived %.9g",
					seed, e.Index, e.Verdict, e.Refined, e.Analytic, e.Numeric, want[e.Index])
			}
			if d := math.Abs(e.Numeric - want[e.Index]); d > agree32*math.Max(1, math.Abs(want[e.Index])) {
				t.Errorf("GELU, seed %d, x[%d]: the hand-derived %.9g and gradcheck's numeric %.9g differ by %.3g",
					seed, e.Index, want[e.Index], e.Numeric, d)
			}
		}
	}
}
